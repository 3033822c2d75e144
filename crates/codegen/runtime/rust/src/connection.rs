//! The socket itself: a background task that owns the WebSocket, reconnects it with
//! backoff when it drops, and queues sends while it is away.
//!
//! # Contract
//! - [`Connection::open`] makes the first attempt itself and fails fast with its error.
//! - Every attempt asks [`Auth`] for the credential again; with
//!   [`Carrier::FirstMessage`] the credential message is the first frame on the socket.
//! - Sends are queued in order. A send made while the socket is reconnecting is written
//!   after the credential message of the next connection, before anything sent later.
//! - A drop the client did not ask for (server close, network error) starts
//!   reconnecting, unless [`ReconnectOptions::max_attempts`] is `0`. When every attempt
//!   fails, the receiver yields one [`Error::ReconnectFailed`] and then ends.
//! - A close frame with a code the request's spec table marks `reconnect: false`
//!   ([`Request::close_code`]) ends the socket for good: the receiver yields one
//!   [`Error::ServerClosed`] with the code, the reason and the spec's description, then
//!   ends. A normal close (1000) from the server ends it quietly.
//! - [`Connection::close`] (or dropping the connection) sends a close frame and ends the task.
//! - Received text frames are handed over as they are; decoding is the caller's job.
//!   With a [`Resume`](super::resume::Resume) on the request, each one is also shown to
//!   it, and the credential message of every attempt carries its latest value.

use std::collections::VecDeque;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::auth::{Auth, Carrier};
use super::backoff::{Jitter, ReconnectOptions};
use super::error::Error;
use super::request::Request;

/// Where the socket is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Open,
    /// The connection dropped; `attempt` (1-based) is the reconnect attempt under way.
    Reconnecting {
        attempt: u32,
    },
    Closed,
}

/// Everything one connection attempt needs.
#[derive(Debug, Clone)]
pub struct Target {
    pub request: Request,
    /// Client-wide headers, sent before the channel's own.
    pub headers: Vec<(String, String)>,
    /// The credential and where it goes; `None` for channels without auth.
    pub auth: Option<(Auth, Carrier)>,
    pub reconnect: ReconnectOptions,
}

/// A live, self-healing WebSocket carrying text frames.
#[derive(Debug)]
pub struct Connection {
    commands: mpsc::UnboundedSender<Command>,
    received: mpsc::UnboundedReceiver<Result<String, Error>>,
    status: watch::Receiver<Status>,
    task: Option<JoinHandle<()>>,
    resume: Option<super::resume::Resume>,
}

#[derive(Debug)]
enum Command {
    Send(String),
    Close,
}

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

impl Connection {
    /// Connects once (failing fast), then keeps the connection alive in the background.
    pub async fn open(target: Target) -> Result<Connection, Error> {
        let socket = attempt(&target).await?;
        let resume = target.request.resumes().cloned();
        let (commands, command_rx) = mpsc::unbounded_channel();
        let (received_tx, received) = mpsc::unbounded_channel();
        let (status_tx, status) = watch::channel(Status::Open);
        let task = Task {
            target,
            commands: command_rx,
            received: received_tx,
            status: status_tx,
            pending: VecDeque::new(),
        };
        let task = tokio::spawn(task.run(socket));
        Ok(Connection {
            commands,
            received,
            status,
            task: Some(task),
            resume,
        })
    }

    /// Queues one text frame; it is written as soon as the socket is open.
    pub fn send_text(&self, text: String) -> Result<(), Error> {
        self.commands
            .send(Command::Send(text))
            .map_err(|_| Error::Closed)
    }

    /// The next received text frame, or `None` once the socket is closed for good.
    pub async fn recv_text(&mut self) -> Option<Result<String, Error>> {
        self.received.recv().await
    }

    /// The polling form of [`recv_text`](Connection::recv_text), for `Stream` impls.
    pub fn poll_recv_text(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<String, Error>>> {
        self.received.poll_recv(cx)
    }

    /// The value the next (re)connect resumes with (a session id), if any yet.
    pub fn resume_value(&self) -> Option<String> {
        self.resume.as_ref().and_then(super::resume::Resume::value)
    }

    /// The current status.
    pub fn status(&self) -> Status {
        *self.status.borrow()
    }

    /// A receiver that sees every status change (e.g. to resume a session after a reconnect).
    pub fn watch_status(&self) -> watch::Receiver<Status> {
        self.status.clone()
    }

    /// Sends a close frame and waits for the background task to end.
    pub async fn close(&mut self) -> Result<(), Error> {
        let _ = self.commands.send(Command::Close);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        Ok(())
    }
}

/// One connection attempt: credential, handshake (bounded by the connect timeout) and,
/// for first-message auth, the credential message.
async fn attempt(target: &Target) -> Result<Socket, Error> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let credential = match &target.auth {
        Some((auth, carrier)) => Some((*carrier, auth.credential().await?)),
        None => None,
    };
    let credential_ref = credential.as_ref().map(|(c, v)| (*c, v.as_str()));
    let request = target.request.to_http(&target.headers, credential_ref)?;
    let timeout = target.reconnect.connect_timeout;
    let (mut socket, _) = tokio::time::timeout(timeout, tokio_tungstenite::connect_async(request))
        .await
        .map_err(|_| Error::Timeout { after: timeout })??;
    if let Some((Carrier::FirstMessage { field }, value)) = credential {
        let mut message = serde_json::Map::new();
        message.insert(field.to_owned(), value.into());
        let resume = target.request.resumes();
        if let Some((resume, session)) = resume.and_then(|r| r.value().map(|v| (r, v))) {
            message.insert(resume.field().to_owned(), session.into());
        }
        let text = serde_json::Value::Object(message).to_string();
        socket.send(Message::text(text)).await?;
    }
    Ok(socket)
}

