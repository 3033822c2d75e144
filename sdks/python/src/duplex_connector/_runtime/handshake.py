"""Turns a client's settings and a channel's arguments into the handshake of one attempt.

A :class:`ConnectPlan` is fixed when ``connect(...)`` is called; :meth:`ConnectPlan.resolve`
runs before every connection attempt, including each reconnect, so credentials given as
callables are evaluated again every time (a refreshed token is picked up on reconnect).
"""

from __future__ import annotations

import base64
import datetime
import enum
import inspect
import json
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from pydantic import BaseModel

from .backoff import ReconnectOptions
from .closing import CloseCode
from .errors import ConfigurationError

#: A credential: the value itself, or a function (sync, or async for the async client)
#: returning it, called before every connection attempt. Basic auth takes a
#: ``(username, password)`` pair.
Credential: TypeAlias = (
    str
    | tuple[str, str]
    | Callable[[], str | tuple[str, str]]
    | Callable[[], Awaitable[str | tuple[str, str]]]
)

#: A credential for the sync client: the value, or a plain function returning it.
SyncCredential: TypeAlias = str | tuple[str, str] | Callable[[], str | tuple[str, str]]


@dataclass(frozen=True)
class Environment:
    """A server from the spec: its base URL and, for Fern, its named base URLs."""

    url: str
    urls: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Carrier:
    """Where a credential travels: a header, a query parameter, the subprotocol, or a first message."""

    kind: Literal["header", "query", "subprotocol", "first_message"]
    name: str = ""
    prefix: str = ""


@dataclass
class Resume:
    """Session resume through the first message: ``property`` of the last received
    ``event`` message is sent back as ``field`` in the first message of every later
    (re)connect. ``value`` starts as the one given to ``connect(...)``, if any."""

    event: str
    property: str
    field: str
    value: str | None = None

    def observe(self, event: str, message: object) -> None:
        """Remembers the value when ``message`` is the resume message and carries one."""
        if event != self.event:
            return
        data = (
            message.model_dump(by_alias=True)
            if isinstance(message, BaseModel)
            else message
        )
        value = data.get(self.property) if isinstance(data, dict) else None
        if isinstance(value, str):
            self.value = value


@dataclass(frozen=True)
class AuthBinding:
    """One auth scheme a channel accepts: the client argument holding it, and its carrier."""

    credential: str
    basic: bool
    carrier: Carrier


@dataclass
class ClientConfig:
    """What a client was built with, shared by all of its channels."""

    client: str
    environment: Environment | None
    base_url: str | None
    headers: Mapping[str, str]
    credentials: Mapping[str, Credential | None]
    reconnect: ReconnectOptions

    def plan(
        self,
        *,
        channel: str,
        path: str,
        path_params: Mapping[str, Any],
        address: str | None = None,
        query: Mapping[str, Any],
        headers: Mapping[str, Any],
        auth: Sequence[AuthBinding],
        base_url_key: str | None = None,
        auth_optional: bool = False,
        resume: Resume | None = None,
        close_codes: Mapping[int, CloseCode] | None = None,
    ) -> ConnectPlan:
        if address is not None and not address.startswith("/"):
            raise ConfigurationError(
                f"the address {address!r} given to `{channel}` is not a path: give one such"
                " as '/chat/support', and the host in the client's base_url"
            )
        return ConnectPlan(
            config=self,
            channel=channel,
            url=join_url(
                self._base(channel, base_url_key),
                address if address is not None else fill_path(path, path_params),
            ),
            query=query,
            headers={
                **self.headers,
                **{k: _text(v) for k, v in headers.items() if v is not None},
            },
            auth=auth,
            auth_optional=auth_optional,
            resume=resume,
            close_codes=dict(close_codes or {}),
        )

    def _base(self, channel: str, key: str | None) -> str:
        if self.base_url is not None:
            return self.base_url
        if self.environment is None:
            raise ConfigurationError(
                f"{self.client}: no server to connect `{channel}` to, because the spec declares no "
                f"WebSocket server: pass base_url='wss://...' to {self.client}(...)"
            )
        if key is not None:
            named = self.environment.urls.get(key)
            if named is None:
                raise ConfigurationError(
                    f"{self.client}: the environment has no `{key}` URL, which channel `{channel}` needs: "
                    f"pass base_url='wss://...' or an environment that defines `{key}`"
                )
            return named
        return self.environment.url


@dataclass(frozen=True)
class Handshake:
    """Everything one connection attempt sends."""

    url: str
    headers: dict[str, str]
    subprotocols: list[str]
    first_messages: list[dict[str, str]]


