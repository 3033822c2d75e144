//! The way out to one client: a bounded queue of frames and the task that writes them.
//!
//! Producers (the session loop and its reply tasks) never wait on a client: they push
//! without blocking, and a full queue means the client is not reading. That fires the
//! `overflow` token, the writer gives up on what is queued, tries to send close 4006
//! and stops, and the session ends. So a client that does not read costs at most the
//! queue's frames plus the socket's write buffer, however long a reply runs.
//!
//! The queue is a `VecDeque` behind a mutex rather than a tokio channel: a bounded
//! `mpsc` channel allocates its first 32-slot block up front (about 1.6 KB with its
//! cache-padded state, per connection, idle or not), while a `VecDeque` holds only what
//! waits to be written (a few events, then nothing).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures::SinkExt;
use futures::stream::SplitSink;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::protocol::close::CloseReason;
use crate::protocol::server::ServerEvent;

/// A handle on one client's queue, cheap to clone. When the last handle is dropped,
/// the writer writes what is queued, closes the socket and ends.
#[derive(Debug)]
pub(super) struct Outbound {
    queue: Arc<Queue>,
}

#[derive(Debug)]
struct Queue {
    state: Mutex<State>,
    /// Wakes the writer: a frame was queued, or the last handle went.
    wake: Notify,
    overflow: CancellationToken,
    capacity: usize,
    connector: Arc<str>,
}

#[derive(Debug)]
struct State {
    frames: VecDeque<Outgoing>,
    /// Live [`Outbound`] handles.
    handles: usize,
    /// The writer has ended: nothing queued will be written.
    closed: bool,
}

impl State {
    fn pop(&mut self) -> Option<Outgoing> {
        let next = self.frames.pop_front()?;
        if self.frames.is_empty() && self.frames.capacity() > KEEP_CAPACITY {
            self.frames = VecDeque::new();
        }
        Some(next)
    }
}

#[derive(Debug)]
enum Outgoing {
    Frame(Message),
    /// Write a close frame, then stop.
    Close(CloseReason),
}

/// How long a close frame may take to go out before the socket is dropped anyway.
const CLOSE_WRITE_TIMEOUT: Duration = Duration::from_secs(1);

/// The most frames written with one flush: a reply whose chunks are always ready still
/// reaches the client as it goes.
const BURST: usize = 64;

/// A queue that once held more than this many frames gives the memory back when it
/// empties (a burst of chunks should not stay allocated for an idle connection).
const KEEP_CAPACITY: usize = 16;

impl Outbound {
    /// Starts the writer for `sink` with room for `capacity` frames.
    pub(super) fn spawn(
        sink: SplitSink<WebSocket, Message>,
        capacity: usize,
        connector: &str,
    ) -> (Outbound, JoinHandle<()>) {
        let queue = Arc::new(Queue {
            state: Mutex::new(State {
                frames: VecDeque::new(),
                handles: 1,
                closed: false,
            }),
            wake: Notify::new(),
            overflow: CancellationToken::new(),
            capacity,
            connector: connector.into(),
        });
        let writer = tokio::spawn(write(sink, queue.clone()));
        (Outbound { queue }, writer)
    }

    /// Queues `event`; false when the client is gone or too slow (then `overflow` fired).
    pub(super) fn send(&self, event: &ServerEvent) -> bool {
        if let ServerEvent::Error { code, .. } = event {
            crate::metrics::error(&self.queue.connector, *code);
        }
        let sent = self.push(Message::Text(event.to_json().into()));
        if sent {
            crate::metrics::message_out(&self.queue.connector, event.kind());
        }
        sent
    }

    /// Queues a WebSocket ping.
    pub(super) fn ping(&self) {
        self.push(Message::Ping(Default::default()));
    }

