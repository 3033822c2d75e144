//! `kind = "openai"` against an in-process upstream that replays the real captured
//! streams in `shared/fixtures/openai-sse/`, plus the failures a real endpoint has.

// Each test binary uses a part of the shared helpers.
#[allow(dead_code)]
#[path = "agents/run.rs"]
mod run;
#[allow(dead_code)]
#[path = "agents/upstream.rs"]
mod upstream;

use std::time::Duration;

use duplex_connector::agent::openai::{OpenAiAgent, OpenAiConfig};
use duplex_connector::agent::{Agent, AgentErrorKind, AgentEvent};
use futures::StreamExt;
use run::{Outcome, common, request};
use serde_json::Value;
use tokio_util::sync::CancellationToken;
use upstream::{Step, Upstream};

/// cargo sets this variable for the test binary, so it serves as a known API key.
const KEY_ENV: &str = "CARGO_PKG_NAME";

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/../../../shared/fixtures/openai-sse/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("fixture {path}: {e}"))
}

fn sse(step_body: String) -> Step {
    Step::Body("text/event-stream", step_body)
}

fn agent(upstream: &Upstream, retries: u32, timeout: Duration) -> OpenAiAgent {
    let config = OpenAiConfig {
        base_url: upstream.url("/v1"),
        model: "smollm2".into(),
        api_key_env: Some(KEY_ENV.into()),
        connect_timeout: None,
        retries,
    };
    OpenAiAgent::new(&config, &common(timeout)).unwrap()
}

/// Runs one turn against an upstream playing `script`.
async fn check(script: Vec<Step>, retries: u32) -> (Outcome, Upstream) {
    let upstream = Upstream::start(script).await;
    let agent = agent(&upstream, retries, Duration::from_secs(10));
    let outcome = run::run(&agent, request("What is the capital of France?", &[])).await;
    (outcome, upstream)
}

#[tokio::test]
async fn llama_server_stream_with_usage() {
    let (outcome, upstream) = check(vec![sse(fixture("llama-server-with-usage.sse"))], 0).await;
    assert_eq!(outcome.text(), "The capital of France is Paris.");
    assert_eq!(outcome.chunks.len(), 7);
    let usage = outcome.usage();
    assert_eq!(
        (
            usage.prompt_tokens,
            usage.candidates_tokens,
            usage.total_tokens
        ),
        (27, 8, 35)
    );
    assert!(!usage.estimated);

    let seen = upstream.seen();
    assert_eq!(seen.len(), 1);
    let key = std::env::var(KEY_ENV).unwrap();
    assert_eq!(
        seen[0].headers["authorization"],
        format!("Bearer {key}").as_str()
    );
    let body: Value = serde_json::from_slice(&seen[0].body).unwrap();
    assert_eq!(body["model"], "smollm2");
    assert_eq!(body["stream"], true);
    assert_eq!(body["stream_options"]["include_usage"], true);
    assert_eq!(body["max_tokens"], 32);
    assert_eq!(body["messages"][0]["role"], "system");
    assert_eq!(
        body["messages"][1]["content"],
        "What is the capital of France?"
    );
}

#[tokio::test]
async fn llama_cpp_python_stream_without_usage_is_estimated() {
    let (outcome, _) = check(vec![sse(fixture("llama-cpp-python-0.3.36.sse"))], 0).await;
    assert_eq!(outcome.text(), "The capital of France is Paris.");
    let usage = outcome.usage();
    assert!(usage.estimated);
    assert!(usage.prompt_tokens > 0 && usage.candidates_tokens > 0);
    assert_eq!(
        usage.total_tokens,
        usage.prompt_tokens + usage.candidates_tokens
    );
}

#[tokio::test]
async fn empty_finish_reason_nulls_and_extra_fields_are_accepted() {
    let stream = [
        r#"{"choices":[{"delta":{"content":"Hi"},"finish_reason":"","x":1}],"extra":{"a":[1]}}"#,
        r#"{"choices":null,"usage":null}"#,
        r#"{"choices":[{"delta":null,"finish_reason":"stop"}]}"#,
        r#"{"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6,"more":true}}"#,
    ]
    .iter()
    .map(|data| format!("data: {data}\n\n"))
    .collect::<String>();
    // No [DONE]: a finish_reason is enough to know the reply is whole.
    let (outcome, _) = check(vec![sse(stream)], 0).await;
    assert_eq!(outcome.text(), "Hi");
    assert_eq!(
        outcome.usage(),
        duplex_connector::usage::TokenUsage::new(5, 1)
    );
}

#[tokio::test]
async fn rate_limited_then_success_is_retried() {
    let script = vec![
        Step::Status(429, "slow down"),
        sse(fixture("llama-server-with-usage.sse")),
    ];
    let (outcome, upstream) = check(script, 2).await;
    assert_eq!(outcome.text(), "The capital of France is Paris.");
    assert_eq!(upstream.seen().len(), 2);
}

#[tokio::test]
async fn persistent_server_errors_fail_after_the_retries() {
    let (outcome, upstream) = check(vec![Step::Status(500, "boom")], 1).await;
    let error = outcome.error();
    assert_eq!(error.kind, AgentErrorKind::Failed);
    assert!(error.message.contains("HTTP 500"), "{}", error.message);
    assert!(error.message.contains("boom"), "{}", error.message);
    assert!(
        error.message.contains("after 2 attempts"),
        "{}",
        error.message
    );
    assert_eq!(upstream.seen().len(), 2);
}

