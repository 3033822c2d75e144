//! `kind = "echo"`: a deterministic agent for tests, demos and benchmarks.
//!
//! It answers with the words of the user's message, a few words per chunk, optionally
//! slowed down, stretched to a fixed number of chunks, or failing part-way, so every
//! path of the protocol (streaming, cancel, queueing, failures, timeouts) can be driven
//! without a model. Its token usage is real counting: prompt tokens are the words of
//! the system prompt, the history and the message; candidate tokens are the words sent.

use std::num::NonZeroUsize;
use std::time::Duration;

use futures::StreamExt;
use futures::stream::{self, BoxStream};
use serde::Deserialize;
use tokio_util::sync::CancellationToken;

use super::config::AgentCommon;
use super::{Agent, AgentError, AgentErrorKind, AgentEvent, AgentRequest};
use crate::config::duration::HumanDuration;
use crate::usage::TokenUsage;

/// `[agents.<name>]` settings for `kind = "echo"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EchoConfig {
    /// Words per chunk (default 1).
    #[serde(default = "one")]
    pub chunk_words: NonZeroUsize,
    /// Exactly this many chunks, repeating the message's words as needed. Without it,
    /// the reply is the message once.
    pub chunks: Option<NonZeroUsize>,
    /// A pause before each chunk (default none).
    pub delay: Option<HumanDuration>,
    /// Fail with `agent_error` after sending this many chunks.
    pub fail_after: Option<usize>,
}

/// The echo agent, built from its settings.
#[derive(Debug)]
pub struct EchoAgent {
    config: EchoConfig,
    system_prompt_words: u64,
    max_tokens: Option<u32>,
}

fn one() -> NonZeroUsize {
    NonZeroUsize::MIN
}

impl EchoAgent {
    pub fn new(config: EchoConfig, common: &AgentCommon) -> EchoAgent {
        EchoAgent {
            config,
            system_prompt_words: common.system_prompt.as_deref().map_or(0, count_words),
            max_tokens: common.max_tokens,
        }
    }

    /// The plan of the reply to `message`: its words, cycled, and how many to send.
    fn plan(&self, message: &str) -> (Vec<String>, usize) {
        let words: Vec<String> = message.split_whitespace().map(str::to_owned).collect();
        let per_chunk = self.config.chunk_words.get();
        let mut total = match self.config.chunks {
            Some(chunks) if !words.is_empty() => chunks.get().saturating_mul(per_chunk),
            _ => words.len(),
        };
        if let Some(max_tokens) = self.max_tokens {
            total = total.min(max_tokens as usize);
        }
        (words, total)
    }
}

impl Agent for EchoAgent {
    fn reply(
        &self,
        request: AgentRequest,
        cancel: CancellationToken,
    ) -> BoxStream<'static, Result<AgentEvent, AgentError>> {
        let prompt_tokens = self.system_prompt_words
            + request
                .history
                .iter()
                .map(|turn| count_words(&turn.content))
                .sum::<u64>()
            + count_words(&request.message);
        let (words, total) = self.plan(&request.message);
        let state = Replay {
            words,
            total,
            next_word: 0,
            per_chunk: self.config.chunk_words.get(),
            sent: 0,
            delay: self.config.delay.map(|d| d.0),
            fail_after: self.config.fail_after,
            usage: Some(TokenUsage::new(prompt_tokens, total as u64)),
            cancel,
        };
        stream::unfold(state, Replay::next).boxed()
    }
}

/// Where a reply stands: the words still to send (made chunk by chunk, so a long
/// reply costs no memory up front) and how it ends.
struct Replay {
    words: Vec<String>,
    /// Words to send in all.
    total: usize,
    next_word: usize,
    per_chunk: usize,
    /// Chunks sent so far.
    sent: usize,
    delay: Option<Duration>,
    fail_after: Option<usize>,
    /// Taken when `Done` (or the failure) has been sent.
    usage: Option<TokenUsage>,
    cancel: CancellationToken,
}

