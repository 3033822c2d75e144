"""Handlers registered with ``socket.on(event, handler)``, and calling them safely.

A handler that raises never stops the socket: the error is logged and passed to the
``error`` handlers (an error handler that raises is only logged).

The socket's own events (``open``, ``close``, ``error``, ``message``, ``unknown``,
``reconnecting``) may be renamed per channel: when the API has a message called
``error``, its event keeps that name and the socket's own becomes ``socket_error``.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Mapping
from typing import Any

log = logging.getLogger("duplex")


class EventHub:
    def __init__(self, renames: Mapping[str, str] | None = None) -> None:
        self._handlers: dict[str, list[Callable[..., Any]]] = {}
        self._renames = dict(renames or {})

    def own(self, event: str) -> str:
        """The name under which this channel emits the socket's own ``event``."""
        return self._renames.get(event, event)

    def on(self, event: str, handler: Callable[..., Any]) -> None:
        self._handlers.setdefault(event, []).append(handler)

    async def emit_async(self, event: str, *args: Any) -> None:
        """Calls each handler in order, awaiting those that return an awaitable."""
        for handler in list(self._handlers.get(event, ())):
            try:
                result = handler(*args)
                if inspect.isawaitable(result):
                    await result
            except Exception as error:  # noqa: BLE001 (a user handler failed: report it, keep going)
                await self._report_async(event, error)

    def emit_sync(self, event: str, *args: Any) -> None:
        """Calls each handler in order; a sync socket cannot run async handlers."""
        for handler in list(self._handlers.get(event, ())):
            try:
                result = handler(*args)
                if inspect.isawaitable(result):
                    if inspect.iscoroutine(result):
                        result.close()
                    raise TypeError(
                        f"the `{event}` handler is async, but this is the sync client: "
                        "use a plain function, or the Async client"
                    )
            except Exception as error:  # noqa: BLE001 (a user handler failed: report it, keep going)
                self._report_sync(event, error)

    async def _report_async(self, event: str, error: Exception) -> None:
        log.exception("duplex: the `%s` handler raised", event, exc_info=error)
        if event == self.own("error"):
            return
        for handler in list(self._handlers.get(self.own("error"), ())):
            try:
                result = handler(error)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                log.exception("duplex: the `error` handler raised")

    def _report_sync(self, event: str, error: Exception) -> None:
        log.exception("duplex: the `%s` handler raised", event, exc_info=error)
        if event == self.own("error"):
            return
        for handler in list(self._handlers.get(self.own("error"), ())):
            try:
                handler(error)
            except Exception:
                log.exception("duplex: the `error` handler raised")
