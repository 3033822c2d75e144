"""The async and sync sockets against a real server: send, receive, handlers, reconnect."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

import pytest
from pydantic import Field
from websockets.sync.server import ServerConnection
from wsserver import TestServer, Visit, drop, echo

from _runtime import (
    AsyncSocket,
    AuthBinding,
    Carrier,
    ClientConfig,
    CloseCode,
    Dispatcher,
    ReconnectFailedError,
    ReconnectOptions,
    Resume,
    Route,
    ServerClosedError,
    SocketClosedError,
    SyncSocket,
    UnknownMessage,
    WireModel,
)
from _runtime.handshake import Credential

FAST = ReconnectOptions(initial_delay=0.05, max_delay=0.2, jitter=0.1, max_attempts=4)


class Echo(WireModel):
    data: Any


DISPATCH = Dispatcher(by_field=[("type", {"echo": Route("echo", Echo)})])


def plan(
    server: TestServer,
    credential: Credential | None = None,
    reconnect: ReconnectOptions = FAST,
    close_codes: dict[int, CloseCode] | None = None,
) -> Any:
    config = ClientConfig(
        client="TestClient",
        environment=None,
        base_url=server.url,
        headers={},
        credentials={"secret": credential},
        reconnect=reconnect,
    )
    auth = (
        [AuthBinding("secret", False, Carrier("first_message", "secret"))]
        if credential
        else []
    )
    return config.plan(
        channel="chat",
        path="/chat",
        path_params={},
        query={},
        headers={},
        auth=auth,
        close_codes=close_codes,
    )


def drop_after_first(server: TestServer, ws: ServerConnection, visit: Visit) -> None:
    """First connection: take one message, then crash; later ones echo."""
    first = len(server.visits) == 1
    for frame in ws:
        data = json.loads(frame)
        visit.received.append(data)
        if first and len(visit.received) == 2:
            drop(ws)
            return
        if "secret" not in data:
            ws.send(json.dumps({"type": "echo", "data": data}))


async def test_async_send_receive_iterate_and_handlers(
    make_server: type[TestServer],
) -> None:
    server = make_server()
    seen: list[str] = []

    async def on_echo(message: Echo) -> None:
        seen.append(f"async:{message.data}")

    async with AsyncSocket[Any](plan(server), DISPATCH, FAST) as socket:
        socket._on("echo", on_echo)
        socket._on("unknown", lambda message: seen.append(f"unknown:{message.data}"))
        await socket._send_message({"n": 1})
        first = await socket.recv()
        assert isinstance(first, Echo) and first.data == {"n": 1}
        await socket._send_message({"type": "surprise"})
        await socket._send_message({"n": 2})
        got = []
        async for message in socket:
            got.append(message)
            if len(got) == 2:
                break
    assert isinstance(got[0], Echo) and got[0].data == {"type": "surprise"}
    assert got[1].data == {"n": 2}
    assert seen == ["async:{'n': 1}", "async:{'type': 'surprise'}", "async:{'n': 2}"]
    assert socket.state == "closed"
    assert [m async for m in socket] == []


async def test_async_unknown_messages_are_delivered(
    make_server: type[TestServer],
) -> None:
    def speak(server: TestServer, ws: ServerConnection, visit: Visit) -> None:
        ws.send('{"type":"new-kind","x":1}')
        ws.close()

    server = make_server(speak)
    async with AsyncSocket[Any](plan(server), DISPATCH, FAST) as socket:
        message = await socket.recv()
        assert isinstance(message, UnknownMessage)
        assert message.data == {"type": "new-kind", "x": 1}
        assert [m async for m in socket] == []


async def test_async_reconnects_with_queued_sends_in_order_and_fresh_auth(
    make_server: type[TestServer],
) -> None:
    server = make_server(drop_after_first)
    calls: list[int] = []

    async def secret() -> str:
        calls.append(1)
        return f"s{len(calls)}"

    reconnecting = asyncio.Event()
    async with AsyncSocket[Any](plan(server, secret), DISPATCH, FAST) as socket:
        socket._on("reconnecting", lambda attempt: reconnecting.set())
        await socket._send_message({"n": 1})
        await asyncio.wait_for(reconnecting.wait(), 5)
        for n in (2, 3, 4):
            await socket._send_message({"n": n})
        replies = [await asyncio.wait_for(socket.recv(), 5) for _ in range(3)]
    assert [r.data["n"] for r in replies] == [2, 3, 4]
    assert server.visits[0].received == [{"secret": "s1"}, {"n": 1}]
    assert server.visits[1].received == [{"secret": "s2"}, {"n": 2}, {"n": 3}, {"n": 4}]
    assert len(calls) == 2


async def test_async_gives_up_after_bounded_attempts(
    make_server: type[TestServer],
) -> None:
    def crash(server: TestServer, ws: ServerConnection, visit: Visit) -> None:
        drop(ws)

    server = make_server(crash)
    options = ReconnectOptions(initial_delay=0.01, max_delay=0.02, max_attempts=2)
    attempts: list[int] = []
    async with AsyncSocket[Any](
        plan(server, reconnect=options), DISPATCH, options
    ) as socket:
        socket._on("reconnecting", attempts.append)
        with pytest.raises(ReconnectFailedError, match="2 reconnect attempts failed"):
            await asyncio.wait_for(socket.recv(), 5)
    assert attempts == [1, 2]


CODES = {
    4001: CloseCode(False, "Fix the secret."),
    4002: CloseCode(True, "No auth in time."),
}


def refuse(server: TestServer, ws: ServerConnection, visit: Visit) -> None:
    """Says why, then closes with 4001 as a server does after a wrong secret."""
    visit.received.append(json.loads(ws.recv()))
    ws.send(json.dumps({"type": "echo", "data": "unauthorized"}))
    ws.close(4001, "unauthorized")


def assert_unauthorized(error: BaseException) -> None:
    assert isinstance(error, ServerClosedError)
    assert isinstance(error, SocketClosedError)
    assert (error.code, error.reason, error.description) == (
        4001,
        "unauthorized",
        "Fix the secret.",
    )
    assert str(error).endswith(
        "4001 (unauthorized), which is not retried: Fix the secret."
    )


async def test_async_ends_for_good_on_a_close_code_marked_not_to_reconnect(
    make_server: type[TestServer],
) -> None:
    server = make_server(refuse)
    errors: list[BaseException] = []
    attempts: list[int] = []
    socket = AsyncSocket[Any](plan(server, "wrong", close_codes=CODES), DISPATCH, FAST)
    socket._on("error", errors.append)
    socket._on("reconnecting", attempts.append)
    async with socket:
        seen = []
        with pytest.raises(ServerClosedError) as raised:
            async for message in socket:
                seen.append(message.data)
        assert_unauthorized(raised.value)
        assert seen == ["unauthorized"]
        with pytest.raises(ServerClosedError):
            await socket.recv()
        with pytest.raises(ServerClosedError):
            await socket._send_message({"n": 1})
    assert errors == [raised.value]
    assert attempts == []
    assert len(server.visits) == 1


def test_sync_ends_for_good_on_a_close_code_marked_not_to_reconnect(
    make_server: type[TestServer],
) -> None:
    server = make_server(refuse)
    with SyncSocket[Any](
        plan(server, "wrong", close_codes=CODES), DISPATCH, FAST
    ) as socket:
        assert socket.recv().data == "unauthorized"
        with pytest.raises(ServerClosedError) as raised:
            list(socket)
        assert_unauthorized(raised.value)
    assert len(server.visits) == 1


async def test_async_reconnects_after_a_close_code_marked_to_reconnect(
    make_server: type[TestServer],
) -> None:
    def once_then_echo(server: TestServer, ws: ServerConnection, visit: Visit) -> None:
        if len(server.visits) == 1:
            ws.close(4002, "auth timeout")
            return
        echo(server, ws, visit)

    server = make_server(once_then_echo)
    reconnecting = asyncio.Event()
    async with AsyncSocket[Any](
        plan(server, close_codes=CODES), DISPATCH, FAST
    ) as socket:
        socket._on("reconnecting", lambda attempt: reconnecting.set())
        await asyncio.wait_for(reconnecting.wait(), 5)
        await socket._send_message({"n": 1})
        reply = await asyncio.wait_for(socket.recv(), 5)
    assert reply.data == {"n": 1}
    assert len(server.visits) == 2


def test_sync_send_receive_and_reconnect(make_server: type[TestServer]) -> None:
    server = make_server(drop_after_first)
    calls: list[int] = []

    def secret() -> str:
        calls.append(1)
        return f"s{len(calls)}"

    reconnecting = threading.Event()
    echoed: list[Any] = []
    with SyncSocket[Any](plan(server, secret), DISPATCH, FAST) as socket:
        socket._on("reconnecting", lambda attempt: reconnecting.set())
        socket._on("echo", lambda message: echoed.append(message.data))
        socket._send_message({"n": 1})
        assert reconnecting.wait(5)
        socket._send_message({"n": 2})
        socket._send_message({"n": 3})
        got = []
        for message in socket:
            got.append(message.data["n"])
            if len(got) == 2:
                break
    assert got == [2, 3]
    assert echoed == [{"n": 2}, {"n": 3}]
    assert server.visits[1].received == [{"secret": "s2"}, {"n": 2}, {"n": 3}]
    assert socket.state == "closed"
    assert list(socket) == []


def test_sync_rejects_async_handlers_without_stopping(
    make_server: type[TestServer],
) -> None:
    server = make_server()
    errors: list[Exception] = []

    async def wrong(message: Echo) -> None:
        return None

    with SyncSocket[Any](plan(server), DISPATCH, FAST) as socket:
        socket._on("echo", wrong)
        socket._on("error", errors.append)
        socket._send_message({"n": 1})
        assert socket.recv(timeout=5).data == {"n": 1}
    assert "sync client" in str(errors[0])


class Welcome(WireModel):
    type_: str = Field(validation_alias="type", serialization_alias="type")
    sid: str


def welcome_then_drop(server: TestServer, ws: ServerConnection, visit: Visit) -> None:
    """Each connection: read the first message, say welcome with a new session id;
    the first connection then drops, later ones echo."""
    visit.received.append(json.loads(ws.recv()))
    number = len(server.visits)
    ws.send(json.dumps({"type": "welcome", "sid": f"s{number}"}))
    if number == 1:
        drop(ws)
        return
    for frame in ws:
        ws.send(json.dumps({"type": "echo", "data": json.loads(frame)}))


async def test_async_resumes_with_the_last_session_id_in_the_first_message(
    make_server: type[TestServer],
) -> None:
    server = make_server(welcome_then_drop)
    routes = Dispatcher(
        by_field=[
            (
                "type",
                {"welcome": Route("welcome", Welcome), "echo": Route("echo", Echo)},
            )
        ]
    )
    resumed = plan(server, "k")
    resumed.resume = Resume("welcome", "sid", "session", "s0")
    async with AsyncSocket[Any](resumed, routes, FAST) as socket:
        assert socket.resume_value == "s0"
        first = await asyncio.wait_for(socket.wait_for(Welcome), 5)
        assert first.sid == "s1"
        second = await asyncio.wait_for(
            socket.wait_for(Welcome, lambda w: w.sid == "s2"), 5
        )
        assert second.sid == "s2" and socket.resume_value == "s2"
        for n in (1, 2, 3):
            await socket._send_message({"n": n})
        got = [m.data["n"] async for m in socket.until(lambda m: m.data["n"] == 2)]
    assert got == [1, 2]
    assert [v.received[0] for v in server.visits] == [
        {"secret": "k", "session": "s0"},
        {"secret": "k", "session": "s1"},
    ]


def test_sync_renamed_own_events_leave_the_message_its_name(
    make_server: type[TestServer],
) -> None:
    def speak(server: TestServer, ws: ServerConnection, visit: Visit) -> None:
        ws.recv()  # the handlers are registered by then
        ws.send('{"type":"error","data":1}')
        ws.send("not json")
        ws.send('{"type":"echo","data":2}')
        for _ in ws:
            pass

    server = make_server(speak)
    routes = Dispatcher(
        by_field=[
            ("type", {"error": Route("error", Echo), "echo": Route("echo", Echo)})
        ],
        renames={"error": "socket_error", "unknown": "socket_unknown"},
    )
    seen: list[str] = []
    with SyncSocket[Any](plan(server), routes, FAST) as socket:
        socket._on("error", lambda m: seen.append(f"error:{m.data}"))
        socket._on("socket_unknown", lambda m: seen.append(f"unknown:{m.raw}"))
        socket._on("echo", lambda m: 1 / 0)
        socket._on(
            "socket_error", lambda e: seen.append(f"socket_error:{type(e).__name__}")
        )
        socket._send_message({"go": True})
        assert socket.wait_for(Echo, lambda m: m.data == 2, timeout=5).data == 2
    assert seen == ["error:1", "unknown:not json", "socket_error:ZeroDivisionError"]
