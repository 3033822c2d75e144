//! One agent's reply to one message: `stream_start`, chunks, then the end event, with
//! the reply stored as it ends.
//!
//! The session queues `stream_start` itself, before this task runs, so that it always
//! follows the message's `ack` directly. It also records the reply as `streaming` when
//! it accepts the message (queued or not), so a node that dies leaves every reply it
//! owed on record, to be reported as interrupted on resume.
//!
//! Invariant: a reply's end event (`stream_end` or `response`) is queued only after
//! `finish_reply` returned, so a client that saw the end of a reply will find it in
//! the history after any restart. A stop (client cancel, connection lost, shutdown)
//! ends the reply with the stop's outcome and the partial text.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use futures::StreamExt;
use futures::stream::BoxStream;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::now_ms;
use super::outbound::Outbound;
use crate::agent::{Agent, AgentError, AgentErrorKind, AgentEvent, AgentRequest};
use crate::protocol::ErrorCode;
use crate::protocol::server::{ErrorBody, ReplyOutcome, ServerEvent};
use crate::store::{ReplyStatus, Store};
use crate::usage::TokenUsage;

/// Everything one reply task needs.
pub(super) struct ReplyJob {
    pub store: Store,
    pub out: Outbound,
    pub connector: Arc<str>,
    pub streaming: bool,
    pub agent_name: String,
    pub agent: Arc<dyn Agent>,
    /// The longest wait for the agent's next event.
    pub timeout: Duration,
    pub request: AgentRequest,
    pub stop: StopSignal,
    /// When the user's message arrived, for time to first chunk.
    pub received: Instant,
    pub done: mpsc::UnboundedSender<ReplyDone>,
}

/// Sent to the session when a reply has ended and been stored.
#[derive(Debug)]
pub(super) struct ReplyDone {
    pub message_id: String,
    pub agent: String,
    /// The reply's text when it is stored as completed (what later turns are shown).
    pub completed: Option<Arc<str>>,
}

/// Stops every reply of one message, with the outcome their end events report.
#[derive(Debug, Clone, Default)]
pub(super) struct StopSignal {
    token: CancellationToken,
    outcome: Arc<OnceLock<ReplyOutcome>>,
}

impl StopSignal {
    /// Stops the replies; the first outcome given wins.
    pub(super) fn stop(&self, outcome: ReplyOutcome) {
        let _ = self.outcome.set(outcome);
        self.token.cancel();
    }

    fn outcome(&self) -> ReplyOutcome {
        self.outcome
            .get()
            .copied()
            .unwrap_or(ReplyOutcome::Cancelled)
    }
}

