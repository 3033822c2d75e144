//! The server suite with the real local model behind the socket (feature `local-llm`):
//! a streamed answer with real usage, a whole answer, multi-turn memory across a
//! reconnect, cancel mid-stream, and four sessions open together each answered whole
//! (that their sequences share decode batches is `agent_local`'s
//! `four_concurrent_sessions_are_batched`).
//!
//! SmolLM2-135M is weak, so these check structure and counts, never wording. They need
//! the cached model (`scripts/fetch-model.sh`, which `.ci/run` runs first) and fail
//! saying so when it is missing.
#![cfg(feature = "local-llm")]

mod support;

use std::time::Duration;

use duplex_connector::agent::local::default_model_path;
use serde_json::{Value, json};
use support::{Client, StoreKind, TestServer, assert_matches};

/// A server whose one agent is the default local model with `agent` settings.
async fn local_server(settings: &str, agent: &str) -> TestServer {
    let model = default_model_path();
    assert!(
        model.is_file(),
        "the local model is missing at {}: run scripts/fetch-model.sh first",
        model.display()
    );
    let body = format!(
        "[connectors.chat]\npath = \"/ws\"\nagents = [\"assistant\"]\nsecrets_env = [\"TEST_SECRET\"]\n{settings}\n\n\
         [agents.assistant]\nkind = \"local\"\ncontext_size = 1024\ntimeout = \"60s\"\n{agent}\n"
    );
    support::start(StoreKind::Sqlite, &body).await
}

/// How long a test waits for the model's next event: generous, because the model
/// shares the cores with whatever else the machine runs.
const MODEL_WAIT: Duration = Duration::from_secs(90);

/// An authenticated client that waits [`MODEL_WAIT`] for events.
async fn connect(server: &TestServer) -> (Client, Value) {
    let (mut client, connected) = server.connect().await;
    client.wait = MODEL_WAIT;
    (client, connected)
}

/// The usage of a finished reply, checked to be real counts that add up.
fn real_usage(end: &Value, max_tokens: u64) -> (u64, u64) {
    let usage = &end["token_usage"];
    let prompt = usage["prompt_tokens"].as_u64().expect("prompt_tokens");
    let candidates = usage["candidates_tokens"]
        .as_u64()
        .expect("candidates_tokens");
    assert_eq!(
        usage["total_tokens"].as_u64(),
        Some(prompt + candidates),
        "{end}"
    );
    assert!(
        usage.get("estimated").is_none(),
        "counted, not estimated: {end}"
    );
    // The template's markers and the default system prompt alone are over 10 tokens.
    assert!(prompt > 10, "{end}");
    assert!((1..=max_tokens).contains(&candidates), "{end}");
    (prompt, candidates)
}

#[tokio::test]
async fn a_streamed_answer_with_real_usage() {
    let mut server = local_server("", "max_tokens = 24").await;
    let (mut client, _) = connect(&server).await;
    client
        .check(
            Some(json!({"type": "message", "id": "q1", "payload": {
                "message": "What is the capital of France?", "context": {"user": "Ada"}}})),
            &[
                json!({"type": "ack", "id": "q1", "message_number": 1}),
                json!({"type": "stream_start", "id": "q1", "agent": "assistant"}),
            ],
        )
        .await;
    let (chunks, end) = client.collect_reply("q1").await;
    assert_matches(&end, &json!({"type": "stream_end", "status": "completed"}));
    assert!(!chunks.is_empty(), "the answer was streamed");
    assert_eq!(end["full_response"], json!(chunks.concat()));
    let (_, candidates) = real_usage(&end, 24);
    assert!(
        chunks.len() as u64 <= candidates,
        "at most one chunk per token: {} chunks, {candidates} tokens",
        chunks.len()
    );
    server.stop().await;
}

#[tokio::test]
async fn a_whole_answer_when_streaming_is_off() {
    let mut server = local_server("streaming = false", "max_tokens = 16").await;
    let (mut client, _) = connect(&server).await;
    let events = client
        .check(
            Some(json!({"message": "Say hello."})),
            &[
                json!({"type": "ack", "message_number": 1}),
                json!({"type": "response", "agent": "assistant", "status": "completed"}),
            ],
        )
        .await;
    let response = &events[1];
    assert!(
        response["response"]
            .as_str()
            .is_some_and(|text| !text.is_empty())
    );
    real_usage(response, 16);
    server.stop().await;
}

