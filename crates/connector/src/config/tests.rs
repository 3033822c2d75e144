//! Config loading: one `check` helper that loads a file and compares every fault's
//! rendered form (`file:line:column: message` and hint).

use super::*;
use crate::agent::config::AgentKind;

fn env(name: &str) -> Option<String> {
    (name == "CHAT_SECRET").then(|| "s3cret".to_owned())
}

fn load(text: &str) -> Result<Config, ConfigErrors> {
    Config::from_toml(text, "duplex.toml", &env)
}

/// Loads `text` and expects one fault per pattern, in order. A pattern is fragments
/// separated by `…`, each of which must appear, in order, in the rendered fault.
#[track_caller]
fn check_errors(text: &str, expected: &[&str]) {
    let errors = load(text).expect_err("a faulty config").0;
    let rendered: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(rendered.len(), expected.len(), "{rendered:#?}");
    for (got, want) in rendered.iter().zip(expected) {
        let mut rest = got.as_str();
        for fragment in want.split('…') {
            let at = rest
                .find(fragment)
                .unwrap_or_else(|| panic!("`{got}` does not contain `{fragment}` (in order)"));
            rest = &rest[at + fragment.len()..];
        }
    }
}

const AGENT: &str = "[agents.assistant]\nkind = \"echo\"\n";

#[test]
fn full_config_loads_with_defaults() {
    let config = load(&format!(
        "listen = \"0.0.0.0:9000\"\nstore = \"sqlite://x.db\"\n\n[connectors.chat]\npath = \"/ws/chat\"\nagents = [\"assistant\"]\nsecrets_env = [\"CHAT_SECRET\"]\nsession_timeout = \"5m\"\n\n{AGENT}delay = \"5ms\"\nchunk_words = 2\n"
    ))
    .expect("valid");
    assert_eq!(config.listen.port(), 9000);
    let chat = &config.connectors[0];
    assert_eq!(
        (chat.name.as_str(), chat.path.as_str()),
        ("chat", "/ws/chat")
    );
    assert!(chat.streaming && chat.require_auth);
    assert_eq!(chat.session_timeout, Duration::from_secs(300));
    assert_eq!(chat.max_messages, 100);
    assert_eq!(chat.max_message_size, 65536);
    assert!(chat.secrets[0].matches("s3cret") && !chat.secrets[0].matches("s3cre"));
    assert_eq!(format!("{:?}", chat.secrets), "[Secret(***)]");
    let AgentKind::Echo(echo) = &config.agents["assistant"].kind else {
        panic!("an echo agent")
    };
    assert_eq!(echo.chunk_words.get(), 2);
}

#[test]
fn syntax_errors_have_a_line() {
    check_errors("listen = \n", &["duplex.toml:1:"]);
}

#[test]
fn secrets_in_the_file_are_refused_with_a_hint() {
    check_errors(
        "[connectors.chat]\npath = \"/ws\"\nagents = []\nsecret = \"x\"\n",
        &["duplex.toml:4:1: unknown field `secret`…hint: secrets are never written"],
    );
}

#[test]
fn semantic_faults_are_all_reported_with_positions() {
    check_errors(
        &format!(
            "listen = \"nowhere\"\n[connectors.a]\npath = \"ws\"\nagents = [\"ghost\"]\nsecrets_env = [\"UNSET\"]\nmax_messages = 0\n{AGENT}"
        ),
        &[
            "duplex.toml:1:10: `listen = \"nowhere\"` is not an address",
            "duplex.toml:3:8: connector `a`: `path = \"ws\"` is not a URL path",
            "duplex.toml:4:11: connector `a`: unknown agent `ghost`\n  hint: define [agents.ghost] or use one of: assistant",
            "duplex.toml:5:16: connector `a`: the environment variable `UNSET`",
            "duplex.toml:6:16: connector `a`: `max_messages` must be at least 1",
        ],
    );
}

#[test]
fn auth_without_secrets_is_refused() {
    check_errors(
        &format!("[connectors.a]\npath = \"/ws\"\nagents = [\"assistant\"]\n{AGENT}"),
        &["requires auth but names no secret\n  hint: add `secrets_env"],
    );
    load(&format!(
        "[connectors.a]\npath = \"/ws\"\nagents = [\"assistant\"]\nrequire_auth = false\n{AGENT}"
    ))
    .expect("auth off needs no secret");
}

#[test]
fn agent_faults_name_the_table() {
    check_errors(
        "[connectors.a]\npath = \"/ws\"\nagents = [\"x\"]\nrequire_auth = false\n[agents.x]\nkind = \"echo\"\nchunk_size = 3\n",
        &["duplex.toml:5:1: in [agents.x]: unknown field `chunk_size`"],
    );
    check_errors(
        "[connectors.a]\npath = \"/ws\"\nagents = [\"x\"]\nrequire_auth = false\n[agents.x]\nkind = \"oracle\"\n",
        &["in [agents.x]: unknown variant `oracle`"],
    );
    check_errors(
        "[connectors.a]\npath = \"/ws\"\nagents = [\"x\"]\nrequire_auth = false\n[agents.x]\ntimeout = \"3 days\"\nkind = \"echo\"\n",
        &["in [agents.x]: `3 days` has no known unit"],
    );
}

#[test]
fn duplicate_and_reserved_paths() {
    check_errors(
        &format!(
            "[connectors.a]\npath = \"/ws\"\nagents = [\"assistant\"]\nrequire_auth = false\n[connectors.b]\npath = \"/ws\"\nagents = [\"assistant\"]\nrequire_auth = false\n[connectors.c]\npath = \"/metrics\"\nagents = [\"assistant\"]\nrequire_auth = false\n{AGENT}"
        ),
        &[
            "two connectors use the path `/ws`",
            "the path `/metrics` is reserved",
        ],
    );
}

#[test]
fn the_example_file_loads() {
    let text = include_str!("../../../../duplex.example.toml");
    let env = |name: &str| (name == DEFAULT_SECRET_ENV).then(|| "x".to_owned());
    let config =
        Config::from_toml(text, "duplex.example.toml", &env).expect("the example is valid");
    assert_eq!(config.connectors[0].path, "/ws/chat");
}
