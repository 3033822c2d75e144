//! `duplex serve` with no config: the demo connector at `/ws`, answered by the local
//! model when it is cached, and otherwise by the echo agent after one line that says
//! why and how to fetch the model.

mod support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};
use support::{Client, SECRET};

/// A demo server, what it printed before `listening on`, and its address.
struct Demo {
    child: Child,
    notes: Vec<String>,
    addr: String,
    stdout: BufReader<std::process::ChildStdout>,
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `duplex serve` without a config in `dir` (where the demo's SQLite file goes),
/// with `cache` as the user cache directory when given.
fn spawn_demo(dir: &Path, cache: Option<&Path>) -> Demo {
    let mut command = Command::new(env!("CARGO_BIN_EXE_duplex"));
    command
        .args(["serve", "--listen", "127.0.0.1:0"])
        .current_dir(dir)
        .env("DUPLEX_SECRET", SECRET)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if let Some(cache) = cache {
        command.env("XDG_CACHE_HOME", cache);
    }
    let mut child = command.spawn().expect("start duplex serve");
    let stdout = BufReader::new(child.stdout.take().expect("stdout"));
    // Owned from here on, so the server is killed and reaped however the test ends.
    let mut demo = Demo {
        child,
        notes: Vec::new(),
        addr: String::new(),
        stdout,
    };
    loop {
        let mut line = String::new();
        let read = demo.stdout.read_line(&mut line).expect("read stdout");
        assert!(
            read > 0,
            "duplex serve exited before listening: {:?}",
            demo.notes
        );
        if let Some(addr) = line.trim().strip_prefix("listening on http://") {
            demo.addr = addr.to_owned();
            return demo;
        }
        demo.notes.push(line.trim().to_owned());
    }
}

/// Authenticates on the demo's `/ws`, asks `message`, and returns `connected` and the
/// reply's `stream_end`.
async fn chat(demo: &Demo, message: &str) -> (Value, Value) {
    let (mut client, connected) = Client::open(&format!("ws://{}/ws", demo.addr), None).await;
    client.send(json!({"message": message})).await;
    (connected, client.until("stream_end").await)
}

#[tokio::test]
async fn without_the_model_the_demo_echoes_and_says_how_to_get_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let empty_cache = tempfile::tempdir().expect("temp dir");
    let demo = spawn_demo(dir.path(), Some(empty_cache.path()));
    assert_eq!(
        demo.notes.len(),
        1,
        "one line of explanation: {:?}",
        demo.notes
    );
    let note = &demo.notes[0];
    if cfg!(feature = "local-llm") {
        assert!(note.contains("not cached"), "{note}");
        assert!(note.contains("scripts/fetch-model.sh"), "{note}");
    } else {
        assert!(note.contains("local-llm"), "{note}");
    }
    let (connected, end) = chat(&demo, "hello demo").await;
    assert_eq!(connected["agents"], json!(["assistant"]));
    assert_eq!(end["full_response"], "hello demo", "the echo agent answers");
    assert!(
        dir.path().join("duplex.db").exists(),
        "the demo's store is in the working directory"
    );
}

#[cfg(feature = "local-llm")]
#[tokio::test]
async fn with_the_model_cached_the_demo_answers_with_it() {
    let model = duplex_connector::agent::local::default_model_path();
    assert!(
        model.is_file(),
        "the local model is missing at {}: run scripts/fetch-model.sh first",
        model.display()
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = spawn_demo(dir.path(), None);
    assert!(demo.notes.is_empty(), "no fallback note: {:?}", demo.notes);
    let (_, end) = chat(&demo, "Hello!").await;
    assert_eq!(end["status"], "completed", "{end}");
    // An echo of one word would count 1 prompt token; the model's rendered chat
    // template with its system prompt is far longer, and counted, not estimated.
    let usage = &end["token_usage"];
    assert!(
        usage["prompt_tokens"].as_u64().is_some_and(|n| n > 10),
        "{end}"
    );
    assert!(usage.get("estimated").is_none(), "{end}");
    assert!(
        end["full_response"]
            .as_str()
            .is_some_and(|text| !text.is_empty()),
        "{end}"
    );
}
