"""What the API's close codes mean: after some, reconnecting cannot help.

A generated channel lists the spec's ``x-duplex-close-codes``; when the server closes
with a code marked ``reconnect=False`` (a wrong secret, say), the socket ends for good
and raises :class:`ServerClosedError` instead of retrying.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .errors import ServerClosedError


@dataclass(frozen=True)
class CloseCode:
    """Whether a client should connect again after one close code, and what it means."""

    reconnect: bool
    description: str | None = None


def ended_for_good(
    codes: Mapping[int, CloseCode], code: int | None, reason: str
) -> ServerClosedError | None:
    """The error to end the socket with, when ``code`` says reconnecting cannot help.

    A normal close (1000) is never an error, whatever the table says."""
    known = None if code is None or code == 1000 else codes.get(code)
    if known is None or known.reconnect or code is None:
        return None
    return ServerClosedError(code, reason, known.description)
