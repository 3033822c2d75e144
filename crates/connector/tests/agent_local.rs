//! `kind = "local"` with the real default model (SmolLM2-135M-Instruct Q4_1).
//!
//! These tests need the cached model file; they fail, saying how to fetch it, when it is
//! missing (`.ci/run` fetches it first). They check structure, never wording.
#![cfg(feature = "local-llm")]

// Each test binary uses a part of the shared helpers.
#[allow(dead_code)]
#[path = "agents/run.rs"]
mod run;

use std::sync::Arc;
use std::time::Duration;

use duplex_connector::agent::local::{LocalAgent, LocalConfig, default_model_path};
use duplex_connector::agent::{Agent, AgentError, AgentErrorKind, AgentEvent};
use futures::StreamExt;
use futures::stream::BoxStream;
use run::{common, request};
use tokio_util::sync::CancellationToken;

/// Long enough that only a hang reaches it.
const HANG: Duration = Duration::from_secs(300);

fn load(config: LocalConfig, max_tokens: u32) -> LocalAgent {
    let path = default_model_path();
    assert!(
        path.is_file(),
        "the local model is missing at {}: run scripts/fetch-model.sh first",
        path.display()
    );
    // The agent's timeout only catches a hang here: it counts time queued behind other
    // replies too, and on a loaded 2-core CI machine a queued reply was seen to wait over
    // 60 s for its first chunk.
    let mut common = common(HANG);
    common.max_tokens = Some(max_tokens);
    LocalAgent::load(&config, &common).unwrap()
}

/// A context of `context_size` cells shared by `parallel` slots. One llama.cpp thread:
/// the harness runs two tests at once on this 2-core machine, and llama.cpp's workers
/// spin while they wait, so two engines of two threads each starve one another.
fn sized(context_size: u32, parallel: u32, queue: usize) -> LocalConfig {
    LocalConfig {
        context_size,
        parallel,
        queue,
        threads: Some(1),
        ..LocalConfig::default()
    }
}

fn small(parallel: u32, queue: usize) -> LocalConfig {
    sized(1024, parallel, queue)
}

/// `parallel` slots sharing a cache of 512 tokens.
fn small_cache(parallel: u32, queue: usize) -> LocalConfig {
    sized(512, parallel, queue)
}

#[tokio::test]
async fn a_streamed_answer_with_real_usage() {
    let agent = load(small(1, 4), 24);
    let outcome = run::run(&agent, request("What is the capital of France?", &[])).await;
    let usage = outcome.usage();
    assert!(!outcome.text().trim().is_empty());
    assert!(!usage.estimated);
    assert!(
        usage.candidates_tokens >= 1 && usage.candidates_tokens <= 24,
        "{usage:?}"
    );
    assert!(
        outcome.chunks.len() as u64 <= usage.candidates_tokens,
        "a chunk per token at most"
    );
    // The real tokenizer's count of the rendered prompt: the system prompt, the message
    // and the template's markers are well over 10 tokens.
    assert!(usage.prompt_tokens > 10, "{usage:?}");
    assert_eq!(
        usage.total_tokens,
        usage.prompt_tokens + usage.candidates_tokens
    );
}

#[tokio::test]
async fn the_second_turn_sees_the_first() {
    let agent = load(small(1, 4), 16);
    let first = request("My name is Ada Lovelace.", &[]);
    let one = run::run(&agent, first.clone()).await;
    let reply = one.text();

    let second = request(
        "What is my name?",
        &[("My name is Ada Lovelace.", reply.as_str())],
    );
    let prompt = agent.render_prompt(&second).unwrap();
    let name_at = prompt
        .find("My name is Ada Lovelace.")
        .expect("first message in the prompt");
    let reply_at = prompt
        .find(reply.as_str())
        .expect("first reply in the prompt");
    let question_at = prompt.find("What is my name?").unwrap();
    assert!(name_at < reply_at && reply_at < question_at, "{prompt}");

    let two = run::run(&agent, second).await;
    assert!(
        two.usage().prompt_tokens >= one.usage().prompt_tokens + one.usage().candidates_tokens,
        "the second prompt holds the first turn: {:?} then {:?}",
        one.usage(),
        two.usage()
    );
}

