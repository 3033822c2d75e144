//! What the process-level suites share: `duplex serve` nodes spawned from a config file
//! (each prints the address it bound), and a small WebSocket client of the protocol.
//!
//! Include with `mod support;`. The store a test needs comes from the connector's own
//! `test_db` (a fresh PostgreSQL database per test, dropped at the end).

#![allow(dead_code)] // Each suite uses its own part of the harness.

#[path = "../../../connector/tests/support/test_db.rs"]
pub mod test_db;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

/// The secret every node of these suites accepts.
pub const SECRET: &str = "node-test-secret";

/// How long a client waits for any one event.
pub const EVENT_WAIT: Duration = Duration::from_secs(15);

/// A `duplex serve` process and the address it printed.
pub struct Node {
    pub child: Child,
    pub addr: String,
}

impl Node {
    /// Starts `duplex serve --config CONFIG` on a free port and waits until it listens.
    pub fn spawn(config: &Path) -> Node {
        let mut child = Command::new(env!("CARGO_BIN_EXE_duplex"))
            .args(["serve", "--listen", "127.0.0.1:0", "--config"])
            .arg(config)
            .env("NODE_TEST_SECRET", SECRET)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start duplex serve");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("the listening line");
        let addr = line
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line of duplex serve: {line:?}"))
            .to_owned();
        // Drain the rest of stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        Node { child, addr }
    }

    pub fn url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    /// SIGKILL: the process gets no chance to finish or store anything.
    pub fn kill_9(&mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reap");
    }

    /// The server's resident set size, from `/proc/PID/status`.
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("read /proc/PID/status");
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS in /proc/PID/status")
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Writes a config with one connector at `/ws` (`settings` added to it) and `agents`
/// (TOML tables) to `dir/duplex.toml`.
pub fn write_config(
    dir: &Path,
    store_url: &str,
    settings: &str,
    agents: &str,
) -> std::path::PathBuf {
    let path = dir.join("duplex.toml");
    let names: Vec<String> = agents
        .lines()
        .filter_map(|line| line.strip_prefix("[agents.")?.strip_suffix(']'))
        .map(|name| format!("\"{name}\""))
        .collect();
    std::fs::write(
        &path,
        format!(
            "store = \"{store_url}\"\n\
             [connectors.chat]\npath = \"/ws\"\nagents = [{}]\nsecrets_env = [\"NODE_TEST_SECRET\"]\n{settings}\n\
             {agents}\n",
            names.join(", ")
        ),
    )
    .expect("write the config");
    path
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A client of the connector protocol.
pub struct Client {
    pub ws: Socket,
}

impl Client {
    /// Connects to `url` and authenticates; with `session`, asks to resume it. Returns
    /// the client and its `connected` event.
    pub async fn open(url: &str, session: Option<&str>) -> (Client, Value) {
        let (ws, _) = tokio::time::timeout(EVENT_WAIT, tokio_tungstenite::connect_async(url))
            .await
            .expect("connect in time")
            .expect("WebSocket handshake");
        let mut client = Client { ws };
        let hello = match session {
            Some(id) => json!({"secret": SECRET, "session_id": id}),
            None => json!({"secret": SECRET}),
        };
        client.send(hello).await;
        let connected = client.until("connected").await;
        (client, connected)
    }

    pub async fn send(&mut self, value: Value) {
        self.ws
            .send(Message::text(value.to_string()))
            .await
            .expect("send a frame");
    }

    /// The next text event, or `None` when the connection closed or dropped.
    pub async fn next(&mut self) -> Option<Value> {
        loop {
            let frame = tokio::time::timeout(EVENT_WAIT, self.ws.next())
                .await
                .expect("an event within the wait");
            match frame {
                Some(Ok(Message::Text(text))) => {
                    return Some(serde_json::from_str(&text).expect("events are JSON"));
                }
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return None,
                Some(Ok(_)) => continue,
            }
        }
    }

    /// Events up to and including the first of type `kind`.
    pub async fn until(&mut self, kind: &str) -> Value {
        loop {
            let event = self
                .next()
                .await
                .unwrap_or_else(|| panic!("the connection ended before a `{kind}` event"));
            if event["type"] == kind {
                return event;
            }
        }
    }
}
