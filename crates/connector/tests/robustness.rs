//! Robustness of the protocol decoder and of a live session: no input makes either
//! panic, hang or answer outside the protocol.
//!
//! Property tests (proptest, bounded case counts so the suite stays fast) feed the
//! decoder arbitrary text, arbitrary JSON (huge numbers, any nesting, protocol field
//! names in any place) and messages of the right shape with wrong parts; and feed a
//! real server on SQLite arbitrary text, binary, ping and oversized frames, after which
//! the session must still answer a `ping` (every event validated against
//! `docs/connector.asyncapi.yaml` by the harness) or, if a frame ended it, have sent that
//! frame's error and close code, readable by the client.

mod support;

use duplex_connector::protocol::ErrorCode;
use duplex_connector::protocol::client::{ClientMessage, MAX_ID_LEN, decode};
use futures::{SinkExt, StreamExt};
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, TestCaseError, TestRunner};
use serde_json::{Value, json};
use support::{EVENT_WAIT, Ended, SECRET, StoreKind, TestServer, one_connector, start};
use tokio_tungstenite::tungstenite::Message;

/// The decoder's contract for one frame: a message that passed its checks, or an
/// `invalid_json` / `invalid_message` error that says why and keeps a readable `id`.
fn check(text: &str) -> Result<(), TestCaseError> {
    let id_ok = |id: &str| (1..=MAX_ID_LEN).contains(&id.len());
    match decode(text) {
        Ok(ClientMessage::Message(chat)) => {
            prop_assert!(!chat.message.trim().is_empty());
            prop_assert!(chat.id.as_deref().is_none_or(id_ok));
        }
        Ok(ClientMessage::Cancel { id }) => prop_assert!(id_ok(&id)),
        Ok(ClientMessage::Ping { id }) => prop_assert!(id.as_deref().is_none_or(id_ok)),
        Ok(ClientMessage::Hello { .. } | ClientMessage::History) => {}
        Err(err) => {
            prop_assert!(!err.message.is_empty());
            match serde_json::from_str::<Value>(text) {
                Err(_) => prop_assert_eq!(err.code, ErrorCode::InvalidJson),
                Ok(value) => {
                    prop_assert_eq!(err.code, ErrorCode::InvalidMessage);
                    let id = value.get("id").and_then(Value::as_str).map(str::to_owned);
                    prop_assert_eq!(err.id, id);
                }
            }
        }
    }
    Ok(())
}

/// Field names of the protocol, so arbitrary objects often look like messages.
const KEYS: [&str; 9] = [
    "type",
    "id",
    "payload",
    "message",
    "context",
    "agent",
    "secret",
    "session_id",
    "x",
];
const TYPES: [&str; 6] = ["message", "cancel", "ping", "history", "dance", ""];

fn json_string(text: &str) -> String {
    Value::from(text).to_string()
}

/// JSON text (always well formed), with numbers far outside f64 and u64 and keys that
/// the protocol uses.
fn json_text() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_owned()),
        Just("true".to_owned()),
        "-?[0-9]{1,400}(\\.[0-9]{1,40})?([eE][+-]?[0-9]{1,6})?",
        ".{0,40}".prop_map(|s| json_string(&s)),
        prop::sample::select(TYPES.as_slice()).prop_map(json_string),
    ];
    leaf.prop_recursive(12, 96, 6, |inner| {
        let key = prop_oneof![
            3 => prop::sample::select(KEYS.as_slice()).prop_map(str::to_owned),
            1 => ".{0,8}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec((key, inner), 0..6).prop_map(|fields| {
                let body: Vec<String> = fields
                    .iter()
                    .map(|(k, v)| format!("{}:{v}", json_string(k)))
                    .collect();
                format!("{{{}}}", body.join(","))
            }),
        ]
    })
}

/// A `message` whose parts are each either right or arbitrary JSON.
fn message_shaped() -> impl Strategy<Value = String> {
    let part = |good: &'static str| prop_oneof![Just(good.to_owned()), json_text()];
    (
        part("\"message\""),
        part("\"m-1\""),
        part("\"hello there\""),
        part("{\"city\": \"Oslo\"}"),
        part("\"assistant\""),
        any::<bool>(),
    )
        .prop_map(|(kind, id, message, context, agent, short)| {
            if short {
                format!(r#"{{"id": {id}, "message": {message}, "context": {context}}}"#)
            } else {
                format!(
                    r#"{{"type": {kind}, "id": {id}, "payload": {{"message": {message}, "context": {context}, "agent": {agent}}}}}"#
                )
            }
        })
}

/// Any frame text at all: arbitrary Unicode, JSON-ish punctuation soup, JSON, messages.
fn frame_text() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,200}",
        "[{}\\[\\]\":,0-9a-z .eE+-]{0,200}",
        json_text(),
        message_shaped(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn decoder_keeps_its_contract_on_any_text(text in frame_text()) {
        check(&text)?;
    }
}

