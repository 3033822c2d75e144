//! A WebSocket echo endpoint for the Autobahn|Testsuite conformance test
//! (`tests/conformance.rs`), compiled only with the `conformance-echo` feature, so no
//! release build of `duplex` can serve it.
//!
//! Autobahn's fuzzing client needs a peer that echoes every text and binary message;
//! the connector's own route speaks JSON, so it cannot be that peer. This route takes
//! a connector's transport settings from the same function the connector's handshake
//! uses (`upgrade::transport`) and is served by the same axum `serve` on the same
//! lingering listener (`linger`), so the frames, UTF-8 checks, control frames, limits
//! and closing handshake under test are the ones every client of `duplex serve` meets.

use axum::Router;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::routing::get;
use tokio::net::TcpListener;

use super::linger::{LingeringListener, drain_budget};
use super::upgrade;
use crate::config::ConnectorConfig;

/// Serves the echo route of `connector` on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener, connector: &ConnectorConfig) -> std::io::Result<()> {
    let budget = drain_budget(std::slice::from_ref(connector));
    axum::serve(LingeringListener::new(listener, budget), router(connector)).await
}

/// An echo route at `connector.path`, with that connector's transport settings.
fn router(connector: &ConnectorConfig) -> Router {
    let connector = connector.clone();
    Router::new().route(
        &connector.path.clone(),
        get(move |socket: WebSocketUpgrade| async move {
            upgrade::transport(socket, &connector).on_upgrade(echo)
        }),
    )
}

/// Sends back every data message; tungstenite answers pings and close frames itself.
async fn echo(mut socket: WebSocket) {
    while let Some(Ok(message)) = socket.recv().await {
        let reply = match message {
            Message::Text(_) | Message::Binary(_) => message,
            Message::Ping(_) | Message::Pong(_) | Message::Close(_) => continue,
        };
        if socket.send(reply).await.is_err() {
            return;
        }
    }
}
