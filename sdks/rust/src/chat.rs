//! The `chat` channel, at `/ws`.
//!
//! One WebSocket connection is one session at a time. With `require_auth` on (the
//! default), the secret comes in the query (`?secret=`), in a header
//! (`X-Connic-Secret` or `Authorization: Bearer`), or as the first message (`auth`).

/// How to connect to `chat`: its path parameters, query and headers.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChatConnect {
    /// Connect to this path instead of `/ws`, for a channel mounted elsewhere
    /// (`/chat/support`); relative to the client's base URL.
    pub address: ::std::option::Option<::std::string::String>,
    /// Resumes this `session_id` (from an earlier `connected` message) on the first connect.
    /// Later reconnects always resume the latest one by themselves.
    pub session_id: ::std::option::Option<::std::string::String>,
    /// The connector's secret, instead of sending it as the first message.
    /// Sent as the query parameter `secret`.
    pub secret: ::std::option::Option<::std::string::String>,
    /// The connector's secret.
    /// Sent as the header parameter `X-Connic-Secret`.
    pub x_connic_secret: ::std::option::Option<::std::string::String>,
    /// `Bearer <secret>`.
    /// Sent as the header parameter `Authorization`.
    pub authorization: ::std::option::Option<::std::string::String>,
}

/// A message the server sends on `chat`.
#[derive(Debug, Clone, PartialEq)]
pub enum ChatServerMessage {
    /// The session is ready.
    Connected(crate::types::Connected),
    /// The answer to `ping`.
    Pong(crate::types::Pong),
    /// The session's stored history, oldest first.
    History(crate::types::History),
    /// The message was received and stored, with its number in the session.
    Ack(crate::types::Ack),
    /// An agent starts its streamed reply.
    StreamStart(crate::types::StreamStart),
    /// The next piece of an agent's streamed reply.
    StreamChunk(crate::types::StreamChunk),
    /// An agent's streamed reply ended, with its full text and token usage.
    StreamEnd(crate::types::StreamEnd),
    /// An agent's whole reply, when the connector does not stream.
    Response(crate::types::Response),
    /// Something went wrong; `code` says what, `retryable` whether to try again.
    Error(crate::types::Error),
    /// A message this SDK does not recognise, as it was received.
    Unknown(::serde_json::Value),
}

impl ChatServerMessage {
    /// Reads one received text frame.
    pub fn from_json(text: &str) -> ::serde_json::Result<Self> {
        let value: ::serde_json::Value = ::serde_json::from_str(text)?;
        Self::from_value(value)
    }

    /// Tells an already parsed message apart.
    pub fn from_value(value: ::serde_json::Value) -> ::serde_json::Result<Self> {
        match crate::runtime::wire::tag(&value, "type") {
            Some("connected") => crate::runtime::wire::variant(value, Self::Connected),
            Some("pong") => crate::runtime::wire::variant(value, Self::Pong),
            Some("history") => crate::runtime::wire::variant(value, Self::History),
            Some("ack") => crate::runtime::wire::variant(value, Self::Ack),
            Some("stream_start") => crate::runtime::wire::variant(value, Self::StreamStart),
            Some("stream_chunk") => crate::runtime::wire::variant(value, Self::StreamChunk),
            Some("stream_end") => crate::runtime::wire::variant(value, Self::StreamEnd),
            Some("response") => crate::runtime::wire::variant(value, Self::Response),
            Some("error") => crate::runtime::wire::variant(value, Self::Error),
            _ => Ok(Self::Unknown(value)),
        }
    }

    /// The message if it is a `connected`, else `None`.
    pub fn into_connected(self) -> ::std::option::Option<crate::types::Connected> {
        match self {
            Self::Connected(message) => Some(message),
            _ => None,
        }
    }

    /// The message if it is a `pong`, else `None`.
    pub fn into_pong(self) -> ::std::option::Option<crate::types::Pong> {
        match self {
            Self::Pong(message) => Some(message),
            _ => None,
        }
    }

    /// The message if it is a `history`, else `None`.
    pub fn into_history(self) -> ::std::option::Option<crate::types::History> {
        match self {
            Self::History(message) => Some(message),
            _ => None,
        }
    }

    /// The message if it is a `ack`, else `None`.
    pub fn into_ack(self) -> ::std::option::Option<crate::types::Ack> {
        match self {
            Self::Ack(message) => Some(message),
            _ => None,
        }
    }

