//! `duplex.toml`: what `duplex serve` listens on, where it stores sessions, its
//! connectors and its agents (documented in `docs/configuration.md`).
//!
//! Loading checks everything a server needs before it binds: syntax, unknown keys,
//! references between connectors and agents, and the environment variables that hold
//! the secrets. Every fault is reported as `file:line:column: what` plus a hint, and
//! all semantic faults are reported together. Secrets live only in [`Secret`], whose
//! `Debug` hides them; the file itself may only name the variables that hold them.

pub mod demo;
pub mod duration;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use crate::agent::config::AgentConfig;
use duration::HumanDuration;

/// A whole, checked server configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    /// `sqlite://PATH` or `postgres://...`.
    pub store: String,
    /// How long replies in flight may run on after a shutdown signal.
    pub shutdown_grace: Duration,
    /// WebSocket connections served at once; more are refused with HTTP 503.
    pub max_connections: usize,
    pub connectors: Vec<ConnectorConfig>,
    pub agents: BTreeMap<String, AgentConfig>,
}

/// One WebSocket endpoint and the rules of its sessions.
#[derive(Debug, Clone)]
pub struct ConnectorConfig {
    /// The key of its `[connectors.<name>]` table.
    pub name: String,
    /// The URL path, for example `/ws/chat`.
    pub path: String,
    pub streaming: bool,
    pub require_auth: bool,
    /// Accepted secrets (any one authenticates).
    pub secrets: Vec<Secret>,
    /// Inactivity after which a session expires.
    pub session_timeout: Duration,
    /// User messages per session, counted in the store across nodes.
    pub max_messages: u32,
    /// The agents that answer, in order.
    pub agents: Vec<String>,
    /// What a message sent while a reply is running gets.
    pub when_busy: BusyPolicy,
    /// Messages that may wait behind a running reply; one more gets `busy`.
    pub max_queued: usize,
    pub auth_timeout: Duration,
    /// The largest frame or message accepted, in bytes.
    pub max_message_size: usize,
    /// Server events waiting to be written; a client that lets it fill is closed.
    pub outbound_queue: usize,
    /// How often the server sends WebSocket pings.
    pub ping_interval: Duration,
    /// How long a peer may stay silent (no frame, no pong) before it is closed.
    pub ping_timeout: Duration,
}

/// A message arriving while a reply is running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BusyPolicy {
    /// Acknowledge it at once and answer it after the running reply.
    Queue,
    /// Refuse it with a `busy` error.
    Reject,
}

/// A secret taken from the environment; never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

/// One configuration fault, with where it is and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: String,
    /// 1-based line and column, when the fault has a place in the file.
    pub position: Option<(usize, usize)>,
    pub message: String,
    pub hint: Option<String>,
}

/// Every fault found in a configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_STORE: &str = "sqlite://duplex.db";
pub const DEFAULT_SECRET_ENV: &str = "DUPLEX_SECRET";

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// Compares in time that depends only on the lengths, never on where they differ.
    pub fn matches(&self, candidate: &str) -> bool {
        use subtle::ConstantTimeEq;
        self.0.as_bytes().ct_eq(candidate.as_bytes()).into()
    }

    /// A random secret (122 random bits, 32 hex digits) for the demo connector.
    pub fn generate() -> Secret {
        Secret(uuid::Uuid::new_v4().simple().to_string())
    }

    /// The secret itself, for printing once at start when it was generated.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl ConnectorConfig {
    /// A connector with every default: streaming, auth required, 1 h timeout,
    /// 100 messages, queueing, 64 KiB frames.
    pub fn new(name: &str, path: &str, agents: Vec<String>, secrets: Vec<Secret>) -> Self {
        ConnectorConfig {
            name: name.to_owned(),
            path: path.to_owned(),
            streaming: true,
            require_auth: true,
            secrets,
            session_timeout: Duration::from_secs(3600),
            max_messages: 100,
            agents,
            when_busy: BusyPolicy::Queue,
            max_queued: 16,
            auth_timeout: Duration::from_secs(10),
            max_message_size: 64 * 1024,
            outbound_queue: 256,
            ping_interval: Duration::from_secs(20),
            ping_timeout: Duration::from_secs(60),
        }
    }
}

