//! The server's Prometheus metrics: their names, their labels, and the one recorder.
//!
//! Every metric is recorded through a function here so names and labels stay in one
//! place. The recorder is process-wide (the `metrics` facade allows one), installed on
//! first use, and rendered at `GET /metrics`.

use std::sync::OnceLock;
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::protocol::ErrorCode;

pub const CONNECTIONS_OPEN: &str = "duplex_connections_open";
pub const SESSIONS_OPEN: &str = "duplex_sessions_open";
pub const SESSIONS_STARTED: &str = "duplex_sessions_started_total";
pub const MESSAGES_IN: &str = "duplex_messages_in_total";
pub const MESSAGES_OUT: &str = "duplex_messages_out_total";
pub const ERRORS: &str = "duplex_errors_total";
pub const TIME_TO_FIRST_CHUNK: &str = "duplex_time_to_first_chunk_seconds";
/// Transactions the store's group-commit writer ran, and the writes they carried: their
/// ratio is the mean batch size.
pub const STORE_BATCHES: &str = "duplex_store_batches_total";
pub const STORE_BATCHED_WRITES: &str = "duplex_store_batched_writes_total";

const FIRST_CHUNK_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// The process's recorder, installed on first call.
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full(TIME_TO_FIRST_CHUNK.to_owned()),
                &FIRST_CHUNK_BUCKETS,
            )
            .expect("the bucket list is not empty")
            .build_recorder();
        let handle = recorder.handle();
        // Another recorder may already be installed (an embedding program's); then the
        // page stays empty rather than the server failing.
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was already installed; /metrics shows only ours");
        }
        handle
    })
}

/// The Prometheus text page.
pub fn render() -> String {
    let handle = handle();
    handle.run_upkeep();
    handle.render()
}

pub fn connection_opened() {
    metrics::gauge!(CONNECTIONS_OPEN).increment(1.0);
}

pub fn connection_closed() {
    metrics::gauge!(CONNECTIONS_OPEN).decrement(1.0);
}

pub fn session_started(connector: &str, resumed: bool) {
    metrics::gauge!(SESSIONS_OPEN, "connector" => connector.to_owned()).increment(1.0);
    let resumed = if resumed { "true" } else { "false" };
    metrics::counter!(SESSIONS_STARTED, "connector" => connector.to_owned(), "resumed" => resumed)
        .increment(1);
}

pub fn session_ended(connector: &str) {
    metrics::gauge!(SESSIONS_OPEN, "connector" => connector.to_owned()).decrement(1.0);
}

pub fn message_in(connector: &str, kind: &'static str) {
    metrics::counter!(MESSAGES_IN, "connector" => connector.to_owned(), "type" => kind)
        .increment(1);
}

pub fn message_out(connector: &str, kind: &'static str) {
    metrics::counter!(MESSAGES_OUT, "connector" => connector.to_owned(), "type" => kind)
        .increment(1);
}

pub fn error(connector: &str, code: ErrorCode) {
    metrics::counter!(ERRORS, "connector" => connector.to_owned(), "code" => code.as_str())
        .increment(1);
}

pub fn first_chunk(connector: &str, agent: &str, elapsed: Duration) {
    metrics::histogram!(TIME_TO_FIRST_CHUNK, "connector" => connector.to_owned(), "agent" => agent.to_owned())
        .record(elapsed.as_secs_f64());
}

pub fn store_batch(writes: usize) {
    metrics::counter!(STORE_BATCHES).increment(1);
    metrics::counter!(STORE_BATCHED_WRITES).increment(u64::try_from(writes).unwrap_or(u64::MAX));
}
