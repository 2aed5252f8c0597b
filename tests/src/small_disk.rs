//! A file system of its own with a size limit (tmpfs), for the full-disk tests (issue 21 item 6):
//! filled to the last byte on demand, freed again, and unmounted when dropped. Mounting needs root,
//! which the test command has (it installs packages with apt-get).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::Error;

/// ENOSPC: what the kernel says when a file system has no room.
const NO_SPACE: i32 = 28;

#[derive(Debug)]
pub struct SmallDisk {
    path: PathBuf,
    _mount_point: tempfile::TempDir,
}

impl SmallDisk {
    /// Mounts a tmpfs of `bytes` in a folder of its own.
    pub fn mount(bytes: u64) -> Result<SmallDisk, Error> {
        let dir = tempfile::tempdir()?;
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={bytes},mode=0755"), "tmpfs"])
            .arg(dir.path())
            .output()?;
        if !out.status.success() {
            return Err(format!(
                "mount -t tmpfs failed (the full-disk tests need root): {}",
                String::from_utf8_lossy(&out.stderr)
            )
            .into());
        }
        Ok(SmallDisk {
            path: dir.path().to_path_buf(),
            _mount_point: dir,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Hands the file system to `user` (PostgreSQL's tablespace must belong to the server's user).
    pub fn give_to(&self, user: &str) -> Result<(), Error> {
        let out = Command::new("chown").arg(user).arg(&self.path).output()?;
        if !out.status.success() {
            return Err(format!("chown {user}: {}", String::from_utf8_lossy(&out.stderr)).into());
        }
        Ok(())
    }

    fn filler(&self) -> PathBuf {
        self.path.join("filler")
    }

    /// Writes a file until not one more byte fits.
    pub fn fill(&self) -> Result<(), Error> {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.filler())?;
        let mut chunk = 1 << 20;
        while chunk > 0 {
            match file.write_all(&vec![0u8; chunk]) {
                Ok(()) => {}
                Err(e) if e.raw_os_error() == Some(NO_SPACE) => chunk /= 2,
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// Gives the room back.
    pub fn free(&self) -> Result<(), Error> {
        std::fs::remove_file(self.filler())?;
        Ok(())
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        // Lazily: a server that still has files open there (PostgreSQL stopping) does not keep it.
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
    }
}
