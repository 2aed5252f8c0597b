//! The desk's .deb on this machine, as the package, update and benchmark runs install it: `dpkg` as
//! root, or through `sudo -n` (as the test command's other installs).

use std::process::{Command, Output};

/// The package's name in dpkg.
pub const PACKAGE: &str = "skranke";

/// `dpkg ARGS` with the rights it needs.
pub fn dpkg(args: &[&str]) -> std::io::Result<Output> {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let mut cmd = if root {
        Command::new("dpkg")
    } else {
        let mut c = Command::new("sudo");
        c.args(["-n", "dpkg"]);
        c
    };
    cmd.args(args).output()
}

/// `dpkg -i FILE`, failing with what dpkg said.
pub fn install(file: &std::path::Path) -> Result<(), crate::Error> {
    let out = dpkg(&["-i", &file.to_string_lossy()])?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "dpkg -i {}: {}",
            file.display(),
            String::from_utf8_lossy(&out.stderr)
        )
        .into())
    }
}

/// The installed version of the package, or "" when it is not installed.
pub fn installed_version() -> String {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Version}", PACKAGE])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

/// Removes the package however the run ends; the data folders are the shop's and stay.
#[derive(Debug)]
pub struct Installed;

impl Drop for Installed {
    fn drop(&mut self) {
        let _ = dpkg(&["-r", PACKAGE]);
    }
}
