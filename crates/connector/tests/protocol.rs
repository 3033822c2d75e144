//! The connector's protocol, rule by rule, against a real server on a random port.

mod support;

use std::time::Duration;

use duplex_connector::store::{EntryStatus, HistoryEntry};
use futures::SinkExt;
use serde_json::{Value, json};
use support::{Client, Ended, SECRET, StoreKind, TestServer, one_connector, start};
use tokio_tungstenite::MaybeTlsStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};

const SQLITE: StoreKind = StoreKind::Sqlite;

async fn echo_server(kind: StoreKind, settings: &str, agent: &str) -> TestServer {
    start(kind, &one_connector(settings, agent)).await
}

async fn history(server: &TestServer, session_id: &Value) -> Vec<HistoryEntry> {
    let store = server.store().await;
    let entries = store
        .history(session_id.as_str().expect("a session id"))
        .await
        .expect("history");
    store.close().await;
    entries
}

// --- Auth -------------------------------------------------------------------------------

#[tokio::test]
async fn auth_with_the_first_message() {
    let mut server = echo_server(SQLITE, "", "").await;
    let (_client, connected) = server.connect().await;
    assert_eq!(connected["agents"], json!(["assistant"]));
    assert!(
        connected["session_id"]
            .as_str()
            .is_some_and(|id| !id.is_empty())
    );
    server.stop().await;
}

#[tokio::test]
async fn auth_in_the_url_or_headers() {
    let mut server = echo_server(SQLITE, "", "").await;
    let ways = [
        (format!("/ws?secret={SECRET}"), None),
        (
            "/ws".to_owned(),
            Some(("X-Connic-Secret", SECRET.to_owned())),
        ),
        (
            "/ws".to_owned(),
            Some(("Authorization", format!("Bearer {SECRET}"))),
        ),
    ];
    for (path, header) in ways {
        let mut request = server.url(&path).into_client_request().expect("request");
        if let Some((name, value)) = header {
            request
                .headers_mut()
                .insert(name, value.parse().expect("header value"));
        }
        let mut client = Client::connect(request).await;
        client
            .expect(json!({"type": "connected", "resumed": false}))
            .await;
        client
            .check(
                Some(json!({"message": "hi"})),
                &[json!({"type": "ack", "message_number": 1})],
            )
            .await;
    }
    server.stop().await;
}

#[tokio::test]
async fn wrong_secrets_are_refused() {
    let mut server = echo_server(SQLITE, "", "").await;
    let mut client = server.open("/ws").await;
    client
        .check(
            Some(json!({"secret": "nope"})),
            &[json!({"type": "error", "code": "unauthorized", "retryable": false})],
        )
        .await;
    client.expect_close(4001).await;

    let mut client = server.open("/ws?secret=nope").await;
    client
        .expect(json!({"type": "error", "code": "unauthorized"}))
        .await;
    client.expect_close(4001).await;

    let mut client = server.open("/ws").await;
    client
        .check(
            Some(json!({"message": "hi"})),
            &[json!({"type": "error", "code": "unauthorized"})],
        )
        .await;
    client.expect_close(4001).await;
    server.stop().await;
}

#[tokio::test]
async fn auth_times_out() {
    let mut server = echo_server(SQLITE, "auth_timeout = \"100ms\"", "").await;
    let mut client = server.open("/ws").await;
    client
        .expect(json!({"type": "error", "code": "auth_timeout", "retryable": true}))
        .await;
    client.expect_close(4002).await;
    server.stop().await;
}

#[tokio::test]
async fn without_auth_the_first_message_may_chat() {
    let mut server = echo_server(SQLITE, "require_auth = false", "").await;
    let mut client = server.open("/ws").await;
    client
        .check(
            Some(json!({"message": "hello"})),
            &[
                json!({"type": "connected"}),
                json!({"type": "ack", "message_number": 1}),
                json!({"type": "stream_start", "agent": "assistant"}),
            ],
        )
        .await;
    server.stop().await;
}

// --- Replies ----------------------------------------------------------------------------