#[tokio::test]
async fn the_models_default_system_prompt_is_kept_without_a_configured_one() {
    let agent = load(small(1, 4), 8);
    let mut common = common(HANG);
    common.system_prompt = None;
    let bare = LocalAgent::load(&small(1, 4), &common).unwrap();
    let with_default = bare.render_prompt(&request("Hi", &[])).unwrap();
    let configured = agent.render_prompt(&request("Hi", &[])).unwrap();
    assert!(
        with_default.contains("<|im_start|>system"),
        "{with_default}"
    );
    assert!(configured.contains("You are terse."), "{configured}");
}

#[tokio::test]
async fn cancel_stops_the_generation_itself() {
    let agent = load(small(1, 4), 900);
    let cancel = CancellationToken::new();
    let mut stream = agent.reply(
        request("Write a very long story about a dragon.", &[]),
        cancel.clone(),
    );
    for _ in 0..3 {
        assert!(matches!(
            stream.next().await,
            Some(Ok(AgentEvent::Chunk(_)))
        ));
    }
    cancel.cancel();
    assert!(stream.next().await.is_none(), "no Done after a cancel");
    wait_until(|| agent.active() == 0).await;
    let generated = agent.generated_tokens();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        agent.generated_tokens(),
        generated,
        "decoding went on after the cancel"
    );
    assert!(generated < 900);
}

