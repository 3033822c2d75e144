"""The blocking socket for scripts: the same contract as :mod:`.async_socket`, on threads.

A reader thread dispatches frames, calls handlers (plain functions only) on that
thread, and queues messages for :meth:`SyncSocket.recv` and ``for``. Sends hold a lock,
so a send never interleaves with the flush of the queue after a reconnect.
"""

from __future__ import annotations

import json
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Any, Generic, Self, TypeVar, cast

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect
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


class SyncSocket(Generic[R]):
    """Base of every generated sync socket; ``R`` is the union of received messages."""

    def __init__(
        self, plan: ConnectPlan, dispatcher: Dispatcher, reconnect: ReconnectOptions
    ) -> None:
        self._plan = plan
        self._dispatcher = dispatcher
        self._reconnect = reconnect
        self._events = EventHub(dispatcher.renames)
        self._inbox: queue.Queue[object] = queue.Queue()
        self._pending: deque[str] = deque()
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._ws: ClientConnection | None = None
        self._state = "idle"
        self._reader: threading.Thread | None = None
        self._failure: SocketClosedError | None = None
        # Failed attempts since a connection last proved itself by delivering a message,
        # so a server that accepts and then drops at once cannot keep us retrying forever.
        self._attempts = 0

    def __enter__(self) -> Self:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __iter__(self) -> Iterator[R]:
        while True:
            try:
                yield self.recv()
            except SocketClosedError as error:
                if error is self._failure:
                    raise
                return

    @property
    def state(self) -> str:
        """``idle``, ``open``, ``reconnecting`` or ``closed``."""
        return self._state

    def open(self) -> None:
        """Connects (once: failures here raise rather than retry) and starts reading."""
        if self._state != "idle":
            raise SocketClosedError(
                f"this socket is already {self._state}: call connect(...) again for a new one"
            )
        ws = self._dial()
        with self._lock:
            self._flush(ws)
            self._ws = ws
            self._state = "open"
        self._events.emit_sync(self._events.own("open"))
        self._reader = threading.Thread(
            target=self._run, name="duplex-reader", daemon=True
        )
        self._reader.start()

    def recv(self, timeout: float | None = None) -> R:
        """The next received message, typed; waits up to ``timeout`` seconds (None: forever)."""
        try:
            item = self._inbox.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"no message within {timeout} seconds") from None
        if item is _CLOSED:
            self._inbox.put(_CLOSED)
            raise self._failure or SocketClosedError("the socket is closed")
        return cast(R, item)

    def wait_for(
        self,
        kind: type[T],
        where: Callable[[T], bool] | None = None,
        timeout: float | None = None,
    ) -> T:
        """Receives until a message of type ``kind`` (for which ``where``, when given,
        is true) arrives, and returns it; the messages before it are skipped (handlers
        still see them). ``timeout`` bounds each wait, as in :meth:`recv`."""
        while True:
            message = self.recv(timeout)
            if isinstance(message, kind) and (where is None or where(message)):
                return message

    def until(self, last: Callable[[R], bool]) -> Iterator[R]:
        """Yields received messages up to and including the first one for which
        ``last`` is true (say the end of a reply), or until the socket closes."""
        for message in self:
            yield message
            if last(message):
                return

    @property
    def resume_value(self) -> str | None:
        """The value the next (re)connect resumes with (a session id), if any yet."""
        return None if self._plan.resume is None else self._plan.resume.value

    def close(self) -> None:
        """Closes the connection; queued but unsent messages are discarded."""
        with self._lock:
            if self._state in ("closing", "closed"):
                return
            self._state = "closing"
            self._stop.set()
            ws = self._ws
        if self._reader is None:
            self._finish()
            return
        if ws is not None:
            ws.close()
        if self._reader is not threading.current_thread():
            self._reader.join()

    def _send_message(self, message: object) -> None:
        self._send_frame(to_wire(message))

    def _send_frame(self, frame: str) -> None:
        with self._lock:
            if self._state in ("closing", "closed"):
                raise self._failure or SocketClosedError(
                    "cannot send: the socket is closed"
                )
            if self._state != "open" or self._ws is None:
                self._pending.append(frame)
                return
            try:
                self._ws.send(frame)
            except ConnectionClosed:
                if not self._reconnect.enabled:
                    raise SocketClosedError(
                        "cannot send: the connection closed"
                    ) from None
                self._pending.append(frame)

    def _on(self, event: str, handler: Callable[..., Any]) -> None:
        self._events.on(event, handler)

    def _dial(self) -> ClientConnection:
        handshake = self._plan.resolve_sync()
        # Entering the connection directly is what `with connect(...)` does, and works on
        # every websockets release from 13 on (17.1 warns about connections not entered).
        ws = connect(
            handshake.url,
            additional_headers=handshake.headers or None,
            subprotocols=[Subprotocol(p) for p in handshake.subprotocols] or None,
        ).__enter__()
        for message in handshake.first_messages:
            ws.send(json.dumps(message))
        return ws

    def _flush(self, ws: ClientConnection) -> None:
        while self._pending:
            ws.send(self._pending[0])
            self._pending.popleft()

    def _run(self) -> None:
        try:
            while True:
                ws = self._ws
                assert ws is not None
                try:
                    for frame in ws:
                        self._deliver(frame)
                except ConnectionClosed:
                    pass
                if self._stop.is_set():
                    return
                failure = ended_for_good(
                    self._plan.close_codes,
                    ws.protocol.close_code,
                    ws.protocol.close_reason or "",
                )
                if failure is not None:
                    self._failure = failure
                    self._events.emit_sync(self._events.own("error"), failure)
                    return
                if not should_reconnect(self._reconnect, ws.protocol.close_code):
                    return
                if not self._reconnect_loop():
                    return
        finally:
            self._finish()
            self._events.emit_sync(self._events.own("close"))

    def _deliver(self, frame: str | bytes) -> None:
        self._attempts = 0
        event, value = self._dispatcher.dispatch(frame)
        if isinstance(value, UnknownMessage):
            event = self._events.own(event)
        if self._plan.resume is not None:
            self._plan.resume.observe(event, value)
        self._events.emit_sync(event, value)
        self._events.emit_sync(self._events.own("message"), value)
        self._inbox.put(value)

    def _reconnect_loop(self) -> bool:
        with self._lock:
            if self._state != "open":
                return False
            self._state = "reconnecting"
        last: BaseException | None = None
        while self._attempts < self._reconnect.max_attempts:
            self._attempts += 1
            attempt = self._attempts
            self._events.emit_sync(self._events.own("reconnecting"), attempt)
            if self._stop.wait(self._reconnect.delay(attempt)):
                return False
            try:
                ws = self._dial()
            except Exception as error:  # noqa: BLE001 (any failed attempt counts; the next may succeed)
                last = error
                continue
            with self._lock:
                if self._stop.is_set():
                    ws.close()
                    return False
                try:
                    self._flush(ws)
                except ConnectionClosed as error:
                    last = error
                    continue
                self._ws = ws
                self._state = "open"
            self._events.emit_sync(self._events.own("open"))
            return True
        self._failure = ReconnectFailedError(
            f"the connection dropped and {self._reconnect.max_attempts} reconnect attempts failed"
            + (f"; the last one with: {last}" if last else "")
        )
        self._events.emit_sync(self._events.own("error"), self._failure)
        return False

    def _finish(self) -> None:
        with self._lock:
            self._state = "closed"
        self._inbox.put(_CLOSED)