async fn streams_a_reply(kind: StoreKind) {
    let mut server = echo_server(kind, "", "chunk_words = 2").await;
    let (mut client, connected) = server.connect().await;
    client
        .check(
            Some(json!({"type": "message", "id": "msg-001", "payload": {
                "message": "What is the weather like today?", "context": {"location": "New York"}}})),
            &[
                json!({"type": "ack", "id": "msg-001", "message_number": 1}),
                json!({"type": "stream_start", "id": "msg-001", "agent": "assistant"}),
                json!({"type": "stream_chunk", "id": "msg-001", "agent": "assistant", "chunk": "What is"}),
                json!({"type": "stream_chunk", "chunk": " the weather"}),
                json!({"type": "stream_chunk", "chunk": " like today?"}),
                json!({"type": "stream_end", "id": "msg-001", "agent": "assistant",
                       "full_response": "What is the weather like today?", "status": "completed",
                       "token_usage": {"prompt_tokens": 6, "candidates_tokens": 6, "total_tokens": 12}}),
            ],
        )
        .await;
    // The second turn's prompt holds the first turn: 6 + 6 + 2 words.
    client
        .check(
            Some(json!({"message": "And tomorrow?"})),
            &[
                json!({"type": "ack", "message_number": 2}),
                json!({"type": "stream_start"}),
                json!({"type": "stream_chunk", "chunk": "And tomorrow?"}),
                json!({"type": "stream_end", "token_usage": {"prompt_tokens": 14}}),
            ],
        )
        .await;
    let entries = history(&server, &connected["session_id"]).await;
    assert_eq!(entries.len(), 4);
    assert_eq!(entries[0].context, Some(json!({"location": "New York"})));
    assert_eq!(entries[1].status, Some(EntryStatus::Completed));
    assert_eq!(entries[1].text, "What is the weather like today?");
    server.stop().await;
}

#[tokio::test]
async fn non_streaming_replies() {
    let mut server = echo_server(SQLITE, "streaming = false", "").await;
    let (mut client, _) = server.connect().await;
    client
        .check(
            Some(json!({"type": "message", "id": "m1", "payload": {"message": "one two"}})),
            &[
                json!({"type": "ack", "id": "m1", "message_number": 1}),
                json!({"type": "response", "id": "m1", "agent": "assistant", "response": "one two",
                       "status": "completed", "token_usage": {"prompt_tokens": 2, "candidates_tokens": 2}}),
            ],
        )
        .await;
    server.stop().await;
}

#[tokio::test]
async fn ids_are_assigned_and_agents_chosen() {
    let body = "[connectors.chat]\npath = \"/ws\"\nagents = [\"a\", \"b\"]\nsecrets_env = [\"TEST_SECRET\"]\n\
                [agents.a]\nkind = \"echo\"\n[agents.b]\nkind = \"echo\"\nchunks = 2\n";
    let mut server = start(SQLITE, body).await;
    let (mut client, connected) = server.connect().await;
    assert_eq!(connected["agents"], json!(["a", "b"]));
    let ack = client
        .check(Some(json!({"message": "x"})), &[json!({"type": "ack"})])
        .await;
    let id = ack[0]["id"].as_str().expect("an assigned id").to_owned();
    // Both agents answer; every event names its agent.
    let mut ends = Vec::new();
    while ends.len() < 2 {
        let event = client.next().await.expect("an event");
        assert_eq!(event["id"], id.as_str());
        assert!(event["agent"] == "a" || event["agent"] == "b", "{event}");
        if event["type"] == "stream_end" {
            ends.push((event["agent"].clone(), event["full_response"].clone()));
        }
    }
    ends.sort_by_key(|(agent, _)| agent.to_string());
    assert_eq!(
        ends,
        vec![(json!("a"), json!("x")), (json!("b"), json!("x x"))]
    );

    client
        .check(
            Some(json!({"type": "message", "id": "only-b", "payload": {"message": "y", "agent": "b"}})),
            &[
                json!({"type": "ack", "id": "only-b"}),
                json!({"type": "stream_start", "agent": "b"}),
                json!({"type": "stream_chunk", "agent": "b"}),
                json!({"type": "stream_chunk", "agent": "b"}),
                json!({"type": "stream_end", "agent": "b"}),
            ],
        )
        .await;
    client
        .check(
            Some(
                json!({"type": "message", "id": "m", "payload": {"message": "y", "agent": "zed"}}),
            ),
            &[json!({"type": "error", "id": "m", "code": "unknown_agent", "retryable": false})],
        )
        .await;
    client
        .check(
            Some(json!({"type": "message", "id": "only-b", "payload": {"message": "again"}})),
            &[
                json!({"type": "ack", "id": "only-b", "message_number": 2}),
                json!({"type": "error", "id": "only-b", "code": "invalid_message"}),
            ],
        )
        .await;
    server.stop().await;
}

