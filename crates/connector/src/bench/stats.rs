//! Latency samples and their summary (p50, p99, max), in microseconds.

use std::time::Duration;

use serde::Serialize;

/// Collects durations; summarising sorts a copy, so recording stays O(1).
#[derive(Debug, Default, Clone)]
pub struct Samples {
    micros: Vec<u64>,
}

/// Percentiles of a set of samples, in milliseconds for reading.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Summary {
    pub count: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl Samples {
    pub fn record(&mut self, elapsed: Duration) {
        self.micros
            .push(elapsed.as_micros().min(u128::from(u64::MAX)) as u64);
    }

    pub fn merge(&mut self, other: Samples) {
        self.micros.extend(other.micros);
    }

    pub fn summary(&self) -> Summary {
        if self.micros.is_empty() {
            return Summary::default();
        }
        let mut sorted = self.micros.clone();
        sorted.sort_unstable();
        let at = |q: f64| {
            // Nearest-rank percentile: the smallest sample with at least q of all below or at it.
            let rank = (q * sorted.len() as f64).ceil() as usize;
            sorted[rank.clamp(1, sorted.len()) - 1] as f64 / 1000.0
        };
        Summary {
            count: sorted.len(),
            p50_ms: at(0.50),
            p99_ms: at(0.99),
            max_ms: *sorted.last().unwrap_or(&0) as f64 / 1000.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut samples = Samples::default();
        for ms in 1..=100 {
            samples.record(Duration::from_millis(ms));
        }
        let summary = samples.summary();
        assert_eq!(summary.count, 100);
        assert_eq!(summary.p50_ms, 50.0);
        assert_eq!(summary.p99_ms, 99.0);
        assert_eq!(summary.max_ms, 100.0);
        assert_eq!(Samples::default().summary(), Summary::default());
    }
}
