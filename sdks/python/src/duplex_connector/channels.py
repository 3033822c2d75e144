"""The channels of Duplex connector: typed sockets and how to connect to them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal, TypeAlias, overload

from . import _runtime as _rt
from . import types

#: Any message a `chat` socket sends.
ChatSendMessage: TypeAlias = types.Auth | types.Message | types.ShortMessage | types.Cancel | types.Ping | types.HistoryRequest

#: Any message a `chat` socket receives; `UnknownMessage` holds what the spec does not describe.
ChatReceiveMessage: TypeAlias = types.Connected | types.Pong | types.History | types.Ack | types.StreamStart | types.StreamChunk | types.StreamEnd | types.Response | types.Error | _rt.UnknownMessage

_ROUTES_ChatSocket = _rt.Dispatcher(
    by_field=[
        ("type", {
            "connected": _rt.Route("connected", types.Connected),
            "pong": _rt.Route("pong", types.Pong),
            "history": _rt.Route("history", types.History),
            "ack": _rt.Route("ack", types.Ack),
            "stream_start": _rt.Route("stream_start", types.StreamStart),
            "stream_chunk": _rt.Route("stream_chunk", types.StreamChunk),
            "stream_end": _rt.Route("stream_end", types.StreamEnd),
            "response": _rt.Route("response", types.Response),
            "error": _rt.Route("error", types.Error),
        }),
    ],
    renames={"error": "socket_error"},
)


class AsyncChatSocket(_rt.AsyncSocket[ChatReceiveMessage]):
    """A connection to `chat`. Use it as `async with client.chat.connect(...) as socket:`; `async for message in socket` yields typed messages until it closes."""

    async def send_auth(self, message: types.Auth) -> None:
        """Sends `auth`.

        Must come within the auth timeout (10 s by default) when the connector requires
        auth and no secret came with the upgrade request. A wrong secret gets an
        `unauthorized` error and the connection closes. With `session_id` of a session that
        has not expired, the reply is `connected` with the same id and `resumed: true`;
        otherwise a fresh session with `resumed: false`.
        """
        await self._send_message(message)

    async def send_message(self, message: types.Message) -> None:
        """Sends `message`.

        `id` is optional; when missing the server assigns one and uses it in every event
        about this message. Without `payload.agent`, every agent of the connector answers.
        """
        await self._send_message(message)

    async def send_short_message(self, message: types.ShortMessage) -> None:
        """Sends `shortMessage`.

        A chat message in the short form: `{"message": "..."}`.
        """
        await self._send_message(message)

    async def send_cancel(self, message: types.Cancel) -> None:
        """Sends `cancel`.

        Each cancelled reply still ends with its `stream_end` (or `response`), with
        `status: cancelled` and the text produced so far.
        """
        await self._send_message(message)

    async def send_ping(self, message: types.Ping) -> None:
        """Sends `ping`.

        An application-level ping.
        """
        await self._send_message(message)

    async def send_history_request(self, message: types.HistoryRequest) -> None:
        """Sends `historyRequest`.

        Asks for the current session's history; answered by `history`.
        """
        await self._send_message(message)

    async def send(self, message: ChatSendMessage) -> None:
        """Sends any message this channel accepts."""
        await self._send_message(message)

    @property
    def session_id(self) -> str | None:
        """The `session_id` the next (re)connect resumes: the latest `connected` message's, else the one given to `connect(...)`; `None` before either."""
        return self.resume_value

    @overload
    def on(self, event: Literal["connected"], handler: Callable[[types.Connected], Awaitable[None] | None]) -> None: ...

    @overload
    def on(self, event: Literal["pong"], handler: Callable[[types.Pong], Awaitable[None] | None]) -> None: ...

    @overload
    def on(self, event: Literal["history"], handler: Callable[[types.History], Awaitable[None] | None]) -> None: ...

    @overload
    def on(self, event: Literal["ack"], handler: Callable[[types.Ack], Awaitable[None] | None]) -> None: ...

    @overload
    def on(self, event: Literal["stream_start"], handler: Callable[[types.StreamStart], Awaitable[None] | None]) -> None: ...

    @overload
    def on(self, event: Literal["stream_chunk"], handler: Callable[[types.StreamChunk], Awaitable[None] | None]) -> None: ...

    @overload
    def on(self, event: Literal["stream_end"], handler: Callable[[types.StreamEnd], Awaitable[None] | None]) -> None: ...

    @overload
    def on(self, event: Literal["response"], handler: Callable[[types.Response], Awaitable[None] | None]) -> None: ...

    @overload
    def on(self, event: Literal["error"], handler: Callable[[types.Error], Awaitable[None] | None]) -> None: ...

    @overload
    def on(self, event: Literal["message"], handler: Callable[[ChatReceiveMessage], Awaitable[None] | None]) -> None: ...

    @overload
    def on(self, event: Literal["unknown"], handler: Callable[[_rt.UnknownMessage], Awaitable[None] | None]) -> None: ...

    @overload
    def on(self, event: Literal["open", "close"], handler: Callable[[], Awaitable[None] | None]) -> None: ...

    @overload
    def on(self, event: Literal["socket_error"], handler: Callable[[Exception], Awaitable[None] | None]) -> None: ...

    @overload
    def on(self, event: Literal["reconnecting"], handler: Callable[[int], Awaitable[None] | None]) -> None: ...

    def on(self, event: str, handler: Callable[..., Any]) -> None:
        """Calls `handler` (a plain or an async function) on `event`, in the order registered.

        Events: one per received message (`connected`, `pong`, `history`, `ack`, `stream_start`, `stream_chunk`, `stream_end`, `response`, `error`), `message` for every message, `unknown` for messages the spec does not describe, `open`, `close`, `socket_error`, and `reconnecting` with the attempt number.
        """
        self._on(event, handler)


