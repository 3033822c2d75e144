//! One WebSocket connection: auth, the session it serves, and the turns of that
//! session, in a single loop that owns all of the connection's state.
//!
//! The loop waits on the client's frames, on its reply tasks finishing, and on its
//! timers (auth deadline, idle expiry, keepalive pings), and on the server draining.
//! A turn is one user message and the replies of its agents; one turn runs at a time
//! and later messages wait in a bounded queue (or get `busy`). Everything that must
//! hold across nodes (message numbers, `max_messages`) is decided by the store.
//!
//! Closing is always the same path ([`Session::finish`]): stop what runs with the
//! right outcome, wait until every reply is stored and its end event queued, then the
//! close frame, then the socket.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ws::{Message, WebSocket};
use futures::StreamExt;
use futures::stream::SplitStream;
use serde_json::Value;
use tokio::sync::{OwnedSemaphorePermit, mpsc};
use tokio::task::JoinHandle;

use super::history::History;
use super::outbound::Outbound;
use super::reply::{self, ReplyDone, ReplyJob, StopSignal};
use super::{ConnectorState, now_ms};
use crate::agent::{AgentRequest, Turn};
use crate::config::BusyPolicy;
use crate::protocol::ErrorCode;
use crate::protocol::client::{self, ChatMessage, ClientMessage};
use crate::protocol::close::CloseReason;
use crate::protocol::server::{InterruptedReply, ReplyOutcome, ServerEvent};
use crate::store::StoreError;

/// How the handshake left the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Opening {
    /// No secret yet: the first message must bring one.
    AwaitAuth,
    /// A valid secret came with the handshake, or the connector needs none.
    Authenticated,
    /// The handshake brought a wrong secret.
    Rejected,
}

/// How long a closing session waits for its replies to be stored.
const STOP_WAIT: Duration = Duration::from_secs(5);

pub(super) async fn run(
    socket: WebSocket,
    connector: Arc<ConnectorState>,
    opening: Opening,
    resume: Option<String>,
    slot: OwnedSemaphorePermit,
) {
    crate::metrics::connection_opened();
    let (sink, frames) = socket.split();
    let config = &connector.config;
    let (out, writer) = Outbound::spawn(sink, config.outbound_queue, &config.name);
    let (done_tx, done_rx) = mpsc::unbounded_channel();
    let mut session = Session {
        connector: connector.clone(),
        out,
        session_id: None,
        running: HashMap::new(),
        active: None,
        queue: VecDeque::new(),
        closing: None,
        last_heard: Instant::now(),
        last_activity: Instant::now(),
        done_tx,
        done_rx,
        history: None,
    };
    let end = session.drive(frames, opening, resume).await;
    // Boxed, like every handler `drive` awaits: a task's future is allocated at the
    // size of its largest state, and an idle connection should not pay for the store
    // calls of a closing one (see `drive`).
    Box::pin(session.finish(end, writer)).await;
    crate::metrics::connection_closed();
    drop(slot);
}

/// Why the loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// Close with this reason.
    Close(CloseReason),
    /// The client closed or vanished; nothing more can be sent.
    Gone,
}

struct Session {
    connector: Arc<ConnectorState>,
    out: Outbound,
    /// Set once authenticated.
    session_id: Option<String>,
    /// Turns with replies still running, by message id.
    running: HashMap<String, Running>,
    /// The message id of the turn being answered (queued turns wait for it).
    active: Option<String>,
    queue: VecDeque<PendingTurn>,
    /// Set when the session must close once its running turns have ended.
    closing: Option<CloseReason>,
    /// The last frame of any kind from the client, for keepalive.
    last_heard: Instant,
    /// The last message or finished turn, for `session_timeout`.
    last_activity: Instant,
    done_tx: mpsc::UnboundedSender<ReplyDone>,
    done_rx: mpsc::UnboundedReceiver<ReplyDone>,
    /// The session's history since its first turn on this connection; `None` until then,
    /// and again once it may miss another connection's messages.
    history: Option<History>,
}

