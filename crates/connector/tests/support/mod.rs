//! The harness of the server suite: a real server on a random local port, on SQLite
//! or on its own PostgreSQL database, and a tokio-tungstenite client whose every
//! exchange goes through [`Client::check`] (send, then expect events matching JSON
//! patterns, where a pattern names only the fields it cares about). Every text frame
//! the client receives is validated against `docs/connector.asyncapi.yaml`.

#![allow(dead_code)] // Each test crate uses its own part of the harness.

pub mod test_db;
pub mod validate;

use std::time::Duration;

use duplex_connector::config::Config;
use duplex_connector::store::Store;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub const SECRET: &str = "test-secret";

/// How long a test waits for any one event before failing.
pub const EVENT_WAIT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    Sqlite,
    Postgres,
}

/// A running server and what it needs to stay alive.
pub struct TestServer {
    pub addr: std::net::SocketAddr,
    pub store_url: String,
    shutdown: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<()>>,
    _db: test_db::TestDb,
}

/// A fresh store: a SQLite file in a temp dir, or a new PostgreSQL database.
pub async fn test_db(kind: StoreKind) -> test_db::TestDb {
    match kind {
        StoreKind::Sqlite => test_db::TestDb::sqlite().await,
        StoreKind::Postgres => test_db::TestDb::postgres().await,
    }
}

/// The protocol document's validator, loaded once per test binary.
pub fn validator() -> &'static validate::Validator {
    static VALIDATOR: std::sync::OnceLock<validate::Validator> = std::sync::OnceLock::new();
    VALIDATOR.get_or_init(validate::Validator::protocol)
}

/// Starts a server whose config is `body` (connectors and agents) on a fresh store.
/// `TEST_SECRET` resolves to [`SECRET`].
pub async fn start(kind: StoreKind, body: &str) -> TestServer {
    start_on(test_db(kind).await, body).await
}

pub async fn start_on(db: test_db::TestDb, body: &str) -> TestServer {
    let store_url = db.url.clone();
    let text = format!("store = \"{store_url}\"\nshutdown_grace = \"2s\"\n{body}");
    let config = config(&text);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (tx, rx) = oneshot::channel::<()>();
    let handle = tokio::spawn(async move {
        let shutdown = async move {
            let _ = rx.await;
        };
        duplex_connector::server::run(listener, config, shutdown)
            .await
            .expect("the server runs and stops cleanly");
    });
    TestServer {
        addr,
        store_url,
        shutdown: Some(tx),
        handle: Some(handle),
        _db: db,
    }
}

pub fn config(text: &str) -> Config {
    let env = |name: &str| (name == "TEST_SECRET").then(|| SECRET.to_owned());
    Config::from_toml(text, "test.toml", &env).unwrap_or_else(|err| panic!("test config: {err}"))
}

/// One connector at `/ws` with `settings`, and one echo agent `assistant` with
/// `agent` settings.
pub fn one_connector(settings: &str, agent: &str) -> String {
    format!(
        "[connectors.chat]\npath = \"/ws\"\nagents = [\"assistant\"]\nsecrets_env = [\"TEST_SECRET\"]\n{settings}\n\n[agents.assistant]\nkind = \"echo\"\n{agent}\n"
    )
}

impl TestServer {
    pub fn url(&self, path: &str) -> String {
        format!("ws://{}{path}", self.addr)
    }

