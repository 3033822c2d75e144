"""Errors the SDK raises, each saying what went wrong and how to fix it."""


class ConfigurationError(Exception):
    """The client is missing something it needs to connect (a base URL, a credential)."""


class SocketClosedError(Exception):
    """The socket is closed: it was closed by the caller, or the server ended it."""


class ReconnectFailedError(SocketClosedError):
    """The connection dropped and every reconnect attempt failed."""
