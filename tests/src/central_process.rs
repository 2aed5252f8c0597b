//! The central store as its own process on a throwaway PostgreSQL, with the operator's commands, for
//! tests that kill and restart it.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use crate::Error;

/// A built binary of this workspace: `<target>/debug/<name>`, or in `SKRANKE_BIN_DIR` when set (the
/// load benchmark runs the release build).
pub fn workspace_binary(name: &str) -> PathBuf {
    let dir = std::env::var_os("SKRANKE_BIN_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
                .join("debug")
        });
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} is not built: cargo build -p skranke-central -p skranke-cli (cargo xtask test does)",
        path.display()
    );
    path
}

/// PostgreSQL, a database, and `skranke-central serve` on a fixed port.
#[derive(Debug)]
pub struct CentralProcess {
    pub postgres: skranke_testpg::TestServer,
    pub database_url: String,
    pub addr: SocketAddr,
    server: Option<Child>,
    /// How many times the server was started.
    pub starts: u32,
    /// A configuration file (payment providers, mail) given to every command, if any.
    config: Option<PathBuf>,
    /// Where the server's log goes and at which `RUST_LOG` filter; without it only errors are
    /// written, and discarded.
    log: Option<(PathBuf, String)>,
}

impl CentralProcess {
    /// Starts PostgreSQL, migrates a fresh database, adds store OSL, and starts the server.
    pub fn start() -> Result<CentralProcess, Error> {
        CentralProcess::start_with_config(|_| None)
    }

    /// As `start`, with the configuration file `config(address)` returns (TOML), written to a
    /// temporary folder; the server's address is chosen first so the file can name it.
    pub fn start_with_config(
        config: impl FnOnce(SocketAddr) -> Option<String>,
    ) -> Result<CentralProcess, Error> {
        CentralProcess::start_logged(config, None)
    }

    /// As `start_with_config`, the server logging to `log.0` with the `RUST_LOG` filter `log.1`,
    /// appended across restarts.
    pub fn start_logged(
        config: impl FnOnce(SocketAddr) -> Option<String>,
        log: Option<(PathBuf, String)>,
    ) -> Result<CentralProcess, Error> {
        let postgres = skranke_testpg::TestServer::start()?;
        let name = format!("central_{}", std::process::id());
        let psql = Command::new("psql")
            .args([&postgres.url, "-q", "-c", &format!("CREATE DATABASE {name}")])
            .output()?;
        if !psql.status.success() {
            return Err(format!("psql: {}", String::from_utf8_lossy(&psql.stderr)).into());
        }
        let database_url = skranke_testpg::with_database(&postgres.url, &name);
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())?
            .port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let config = match config(addr) {
            Some(text) => {
                let path =
                    std::env::temp_dir().join(format!("skranke-central-{}-{port}.toml", std::process::id()));
                std::fs::write(&path, text)?;
                Some(path)
            }
            None => None,
        };
        let mut central = CentralProcess {
            postgres,
            database_url,
            addr,
            server: None,
            starts: 0,
            config,
            log,
        };
        central.ok(&["migrate"])?;
        central.ok(&["store", "add", "OSL", "Skranke Oslo"])?;
        central.start_server()?;
        Ok(central)
    }

    /// Runs an operator command; returns its output.
    pub fn command(&self, args: &[&str]) -> Result<Output, Error> {
        Ok(Command::new(workspace_binary("skranke-central"))
            .args(self.config_args())
            .args(args)
            .env("DATABASE_URL", &self.database_url)
            .env("RUST_LOG", "error")
            .output()?)
    }

    /// Runs an operator command that must succeed; returns its standard output.
    pub fn ok(&self, args: &[&str]) -> Result<String, Error> {
        succeeded(&format!("skranke-central {args:?}"), self.command(args)?)
    }

    /// Starts `serve` and returns once it listens.
    pub fn start_server(&mut self) -> Result<(), Error> {
        let child = self.spawn_serve(self.addr)?;
        self.server = Some(child);
        self.starts += 1;
        Ok(())
    }

    /// Starts one more `serve` on the same database, on a port of its own (issue 21: two instances
    /// behind one address); it is killed when dropped.
    pub fn start_instance(&self) -> Result<Instance, Error> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())?
            .port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        Ok(Instance {
            child: self.spawn_serve(addr)?,
            addr,
        })
    }

    fn spawn_serve(&self, addr: SocketAddr) -> Result<Child, Error> {
        use std::io::BufRead;
        use std::io::Write;
        let mut command = Command::new(workspace_binary("skranke-central"));
        command
            .args(self.config_args())
            .arg("serve")
            .env("DATABASE_URL", &self.database_url)
            .env("SKRANKE_LISTEN", addr.to_string())
            .env("SKRANKE_ADMIN_TOKEN", "admin")
            .stderr(Stdio::piped());
        let mut log = match &self.log {
            Some((path, filter)) => {
                command.env("RUST_LOG", filter);
                Some(std::fs::OpenOptions::new().create(true).append(true).open(path)?)
            }
            None => {
                command.env("RUST_LOG", "error");
                None
            }
        };
        let mut child = command.spawn()?;
        let stderr = child.stderr.take().ok_or("skranke-central serve has no stderr")?;
        let mut lines = std::io::BufReader::new(stderr).lines();
        loop {
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(f) = log.as_mut() {
                        writeln!(f, "{line}")?;
                    }
                    if line.contains("lytter på") {
                        break;
                    }
                }
                _ => return Err("skranke-central serve stopped before listening".into()),
            }
        }
        // Keep draining its stderr (into the log, if any) so it never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                if let Some(f) = log.as_mut() {
                    let _ = writeln!(f, "{line}");
                }
            }
        });
        Ok(child)
    }

    /// SIGKILL, as a crash would.
    pub fn kill_server(&mut self) {
        if let Some(mut c) = self.server.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The running server's process id (a benchmark reads its CPU time).
    pub fn server_pid(&self) -> Option<u32> {
        self.server.as_ref().map(Child::id)
    }

    fn config_args(&self) -> Vec<std::ffi::OsString> {
        match &self.config {
            Some(p) => vec!["--config".into(), p.clone().into_os_string()],
            None => Vec::new(),
        }
    }
}

impl Drop for CentralProcess {
    fn drop(&mut self) {
        self.kill_server();
        if let Some(p) = &self.config {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// A further `serve` process on the central store's database.
#[derive(Debug)]
pub struct Instance {
    child: Child,
    pub addr: SocketAddr,
}

impl Instance {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The desk's CLI on a data folder of its own.
#[derive(Debug, Clone)]
pub struct DeskProcess {
    pub data_dir: PathBuf,
}

impl DeskProcess {
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(workspace_binary("skranke"));
        // Scripts act as a named service (the audit log says so); a person would give --staff.
        cmd.arg("--data-dir")
            .arg(&self.data_dir)
            .env("SKRANKE_SERVICE", "e2e")
            .env("SKRANKE_LOG_DIR", self.log_dir())
            .args(args);
        cmd
    }

    /// The desk's log folder: beside its data folder, as the OS log folder is in real use.
    pub fn log_dir(&self) -> PathBuf {
        self.data_dir.with_extension("logg")
    }

    /// Runs a command that must succeed; returns its standard output.
    pub fn ok(&self, args: &[&str]) -> Result<String, Error> {
        succeeded(&format!("skranke {args:?}"), self.command(args).output()?)
    }
}

/// The standard output of a command that succeeded; otherwise an error with everything it said.
fn succeeded(what: &str, out: Output) -> Result<String, Error> {
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "{what}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
        .into())
    }
}
