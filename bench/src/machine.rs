//! What ran the benchmark: the machine (from /proc) and the commit of the working tree.

use serde::Serialize;
use std::path::Path;
use std::process::Command;

#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    pub cpu_model: String,
    /// Logical processors in /proc/cpuinfo.
    pub cores: usize,
    pub ram_gib: f64,
    pub kernel: String,
    /// /proc/loadavg's 1-minute figure when the run started: other work on the machine skews the figures.
    pub load_average_at_start: f64,
}

impl Machine {
    pub fn read() -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu_model = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name").and_then(|r| r.split_once(':')).map(|(_, v)| v.trim()))
            .unwrap_or("unknown CPU")
            .to_owned();
        let cores = cpuinfo.lines().filter(|l| l.starts_with("processor")).count();
        let mem_kib: f64 = std::fs::read_to_string("/proc/meminfo")
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.split_whitespace().next().and_then(|n| n.parse().ok()))
            .unwrap_or(0.0);
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default().trim().to_owned();
        let load_average_at_start = std::fs::read_to_string("/proc/loadavg")
            .ok()
            .and_then(|s| s.split_whitespace().next().and_then(|n| n.parse().ok()))
            .unwrap_or(0.0);
        Machine {
            cpu_model,
            cores: cores.max(1),
            ram_gib: (mem_kib / (1024.0 * 1024.0) * 10.0).round() / 10.0,
            kernel,
            load_average_at_start,
        }
    }

    /// "2 cores, 23.5 GiB, Intel(R) Xeon(R) …"
    pub fn summary(&self) -> String {
        format!("{} cores, {} GiB RAM, {}", self.cores, self.ram_gib, self.cpu_model)
    }
}

/// `git rev-parse --short HEAD`, with "+dirty" when the working tree has changes ("unknown" outside git).
pub fn commit(root: &Path) -> String {
    let Some(head) = git(root, &["rev-parse", "--short", "HEAD"]) else {
        return "unknown".to_owned();
    };
    match git(root, &["status", "--porcelain", "--untracked-files=no"]) {
        Some(changes) if changes.is_empty() => head,
        _ => format!("{head}+dirty"),
    }
}

/// A read-only git command's trimmed output (None if it fails). `--no-optional-locks` keeps `git status` from
/// refreshing the index.
pub fn git(root: &Path, args: &[&str]) -> Option<String> {
    Command::new("git")
        .arg("--no-optional-locks")
        .args(args)
        .current_dir(root)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
}