#[tokio::test]
async fn agent_failures_and_timeouts_end_the_reply() {
    let body = "[connectors.chat]\npath = \"/ws\"\nagents = [\"flaky\", \"slow\"]\nsecrets_env = [\"TEST_SECRET\"]\n\
                [agents.flaky]\nkind = \"echo\"\nfail_after = 1\n\
                [agents.slow]\nkind = \"echo\"\ndelay = \"2s\"\ntimeout = \"50ms\"\n";
    let mut server = start(SQLITE, body).await;
    let (mut client, _) = server.connect().await;
    client
        .check(
            Some(json!({"type": "message", "id": "f", "payload": {"message": "a b", "agent": "flaky"}})),
            &[
                json!({"type": "ack"}),
                json!({"type": "stream_start"}),
                json!({"type": "stream_chunk", "chunk": "a"}),
                json!({"type": "error", "id": "f", "agent": "flaky", "code": "agent_error", "retryable": true}),
                json!({"type": "stream_end", "status": "failed", "full_response": "a",
                       "error": {"code": "agent_error"}}),
            ],
        )
        .await;
    client
        .check(
            Some(json!({"type": "message", "id": "s", "payload": {"message": "a", "agent": "slow"}})),
            &[
                json!({"type": "ack"}),
                json!({"type": "stream_start"}),
                json!({"type": "error", "id": "s", "code": "agent_timeout"}),
                json!({"type": "stream_end", "status": "failed", "error": {"code": "agent_timeout"}}),
            ],
        )
        .await;
    server.stop().await;
}

// --- Cancel and queueing ----------------------------------------------------------------

const SLOW: &str = "chunks = 40\ndelay = \"20ms\"";

async fn cancel_stops_a_reply(kind: StoreKind) {
    let mut server = echo_server(kind, "", SLOW).await;
    let (mut client, connected) = server.connect().await;
    client
        .check(
            Some(json!({"type": "message", "id": "c1", "payload": {"message": "word"}})),
            &[
                json!({"type": "ack"}),
                json!({"type": "stream_start"}),
                json!({"type": "stream_chunk"}),
            ],
        )
        .await;
    client.send(json!({"type": "cancel", "id": "c1"})).await;
    let (chunks, end) = client.collect_reply("c1").await;
    assert_matches_status(&end, "cancelled");
    let partial = end["full_response"].as_str().expect("text");
    assert!(partial.starts_with("word"), "{partial}");
    assert!(
        chunks.len() + 1 < 40,
        "the reply stopped early: {} chunks",
        chunks.len() + 1
    );
    let entries = history(&server, &connected["session_id"]).await;
    assert_eq!(entries[1].status, Some(EntryStatus::Cancelled));
    assert_eq!(entries[1].text, partial);
    server.stop().await;
}

fn assert_matches_status(end: &Value, status: &str) {
    support::assert_matches(end, &json!({"type": "stream_end", "status": status}));
}