class AsyncChatChannel:
    """One WebSocket connection is one session at a time. With `require_auth` on (the
    default), the secret comes in the query (`?secret=`), in a header
    (`X-Connic-Secret` or `Authorization: Bearer`), or as the first message (`auth`).
    """

    def __init__(self, config: _rt.ClientConfig) -> None:
        self._config = config

    def connect(
        self,
        *,
        secret: str | None = None,
        x_connic_secret: str | None = None,
        authorization: str | None = None,
        session_id: str | None = None,
        address: str | None = None,
    ) -> AsyncChatSocket:
        """Opens `/ws` when entered (`async with ... as socket`); it reconnects on its own.

        Args:
            secret: The connector's secret, instead of sending it as the first message.
            x_connic_secret: The connector's secret.
            authorization: `Bearer <secret>`.
            session_id: Resumes this `session_id` (from an earlier `connected` message) on the first connect. Later reconnects always resume the latest one by themselves.
            address: Connect to this path instead of `/ws`, for a channel mounted elsewhere (`/chat/support`); relative to the client's base URL.
        """
        return AsyncChatSocket(
            self._config.plan(
                channel="chat",
                path="/ws",
                address=address,
                path_params={},
                query={"secret": secret},
                headers={"X-Connic-Secret": x_connic_secret, "Authorization": authorization},
                auth=[
                    _rt.AuthBinding("secret", False, _rt.Carrier("first_message", "secret")),
                ],
                resume=_rt.Resume("connected", "session_id", "session_id", session_id),
                close_codes={
                    1000: _rt.CloseCode(False, "Normal closure; the client closed and the server answered."),
                    1001: _rt.CloseCode(True, "The server is shutting down; resume on another node or when it is back."),
                    4001: _rt.CloseCode(False, "The secret was missing or wrong; fix the secret before connecting again."),
                    4002: _rt.CloseCode(True, "No valid auth came within the auth timeout."),
                    4003: _rt.CloseCode(True, "The session holds its most messages; continue in a new session."),
                    4004: _rt.CloseCode(True, "The session was idle past the session timeout; continue in a new session."),
                    4005: _rt.CloseCode(True, "A frame or message was over the size limit; do not resend that message."),
                    4006: _rt.CloseCode(True, "The client did not read its events fast enough."),
                    4007: _rt.CloseCode(True, "The peer answered no ping within the ping timeout."),
                    4008: _rt.CloseCode(True, "The server failed (its store, usually); resume after a backoff."),
                },
            ),
            _ROUTES_ChatSocket,
            self._config.reconnect,
        )


