//! The way out to one client: a bounded queue of frames and the task that writes them.
//!
//! Producers (the session loop and its reply tasks) never wait on a client: they
//! `try_send`, and a full queue means the client is not reading. That fires the
//! `overflow` token, the writer gives up on what is queued, tries to send close 4006
//! and stops, and the session ends. So a client that does not read costs at most the
//! queue's frames plus the socket's write buffer, however long a reply runs.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures::SinkExt;
use futures::stream::SplitSink;
use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TrySendError;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::protocol::close::CloseReason;
use crate::protocol::server::ServerEvent;

/// A handle on one client's queue, cheap to clone.
#[derive(Debug, Clone)]
pub(super) struct Outbound {
    tx: mpsc::Sender<Outgoing>,
    overflow: CancellationToken,
    connector: Arc<str>,
}

#[derive(Debug)]
enum Outgoing {
    Frame(Message),
    /// Write a close frame, then stop.
    Close(CloseReason),
}

/// How long a close frame may take to go out before the socket is dropped anyway.
const CLOSE_WRITE_TIMEOUT: Duration = Duration::from_secs(1);

impl Outbound {
    /// Starts the writer for `sink` with room for `capacity` frames.
    pub(super) fn spawn(
        sink: SplitSink<WebSocket, Message>,
        capacity: usize,
        connector: &str,
    ) -> (Outbound, JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(capacity);
        let overflow = CancellationToken::new();
        let writer = tokio::spawn(write(sink, rx, overflow.clone()));
        let outbound = Outbound {
            tx,
            overflow,
            connector: connector.into(),
        };
        (outbound, writer)
    }

    /// Queues `event`; false when the client is gone or too slow (then `overflow` fired).
    pub(super) fn send(&self, event: &ServerEvent) -> bool {
        if let ServerEvent::Error { code, .. } = event {
            crate::metrics::error(&self.connector, *code);
        }
        let sent = self.push(Message::Text(event.to_json().into()));
        if sent {
            crate::metrics::message_out(&self.connector, event.kind());
        }
        sent
    }

    /// Queues a WebSocket ping.
    pub(super) fn ping(&self) {
        self.push(Message::Ping(Default::default()));
    }

    fn push(&self, message: Message) -> bool {
        match self.tx.try_send(Outgoing::Frame(message)) {
            Ok(()) => true,
            Err(TrySendError::Full(_)) => {
                self.overflow.cancel();
                false
            }
            Err(TrySendError::Closed(_)) => false,
        }
    }

    /// Fires when the queue overflowed.
    pub(super) fn overflow(&self) -> &CancellationToken {
        &self.overflow
    }

    /// Queues a close frame after everything already queued.
    pub(super) async fn close(&self, reason: CloseReason) {
        let _ =
            tokio::time::timeout(CLOSE_WRITE_TIMEOUT, self.tx.send(Outgoing::Close(reason))).await;
    }
}

async fn write(
    mut sink: SplitSink<WebSocket, Message>,
    mut rx: mpsc::Receiver<Outgoing>,
    overflow: CancellationToken,
) {
    loop {
        let next = tokio::select! {
            biased;
            () = overflow.cancelled() => break,
            next = rx.recv() => next,
        };
        match next {
            Some(Outgoing::Frame(message)) => {
                tokio::select! {
                    sent = sink.send(message) => if sent.is_err() { return },
                    () = overflow.cancelled() => break,
                }
            }
            Some(Outgoing::Close(reason)) => {
                let _ =
                    tokio::time::timeout(CLOSE_WRITE_TIMEOUT, sink.send(close_frame(reason))).await;
                return;
            }
            None => {
                let _ = tokio::time::timeout(CLOSE_WRITE_TIMEOUT, sink.close()).await;
                return;
            }
        }
    }
    tracing::info!("closing a client that does not read its events");
    let reason = CloseReason::SlowConsumer;
    let _ = tokio::time::timeout(CLOSE_WRITE_TIMEOUT, sink.send(close_frame(reason))).await;
}

fn close_frame(reason: CloseReason) -> Message {
    Message::Close(Some(CloseFrame {
        code: reason.code(),
        reason: reason.text().into(),
    }))
}
