"""Handlers registered with ``socket.on(event, handler)``, and calling them safely.

A handler that raises never stops the socket: the error is logged and passed to the
``error`` handlers (an error handler that raises is only logged).
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger("duplex")


class EventHub:
    def __init__(self) -> None:
        self._handlers: dict[str, list[Callable[..., Any]]] = {}

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
        if event == "error":
            return
        for handler in list(self._handlers.get("error", ())):
            try:
                result = handler(error)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                log.exception("duplex: the `error` handler raised")

    def _report_sync(self, event: str, error: Exception) -> None:
        log.exception("duplex: the `%s` handler raised", event, exc_info=error)
        if event == "error":
            return
        for handler in list(self._handlers.get("error", ())):
            try:
                handler(error)
            except Exception:
                log.exception("duplex: the `error` handler raised")
