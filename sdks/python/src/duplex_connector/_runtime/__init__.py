"""Hand-written runtime shared by every SDK that Duplex generates for Python.

It is copied verbatim into each SDK as the private ``_runtime`` package, so the
generated modules only describe an API (models, channels, routes) and this package
does the work: building the handshake, reconnecting, queueing sends, telling received
messages apart and calling handlers.
"""

from .async_socket import AsyncSocket
from .backoff import ReconnectOptions
from .closing import CloseCode
from .dispatch import Dispatcher, Route
from .errors import (
    ConfigurationError,
    ReconnectFailedError,
    ServerClosedError,
    SocketClosedError,
)
from .handshake import (
    AuthBinding,
    Carrier,
    ClientConfig,
    ConnectPlan,
    Credential,
    Environment,
    Resume,
    SyncCredential,
)
from .models import UnknownMessage, WireModel, to_wire
from .sync_socket import SyncSocket

__all__ = [
    "AsyncSocket",
    "AuthBinding",
    "Carrier",
    "ClientConfig",
    "CloseCode",
    "ConfigurationError",
    "ConnectPlan",
    "Credential",
    "Dispatcher",
    "Environment",
    "ReconnectFailedError",
    "ReconnectOptions",
    "Resume",
    "Route",
    "ServerClosedError",
    "SocketClosedError",
    "SyncCredential",
    "SyncSocket",
    "UnknownMessage",
    "WireModel",
    "to_wire",
]
