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
use tracing_subscriber::filter::{EnvFilter, FilterExt, filter_fn};
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
    let filter = wanted.and(filter_fn(|metadata| !carries_frame_payloads(metadata)));
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
    use super::is_frame_logger;

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
