//! What the HTTP agents (`openai`, `webhook`) share: the client, sending with retries,
//! and the rule that a reply is retried only until its first chunk.
//!
//! A turn is a series of attempts. An attempt that fails before any text reached the
//! session (connect error, 429, 5xx, a stream that broke before its first chunk) is
//! retried with exponential backoff, honouring `Retry-After`. Once a chunk was sent, a
//! failure ends the turn with `agent_error`: retrying would send the text twice. The
//! whole turn runs in a task that stops, dropping the HTTP stream, when its token fires.

use std::future::Future;
use std::time::Duration;

use futures::StreamExt;
use futures::stream::BoxStream;
use reqwest::{RequestBuilder, Response, StatusCode};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{AgentError, AgentErrorKind, AgentEvent, deadline};

/// Retries and their spacing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    /// Attempts after the first one.
    pub retries: u32,
    /// The wait before the first retry; each next wait doubles.
    pub base: Duration,
    /// The longest wait, also the cap on a server's `Retry-After`.
    pub max: Duration,
}

impl Retry {
    /// The wait before retry number `attempt` (0-based).
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let backoff = self.base.saturating_mul(1 << attempt.min(16));
        retry_after.unwrap_or(backoff).min(self.max)
    }
}

/// Why an attempt failed, and whether another may follow.
#[derive(Debug)]
pub struct Failure {
    pub error: AgentError,
    /// The failure is transient (connect error, 429, 5xx, a broken stream).
    pub transient: bool,
    /// Text already reached the session, so retrying would duplicate it.
    pub after_first_chunk: bool,
    pub retry_after: Option<Duration>,
}

impl Failure {
    /// A failure that no retry will fix.
    pub fn fatal(message: impl Into<String>) -> Failure {
        Failure {
            error: AgentError::new(AgentErrorKind::Failed, message),
            transient: false,
            after_first_chunk: false,
            retry_after: None,
        }
    }

    /// A failure that a retry may fix, if no text was sent yet.
    pub fn transient(message: impl Into<String>, after_first_chunk: bool) -> Failure {
        Failure {
            error: AgentError::new(AgentErrorKind::Failed, message),
            transient: true,
            after_first_chunk,
            retry_after: None,
        }
    }
}

/// Where an attempt sends its events; remembers whether a chunk went out.
#[derive(Debug)]
pub struct Sink {
    events: mpsc::Sender<Result<AgentEvent, AgentError>>,
    /// A chunk has been sent in this turn.
    pub started: bool,
}

impl Sink {
    /// Sends a non-empty chunk. Fails only when the reader is gone, which ends the turn.
    pub async fn chunk(&mut self, text: String) -> Result<(), Failure> {
        if text.is_empty() {
            return Ok(());
        }
        self.started = true;
        self.events
            .send(Ok(AgentEvent::Chunk(text)))
            .await
            .map_err(|_| Failure::fatal("the reply's reader went away"))
    }

    pub async fn done(&mut self, usage: crate::usage::TokenUsage) {
        let _ = self.events.send(Ok(AgentEvent::Done(usage))).await;
    }
}

/// A client with the agent's connect timeout; other timeouts are per event.
pub fn client(connect_timeout: Duration) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .connect_timeout(connect_timeout)
        .build()
        .map_err(|e| format!("cannot build an HTTP client: {e}"))
}

/// Runs a turn: `attempt` until it succeeds, a failure is final, or retries run out.
/// Returns the supervised event stream at once; the work happens in a task.
pub fn spawn_turn<F, Fut>(
    retry: Retry,
    timeout: Duration,
    cancel: CancellationToken,
    mut attempt: F,
) -> BoxStream<'static, Result<AgentEvent, AgentError>>
where
    F: FnMut(Sink) -> Fut + Send + 'static,
    Fut: Future<Output = (Sink, Result<(), Failure>)> + Send,
{
    let (events, receiver) = mpsc::channel(64);
    let work = cancel.child_token();
    let watch = work.clone();
    tokio::spawn(async move {
        let turn = async move {
            let mut sink = Sink {
                events,
                started: false,
            };
            let mut tries = 0;
            loop {
                let (returned, outcome) = attempt(sink).await;
                sink = returned;
                let Err(failure) = outcome else { return };
                let again = failure.transient && !failure.after_first_chunk && !sink.started;
                if again && tries < retry.retries {
                    let wait = retry.delay(tries, failure.retry_after);
                    tracing::warn!(
                        error = %failure.error,
                        attempt = tries + 1,
                        wait_ms = wait.as_millis() as u64,
                        "agent request failed before its first chunk; retrying"
                    );
                    tries += 1;
                    tokio::time::sleep(wait).await;
                    continue;
                }
                let mut error = failure.error;
                if sink.started || failure.after_first_chunk {
                    error.kind = AgentErrorKind::Failed;
                    error.message = format!(
                        "{} (the reply had started, so it is not retried)",
                        error.message
                    );
                } else if tries > 0 {
                    error.message = format!("{} (after {} attempts)", error.message, tries + 1);
                }
                let _ = sink.events.send(Err(error)).await;
                return;
            }
        };
        tokio::select! {
            () = watch.cancelled() => {}
            () = turn => {}
        }
    });
    let stream = futures::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|event| (event, receiver))
    });
    deadline::supervise(stream.boxed(), work, timeout)
}

/// Sends `request` and turns connect errors and bad statuses into [`Failure`]s.
pub async fn send(request: RequestBuilder, what: &str) -> Result<Response, Failure> {
    let response = request.send().await.map_err(|error| {
        let reason = if error.is_connect() {
            "cannot connect"
        } else if error.is_timeout() {
            "timed out"
        } else {
            "request failed"
        };
        Failure::transient(format!("{what}: {reason}: {}", error_chain(&error)), false)
    })?;
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let body = response.text().await.unwrap_or_default();
    let body = snippet(&body);
    let message = format!("{what} answered HTTP {status}: {body}");
    Err(if status == StatusCode::TOO_MANY_REQUESTS {
        Failure {
            error: AgentError::new(AgentErrorKind::RateLimited, message),
            transient: true,
            after_first_chunk: false,
            retry_after,
        }
    } else if status.is_server_error() {
        Failure {
            retry_after,
            ..Failure::transient(message, false)
        }
    } else {
        let hint = match status {
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                " (check the credentials in the agent's environment variable)"
            }
            StatusCode::NOT_FOUND => " (check the agent's URL)",
            _ => "",
        };
        Failure::fatal(format!("{message}{hint}"))
    })
}

/// The first 300 characters of a body, on one line.
pub fn snippet(text: &str) -> String {
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(300) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

/// An error and its sources, joined, since reqwest's top message is often just
/// "error sending request".
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let retry = Retry {
            retries: 5,
            base: Duration::from_millis(100),
            max: Duration::from_secs(1),
        };
        assert_eq!(retry.delay(0, None), Duration::from_millis(100));
        assert_eq!(retry.delay(2, None), Duration::from_millis(400));
        assert_eq!(retry.delay(9, None), Duration::from_secs(1));
        assert_eq!(
            retry.delay(0, Some(Duration::from_secs(30))),
            Duration::from_secs(1)
        );
    }

    #[test]
    fn snippets_are_one_short_line() {
        assert_eq!(snippet("a\n  b"), "a b");
        assert_eq!(snippet(&"x".repeat(400)).chars().count(), 301);
    }
}
