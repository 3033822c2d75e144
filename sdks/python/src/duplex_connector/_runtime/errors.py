"""Errors the SDK raises, each saying what went wrong and how to fix it."""


class ConfigurationError(Exception):
    """The client is missing something it needs to connect (a base URL, a credential)."""


class SocketClosedError(Exception):
    """The socket is closed: it was closed by the caller, or the server ended it."""


class ReconnectFailedError(SocketClosedError):
    """The connection dropped and every reconnect attempt failed."""


class ServerClosedError(SocketClosedError):
    """The server closed with a code after which reconnecting cannot help (the API's
    spec says so: 4001 for a wrong secret, say), so the socket did not retry.

    ``code`` and ``reason`` are the close frame's; ``description`` is the spec's.
    """

    def __init__(self, code: int, reason: str, description: str | None) -> None:
        said = f" ({reason})" if reason else ""
        why = f": {description}" if description else ""
        super().__init__(
            f"the server closed the connection with {code}{said}, which is not retried{why}"
        )
        self.code = code
        self.reason = reason
        self.description = description