/// Why the connected phase ended.
enum Ended {
    ByClient,
    /// The server ended it for good: `None` for a normal close, else why.
    ByServer(Option<Error>),
    Dropped(Error),
}

struct Task {
    target: Target,
    commands: mpsc::UnboundedReceiver<Command>,
    received: mpsc::UnboundedSender<Result<String, Error>>,
    status: watch::Sender<Status>,
    /// Sends not yet written, oldest first.
    pending: VecDeque<String>,
}

impl Task {
    async fn run(mut self, mut socket: Socket) {
        loop {
            let _ = self.status.send(Status::Open);
            let cause = match self.pump(&mut socket).await {
                Ended::ByClient | Ended::ByServer(None) => break,
                Ended::ByServer(Some(error)) => {
                    let _ = self.received.send(Err(error));
                    break;
                }
                Ended::Dropped(cause) => cause,
            };
            match self.reconnect(cause).await {
                Ok(Some(next)) => socket = next,
                Ok(None) => break,
                Err(error) => {
                    let _ = self.received.send(Err(error));
                    break;
                }
            }
        }
        let _ = self.status.send(Status::Closed);
    }

    /// Runs one connection: flushes the queue, then relays frames both ways.
    async fn pump(&mut self, socket: &mut Socket) -> Ended {
        while let Some(text) = self.pending.front() {
            if let Err(error) = socket.send(Message::text(text.clone())).await {
                return Ended::Dropped(error.into());
            }
            self.pending.pop_front();
        }
        loop {
            tokio::select! {
                frame = socket.next() => match frame {
                    Some(Ok(Message::Text(text))) => {
                        if let Some(resume) = self.target.request.resumes() {
                            resume.observe(text.as_str());
                        }
                        let _ = self.received.send(Ok(text.as_str().to_owned()));
                    }
                    Some(Ok(Message::Binary(bytes))) => {
                        let item = String::from_utf8(bytes.to_vec())
                            .map_err(|e| Error::NotText { len: e.as_bytes().len() });
                        let _ = self.received.send(item);
                    }
                    Some(Ok(Message::Close(Some(frame)))) => {
                        let code = u16::from(frame.code);
                        if code == 1000 {
                            return Ended::ByServer(None);
                        }
                        return match self.target.request.close_code_info(code) {
                            Some(info) if !info.reconnect => {
                                Ended::ByServer(Some(Error::ServerClosed {
                                    code,
                                    reason: frame.reason.as_str().to_owned(),
                                    description: info.description.clone(),
                                }))
                            }
                            _ => Ended::Dropped(Error::Closed),
                        };
                    }
                    Some(Ok(Message::Close(None))) | None => return Ended::Dropped(Error::Closed),
                    Some(Ok(_)) => {}
                    Some(Err(error)) => return Ended::Dropped(error.into()),
                },
                command = self.commands.recv() => match command {
                    Some(Command::Send(text)) => {
                        if let Err(error) = socket.send(Message::text(text.clone())).await {
                            self.pending.push_front(text);
                            return Ended::Dropped(error.into());
                        }
                    }
                    Some(Command::Close) | None => {
                        close(socket).await;
                        return Ended::ByClient;
                    }
                },
            }
        }
    }

    /// Tries to connect again with backoff. `Ok(None)` means the client closed meanwhile.
    async fn reconnect(&mut self, cause: Error) -> Result<Option<Socket>, Error> {
        let options = self.target.reconnect.clone();
        let mut jitter = Jitter::new();
        let mut last = cause;
        for attempt_no in 1..=options.max_attempts {
            let _ = self.status.send(Status::Reconnecting {
                attempt: attempt_no,
            });
            let delay = options.delay(attempt_no, jitter.sample());
            if !self.queue_for(delay).await {
                return Ok(None);
            }
            let target = self.target.clone();
            let connecting = attempt(&target);
            tokio::pin!(connecting);
            loop {
                tokio::select! {
                    result = &mut connecting => match result {
                        Ok(socket) => return Ok(Some(socket)),
                        Err(error) => {
                            last = error;
                            break;
                        }
                    },
                    command = self.commands.recv() => if !self.queue(command) {
                        return Ok(None);
                    },
                }
            }
        }
        if options.max_attempts == 0 {
            return Err(last);
        }
        Err(Error::ReconnectFailed {
            attempts: options.max_attempts,
            last: Box::new(last),
        })
    }

    /// Waits `delay` while queueing sends; false when the client closed meanwhile.
    async fn queue_for(&mut self, delay: Duration) -> bool {
        let sleep = tokio::time::sleep(delay);
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                () = &mut sleep => return true,
                command = self.commands.recv() => if !self.queue(command) {
                    return false;
                },
            }
        }
    }

    /// Queues a send; false for a close (or a dropped connection handle).
    fn queue(&mut self, command: Option<Command>) -> bool {
        match command {
            Some(Command::Send(text)) => {
                self.pending.push_back(text);
                true
            }
            Some(Command::Close) | None => false,
        }
    }
}

/// Sends a close frame and waits briefly for the server's reply.
async fn close(socket: &mut Socket) {
    if socket.close(None).await.is_err() {
        return;
    }
    let drain = async { while let Some(Ok(_)) = socket.next().await {} };
    let _ = tokio::time::timeout(Duration::from_secs(2), drain).await;
}
