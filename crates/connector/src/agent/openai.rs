//! `kind = "openai"`: any OpenAI-compatible `/v1/chat/completions` endpoint (OpenAI,
//! vLLM, llama.cpp's server, Ollama, LiteLLM), streamed over SSE.
//!
//! The request asks for `stream_options.include_usage`. The chunk types below are our
//! own and deliberately lenient, because servers differ: a last chunk with `choices: []`
//! that only carries `usage`, `finish_reason: ""` instead of `null`, `null` where a list
//! or an object is expected, and extra fields everywhere. When no usage comes at all,
//! it is estimated from the text and marked `estimated`. `completion_tokens` becomes
//! the protocol's `candidates_tokens`.

use std::sync::Arc;
use std::time::Duration;

use eventsource_stream::Eventsource;
use futures::StreamExt;
use futures::stream::BoxStream;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::config::AgentCommon;
use super::http::{self, Failure, Retry, Sink};
use super::prompt::{ChatMessage, chat_messages, estimate_tokens};
use super::{Agent, AgentError, AgentEvent, AgentRequest};
use crate::config::duration::HumanDuration;
use crate::usage::TokenUsage;

/// `[agents.<name>]` settings for `kind = "openai"`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenAiConfig {
    /// The API root including its version, e.g. `https://api.openai.com/v1` or
    /// `http://127.0.0.1:8080/v1`; `/chat/completions` is appended.
    pub base_url: String,
    pub model: String,
    /// The environment variable holding the API key; no `Authorization` header without it.
    pub api_key_env: Option<String>,
    /// The longest wait for a TCP/TLS connection (default 10s).
    pub connect_timeout: Option<HumanDuration>,
    /// Retries before the first chunk, on connect errors, 429 and 5xx (default 2).
    #[serde(default = "default_retries")]
    pub retries: u32,
}

fn default_retries() -> u32 {
    2
}

/// The wait for a connection when `connect_timeout` is not set.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The OpenAI-compatible agent.
#[derive(Debug, Clone)]
pub struct OpenAiAgent {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    client: reqwest::Client,
    url: String,
    model: String,
    api_key: Option<ApiKey>,
    system_prompt: Option<String>,
    max_tokens: Option<u32>,
    temperature: Option<f32>,
    timeout: Duration,
    retry: Retry,
}

/// An API key; its `Debug` hides it.
struct ApiKey(String);

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKey(***)")
    }
}

impl OpenAiAgent {
    /// Checks the settings and reads the API key from the environment.
    pub fn new(config: &OpenAiConfig, common: &AgentCommon) -> Result<OpenAiAgent, String> {
        let base = config.base_url.trim_end_matches('/');
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(format!(
                "`base_url = \"{}\"` is not an http(s) URL; write e.g. \"https://api.openai.com/v1\"",
                config.base_url
            ));
        }
        let url = if base.ends_with("/chat/completions") {
            base.to_owned()
        } else {
            format!("{base}/chat/completions")
        };
        let api_key = match &config.api_key_env {
            None => None,
            Some(name) => match std::env::var(name) {
                Ok(key) if !key.trim().is_empty() => Some(ApiKey(key.trim().to_owned())),
                _ => {
                    return Err(format!(
                        "`api_key_env = \"{name}\"` names an environment variable that is not set; \
                         export {name}=<your key> before starting"
                    ));
                }
            },
        };
        let connect_timeout = config
            .connect_timeout
            .map_or(DEFAULT_CONNECT_TIMEOUT, |d| d.0);
        Ok(OpenAiAgent {
            inner: Arc::new(Inner {
                client: http::client(connect_timeout)?,
                url,
                model: config.model.clone(),
                api_key,
                system_prompt: common.system_prompt.clone(),
                max_tokens: common.max_tokens,
                temperature: common.temperature,
                timeout: common.timeout,
                retry: Retry {
                    retries: config.retries,
                    base: Duration::from_millis(250),
                    max: Duration::from_secs(8),
                },
            }),
        })
    }
}