struct Running {
    stop: StopSignal,
    remaining: usize,
}

/// An acknowledged message whose replies have not started.
struct PendingTurn {
    id: String,
    number: u32,
    message: String,
    context: Option<Value>,
    agents: Vec<String>,
    received: Instant,
}

impl Session {
    /// The connection's loop, until it must end. Every handler it awaits is boxed, so
    /// the loop's own future (which is most of the session task's, allocated for the
    /// connection's life) holds only the `select!` of an idle connection; inlined, the
    /// store calls under `on_frame` made it about 18 KB per connection (a heaptrack of
    /// `duplex bench idle`, `docs/benchmarks.md`). One allocation per frame is the price.
    async fn drive(
        &mut self,
        mut frames: SplitStream<WebSocket>,
        opening: Opening,
        resume: Option<String>,
    ) -> End {
        let connector = self.connector.clone();
        let config = &connector.config;
        let shared = &connector.shared;
        match opening {
            Opening::Rejected => {
                self.error(
                    None,
                    ErrorCode::Unauthorized,
                    "the secret is not valid for this connector",
                );
                return End::Close(CloseReason::Unauthorized);
            }
            Opening::Authenticated => {
                if let Err(end) = Box::pin(self.open(resume)).await {
                    return end;
                }
            }
            Opening::AwaitAuth => {}
        }
        let auth_deadline = tokio::time::Instant::now() + config.auth_timeout;
        let mut pings = tokio::time::interval_at(
            tokio::time::Instant::now() + config.ping_interval,
            config.ping_interval,
        );
        loop {
            if self.closing.is_some() && self.is_idle() {
                return End::Close(self.closing.unwrap_or(CloseReason::GoingAway));
            }
            let expires =
                tokio::time::Instant::from_std(self.last_activity + config.session_timeout);
            let may_expire = self.session_id.is_some() && self.is_idle() && self.closing.is_none();
            tokio::select! {
                frame = frames.next() => {
                    self.last_heard = Instant::now();
                    if let Some(end) = Box::pin(self.on_frame(frame)).await {
                        return end;
                    }
                }
                Some(done) = self.done_rx.recv() => Box::pin(self.on_reply_done(done)).await,
                _ = pings.tick() => {
                    if self.last_heard.elapsed() > config.ping_timeout {
                        tracing::info!(session_id = ?self.session_id, "closing a peer that answers no pings");
                        return End::Close(CloseReason::PingTimeout);
                    }
                    self.out.ping();
                }
                () = tokio::time::sleep_until(auth_deadline), if self.session_id.is_none() => {
                    let message = format!(
                        "no valid auth within {:?}; send {{\"secret\": \"...\"}} as the first message",
                        config.auth_timeout
                    );
                    self.error(None, ErrorCode::AuthTimeout, message);
                    return End::Close(CloseReason::AuthTimeout);
                }
                () = tokio::time::sleep_until(expires), if may_expire => {
                    let message = format!(
                        "the session was idle for {:?}; reconnect for a new session",
                        config.session_timeout
                    );
                    self.error(None, ErrorCode::SessionExpired, message);
                    return End::Close(CloseReason::SessionExpired);
                }
                () = self.out.overflow().cancelled() => return End::Close(CloseReason::SlowConsumer),
                () = shared.draining.cancelled(), if self.closing.is_none() => {
                    self.closing = Some(CloseReason::GoingAway);
                }
                () = shared.hard_stop.cancelled() => return End::Close(CloseReason::GoingAway),
            }
        }
    }

