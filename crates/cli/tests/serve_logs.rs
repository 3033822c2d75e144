//! `duplex serve`'s logs as a process prints them: `--log-format json` gives one JSON
//! object per line with the fields log collectors expect, and no secret, good or bad,
//! ever reaches the logs in either format, even at `RUST_LOG=trace` and even when a
//! client sends a wrong one in each of the four ways the protocol allows.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const SECRET: &str = "log-test-s3cret-7f1c";
const WRONG: [&str; 4] = [
    "wrong-first-message-9a2b",
    "wrong-query-string-4c7d",
    "wrong-connic-header-1e5f",
    "wrong-bearer-token-8d3a",
];

#[tokio::test(flavor = "multi_thread")]
async fn json_logs_are_one_object_per_line() {
    let logs = serve_and_chat("json").await;
    let mut events = Vec::new();
    for (number, line) in logs.lines().enumerate() {
        let event: Value = serde_json::from_str(line)
            .unwrap_or_else(|err| panic!("log line {} is not JSON ({err}): {line}", number + 1));
        for field in ["timestamp", "level", "target"] {
            assert!(event[field].is_string(), "no `{field}` in {line}");
        }
        assert!(
            ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"]
                .contains(&event["level"].as_str().unwrap_or("")),
            "{line}"
        );
        assert!(event["fields"].is_object(), "no `fields` in {line}");
        events.push(event);
    }
    let find = |message: &str| {
        events
            .iter()
            .find(|event| event["fields"]["message"] == message)
            .unwrap_or_else(|| panic!("no `{message}` event in:\n{logs}"))
    };
    let listening = find("listening");
    assert_eq!(listening["level"], "INFO");
    assert_eq!(listening["target"], "duplex_connector::server");
    assert!(
        listening["fields"]["address"]
            .as_str()
            .is_some_and(|a| a.starts_with("127.0.0.1:"))
    );
    assert_eq!(listening["fields"]["store"], "sqlite");
    let opened = find("session open");
    assert_eq!(opened["fields"]["connector"], "chat");
    assert!(opened["fields"]["session_id"].is_string());
    find("stopped");
    // RUST_LOG=trace reached the libraries too (so the secret check below means something).
    assert!(
        events.iter().any(|event| event["level"] == "TRACE"),
        "{logs}"
    );
    assert_no_secret(&logs);
}

#[tokio::test(flavor = "multi_thread")]
async fn plain_logs_hold_no_secret() {
    let logs = serve_and_chat("plain").await;
    assert!(logs.lines().all(|line| !line.starts_with('{')), "{logs}");
    assert!(
        !logs.contains('\u{1b}'),
        "colour codes in logs that are not a terminal"
    );
    assert!(
        logs.lines()
            .any(|line| line.contains(" INFO ") && line.contains("listening")),
        "{logs}"
    );
    assert!(logs.contains(" TRACE "), "{logs}");
    assert_no_secret(&logs);
}

/// No secret in any form a log line could carry it: as text, URL-encoded, or as the hex
/// of a frame payload.
fn assert_no_secret(logs: &str) {
    let hex = |text: &str| {
        text.bytes()
            .map(|byte| format!("{byte:02x}"))
            .collect::<String>()
    };
    for secret in std::iter::once(SECRET).chain(WRONG) {
        for form in [
            secret.to_owned(),
            hex(secret),
            hex(&format!("\"{secret}\"")),
        ] {
            if let Some(line) = logs.lines().find(|line| line.contains(&form)) {
                panic!("the secret `{secret}` is in the logs: {line}");
            }
        }
    }
}

/// Runs `duplex serve --log-format FORMAT` at `RUST_LOG=trace`, tries each wrong secret,
/// chats once with the right one (first message and query string), stops the server
/// with SIGTERM and returns everything it wrote to stderr.
async fn serve_and_chat(format: &str) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("duplex.toml");
    std::fs::write(
        &config,
        format!(
            "store = \"sqlite://{}\"\n\
             [connectors.chat]\npath = \"/ws\"\nagents = [\"assistant\"]\nsecrets_env = [\"LOG_TEST_SECRET\"]\n\
             [agents.assistant]\nkind = \"echo\"\n",
            dir.path().join("sessions.db").display()
        ),
    )
    .expect("write the config");
    let mut child = Command::new(env!("CARGO_BIN_EXE_duplex"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--log-format",
            format,
            "--config",
        ])
        .arg(&config)
        .env("LOG_TEST_SECRET", SECRET)
        .env("RUST_LOG", "trace")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start duplex serve");
    let addr = listening_address(&mut child);
    let stderr = child.stderr.take().expect("stderr");
    // Read stderr as it comes, so the server never blocks on a full pipe.
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let mut stderr = stderr;
        stderr.read_to_string(&mut text).expect("read stderr");
        text
    });

    let url = format!("ws://{addr}/ws");
    let mut first = connect(url.clone().into_client_request().expect("request")).await;
    send(&mut first, json!({"secret": WRONG[0]})).await;
    expect_unauthorized(&mut first).await;
    let in_query = format!("{url}?secret={}", WRONG[1]);
    expect_unauthorized(&mut connect(in_query.into_client_request().expect("request")).await).await;
    for (name, value) in [
        ("X-Connic-Secret", WRONG[2].to_owned()),
        ("Authorization", format!("Bearer {}", WRONG[3])),
    ] {
        let mut request = url.clone().into_client_request().expect("request");
        request
            .headers_mut()
            .insert(name, value.parse().expect("header"));
        expect_unauthorized(&mut connect(request).await).await;
    }

    let mut ws = connect(url.clone().into_client_request().expect("request")).await;
    send(&mut ws, json!({"secret": SECRET})).await;
    let connected = until(&mut ws, "connected").await;
    send(&mut ws, json!({"message": "hello logs"})).await;
    let end = until(&mut ws, "stream_end").await;
    assert_eq!(end["full_response"], "hello logs");
    let in_query = format!(
        "{url}?secret={SECRET}&session_id={}",
        connected["session_id"].as_str().expect("id")
    );
    let mut again = connect(in_query.into_client_request().expect("request")).await;
    let resumed = until(&mut again, "connected").await;
    assert_eq!(resumed["resumed"], true);
    drop((ws, again));

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
    let exit = child.wait().expect("wait for duplex serve");
    assert!(exit.success(), "duplex serve exited with {exit}");
    reader.join().expect("the stderr reader")
}

fn listening_address(child: &mut Child) -> String {
    use std::io::BufRead;
    let stdout = child.stdout.take().expect("stdout");
    let mut stdout = std::io::BufReader::new(stdout);
    let mut line = String::new();
    stdout.read_line(&mut line).expect("the listening line");
    // Keep draining stdout (the connector lines) so the server never blocks on it.
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    line.trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line: {line}"))
        .to_owned()
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(request: tokio_tungstenite::tungstenite::handshake::client::Request) -> Socket {
    tokio_tungstenite::connect_async(request)
        .await
        .expect("WebSocket handshake")
        .0
}

async fn send(ws: &mut Socket, value: Value) {
    ws.send(Message::text(value.to_string()))
        .await
        .expect("send");
}

async fn until(ws: &mut Socket, kind: &str) -> Value {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("an event in time")
            .expect("an open socket")
            .expect("a frame");
        if let Message::Text(text) = frame {
            let event: Value = serde_json::from_str(&text).expect("JSON");
            if event["type"] == kind {
                return event;
            }
        }
    }
}

async fn expect_unauthorized(ws: &mut Socket) {
    let error = until(ws, "error").await;
    assert_eq!(error["code"], "unauthorized", "{error}");
}