#[tokio::test]
async fn dropping_the_stream_frees_the_slot() {
    let agent = load(small(1, 4), 900);
    let mut stream = agent.reply(
        request("Count to one thousand.", &[]),
        CancellationToken::new(),
    );
    assert!(matches!(
        stream.next().await,
        Some(Ok(AgentEvent::Chunk(_)))
    ));
    drop(stream);
    wait_until(|| agent.active() == 0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn four_concurrent_sessions_are_batched() {
    let agent = Arc::new(load(small(4, 8), 24));
    let questions = [
        "Name a colour.",
        "Name a fruit.",
        "Name an animal.",
        "Name a city.",
    ];
    let most_active = answer_all_at_once(&agent, questions.map(String::from).to_vec()).await;
    assert!(
        most_active >= 2,
        "sessions were decoded one by one (peak {most_active})"
    );
}

#[tokio::test]
async fn one_session_may_use_the_whole_shared_cache() {
    // Four slots share 512 tokens: a prompt of about 300 would not fit a quarter.
    let agent = load(small_cache(4, 2), 64);
    assert!(agent.context_per_session() >= 512);
    let outcome = run::run(&agent, request(&"word ".repeat(280), &[])).await;
    let usage = outcome.usage();
    assert!(usage.prompt_tokens > 512 / 4, "{usage:?}");
    assert!(usage.prompt_tokens + 64 <= 512, "{usage:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replies_that_do_not_fit_the_shared_cache_together_wait_for_room() {
    // Each reply reserves its prompt plus 200 tokens of the 512 shared: two fit at once,
    // so of four free slots two are used and the other replies wait, then run.
    let agent = Arc::new(load(small_cache(4, 8), 200));
    let stories = (0..4)
        .map(|n| format!("Write a very long story about dragon number {n}."))
        .collect();
    let most_active = answer_all_at_once(&agent, stories).await;
    assert_eq!(most_active, 2, "two reservations of ~240 fit in 512");
    wait_until(|| agent.active() == 0 && agent.queued() == 0).await;
}

#[tokio::test]
async fn a_reply_waiting_for_cache_room_counts_against_the_queue() {
    let agent = load(small_cache(4, 1), 240);
    // A slot is free but the cache is not: the second waits, the third is refused.
    let (running, waiting) = one_running_one_waiting_one_refused(&agent).await;
    assert_eq!(agent.active(), 1);
    drop(waiting);
    wait_until(|| agent.queued() == 0).await;
    drop(running);
    wait_until(|| agent.active() == 0).await;
}

#[tokio::test]
async fn a_full_queue_answers_busy_at_once() {
    let agent = load(small(1, 1), 900);
    let (running, waiting) = one_running_one_waiting_one_refused(&agent).await;
    drop(running);
    drop(waiting);
    wait_until(|| agent.active() == 0 && agent.queued() == 0).await;
}

#[tokio::test]
async fn long_history_is_trimmed_to_fit() {
    let agent = load(sized(256, 1, 2), 16);
    let long = "This is an old message that fills the context window with words. ".repeat(8);
    let history: Vec<(&str, &str)> = (0..6).map(|_| (long.as_str(), "Noted.")).collect();
    let outcome = run::run(&agent, request("Say hi.", &history)).await;
    let usage = outcome.usage();
    assert!(
        usage.prompt_tokens + 16 <= u64::from(agent.context_per_session()),
        "{usage:?}"
    );
}

#[tokio::test]
async fn a_message_too_long_for_the_context_fails_clearly() {
    let agent = load(sized(256, 1, 2), 16);
    let outcome = run::run(&agent, request(&"word ".repeat(400), &[])).await;
    let error = outcome.error();
    assert_eq!(error.kind, AgentErrorKind::Failed);
    assert!(error.message.contains("too long"), "{}", error.message);
}

#[tokio::test]
async fn a_missing_model_says_how_to_fix_it() {
    let config = LocalConfig {
        model_path: Some("/nonexistent/model.gguf".into()),
        ..LocalConfig::default()
    };
    let error = LocalAgent::load(&config, &common(Duration::from_secs(1))).unwrap_err();
    assert!(error.contains("/nonexistent/model.gguf"), "{error}");
}

/// Sends every message at once, each as its own session; checks each got an answer and
/// returns the most replies the engine had active at one time.
async fn answer_all_at_once(agent: &Arc<LocalAgent>, messages: Vec<String>) -> usize {
    let mut replies = Vec::new();
    for message in messages {
        let agent = agent.clone();
        replies.push(tokio::spawn(async move {
            run::run(&*agent, request(&message, &[])).await
        }));
    }
    let mut most_active = 0;
    while replies.iter().any(|r| !r.is_finished()) {
        most_active = most_active.max(agent.active());
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    for reply in replies {
        let outcome = reply.await.unwrap();
        assert!(outcome.usage().candidates_tokens >= 1);
    }
    most_active
}

/// Starts a long reply (its first chunk arrives), then a second that must wait in the
/// queue of one, then a third that is refused with `busy` at once and ends; returns the
/// first two, still alive.
async fn one_running_one_waiting_one_refused(
    agent: &LocalAgent,
) -> (
    BoxStream<'static, Result<AgentEvent, AgentError>>,
    BoxStream<'static, Result<AgentEvent, AgentError>>,
) {
    let mut running = agent.reply(
        request("Tell me a long story.", &[]),
        CancellationToken::new(),
    );
    assert!(matches!(
        running.next().await,
        Some(Ok(AgentEvent::Chunk(_)))
    ));
    let waiting = agent.reply(request("Second.", &[]), CancellationToken::new());
    assert_eq!(agent.queued(), 1);
    let mut refused = agent.reply(request("Third.", &[]), CancellationToken::new());
    let error = refused.next().await.unwrap().unwrap_err();
    assert_eq!(error.kind, AgentErrorKind::Busy);
    assert!(refused.next().await.is_none());
    (running, waiting)
}

/// Waits for the engine thread to reach a state. The bound only catches a hang: on a
/// loaded machine the engine's thread may wait seconds for a core (2 s was seen to fail).
async fn wait_until(done: impl Fn() -> bool) {
    for _ in 0..3000 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the condition did not hold within 30 s");
}
