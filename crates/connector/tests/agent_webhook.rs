//! `kind = "webhook"`: against the shipped Python example (signature verification and
//! NDJSON streaming end to end), and against an in-process upstream for the other
//! answer forms and the failures.

// Each test binary uses a part of the shared helpers.
#[allow(dead_code)]
#[path = "agents/run.rs"]
mod run;
#[allow(dead_code)]
#[path = "agents/upstream.rs"]
mod upstream;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use duplex_connector::agent::AgentErrorKind;
use duplex_connector::agent::webhook::{
    SIGNATURE_HEADER, TIMESTAMP_HEADER, WebhookAgent, WebhookConfig,
};
use run::{Outcome, common, request};
use serde_json::Value;
use upstream::{Step, Upstream};

/// cargo sets this variable for the test binary, so it serves as a known shared secret.
const SECRET_ENV: &str = "CARGO_PKG_NAME";

fn agent(url: String, secret_env: Option<&str>, retries: u32) -> WebhookAgent {
    let config = WebhookConfig {
        url,
        secret_env: secret_env.map(str::to_owned),
        connect_timeout: None,
        retries,
    };
    WebhookAgent::new(&config, &common(Duration::from_secs(10))).unwrap()
}

/// The example agent, running on a free port until dropped.
struct Example {
    child: Child,
    port: u16,
}

impl Drop for Example {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn python() -> PathBuf {
    let venv = PathBuf::from(std::env::var("HOME").unwrap_or_default())
        .join(".cache/duplex/venv/bin/python");
    if venv.exists() {
        venv
    } else {
        PathBuf::from("python3")
    }
}

fn start_example(secret: &str) -> Example {
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/webhook-agent/agent.py");
    let mut child = Command::new(python())
        .arg(&script)
        .args(["--port", "0"])
        .env("DUPLEX_WEBHOOK_SECRET", secret)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line
        .trim()
        .strip_prefix("listening on ")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("the example agent printed {line:?}, not `listening on PORT`"));
    Example { child, port }
}

#[tokio::test]
async fn the_python_example_verifies_and_streams_ndjson() {
    let secret = std::env::var(SECRET_ENV).unwrap();
    let example = start_example(&secret);
    let agent = agent(
        format!("http://127.0.0.1:{}/agent", example.port),
        Some(SECRET_ENV),
        0,
    );
    let history = [("My name is Ada.", "Hello Ada.")];
    let outcome = run::run(&agent, request("what is my name", &history)).await;
    assert_eq!(outcome.text(), "what is my name");
    assert_eq!(outcome.chunks.len(), 4, "one NDJSON event per word");
    let usage = outcome.usage();
    // The example counts the words of the message and of the history it received.
    assert_eq!(
        (usage.prompt_tokens, usage.candidates_tokens),
        (4 + 4 + 2, 4)
    );
    assert!(!usage.estimated);
}

#[tokio::test]
async fn the_python_example_refuses_a_bad_signature() {
    let example = start_example("another secret");
    let agent = agent(
        format!("http://127.0.0.1:{}/agent", example.port),
        Some(SECRET_ENV),
        2,
    );
    let outcome = run::run(&agent, request("hi", &[])).await;
    let error = outcome.error();
    assert_eq!(error.kind, AgentErrorKind::Failed);
    assert!(error.message.contains("HTTP 401"), "{}", error.message);
    assert!(error.message.contains("bad signature"), "{}", error.message);
}

async fn check(script: Vec<Step>, retries: u32) -> (Outcome, Upstream) {
    let upstream = Upstream::start(script).await;
    let agent = agent(upstream.url("/agent"), Some(SECRET_ENV), retries);
    let mut request = request("hello there", &[("earlier", "reply")]);
    request.context = Some(serde_json::json!({"tier": "gold"}));
    let outcome = run::run(&agent, request).await;
    (outcome, upstream)
}

#[tokio::test]
async fn the_request_carries_the_turn_and_a_timestamped_signature() {
    let body = r#"{"response": "hi", "token_usage": {"prompt_tokens": 3, "candidates_tokens": 1}}"#;
    let (outcome, upstream) = check(vec![Step::Body("application/json", body.into())], 0).await;
    assert_eq!(outcome.text(), "hi");
    assert_eq!(
        outcome.usage(),
        duplex_connector::usage::TokenUsage::new(3, 1)
    );

    let seen = &upstream.seen()[0];
    let turn: Value = serde_json::from_slice(&seen.body).unwrap();
    assert_eq!(turn["session_id"], "session-1");
    assert_eq!(turn["message_id"], "msg-001");
    assert_eq!(turn["message"], "hello there");
    assert_eq!(turn["context"]["tier"], "gold", "context is passed raw");
    assert_eq!(turn["history"][0]["role"], "user");
    assert_eq!(turn["history"][1]["content"], "reply");
    assert_eq!(turn["history"][1]["agent"], "bot");

    let timestamp = seen.headers[TIMESTAMP_HEADER].to_str().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(now.abs_diff(timestamp.parse().unwrap()) < 60);
    let secret = std::env::var(SECRET_ENV).unwrap();
    let expected = duplex_connector::agent::webhook::signature::Secret::new(secret.into_bytes())
        .sign(timestamp.parse().unwrap(), &seen.body);
    assert_eq!(seen.headers[SIGNATURE_HEADER].to_str().unwrap(), expected);
}