    /// The message if it is a `streamStart`, else `None`.
    pub fn into_stream_start(self) -> ::std::option::Option<crate::types::StreamStart> {
        match self {
            Self::StreamStart(message) => Some(message),
            _ => None,
        }
    }

    /// The message if it is a `streamChunk`, else `None`.
    pub fn into_stream_chunk(self) -> ::std::option::Option<crate::types::StreamChunk> {
        match self {
            Self::StreamChunk(message) => Some(message),
            _ => None,
        }
    }

    /// The message if it is a `streamEnd`, else `None`.
    pub fn into_stream_end(self) -> ::std::option::Option<crate::types::StreamEnd> {
        match self {
            Self::StreamEnd(message) => Some(message),
            _ => None,
        }
    }

    /// The message if it is a `response`, else `None`.
    pub fn into_response(self) -> ::std::option::Option<crate::types::Response> {
        match self {
            Self::Response(message) => Some(message),
            _ => None,
        }
    }

    /// The message if it is a `error`, else `None`.
    pub fn into_error(self) -> ::std::option::Option<crate::types::Error> {
        match self {
            Self::Error(message) => Some(message),
            _ => None,
        }
    }
}

impl ::std::str::FromStr for ChatServerMessage {
    type Err = ::serde_json::Error;

    /// Reads one received text frame, as [`from_json`](Self::from_json) does.
    fn from_str(text: &str) -> ::serde_json::Result<Self> {
        Self::from_json(text)
    }
}

/// The `chat` channel of a [`Client`](crate::Client).
#[derive(Debug, Clone)]
pub struct ChatChannel {
    client: crate::Client,
}

impl crate::Client {
    /// The `chat` channel.
    pub fn chat(&self) -> ChatChannel {
        let client = self.clone();
        ChatChannel { client }
    }
}

impl ChatChannel {
    /// Opens the socket. The first attempt's failure is returned as it is;
    /// later drops reconnect as the client's [`ReconnectOptions`](crate::ReconnectOptions) say.
    pub async fn connect(
        &self,
        params: ChatConnect,
    ) -> ::std::result::Result<ChatSocket, crate::Error> {
        let named = ::std::option::Option::None;
        let base_url = self.client.base_url(named)?;
        let mut request = crate::runtime::Request::new(&base_url);
        request.path("/ws");
        request.query("secret", &params.secret)?;
        request.header("X-Connic-Secret", &params.x_connic_secret)?;
        request.header("Authorization", &params.authorization)?;
        request.address(params.address.as_deref())?;
        request.resume(crate::runtime::Resume::new(
            ::std::option::Option::Some(("type", "connected")),
            "session_id",
            "session_id",
            params.session_id.clone(),
        ));
        request.close_code(
            1000,
            false,
            "Normal closure; the client closed and the server answered.",
        );
        request.close_code(
            1001,
            true,
            "The server is shutting down; resume on another node or when it is back.",
        );
        request.close_code(
            4001,
            false,
            "The secret was missing or wrong; fix the secret before connecting again.",
        );
        request.close_code(4002, true, "No valid auth came within the auth timeout.");
        request.close_code(
            4003,
            true,
            "The session holds its most messages; continue in a new session.",
        );
        request.close_code(
            4004,
            true,
            "The session was idle past the session timeout; continue in a new session.",
        );
        request.close_code(
            4005,
            true,
            "A frame or message was over the size limit; do not resend that message.",
        );
        request.close_code(
            4006,
            true,
            "The client did not read its events fast enough.",
        );
        request.close_code(
            4007,
            true,
            "The peer answered no ping within the ping timeout.",
        );
        request.close_code(
            4008,
            true,
            "The server failed (its store, usually); resume after a backoff.",
        );
        let carrier = crate::runtime::Carrier::FirstMessage { field: "secret" };
        let carrier = ::std::option::Option::Some(carrier);
        let connection = self.client.open(request, carrier, "chat").await?;
        Ok(ChatSocket { connection })
    }
}

/// A connected `chat` socket.
///
/// Read messages with [`recv`](Self::recv) or as a `futures::Stream`. Sends made while
/// the socket reconnects are queued and written, in order, once it is back.
#[derive(Debug)]
pub struct ChatSocket {
    connection: crate::runtime::Connection,
}

impl ChatSocket {
    /// The `session_id` the next (re)connect resumes: the latest `connected` message's, else the
    /// one given to `connect`; `None` before either.
    pub fn session_id(&self) -> ::std::option::Option<::std::string::String> {
        self.connection.resume_value()
    }

