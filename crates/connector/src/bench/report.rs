//! The figures of one run, as a table for people and as JSON for machines.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use super::Scenario;
use super::scenario::Measured;
use super::stats::Summary;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub scenario: String,
    pub connects: u64,
    pub connects_per_sec: f64,
    pub connect_latency: Summary,
    pub ack_latency: Summary,
    pub first_chunk: Summary,
    pub inter_chunk: Summary,
    pub messages: u64,
    pub messages_per_sec: f64,
    pub errors: BTreeMap<String, u64>,
    pub elapsed_secs: f64,
    pub server_rss_before: Option<u64>,
    pub server_rss_after: Option<u64>,
    /// For `idle`: sessions still open when the hold ended.
    pub held: u64,
    /// (RSS with the sessions open − RSS before) / sessions connected, for `idle`.
    pub bytes_per_connection: Option<u64>,
}

impl Report {
    pub(super) fn new(
        scenario: &Scenario,
        measured: Measured,
        rss_before: Option<u64>,
        rss_after: Option<u64>,
    ) -> Report {
        let secs = measured.elapsed.as_secs_f64().max(1e-9);
        let name = match scenario {
            Scenario::Idle { .. } => "idle",
            Scenario::Chat { .. } => "chat",
            Scenario::Storm { .. } => "storm",
        };
        let bytes_per_connection = match (scenario, rss_before, rss_after) {
            (Scenario::Idle { .. }, Some(before), Some(after)) if measured.connects > 0 => {
                Some(after.saturating_sub(before) / measured.connects)
            }
            _ => None,
        };
        Report {
            scenario: name.to_owned(),
            connects: measured.connects,
            connects_per_sec: match scenario {
                Scenario::Chat { .. } => 0.0,
                _ => measured.connects as f64 / secs,
            },
            connect_latency: measured.connect.summary(),
            ack_latency: measured.ack.summary(),
            first_chunk: measured.first_chunk.summary(),
            inter_chunk: measured.inter_chunk.summary(),
            messages: measured.messages,
            messages_per_sec: measured.messages as f64 / secs,
            errors: measured.errors,
            held: measured.held,
            elapsed_secs: secs,
            server_rss_before: rss_before,
            server_rss_after: rss_after,
            bytes_per_connection,
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "scenario        {}", self.scenario)?;
        writeln!(f, "elapsed         {:.2} s", self.elapsed_secs)?;
        writeln!(
            f,
            "connects        {} ({:.0}/s)",
            self.connects, self.connects_per_sec
        )?;
        writeln!(
            f,
            "messages        {} ({:.0}/s)",
            self.messages, self.messages_per_sec
        )?;
        if self.scenario == "idle" {
            writeln!(f, "held to the end {}", self.held)?;
        }
        writeln!(
            f,
            "{:<15} {:>6} {:>10} {:>10} {:>10}",
            "latency (ms)", "n", "p50", "p99", "max"
        )?;
        for (label, s) in [
            ("connect", &self.connect_latency),
            ("ack", &self.ack_latency),
            ("first chunk", &self.first_chunk),
            ("inter-chunk", &self.inter_chunk),
        ] {
            writeln!(
                f,
                "{label:<15} {:>6} {:>10.3} {:>10.3} {:>10.3}",
                s.count, s.p50_ms, s.p99_ms, s.max_ms
            )?;
        }
        if let (Some(before), Some(after)) = (self.server_rss_before, self.server_rss_after) {
            writeln!(
                f,
                "server rss      {} KiB -> {} KiB",
                before / 1024,
                after / 1024
            )?;
        }
        if let Some(bytes) = self.bytes_per_connection {
            writeln!(f, "per connection  {bytes} bytes")?;
        }
        if self.errors.is_empty() {
            writeln!(f, "errors          none")?;
        }
        for (code, n) in &self.errors {
            writeln!(f, "error           {code}: {n}")?;
        }
        Ok(())
    }
}