impl Config {
    /// Parses and checks `text`, read from `file`; `env` looks up environment variables.
    pub fn from_toml(
        text: &str,
        file: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigErrors> {
        let mut faults = Faults {
            file,
            text,
            errors: Vec::new(),
        };
        let raw: RawConfig = match toml::from_str(text) {
            Ok(raw) => raw,
            Err(err) => {
                let hint = hint_for_serde_message(err.message());
                faults.push(err.span(), err.message().to_owned(), hint);
                return Err(ConfigErrors(faults.errors));
            }
        };
        let config = faults.check(raw, env);
        if faults.errors.is_empty() {
            Ok(config)
        } else {
            Err(ConfigErrors(faults.errors))
        }
    }
}

// --- The file as written --------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    listen: Option<Spanned<String>>,
    store: Option<Spanned<String>>,
    shutdown_grace: Option<HumanDuration>,
    max_connections: Option<usize>,
    #[serde(default)]
    connectors: BTreeMap<String, Spanned<RawConnector>>,
    #[serde(default)]
    agents: BTreeMap<String, Spanned<toml::Table>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConnector {
    path: Spanned<String>,
    streaming: Option<bool>,
    require_auth: Option<bool>,
    #[serde(default)]
    secrets_env: Vec<Spanned<String>>,
    session_timeout: Option<HumanDuration>,
    max_messages: Option<Spanned<u32>>,
    agents: Spanned<Vec<Spanned<String>>>,
    when_busy: Option<BusyPolicy>,
    max_queued: Option<usize>,
    auth_timeout: Option<HumanDuration>,
    max_message_size: Option<Spanned<usize>>,
    outbound_queue: Option<Spanned<usize>>,
    ping_interval: Option<HumanDuration>,
    ping_timeout: Option<HumanDuration>,
}

/// Paths the server itself answers; a connector cannot take them.
const RESERVED_PATHS: [&str; 4] = ["/healthz", "/readyz", "/metrics", "/asyncapi.yaml"];

struct Faults<'a> {
    file: &'a str,
    text: &'a str,
    errors: Vec<ConfigError>,
}