@dataclass
class ConnectPlan:
    config: ClientConfig
    channel: str
    url: str
    query: Mapping[str, Any]
    headers: Mapping[str, str]
    auth: Sequence[AuthBinding]
    #: True when the spec does not say the channel needs auth: credentials the caller
    #: gave are sent, and none is fine.
    auth_optional: bool = False
    #: Set when the channel resumes its session through the first message.
    resume: Resume | None = None
    #: What the server's close codes mean (the spec's ``x-duplex-close-codes``).
    close_codes: Mapping[int, CloseCode] = field(default_factory=dict)

    async def resolve(self) -> Handshake:
        values: dict[str, Any] = {}
        bindings = self._bindings()
        for binding in bindings:
            value = _call(self.config.credentials[binding.credential])
            if inspect.isawaitable(value):
                value = await value
            values[binding.credential] = value
        return self._build(bindings, values)

    def resolve_sync(self) -> Handshake:
        values: dict[str, Any] = {}
        bindings = self._bindings()
        for binding in bindings:
            value = _call(self.config.credentials[binding.credential])
            if inspect.isawaitable(value):
                if inspect.iscoroutine(value):
                    value.close()
                raise ConfigurationError(
                    f"{self.config.client}: `{binding.credential}` is an async function, but this is the "
                    "sync client: pass a plain function, or use the Async client"
                )
            values[binding.credential] = value
        return self._build(bindings, values)

    def _bindings(self) -> list[AuthBinding]:
        given = [
            b
            for b in self.auth
            if self.config.credentials.get(b.credential) is not None
        ]
        if self.auth and not given and not self.auth_optional:
            names = " or ".join(sorted({f"{b.credential}=..." for b in self.auth}))
            raise ConfigurationError(
                f"{self.config.client}: channel `{self.channel}` needs credentials: pass {names} to "
                f"{self.config.client}(...)"
            )
        return given

    def _build(
        self, bindings: list[AuthBinding], values: Mapping[str, Any]
    ) -> Handshake:
        query = _query_pairs(self.query)
        headers = dict(self.headers)
        subprotocols: list[str] = []
        first: list[dict[str, str]] = []
        for binding in bindings:
            secret = _secret(binding, values[binding.credential], self.config.client)
            carrier = binding.carrier
            if carrier.kind == "header":
                headers[carrier.name] = carrier.prefix + secret
            elif carrier.kind == "query":
                query.append((carrier.name, carrier.prefix + secret))
            elif carrier.kind == "subprotocol":
                subprotocols.append(carrier.prefix + secret)
            else:
                message = {carrier.name: carrier.prefix + secret}
                if self.resume is not None and self.resume.value is not None:
                    message[self.resume.field] = self.resume.value
                first.append(message)
        url = self.url
        if query:
            url += ("&" if "?" in url else "?") + urlencode(query)
        return Handshake(
            url=url, headers=headers, subprotocols=subprotocols, first_messages=first
        )


def _call(credential: Credential | None) -> Any:
    return credential() if callable(credential) else credential


def _secret(binding: AuthBinding, value: Any, client: str) -> str:
    if binding.basic:
        if not (isinstance(value, tuple) and len(value) == 2):
            raise ConfigurationError(
                f"{client}: `{binding.credential}` is basic auth: give a (username, password) pair"
            )
        return base64.b64encode(f"{value[0]}:{value[1]}".encode()).decode("ascii")
    if not isinstance(value, str):
        raise ConfigurationError(
            f"{client}: `{binding.credential}` must be a string, got {type(value).__name__}"
        )
    return value


def to_ws_url(url: str) -> str:
    """Accepts http(s) URLs (as Fern environments write them) by switching to ws(s)."""
    parts = urlsplit(url)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    return urlunsplit((scheme, parts.netloc, parts.path, parts.query, parts.fragment))


def join_url(base: str, path: str) -> str:
    if "://" not in base:
        raise ConfigurationError(
            f"base URL `{base}` has no scheme: write it as wss://host/..."
        )
    return to_ws_url(base).rstrip("/") + "/" + path.lstrip("/")


def fill_path(path: str, params: Mapping[str, Any]) -> str:
    for name, value in params.items():
        path = path.replace("{" + name + "}", quote(_text(value), safe=""))
    return path


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, enum.Enum):
        return _text(value.value)
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, BaseModel):
        return value.model_dump_json(by_alias=True, exclude_unset=True)
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _query_pairs(query: Mapping[str, Any]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for name, value in query.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple, set, frozenset)):
            pairs.extend((name, _text(item)) for item in value)
        else:
            pairs.append((name, _text(value)))
    return pairs