#[tokio::test]
async fn a_json_answer_without_usage_is_estimated() {
    let (outcome, _) = check(
        vec![Step::Body(
            "application/json",
            r#"{"response": "a b c d"}"#.into(),
        )],
        0,
    )
    .await;
    assert_eq!(outcome.text(), "a b c d");
    assert!(outcome.usage().estimated);
}

#[tokio::test]
async fn an_sse_answer_streams() {
    let events = "data: {\"chunk\": \"Hel\"}\n\ndata: {\"chunk\": \"lo\"}\n\ndata: {\"token_usage\": {\"prompt_tokens\": 2, \"completion_tokens\": 2}}\n\n";
    let pieces = events.split_inclusive("\n\n").map(str::to_owned).collect();
    let (outcome, _) = check(
        vec![Step::Pieces(
            "text/event-stream",
            pieces,
            Duration::from_millis(5),
        )],
        0,
    )
    .await;
    assert_eq!(outcome.chunks, ["Hel", "lo"]);
    assert_eq!(
        outcome.usage(),
        duplex_connector::usage::TokenUsage::new(2, 2)
    );
}

#[tokio::test]
async fn server_errors_before_the_first_chunk_are_retried() {
    let ndjson = "{\"chunk\": \"ok\"}\n{\"token_usage\": {\"prompt_tokens\": 1, \"candidates_tokens\": 1}}\n";
    let script = vec![
        Step::Status(503, "warming up"),
        Step::Body("application/x-ndjson", ndjson.into()),
    ];
    let (outcome, upstream) = check(script, 1).await;
    assert_eq!(outcome.text(), "ok");
    assert_eq!(upstream.seen().len(), 2);
}

#[tokio::test]
async fn a_stream_without_its_final_usage_is_cut() {
    let (outcome, upstream) = check(
        vec![Step::Body(
            "application/x-ndjson",
            "{\"chunk\": \"par\"}\n".into(),
        )],
        2,
    )
    .await;
    assert_eq!(outcome.text(), "par");
    let error = outcome.error();
    assert!(
        error.message.contains("without its final `token_usage`"),
        "{}",
        error.message
    );
    assert_eq!(upstream.seen().len(), 1, "not retried after a chunk");
}

#[tokio::test]
async fn an_error_event_fails_the_reply() {
    let ndjson = "{\"chunk\": \"a\"}\n{\"error\": \"model exploded\"}\n";
    let (outcome, _) = check(vec![Step::Body("application/x-ndjson", ndjson.into())], 0).await;
    assert!(outcome.error().message.contains("model exploded"));
}

#[tokio::test]
async fn an_unknown_content_type_is_a_clear_error() {
    let (outcome, _) = check(vec![Step::Body("text/html", "<p>hi</p>".into())], 0).await;
    let error = outcome.error();
    assert!(error.message.contains("text/html"), "{}", error.message);
    assert!(
        error.message.contains("application/x-ndjson"),
        "{}",
        error.message
    );
}

#[tokio::test]
async fn a_silent_webhook_times_out() {
    let upstream = Upstream::start(vec![Step::Hang]).await;
    let config = WebhookConfig {
        url: upstream.url("/agent"),
        secret_env: None,
        connect_timeout: None,
        retries: 0,
    };
    let agent = WebhookAgent::new(&config, &common(Duration::from_millis(300))).unwrap();
    let outcome = run::run(&agent, request("hi", &[])).await;
    assert_eq!(outcome.error().kind, AgentErrorKind::Timeout);
    assert!(
        upstream.seen()[0].headers.get(SIGNATURE_HEADER).is_none(),
        "unsigned without a secret"
    );
}

#[test]
fn every_real_kind_reads_from_toml_and_typos_are_refused() {
    use duplex_connector::agent::config::{AgentConfig, AgentKind};
    let read = |text: &str| AgentConfig::from_table(&text.parse::<toml::Table>().unwrap());
    let webhook = read(
        "kind = \"webhook\"\nurl = \"http://127.0.0.1:9/a\"\nsecret_env = \"S\"\ntimeout = \"5s\"",
    )
    .unwrap();
    assert!(
        matches!(webhook.kind, AgentKind::Webhook(ref w) if w.retries == 2 && w.secret_env.as_deref() == Some("S"))
    );
    assert_eq!(webhook.common.timeout, Duration::from_secs(5));
    let openai = read(
        "kind = \"openai\"\nbase_url = \"http://x/v1\"\nmodel = \"m\"\nconnect_timeout = \"2s\"",
    )
    .unwrap();
    assert!(matches!(openai.kind, AgentKind::OpenAi(ref o) if o.model == "m"));
    let local = read("kind = \"local\"\nparallel = 2\nsystem_prompt = \"Be brief.\"").unwrap();
    assert!(
        matches!(local.kind, AgentKind::Local(ref l) if l.parallel == 2 && l.context_size == 2048)
    );
    let typo = read("kind = \"webhook\"\nurl = \"http://x\"\nsecret = \"inline\"").unwrap_err();
    assert!(typo.contains("secret"), "{typo}");
}
