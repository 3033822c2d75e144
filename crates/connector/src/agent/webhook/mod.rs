//! `kind = "webhook"`: bring your own agent, in any language, behind an HTTP URL.
//!
//! Each turn is one signed `POST` of JSON (`session_id`, `message_id`, `message`,
//! `context` as the client sent it, `history`). The answer is either one
//! `application/json` object `{"response", "token_usage"}` or a stream of events, as
//! `text/event-stream` or NDJSON, each carrying a `chunk` and the last one `token_usage`.
//! The wire contract, signature included, is documented in `docs/agents.md`; signing
//! lives in `signature`, reading the answer in `answer`.

mod answer;
pub mod signature;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::stream::BoxStream;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::config::AgentCommon;
use super::http::{self, Failure, Retry, Sink};
use super::{Agent, AgentError, AgentEvent, AgentRequest, Role};
use crate::config::duration::HumanDuration;

/// `[agents.<name>]` settings for `kind = "webhook"`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// Where each turn is POSTed.
    pub url: String,
    /// The environment variable holding the HMAC secret. Without it requests are unsigned.
    pub secret_env: Option<String>,
    /// The longest wait for a TCP/TLS connection (default 10s).
    pub connect_timeout: Option<HumanDuration>,
    /// Retries before the first chunk, on connect errors, 429 and 5xx (default 2).
    #[serde(default = "default_retries")]
    pub retries: u32,
}

fn default_retries() -> u32 {
    2
}

/// The header with the Unix time (seconds) the request was signed at.
pub const TIMESTAMP_HEADER: &str = "X-Duplex-Timestamp";
/// The header with `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`.
pub const SIGNATURE_HEADER: &str = "X-Duplex-Signature";

/// The JSON body of a turn.
#[derive(Debug, Serialize)]
pub struct WebhookRequest<'a> {
    pub session_id: &'a str,
    pub message_id: &'a str,
    pub message: &'a str,
    pub context: Option<&'a Value>,
    pub history: Vec<HistoryEntry<'a>>,
    /// The agent's configured system prompt and limits, for agents that want them.
    pub system_prompt: Option<&'a str>,
    pub max_tokens: Option<u32>,
    pub temperature: Option<f32>,
}

/// One earlier turn, as sent to the webhook.
#[derive(Debug, Serialize)]
pub struct HistoryEntry<'a> {
    pub role: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent: Option<&'a str>,
    pub content: &'a str,
}

/// The webhook agent.
#[derive(Debug, Clone)]
pub struct WebhookAgent {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    client: reqwest::Client,
    url: String,
    secret: Option<signature::Secret>,
    system_prompt: Option<String>,
    max_tokens: Option<u32>,
    temperature: Option<f32>,
    timeout: Duration,
    retry: Retry,
}

impl WebhookAgent {
    /// Checks the settings and reads the signing secret from the environment.
    pub fn new(config: &WebhookConfig, common: &AgentCommon) -> Result<WebhookAgent, String> {
        if !(config.url.starts_with("http://") || config.url.starts_with("https://")) {
            return Err(format!(
                "`url = \"{}\"` is not an http(s) URL; write e.g. \"http://127.0.0.1:9000/agent\"",
                config.url
            ));
        }
        let secret = match &config.secret_env {
            None => None,
            Some(name) => match std::env::var(name) {
                Ok(value) if !value.is_empty() => Some(signature::Secret::new(value.into_bytes())),
                _ => {
                    return Err(format!(
                        "`secret_env = \"{name}\"` names an environment variable that is not set; \
                         export {name}=<shared secret> before starting"
                    ));
                }
            },
        };
        let connect_timeout = config
            .connect_timeout
            .map_or(super::openai::DEFAULT_CONNECT_TIMEOUT, |d| d.0);
        Ok(WebhookAgent {
            inner: Arc::new(Inner {
                client: http::client(connect_timeout)?,
                url: config.url.clone(),
                secret,
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

impl Agent for WebhookAgent {
    fn reply(
        &self,
        request: AgentRequest,
        cancel: CancellationToken,
    ) -> BoxStream<'static, Result<AgentEvent, AgentError>> {
        let inner = self.inner.clone();
        let body = match inner.body(&request) {
            Ok(body) => Arc::new(body),
            Err(error) => {
                let error = AgentError::new(super::AgentErrorKind::Failed, error);
                return Box::pin(futures::stream::once(async move { Err(error) }));
            }
        };
        // What the usage estimate counts when the webhook reports none.
        let mut prompt: String = request.history.iter().map(|t| &*t.content).collect();
        prompt.push_str(&request.message);
        let prompt = Arc::new(prompt);
        let (retry, timeout) = (inner.retry, inner.timeout);
        http::spawn_turn(retry, timeout, cancel, move |mut sink| {
            let (inner, body, prompt) = (inner.clone(), body.clone(), prompt.clone());
            async move {
                let outcome = inner.attempt(&body, &prompt, &mut sink).await;
                (sink, outcome)
            }
        })
    }
}

impl Inner {
    fn body(&self, request: &AgentRequest) -> Result<Vec<u8>, String> {
        let body = WebhookRequest {
            session_id: &request.session_id,
            message_id: &request.message_id,
            message: &request.message,
            context: request.context.as_ref(),
            history: request
                .history
                .iter()
                .map(|turn| HistoryEntry {
                    role: match turn.role {
                        Role::User => "user",
                        Role::Assistant => "assistant",
                    },
                    agent: turn.agent.as_deref(),
                    content: &turn.content,
                })
                .collect(),
            system_prompt: self.system_prompt.as_deref(),
            max_tokens: self.max_tokens,
            temperature: self.temperature,
        };
        serde_json::to_vec(&body).map_err(|e| format!("cannot encode the webhook request: {e}"))
    }

    async fn attempt(&self, body: &[u8], prompt: &str, sink: &mut Sink) -> Result<(), Failure> {
        let mut request = self
            .client
            .post(&self.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(
                reqwest::header::ACCEPT,
                "application/x-ndjson, text/event-stream, application/json",
            );
        if let Some(secret) = &self.secret {
            // Signed per attempt, so a retry carries a fresh timestamp.
            let timestamp = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            request = request
                .header(TIMESTAMP_HEADER, timestamp.to_string())
                .header(SIGNATURE_HEADER, secret.sign(timestamp, body));
        }
        let what = format!("the webhook {}", self.url);
        let response = http::send(request.body(body.to_vec()), &what).await?;
        answer::read(response, &what, prompt, sink).await
    }
}
