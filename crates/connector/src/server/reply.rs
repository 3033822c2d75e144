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
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::now_ms;
use super::outbound::Outbound;
use crate::agent::{Agent, AgentErrorKind, AgentEvent, AgentRequest};
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
    pub completed: Option<String>,
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
    let mut text = String::new();
    let mut usage: Option<TokenUsage> = None;
    let mut failure: Option<ErrorBody> = None;
    let outcome = if stop.token.is_cancelled() {
        stop.outcome()
    } else {
        let mut events = agent.reply(request, stop.token.clone());
        loop {
            let next = tokio::select! {
                biased;
                () = stop.token.cancelled() => break stop.outcome(),
                next = tokio::time::timeout(timeout, events.next()) => next,
            };
            match next {
                Ok(Some(Ok(AgentEvent::Chunk(chunk)))) => {
                    if text.is_empty() {
                        crate::metrics::first_chunk(&connector, &agent_name, received.elapsed());
                    }
                    text.push_str(&chunk);
                    let delivered = !streaming
                        || out.send(&ServerEvent::StreamChunk {
                            id: id.clone(),
                            agent: agent_name.clone(),
                            chunk,
                        });
                    if !delivered {
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
                        message: format!(
                            "agent `{agent_name}` ended its reply without finishing it"
                        ),
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
        }
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
    let completed = matches!(stored, Ok(ReplyStatus::Completed)).then(|| text.clone());
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

fn error_code(kind: AgentErrorKind) -> ErrorCode {
    match kind {
        AgentErrorKind::Failed => ErrorCode::AgentError,
        AgentErrorKind::Timeout => ErrorCode::AgentTimeout,
        AgentErrorKind::Busy => ErrorCode::Busy,
        AgentErrorKind::RateLimited => ErrorCode::RateLimited,
    }
}