    pub fn http(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Opens a WebSocket with no auth sent yet.
    pub async fn open(&self, path: &str) -> Client {
        Client::connect(self.url(path).into_client_request().expect("request")).await
    }

    /// Opens and authenticates with the first message, returning the client and the
    /// `connected` event.
    pub async fn connect(&self) -> (Client, Value) {
        let mut client = self.open("/ws").await;
        client.send(json!({"secret": SECRET})).await;
        let connected = client
            .expect(json!({"type": "connected", "resumed": false}))
            .await;
        (client, connected)
    }

    /// Sends the shutdown signal without waiting.
    pub fn begin_shutdown(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }

    /// Signals shutdown and waits for `run` to return (the store stays until drop).
    pub async fn stop(&mut self) {
        self.begin_shutdown();
        if let Some(handle) = self.handle.take() {
            tokio::time::timeout(Duration::from_secs(20), handle)
                .await
                .expect("the server stops")
                .expect("the server task does not panic");
        }
    }

    pub async fn store(&self) -> Store {
        Store::connect(&self.store_url)
            .await
            .expect("open the store")
    }
}

/// A test client.
pub struct Client {
    pub ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// How long [`Client::next`] waits ([`EVENT_WAIT`] unless a test needs longer).
    pub wait: Duration,
}

/// What a read ended with, when it was not a text frame.
#[derive(Debug)]
pub enum Ended {
    Closed(Option<CloseFrame>),
    Dropped(String),
}

impl Client {
    pub async fn connect(
        request: tokio_tungstenite::tungstenite::handshake::client::Request,
    ) -> Client {
        let (ws, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("WebSocket handshake");
        Client {
            ws,
            wait: EVENT_WAIT,
        }
    }

    pub async fn send(&mut self, value: Value) {
        self.send_text(&value.to_string()).await;
    }

    pub async fn send_text(&mut self, text: &str) {
        self.ws
            .send(Message::text(text))
            .await
            .expect("send a frame");
    }

    /// The next text event, or how the connection ended.
    pub async fn next(&mut self) -> Result<Value, Ended> {
        loop {
            let frame = tokio::time::timeout(self.wait, self.ws.next())
                .await
                .expect("an event within the wait");
            match frame {
                Some(Ok(Message::Text(text))) => {
                    validator().assert_valid(&text);
                    let value: Value = serde_json::from_str(&text).expect("server events are JSON");
                    return Ok(value);
                }
                Some(Ok(Message::Close(frame))) => return Err(Ended::Closed(frame)),
                Some(Ok(_)) => continue,
                Some(Err(err)) => return Err(Ended::Dropped(err.to_string())),
                None => return Err(Ended::Dropped("stream ended".to_owned())),
            }
        }
    }

    /// The next event, which must match `pattern`.
    pub async fn expect(&mut self, pattern: Value) -> Value {
        let event = self
            .next()
            .await
            .unwrap_or_else(|end| panic!("expected {pattern}, got {end:?}"));
        assert_matches(&event, &pattern);
        event
    }

    /// Sends `message` (when given), then expects events matching `patterns` in order.
    pub async fn check(&mut self, message: Option<Value>, patterns: &[Value]) -> Vec<Value> {
        if let Some(message) = message {
            self.send(message).await;
        }
        let mut events = Vec::new();
        for pattern in patterns {
            events.push(self.expect(pattern.clone()).await);
        }
        events
    }

    /// Reads until the close frame, which must carry `code`.
    pub async fn expect_close(&mut self, code: u16) {
        match self.next().await {
            Err(Ended::Closed(Some(frame))) => {
                assert_eq!(u16::from(frame.code), code, "close frame {frame:?}")
            }
            other => panic!("expected close {code}, got {other:?}"),
        }
    }

    /// Collects a streamed reply to `id` from `agent` up to its end event.
    pub async fn collect_reply(&mut self, id: &str) -> (Vec<String>, Value) {
        let mut chunks = Vec::new();
        loop {
            let event = self.next().await.expect("a reply event");
            assert_eq!(event["id"], id, "{event}");
            match event["type"].as_str() {
                Some("stream_start") => {}
                Some("stream_chunk") => {
                    chunks.push(event["chunk"].as_str().expect("chunk").to_owned())
                }
                Some("stream_end") | Some("response") => return (chunks, event),
                _ => panic!("unexpected event {event}"),
            }
        }
    }
}

/// `actual` must have every field of `pattern` with an equal value (objects compared
/// recursively, so patterns name only what they check).
#[track_caller]
pub fn assert_matches(actual: &Value, pattern: &Value) {
    fn matches(actual: &Value, pattern: &Value) -> bool {
        match (actual, pattern) {
            (Value::Object(actual), Value::Object(pattern)) => pattern
                .iter()
                .all(|(key, want)| actual.get(key).is_some_and(|got| matches(got, want))),
            _ => actual == pattern,
        }
    }
    assert!(
        matches(actual, pattern),
        "event {actual} does not match {pattern}"
    );
}

/// Whether a read error means the server dropped or closed the connection.
pub fn is_disconnect(err: &WsError) -> bool {
    matches!(
        err,
        WsError::ConnectionClosed | WsError::AlreadyClosed | WsError::Io(_) | WsError::Protocol(_)
    )
}

/// Runs one async test body on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! both_stores {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name($crate::support::StoreKind::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name($crate::support::StoreKind::Postgres).await;
                }
            )*
        }
    };
}