impl Replay {
    async fn next(mut self) -> Option<(Result<AgentEvent, AgentError>, Replay)> {
        if self.cancel.is_cancelled() {
            return None;
        }
        let usage = self.usage?;
        if self.fail_after == Some(self.sent) {
            self.usage = None;
            let message = format!(
                "the echo agent is configured to fail after {} chunks",
                self.sent
            );
            return Some((Err(AgentError::new(AgentErrorKind::Failed, message)), self));
        }
        if self.next_word >= self.total {
            self.usage = None;
            return Some((Ok(AgentEvent::Done(usage)), self));
        }
        let end = (self.next_word + self.per_chunk).min(self.total);
        let mut chunk = String::new();
        for index in self.next_word..end {
            if index > 0 {
                chunk.push(' ');
            }
            chunk.push_str(&self.words[index % self.words.len()]);
        }
        self.next_word = end;
        if let Some(delay) = self.delay {
            tokio::select! {
                () = tokio::time::sleep(delay) => {}
                () = self.cancel.cancelled() => return None,
            }
        }
        self.sent += 1;
        Some((Ok(AgentEvent::Chunk(chunk)), self))
    }
}

fn count_words(text: &str) -> u64 {
    text.split_whitespace().count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::config::DEFAULT_AGENT_TIMEOUT;

    fn agent(settings: &str) -> EchoAgent {
        let config: EchoConfig = toml::from_str(settings).expect("valid echo settings");
        let common = AgentCommon {
            system_prompt: Some("be brief".to_owned()),
            max_tokens: None,
            temperature: None,
            timeout: DEFAULT_AGENT_TIMEOUT,
        };
        EchoAgent::new(config, &common)
    }

    async fn run(agent: &EchoAgent, message: &str) -> Vec<Result<AgentEvent, AgentError>> {
        let request = AgentRequest {
            session_id: "s".to_owned(),
            message_id: "m".to_owned(),
            message: message.to_owned(),
            context: None,
            history: [super::super::Turn {
                role: super::super::Role::User,
                agent: None,
                content: "earlier words here".into(),
            }]
            .into(),
        };
        agent
            .reply(request, CancellationToken::new())
            .collect()
            .await
    }

    fn chunk(text: &str) -> Result<AgentEvent, AgentError> {
        Ok(AgentEvent::Chunk(text.to_owned()))
    }

    #[tokio::test]
    async fn echoes_words_and_counts_usage() {
        let events = run(&agent(""), "hello there  world").await;
        assert_eq!(
            events,
            vec![
                chunk("hello"),
                chunk(" there"),
                chunk(" world"),
                // 2 (system prompt) + 3 (history) + 3 (message); 3 words sent.
                Ok(AgentEvent::Done(TokenUsage::new(8, 3))),
            ]
        );
    }

    #[tokio::test]
    async fn fixed_chunk_count_repeats_words() {
        let events = run(&agent("chunk_words = 2\nchunks = 3"), "a b c").await;
        assert_eq!(&events[..3], &[chunk("a b"), chunk(" c a"), chunk(" b c")]);
        assert_eq!(events[3], Ok(AgentEvent::Done(TokenUsage::new(8, 6))));
    }

    #[tokio::test]
    async fn fails_after_n_chunks() {
        let events = run(&agent("fail_after = 1"), "a b c").await;
        assert_eq!(events[0], chunk("a"));
        let err = events[1].clone().expect_err("a failure");
        assert_eq!(err.kind, AgentErrorKind::Failed);
        assert_eq!(events.len(), 2);
    }

    #[test]
    fn rejects_unknown_settings() {
        let err = toml::from_str::<EchoConfig>("chunk_size = 2").expect_err("unknown field");
        assert!(
            err.message().contains("unknown field `chunk_size`"),
            "{err}"
        );
    }
}
