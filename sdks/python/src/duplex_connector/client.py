"""Clients for Duplex connector."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from . import _runtime as _rt
from .channels import AsyncChatChannel, ChatChannel


class DuplexConnectorEnvironment:
    """The servers the spec declares; pass one as `environment=`."""

    #: `duplex serve` with its default listen address. Each connector in `duplex.toml`
    #: has its own path; `/ws` is the one the web chat page uses.
    LOCAL: Final = _rt.Environment("ws://127.0.0.1:8080")


class AsyncDuplexConnectorClient:
    """The agent-chat WebSocket protocol spoken by `duplex serve`, compatible with Connic's
    WebSocket connector. A client authenticates, gets a session, sends chat messages and
    receives each attached agent's reply, streamed in chunks or whole.

    Every message is one JSON object in one text frame. Messages the server sends always
    carry a `type`; of the messages a client sends, only the auth message and the short
    chat form have none.

    Operations are written from the server's side: `receive` is what a client sends,
    `send` is what a client receives. `docs/protocol.md` describes the rules (ordering,
    errors, close codes) for people. Tests validate every message the server sends
    against the schemas below.

    Connect with `async with client.<channel>.connect(...) as socket:`.

    Args:
        base_url: connect here instead of the environment's URL (`wss://...`).
        environment: one of `DuplexConnectorEnvironment`.
        secret: the credential, or a function (sync or async) returning it, called before every (re)connect.
        headers: sent with every connection.
        reconnect: backoff and attempts after a drop (`ReconnectOptions(enabled=False)` turns it off).
    """

    def __init__(
        self,
        *,
        base_url: str | None = None,
        environment: _rt.Environment | None = DuplexConnectorEnvironment.LOCAL,
        secret: _rt.Credential | None = None,
        headers: Mapping[str, str] | None = None,
        reconnect: _rt.ReconnectOptions | None = None,
    ) -> None:
        config = _rt.ClientConfig(
            client="AsyncDuplexConnectorClient",
            environment=environment,
            base_url=base_url,
            headers=dict(headers or {}),
            credentials={"secret": secret},
            reconnect=reconnect or _rt.ReconnectOptions(),
        )
        self._config = config
        self.chat: AsyncChatChannel = AsyncChatChannel(config)


class DuplexConnectorClient:
    """The agent-chat WebSocket protocol spoken by `duplex serve`, compatible with Connic's
    WebSocket connector. A client authenticates, gets a session, sends chat messages and
    receives each attached agent's reply, streamed in chunks or whole.

    Every message is one JSON object in one text frame. Messages the server sends always
    carry a `type`; of the messages a client sends, only the auth message and the short
    chat form have none.

    Operations are written from the server's side: `receive` is what a client sends,
    `send` is what a client receives. `docs/protocol.md` describes the rules (ordering,
    errors, close codes) for people. Tests validate every message the server sends
    against the schemas below.

    Connect with `with client.<channel>.connect(...) as socket:`.

    Args:
        base_url: connect here instead of the environment's URL (`wss://...`).
        environment: one of `DuplexConnectorEnvironment`.
        secret: the credential, or a function returning it, called before every (re)connect.
        headers: sent with every connection.
        reconnect: backoff and attempts after a drop (`ReconnectOptions(enabled=False)` turns it off).
    """

    def __init__(
        self,
        *,
        base_url: str | None = None,
        environment: _rt.Environment | None = DuplexConnectorEnvironment.LOCAL,
        secret: _rt.SyncCredential | None = None,
        headers: Mapping[str, str] | None = None,
        reconnect: _rt.ReconnectOptions | None = None,
    ) -> None:
        config = _rt.ClientConfig(
            client="DuplexConnectorClient",
            environment=environment,
            base_url=base_url,
            headers=dict(headers or {}),
            credentials={"secret": secret},
            reconnect=reconnect or _rt.ReconnectOptions(),
        )
        self._config = config
        self.chat: ChatChannel = ChatChannel(config)