impl Agent for OpenAiAgent {
    fn reply(
        &self,
        request: AgentRequest,
        cancel: CancellationToken,
    ) -> BoxStream<'static, Result<AgentEvent, AgentError>> {
        let inner = self.inner.clone();
        let messages = Arc::new(chat_messages(inner.system_prompt.as_deref(), &request));
        let (retry, timeout) = (inner.retry, inner.timeout);
        http::spawn_turn(retry, timeout, cancel, move |sink| {
            let (inner, messages) = (inner.clone(), messages.clone());
            async move { inner.attempt(&messages, sink).await }
        })
    }
}

impl Inner {
    fn body(&self, messages: &[ChatMessage]) -> Value {
        let mut body = json!({
            "model": self.model,
            "messages": messages,
            "stream": true,
            "stream_options": {"include_usage": true},
        });
        if let Some(max_tokens) = self.max_tokens {
            body["max_tokens"] = json!(max_tokens);
        }
        if let Some(temperature) = self.temperature {
            body["temperature"] = json!(temperature);
        }
        body
    }

    async fn attempt(
        &self,
        messages: &[ChatMessage],
        mut sink: Sink,
    ) -> (Sink, Result<(), Failure>) {
        let outcome = self.stream(messages, &mut sink).await;
        (sink, outcome)
    }

    async fn stream(&self, messages: &[ChatMessage], sink: &mut Sink) -> Result<(), Failure> {
        let mut request = self.client.post(&self.url).json(&self.body(messages));
        if let Some(key) = &self.api_key {
            request = request.bearer_auth(&key.0);
        }
        let what = format!("the OpenAI-compatible endpoint {}", self.url);
        let response = http::send(request, &what).await?;
        let mut events = response.bytes_stream().eventsource();
        let mut text = String::new();
        let mut usage = None;
        let mut finished = false;
        let mut done = false;
        while let Some(event) = events.next().await {
            let event = event.map_err(|e| {
                Failure::transient(
                    format!("the stream from {what} broke: {}", http::error_chain(&e)),
                    sink.started,
                )
            })?;
            let data = event.data.trim();
            if data == "[DONE]" {
                done = true;
                break;
            }
            if data.is_empty() {
                continue;
            }
            let chunk: Chunk = serde_json::from_str(data).map_err(|e| {
                Failure::fatal(format!(
                    "{what} sent a malformed chunk ({e}): {}",
                    http::snippet(data)
                ))
            })?;
            if let Some(error) = chunk.error {
                return Err(Failure::fatal(format!(
                    "{what} reported an error mid-stream: {}",
                    http::snippet(&error.to_string())
                )));
            }
            for choice in chunk.choices.unwrap_or_default() {
                if let Some(content) = choice.delta.and_then(|d| d.content) {
                    text.push_str(&content);
                    sink.chunk(content).await?;
                }
                if choice.finish_reason.is_some_and(|r| !r.is_empty()) {
                    finished = true;
                }
            }
            if let Some(reported) = chunk.usage {
                usage = Some(reported);
            }
        }
        if !done && !finished {
            return Err(Failure::transient(
                format!("the stream from {what} ended mid-reply, before a finish_reason or [DONE]"),
                sink.started,
            ));
        }
        let usage = match usage {
            Some(usage) => TokenUsage::new(usage.prompt_tokens, usage.completion_tokens),
            None => {
                let prompt: u64 = messages
                    .iter()
                    .map(|m| estimate_tokens(&m.content) + 4)
                    .sum();
                TokenUsage {
                    estimated: true,
                    ..TokenUsage::new(prompt, estimate_tokens(&text))
                }
            }
        };
        sink.done(usage).await;
        Ok(())
    }
}

/// One `chat.completion.chunk`, read leniently: every field may be absent or null.
#[derive(Debug, Deserialize)]
struct Chunk {
    #[serde(default)]
    choices: Option<Vec<Choice>>,
    #[serde(default)]
    usage: Option<Usage>,
    #[serde(default)]
    error: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct Choice {
    #[serde(default)]
    delta: Option<Delta>,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Delta {
    #[serde(default)]
    content: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Usage {
    #[serde(default)]
    prompt_tokens: u64,
    #[serde(default)]
    completion_tokens: u64,
}
