//! The seed's own client examples, run unchanged against a real `duplex serve`.
//!
//! `tests/seed/` holds the seed's Python example (`chat.py`) and its two JavaScript
//! snippets (`connect.js`, `send.js`) exactly as the seed prints them; only their two
//! placeholders, `<websocket-url>` and `<your-secret-key>`, are filled in here. The
//! runners next to them add nothing inside the examples: they tap the frames received
//! (printed to stderr as `SERVER <frame>`, and validated against
//! `docs/connector.asyncapi.yaml`), and for Node bind `WebSocket` to the `ws` package.
//!
//! Needs `node` with the repo's `node_modules/ws`, and the project venv's Python
//! (`$HOME/.cache/duplex/venv`, or `DUPLEX_VENV`) with `websockets`; `scripts/setup.sh`
//! installs both. The `duplex` binary is built with cargo unless `DUPLEX_BIN` names one.

#[path = "support/validate.rs"]
mod validate;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use validate::Validator;

const SECRET_ENV: &str = "DUPLEX_SEED_TEST_SECRET";
/// Longest a seed example may run before the test fails.
const EXAMPLE_TIMEOUT: Duration = Duration::from_secs(60);

#[test]
fn the_seeds_python_example_runs_unchanged() {
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let chat = server.fill(dir.path(), "chat.py");
    server.check_filled(&chat);
    let python = venv_python();
    let output = run(Command::new(&python)
        .arg(seed_dir().join("run_python.py"))
        .arg(chat));
    let stdout = server.validated(&output);

    // `Connected: {...}` is Python's repr of the `connected` event.
    let mut lines = stdout.lines();
    let connected = lines.next().unwrap_or_default();
    assert!(
        connected.starts_with("Connected: {'type': 'connected', 'session_id': '")
            && connected.contains("'agents': ['assistant']"),
        "{stdout}"
    );
    // The echo agent streams the message back; the example prints the chunks on one line.
    assert_eq!(lines.next(), Some("Hello!"), "{stdout}");
    let done = lines.next().unwrap_or_default();
    assert!(
        done.starts_with("Done! Tokens: {'prompt_tokens': ")
            && done.contains(", 'candidates_tokens': ")
            && done.contains(", 'total_tokens': "),
        "{stdout}"
    );
    assert_eq!(lines.next(), None, "{stdout}");
}

