//! `duplex serve` as a process: a session's history survives `kill -9` of the server,
//! the reply it was streaming is recorded and reported as interrupted, and the
//! resumed session goes on with the completed turns as its memory.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use duplex_connector::store::{EntryStatus, Store};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

const SECRET: &str = "kill-test-secret";

/// A `duplex serve` process and the address it printed.
struct Server {
    child: Child,
    addr: String,
    /// Kept open so the server's later output has somewhere to go.
    _stdout: BufReader<std::process::ChildStdout>,
}

fn spawn(config: &std::path::Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_duplex"))
        .args(["serve", "--listen", "127.0.0.1:0", "--config"])
        .arg(config)
        .env("KILL_TEST_SECRET", SECRET)
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
        .unwrap_or_else(|| panic!("unexpected first line: {line}"))
        .to_owned();
    Server {
        child,
        addr,
        _stdout: stdout,
    }
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn next(ws: &mut Socket) -> Value {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("an event in time")
            .expect("an open socket")
            .expect("a frame");
        if let Message::Text(text) = frame {
            return serde_json::from_str(&text).expect("JSON");
        }
    }
}

async fn until(ws: &mut Socket, kind: &str) -> Value {
    loop {
        let event = next(ws).await;
        if event["type"] == kind {
            return event;
        }
    }
}

async fn send(ws: &mut Socket, value: Value) {
    ws.send(Message::text(value.to_string()))
        .await
        .expect("send");
}

#[tokio::test(flavor = "multi_thread")]
async fn history_survives_kill_9() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store_url = format!("sqlite://{}", dir.path().join("sessions.db").display());
    let config = dir.path().join("duplex.toml");
    std::fs::write(
        &config,
        format!(
            "store = \"{store_url}\"\n\
             [connectors.chat]\npath = \"/ws\"\nagents = [\"fast\", \"slow\"]\nsecrets_env = [\"KILL_TEST_SECRET\"]\n\
             [agents.fast]\nkind = \"echo\"\n\
             [agents.slow]\nkind = \"echo\"\nchunks = 200\ndelay = \"50ms\"\n"
        ),
    )
    .expect("write the config");

    let mut server = spawn(&config);
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws", server.addr))
        .await
        .expect("connect");
    send(&mut ws, json!({"secret": SECRET})).await;
    let connected = until(&mut ws, "connected").await;
    let session_id = connected["session_id"].clone();
    send(&mut ws, json!({"type": "message", "id": "m1", "payload": {"message": "first turn here", "agent": "fast"}})).await;
    let end = until(&mut ws, "stream_end").await;
    assert_eq!(end["status"], "completed");
    send(
        &mut ws,
        json!({"type": "message", "id": "m2", "payload": {"message": "slow one", "agent": "slow"}}),
    )
    .await;
    until(&mut ws, "stream_chunk").await;
    server.child.kill().expect("SIGKILL");
    server.child.wait().expect("reap");

    let mut server = spawn(&config);
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws", server.addr))
        .await
        .expect("connect again");
    send(&mut ws, json!({"secret": SECRET, "session_id": session_id})).await;
    let resumed = until(&mut ws, "connected").await;
    assert_eq!(resumed["session_id"], session_id);
    assert_eq!(resumed["resumed"], true);
    assert_eq!(
        resumed["interrupted"],
        json!([{"id": "m2", "agent": "slow"}])
    );
    // The fast agent remembers the completed turn (3 + 3 words) but not the broken one's reply.
    send(
        &mut ws,
        json!({"type": "message", "id": "m3", "payload": {"message": "again", "agent": "fast"}}),
    )
    .await;
    let ack = until(&mut ws, "ack").await;
    assert_eq!(ack["message_number"], 3);
    let end = until(&mut ws, "stream_end").await;
    assert_eq!(end["token_usage"]["prompt_tokens"], 3 + 3 + 2 + 1);
    server.child.kill().expect("stop");
    server.child.wait().expect("reap");

    let store = Store::connect(&store_url).await.expect("open the store");
    let history = store
        .history(session_id.as_str().expect("id"))
        .await
        .expect("history");
    let replies: Vec<(String, Option<EntryStatus>, String)> = history
        .iter()
        .filter(|entry| entry.agent.is_some())
        .map(|entry| (entry.message_id.clone(), entry.status, entry.text.clone()))
        .collect();
    assert_eq!(
        replies[0],
        (
            "m1".to_owned(),
            Some(EntryStatus::Completed),
            "first turn here".to_owned()
        )
    );
    assert_eq!(replies[1].0, "m2");
    assert_eq!(replies[1].1, Some(EntryStatus::Interrupted));
    assert_eq!(replies[2].1, Some(EntryStatus::Completed));
    assert_eq!(
        history.iter().filter(|entry| entry.agent.is_none()).count(),
        3
    );
    store.close().await;
}
