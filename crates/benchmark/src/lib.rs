//! What every benchmark shares: the size it runs at (full, or small inside the test command) and the
//! line that ties the figures it prints to a commit and a machine.
//!
//! A benchmark keeps every assertion at every size: the small size exists so that `cargo xtask test`
//! runs each benchmark on every change, and a benchmark that no longer measures what it says fails
//! there, long before someone needs its figures.

use std::process::Command;

/// How big a benchmark runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    /// The figures an issue asks for (`cargo xtask bench`).
    Full,
    /// A few seconds in the test profile (`cargo xtask test`): the same steps and assertions.
    Small,
}

impl Size {
    /// `--smoke` among the arguments, or `SKRANKE_BENCH_SMOKE` set to anything but empty or `0`.
    pub fn from_env() -> Self {
        let flag = std::env::args().any(|a| a == "--smoke");
        let var = std::env::var("SKRANKE_BENCH_SMOKE").is_ok_and(|v| !v.is_empty() && v != "0");
        if flag || var {
            Self::Small
        } else {
            Self::Full
        }
    }

    /// `full` at full size, `small` at the small one.
    pub fn pick<T>(self, full: T, small: T) -> T {
        match self {
            Self::Full => full,
            Self::Small => small,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Full => "full size",
            Self::Small => "small size (test command)",
        }
    }
}

/// The commit the benchmark was built from, with a mark when the work tree had uncommitted changes,
/// or "unknown" outside a git checkout.
pub fn commit() -> String {
    // The folder this crate was compiled in may be gone (a build cache shared between checkouts);
    // cargo runs tests and benchmarks in the package's folder, which is inside the checkout.
    let compiled_in = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = if compiled_in.is_dir() {
        compiled_in
    } else {
        std::env::current_dir().unwrap_or(compiled_in)
    };
    let git = |args: &[&str]| {
        Command::new("git")
            .arg("-C")
            .arg(&dir)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    match git(&["rev-parse", "--short=12", "HEAD"]) {
        Some(hash) if !hash.is_empty() => {
            let dirty =
                git(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
            if dirty {
                format!("{hash} + uncommitted changes")
            } else {
                hash
            }
        }
        _ => "unknown".to_string(),
    }
}

/// One line for the top of a benchmark's output: which benchmark, at which size, on which commit,
/// machine and build profile. A figure copied into a note can be traced back with it.
pub fn provenance(benchmark: &str, size: Size) -> String {
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZeroUsize::get);
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    format!(
        "benchmark {benchmark}: {}, commit {}, {cores} cores, {profile} build",
        size.name(),
        commit()
    )
}

/// Prints [`provenance`] with a blank line after it.
#[allow(clippy::print_stdout)] // a benchmark's output is its table
pub fn print_provenance(benchmark: &str, size: Size) {
    println!("{}", provenance(benchmark, size));
    println!();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_provenance_names_the_commit_the_cores_and_the_size() {
        let line = provenance("cache", Size::Small);
        assert!(line.starts_with("benchmark cache: small size"), "{line}");
        let cores = std::thread::available_parallelism().map_or(0, std::num::NonZeroUsize::get);
        assert!(line.contains(&format!(", {cores} cores, ")), "{line}");
        // Inside this repository's checkout the commit is known.
        assert!(!line.contains("commit unknown"), "{line}");
    }

    #[test]
    fn pick_follows_the_size() {
        assert_eq!(Size::Full.pick(100_000, 2_000), 100_000);
        assert_eq!(Size::Small.pick(100_000, 2_000), 2_000);
    }
}