#[test]
fn the_seeds_javascript_examples_run_unchanged_in_node_with_ws() {
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let connect = server.fill(dir.path(), "connect.js");
    server.check_filled(&connect);
    let send = server.fill(dir.path(), "send.js");
    let output = run(Command::new("node")
        .arg(seed_dir().join("run_node.cjs"))
        .arg(connect)
        .arg(send));
    let stdout = server.validated(&output);

    let lines: Vec<&str> = stdout.lines().collect();
    let session = lines
        .first()
        .and_then(|line| line.strip_prefix("Session ID: "))
        .unwrap_or_else(|| panic!("no `Session ID:` line first:\n{stdout}"));
    assert_eq!(session.len(), 36, "not a UUID: {session}");
    assert_eq!(lines.get(1), Some(&"Agents: [ 'assistant' ]"), "{stdout}");
    let chunks: String = lines
        .iter()
        .filter_map(|line| line.strip_prefix("Chunk: "))
        .collect();
    assert_eq!(chunks, "What is the weather like today?", "{stdout}");
    let end = lines[lines.len() - 2];
    assert!(
        end.starts_with(r#"Stream end: What is the weather like today? {"prompt_tokens":"#)
            && end.contains(r#","candidates_tokens":"#)
            && end.contains(r#","total_tokens":"#),
        "{stdout}"
    );
    assert_eq!(lines.last(), Some(&"Closed: 1000"), "{stdout}");
}

/// A `duplex serve` child process with the echo agent at `/ws`, auth required.
struct Server {
    child: Child,
    address: String,
    secret: String,
    validator: Validator,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("duplex.toml");
        let store = dir.path().join("sessions.db");
        std::fs::write(
            &config,
            format!(
                "store = \"sqlite://{}\"\n\n\
                 [connectors.chat]\npath = \"/ws\"\nrequire_auth = true\n\
                 secrets_env = [\"{SECRET_ENV}\"]\nagents = [\"assistant\"]\n\n\
                 [agents.assistant]\nkind = \"echo\"\n",
                store.display()
            ),
        )
        .unwrap();
        // Unique per run, so a stray server could never accept it.
        let secret = format!("seed-{}-{:?}", std::process::id(), Instant::now());
        let mut child = Command::new(duplex_binary())
            .args(["serve", "--listen", "127.0.0.1:0", "--config"])
            .arg(&config)
            .env(SECRET_ENV, &secret)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("cannot start `duplex serve`");
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut first = String::new();
        stdout
            .read_line(&mut first)
            .expect("cannot read `duplex serve`'s output");
        // Keep reading what it prints: with the pipe closed, its next print would fail.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        let Some(address) = first.trim().strip_prefix("listening on http://") else {
            let _ = child.kill();
            panic!("`duplex serve` did not start; its first line was: {first:?}");
        };
        Server {
            address: address.to_owned(),
            child,
            secret,
            validator: Validator::protocol(),
            _dir: dir,
        }
    }

    /// Copies the seed file `name` into `dir` with its placeholders (`<websocket-url>` and
    /// `<your-secret-key>`, where it has them) filled in.
    fn fill(&self, dir: &Path, name: &str) -> PathBuf {
        let source = std::fs::read_to_string(seed_dir().join(name)).unwrap();
        let filled = source
            .replace("<websocket-url>", &format!("ws://{}/ws", self.address))
            .replace("<your-secret-key>", &self.secret);
        let path = dir.join(name);
        std::fs::write(&path, filled).unwrap();
        path
    }

    /// Checks that both placeholders of the filled file at `path` were there to fill.
    fn check_filled(&self, path: &Path) {
        let filled = std::fs::read_to_string(path).unwrap();
        assert!(
            filled.contains(&format!("ws://{}/ws", self.address)) && filled.contains(&self.secret),
            "{} lost a placeholder:\n{filled}",
            path.display()
        );
    }

    /// The example's stdout, after checking it succeeded and that every frame the server
    /// sent it (the `SERVER ` lines of its stderr) matches the protocol document.
    fn validated(&self, output: &Output) -> String {
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "the example failed ({}):\nstdout:\n{stdout}\nstderr:\n{stderr}",
            output.status
        );
        let frames: Vec<&str> = stderr
            .lines()
            .filter_map(|line| line.strip_prefix("SERVER "))
            .collect();
        assert!(frames.len() >= 4, "too few frames seen:\n{stderr}");
        for frame in &frames {
            self.validator.assert_valid(frame);
        }
        stdout
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn seed_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/seed")
}

/// Runs `command` to completion, failing the test if it outlives [`EXAMPLE_TIMEOUT`].
fn run(command: &mut Command) -> Output {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("cannot run {command:?}: {error}"));
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > EXAMPLE_TIMEOUT {
            let _ = child.kill();
            let output = child.wait_with_output().unwrap();
            panic!(
                "{command:?} did not finish in {EXAMPLE_TIMEOUT:?}:\nstdout:\n{}\nstderr:\n{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// The project venv's Python (where `scripts/setup.sh` installs `websockets`).
fn venv_python() -> PathBuf {
    let venv = std::env::var_os("DUPLEX_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let home = std::env::var_os("HOME").expect("HOME is not set");
            Path::new(&home).join(".cache/duplex/venv")
        });
    let python = venv.join("bin/python");
    assert!(
        python.exists(),
        "{} is missing: run scripts/setup.sh to create the venv with `websockets`",
        python.display()
    );
    python
}

/// `DUPLEX_BIN`, or the workspace's `duplex` built now with the cargo running this test,
/// into the same target directory and profile.
fn duplex_binary() -> PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(build_duplex).clone()
}

fn build_duplex() -> PathBuf {
    if let Some(binary) = std::env::var_os("DUPLEX_BIN") {
        return binary.into();
    }
    // This test runs as TARGET/PROFILE/deps/seed_examples-HASH.
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test binary sits in TARGET/PROFILE/deps");
    let target_dir = profile_dir.parent().expect("TARGET/PROFILE");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut build = Command::new(cargo);
    build
        .args(["build", "--quiet", "-p", "duplex-cli", "--bin", "duplex"])
        .arg("--target-dir")
        .arg(target_dir)
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    if profile_dir
        .file_name()
        .is_some_and(|name| name == "release")
    {
        build.arg("--release");
    }
    let status = build.status().expect("cannot run cargo to build `duplex`");
    assert!(status.success(), "building `duplex` failed: {build:?}");
    profile_dir.join("duplex")
}
