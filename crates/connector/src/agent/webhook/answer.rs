//! Reads a webhook's answer, in whichever of the three documented forms it came:
//! one `application/json` object, `text/event-stream`, or NDJSON.
//!
//! Every streamed event is a JSON object with an optional `chunk` (text to send on), an
//! optional `token_usage` (which ends the reply), and an optional `error` (which fails
//! it). A stream that ends without `token_usage` was cut, and is reported so.

use eventsource_stream::Eventsource;
use futures::StreamExt;
use reqwest::Response;
use serde::Deserialize;

use crate::agent::http::{self, Failure, Sink};
use crate::agent::prompt::estimate_tokens;
use crate::usage::TokenUsage;

/// One streamed event, or the single JSON answer (`response` instead of `chunk`).
#[derive(Debug, Deserialize)]
struct Event {
    #[serde(default)]
    chunk: Option<String>,
    #[serde(default)]
    response: Option<String>,
    #[serde(default)]
    token_usage: Option<Usage>,
    #[serde(default)]
    error: Option<String>,
}

/// `token_usage` as a webhook reports it; `completion_tokens` is accepted for
/// `candidates_tokens`, since many backends speak OpenAI's names.
#[derive(Debug, Deserialize)]
struct Usage {
    #[serde(default)]
    prompt_tokens: u64,
    #[serde(default, alias = "completion_tokens")]
    candidates_tokens: u64,
}

/// Reads `response` into `sink`, ending with `Done` on success.
pub async fn read(
    response: Response,
    what: &str,
    prompt: &str,
    sink: &mut Sink,
) -> Result<(), Failure> {
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let mut reply = Reply {
        what,
        prompt,
        text: String::new(),
    };
    match content_type.as_str() {
        "application/json" => {
            let body = response.bytes().await.map_err(|e| {
                Failure::transient(
                    format!("reading {what} failed: {}", http::error_chain(&e)),
                    false,
                )
            })?;
            let event = reply.parse(&String::from_utf8_lossy(&body))?;
            let text = event.response.or(event.chunk).ok_or_else(|| {
                Failure::fatal(format!(
                    "{what} answered JSON without a \"response\" field: {}",
                    http::snippet(&String::from_utf8_lossy(&body))
                ))
            })?;
            reply.text.push_str(&text);
            sink.chunk(text).await?;
            let usage = reply.usage(event.token_usage);
            sink.done(usage).await;
            Ok(())
        }
        "text/event-stream" => {
            let mut events = response.bytes_stream().eventsource();
            while let Some(event) = events.next().await {
                let event = event.map_err(|e| reply.broken(&e, sink))?;
                if let Some(usage) = reply.event(&event.data, sink).await? {
                    sink.done(usage).await;
                    return Ok(());
                }
            }
            Err(reply.cut(sink))
        }
        "application/x-ndjson" | "application/jsonl" | "application/jsonlines" => {
            let mut bytes = response.bytes_stream();
            let mut pending: Vec<u8> = Vec::new();
            loop {
                while let Some(end) = pending.iter().position(|&b| b == b'\n') {
                    let line: Vec<u8> = pending.drain(..=end).collect();
                    let line = String::from_utf8_lossy(&line);
                    if let Some(usage) = reply.event(&line, sink).await? {
                        sink.done(usage).await;
                        return Ok(());
                    }
                }
                match bytes.next().await {
                    Some(Ok(more)) => pending.extend_from_slice(&more),
                    Some(Err(e)) => return Err(reply.broken(&e, sink)),
                    None => break,
                }
            }
            let last = String::from_utf8_lossy(&pending).into_owned();
            if let Some(usage) = reply.event(&last, sink).await? {
                sink.done(usage).await;
                return Ok(());
            }
            Err(reply.cut(sink))
        }
        other => Err(Failure::fatal(format!(
            "{what} answered with content type `{other}`; use application/json, \
             text/event-stream or application/x-ndjson"
        ))),
    }
}

struct Reply<'a> {
    what: &'a str,
    prompt: &'a str,
    text: String,
}

impl Reply<'_> {
    fn parse(&self, data: &str) -> Result<Event, Failure> {
        serde_json::from_str(data).map_err(|e| {
            Failure::fatal(format!(
                "{} sent a malformed event ({e}): {}",
                self.what,
                http::snippet(data)
            ))
        })
    }

    /// Handles one streamed event; returns the usage when it was the last one.
    async fn event(&mut self, data: &str, sink: &mut Sink) -> Result<Option<TokenUsage>, Failure> {
        let data = data.trim();
        if data.is_empty() {
            return Ok(None);
        }
        let event = self.parse(data)?;
        if let Some(error) = event.error {
            return Err(Failure::fatal(format!(
                "{} reported an error: {error}",
                self.what
            )));
        }
        if let Some(chunk) = event.chunk.or(event.response) {
            self.text.push_str(&chunk);
            sink.chunk(chunk).await?;
        }
        Ok(event.token_usage.map(|usage| self.usage(Some(usage))))
    }

    fn usage(&self, reported: Option<Usage>) -> TokenUsage {
        match reported {
            Some(usage) => TokenUsage::new(usage.prompt_tokens, usage.candidates_tokens),
            None => TokenUsage {
                estimated: true,
                ..TokenUsage::new(estimate_tokens(self.prompt), estimate_tokens(&self.text))
            },
        }
    }

    fn broken(&self, error: &dyn std::error::Error, sink: &Sink) -> Failure {
        Failure::transient(
            format!(
                "the stream from {} broke: {}",
                self.what,
                http::error_chain(error)
            ),
            sink.started,
        )
    }

    fn cut(&self, sink: &Sink) -> Failure {
        Failure::transient(
            format!(
                "the stream from {} ended without its final `token_usage` event",
                self.what
            ),
            sink.started,
        )
    }
}
