//! The HTTP and WebSocket server behind `duplex serve`.
//!
//! [`run`] takes its listener and its shutdown signal from the caller, so tests bind
//! port 0 and stop the server with a oneshot. It opens the store, builds the agents,
//! mounts one WebSocket route per connector next to the operational routes, and on
//! shutdown drains: stop accepting, let replies in flight finish within the grace
//! period, interrupt what is left, close every socket with 1001, and only then return.
//!
//! # Layout
//! - `http`: `/healthz`, `/readyz`, `/metrics`, `/asyncapi.yaml`.
//! - `upgrade`: the WebSocket handshake: connection slots, auth from the URL or headers.
//! - `session`: one connection's state machine (auth, resume, messages, turns, timers).
//! - `reply`: one agent's reply to one message, from `stream_start` to the stored end.
//! - `history`: the session's history as its agents see it, kept between turns.
//! - `outbound`: the bounded queue of events to one client and the task that writes them.
//! - `linger`: the listener whose connections drain instead of resetting when closed.
//! - `web`: the web chat page (`/`, `/chat/<connector>`) and its embedded assets.
//! - `conformance_echo`: an echo route for the Autobahn test (feature `conformance-echo`).

#[cfg(feature = "conformance-echo")]
pub mod conformance_echo;
mod history;
mod http;
mod linger;
mod outbound;
mod reply;
mod session;
mod upgrade;
mod web;

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::agent::config::{AgentBuildError, Agents, build_agents};
use crate::config::{Config, ConnectorConfig};
use crate::store::{Store, StoreError};
use linger::{LingeringListener, drain_budget};

/// Why the server could not start or stopped with a fault.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Agent(#[from] AgentBuildError),
    #[error("the server stopped: {0}")]
    Io(#[from] std::io::Error),
}

/// Serves `config` on `listener` until `shutdown` completes, then drains and returns.
pub async fn run(
    listener: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let store = Store::connect(&config.store).await?;
    let result = run_with_store(listener, config, store.clone(), shutdown).await;
    store.close().await;
    result
}

/// As [`run`], with a store the caller opened (and closes).
pub async fn run_with_store(
    listener: TcpListener,
    config: Config,
    store: Store,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let agents = build_agents(&config.agents)?;
    let shared = Arc::new(Shared {
        store,
        agents,
        agent_timeouts: config
            .agents
            .iter()
            .map(|(name, agent)| (name.clone(), agent.common.timeout))
            .collect(),
        draining: CancellationToken::new(),
        hard_stop: CancellationToken::new(),
        sessions: TaskTracker::new(),
        connection_slots: Arc::new(Semaphore::new(config.max_connections)),
    });
    crate::metrics::handle();

    let mut app = Router::new();
    for connector in &config.connectors {
        let state = Arc::new(ConnectorState {
            config: connector.clone(),
            shared: shared.clone(),
        });
        app = app.merge(
            Router::new()
                .route(&connector.path, get(upgrade::handle))
                .with_state(state),
        );
        tracing::info!(connector = %connector.name, path = %connector.path, agents = ?connector.agents, "connector mounted");
    }
    let app = app
        .merge(http::routes(shared.clone()))
        .merge(web::routes(&config.connectors));

    let address = listener.local_addr()?;
    tracing::info!(%address, store = shared.store.engine_name(), "listening");
    let listener = LingeringListener::new(listener, drain_budget(&config.connectors));
    let draining = shared.draining.clone();
    tokio::spawn(async move {
        shutdown.await;
        tracing::info!("shutting down: no new connections, draining sessions");
        draining.cancel();
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(shared.draining.clone().cancelled_owned())
        .await?;

    shared.sessions.close();
    if tokio::time::timeout(config.shutdown_grace, shared.sessions.wait())
        .await
        .is_err()
    {
        tracing::warn!(grace = ?config.shutdown_grace, "grace period over: interrupting replies still running");
        shared.hard_stop.cancel();
        if tokio::time::timeout(Duration::from_secs(5), shared.sessions.wait())
            .await
            .is_err()
        {
            tracing::error!("sessions did not stop 5 s after being interrupted; leaving them");
        }
    }
    tracing::info!("stopped");
    Ok(())
}

/// What every connection of every connector shares.
struct Shared {
    store: Store,
    agents: Agents,
    /// Each agent's `timeout`.
    agent_timeouts: BTreeMap<String, Duration>,
    /// Fires on the shutdown signal: accept nothing new, finish what runs.
    draining: CancellationToken,
    /// Fires when the grace period is over: interrupt what still runs.
    hard_stop: CancellationToken,
    /// Every session and reply task, so shutdown can wait for their last store write.
    sessions: TaskTracker,
    connection_slots: Arc<Semaphore>,
}

/// One connector's settings next to the shared state.
struct ConnectorState {
    config: ConnectorConfig,
    shared: Arc<Shared>,
}

/// Milliseconds since the Unix epoch, the store's clock.
fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
