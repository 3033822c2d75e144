//! WebSocket conformance: Autobahn|Testsuite's fuzzing-client cases, run by `kosoku`
//! (PyPI, pinned in `requirements-dev.txt`), against the connector's WebSocket layer.
//!
//! The server is the `conformance-echo` route (`server::conformance_echo`) with the
//! transport settings of a connector read from `duplex.toml` as `duplex serve` reads
//! it. Each case's two verdicts (message behaviour and closing behaviour) must equal
//! the committed file under `tests/conformance/`; a case that changes, for better or
//! worse, fails the test until the file is updated, which `DUPLEX_UPDATE_CONFORMANCE=1`
//! does. `docs/conformance.md` explains the results.
//!
//! Run (about 10 s): `cargo test -p duplex-connector --features conformance-echo --test conformance`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use duplex_connector::config::Config;
use duplex_connector::server::conformance_echo;
use tokio::net::TcpListener;

/// How long one Autobahn run may take before the test calls it a hang.
const RUN_LIMIT: Duration = Duration::from_secs(300);

/// Every case, against a connector with every default (64 KiB messages): the 9.x
/// performance cases above 64 KiB are refused by the limit, fast, and recorded so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_case_with_the_default_settings() {
    check("", &[], "expected.tsv").await;
}

/// The 9.x performance cases (messages up to 16 MiB, in frames down to 64 bytes)
/// with `max_message_size` raised to 16 MiB: the layer itself echoes them all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn performance_cases_with_a_16_mib_limit() {
    check(
        "max_message_size = 16777216",
        &["9.*"],
        "expected-16mib.tsv",
    )
    .await;
}

/// Runs the `include`d cases (all when empty) against the echo route of a connector
/// with `settings`, and compares every case's verdicts with the file `expected`.
async fn check(settings: &str, include: &[&str], expected: &str) {
    let toml = format!(
        "[connectors.chat]\npath = \"/ws\"\nagents = [\"assistant\"]\nrequire_auth = false\n{settings}\n\n[agents.assistant]\nkind = \"echo\"\n"
    );
    let config = Config::from_toml(&toml, "conformance.toml", &|_| None)
        .expect("the conformance config is valid");
    let connector = &config.connectors[0];
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}{}", listener.local_addr().unwrap(), connector.path);
    let connector = connector.clone();
    let server = tokio::spawn(async move { conformance_echo::serve(listener, &connector).await });

    let actual = run_kosoku(&url, include).await;
    server.abort();

    let expected_path = here().join(expected);
    if std::env::var_os("DUPLEX_UPDATE_CONFORMANCE").is_some() {
        let text: String = actual
            .iter()
            .map(|(case, verdicts)| format!("{}\t{verdicts}\n", case.0))
            .collect();
        std::fs::write(&expected_path, text).unwrap();
        return;
    }
    let expected = read_expected(&expected_path);
    let cases: BTreeSet<&CaseId> = expected.keys().chain(actual.keys()).collect();
    let changed: Vec<String> = cases
        .into_iter()
        .filter(|case| expected.get(*case) != actual.get(*case))
        .map(|case| {
            format!(
                "{}: expected {}, got {}",
                case.0,
                expected
                    .get(case)
                    .map_or("(no such case)", |v| v.as_str())
                    .replace('\t', " / "),
                actual
                    .get(case)
                    .map_or("(not run)", |v| v.as_str())
                    .replace('\t', " / "),
            )
        })
        .collect();
    assert!(
        changed.is_empty(),
        "{} Autobahn case(s) changed verdict:\n  {}\nIf the change is intended, rerun with \
         DUPLEX_UPDATE_CONFORMANCE=1, review the diff of {} and update docs/conformance.md.",
        changed.len(),
        changed.join("\n  "),
        expected_path.display(),
    );
}

/// A case id that sorts as Autobahn numbers them (1.1.10 after 1.1.9).
#[derive(Debug, Clone, PartialEq, Eq)]
struct CaseId(String);

impl CaseId {
    fn key(&self) -> Vec<u32> {
        self.0.split('.').map(|p| p.parse().unwrap_or(0)).collect()
    }
}

impl Ord for CaseId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key().cmp(&other.key()).then(self.0.cmp(&other.0))
    }
}

impl PartialOrd for CaseId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Case id → "BEHAVIOR\tCLOSE_BEHAVIOR".
type Verdicts = BTreeMap<CaseId, String>;

async fn run_kosoku(url: &str, include: &[&str]) -> Verdicts {
    let python = std::env::var_os("DUPLEX_VENV").map_or_else(
        || PathBuf::from("python3"),
        |venv| Path::new(&venv).join("bin/python"),
    );
    let mut command = tokio::process::Command::new(&python);
    command.arg(here().join("run_kosoku.py")).arg(url);
    for glob in include {
        command.arg("--include").arg(glob);
    }
    let child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|err| {
            panic!(
                "cannot start {}: {err}; run `bash scripts/setup.sh` and `source scripts/env.sh`",
                python.display()
            )
        });
    let output = tokio::time::timeout(RUN_LIMIT, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("the Autobahn run took longer than {RUN_LIMIT:?}"))
        .expect("kosoku's output is readable");
    assert!(
        output.status.success(),
        "kosoku failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    parse(&String::from_utf8_lossy(&output.stdout), "kosoku's output")
}

fn read_expected(path: &Path) -> Verdicts {
    let text = std::fs::read_to_string(path).unwrap_or_else(|err| {
        panic!(
            "cannot read {}: {err}; create it with DUPLEX_UPDATE_CONFORMANCE=1",
            path.display()
        )
    });
    parse(&text, &path.display().to_string())
}

fn parse(text: &str, source: &str) -> Verdicts {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(n, line)| {
            let mut fields = line.splitn(2, '\t');
            match (fields.next(), fields.next()) {
                (Some(case), Some(verdicts)) => (CaseId(case.to_owned()), verdicts.to_owned()),
                _ => panic!(
                    "{source}:{}: expected `CASE<TAB>VERDICTS`, got {line:?}",
                    n + 1
                ),
            }
        })
        .collect()
}

fn here() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance")
}
