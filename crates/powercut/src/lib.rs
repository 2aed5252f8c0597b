//! A SQLite VFS that loses every write not yet synced when told to: a power cut, for tests and benchmarks.
//!
//! A SIGKILL leaves the operating system's page cache intact, so it never shows what `fsync` is for. A
//! power cut does: whatever was written but not synced is gone. [`install`] makes this VFS SQLite's
//! default in the calling process, so every connection (sqlx's included) goes through it. It writes
//! through to the real files, and keeps for each file the bytes each write or truncation replaced
//! since the file was last synced. [`cut_after`] arms a cut after a number of writes; at the cut (or at
//! [`cut_now`]) every file is put back to what it held at its last sync, and from then on every write,
//! sync, truncation and deletion fails as it would on a machine with no power. [`restore_power`] ends
//! it: connections opened after it see the files as the disk would after the reboot.

mod vfs;

pub use vfs::{cut_after, cut_now, install, restore_power, was_cut, InstallError};
