from __future__ import annotations

import asyncio
from typing import Any

import pytest

from _runtime import (
    AuthBinding,
    Carrier,
    ClientConfig,
    ConfigurationError,
    Environment,
    ReconnectOptions,
)
from _runtime.handshake import Credential

EXAMPLE = Environment(
    "https://api.example.com/v1", {"agents": "wss://agents.example.com"}
)


def config(
    credentials: dict[str, Credential | None] | None = None,
    base_url: str | None = None,
    environment: Environment | None = EXAMPLE,
) -> ClientConfig:
    return ClientConfig(
        client="ChatClient",
        environment=environment,
        base_url=base_url,
        headers={"X-Client": "1"},
        credentials=credentials or {},
        reconnect=ReconnectOptions(),
    )


BEARER = AuthBinding("token", False, Carrier("header", "Authorization", "Bearer "))


def test_url_path_and_query() -> None:
    plan = config().plan(
        channel="chat",
        path="/chat/{id}",
        path_params={"id": "a b/c"},
        query={"model": "m-1", "verbose": True, "tags": ["x", "y"], "skip": None},
        headers={"X-Trace": 7},
        auth=[],
    )
    handshake = plan.resolve_sync()
    assert (
        handshake.url
        == "wss://api.example.com/v1/chat/a%20b%2Fc?model=m-1&verbose=true&tags=x&tags=y"
    )
    assert handshake.headers == {"X-Client": "1", "X-Trace": "7"}


def test_an_address_override_replaces_the_channel_path() -> None:
    plan = config().plan(
        channel="chat",
        path="/chat/{id}",
        path_params={"id": "x"},
        address="/chat/support",
        query={"model": "m-1"},
        headers={},
        auth=[],
    )
    assert plan.resolve_sync().url == "wss://api.example.com/v1/chat/support?model=m-1"
    with pytest.raises(
        ConfigurationError, match="'ws://other/chat' given to `chat` is not a path"
    ):
        config().plan(
            channel="chat",
            path="/ws",
            path_params={},
            address="ws://other/chat",
            query={},
            headers={},
            auth=[],
        )


def test_named_base_url_and_overrides() -> None:
    plan = config().plan(
        channel="c",
        path="/",
        path_params={},
        query={},
        headers={},
        auth=[],
        base_url_key="agents",
    )
    assert plan.url == "wss://agents.example.com/"
    plan = config(base_url="ws://localhost:9").plan(
        channel="c", path="/x", path_params={}, query={}, headers={}, auth=[]
    )
    assert plan.url == "ws://localhost:9/x"
    with pytest.raises(ConfigurationError, match="no WebSocket server"):
        config(environment=None).plan(
            channel="c", path="/", path_params={}, query={}, headers={}, auth=[]
        )


def test_every_carrier() -> None:
    bindings = [
        BEARER,
        AuthBinding("key", False, Carrier("query", "api_key")),
        AuthBinding("proto", False, Carrier("subprotocol")),
        AuthBinding("secret", False, Carrier("first_message", "secret")),
        AuthBinding("basic", True, Carrier("header", "X-Basic", "Basic ")),
    ]
    creds: dict[str, Credential | None] = {
        "token": "t",
        "key": "k",
        "proto": "p",
        "secret": "s",
        "basic": ("u", "pw"),
    }
    plan = config(creds).plan(
        channel="c", path="/", path_params={}, query={}, headers={}, auth=bindings
    )
    handshake = plan.resolve_sync()
    assert handshake.headers["Authorization"] == "Bearer t"
    assert handshake.headers["X-Basic"] == "Basic dTpwdw=="
    assert handshake.url.endswith("?api_key=k")
    assert handshake.subprotocols == ["p"]
    assert handshake.first_messages == [{"secret": "s"}]


def test_callables_are_called_on_every_resolve() -> None:
    calls: list[int] = []

    def token() -> str:
        calls.append(1)
        return f"t{len(calls)}"

    plan = config({"token": token}).plan(
        channel="c", path="/", path_params={}, query={}, headers={}, auth=[BEARER]
    )
    assert plan.resolve_sync().headers["Authorization"] == "Bearer t1"
    assert plan.resolve_sync().headers["Authorization"] == "Bearer t2"

    async def async_token() -> str:
        return "async"

    plan = config({"token": async_token}).plan(
        channel="c", path="/", path_params={}, query={}, headers={}, auth=[BEARER]
    )
    assert asyncio.run(plan.resolve()).headers["Authorization"] == "Bearer async"
    with pytest.raises(ConfigurationError, match="sync client"):
        plan.resolve_sync()


def test_missing_credentials_say_which_argument() -> None:
    plan = config({"token": None}).plan(
        channel="chat", path="/", path_params={}, query={}, headers={}, auth=[BEARER]
    )
    with pytest.raises(
        ConfigurationError, match=r"channel `chat` needs credentials: pass token=\.\.\."
    ):
        plan.resolve_sync()


def test_backoff_grows_and_is_bounded() -> None:
    options = ReconnectOptions(initial_delay=1, max_delay=5, factor=2, jitter=0)
    assert [options.delay(n) for n in range(1, 6)] == [1, 2, 4, 5, 5]
    jittered = ReconnectOptions(initial_delay=1, jitter=0.5)
    assert all(0.5 <= jittered.delay(1) <= 1 for _ in range(50))
    with pytest.raises(ValueError, match="jitter"):
        ReconnectOptions(jitter=2)


def test_optional_auth_sends_what_was_given() -> None:
    def plan_with(token: str | None) -> Any:
        return config({"token": token}).plan(
            channel="c",
            path="/",
            path_params={},
            query={},
            headers={},
            auth=[BEARER],
            auth_optional=True,
        )

    assert "Authorization" not in plan_with(None).resolve_sync().headers
    assert plan_with("t").resolve_sync().headers["Authorization"] == "Bearer t"
