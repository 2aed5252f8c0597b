//! A real CUPS scheduler of the test's own: `cupsd` in a temporary folder, listening on a socket
//! there, with printers that write to files. The desk reaches it through `CUPS_SERVER`, as a desk
//! reaches a shop's print server; the machine's own printing is never touched.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use crate::{Error, PATIENCE};

/// One running `cupsd`; stopped when dropped.
#[derive(Debug)]
pub struct PrintServer {
    dir: tempfile::TempDir,
    cupsd: Child,
}

impl PrintServer {
    /// Starts `cupsd` and waits until it answers.
    pub fn start() -> Result<PrintServer, Error> {
        let dir = tempfile::Builder::new().prefix("cups").tempdir_in("/tmp")?;
        let root = dir.path();
        for sub in ["spool", "cache", "state", "log", "ut"] {
            std::fs::create_dir_all(root.join(sub))?;
        }
        std::fs::write(
            root.join("cupsd.conf"),
            format!(
                "Listen {socket}\nLogLevel warn\nBrowsing No\n\
                 <Location />\n  Order allow,deny\n  Allow all\n</Location>\n\
                 <Policy default>\n  <Limit All>\n    Order deny,allow\n  </Limit>\n</Policy>\n",
                socket = root.join("cups.sock").display()
            ),
        )?;
        // cupsd refuses to run its jobs as root: as root it drops to the `lp` account, which must
        // reach the folders; as anyone else it runs as that user.
        let user = if is_root() { "User lp\nGroup lp\n" } else { "" };
        std::fs::write(
            root.join("cups-files.conf"),
            format!(
                "ServerRoot {r}\nRequestRoot {r}/spool\nCacheDir {r}/cache\nStateDir {r}/state\n\
                 TempDir {r}/spool\nAccessLog {r}/log/access_log\nErrorLog {r}/log/error_log\n\
                 PageLog {r}/log/page_log\nFileDevice Yes\nServerBin /usr/lib/cups\n\
                 DataDir /usr/share/cups\n{user}",
                r = root.display()
            ),
        )?;
        open_to_all(root)?;
        let cupsd = Command::new("/usr/sbin/cupsd")
            .arg("-f")
            .arg("-c")
            .arg(root.join("cupsd.conf"))
            .arg("-s")
            .arg(root.join("cups-files.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cupsd did not start (is cups-daemon installed?): {e}"))?;
        let server = PrintServer { dir, cupsd };
        let started = Instant::now();
        while !server.lpstat(&["-r"])?.contains("scheduler is running") {
            if started.elapsed() > PATIENCE {
                return Err(format!(
                    "cupsd did not answer: {}",
                    std::fs::read_to_string(server.dir.path().join("log/error_log")).unwrap_or_default()
                )
                .into());
            }
            std::thread::yield_now();
        }
        Ok(server)
    }

    /// What a client sets `CUPS_SERVER` to.
    pub fn address(&self) -> PathBuf {
        self.dir.path().join("cups.sock")
    }

    /// Adds a printer that writes its jobs to a file; `default` makes it the system's default.
    pub fn add_printer(&self, name: &str, default: bool) -> Result<(), Error> {
        let device = format!("file://{}", self.dir.path().join("ut").join(name).display());
        self.lpadmin(&["-p", name, "-E", "-v", &device])?;
        if default {
            self.lpadmin(&["-d", name])?;
        }
        Ok(())
    }

    /// The jobs `printer` has taken (waiting or done), as CUPS names them ("Lager-1").
    pub fn jobs(&self, printer: &str) -> Result<Vec<String>, Error> {
        let all = self.lpstat(&["-W", "all", "-o", printer])?;
        Ok(all
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .map(str::to_string)
            .collect())
    }

    fn lpstat(&self, args: &[&str]) -> Result<String, Error> {
        let out = self.client("lpstat").args(args).output()?;
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn lpadmin(&self, args: &[&str]) -> Result<(), Error> {
        let out = self.client("/usr/sbin/lpadmin").args(args).output()?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!("lpadmin {args:?}: {}", String::from_utf8_lossy(&out.stderr)).into())
        }
    }

    fn client(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        c.env("CUPS_SERVER", self.address()).env("LC_ALL", "C");
        c
    }
}

impl Drop for PrintServer {
    fn drop(&mut self) {
        let _ = self.cupsd.kill();
        let _ = self.cupsd.wait();
    }
}

fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

fn open_to_all(root: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    for entry in std::fs::read_dir(root)? {
        let path = entry?.path();
        let mode = if path.is_dir() { 0o777 } else { 0o644 };
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode))?;
    }
    std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755))
}