/// Queued messages are acknowledged while the reply before them still runs, and are
/// answered in order once it ends.
///
/// Nothing here depends on timing: the first reply is 300 chunks of 20 ms and ends only
/// when the client cancels it, after seeing the other acks. (An earlier version raced a
/// 100 ms reply against the acks; on PostgreSQL, storing a message can take longer than
/// that while the pool opens a connection, and the test then waited 10 s for an event
/// it had already consumed.)
async fn messages_queue_behind_a_reply(kind: StoreKind) {
    let mut server = echo_server(kind, "", "delay = \"20ms\"").await;
    let (mut client, _) = server.connect().await;
    let long = "one ".repeat(300);
    client
        .send(json!({"type": "message", "id": "q1", "payload": {"message": long}}))
        .await;
    client
        .send(json!({"type": "message", "id": "q2", "payload": {"message": "two"}}))
        .await;
    client
        .send(json!({"type": "message", "id": "q3", "payload": {"message": "three"}}))
        .await;
    client
        .expect(json!({"type": "ack", "id": "q1", "message_number": 1}))
        .await;
    client
        .expect(json!({"type": "stream_start", "id": "q1"}))
        .await;
    // q2 and q3 are acknowledged while q1 streams: only q1's chunks come in between.
    let mut acks = Vec::new();
    while acks.len() < 2 {
        let event = client.next().await.expect("an event");
        if event["type"] == "ack" {
            acks.push((event["id"].clone(), event["message_number"].clone()));
        } else {
            support::assert_matches(&event, &json!({"type": "stream_chunk", "id": "q1"}));
        }
    }
    assert_eq!(acks, vec![(json!("q2"), json!(2)), (json!("q3"), json!(3))]);
    client.send(json!({"type": "cancel", "id": "q1"})).await;
    let (_, end) = client.collect_reply("q1").await;
    assert_matches_status(&end, "cancelled");
    // Then q2 and q3 run, one after the other, each to the end.
    for (id, text) in [("q2", "two"), ("q3", "three")] {
        let (chunks, end) = client.collect_reply(id).await;
        assert_eq!(chunks, vec![text.to_owned()]);
        assert_matches_status(&end, "completed");
    }
    // Cancelling a queued message ends it without running it, before the reply ahead
    // of it ends.
    client
        .send(json!({"type": "message", "id": "r1", "payload": {"message": long}}))
        .await;
    client
        .send(json!({"type": "message", "id": "r2", "payload": {"message": "y"}}))
        .await;
    client.send(json!({"type": "cancel", "id": "r2"})).await;
    let mut r2_end = None;
    while r2_end.is_none() {
        let event = client.next().await.expect("an event");
        match (event["id"].as_str(), event["type"].as_str()) {
            (Some("r2"), Some("stream_end")) => r2_end = Some(event),
            (Some("r2"), Some("stream_chunk")) => panic!("r2 ran: {event}"),
            (_, Some("stream_end")) => panic!("r1 ended before r2: {event}"),
            _ => {}
        }
    }
    let r2_end = r2_end.expect("r2 ended");
    support::assert_matches(
        &r2_end,
        &json!({"type": "stream_end", "status": "cancelled", "full_response": ""}),
    );
    client.send(json!({"type": "cancel", "id": "r1"})).await;
    loop {
        let event = client.next().await.expect("an event");
        if event["type"] == "stream_end" {
            support::assert_matches(&event, &json!({"id": "r1", "status": "cancelled"}));
            break;
        }
        assert_eq!(event["id"], "r1", "{event}");
    }
    server.stop().await;
}

/// With `when_busy = "reject"`, a reply is over for the session as soon as its client can
/// see its end: a message sent right after a `stream_end` is answered, never `busy`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejecting_accepts_a_message_sent_right_after_an_end() {
    let mut server = echo_server(SQLITE, "when_busy = \"reject\"", "").await;
    let (mut client, _) = server.connect().await;
    for turn in 1..=30 {
        let id = format!("t{turn}");
        client
            .send(json!({"type": "message", "id": id, "payload": {"message": "quick"}}))
            .await;
        loop {
            let event = client.next().await.expect("an event");
            assert_ne!(event["type"], "error", "turn {turn}: {event}");
            if event["type"] == "stream_end" {
                break;
            }
        }
    }
    server.stop().await;
}

#[tokio::test]
async fn busy_when_rejecting_or_when_the_queue_is_full() {
    let mut server = echo_server(SQLITE, "when_busy = \"reject\"", SLOW).await;
    let (mut client, _) = server.connect().await;
    client
        .check(
            Some(json!({"type": "message", "id": "a", "payload": {"message": "x"}})),
            &[json!({"type": "ack"})],
        )
        .await;
    client
        .send(json!({"type": "message", "id": "b", "payload": {"message": "y"}}))
        .await;
    loop {
        let event = client.next().await.expect("an event");
        if event["type"] == "error" {
            support::assert_matches(
                &event,
                &json!({"id": "b", "code": "busy", "retryable": true}),
            );
            break;
        }
    }
    server.stop().await;

    let mut server = echo_server(SQLITE, "max_queued = 1", SLOW).await;
    let (mut client, _) = server.connect().await;
    for id in ["a", "b", "c"] {
        client
            .send(json!({"type": "message", "id": id, "payload": {"message": "x"}}))
            .await;
    }
    loop {
        let event = client.next().await.expect("an event");
        if event["type"] == "error" {
            support::assert_matches(&event, &json!({"id": "c", "code": "busy"}));
            break;
        }
    }
    server.stop().await;
}

