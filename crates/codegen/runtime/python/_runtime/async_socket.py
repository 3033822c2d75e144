"""The asyncio socket: one logical connection that survives drops.

Contract:
- ``async with`` (or :meth:`AsyncSocket.open`) connects once; a failure there raises.
- A background reader task dispatches every frame, calls the handlers in order, then
  queues the message for :meth:`recv` and ``async for``.
- When the connection drops without the caller closing it (and the server did not
  close with 1000), the socket reconnects with backoff. Attempts count up until a
  connection delivers a message, so the bound holds even against a server that
  accepts and drops at once. Each attempt resolves the
  handshake again (credentials are re-evaluated) and sends first-message auth before
  anything else; sends made meanwhile are queued and flushed in order afterwards.
- When the server closes with a code the channel's spec marks ``reconnect: false``
  (``x-duplex-close-codes``: 4001 for a wrong secret, say), the socket does not retry:
  the ``error`` event gets a :class:`ServerClosedError` (code, reason, description),
  and ``recv`` and ``async for`` raise it.
- When reconnecting gives up, ``recv`` and ``async for`` raise
  :class:`ReconnectFailedError`; after a clean close, ``async for`` ends and ``recv``
  raises :class:`SocketClosedError`. No received message is ever dropped: unmatched
  ones arrive as :class:`UnknownMessage`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import deque
from collections.abc import AsyncIterator, Callable
from types import TracebackType
from typing import Any, Generic, Self, TypeVar, cast

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from .backoff import ReconnectOptions, should_reconnect
from .closing import ended_for_good
from .dispatch import Dispatcher
from .errors import ReconnectFailedError, SocketClosedError
from .events import EventHub
from .handshake import ConnectPlan
from .models import UnknownMessage, to_wire

R = TypeVar("R")
T = TypeVar("T")

_CLOSED = object()


class AsyncSocket(Generic[R]):
    """Base of every generated async socket; ``R`` is the union of received messages."""

    def __init__(
        self, plan: ConnectPlan, dispatcher: Dispatcher, reconnect: ReconnectOptions
    ) -> None:
        self._plan = plan
        self._dispatcher = dispatcher
        self._reconnect = reconnect
        self._events = EventHub(dispatcher.renames)
        self._inbox: asyncio.Queue[object] = asyncio.Queue()
        self._pending: deque[str] = deque()
        self._ws: ClientConnection | None = None
        self._state = "idle"
        self._reader: asyncio.Task[None] | None = None
        self._failure: SocketClosedError | None = None
        # Failed attempts since a connection last proved itself by delivering a message,
        # so a server that accepts and then drops at once cannot keep us retrying forever.
        self._attempts = 0

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    def __aiter__(self) -> AsyncSocket[R]:
        return self

    async def __anext__(self) -> R:
        try:
            return await self.recv()
        except SocketClosedError as error:
            if error is self._failure:
                raise
            raise StopAsyncIteration from None

    @property
    def state(self) -> str:
        """``idle``, ``open``, ``reconnecting`` or ``closed``."""
        return self._state

    async def open(self) -> None:
        """Connects (once: failures here raise rather than retry) and starts reading."""
        if self._state != "idle":
            raise SocketClosedError(
                f"this socket is already {self._state}: call connect(...) again for a new one"
            )
        ws = await self._dial()
        await self._flush(ws)
        self._ws = ws
        self._state = "open"
        await self._events.emit_async(self._events.own("open"))
        self._reader = asyncio.create_task(self._run())

    async def recv(self) -> R:
        """The next received message, typed; waits for one to arrive."""
        item = await self._inbox.get()
        if item is _CLOSED:
            self._inbox.put_nowait(_CLOSED)
            raise self._failure or SocketClosedError("the socket is closed")
        return cast(R, item)

    async def wait_for(
        self, kind: type[T], where: Callable[[T], bool] | None = None
    ) -> T:
        """Receives until a message of type ``kind`` (for which ``where``, when given,
        is true) arrives, and returns it; the messages before it are skipped (handlers
        still see them). Raises like :meth:`recv` when the socket closes first."""
        while True:
            message = await self.recv()
            if isinstance(message, kind) and (where is None or where(message)):
                return message

    async def until(self, last: Callable[[R], bool]) -> AsyncIterator[R]:
        """Yields received messages up to and including the first one for which
        ``last`` is true (say the end of a reply), or until the socket closes."""
        async for message in self:
            yield message
            if last(message):
                return

    @property
    def resume_value(self) -> str | None:
        """The value the next (re)connect resumes with (a session id), if any yet."""
        return None if self._plan.resume is None else self._plan.resume.value

    async def close(self) -> None:
        """Closes the connection; queued but unsent messages are discarded."""
        if self._state == "closed":
            return
        reconnecting = self._state == "reconnecting"
        self._state = "closing"
        if self._reader is None:
            self._finish()
            return
        if reconnecting:
            self._reader.cancel()
        if self._ws is not None:
            await self._ws.close()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader

    async def _send_message(self, message: object) -> None:
        await self._send_frame(to_wire(message))

    async def _send_frame(self, frame: str) -> None:
        if self._state in ("closing", "closed"):
            raise self._failure or SocketClosedError(
                "cannot send: the socket is closed"
            )
        if self._state != "open" or self._ws is None:
            self._pending.append(frame)
            return
        try:
            await self._ws.send(frame)
        except ConnectionClosed:
            if not self._reconnect.enabled:
                raise SocketClosedError("cannot send: the connection closed") from None
            self._pending.append(frame)

    def _on(self, event: str, handler: Callable[..., Any]) -> None:
        self._events.on(event, handler)

    async def _dial(self) -> ClientConnection:
        handshake = await self._plan.resolve()
        ws = await connect(
            handshake.url,
            additional_headers=handshake.headers or None,
            subprotocols=[Subprotocol(p) for p in handshake.subprotocols] or None,
        )
        for message in handshake.first_messages:
            await ws.send(json.dumps(message))
        return ws

    async def _flush(self, ws: ClientConnection) -> None:
        """Sends the queued messages in order; new sends keep queueing until it is done."""
        while self._pending:
            await ws.send(self._pending[0])
            self._pending.popleft()

    async def _run(self) -> None:
        try:
            while True:
                ws = self._ws
                assert ws is not None
                with contextlib.suppress(ConnectionClosed):
                    async for frame in ws:
                        await self._deliver(frame)
                if self._state == "closing":
                    return
                failure = ended_for_good(
                    self._plan.close_codes,
                    ws.protocol.close_code,
                    ws.protocol.close_reason or "",
                )
                if failure is not None:
                    self._failure = failure
                    await self._events.emit_async(self._events.own("error"), failure)
                    return
                if not should_reconnect(self._reconnect, ws.protocol.close_code):
                    return
                if not await self._reconnect_loop():
                    return
        finally:
            self._finish()
            await self._events.emit_async(self._events.own("close"))

    async def _deliver(self, frame: str | bytes) -> None:
        self._attempts = 0
        event, value = self._dispatcher.dispatch(frame)
        if isinstance(value, UnknownMessage):
            event = self._events.own(event)
        if self._plan.resume is not None:
            self._plan.resume.observe(event, value)
        await self._events.emit_async(event, value)
        await self._events.emit_async(self._events.own("message"), value)
        self._inbox.put_nowait(value)

    async def _reconnect_loop(self) -> bool:
        self._state = "reconnecting"
        last: BaseException | None = None
        while self._attempts < self._reconnect.max_attempts:
            self._attempts += 1
            attempt = self._attempts
            await self._events.emit_async(self._events.own("reconnecting"), attempt)
            await asyncio.sleep(self._reconnect.delay(attempt))
            try:
                ws = await self._dial()
                await self._flush(ws)
            except Exception as error:  # noqa: BLE001 (any failed attempt counts; the next may succeed)
                last = error
                continue
            self._ws = ws
            self._state = "open"
            await self._events.emit_async(self._events.own("open"))
            return True
        self._failure = ReconnectFailedError(
            f"the connection dropped and {self._reconnect.max_attempts} reconnect attempts failed"
            + (f"; the last one with: {last}" if last else "")
        )
        await self._events.emit_async(self._events.own("error"), self._failure)
        return False

    def _finish(self) -> None:
        self._state = "closed"
        self._inbox.put_nowait(_CLOSED)
