//! What `duplex serve` runs without `--config`: one connector at `/ws` with one agent,
//! `assistant`, auth on.
//!
//! The agent is the embedded local model when this build has it (feature `local-llm`)
//! and the model is cached. Otherwise the demo still starts, with the echo agent, and
//! [`Demo::note`] says in one line why and how to get the model: a first run should
//! show a working chat, never a stack of errors.

use std::collections::BTreeMap;
use std::time::Duration;

use super::{Config, ConnectorConfig, DEFAULT_LISTEN, DEFAULT_STORE, Secret};
use crate::agent::config::{AgentCommon, AgentConfig, AgentKind, DEFAULT_AGENT_TIMEOUT};
use crate::agent::echo::EchoConfig;
use crate::agent::local::{self, FETCH_MODEL_COMMAND, LocalConfig};

/// The demo configuration, and why it fell back to echo if it did.
#[derive(Debug, Clone)]
pub struct Demo {
    pub config: Config,
    pub note: Option<String>,
}

impl Demo {
    /// The demo with `secret`, choosing the local model when it can run here.
    pub fn new(secret: Secret) -> Demo {
        let model = local::default_model_path();
        let (kind, note) = if !local::AVAILABLE {
            (
                echo(),
                Some(
                    "this duplex was built without the local model (cargo feature `local-llm`); \
                     the demo agent echoes"
                        .to_owned(),
                ),
            )
        } else if !model.is_file() {
            (
                echo(),
                Some(format!(
                    "the local model is not cached at {}; the demo agent echoes until you run `{FETCH_MODEL_COMMAND}`",
                    model.display()
                )),
            )
        } else {
            (AgentKind::Local(LocalConfig::default()), None)
        };
        Demo {
            config: demo_config(secret, kind),
            note,
        }
    }
}

/// The demo's shape around any agent kind.
fn demo_config(secret: Secret, kind: AgentKind) -> Config {
    let agent = AgentConfig {
        common: AgentCommon {
            system_prompt: None,
            max_tokens: None,
            temperature: None,
            timeout: DEFAULT_AGENT_TIMEOUT,
        },
        kind,
    };
    Config {
        listen: DEFAULT_LISTEN.parse().expect("a valid default address"),
        store: DEFAULT_STORE.to_owned(),
        shutdown_grace: Duration::from_secs(10),
        max_connections: 100_000,
        connectors: vec![ConnectorConfig::new(
            "default",
            "/ws",
            vec!["assistant".to_owned()],
            vec![secret],
        )],
        agents: BTreeMap::from([("assistant".to_owned(), agent)]),
    }
}

fn echo() -> AgentKind {
    AgentKind::Echo(EchoConfig {
        chunk_words: std::num::NonZeroUsize::MIN,
        chunks: None,
        delay: None,
        fail_after: None,
    })
}
