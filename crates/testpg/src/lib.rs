//! A throwaway PostgreSQL cluster (initdb + pg_ctl from Debian's `postgresql` package) for tests and
//! benchmarks: started on a free port in a temporary folder, stopped when its owner process ends.
//!
//! Root cannot run PostgreSQL, so as root the cluster runs as the `postgres` user the package creates.
//! A watchdog shell stops the cluster when the process that started it dies, even by SIGKILL: a test
//! binary keeps its cluster in a static, whose destructor never runs.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A running cluster. Dropping it stops the server and removes its folder.
#[derive(Debug)]
pub struct Cluster {
    dir: tempfile::TempDir,
    port: u16,
    bin: PathBuf,
    run_as: Option<String>,
}

/// Why no cluster could be started, with what to do about it.
#[derive(Debug)]
pub struct StartError(pub String);

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StartError {}

impl Cluster {
    /// initdb (about 4 s) and start on a free port on 127.0.0.1, trust authentication for `postgres`.
    pub fn start() -> Result<Cluster, StartError> {
        let bin = bin_dir()?;
        let run_as = if is_root() {
            Some("postgres".to_string())
        } else {
            None
        };
        let dir = tempfile::Builder::new()
            .prefix("skranke-pg-")
            .tempdir()
            .map_err(|e| StartError(format!("temporary folder: {e}")))?;
        let data = dir.path().join("data");
        let sock = dir.path().join("sock");
        let logs = dir.path().join("log");
        for d in [&data, &sock, &logs] {
            std::fs::create_dir(d).map_err(|e| StartError(format!("{}: {e}", d.display())))?;
        }
        if let Some(user) = &run_as {
            make_owned_by(dir.path(), &[&data, &sock, &logs], user)?;
        }
        let mut cluster = Cluster {
            dir,
            port: 0,
            bin,
            run_as,
        };
        cluster.run(
            "initdb",
            &[
                "-D",
                path_str(&data)?,
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ],
        )?;
        // A free port can be taken between asking and binding: try a few.
        let mut last = StartError("no attempt".into());
        for _ in 0..5 {
            cluster.port = free_port()?;
            match cluster.pg_start() {
                Ok(()) => {
                    cluster.watch_owner()?;
                    return Ok(cluster);
                }
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    fn pg_start(&self) -> Result<(), StartError> {
        // pg_stat_statements: the load benchmarks read from it where PostgreSQL's time goes.
        let data = self.dir.path().join("data");
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=400 -c shared_buffers=128MB -c shared_preload_libraries=pg_stat_statements",
            self.port,
            path_str(&self.dir.path().join("sock"))?
        );
        let log = self.dir.path().join("log/server.log");
        self.run(
            "pg_ctl",
            &[
                "-D",
                path_str(&data)?,
                "-l",
                path_str(&log)?,
                "-o",
                &options,
                "-w",
                "start",
            ],
        )
    }

    /// Stops the server as a power cut would (`-m immediate`: no checkpoint, crash recovery on the
    /// next start) and starts it again on the same port.
    pub fn crash_and_restart(&self) -> Result<(), StartError> {
        let data = self.dir.path().join("data");
        self.run(
            "pg_ctl",
            &["-D", path_str(&data)?, "-m", "immediate", "-w", "stop"],
        )?;
        self.pg_start()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's URL for `database` (no password: trust authentication on loopback).
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    fn command(&self, program: &str) -> Command {
        let exe = self.bin.join(program);
        match &self.run_as {
            Some(user) => {
                let mut cmd = Command::new("runuser");
                cmd.args(["-u", user, "--"]).arg(exe);
                cmd
            }
            None => Command::new(exe),
        }
    }

    fn run(&self, program: &str, args: &[&str]) -> Result<(), StartError> {
        let out = self
            .command(program)
            .args(args)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .output()
            .map_err(|e| StartError(format!("{program}: {e}")))?;
        if out.status.success() {
            Ok(())
        } else {
            let log = std::fs::read_to_string(self.dir.path().join("log/server.log")).unwrap_or_default();
            Err(StartError(format!(
                "{program} failed: {}{}\n{log}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )))
        }
    }

    /// Stops the cluster once this process is gone, however it went.
    fn watch_owner(&self) -> Result<(), StartError> {
        let data = self.dir.path().join("data");
        let stop = format!(
            "{} -D '{}' -m immediate stop",
            self.bin.join("pg_ctl").display(),
            data.display()
        );
        let stop = match &self.run_as {
            Some(user) => format!("runuser -u {user} -- {stop}"),
            None => stop,
        };
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 1; done; {stop} >/dev/null 2>&1; rm -rf '{dir}'",
            pid = std::process::id(),
            dir = self.dir.path().display()
        );
        Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map(|_| ())
            .map_err(|e| StartError(format!("watchdog: {e}")))
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        if let Some(data) = data.to_str() {
            let _ = self.run("pg_ctl", &["-D", data, "-m", "fast", "-w", "stop"]);
        }
    }
}

/// A server for one test or benchmark: `DATABASE_URL`'s when set, else a cluster of its own.
///
/// A cluster of its own per test, because transaction ids are cluster-wide: a test that holds a
/// transaction open on purpose would otherwise hold back the pull cursors of every other test.
#[derive(Debug)]
pub struct TestServer {
    /// The `postgres` database's URL; use [`with_database`] for another.
    pub url: String,
    cluster: Option<Cluster>,
}

impl TestServer {
    pub fn start() -> Result<TestServer, StartError> {
        if let Ok(url) = std::env::var("DATABASE_URL") {
            if !url.trim().is_empty() {
                return Ok(TestServer { url, cluster: None });
            }
        }
        let cluster = Cluster::start()?;
        Ok(TestServer {
            url: cluster.url("postgres"),
            cluster: Some(cluster),
        })
    }

    /// The throwaway cluster (none with DATABASE_URL's server).
    pub fn cluster(&self) -> Option<&Cluster> {
        self.cluster.as_ref()
    }
}

/// `url` with its database name replaced.
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{database}?{q}"),
        None => format!("{base}/{database}"),
    }
}

fn bin_dir() -> Result<PathBuf, StartError> {
    if let Ok(dir) = std::env::var("PG_BIN") {
        return Ok(PathBuf::from(dir));
    }
    let root = Path::new("/usr/lib/postgresql");
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(root)
        .map_err(|_| {
            StartError("PostgreSQL is not installed: apt-get install postgresql (or set DATABASE_URL)".into())
        })?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, bin)| bin)
        .ok_or_else(|| StartError(format!("no initdb under {}", root.display())))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn make_owned_by(parent: &Path, dirs: &[&Path], user: &str) -> Result<(), StartError> {
    use std::os::unix::fs::PermissionsExt;
    let id = |flag: &str| -> Result<u32, StartError> {
        let out = Command::new("id")
            .args([flag, user])
            .output()
            .map_err(|e| StartError(format!("id: {e}")))?;
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .map_err(|_| StartError(format!("no user {user}: apt-get install postgresql creates it")))
    };
    let (uid, gid) = (id("-u")?, id("-g")?);
    std::fs::set_permissions(parent, std::fs::Permissions::from_mode(0o755))
        .map_err(|e| StartError(format!("{}: {e}", parent.display())))?;
    for d in dirs {
        std::os::unix::fs::chown(d, Some(uid), Some(gid))
            .map_err(|e| StartError(format!("chown {}: {e}", d.display())))?;
    }
    Ok(())
}

fn free_port() -> Result<u16, StartError> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| StartError(format!("free port: {e}")))
}

fn path_str(p: &Path) -> Result<&str, StartError> {
    p.to_str()
        .ok_or_else(|| StartError(format!("not UTF-8: {}", p.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_name_is_replaced_keeping_options() {
        assert_eq!(
            with_database("postgres://u:p@h:5432/app?sslmode=disable", "t1"),
            "postgres://u:p@h:5432/t1?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h:5432", "t1"), "postgres://h:5432/t1");
    }

    #[test]
    fn a_cluster_starts_answers_and_stops() {
        let cluster = Cluster::start().unwrap();
        let port = cluster.port();
        assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
        let dir = cluster.dir.path().to_path_buf();
        drop(cluster);
        assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
        assert!(!dir.exists());
    }
}
