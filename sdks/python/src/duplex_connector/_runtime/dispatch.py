"""Tells received messages apart in one step, from what the spec says identifies each one.

A generated channel lists its received messages as :class:`Route` values and says how
each is recognised:

- ``by_field``: a property whose value names the message (``{"type": "stream_end"}``);
  the value is looked up in a dict, so recognition is one lookup, whatever the count.
- ``by_key``: a property only that message has (for specs with no discriminator).
- ``only``: the channel receives exactly one kind of message.
- ``fallback``: messages the spec gives no way to tell apart; these alone are tried in
  order, and the generator documents that it had to.

The chosen route then validates the data once. Anything that matches no route, or fails
validation, comes back as an :class:`UnknownMessage` holding the raw frame.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import TypeAdapter, ValidationError

from .models import UnknownMessage


class Route:
    """One received message: the event name handlers subscribe to and its payload type."""

    def __init__(self, event: str, payload: Any) -> None:
        self.event = event
        self._payload = payload
        self._adapter: TypeAdapter[Any] | None = None

    def validate(self, data: Any) -> Any:
        if self._adapter is None:
            self._adapter = TypeAdapter(self._payload)
        return self._adapter.validate_python(data)


class Dispatcher:
    """Maps a raw frame to ``(event, value)``; see the module docs for the strategies."""

    def __init__(
        self,
        *,
        by_field: Sequence[tuple[str, Mapping[Any, Route]]] = (),
        by_key: Sequence[tuple[str, Route]] = (),
        only: Route | None = None,
        fallback: Sequence[Route] = (),
        renames: Mapping[str, str] | None = None,
    ) -> None:
        #: The socket's own events this channel emits under another name, because a
        #: message took the name (``{"error": "socket_error"}``).
        self.renames: Mapping[str, str] = renames or {}
        self._by_field = by_field
        self._by_key = by_key
        self._only = only
        self._fallback = fallback

    def dispatch(self, raw: str | bytes) -> tuple[str, Any]:
        if isinstance(raw, bytes):
            return "unknown", UnknownMessage(
                None, raw, "binary frame: the spec describes JSON messages only"
            )
        try:
            data = json.loads(raw)
        except ValueError as error:
            return "unknown", UnknownMessage(None, raw, f"not JSON: {error}")
        route = self._route(data)
        if route is None:
            return "unknown", UnknownMessage(
                data, raw, "matches no message of this channel"
            )
        if isinstance(route, list):
            return self._try_each(route, data, raw)
        try:
            return route.event, route.validate(data)
        except ValidationError as error:
            return "unknown", UnknownMessage(
                data, raw, f"looks like `{route.event}` but does not fit it: {error}"
            )

    def _route(self, data: Any) -> Route | list[Route] | None:
        if self._only is not None:
            return self._only
        if isinstance(data, dict):
            for prop, table in self._by_field:
                value = data.get(prop)
                if isinstance(value, (str, int, float, bool)) and value in table:
                    return table[value]
            for key, route in self._by_key:
                if key in data:
                    return route
        return list(self._fallback) or None

    @staticmethod
    def _try_each(routes: list[Route], data: Any, raw: str | bytes) -> tuple[str, Any]:
        for route in routes:
            try:
                return route.event, route.validate(data)
            except ValidationError:
                continue
        return "unknown", UnknownMessage(
            data, raw, "matches no message of this channel"
        )