    /// Handles one frame (or the end of the stream); `Some` ends the loop.
    async fn on_frame(&mut self, frame: Option<Result<Message, axum::Error>>) -> Option<End> {
        let message = match frame {
            None | Some(Ok(Message::Close(_))) => return Some(End::Gone),
            Some(Err(err)) => {
                if is_too_large(err) {
                    let limit = self.connector.config.max_message_size;
                    self.error(
                        None,
                        ErrorCode::MessageTooLarge,
                        format!("a frame was larger than this connector's limit of {limit} bytes; send shorter messages"),
                    );
                    return Some(End::Close(CloseReason::MessageTooLarge));
                }
                return Some(End::Gone);
            }
            Some(Ok(message)) => message,
        };
        let text = match message {
            Message::Text(text) => text,
            Message::Binary(_) => {
                crate::metrics::message_in(&self.connector.config.name, "binary");
                self.error(
                    None,
                    ErrorCode::InvalidMessage,
                    "binary frames are not accepted; send JSON in text frames",
                );
                return None;
            }
            Message::Ping(_) | Message::Pong(_) | Message::Close(_) => return None,
        };
        let decoded = client::decode(text.as_str());
        let kind = match &decoded {
            Ok(ClientMessage::Hello { .. }) => "auth",
            Ok(ClientMessage::Message(_)) => "message",
            Ok(ClientMessage::Cancel { .. }) => "cancel",
            Ok(ClientMessage::Ping { .. }) => "ping",
            Ok(ClientMessage::History) => "history",
            Err(_) => "invalid",
        };
        crate::metrics::message_in(&self.connector.config.name, kind);
        match decoded {
            Err(err) => {
                self.error(err.id, err.code, err.message);
                None
            }
            Ok(ClientMessage::Hello { secret, session_id }) => {
                self.on_hello(secret, session_id).await
            }
            Ok(_) if self.session_id.is_none() => {
                self.error(
                    None,
                    ErrorCode::Unauthorized,
                    "authenticate first: send {\"secret\": \"...\"} as the first message",
                );
                Some(End::Close(CloseReason::Unauthorized))
            }
            Ok(ClientMessage::Message(chat)) => self.on_message(chat).await,
            Ok(ClientMessage::Cancel { id }) => {
                self.on_cancel(id);
                None
            }
            Ok(ClientMessage::Ping { id }) => {
                self.out.send(&ServerEvent::Pong { id });
                None
            }
            Ok(ClientMessage::History) => {
                self.on_history().await;
                None
            }
        }
    }

    async fn on_hello(&mut self, secret: Option<String>, requested: Option<String>) -> Option<End> {
        let config = &self.connector.config;
        if config.require_auth && (self.session_id.is_none() || secret.is_some()) {
            let valid = secret
                .as_deref()
                .is_some_and(|secret| config.secrets.iter().any(|known| known.matches(secret)));
            if !valid {
                let message = if secret.is_some() {
                    "the secret is not valid for this connector"
                } else {
                    "this connector requires auth: send {\"secret\": \"...\"}"
                };
                self.error(None, ErrorCode::Unauthorized, message);
                return Some(End::Close(CloseReason::Unauthorized));
            }
        }
        if let Some(current) = self.session_id.clone() {
            match requested {
                Some(requested) if requested != current => {
                    if !self.is_idle() {
                        self.error(
                            None,
                            ErrorCode::Busy,
                            "a reply is still running; wait for it (or cancel it) before resuming another session",
                        );
                        return None;
                    }
                    crate::metrics::session_ended(&self.connector.config.name);
                    self.session_id = None;
                    return self.open(Some(requested)).await.err();
                }
                requested => {
                    self.out.send(&ServerEvent::Connected {
                        session_id: current,
                        agents: self.connector.config.agents.clone(),
                        resumed: requested.is_some(),
                        interrupted: Vec::new(),
                    });
                    return None;
                }
            }
        }
        self.open(requested).await.err()
    }