    /// Must come within the auth timeout (10 s by default) when the connector requires
    /// auth and no secret came with the upgrade request. A wrong secret gets an
    /// `unauthorized` error and the connection closes. With `session_id` of a session that
    /// has not expired, the reply is `connected` with the same id and `resumed: true`;
    /// otherwise a fresh session with `resumed: false`.
    pub async fn send_auth(
        &self,
        message: &crate::types::Auth,
    ) -> ::std::result::Result<(), crate::Error> {
        self.send_json(message)
    }

    /// `id` is optional; when missing the server assigns one and uses it in every event
    /// about this message. Without `payload.agent`, every agent of the connector answers.
    pub async fn send_message(
        &self,
        message: &crate::types::Message,
    ) -> ::std::result::Result<(), crate::Error> {
        self.send_json(message)
    }

    /// A chat message in the short form: `{"message": "..."}`.
    pub async fn send_short_message(
        &self,
        message: &crate::types::ShortMessage,
    ) -> ::std::result::Result<(), crate::Error> {
        self.send_json(message)
    }

    /// Each cancelled reply still ends with its `stream_end` (or `response`), with
    /// `status: cancelled` and the text produced so far.
    pub async fn send_cancel(
        &self,
        message: &crate::types::Cancel,
    ) -> ::std::result::Result<(), crate::Error> {
        self.send_json(message)
    }

    /// An application-level ping.
    pub async fn send_ping(
        &self,
        message: &crate::types::Ping,
    ) -> ::std::result::Result<(), crate::Error> {
        self.send_json(message)
    }

    /// Asks for the current session's history; answered by `history`.
    pub async fn send_history_request(
        &self,
        message: &crate::types::HistoryRequest,
    ) -> ::std::result::Result<(), crate::Error> {
        self.send_json(message)
    }

    /// Receives until `pick` returns `Some` (an `into_<message>` accessor of the received
    /// enum, or a closure that also checks an id) and returns that; messages before it are
    /// skipped.
    /// [`Error::Closed`](crate::Error::Closed) when the socket closes for good first.
    pub async fn wait_for<T>(
        &mut self,
        mut pick: impl FnMut(ChatServerMessage) -> ::std::option::Option<T>,
    ) -> ::std::result::Result<T, crate::Error> {
        while let ::std::option::Option::Some(item) = self.recv().await {
            if let ::std::option::Option::Some(found) = pick(item?) {
                return Ok(found);
            }
        }
        Err(crate::Error::Closed)
    }

    /// Sends a text frame as it is, queued like the typed sends.
    pub async fn send_raw(
        &self,
        text: impl ::std::convert::Into<::std::string::String>,
    ) -> ::std::result::Result<(), crate::Error> {
        self.connection.send_text(text.into())
    }

    /// The next message, or `None` once the socket is closed for good.
    pub async fn recv(&mut self) -> ::std::option::Option<Received> {
        let item = self.connection.recv_text().await?;
        ::std::option::Option::Some(item.and_then(|text| decode(&text)))
    }

    /// Whether the socket is open, reconnecting or closed.
    pub fn status(&self) -> crate::Status {
        self.connection.status()
    }

    /// Sees every status change, e.g. to resume a session after a reconnect.
    pub fn watch_status(&self) -> ::tokio::sync::watch::Receiver<crate::Status> {
        self.connection.watch_status()
    }

    /// Closes the socket; no reconnect follows.
    pub async fn close(&mut self) -> ::std::result::Result<(), crate::Error> {
        self.connection.close().await
    }

    fn send_json<T>(&self, message: &T) -> ::std::result::Result<(), crate::Error>
    where
        T: ::serde::Serialize + ?::std::marker::Sized,
    {
        let text = ::serde_json::to_string(message).map_err(crate::Error::Encode)?;
        self.connection.send_text(text)
    }
}

/// One item of [`ChatSocket`]: a message, or why none could be read.
pub type Received = ::std::result::Result<ChatServerMessage, crate::Error>;

impl ::futures_util::Stream for ChatSocket {
    type Item = Received;

    fn poll_next(
        self: ::std::pin::Pin<&mut Self>,
        cx: &mut ::std::task::Context<'_>,
    ) -> ::std::task::Poll<::std::option::Option<Self::Item>> {
        let polled = self.get_mut().connection.poll_recv_text(cx);
        polled.map(|item| item.map(|item| item.and_then(|text| decode(&text))))
    }
}

fn decode(text: &str) -> Received {
    text.parse().map_err(|error| crate::Error::Decode {
        error,
        text: text.to_owned(),
    })
}