// --- Session limits ---------------------------------------------------------------------

async fn max_messages_closes_the_session(kind: StoreKind) {
    let mut server = echo_server(kind, "max_messages = 2", "").await;
    let (mut client, _) = server.connect().await;
    for number in 1..=2 {
        client
            .check(
                Some(json!({"message": "hi"})),
                &[
                    json!({"type": "ack", "message_number": number}),
                    json!({"type": "stream_start"}),
                    json!({"type": "stream_chunk"}),
                    json!({"type": "stream_end"}),
                ],
            )
            .await;
    }
    client
        .check(
            Some(json!({"type": "message", "id": "m3", "payload": {"message": "hi"}})),
            &[json!({"type": "error", "id": "m3", "code": "session_limit_reached", "retryable": false})],
        )
        .await;
    client.expect_close(4003).await;
    server.stop().await;
}

#[tokio::test]
async fn idle_sessions_expire() {
    let mut server = echo_server(SQLITE, "session_timeout = \"150ms\"", "").await;
    let (mut client, _) = server.connect().await;
    client
        .expect(json!({"type": "error", "code": "session_expired"}))
        .await;
    client.expect_close(4004).await;
    server.stop().await;
}

/// A resume while another connection still streams a reply of the session takes that
/// reply for cut off and says so; the reply then ends as `interrupted` on its own
/// connection too, whatever else stops it, so both clients and the store agree.
async fn a_resume_interrupts_a_reply_running_elsewhere(kind: StoreKind) {
    let mut server = echo_server(kind, "", "chunks = 1000\ndelay = \"10ms\"").await;
    let (mut first, connected) = server.connect().await;
    let session_id = connected["session_id"].clone();
    first
        .check(
            Some(json!({"type": "message", "id": "long", "payload": {"message": "on and on"}})),
            &[
                json!({"type": "ack", "id": "long"}),
                json!({"type": "stream_start", "id": "long"}),
                json!({"type": "stream_chunk", "id": "long"}),
            ],
        )
        .await;
    let mut second = server.open("/ws").await;
    second
        .check(
            Some(json!({"secret": SECRET, "session_id": session_id})),
            &[json!({"type": "connected", "resumed": true,
                     "interrupted": [{"id": "long", "agent": "assistant"}]})],
        )
        .await;
    // Cancelled after the resume: it still ends as the resume said.
    first.send(json!({"type": "cancel", "id": "long"})).await;
    let (chunks, end) = first.collect_reply("long").await;
    assert_matches_status(&end, "interrupted");
    let text = end["full_response"].as_str().expect("text").to_owned();
    // All it streamed, the first chunk (read above) included.
    assert!(
        text.starts_with("on") && text.ends_with(&chunks.concat()),
        "{text}"
    );
    let entries = history(&server, &session_id).await;
    assert_eq!(entries[1].status, Some(EntryStatus::Interrupted));
    assert_eq!(entries[1].text, text);
    server.stop().await;
}