pub(super) async fn run(job: ReplyJob) {
    let ReplyJob {
        store,
        out,
        connector,
        streaming,
        agent_name,
        agent,
        timeout,
        request,
        stop,
        received,
        done,
    } = job;
    let session_id = request.session_id.clone();
    let id = request.message_id.clone();
    let Consumed {
        outcome,
        text,
        usage,
        mut failure,
    } = if stop.token.is_cancelled() {
        Consumed::stopped(stop.outcome())
    } else {
        let events = agent.reply(request, stop.token.clone());
        consume(events, &stop, timeout, &agent_name, |chunk, first| {
            if first {
                crate::metrics::first_chunk(&connector, &agent_name, received.elapsed());
            }
            !streaming
                || out.send(&ServerEvent::StreamChunk {
                    id: id.clone(),
                    agent: agent_name.clone(),
                    chunk,
                })
        })
        .await
    };

    let status = match outcome {
        ReplyOutcome::Completed => ReplyStatus::Completed,
        ReplyOutcome::Cancelled => ReplyStatus::Cancelled,
        ReplyOutcome::Failed => ReplyStatus::Failed,
        ReplyOutcome::Interrupted => ReplyStatus::Interrupted,
    };
    let stored = store
        .finish_reply(
            &session_id,
            &id,
            &agent_name,
            &text,
            usage.as_ref(),
            status,
            failure.as_ref().map(|failure| failure.message.as_str()),
            now_ms(),
        )
        .await;
    let completed = matches!(stored, Ok(ReplyStatus::Completed)).then(|| Arc::from(text.as_str()));
    let outcome = match stored {
        Ok(ReplyStatus::Interrupted) if outcome != ReplyOutcome::Interrupted => {
            // A resume (this client reconnecting faster than its drop was noticed, or
            // another connection to the session) took this reply for cut off and said so.
            tracing::info!(%session_id, message_id = %id, agent = %agent_name, "the reply was reported interrupted by a resume; ending it so");
            failure = None;
            ReplyOutcome::Interrupted
        }
        Ok(_) => outcome,
        Err(err) => {
            tracing::error!(error = %err, %session_id, message_id = %id, agent = %agent_name, "cannot store a reply");
            out.send(&ServerEvent::Error {
                id: Some(id.clone()),
                agent: Some(agent_name.clone()),
                code: ErrorCode::Internal,
                message: "the reply could not be stored; it will be missing from the history"
                    .to_owned(),
                retryable: true,
            });
            outcome
        }
    };
    if let Some(failure) = &failure {
        tracing::warn!(%session_id, message_id = %id, agent = %agent_name, code = failure.code.as_str(), "reply failed: {}", failure.message);
        out.send(&ServerEvent::Error {
            id: Some(id.clone()),
            agent: Some(agent_name.clone()),
            code: failure.code,
            message: failure.message.clone(),
            retryable: failure.code.retryable(),
        });
    }
    let token_usage = usage.unwrap_or_default();
    out.send(&if streaming {
        ServerEvent::StreamEnd {
            id: id.clone(),
            agent: agent_name.clone(),
            full_response: text,
            token_usage,
            status: outcome,
            error: failure,
        }
    } else {
        ServerEvent::Response {
            id: id.clone(),
            agent: agent_name.clone(),
            response: text,
            token_usage,
            status: outcome,
            error: failure,
        }
    });
    let _ = done.send(ReplyDone {
        message_id: id,
        agent: agent_name,
        completed,
    });
}

/// What an agent's stream came to: how it ended, the text so far, and its usage.
struct Consumed {
    outcome: ReplyOutcome,
    text: String,
    usage: Option<TokenUsage>,
    failure: Option<ErrorBody>,
}

impl Consumed {
    fn stopped(outcome: ReplyOutcome) -> Consumed {
        Consumed {
            outcome,
            text: String::new(),
            usage: None,
            failure: None,
        }
    }
}

/// Reads the agent's events until it finishes, fails, times out or is stopped, handing
/// each chunk to `deliver` (with whether it is the first); `deliver` returns false when
/// the client can no longer take chunks, which interrupts the reply.
///
/// A stream that ends or fails once the stop signal is set was stopped, not broken:
/// the token may be cancelled from another thread while the agent's stream is being
/// polled, so an agent that notices the cancel first (the echo agent's delay, an HTTP
/// stream dropped) ends with the stop's outcome, never as `agent_error`.
async fn consume(
    mut events: BoxStream<'static, Result<AgentEvent, AgentError>>,
    stop: &StopSignal,
    timeout: Duration,
    agent_name: &str,
    mut deliver: impl FnMut(String, bool) -> bool,
) -> Consumed {
    let mut text = String::new();
    let mut failure = None;
    let mut usage = None;
    let outcome = loop {
        let next = tokio::select! {
            biased;
            () = stop.token.cancelled() => break stop.outcome(),
            next = tokio::time::timeout(timeout, events.next()) => next,
        };
        match next {
            Ok(None | Some(Err(_))) if stop.token.is_cancelled() => break stop.outcome(),
            Ok(Some(Ok(AgentEvent::Chunk(chunk)))) => {
                let first = text.is_empty();
                text.push_str(&chunk);
                if !deliver(chunk, first) {
                    // The client is gone or not reading: stop the work too.
                    break ReplyOutcome::Interrupted;
                }
                // An agent whose chunks are always ready must not hold the thread.
                tokio::task::consume_budget().await;
            }
            Ok(Some(Ok(AgentEvent::Done(reported)))) => {
                usage = Some(reported);
                break ReplyOutcome::Completed;
            }
            Ok(Some(Err(err))) => {
                failure = Some(ErrorBody {
                    code: error_code(err.kind),
                    message: format!("agent `{agent_name}` failed: {}", err.message),
                });
                break ReplyOutcome::Failed;
            }
            Ok(None) => {
                failure = Some(ErrorBody {
                    code: ErrorCode::AgentError,
                    message: format!("agent `{agent_name}` ended its reply without finishing it"),
                });
                break ReplyOutcome::Failed;
            }
            Err(_) => {
                failure = Some(ErrorBody {
                    code: ErrorCode::AgentTimeout,
                    message: format!("agent `{agent_name}` sent nothing for {timeout:?}"),
                });
                break ReplyOutcome::Failed;
            }
        }
    };
    Consumed {
        outcome,
        text,
        usage,
        failure,
    }
}

