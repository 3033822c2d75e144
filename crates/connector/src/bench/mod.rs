//! `duplex bench`: a load generator that speaks the connector protocol.
//!
//! It drives a running connector (or a peer server speaking the same protocol) with one
//! of three [`Scenario`]s and reports connects per second, ack latency, time to first
//! chunk, gaps between chunks, messages per second, errors by code and, given the
//! server's pid, its resident memory per connection.
//!
//! # Layout
//! - [`client`]: one connection, from a chosen loopback source address, up to `connected`.
//! - [`scenario`]: `idle`, `chat` and `storm`.
//! - [`stats`]: latency samples and percentiles.
//! - [`procfs`]: the server's RSS.
//! - [`report`]: the summary table and the JSON form.

mod client;
mod procfs;
mod report;
mod scenario;
mod stats;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

pub use client::Target;
pub use report::Report;

/// What to measure.
#[derive(Debug, Clone)]
pub enum Scenario {
    /// Open `sessions` authenticated sessions and hold them for `hold`.
    Idle { sessions: usize, hold: Duration },
    /// `sessions` sessions each send `messages` messages, `rate` per second each.
    Chat {
        sessions: usize,
        messages: usize,
        rate: f64,
    },
    /// `connections` connect–authenticate–close cycles.
    Storm { connections: usize },
}

/// A whole benchmark run.
#[derive(Debug, Clone)]
pub struct Plan {
    pub target: Target,
    pub scenario: Scenario,
    /// Handshakes in flight at once.
    pub concurrency: usize,
    /// The server's pid, to read its RSS from `/proc`.
    pub server_pid: Option<u32>,
    /// Draw a progress bar on stderr.
    pub progress: bool,
}

/// `count` loopback source addresses starting at 127.0.0.2.
pub fn loopback_sources(count: u8) -> Vec<IpAddr> {
    (0..count)
        .map(|i| IpAddr::from([127, 0, 0, 2 + i]))
        .collect()
}

/// Runs the plan to the end and summarises it.
pub async fn run(plan: Plan) -> Report {
    let target = Arc::new(plan.target.clone());
    let rss_before = plan.server_pid.and_then(procfs::rss_bytes);
    let total = match plan.scenario {
        Scenario::Idle { sessions, .. } => sessions,
        Scenario::Chat {
            sessions, messages, ..
        } => sessions * messages,
        Scenario::Storm { connections } => connections,
    };
    let progress = progress_bar(plan.progress, total as u64);
    let mut rss_peak = None;
    let measured = match plan.scenario {
        Scenario::Idle { sessions, hold } => {
            scenario::idle(
                target,
                sessions,
                plan.concurrency,
                hold,
                progress.clone(),
                || rss_peak = plan.server_pid.and_then(procfs::rss_bytes),
            )
            .await
        }
        Scenario::Chat {
            sessions,
            messages,
            rate,
        } => {
            let interval = Duration::from_secs_f64(1.0 / rate.max(0.001));
            scenario::chat(target, sessions, messages, interval, progress.clone()).await
        }
        Scenario::Storm { connections } => {
            scenario::storm(target, connections, plan.concurrency, progress.clone()).await
        }
    };
    progress.finish_and_clear();
    let rss_after = rss_peak.or_else(|| plan.server_pid.and_then(procfs::rss_bytes));
    Report::new(&plan.scenario, measured, rss_before, rss_after)
}

fn progress_bar(visible: bool, total: u64) -> ProgressBar {
    if !visible {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} {elapsed} [{bar:40}] {pos}/{len} {per_sec}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}