    /// Resumes `requested` when it is live on this connector, else starts a new
    /// session, and sends `connected`.
    async fn open(&mut self, requested: Option<String>) -> Result<(), End> {
        match self.open_in_store(requested).await {
            Ok((session_id, resumed, interrupted)) => {
                tracing::info!(connector = %self.connector.config.name, %session_id, resumed, "session open");
                crate::metrics::session_started(&self.connector.config.name, resumed);
                self.session_id = Some(session_id.clone());
                self.history = None;
                self.last_activity = Instant::now();
                self.out.send(&ServerEvent::Connected {
                    session_id,
                    agents: self.connector.config.agents.clone(),
                    resumed,
                    interrupted,
                });
                Ok(())
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot open a session in the store");
                self.error(
                    None,
                    ErrorCode::Internal,
                    "the session store is unavailable; try again shortly",
                );
                Err(End::Close(CloseReason::Internal))
            }
        }
    }

    async fn open_in_store(
        &self,
        requested: Option<String>,
    ) -> Result<(String, bool, Vec<InterruptedReply>), StoreError> {
        let store = &self.connector.shared.store;
        let config = &self.connector.config;
        let now = now_ms();
        if let Some(id) = requested
            && let Some(record) = store.get_session(&id).await?
        {
            let timeout_ms = i64::try_from(config.session_timeout.as_millis()).unwrap_or(i64::MAX);
            if record.connector == config.path && now - record.last_active_ms <= timeout_ms {
                let interrupted = store
                    .mark_interrupted(&id)
                    .await?
                    .into_iter()
                    .map(|(id, agent)| InterruptedReply { id, agent })
                    .collect();
                store.touch_session(&id, now).await?;
                return Ok((id, true, interrupted));
            }
        }
        let id = uuid::Uuid::new_v4().to_string();
        store.create_session(&id, &config.path, now).await?;
        Ok((id, false, Vec::new()))
    }

    async fn on_message(&mut self, chat: ChatMessage) -> Option<End> {
        let session_id = self.session_id.clone()?;
        let config = self.connector.config.clone();
        let id = chat.id;
        match self.closing {
            Some(CloseReason::SessionLimitReached) => {
                self.error(
                    id,
                    ErrorCode::SessionLimitReached,
                    "this session reached its message limit; start a new session",
                );
                return None;
            }
            Some(_) => {
                self.error(
                    id,
                    ErrorCode::Busy,
                    "the server is shutting down; reconnect and resume this session",
                );
                return None;
            }
            None => {}
        }
        let agents = match chat.agent {
            Some(agent) if config.agents.contains(&agent) => vec![agent],
            Some(agent) => {
                let message = format!(
                    "no agent `{agent}` on this connector; use one of: {}",
                    config.agents.join(", ")
                );
                self.error(id, ErrorCode::UnknownAgent, message);
                return None;
            }
            None => config.agents.clone(),
        };
        // A reply queues its end event and then reports itself done: settle the reports
        // already sent, so a message sent right after an end never finds the turn running.
        while let Ok(done) = self.done_rx.try_recv() {
            self.on_reply_done(done).await;
        }
        if !self.is_idle() || self.active.is_some() {
            let refusal = match config.when_busy {
                BusyPolicy::Reject => {
                    Some("a reply is still running; wait for its end or cancel it".to_owned())
                }
                BusyPolicy::Queue if self.queue.len() >= config.max_queued => Some(format!(
                    "{} messages are already waiting; wait for a reply to end",
                    self.queue.len()
                )),
                BusyPolicy::Queue => None,
            };
            if let Some(message) = refusal {
                self.error(id, ErrorCode::Busy, message);
                return None;
            }
        }
        let id = id.unwrap_or_else(|| format!("msg-{}", uuid::Uuid::new_v4().simple()));
        let context = chat.context.map(Value::Object);
        // The message and the claims on its replies are one transaction: from the ack on,
        // every reply it is owed is on record (`streaming`), so if this node dies a resume
        // anywhere reports them as interrupted; and of two copies of one message racing
        // (a resend after a reconnect), exactly one is answered.
        let recorded = self
            .connector
            .shared
            .store
            .accept_message(
                &session_id,
                &id,
                &chat.message,
                context.as_ref(),
                &agents,
                config.max_messages,
                now_ms(),
            )
            .await;
        let (number, claimed) = match recorded {
            Ok(Some(accepted)) => {
                if let Some(history) = &mut self.history
                    && !history.accepted(accepted.number, &id, &chat.message)
                {
                    self.history = None;
                }
                (accepted.number, accepted.claimed)
            }
            Ok(None) => {
                let message = format!(
                    "this session reached its limit of {} messages; start a new session",
                    config.max_messages
                );
                self.error(Some(id), ErrorCode::SessionLimitReached, message);
                self.closing = Some(CloseReason::SessionLimitReached);
                return None;
            }
            Err(err) => {
                tracing::error!(error = %err, %session_id, "cannot store a user message");
                self.error(
                    Some(id),
                    ErrorCode::Internal,
                    "the message could not be stored; send it again",
                );
                return None;
            }
        };
        self.out.send(&ServerEvent::Ack {
            id: id.clone(),
            message_number: number,
        });
        if self.running.contains_key(&id) || self.queue.iter().any(|turn| turn.id == id) {
            let message = format!(
                "the message `{id}` is already being answered; give each new message its own id, or none"
            );
            self.error(Some(id), ErrorCode::InvalidMessage, message);
            return None;
        }
        if claimed.is_empty() {
            // A resend (say, after a reconnect): same ack, no second answer.
            return self.already_answered(id);
        }
        self.last_activity = Instant::now();
        let turn = PendingTurn {
            id,
            number,
            message: chat.message,
            context,
            agents: claimed,
            received: Instant::now(),
        };
        if self.active.is_none() {
            self.start(turn).await;
        } else {
            self.queue.push_back(turn);
        }
        None
    }