class ChatSocket(_rt.SyncSocket[ChatReceiveMessage]):
    """A connection to `chat`. Use it as `with client.chat.connect(...) as socket:`; `for message in socket` yields typed messages until it closes."""

    def send_auth(self, message: types.Auth) -> None:
        """Sends `auth`.

        Must come within the auth timeout (10 s by default) when the connector requires
        auth and no secret came with the upgrade request. A wrong secret gets an
        `unauthorized` error and the connection closes. With `session_id` of a session that
        has not expired, the reply is `connected` with the same id and `resumed: true`;
        otherwise a fresh session with `resumed: false`.
        """
        self._send_message(message)

    def send_message(self, message: types.Message) -> None:
        """Sends `message`.

        `id` is optional; when missing the server assigns one and uses it in every event
        about this message. Without `payload.agent`, every agent of the connector answers.
        """
        self._send_message(message)

    def send_short_message(self, message: types.ShortMessage) -> None:
        """Sends `shortMessage`.

        A chat message in the short form: `{"message": "..."}`.
        """
        self._send_message(message)

    def send_cancel(self, message: types.Cancel) -> None:
        """Sends `cancel`.

        Each cancelled reply still ends with its `stream_end` (or `response`), with
        `status: cancelled` and the text produced so far.
        """
        self._send_message(message)

    def send_ping(self, message: types.Ping) -> None:
        """Sends `ping`.

        An application-level ping.
        """
        self._send_message(message)

    def send_history_request(self, message: types.HistoryRequest) -> None:
        """Sends `historyRequest`.

        Asks for the current session's history; answered by `history`.
        """
        self._send_message(message)

    def send(self, message: ChatSendMessage) -> None:
        """Sends any message this channel accepts."""
        self._send_message(message)

    @property
    def session_id(self) -> str | None:
        """The `session_id` the next (re)connect resumes: the latest `connected` message's, else the one given to `connect(...)`; `None` before either."""
        return self.resume_value

    @overload
    def on(self, event: Literal["connected"], handler: Callable[[types.Connected], None]) -> None: ...

    @overload
    def on(self, event: Literal["pong"], handler: Callable[[types.Pong], None]) -> None: ...

    @overload
    def on(self, event: Literal["history"], handler: Callable[[types.History], None]) -> None: ...

    @overload
    def on(self, event: Literal["ack"], handler: Callable[[types.Ack], None]) -> None: ...

    @overload
    def on(self, event: Literal["stream_start"], handler: Callable[[types.StreamStart], None]) -> None: ...

    @overload
    def on(self, event: Literal["stream_chunk"], handler: Callable[[types.StreamChunk], None]) -> None: ...

    @overload
    def on(self, event: Literal["stream_end"], handler: Callable[[types.StreamEnd], None]) -> None: ...

    @overload
    def on(self, event: Literal["response"], handler: Callable[[types.Response], None]) -> None: ...

    @overload
    def on(self, event: Literal["error"], handler: Callable[[types.Error], None]) -> None: ...

    @overload
    def on(self, event: Literal["message"], handler: Callable[[ChatReceiveMessage], None]) -> None: ...

    @overload
    def on(self, event: Literal["unknown"], handler: Callable[[_rt.UnknownMessage], None]) -> None: ...

    @overload
    def on(self, event: Literal["open", "close"], handler: Callable[[], None]) -> None: ...

    @overload
    def on(self, event: Literal["socket_error"], handler: Callable[[Exception], None]) -> None: ...

    @overload
    def on(self, event: Literal["reconnecting"], handler: Callable[[int], None]) -> None: ...

    def on(self, event: str, handler: Callable[..., Any]) -> None:
        """Calls `handler` (a plain function) on `event`, in the order registered.

        Events: one per received message (`connected`, `pong`, `history`, `ack`, `stream_start`, `stream_chunk`, `stream_end`, `response`, `error`), `message` for every message, `unknown` for messages the spec does not describe, `open`, `close`, `socket_error`, and `reconnecting` with the attempt number.
        """
        self._on(event, handler)


class ChatChannel:
    """One WebSocket connection is one session at a time. With `require_auth` on (the
    default), the secret comes in the query (`?secret=`), in a header
    (`X-Connic-Secret` or `Authorization: Bearer`), or as the first message (`auth`).
    """

    def __init__(self, config: _rt.ClientConfig) -> None:
        self._config = config

    def connect(
        self,
        *,
        secret: str | None = None,
        x_connic_secret: str | None = None,
        authorization: str | None = None,
        session_id: str | None = None,
        address: str | None = None,
    ) -> ChatSocket:
        """Opens `/ws` when entered (`with ... as socket`); it reconnects on its own.

        Args:
            secret: The connector's secret, instead of sending it as the first message.
            x_connic_secret: The connector's secret.
            authorization: `Bearer <secret>`.
            session_id: Resumes this `session_id` (from an earlier `connected` message) on the first connect. Later reconnects always resume the latest one by themselves.
            address: Connect to this path instead of `/ws`, for a channel mounted elsewhere (`/chat/support`); relative to the client's base URL.
        """
        return ChatSocket(
            self._config.plan(
                channel="chat",
                path="/ws",
                address=address,
                path_params={},
                query={"secret": secret},
                headers={"X-Connic-Secret": x_connic_secret, "Authorization": authorization},
                auth=[
                    _rt.AuthBinding("secret", False, _rt.Carrier("first_message", "secret")),
                ],
                resume=_rt.Resume("connected", "session_id", "session_id", session_id),
                close_codes={
                    1000: _rt.CloseCode(False, "Normal closure; the client closed and the server answered."),
                    1001: _rt.CloseCode(True, "The server is shutting down; resume on another node or when it is back."),
                    4001: _rt.CloseCode(False, "The secret was missing or wrong; fix the secret before connecting again."),
                    4002: _rt.CloseCode(True, "No valid auth came within the auth timeout."),
                    4003: _rt.CloseCode(True, "The session holds its most messages; continue in a new session."),
                    4004: _rt.CloseCode(True, "The session was idle past the session timeout; continue in a new session."),
                    4005: _rt.CloseCode(True, "A frame or message was over the size limit; do not resend that message."),
                    4006: _rt.CloseCode(True, "The client did not read its events fast enough."),
                    4007: _rt.CloseCode(True, "The peer answered no ping within the ping timeout."),
                    4008: _rt.CloseCode(True, "The server failed (its store, usually); resume after a backoff."),
                },
            ),
            _ROUTES_ChatSocket,
            self._config.reconnect,
        )