#[tokio::test]
async fn persistent_rate_limits_are_rate_limited() {
    let (outcome, _) = check(vec![Step::Status(429, "quota")], 1).await;
    assert_eq!(outcome.error().kind, AgentErrorKind::RateLimited);
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let (outcome, upstream) = check(vec![Step::Status(401, "bad key")], 3).await;
    let error = outcome.error();
    assert!(error.message.contains("HTTP 401"), "{}", error.message);
    assert!(error.message.contains("credentials"), "{}", error.message);
    assert_eq!(upstream.seen().len(), 1);
}

#[tokio::test]
async fn a_stream_cut_after_the_first_token_fails_without_retry() {
    let pieces: Vec<String> = fixture("llama-server-with-usage.sse")
        .split_inclusive("\n\n")
        .take(4)
        .map(str::to_owned)
        .collect();
    let script = vec![
        Step::PiecesThenAbort(pieces),
        sse(fixture("llama-server-with-usage.sse")),
    ];
    let (outcome, upstream) = check(script, 3).await;
    assert_eq!(outcome.text(), "The capital of");
    let error = outcome.error();
    assert_eq!(error.kind, AgentErrorKind::Failed);
    assert!(error.message.contains("not retried"), "{}", error.message);
    assert_eq!(
        upstream.seen().len(),
        1,
        "retrying would duplicate the text"
    );
}

#[tokio::test]
async fn a_stream_cut_before_the_first_token_is_retried() {
    let first = fixture("llama-server-with-usage.sse")
        .split_inclusive("\n\n")
        .next()
        .unwrap()
        .to_owned();
    let script = vec![
        Step::PiecesThenAbort(vec![first]),
        sse(fixture("llama-server-with-usage.sse")),
    ];
    let (outcome, upstream) = check(script, 1).await;
    assert_eq!(outcome.text(), "The capital of France is Paris.");
    assert_eq!(upstream.seen().len(), 2);
}

#[tokio::test]
async fn a_malformed_chunk_is_a_clear_error() {
    let stream =
        "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\ndata: {not json\n\n".to_owned();
    let (outcome, _) = check(vec![sse(stream)], 2).await;
    assert_eq!(outcome.text(), "Hi");
    let error = outcome.error();
    assert_eq!(error.kind, AgentErrorKind::Failed);
    assert!(
        error.message.contains("malformed chunk"),
        "{}",
        error.message
    );
    assert!(error.message.contains("{not json"), "{}", error.message);
}

#[tokio::test]
async fn connect_errors_are_retried_then_reported() {
    // Bind and drop, so nothing listens on the port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = OpenAiConfig {
        base_url: format!("http://127.0.0.1:{port}/v1"),
        model: "m".into(),
        api_key_env: None,
        connect_timeout: None,
        retries: 1,
    };
    let agent = OpenAiAgent::new(&config, &common(Duration::from_secs(10))).unwrap();
    let outcome = run::run(&agent, request("hi", &[])).await;
    let error = outcome.error();
    assert!(
        error.message.contains("cannot connect"),
        "{}",
        error.message
    );
    assert!(
        error.message.contains("after 2 attempts"),
        "{}",
        error.message
    );
}

#[tokio::test]
async fn no_first_token_in_time_is_a_timeout() {
    let upstream = Upstream::start(vec![Step::Hang]).await;
    let agent = agent(&upstream, 0, Duration::from_millis(300));
    let outcome = run::run(&agent, request("hi", &[])).await;
    assert_eq!(outcome.error().kind, AgentErrorKind::Timeout);
}

#[tokio::test]
async fn a_stalled_stream_is_an_idle_timeout() {
    let first = "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n".to_owned();
    let upstream = Upstream::start(vec![Step::Stall("text/event-stream", first)]).await;
    let agent = agent(&upstream, 0, Duration::from_millis(300));
    let outcome = run::run(&agent, request("hi", &[])).await;
    assert_eq!(outcome.text(), "Hi");
    let error = outcome.error();
    assert_eq!(error.kind, AgentErrorKind::Timeout);
    assert!(error.message.contains("next chunk"), "{}", error.message);
}

#[tokio::test]
async fn cancel_drops_the_http_stream() {
    let piece = "data: {\"choices\":[{\"delta\":{\"content\":\"la \"}}]}\n\n".to_owned();
    let upstream = Upstream::start(vec![Step::Endless(
        "text/event-stream",
        piece,
        Duration::from_millis(20),
    )])
    .await;
    let agent = agent(&upstream, 0, Duration::from_secs(10));
    let cancel = CancellationToken::new();
    let mut stream = agent.reply(request("sing", &[]), cancel.clone());
    for _ in 0..3 {
        assert!(matches!(
            stream.next().await,
            Some(Ok(AgentEvent::Chunk(_)))
        ));
    }
    cancel.cancel();
    assert!(stream.next().await.is_none(), "no Done after a cancel");
    for _ in 0..100 {
        if upstream.client_left() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the upstream kept streaming to a cancelled reply");
}

#[tokio::test]
async fn a_missing_api_key_variable_is_a_config_error() {
    let config = OpenAiConfig {
        base_url: "http://127.0.0.1:1/v1".into(),
        model: "m".into(),
        api_key_env: Some("DUPLEX_TEST_SURELY_UNSET_KEY".into()),
        connect_timeout: None,
        retries: 0,
    };
    let error = OpenAiAgent::new(&config, &common(Duration::from_secs(1))).unwrap_err();
    assert!(error.contains("DUPLEX_TEST_SURELY_UNSET_KEY"), "{error}");
    assert!(error.contains("export"), "{error}");
}
