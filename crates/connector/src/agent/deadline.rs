//! The rules every real agent's reply stream follows, applied in one place.
//!
//! [`supervise`] wraps the raw events of an agent's worker and guarantees that the stream
//! ends after `Done` or after the first error, fails with `Timeout` when the first event
//! or the next one takes longer than the agent's `timeout`, and ends at once when the
//! caller's cancel fires. The worker watches a child token that is cancelled whenever
//! the stream ends or is dropped, so the work itself (an HTTP stream, a decode slot)
//! stops too, not only the sending.

use std::time::Duration;

use futures::StreamExt;
use futures::stream::{self, BoxStream};
use tokio_util::sync::{CancellationToken, DropGuard};

use super::{AgentError, AgentErrorKind, AgentEvent};

/// An agent's raw event stream.
pub type Events = BoxStream<'static, Result<AgentEvent, AgentError>>;

/// Wraps `events`, produced by a worker that watches `work` (a child of the caller's
/// cancel token), with the end, timeout and cancel rules above.
pub fn supervise(events: Events, work: CancellationToken, timeout: Duration) -> Events {
    let state = State {
        events: Some(events),
        first: true,
        watch: work.clone(),
        _guard: work.drop_guard(),
        timeout,
    };
    stream::unfold(state, |mut state| async move {
        let events = state.events.as_mut()?;
        let next = tokio::select! {
            biased;
            () = state.watch.cancelled() => None,
            next = tokio::time::timeout(state.timeout, events.next()) => Some(next),
        };
        let item = match next {
            None | Some(Ok(None)) => None,
            Some(Ok(Some(item))) => Some(item),
            Some(Err(_)) => {
                let what = if state.first {
                    "a first chunk"
                } else {
                    "the next chunk"
                };
                Some(Err(AgentError::new(
                    AgentErrorKind::Timeout,
                    format!("the agent sent no {what} within {:?}", state.timeout),
                )))
            }
        };
        state.first = false;
        match item {
            None => {
                state.stop();
                None
            }
            Some(item) => {
                if !matches!(item, Ok(AgentEvent::Chunk(_))) {
                    state.stop();
                }
                Some((item, state))
            }
        }
    })
    .boxed()
}

struct State {
    events: Option<Events>,
    first: bool,
    watch: CancellationToken,
    _guard: DropGuard,
    timeout: Duration,
}

impl State {
    /// Ends the stream and tells the worker to stop.
    fn stop(&mut self) {
        self.events = None;
        self.watch.cancel();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::usage::TokenUsage;

    fn chunk(text: &str) -> Result<AgentEvent, AgentError> {
        Ok(AgentEvent::Chunk(text.into()))
    }

    #[tokio::test]
    async fn ends_after_done_and_tells_the_worker() {
        let work = CancellationToken::new();
        let events = stream::iter([
            chunk("a"),
            Ok(AgentEvent::Done(TokenUsage::new(1, 1))),
            chunk("after done"),
        ])
        .boxed();
        let got: Vec<_> = supervise(events, work.clone(), Duration::from_secs(5))
            .collect()
            .await;
        assert_eq!(got.len(), 2);
        assert!(work.is_cancelled());
    }

    #[tokio::test]
    async fn a_silent_worker_times_out() {
        let work = CancellationToken::new();
        let events = stream::iter([chunk("a")]).chain(stream::pending()).boxed();
        let got: Vec<_> = supervise(events, work.clone(), Duration::from_millis(50))
            .collect()
            .await;
        assert_eq!(got[0], chunk("a"));
        let error = got[1].clone().unwrap_err();
        assert_eq!(error.kind, AgentErrorKind::Timeout);
        assert!(
            error.message.contains("the next chunk"),
            "{}",
            error.message
        );
        assert!(work.is_cancelled());
    }

    #[tokio::test]
    async fn cancel_ends_the_stream() {
        let caller = CancellationToken::new();
        let work = caller.child_token();
        let events = stream::pending().boxed();
        let mut supervised = supervise(events, work, Duration::from_secs(60));
        caller.cancel();
        assert!(supervised.next().await.is_none());
    }

    #[tokio::test]
    async fn dropping_the_stream_stops_the_worker() {
        let work = CancellationToken::new();
        let supervised = supervise(
            stream::pending().boxed(),
            work.clone(),
            Duration::from_secs(60),
        );
        drop(supervised);
        assert!(work.is_cancelled());
    }
}
