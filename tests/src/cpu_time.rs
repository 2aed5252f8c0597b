//! CPU time by process and for the whole machine, read from /proc: a benchmark on shared cores says
//! where the time went by subtracting two readings.

use std::path::Path;
use std::sync::OnceLock;

/// Clock ticks per second of /proc's counters (`getconf CLK_TCK`; 100 on Linux/x86 when asked
/// fails).
fn ticks_per_second() -> f64 {
    static TICKS: OnceLock<f64> = OnceLock::new();
    *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100.0)
    })
}

/// (name, user + system seconds) of the process whose `/proc/<pid>/stat` is at `stat`.
fn read_stat(stat: &Path) -> Option<(String, f64)> {
    let text = std::fs::read_to_string(stat).ok()?;
    // The name is in parentheses and may hold spaces: the fields follow the last ')'.
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let name = text.get(open + 1..close)?.to_string();
    let fields: Vec<&str> = text.get(close + 1..)?.split_whitespace().collect();
    // Fields 14 and 15 of proc(5), utime and stime; `fields` starts at field 3.
    let user: f64 = fields.get(11)?.parse().ok()?;
    let system: f64 = fields.get(12)?.parse().ok()?;
    Some((name, (user + system) / ticks_per_second()))
}

/// CPU seconds process `pid` has used (every thread), or 0 once it is gone.
pub fn process_seconds(pid: u32) -> f64 {
    read_stat(&Path::new("/proc").join(pid.to_string()).join("stat")).map_or(0.0, |(_, s)| s)
}

/// CPU seconds used by the running processes named `name` (PostgreSQL's server and its backends are
/// all `postgres`). A process that ended between two readings takes its time with it.
pub fn seconds_of_processes_named(name: &str) -> f64 {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    entries
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter_map(|e| read_stat(&e.path().join("stat")))
        .filter(|(n, _)| n == name)
        .map(|(_, s)| s)
        .sum()
}

/// The machine's CPU seconds over every core so far: (busy, all). Busy is all but idle and I/O wait.
pub fn machine_seconds() -> (f64, f64) {
    let text = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let Some(line) = text.lines().find(|l| l.starts_with("cpu ")) else {
        return (0.0, 0.0);
    };
    let ticks: Vec<f64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|t| t.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal (guest time is inside user already).
    let all: f64 = ticks.iter().take(8).sum();
    let waiting = ticks.get(3).copied().unwrap_or(0.0) + ticks.get(4).copied().unwrap_or(0.0);
    ((all - waiting) / ticks_per_second(), all / ticks_per_second())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_time_this_process_spins_is_counted_and_no_more() {
        let before = process_seconds(std::process::id());
        let started = std::time::Instant::now();
        let mut x = 0u64;
        // Spin until a tenth of a second is counted (on a busy machine that may take longer).
        while process_seconds(std::process::id()) - before < 0.1 {
            assert!(started.elapsed().as_secs() < 20, "spinning is not counted");
            for _ in 0..1_000_000 {
                x = std::hint::black_box(x.wrapping_add(1));
            }
        }
        let used = process_seconds(std::process::id()) - before;
        // The process (other tests run beside this one) cannot use more than every core for the time
        // that passed, and a tick of rounding.
        let cores = std::thread::available_parallelism().map_or(1, usize::from) as f64;
        let most = started.elapsed().as_secs_f64() * cores + 0.02;
        assert!(used <= most, "{used} s counted, at most {most} s possible");
        let (busy, all) = machine_seconds();
        assert!(busy >= used && all >= busy, "{busy} of {all}");
        assert_eq!(process_seconds(u32::MAX), 0.0);
    }
}
