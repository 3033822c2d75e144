//! The WebSocket handshake of a connector: a connection slot, the secret offered in the
//! URL or headers, the transport limits, then the session takes over.
//!
//! A secret may come as `?secret=`, `X-Connic-Secret` or `Authorization: Bearer`. A
//! wrong one is still upgraded, so that the client (a browser cannot read HTTP
//! statuses) gets the protocol's `unauthorized` error and close code. `?session_id=`
//! asks to resume when the secret comes this way. Neither is ever logged.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::ConnectorState;
use super::session::{self, Opening};
use crate::config::ConnectorConfig;

pub(super) async fn handle(
    State(connector): State<Arc<ConnectorState>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let shared = &connector.shared;
    if shared.draining.is_cancelled() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "the server is shutting down\n",
        )
            .into_response();
    }
    let Ok(slot) = shared.connection_slots.clone().try_acquire_owned() else {
        return (StatusCode::SERVICE_UNAVAILABLE, "too many connections\n").into_response();
    };
    let offered = query
        .get("secret")
        .cloned()
        .or_else(|| header_text(&headers, "x-connic-secret"))
        .or_else(|| {
            header_text(&headers, header::AUTHORIZATION.as_str())
                .and_then(|value| value.strip_prefix("Bearer ").map(str::to_owned))
        });
    let config = &connector.config;
    let opening = match offered {
        Some(secret)
            if config.require_auth && !config.secrets.iter().any(|s| s.matches(&secret)) =>
        {
            Opening::Rejected
        }
        Some(_) => Opening::Authenticated,
        None if !config.require_auth => Opening::Authenticated,
        None => Opening::AwaitAuth,
    };
    let resume = query.get("session_id").cloned();
    let token = shared.sessions.token();
    transport(upgrade, config).on_upgrade(move |socket| async move {
        session::run(socket, connector, opening, resume, slot).await;
        drop(token);
    })
}

/// The transport settings of every connector socket: tungstenite refuses a frame or
/// message over `max_message_size` as its header arrives (the session then closes with
/// 4005, and the listener drains the rest: `super::linger`), and reads through a
/// [`READ_BUFFER`]-byte buffer. The conformance echo (feature `conformance-echo`) takes
/// the same, so Autobahn tests what clients get.
pub(super) fn transport(upgrade: WebSocketUpgrade, config: &ConnectorConfig) -> WebSocketUpgrade {
    let size = config.max_message_size;
    upgrade
        .max_message_size(size)
        .max_frame_size(size)
        .read_buffer_size(READ_BUFFER)
}

/// tungstenite's read buffer per socket. Its default, 128 KiB, is zero-filled before
/// every read, so each connection that ever sent a frame held 128 KiB resident (150 KB
/// per idle session in `duplex bench idle`). Chat frames are small; a larger frame
/// grows the buffer to its size, up to `max_message_size`.
const READ_BUFFER: usize = 4096;

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(|value| value.trim().to_owned())
}