#[tokio::test]
async fn the_next_turn_remembers_the_last_even_after_a_reconnect() {
    let mut server = local_server("", "max_tokens = 16").await;
    let (mut client, connected) = connect(&server).await;
    let session = connected["session_id"].clone();
    client
        .send(json!({"type": "message", "id": "t1", "payload": {"message": "My name is Ada."}}))
        .await;
    client.expect(json!({"type": "ack", "id": "t1"})).await;
    let (_, first) = client.collect_reply("t1").await;
    let (first_prompt, first_reply) = real_usage(&first, 16);
    drop(client);

    let mut client = server.open("/ws").await;
    client.wait = MODEL_WAIT;
    client
        .check(
            Some(json!({"secret": support::SECRET, "session_id": session})),
            &[json!({"type": "connected", "session_id": session, "resumed": true})],
        )
        .await;
    client
        .send(json!({"type": "message", "id": "t2", "payload": {"message": "What is my name?"}}))
        .await;
    client
        .expect(json!({"type": "ack", "id": "t2", "message_number": 2}))
        .await;
    let (_, second) = client.collect_reply("t2").await;
    let (second_prompt, _) = real_usage(&second, 16);
    assert!(
        second_prompt >= first_prompt + first_reply,
        "the second prompt ({second_prompt} tokens) holds the first turn ({first_prompt} + {first_reply})"
    );
    server.stop().await;
}

#[tokio::test]
async fn cancel_stops_a_long_answer() {
    let mut server = local_server("", "max_tokens = 600").await;
    let (mut client, _) = connect(&server).await;
    client
        .check(
            Some(json!({"type": "message", "id": "long", "payload": {
                "message": "Write a very long story about a dragon and a knight."}})),
            &[
                json!({"type": "ack"}),
                json!({"type": "stream_start"}),
                json!({"type": "stream_chunk", "id": "long"}),
            ],
        )
        .await;
    client.send(json!({"type": "cancel", "id": "long"})).await;
    let (_, end) = client.collect_reply("long").await;
    assert_matches(&end, &json!({"type": "stream_end", "status": "cancelled"}));
    // The session goes on: the next message is answered.
    client.send(json!({"message": "Hi."})).await;
    client
        .expect(json!({"type": "ack", "message_number": 2}))
        .await;
    let events = client.check(None, &[json!({"type": "stream_start"})]).await;
    let id = events[0]["id"].as_str().expect("an id").to_owned();
    let (_, next) = client.collect_reply(&id).await;
    assert_matches(&next, &json!({"status": "completed"}));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn four_open_sessions_each_get_a_whole_answer() {
    let mut server = local_server("", "max_tokens = 24\nparallel = 4").await;
    let mut sessions = Vec::new();
    for question in [
        "Name a colour.",
        "Name a fruit.",
        "Name an animal.",
        "Name a city.",
    ] {
        let (mut client, connected) = connect(&server).await;
        sessions.push(tokio::spawn(async move {
            client.send(json!({"message": question})).await;
            let ack = client
                .expect(json!({"type": "ack", "message_number": 1}))
                .await;
            let id = ack["id"].as_str().expect("an assigned id").to_owned();
            let (chunks, end) = client.collect_reply(&id).await;
            (connected["session_id"].clone(), chunks, end)
        }));
    }
    let mut ids = Vec::new();
    for session in sessions {
        let (id, chunks, end) = session.await.expect("a session task");
        assert_matches(&end, &json!({"type": "stream_end", "status": "completed"}));
        assert_eq!(end["full_response"], json!(chunks.concat()));
        real_usage(&end, 24);
        ids.push(id);
    }
    ids.sort_by_key(|id| id.to_string());
    ids.dedup();
    assert_eq!(ids.len(), 4, "four distinct sessions");
    server.stop().await;
}