    fn push(&self, message: Message) -> bool {
        let mut state = self.queue.lock();
        if state.closed {
            return false;
        }
        if state.frames.len() >= self.queue.capacity {
            drop(state);
            self.queue.overflow.cancel();
            return false;
        }
        state.frames.push_back(Outgoing::Frame(message));
        drop(state);
        self.queue.wake.notify_one();
        true
    }

    /// Fires when the queue overflowed.
    pub(super) fn overflow(&self) -> &CancellationToken {
        &self.queue.overflow
    }

    /// Queues a close frame after everything already queued (even on a full queue: the
    /// writer stops after it).
    pub(super) fn close(&self, reason: CloseReason) {
        let mut state = self.queue.lock();
        if !state.closed {
            state.frames.push_back(Outgoing::Close(reason));
        }
        drop(state);
        self.queue.wake.notify_one();
    }
}

impl Clone for Outbound {
    fn clone(&self) -> Outbound {
        self.queue.lock().handles += 1;
        Outbound {
            queue: self.queue.clone(),
        }
    }
}

impl Drop for Outbound {
    fn drop(&mut self) {
        let mut state = self.queue.lock();
        state.handles -= 1;
        let last = state.handles == 0;
        drop(state);
        if last {
            self.queue.wake.notify_one();
        }
    }
}

impl Queue {
    fn lock(&self) -> MutexGuard<'_, State> {
        // The state stays consistent whatever panicked while holding it (each change
        // is one push, pop or count), so a poisoned lock is used as it is.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The next thing to write; `None` once the queue is empty and every handle is gone.
    async fn next(&self) -> Option<Outgoing> {
        loop {
            // A push between the look and the wait is not lost: `notify_one` with no
            // waiter leaves a permit, which this wait then takes.
            let woken = self.wake.notified();
            {
                let mut state = self.lock();
                if let Some(next) = state.pop() {
                    return Some(next);
                }
                if state.handles == 0 {
                    return None;
                }
            }
            woken.await;
        }
    }

    /// What is queued now, if anything, without waiting.
    fn try_next(&self) -> Option<Outgoing> {
        self.lock().pop()
    }

    /// The writer is done: later pushes fail and what is queued is dropped.
    fn shut(&self) {
        let mut state = self.lock();
        state.closed = true;
        state.frames = VecDeque::new();
    }
}

async fn write(mut sink: SplitSink<WebSocket, Message>, queue: Arc<Queue>) {
    write_queued(&mut sink, &queue).await;
    queue.shut();
}

async fn write_queued(sink: &mut SplitSink<WebSocket, Message>, queue: &Queue) {
    let overflow = &queue.overflow;
    let mut next = None;
    loop {
        let current = match next.take() {
            Some(current) => Some(current),
            None => tokio::select! {
                biased;
                () = overflow.cancelled() => break,
                next = queue.next() => next,
            },
        };
        match current {
            Some(Outgoing::Frame(message)) => {
                tokio::select! {
                    sent = write_burst(sink, message, queue) => match sent {
                        Ok(after) => next = after,
                        Err(_) => return,
                    },
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

/// Writes `first` and the frames queued behind it (up to [`BURST`]) with one flush, so
/// a turn's events (`ack`, `stream_start`, the chunks ready by then) leave in one write
/// rather than a system call and a TCP segment each. Returns a close that ended the
/// burst, to be written next.
async fn write_burst(
    sink: &mut SplitSink<WebSocket, Message>,
    first: Message,
    queue: &Queue,
) -> Result<Option<Outgoing>, axum::Error> {
    sink.feed(first).await?;
    let mut after = None;
    for _ in 1..BURST {
        match queue.try_next() {
            Some(Outgoing::Frame(message)) => sink.feed(message).await?,
            close => {
                after = close;
                break;
            }
        }
    }
    sink.flush().await?;
    Ok(after)
}

fn close_frame(reason: CloseReason) -> Message {
    Message::Close(Some(CloseFrame {
        code: reason.code(),
        reason: reason.text().into(),
    }))
}
