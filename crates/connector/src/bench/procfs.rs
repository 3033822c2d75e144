//! Reads a server process's resident memory from `/proc`, for bytes-per-connection figures.

use std::fs;

/// The resident set size of process `pid` in bytes, or `None` if it cannot be read
/// (no such process, or not Linux).
pub fn rss_bytes(pid: u32) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    parse_vm_rss(&status)
}

fn parse_vm_rss(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_own_rss() {
        assert!(rss_bytes(std::process::id()).is_some_and(|b| b > 0));
        assert_eq!(
            parse_vm_rss("Name: x\nVmRSS:\t  2048 kB\n"),
            Some(2048 * 1024)
        );
        assert_eq!(parse_vm_rss("Name: x\n"), None);
    }
}