async fn sessions_resume(kind: StoreKind) {
    let mut server = echo_server(kind, "", "").await;
    let (mut client, connected) = server.connect().await;
    let session_id = connected["session_id"].clone();
    client
        .check(
            Some(json!({"type": "message", "id": "r1", "payload": {"message": "remember these words"}})),
            &[json!({"type": "ack", "id": "r1"})],
        )
        .await;
    client.collect_reply("r1").await;
    drop(client);

    let mut client = server.open("/ws").await;
    client
        .check(
            Some(json!({"secret": SECRET, "session_id": session_id})),
            &[json!({"type": "connected", "session_id": session_id, "resumed": true})],
        )
        .await;
    // The resumed client can ask for what was said before it reconnected.
    let history = client
        .check(
            Some(json!({"type": "history"})),
            &[json!({"type": "history", "session_id": session_id})],
        )
        .await;
    let entries = history[0]["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert_eq!(entries[0]["role"], "user");
    assert_eq!(entries[0]["text"], "remember these words");
    assert_eq!(entries[1]["agent"], "assistant");
    assert_eq!(entries[1]["status"], "completed");
    // The agent sees the first turn: 3 + 3 words of history, 1 new word.
    client
        .check(
            Some(json!({"message": "well?"})),
            &[
                json!({"type": "ack", "message_number": 2}),
                json!({"type": "stream_start"}),
                json!({"type": "stream_chunk"}),
                json!({"type": "stream_end", "token_usage": {"prompt_tokens": 7}}),
            ],
        )
        .await;
    let mut client = server.open("/ws").await;
    let fresh = client
        .check(
            Some(json!({"secret": SECRET, "session_id": "no-such-session"})),
            &[json!({"type": "connected", "resumed": false})],
        )
        .await;
    assert_ne!(fresh[0]["session_id"], session_id);
    // Resuming by URL works too.
    let mut client = server
        .open(&format!(
            "/ws?secret={SECRET}&session_id={}",
            session_id.as_str().expect("id")
        ))
        .await;
    client
        .expect(json!({"type": "connected", "session_id": session_id, "resumed": true}))
        .await;
    server.stop().await;
}

#[tokio::test]
async fn expired_sessions_are_not_resumed() {
    let mut server = echo_server(SQLITE, "session_timeout = \"200ms\"", "").await;
    let (client, connected) = server.connect().await;
    drop(client);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let mut client = server.open("/ws").await;
    let events = client
        .check(
            Some(json!({"secret": SECRET, "session_id": connected["session_id"]})),
            &[json!({"type": "connected", "resumed": false})],
        )
        .await;
    assert_ne!(events[0]["session_id"], connected["session_id"]);
    server.stop().await;
}

// --- Bad input --------------------------------------------------------------------------

#[tokio::test]
async fn bad_frames_get_errors_and_the_session_stays_open() {
    let mut server = echo_server(SQLITE, "max_message_size = 1024", "").await;
    let (mut client, _) = server.connect().await;
    client.send_text("{not json").await;
    client
        .expect(json!({"type": "error", "code": "invalid_json", "retryable": false}))
        .await;
    client
        .check(
            Some(json!({"type": "teleport", "id": "t"})),
            &[json!({"type": "error", "id": "t", "code": "invalid_message"})],
        )
        .await;
    client
        .check(
            Some(json!({"type": "message", "payload": {"message": 42}})),
            &[json!({"type": "error", "code": "invalid_message"})],
        )
        .await;
    client
        .ws
        .send(Message::binary(vec![1, 2, 3]))
        .await
        .expect("send");
    client
        .expect(json!({"type": "error", "code": "invalid_message"}))
        .await;
    client
        .check(
            Some(json!({"type": "ping", "id": "p"})),
            &[json!({"type": "pong", "id": "p"})],
        )
        .await;
    client.send_text(&"x".repeat(2000)).await;
    client
        .expect(json!({"type": "error", "code": "message_too_large"}))
        .await;
    client.expect_close(4005).await;
    server.stop().await;
}

/// A frame over `max_message_size` is refused as its header arrives, with the rest of it
/// (and whatever the client sends next) still on the wire. The server reads and drops
/// that rest before closing its socket, so the client reads the error, the close and a
/// clean end of stream, never a reset: just over the limit, far over it within the
/// drain budget (16 × the limit, at least 1 MiB), and a message of frames each under it.
#[tokio::test]
async fn an_oversized_frame_gets_a_readable_close() {
    let mut server = echo_server(SQLITE, "", "").await;
    let limit = 64 * 1024;
    for size in [limit + 1, 15 * limit] {
        let (mut client, _) = server.connect().await;
        client.send_text(&"x".repeat(size)).await;
        client.send(json!({"type": "ping", "id": "after"})).await;
        client
            .expect(json!({"type": "error", "code": "message_too_large", "retryable": false}))
            .await;
        client.expect_close(4005).await;
        expect_clean_end(&mut client).await;
    }
    // A message of three 30 KiB frames is refused as its third frame arrives.
    let (mut client, _) = server.connect().await;
    let part = || "x".repeat(30 * 1024);
    for (opcode, last) in [
        (Data::Text, false),
        (Data::Continue, false),
        (Data::Continue, true),
    ] {
        let frame = Frame::message(part(), OpCode::Data(opcode), last);
        client
            .ws
            .send(Message::Frame(frame))
            .await
            .expect("a fragment");
    }
    client
        .expect(json!({"type": "error", "code": "message_too_large"}))
        .await;
    client.expect_close(4005).await;
    expect_clean_end(&mut client).await;
    server.stop().await;
}

/// Past the drain budget the server stops reading and closes the socket, which resets
/// the connection: a frame that claims 1 GiB costs the server at most the budget in
/// reading (through one small buffer), never the gigabyte, and the server stays whole.
#[tokio::test]
async fn a_frame_far_over_the_drain_budget_is_cut_off() {
    use tokio::io::AsyncWriteExt;
    let mut server = echo_server(SQLITE, "", "").await;
    let (mut client, _) = server.connect().await;
    let claimed: u64 = 1 << 30;
    let mut header = vec![0x81, 0x80 | 127];
    header.extend_from_slice(&claimed.to_be_bytes());
    header.extend_from_slice(&[7, 7, 7, 7]);
    let MaybeTlsStream::Plain(tcp) = client.ws.get_mut() else {
        panic!("the test client speaks plain TCP");
    };
    tcp.write_all(&header).await.expect("a frame header");
    let chunk = vec![0u8; 64 * 1024];
    let mut sent: u64 = 0;
    let cut = loop {
        let written = tokio::time::timeout(support::EVENT_WAIT, tcp.write(&chunk))
            .await
            .expect("the server keeps reading until it cuts the connection");
        match written {
            Ok(n) => sent += n as u64,
            Err(err) => break err,
        }
        assert!(sent < claimed, "the server read the whole frame");
    };
    assert!(
        matches!(
            cut.kind(),
            std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe
        ),
        "the connection was reset: {cut}"
    );
    // The budget (1 MiB here) plus what the two sockets' buffers hold on loopback.
    assert!(
        sent < 64 << 20,
        "the server read {sent} bytes before cutting"
    );
    let (mut other, _) = server.connect().await;
    other
        .check(
            Some(json!({"type": "ping", "id": "p"})),
            &[json!({"type": "pong", "id": "p"})],
        )
        .await;
    server.stop().await;
}

/// After the close frame the connection ends with the server's FIN, not a reset (a
/// reset makes tungstenite's read fail instead of ending the stream).
async fn expect_clean_end(client: &mut Client) {
    let end = tokio::time::timeout(
        support::EVENT_WAIT,
        futures::StreamExt::next(&mut client.ws),
    )
    .await
    .expect("the end of the stream");
    assert!(end.is_none(), "expected a clean end, got {end:?}");
}

// --- Transport --------------------------------------------------------------------------

#[tokio::test]
async fn pings_both_ways() {
    let mut server = echo_server(
        SQLITE,
        "ping_interval = \"50ms\"\nping_timeout = \"10s\"",
        "",
    )
    .await;
    let (mut client, _) = server.connect().await;
    client
        .ws
        .send(Message::Ping(b"hello".to_vec().into()))
        .await
        .expect("ping");
    let mut saw_pong = false;
    let mut saw_ping = false;
    while !(saw_pong && saw_ping) {
        match tokio::time::timeout(
            support::EVENT_WAIT,
            futures::StreamExt::next(&mut client.ws),
        )
        .await
        .expect("frames")
        {
            Some(Ok(Message::Pong(data))) => saw_pong |= data.as_ref() == b"hello",
            Some(Ok(Message::Ping(_))) => saw_ping = true,
            other => panic!("unexpected {other:?}"),
        }
    }
    server.stop().await;
}

#[tokio::test]
async fn silent_peers_are_closed() {
    let mut server = echo_server(
        SQLITE,
        "ping_interval = \"50ms\"\nping_timeout = \"200ms\"",
        "",
    )
    .await;
    let (mut client, _) = server.connect().await;
    // Not reading means not answering pings. The client's late pongs are drained by
    // the closed socket, so they cannot reset the connection before the close is read.
    tokio::time::sleep(Duration::from_millis(600)).await;
    client.expect_close(4007).await;
    expect_clean_end(&mut client).await;
    server.stop().await;
}

#[tokio::test]
async fn slow_readers_are_closed_and_others_unaffected() {
    let mut server = echo_server(
        SQLITE,
        "outbound_queue = 4",
        "chunks = 100000\nchunk_words = 200",
    )
    .await;
    let (mut slow, _) = server.connect().await;
    let long_word = "w".repeat(50);
    slow.send(json!({"message": long_word})).await;
    // Do not read; the server must give up on this client rather than buffer.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (mut other, _) = server.connect().await;
    other
        .check(Some(json!({"type": "ping"})), &[json!({"type": "pong"})])
        .await;
    let mut events = 0u64;
    let ended = loop {
        match slow.next().await {
            Ok(_) => events += 1,
            Err(end) => break end,
        }
    };
    assert!(
        events < 100_000,
        "the reply was cut short ({events} events)"
    );
    match ended {
        Ended::Closed(Some(frame)) => assert_eq!(u16::from(frame.code), 4006),
        Ended::Closed(None) | Ended::Dropped(_) => {}
    }
    server.stop().await;
}

// --- Shutdown ---------------------------------------------------------------------------

async fn shutdown_finishes_replies_in_flight(kind: StoreKind) {
    let mut server = echo_server(kind, "", "chunks = 10\ndelay = \"30ms\"").await;
    let (mut client, connected) = server.connect().await;
    client
        .check(
            Some(json!({"type": "message", "id": "g1", "payload": {"message": "bye"}})),
            &[
                json!({"type": "ack"}),
                json!({"type": "stream_start"}),
                json!({"type": "stream_chunk"}),
            ],
        )
        .await;
    server.begin_shutdown();
    let (chunks, end) = client.collect_reply("g1").await;
    assert_matches_status(&end, "completed");
    assert_eq!(chunks.len() + 1, 10);
    client.expect_close(1001).await;
    server.stop().await;
    let entries = history(&server, &connected["session_id"]).await;
    assert_eq!(entries[1].status, Some(EntryStatus::Completed));
}

#[tokio::test]
async fn shutdown_interrupts_replies_past_the_grace_period() {
    let mut server = echo_server(SQLITE, "", "chunks = 1000\ndelay = \"20ms\"").await;
    let (mut client, _) = server.connect().await;
    client
        .check(
            Some(json!({"type": "message", "id": "long", "payload": {"message": "z"}})),
            &[json!({"type": "ack"}), json!({"type": "stream_start"})],
        )
        .await;
    server.begin_shutdown();
    let (_, end) = client.collect_reply("long").await;
    assert_matches_status(&end, "interrupted");
    client.expect_close(1001).await;
    server.stop().await;
}

// --- HTTP -------------------------------------------------------------------------------

#[tokio::test]
async fn health_readiness_and_metrics() {
    let mut server = echo_server(SQLITE, "", "").await;
    let (mut client, _) = server.connect().await;
    client
        .check(
            Some(json!({"message": "count me"})),
            &[
                json!({"type": "ack"}),
                json!({"type": "stream_start"}),
                json!({"type": "stream_chunk"}),
                json!({"type": "stream_chunk"}),
                json!({"type": "stream_end"}),
            ],
        )
        .await;
    let http = reqwest::Client::new();
    for path in ["/healthz", "/readyz"] {
        let response = http.get(server.http(path)).send().await.expect("GET");
        assert_eq!(response.status(), 200, "{path}");
    }
    let page = http
        .get(server.http("/metrics"))
        .send()
        .await
        .expect("GET")
        .text()
        .await
        .expect("text");
    for name in [
        "duplex_connections_open",
        "duplex_sessions_open",
        "duplex_messages_in_total",
        "duplex_messages_out_total",
        "duplex_time_to_first_chunk_seconds_bucket",
    ] {
        assert!(page.contains(name), "/metrics lacks {name}:\n{page}");
    }
    assert!(page.contains("type=\"stream_chunk\""), "{page}");
    let spec = http
        .get(server.http("/asyncapi.yaml"))
        .send()
        .await
        .expect("GET");
    assert_eq!(spec.status(), 200);
    let spec = spec.text().await.expect("text");
    let on_disk = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/connector.asyncapi.yaml"
    ))
    .expect("the document");
    assert_eq!(spec, on_disk);
    server.stop().await;
}

both_stores!(
    a_resume_interrupts_a_reply_running_elsewhere,
    streams_a_reply,
    cancel_stops_a_reply,
    messages_queue_behind_a_reply,
    max_messages_closes_the_session,
    sessions_resume,
    shutdown_finishes_replies_in_flight,
);