    /// Refuses a message whose replies another copy of it already started.
    fn already_answered(&self, id: String) -> Option<End> {
        let message = format!(
            "the message `{id}` was already answered; its replies are in the session history. Give each new message its own id, or none"
        );
        self.error(Some(id), ErrorCode::InvalidMessage, message);
        None
    }

    /// Sends the session's stored history (the web page shows it again after a reload).
    async fn on_history(&mut self) {
        let Some(session_id) = self.session_id.clone() else {
            return;
        };
        match self.connector.shared.store.history(&session_id).await {
            Ok(entries) => {
                self.out.send(&ServerEvent::History {
                    session_id,
                    entries,
                });
            }
            Err(err) => {
                tracing::error!(error = %err, %session_id, "cannot read the history");
                self.error(
                    None,
                    ErrorCode::Internal,
                    "the history could not be read; try again",
                );
            }
        }
    }

    fn on_cancel(&mut self, id: String) {
        if let Some(running) = self.running.get(&id) {
            running.stop.stop(ReplyOutcome::Cancelled);
        } else if let Some(position) = self.queue.iter().position(|turn| turn.id == id) {
            let turn = self.queue.remove(position).expect("the position exists");
            self.spawn_replies(turn, Arc::from([]), Some(ReplyOutcome::Cancelled));
        } else {
            tracing::debug!(message_id = %id, "cancel for a message with no reply running");
        }
    }

    async fn on_reply_done(&mut self, done: ReplyDone) {
        if let (Some(history), Some(text)) = (&mut self.history, done.completed) {
            history.completed(&done.message_id, done.agent, text);
        }
        let Some(running) = self.running.get_mut(&done.message_id) else {
            return;
        };
        running.remaining -= 1;
        if running.remaining > 0 {
            return;
        }
        self.running.remove(&done.message_id);
        if self.active.as_deref() != Some(done.message_id.as_str()) {
            return;
        }
        self.active = None;
        // `finish_reply` recorded the activity in the store.
        self.last_activity = Instant::now();
        if let Some(next) = self.queue.pop_front() {
            self.start(next).await;
        }
    }

