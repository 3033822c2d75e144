//! Log lines of `duplex serve` on stderr: plain text for people or one JSON object per
//! line for log collectors, filtered by `RUST_LOG` (default `info`).
//!
//! Secrets are never logged. Our own code never records one, but a dependency could:
//! the WebSocket library (`tungstenite`) logs every frame's payload at `trace`, and a
//! client's first frame may be `{"secret": "..."}`. So trace events of the libraries
//! that log frames are dropped whatever `RUST_LOG` asks for (`crates/cli/tests/serve_logs.rs`
//! checks both formats at `RUST_LOG=trace`).

use std::io::IsTerminal;

use tracing::{Level, Metadata};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::{EnvFilter, FilterExt, LevelFilter, filter_fn};
use tracing_subscriber::layer::Filter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// How log lines are written.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum LogFormat {
    /// One human-readable line per event (colours only on a terminal).
    Plain,
    /// One JSON object per line: `timestamp`, `level`, `target`, `fields` (with `message`).
    Json,
}

/// Installs the process-wide subscriber writing to stderr.
pub fn init(format: LogFormat) {
    let wanted = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let filter = without_frame_payloads(wanted);
    let layer = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let layer = match format {
        LogFormat::Plain => layer
            .with_ansi(std::io::stderr().is_terminal())
            .with_filter(filter)
            .boxed(),
        LogFormat::Json => layer.json().with_filter(filter).boxed(),
    };
    tracing_subscriber::registry().with(layer).init();
}

/// `wanted`, less the events that may carry a frame's payload.
fn without_frame_payloads<S>(wanted: EnvFilter) -> impl Filter<S> {
    // The hint says this filter only ever removes events, so the combined filter's most
    // verbose level is `wanted`'s; without one it would have none, and every `trace!` of
    // every library (tungstenite's `log` records of each frame, say) would be built and
    // dispatched before being dropped here.
    let frames_dropped = filter_fn(|metadata| !carries_frame_payloads(metadata))
        .with_max_level_hint(LevelFilter::TRACE);
    wanted.and(frames_dropped)
}

/// Whether an event may hold a WebSocket frame's payload (and so a client's secret).
fn carries_frame_payloads(metadata: &Metadata<'_>) -> bool {
    *metadata.level() == Level::TRACE && is_frame_logger(metadata.target())
}

/// The libraries that log raw frames at `trace`.
fn is_frame_logger(target: &str) -> bool {
    ["tungstenite", "tokio_tungstenite"].iter().any(|library| {
        target
            .strip_prefix(library)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
    })
}

#[cfg(test)]
mod tests {
    use tracing_subscriber::filter::{EnvFilter, LevelFilter};
    use tracing_subscriber::layer::Filter;

    use super::{is_frame_logger, without_frame_payloads};

    #[test]
    fn the_filter_is_no_more_verbose_than_rust_log() {
        // So that `log` and `tracing` skip what it would drop before building it.
        let filter = without_frame_payloads::<tracing_subscriber::Registry>(EnvFilter::new("warn"));
        assert_eq!(filter.max_level_hint(), Some(LevelFilter::WARN));
    }

    #[test]
    fn frame_loggers_are_the_websocket_libraries_and_their_modules() {
        for target in [
            "tungstenite",
            "tungstenite::protocol",
            "tungstenite::protocol::frame::frame",
            "tokio_tungstenite::compat",
        ] {
            assert!(is_frame_logger(target), "{target}");
        }
        for target in [
            "duplex_connector::server",
            "tungstenitex",
            "axum::serve",
            "sqlx::query",
        ] {
            assert!(!is_frame_logger(target), "{target}");
        }
    }
}
