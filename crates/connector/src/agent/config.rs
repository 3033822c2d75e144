//! `[agents.<name>]` in `duplex.toml`: the settings every agent has, the settings of each
//! kind, and [`build_agents`], which turns them into running [`Agent`]s.
//!
//! An agent table is read in two passes so that typos are caught without serde's
//! `flatten` (which cannot deny unknown fields): the common fields first, then the
//! remaining keys, `kind` included, as the [`AgentKind`] enum whose variants deny
//! unknown fields. Adding a kind means one variant here and one arm in [`build_agents`].

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use super::Agent;
use super::echo::{EchoAgent, EchoConfig};
use super::local::LocalConfig;
use super::openai::{OpenAiAgent, OpenAiConfig};
use super::webhook::{WebhookAgent, WebhookConfig};
use crate::config::duration::HumanDuration;

/// One configured agent.
#[derive(Debug, Clone)]
pub struct AgentConfig {
    pub common: AgentCommon,
    pub kind: AgentKind,
}

/// Settings shared by every kind of agent.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentCommon {
    pub system_prompt: Option<String>,
    pub max_tokens: Option<u32>,
    pub temperature: Option<f32>,
    /// The longest wait for the agent's next event (first chunk included) before the
    /// reply fails with `agent_timeout`.
    pub timeout: Duration,
}

/// The kind-specific settings, chosen by `kind = "..."`.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AgentKind {
    /// Deterministic replies for tests, demos and benchmarks.
    Echo(EchoConfig),
    /// A GGUF model run in-process by llama.cpp (cargo feature `local-llm`).
    Local(LocalConfig),
    /// Any OpenAI-compatible `/v1/chat/completions` endpoint, streamed over SSE.
    #[serde(rename = "openai")]
    OpenAi(OpenAiConfig),
    /// A signed HTTP POST to your own agent, answered with JSON, SSE or NDJSON.
    Webhook(WebhookConfig),
}

/// The agents of a config, built and shared by every session.
pub type Agents = BTreeMap<String, Arc<dyn Agent>>;

/// An agent that could not be built from its (valid) settings.
#[derive(Debug, thiserror::Error)]
#[error("agent `{agent}`: {message}")]
pub struct AgentBuildError {
    pub agent: String,
    pub message: String,
}

/// Builds every configured agent.
pub fn build_agents(configs: &BTreeMap<String, AgentConfig>) -> Result<Agents, AgentBuildError> {
    let mut agents = Agents::new();
    for (name, config) in configs {
        let failed = |message: String| AgentBuildError {
            agent: name.clone(),
            message,
        };
        let agent: Arc<dyn Agent> = match &config.kind {
            AgentKind::Echo(echo) => Arc::new(EchoAgent::new(echo.clone(), &config.common)),
            AgentKind::Local(local) => build_local(local, &config.common).map_err(&failed)?,
            AgentKind::OpenAi(openai) => {
                Arc::new(OpenAiAgent::new(openai, &config.common).map_err(&failed)?)
            }
            AgentKind::Webhook(webhook) => {
                Arc::new(WebhookAgent::new(webhook, &config.common).map_err(&failed)?)
            }
        };
        agents.insert(name.clone(), agent);
    }
    Ok(agents)
}

/// Loads the local model (blocking, once per agent, before serving).
#[cfg(feature = "local-llm")]
fn build_local(config: &LocalConfig, common: &AgentCommon) -> Result<Arc<dyn Agent>, String> {
    Ok(Arc::new(super::local::LocalAgent::load(config, common)?))
}

#[cfg(not(feature = "local-llm"))]
fn build_local(config: &LocalConfig, _: &AgentCommon) -> Result<Arc<dyn Agent>, String> {
    config.validate()?;
    Err("this duplex was built without `kind = \"local\"` support; \
         rebuild with `cargo build --features local-llm` (needs cmake, clang and libclang-dev)"
        .to_owned())
}

/// The common fields as they appear in the file; every field is optional.
#[derive(Debug, Deserialize)]
struct CommonFields {
    system_prompt: Option<String>,
    max_tokens: Option<u32>,
    temperature: Option<f32>,
    timeout: Option<HumanDuration>,
}

const COMMON_KEYS: [&str; 4] = ["system_prompt", "max_tokens", "temperature", "timeout"];

/// The default for `timeout`.
pub const DEFAULT_AGENT_TIMEOUT: Duration = Duration::from_secs(60);

impl AgentConfig {
    /// Reads one `[agents.<name>]` table. Errors are plain messages; the caller adds
    /// the file position of the table.
    pub fn from_table(table: &toml::Table) -> Result<AgentConfig, String> {
        if !table.contains_key("kind") {
            return Err(
                "missing `kind`; set `kind = \"local\"`, \"openai\", \"webhook\" or \"echo\""
                    .to_owned(),
            );
        }
        let mut common_table = toml::Table::new();
        let mut kind_table = toml::Table::new();
        for (key, value) in table {
            if COMMON_KEYS.contains(&key.as_str()) {
                common_table.insert(key.clone(), value.clone());
            } else {
                kind_table.insert(key.clone(), value.clone());
            }
        }
        let common: CommonFields = toml::Value::Table(common_table)
            .try_into()
            .map_err(|err: toml::de::Error| err.message().to_owned())?;
        if let Some(temperature) = common.temperature
            && !(0.0..=2.0).contains(&temperature)
        {
            return Err(format!(
                "`temperature = {temperature}` is out of range; use a value from 0.0 to 2.0"
            ));
        }
        let kind: AgentKind = toml::Value::Table(kind_table)
            .try_into()
            .map_err(|err: toml::de::Error| err.message().to_owned())?;
        Ok(AgentConfig {
            common: AgentCommon {
                system_prompt: common.system_prompt,
                max_tokens: common.max_tokens,
                temperature: common.temperature,
                timeout: common.timeout.map_or(DEFAULT_AGENT_TIMEOUT, |d| d.0),
            },
            kind,
        })
    }
}