    /// Starts answering `turn` with the session's history (read from the store at the
    /// first turn, kept since).
    async fn start(&mut self, turn: PendingTurn) {
        if self.history.is_none() {
            let store = &self.connector.shared.store;
            let session_id = self.session_id.clone().unwrap_or_default();
            match store.history(&session_id).await {
                Ok(entries) => self.history = Some(History::from_store(entries)),
                Err(err) => {
                    tracing::error!(error = %err, %session_id, "cannot read the history; answering without it");
                }
            }
        }
        let history = self
            .history
            .as_ref()
            .map_or_else(|| Arc::from([]), |history| history.before(turn.number));
        self.active = Some(turn.id.clone());
        self.spawn_replies(turn, history, None);
    }

    /// Starts one reply task per agent of `turn`; with `stopped`, they end at once
    /// with that outcome (a queued turn cancelled or interrupted before it started).
    fn spawn_replies(
        &mut self,
        turn: PendingTurn,
        history: Arc<[Turn]>,
        stopped: Option<ReplyOutcome>,
    ) {
        let stop = StopSignal::default();
        if let Some(outcome) = stopped {
            stop.stop(outcome);
        }
        let shared = &self.connector.shared;
        let config = &self.connector.config;
        let session_id = self.session_id.clone().unwrap_or_default();
        let mut spawned = 0;
        for agent_name in &turn.agents {
            let (Some(agent), Some(timeout)) = (
                shared.agents.get(agent_name),
                shared.agent_timeouts.get(agent_name),
            ) else {
                continue;
            };
            if config.streaming {
                self.out.send(&ServerEvent::StreamStart {
                    id: turn.id.clone(),
                    agent: agent_name.clone(),
                });
            }
            let job = ReplyJob {
                store: shared.store.clone(),
                out: self.out.clone(),
                connector: config.name.as_str().into(),
                streaming: config.streaming,
                agent_name: agent_name.clone(),
                agent: agent.clone(),
                timeout: *timeout,
                request: AgentRequest {
                    session_id: session_id.clone(),
                    message_id: turn.id.clone(),
                    message: turn.message.clone(),
                    context: turn.context.clone(),
                    history: history.clone(),
                },
                stop: stop.clone(),
                received: turn.received,
                done: self.done_tx.clone(),
            };
            shared.sessions.spawn(reply::run(job));
            spawned += 1;
        }
        if spawned > 0 {
            self.running.insert(
                turn.id,
                Running {
                    stop,
                    remaining: spawned,
                },
            );
        }
    }

    fn is_idle(&self) -> bool {
        self.running.is_empty() && self.queue.is_empty()
    }

    fn error(&self, id: Option<String>, code: ErrorCode, message: impl Into<String>) {
        self.out.send(&ServerEvent::error(id, code, message));
    }

    /// Ends the connection: interrupts what runs, waits for it to be stored, sends the
    /// close frame and lets the writer finish.
    async fn finish(mut self, end: End, writer: JoinHandle<()>) {
        for running in self.running.values() {
            running.stop.stop(ReplyOutcome::Interrupted);
        }
        self.active = None;
        while let Some(turn) = self.queue.pop_front() {
            self.spawn_replies(turn, Arc::from([]), Some(ReplyOutcome::Interrupted));
        }
        let waited = tokio::time::timeout(STOP_WAIT, async {
            while !self.running.is_empty() {
                let Some(done) = self.done_rx.recv().await else {
                    break;
                };
                self.on_reply_done(done).await;
            }
        })
        .await;
        if waited.is_err() {
            tracing::error!(session_id = ?self.session_id, "replies did not stop in time; closing anyway");
        }
        if let End::Close(reason) = end
            && reason != CloseReason::SlowConsumer
        {
            self.out.close(reason);
        }
        if self.session_id.is_some() {
            crate::metrics::session_ended(&self.connector.config.name);
        }
        drop(self.out);
        let _ = tokio::time::timeout(Duration::from_secs(2), writer).await;
    }
}

/// Whether a read failed because a frame or message was over the size limit.
fn is_too_large(err: axum::Error) -> bool {
    let inner = err.into_inner();
    matches!(
        inner.downcast_ref::<tungstenite::Error>(),
        Some(tungstenite::Error::Capacity(_))
    )
}