impl Faults<'_> {
    fn push(
        &mut self,
        span: Option<std::ops::Range<usize>>,
        message: String,
        hint: Option<String>,
    ) {
        let position = span.map(|span| line_column(self.text, span.start));
        self.errors.push(ConfigError {
            file: self.file.to_owned(),
            position,
            message,
            hint,
        });
    }

    fn check(&mut self, raw: RawConfig, env: &dyn Fn(&str) -> Option<String>) -> Config {
        let mut config = Config {
            listen: DEFAULT_LISTEN.parse().expect("a valid default address"),
            store: DEFAULT_STORE.to_owned(),
            shutdown_grace: raw.shutdown_grace.map_or(Duration::from_secs(10), |d| d.0),
            max_connections: raw.max_connections.unwrap_or(100_000),
            connectors: Vec::new(),
            agents: BTreeMap::new(),
        };
        if let Some(listen) = raw.listen {
            match listen.get_ref().parse() {
                Ok(addr) => config.listen = addr,
                Err(_) => self.push(
                    Some(listen.span()),
                    format!("`listen = \"{}\"` is not an address", listen.get_ref()),
                    Some("write an IP and a port, for example \"127.0.0.1:8080\" or \"0.0.0.0:8080\"".to_owned()),
                ),
            }
        }
        if let Some(store) = raw.store {
            let url = store.get_ref();
            if url.starts_with("sqlite://")
                || url.starts_with("postgres://")
                || url.starts_with("postgresql://")
            {
                config.store = url.clone();
            } else {
                self.push(
                    Some(store.span()),
                    "`store` must be a `sqlite://` or `postgres://` URL".to_owned(),
                    Some(
                        "for example \"sqlite://duplex.db\" or \"postgres://user@host/db\""
                            .to_owned(),
                    ),
                );
            }
        }
        for (name, table) in &raw.agents {
            match AgentConfig::from_table(table.get_ref()) {
                Ok(agent) => {
                    config.agents.insert(name.clone(), agent);
                }
                Err(message) => self.push(
                    Some(table.span()),
                    format!("in [agents.{name}]: {message}"),
                    None,
                ),
            }
        }
        if raw.connectors.is_empty() {
            self.push(
                None,
                "no connectors are configured".to_owned(),
                Some("add a table such as [connectors.chat] with `path = \"/ws/chat\"` and `agents = [...]`".to_owned()),
            );
        }
        // Agents whose table has faults still count as defined: one fault, one report.
        let agent_names: BTreeSet<String> = raw.agents.keys().cloned().collect();
        let mut paths = BTreeSet::new();
        for (name, raw) in raw.connectors {
            let span = raw.span();
            let connector = self.check_connector(name, raw.into_inner(), &agent_names, env);
            if !paths.insert(connector.path.clone()) {
                self.push(
                    Some(span),
                    format!("two connectors use the path `{}`", connector.path),
                    Some("give each connector its own `path`".to_owned()),
                );
            }
            config.connectors.push(connector);
        }
        config
    }

    fn check_connector(
        &mut self,
        name: String,
        raw: RawConnector,
        agents: &BTreeSet<String>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> ConnectorConfig {
        let mut c = ConnectorConfig::new(&name, raw.path.get_ref(), Vec::new(), Vec::new());
        let path = raw.path.get_ref();
        if !path.starts_with('/') || path.contains(['?', '#', ' ']) {
            self.push(
                Some(raw.path.span()),
                format!("connector `{name}`: `path = \"{path}\"` is not a URL path"),
                Some("start it with `/`, for example \"/ws/chat\"".to_owned()),
            );
        } else if RESERVED_PATHS.contains(&path.as_str()) || path == "/" {
            self.push(
                Some(raw.path.span()),
                format!("connector `{name}`: the path `{path}` is reserved by the server"),
                Some("use a path such as \"/ws/chat\"".to_owned()),
            );
        }
        for agent in raw.agents.get_ref() {
            if agents.contains(agent.get_ref()) {
                c.agents.push(agent.get_ref().clone());
            } else {
                let known: Vec<&str> = agents.iter().map(String::as_str).collect();
                self.push(
                    Some(agent.span()),
                    format!("connector `{name}`: unknown agent `{}`", agent.get_ref()),
                    Some(if known.is_empty() {
                        format!(
                            "define it in a table [agents.{}] with a `kind`",
                            agent.get_ref()
                        )
                    } else {
                        format!(
                            "define [agents.{}] or use one of: {}",
                            agent.get_ref(),
                            known.join(", ")
                        )
                    }),
                );
            }
        }
        if raw.agents.get_ref().is_empty() {
            self.push(
                Some(raw.agents.span()),
                format!("connector `{name}` has no agents"),
                Some("list at least one agent, for example `agents = [\"assistant\"]`".to_owned()),
            );
        }
        c.streaming = raw.streaming.unwrap_or(true);
        c.require_auth = raw.require_auth.unwrap_or(true);
        for variable in &raw.secrets_env {
            match env(variable.get_ref()) {
                Some(value) if !value.is_empty() => c.secrets.push(Secret(value)),
                _ => self.push(
                    Some(variable.span()),
                    format!(
                        "connector `{name}`: the environment variable `{}` holding its secret is not set",
                        variable.get_ref()
                    ),
                    Some(format!("export {}=<a long random string> before starting", variable.get_ref())),
                ),
            }
        }
        if c.require_auth && raw.secrets_env.is_empty() {
            self.push(
                Some(raw.path.span()),
                format!("connector `{name}` requires auth but names no secret"),
                Some(format!(
                    "add `secrets_env = [\"{DEFAULT_SECRET_ENV}\"]` (secrets are read from the environment), or set `require_auth = false`"
                )),
            );
        }
        if let Some(d) = raw.session_timeout {
            c.session_timeout = d.0;
        }
        if let Some(d) = raw.auth_timeout {
            c.auth_timeout = d.0;
        }
        if let Some(d) = raw.ping_interval {
            c.ping_interval = d.0;
        }
        if let Some(d) = raw.ping_timeout {
            c.ping_timeout = d.0;
        }
        if let Some(policy) = raw.when_busy {
            c.when_busy = policy;
        }
        if let Some(queued) = raw.max_queued {
            c.max_queued = queued;
        }
        c.max_messages = self.positive(&name, "max_messages", raw.max_messages, c.max_messages);
        c.outbound_queue = self.positive(
            &name,
            "outbound_queue",
            raw.outbound_queue,
            c.outbound_queue,
        );
        c.max_message_size = self.positive(
            &name,
            "max_message_size",
            raw.max_message_size,
            c.max_message_size,
        );
        c
    }

    fn positive<T: Copy + Default + PartialEq + fmt::Display>(
        &mut self,
        connector: &str,
        key: &str,
        value: Option<Spanned<T>>,
        default: T,
    ) -> T {
        match value {
            None => default,
            Some(value) if *value.get_ref() == T::default() => {
                self.push(
                    Some(value.span()),
                    format!("connector `{connector}`: `{key}` must be at least 1"),
                    Some(format!("remove it to use the default ({default})")),
                );
                default
            }
            Some(value) => *value.get_ref(),
        }
    }
}

/// Hints for the faults serde reports in its own words.
fn hint_for_serde_message(message: &str) -> Option<String> {
    if message.contains("unknown field `secret") {
        Some(format!(
            "secrets are never written in the file: name the environment variables that hold them, `secrets_env = [\"{DEFAULT_SECRET_ENV}\"]`"
        ))
    } else if message.contains("unknown field") {
        Some("check the spelling against docs/configuration.md".to_owned())
    } else if message.contains("missing field `agents`") {
        Some("list the agents that answer, for example `agents = [\"assistant\"]`".to_owned())
    } else {
        None
    }
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rfind('\n')
        .map_or(before.len(), |nl| before.len() - nl - 1)
        + 1;
    (line, column)
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((line, column)) => write!(f, "{}:{line}:{column}: {}", self.file, self.message)?,
            None => write!(f, "{}: {}", self.file, self.message)?,
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, error) in self.0.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

#[cfg(test)]
mod tests;