fn error_code(kind: AgentErrorKind) -> ErrorCode {
    match kind {
        AgentErrorKind::Failed => ErrorCode::AgentError,
        AgentErrorKind::Timeout => ErrorCode::AgentTimeout,
        AgentErrorKind::Busy => ErrorCode::Busy,
        AgentErrorKind::RateLimited => ErrorCode::RateLimited,
    }
}

#[cfg(test)]
mod tests {
    use std::task::Poll;

    use futures::stream;

    use super::*;

    /// A stream of one chunk, then one that ends when polled, after `before_end` ran.
    fn one_chunk_then(
        before_end: impl FnMut() + Send + 'static,
        end: Option<Result<AgentEvent, AgentError>>,
    ) -> BoxStream<'static, Result<AgentEvent, AgentError>> {
        let mut before_end = before_end;
        let mut end = Some(end);
        stream::once(async { Ok(AgentEvent::Chunk("a".into())) })
            .chain(stream::poll_fn(move |_| {
                before_end();
                Poll::Ready(end.take().flatten())
            }))
            .boxed()
    }

    async fn run_to_end(
        events: BoxStream<'static, Result<AgentEvent, AgentError>>,
        stop: &StopSignal,
    ) -> Consumed {
        consume(events, stop, Duration::from_secs(5), "echo", |_, _| true).await
    }

    #[tokio::test]
    async fn a_stream_that_ends_on_a_stop_set_mid_poll_ends_with_the_stops_outcome() {
        // As when the connection drops on another thread while the agent is being polled
        // and the agent notices the cancel first.
        let stop = StopSignal::default();
        let signal = stop.clone();
        let events = one_chunk_then(move || signal.stop(ReplyOutcome::Interrupted), None);
        let consumed = run_to_end(events, &stop).await;
        assert_eq!(consumed.outcome, ReplyOutcome::Interrupted);
        assert!(consumed.failure.is_none(), "{:?}", consumed.failure);
        assert_eq!(consumed.text, "a");
    }

    #[tokio::test]
    async fn an_error_after_a_stop_is_the_stop_not_an_agent_error() {
        let stop = StopSignal::default();
        let signal = stop.clone();
        let error = AgentError::new(AgentErrorKind::Failed, "stream dropped");
        let events = one_chunk_then(
            move || signal.stop(ReplyOutcome::Cancelled),
            Some(Err(error)),
        );
        let consumed = run_to_end(events, &stop).await;
        assert_eq!(consumed.outcome, ReplyOutcome::Cancelled);
        assert!(consumed.failure.is_none(), "{:?}", consumed.failure);
    }

    #[tokio::test]
    async fn a_stream_that_ends_unfinished_without_a_stop_is_an_agent_error() {
        let stop = StopSignal::default();
        let consumed = run_to_end(one_chunk_then(|| {}, None), &stop).await;
        assert_eq!(consumed.outcome, ReplyOutcome::Failed);
        let failure = consumed.failure.expect("a failure");
        assert_eq!(failure.code, ErrorCode::AgentError);
        assert!(
            failure.message.contains("without finishing"),
            "{}",
            failure.message
        );
    }
}
