//! One benchmark client connection: TCP from a chosen loopback source address, the
//! WebSocket handshake, and the connector's auth exchange up to `connected`.
//!
//! Spreading connections over several source addresses (127.0.0.2, 127.0.0.3, ...)
//! lets one machine open more sessions than one address has ephemeral ports.

use std::net::{IpAddr, SocketAddr};

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

pub type Socket = WebSocketStream<TcpStream>;

/// Where and how to connect.
#[derive(Debug, Clone)]
pub struct Target {
    /// `ws://host:port/path`.
    pub url: String,
    pub secret: Option<String>,
    /// Source addresses to spread connections over; empty lets the OS choose.
    pub sources: Vec<IpAddr>,
}

/// Why a benchmark step failed: the server's error code, or one of ours
/// (`connect_failed`, `handshake_failed`, `closed`, `bad_frame`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure(pub String);

impl Failure {
    fn ours(code: &str) -> Failure {
        Failure(code.to_owned())
    }
}

/// Opens connection number `index` and authenticates; returns the socket and session id.
pub async fn open(target: &Target, index: usize) -> Result<(Socket, String), Failure> {
    let addr = resolve(&target.url).await?;
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()
    } else {
        TcpSocket::new_v6()
    }
    .map_err(|_| Failure::ours("connect_failed"))?;
    if !target.sources.is_empty() {
        let source = target.sources[index % target.sources.len()];
        socket
            .bind(SocketAddr::new(source, 0))
            .map_err(|_| Failure::ours("connect_failed"))?;
    }
    let stream = socket
        .connect(addr)
        .await
        .map_err(|_| Failure::ours("connect_failed"))?;
    stream.set_nodelay(true).ok();
    let (mut ws, _) = tokio_tungstenite::client_async(target.url.as_str(), stream)
        .await
        .map_err(|_| Failure::ours("handshake_failed"))?;
    let mut auth = json!({});
    if let Some(secret) = &target.secret {
        auth["secret"] = json!(secret);
    }
    ws.send(Message::text(auth.to_string()))
        .await
        .map_err(|_| Failure::ours("closed"))?;
    loop {
        let event = next_event(&mut ws).await?;
        match event["type"].as_str() {
            Some("connected") => {
                let session = event["session_id"].as_str().unwrap_or_default().to_owned();
                return Ok((ws, session));
            }
            Some("error") => return Err(server_failure(&event)),
            _ => continue,
        }
    }
}

/// Reads the next JSON text event, skipping control frames.
pub async fn next_event(ws: &mut Socket) -> Result<Value, Failure> {
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(text))) => {
                return serde_json::from_str(&text).map_err(|_| Failure::ours("bad_frame"));
            }
            Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => continue,
            Some(Ok(Message::Binary(_))) => return Err(Failure::ours("bad_frame")),
            Some(Ok(Message::Close(_))) | Some(Err(_)) | None => {
                return Err(Failure::ours("closed"));
            }
        }
    }
}

/// The failure an `error` event stands for.
pub fn server_failure(event: &Value) -> Failure {
    Failure(event["code"].as_str().unwrap_or("unknown").to_owned())
}

async fn resolve(url: &str) -> Result<SocketAddr, Failure> {
    let rest = url
        .strip_prefix("ws://")
        .ok_or_else(|| Failure::ours("connect_failed"))?;
    let authority = rest.split('/').next().unwrap_or(rest);
    tokio::net::lookup_host(authority)
        .await
        .ok()
        .and_then(|mut addrs| addrs.next())
        .ok_or_else(|| Failure::ours("connect_failed"))
}
