//! `kind = "local"`: a model running in-process through llama.cpp (cargo feature
//! `local-llm`).
//!
//! # Layout
//! - this module: the settings, where the default model is cached, and [`LocalAgent`],
//!   which turns a request into a job for the engine and supervises its reply stream;
//! - `engine`: the decode-loop thread that owns the model and batches sessions;
//! - `template`: the GGUF's own chat template, rendered with minijinja;
//! - `utf8`: holds back bytes until they form whole characters.
//!
//! The settings exist without the feature so that a config naming `kind = "local"` is
//! still read, and then refused with a hint to rebuild, rather than called unknown.

#[cfg(feature = "local-llm")]
mod engine;
#[cfg(feature = "local-llm")]
mod template;
#[cfg(feature = "local-llm")]
mod utf8;

use std::path::PathBuf;

use serde::Deserialize;

/// The file name of the default model, SmolLM2-135M-Instruct Q4_1 (Apache-2.0).
pub const DEFAULT_MODEL_FILE: &str = "SmolLM2-135M-Instruct.Q4_1.gguf";

/// The command that downloads the default model into [`default_model_path`].
pub const FETCH_MODEL_COMMAND: &str = "scripts/fetch-model.sh";

/// Whether this build can run `kind = "local"` (cargo feature `local-llm`).
pub const AVAILABLE: bool = cfg!(feature = "local-llm");

/// `[agents.<name>]` settings for `kind = "local"`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalConfig {
    /// The GGUF file; the cached default model when absent.
    pub model_path: Option<PathBuf>,
    /// Tokens of KV cache shared by the sessions being decoded, prompts and replies
    /// together; one session alone may use all of it (default 2048).
    #[serde(default = "default_context_size")]
    pub context_size: u32,
    /// Sessions decoded together in one batch, as long as the shared cache holds their
    /// prompts and `max_tokens` (default 4).
    #[serde(default = "default_parallel")]
    pub parallel: u32,
    /// Requests that may wait for a free slot or for room in the cache; one more gets
    /// `busy` (default 32).
    #[serde(default = "default_queue")]
    pub queue: usize,
    /// CPU threads for llama.cpp (default: all cores).
    pub threads: Option<u32>,
}

impl Default for LocalConfig {
    fn default() -> LocalConfig {
        LocalConfig {
            model_path: None,
            context_size: default_context_size(),
            parallel: default_parallel(),
            queue: default_queue(),
            threads: None,
        }
    }
}

fn default_context_size() -> u32 {
    2048
}

fn default_parallel() -> u32 {
    4
}

fn default_queue() -> usize {
    32
}

/// Where [`FETCH_MODEL_COMMAND`] puts the default model:
/// `${XDG_CACHE_HOME:-$HOME/.cache}/duplex/models/SmolLM2-135M-Instruct.Q4_1.gguf`.
pub fn default_model_path() -> PathBuf {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .unwrap_or_else(|| PathBuf::from(".cache"));
    cache.join("duplex").join("models").join(DEFAULT_MODEL_FILE)
}

impl LocalConfig {
    /// The model this config runs: `model_path`, or the cached default.
    pub fn model(&self) -> PathBuf {
        self.model_path.clone().unwrap_or_else(default_model_path)
    }

    /// Checks the numbers before anything is loaded.
    pub fn validate(&self) -> Result<(), String> {
        if !(256..=131_072).contains(&self.context_size) {
            return Err(format!(
                "`context_size = {}` is out of range; use 256 to 131072 tokens",
                self.context_size
            ));
        }
        if !(1..=64).contains(&self.parallel) {
            return Err(format!(
                "`parallel = {}` is out of range; use 1 to 64 sessions",
                self.parallel
            ));
        }
        if self.queue == 0 {
            return Err(
                "`queue = 0` leaves no room for a request on its way to a slot; use 1 or more"
                    .into(),
            );
        }
        if self.threads == Some(0) {
            return Err("`threads = 0` cannot run anything; use 1 or more, or leave it out".into());
        }
        Ok(())
    }
}

/// Why the model could not be used, with the fix.
pub fn missing_model_message(path: &std::path::Path) -> String {
    if path == default_model_path() {
        format!(
            "the local model is not cached at {}; fetch it with `{FETCH_MODEL_COMMAND}`",
            path.display()
        )
    } else {
        format!(
            "`model_path` {} does not exist; point it at a GGUF file",
            path.display()
        )
    }
}

#[cfg(feature = "local-llm")]
pub use agent::LocalAgent;

#[cfg(feature = "local-llm")]
mod agent {
    use std::sync::Arc;
    use std::sync::atomic::Ordering;
    use std::time::Duration;

