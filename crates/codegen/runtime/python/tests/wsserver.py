"""A real WebSocket server on a thread, scripted per test, recording what clients send.

Shared by the runtime tests and the generated SDKs' live tests.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve


@dataclass
class Visit:
    """One client connection as the server saw it."""

    path: str
    headers: dict[str, str]
    subprotocol: str | None
    received: list[Any] = field(default_factory=list)


Behaviour = Callable[["TestServer", ServerConnection, Visit], None]


def echo(server: TestServer, ws: ServerConnection, visit: Visit) -> None:
    """Replies to each message with ``{"type": "echo", "data": <message>}``."""
    for frame in ws:
        data = json.loads(frame)
        visit.received.append(data)
        ws.send(json.dumps({"type": "echo", "data": data}))


def drop(ws: ServerConnection) -> None:
    """Ends the TCP connection without a closing handshake, as a crashed server would."""
    ws.socket.shutdown(socket.SHUT_RDWR)
    ws.socket.close()


class TestServer:
    __test__ = False  # a helper, not a test class

    def __init__(self, behaviour: Behaviour = echo) -> None:
        self.behaviour = behaviour
        self.visits: list[Visit] = []
        self.visit_opened = threading.Condition()
        self._server: Server = serve(
            self._handle,
            "127.0.0.1",
            0,
            select_subprotocol=lambda _ws, offered: offered[0] if offered else None,
        )
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.socket.getsockname()[:2]
        return f"ws://{host}:{port}"

    def _handle(self, ws: ServerConnection) -> None:
        request = ws.request
        assert request is not None
        visit = Visit(
            path=request.path,
            headers=dict(request.headers.raw_items()),
            subprotocol=ws.subprotocol,
        )
        with self.visit_opened:
            self.visits.append(visit)
            self.visit_opened.notify_all()
        try:
            self.behaviour(self, ws, visit)
        except ConnectionClosed:
            pass

    def wait_for_visits(self, count: int, timeout: float = 5.0) -> None:
        with self.visit_opened:
            if not self.visit_opened.wait_for(
                lambda: len(self.visits) >= count, timeout
            ):
                raise AssertionError(
                    f"expected {count} connections, saw {len(self.visits)}"
                )

    def close(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)