#[test]
fn decoder_refuses_deep_nesting_in_every_place() {
    for depth in [100, 127, 128, 129, 10_000, 1_000_000] {
        let array = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
        let object = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
        for nested in [&array, &object] {
            for text in [
                nested.clone(),
                format!(r#"{{"type": "message", "id": {nested}, "payload": {{"message": "x"}}}}"#),
                format!(r#"{{"type": "message", "payload": {{"message": {nested}}}}}"#),
                format!(r#"{{"message": "x", "context": {{"deep": {nested}}}}}"#),
            ] {
                check(&text).unwrap_or_else(|err| panic!("depth {depth}: {err}"));
            }
        }
    }
}

#[test]
fn decoder_handles_huge_numbers_and_strings() {
    let digits = "9".repeat(100_000);
    for text in [
        format!(r#"{{"type": "ping", "id": {digits}}}"#),
        format!(r#"{{"message": "x", "context": {{"n": {digits}.{digits}e999999999}}}}"#),
        r#"{"message": "x", "context": {"n": 1e400, "m": -1e-400}}"#.to_owned(),
        format!(r#"{{"message": "{}"}}"#, "é".repeat(500_000)),
        format!(
            r#"{{"type": "cancel", "id": "{}"}}"#,
            "i".repeat(MAX_ID_LEN + 1)
        ),
    ] {
        check(&text).unwrap_or_else(|err| panic!("{err}"));
    }
}

/// One frame a client may send.
#[derive(Debug, Clone)]
enum Frame {
    Text(String),
    Binary(Vec<u8>),
    Ping(Vec<u8>),
    /// A text frame of this many bytes over the connector's 64 KiB limit.
    Oversized(usize),
}

/// The connector's `max_message_size` in these tests (the default).
const LIMIT: usize = 64 * 1024;

fn frame() -> impl Strategy<Value = Frame> {
    prop_oneof![
        12 => frame_text().prop_map(Frame::Text),
        3 => prop::collection::vec(any::<u8>(), 0..2048).prop_map(Frame::Binary),
        2 => prop::collection::vec(any::<u8>(), 0..126).prop_map(Frame::Ping),
        1 => (1..LIMIT).prop_map(Frame::Oversized),
    ]
}

/// The error and close code the first session-ending frame of `frames` must bring: an
/// oversized frame, or an auth message with a wrong secret.
fn expected_close(frames: &[Frame]) -> Option<(&'static str, u16)> {
    frames.iter().find_map(|frame| match frame {
        Frame::Oversized(_) => Some(("message_too_large", 4005)),
        Frame::Text(text) => match decode(text) {
            Ok(ClientMessage::Hello {
                secret: Some(secret),
                ..
            }) if secret != SECRET => Some(("unauthorized", 4001)),
            _ => None,
        },
        Frame::Binary(_) | Frame::Ping(_) => None,
    })
}

/// Sends `frames` on a fresh session, then a `ping`. The session answers it with `pong`
/// (every event on the way valid per the protocol document), or, when a frame ended the
/// session, the client reads that frame's error, its close code and then a clean end of
/// stream: the server reads and drops whatever was sent after (an oversized frame's
/// rest, the frames behind it) rather than resetting the connection. A dropped
/// connection or a missing answer fails.
async fn survives(server: &TestServer, frames: &[Frame]) -> Result<(), TestCaseError> {
    let (mut client, _) = server.connect().await;
    for frame in frames {
        let message = match frame {
            Frame::Text(text) => Message::text(text.as_str()),
            Frame::Binary(bytes) => Message::binary(bytes.clone()),
            Frame::Ping(bytes) => Message::Ping(bytes.clone().into()),
            Frame::Oversized(over) => Message::text("x".repeat(LIMIT + over)),
        };
        let sent = client.ws.send(message).await;
        prop_assert!(sent.is_ok(), "sending {frame:?} failed: {sent:?}");
    }
    let ping = json!({"type": "ping", "id": "final"}).to_string();
    let sent = client.ws.send(Message::text(ping)).await;
    prop_assert!(sent.is_ok(), "sending the final ping failed: {sent:?}");
    let expected = expected_close(frames);
    let mut last_error = None;
    loop {
        match client.next().await {
            Ok(event) if event["type"] == "pong" && event["id"] == "final" => {
                prop_assert!(expected.is_none(), "answered after {expected:?}");
                return Ok(());
            }
            Ok(event) if event["type"] == "error" => last_error = Some(event["code"].clone()),
            Ok(_) => continue,
            Err(Ended::Closed(Some(frame))) => {
                let code = u16::from(frame.code);
                let Some((error, close)) = expected else {
                    return Err(TestCaseError::fail(format!("closed with {code}")));
                };
                prop_assert_eq!(code, close);
                prop_assert_eq!(last_error, Some(Value::from(error)));
                let end = tokio::time::timeout(EVENT_WAIT, client.ws.next()).await;
                prop_assert!(
                    matches!(end, Ok(None)),
                    "after the close, not a clean end: {end:?}"
                );
                return Ok(());
            }
            Err(end) => {
                return Err(TestCaseError::fail(format!(
                    "the session ended without a readable close: {end:?}"
                )));
            }
        }
    }
}

#[test]
fn arbitrary_frames_never_break_a_live_session() {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let server = runtime.block_on(start(StoreKind::Sqlite, &one_connector("", "")));
    let mut runner = TestRunner::new(ProptestConfig {
        cases: 48,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let result = runner.run(&prop::collection::vec(frame(), 1..8), |frames| {
        runtime.block_on(survives(&server, &frames))
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
    // The server is still whole: a new session chats.
    runtime.block_on(async {
        let (mut client, _) = server.connect().await;
        client
            .check(
                Some(
                    json!({"type": "message", "id": "after", "payload": {"message": "still here"}}),
                ),
                &[json!({"type": "ack", "id": "after"})],
            )
            .await;
    });
}