    use futures::StreamExt;
    use futures::stream::{self, BoxStream};
    use tokio_util::sync::CancellationToken;

    use super::engine::{Engine, EngineConfig, Job};
    use super::{LocalConfig, missing_model_message};
    use crate::agent::config::AgentCommon;
    use crate::agent::prompt::chat_messages;
    use crate::agent::{Agent, AgentError, AgentEvent, AgentRequest, deadline};

    /// The local agent: one loaded model, shared by every session.
    #[derive(Debug)]
    pub struct LocalAgent {
        engine: Arc<Engine>,
        system_prompt: Option<String>,
        max_tokens: u32,
        temperature: f32,
        timeout: Duration,
    }

    /// What a reply may use when `max_tokens` is not set.
    const DEFAULT_MAX_TOKENS: u32 = 256;
    const DEFAULT_TEMPERATURE: f32 = 0.7;

    impl LocalAgent {
        /// Loads the model (blocking: call it before serving, or on a blocking thread).
        pub fn load(config: &LocalConfig, common: &AgentCommon) -> Result<LocalAgent, String> {
            config.validate()?;
            let model_path = config.model();
            if !model_path.is_file() {
                return Err(missing_model_message(&model_path));
            }
            let threads = config.threads.unwrap_or_else(|| {
                std::thread::available_parallelism().map_or(1, |n| n.get() as u32)
            });
            let engine = Engine::start(EngineConfig {
                model_path,
                context_size: config.context_size,
                parallel: config.parallel,
                queue: config.queue,
                threads,
            })?;
            Ok(LocalAgent {
                engine: Arc::new(engine),
                system_prompt: common.system_prompt.clone(),
                max_tokens: common.max_tokens.unwrap_or(DEFAULT_MAX_TOKENS),
                temperature: common.temperature.unwrap_or(DEFAULT_TEMPERATURE),
                timeout: common.timeout,
            })
        }

        /// The full prompt this agent would give the model for `request`, before any
        /// trimming to the context window.
        pub fn render_prompt(&self, request: &AgentRequest) -> Result<String, String> {
            let messages = chat_messages(self.system_prompt.as_deref(), request);
            self.engine.template.render(&messages)
        }

        /// Sequences being decoded right now.
        pub fn active(&self) -> usize {
            self.engine.stats.active.load(Ordering::SeqCst)
        }

        /// Requests waiting for a slot or for room in the cache.
        pub fn queued(&self) -> usize {
            self.engine.stats.queued.load(Ordering::SeqCst)
        }

        /// Tokens generated since the model was loaded, over all sessions.
        pub fn generated_tokens(&self) -> u64 {
            self.engine.stats.generated_tokens.load(Ordering::SeqCst)
        }

        /// Tokens of context one session may use: the whole shared cache.
        pub fn context_per_session(&self) -> u32 {
            self.engine.context_per_sequence
        }
    }

    impl Agent for LocalAgent {
        fn reply(
            &self,
            request: AgentRequest,
            cancel: CancellationToken,
        ) -> BoxStream<'static, Result<AgentEvent, AgentError>> {
            let (events, receiver) = tokio::sync::mpsc::unbounded_channel();
            let work = cancel.child_token();
            let job = Job {
                messages: chat_messages(self.system_prompt.as_deref(), &request),
                max_tokens: self.max_tokens,
                temperature: self.temperature,
                cancel: work.clone(),
                events,
            };
            if let Err(error) = self.engine.submit(job) {
                return stream::once(async move { Err(error) }).boxed();
            }
            let events = stream::unfold(receiver, |mut receiver| async move {
                receiver.recv().await.map(|event| (event, receiver))
            });
            deadline::supervise(events.boxed(), work, self.timeout)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::LocalConfig;

    fn check(toml: &str) -> Result<LocalConfig, String> {
        let config: LocalConfig = toml::from_str(toml).map_err(|e| e.to_string())?;
        config.validate().map(|()| config)
    }

    #[test]
    fn the_defaults_share_2048_tokens_between_4_sessions() {
        let config = check("").unwrap();
        assert_eq!(config, LocalConfig::default());
        assert_eq!(
            (config.context_size, config.parallel, config.queue),
            (2048, 4, 32)
        );
    }

    #[test]
    fn out_of_range_numbers_name_the_setting_and_the_range() {
        for (toml, setting) in [
            ("context_size = 100", "`context_size = 100`"),
            ("parallel = 0", "`parallel = 0`"),
            ("queue = 0", "`queue = 0`"),
            ("threads = 0", "`threads = 0`"),
        ] {
            let error = check(toml).unwrap_err();
            assert!(error.starts_with(setting), "{toml}: {error}");
            assert!(error.contains("use "), "{toml}: {error}");
        }
    }
}
