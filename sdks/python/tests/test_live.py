"""The Python SDK against a real ``duplex serve`` (``server.py``): the README walkthrough,
streamed and whole replies, cancel, resume after the server is killed and restarted,
and the error codes a client can cause. Run by scripts/test-sdks.sh (pytest)."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from pathlib import Path
from typing import Any, cast

import pytest
from server import SECRET, Server
from walkthrough import walkthrough

from duplex_connector import (
    AsyncChatSocket,
    AsyncDuplexConnectorClient,
    DuplexConnectorClient,
    ReconnectOptions,
    ServerClosedError,
    types,
)
from duplex_connector._runtime.handshake import ConnectPlan, Handshake

FAST = ReconnectOptions(initial_delay=0.05, max_delay=0.3, max_attempts=60)
NEVER = ReconnectOptions(enabled=False)
HERE = Path(__file__).parent


def client(
    server: Server, prefix: str = "", **options: Any
) -> AsyncDuplexConnectorClient:
    options.setdefault("secret", SECRET)
    options.setdefault("reconnect", FAST)
    return AsyncDuplexConnectorClient(base_url=server.url + prefix, **options)


def test_the_walkthrough_is_the_readmes() -> None:
    readme = (HERE.parent / "README.md").read_text()
    section = readme[readme.index("## Walkthrough") :]
    block = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert block is not None
    source = (HERE / "walkthrough.py").read_text()
    start = source.index("# walkthrough:start\n") + len("# walkthrough:start\n")
    body = source[start : source.index("# walkthrough:end")].strip("\n") + "\n"
    expected = (
        "import asyncio\n\nfrom duplex_connector import AsyncDuplexConnectorClient, types\n\n\n"
        + body
        + '\n\nasyncio.run(walkthrough("ws://127.0.0.1:8080", "my-secret"))\n'
    )
    assert block.group(1) == expected


async def test_the_walkthrough_runs(
    server: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    await asyncio.wait_for(walkthrough(server.url, SECRET), 30)
    lines = capsys.readouterr().out.splitlines()
    assert re.fullmatch(r"session \S+ agents \['echo'\]", lines[0])
    chunks = [line[len("chunk ") :] for line in lines if line.startswith("chunk ")]
    assert "".join(chunks) == "What is the weather like today?"
    assert any(re.fullmatch(r"tokens \d+", line) for line in lines)
    assert "status cancelled" in lines
    assert "resumed True True" in lines


async def test_streamed_reply(server: Server) -> None:
    async with client(server).chat.connect() as socket:
        await socket.wait_for(types.Connected)
        payload = types.MessagePayload(message="one two three")
        await socket.send_message(types.Message(id="s-1", payload=payload))
        ack = await socket.wait_for(types.Ack)
        assert (ack.id, ack.message_number) == ("s-1", 1)
        events = [
            e async for e in socket.until(lambda e: isinstance(e, types.StreamEnd))
        ]
    chunks = [e.chunk for e in events if isinstance(e, types.StreamChunk)]
    end = events[-1]
    assert isinstance(end, types.StreamEnd)
    assert "".join(chunks) == end.full_response == "one two three"
    assert end.status == "completed" and end.token_usage.total_tokens > 0


async def test_whole_reply_when_the_connector_does_not_stream(server: Server) -> None:
    async with client(server, "/plain").chat.connect() as socket:
        await socket.wait_for(types.Connected)
        payload = types.MessagePayload(message="all at once")
        await socket.send_message(types.Message(id="p-1", payload=payload))
        response = await socket.wait_for(types.Response)
    assert (response.id, response.agent, response.response) == (
        "p-1",
        "echo",
        "all at once",
    )
    assert response.status == "completed"


async def test_a_connector_mounted_at_another_path(server: Server) -> None:
    async with client(server).chat.connect(address="/chat/support") as socket:
        await socket.wait_for(types.Connected)
        payload = types.MessagePayload(message="elsewhere")
        await socket.send_message(types.Message(id="m-1", payload=payload))
        # Only the `/chat/support` connector answers whole: `/ws` streams.
        response = await socket.wait_for(types.Response)
    assert response.response == "elsewhere"


def test_the_blocking_client_streams_and_cancels(server: Server) -> None:
    blocking = DuplexConnectorClient(base_url=server.url, secret=SECRET, reconnect=FAST)
    with blocking.chat.connect() as socket:
        socket.wait_for(types.Connected, timeout=10)
        socket.send_message(
            types.Message(id="c-1", payload=types.MessagePayload(message="word " * 100))
        )
        socket.wait_for(types.StreamChunk, lambda c: c.id == "c-1", timeout=10)
        socket.send_cancel(types.Cancel(id="c-1"))
        end = socket.wait_for(types.StreamEnd, lambda e: e.id == "c-1", timeout=10)
    assert end.status == "cancelled"
    assert len(end.full_response) < len("word " * 100)


async def test_resume_after_the_server_is_killed_with_history_intact(
    server: Server,
) -> None:
    async with client(server).chat.connect() as socket:
        first = await socket.wait_for(types.Connected)
        assert not first.resumed
        payload = types.MessagePayload(message="remember me")
        await socket.send_message(types.Message(id="r-1", payload=payload))
        await socket.wait_for(types.StreamEnd, lambda e: e.id == "r-1")
        await asyncio.to_thread(server.restart)
        again = await asyncio.wait_for(socket.wait_for(types.Connected), 30)
        assert again.resumed and again.session_id == first.session_id
        assert socket.session_id == first.session_id
        await socket.send_history_request(types.HistoryRequest())
        history = await socket.wait_for(types.History)
    assert [(e.role, e.text) for e in history.entries] == [
        ("user", "remember me"),
        ("agent", "remember me"),
    ]


async def _send_two(socket: AsyncChatSocket) -> None:
    for id_ in ("b-1", "b-2"):
        await socket.send_message(
            types.Message(id=id_, payload=types.MessagePayload(message="x"))
        )


def _with_id(id_: str) -> Any:
    return lambda end: end.id == id_


async def _over_the_limit(socket: AsyncChatSocket) -> None:
    for id_ in ("l-1", "l-2"):
        await socket.send_message(
            types.Message(id=id_, payload=types.MessagePayload(message="x"))
        )
        await socket.wait_for(types.StreamEnd, _with_id(id_))
    await socket.send_message(
        types.Message(id="l-3", payload=types.MessagePayload(message="x"))
    )


async def _message(
    socket: AsyncChatSocket, text: str, agent: str | None = None
) -> None:
    await socket.send_message(
        types.Message(payload=types.MessagePayload(message=text, agent=agent))
    )


CASES: list[tuple[str, str, bool, Any]] = [
    # (code, connector prefix, whether the server then closes, what the client does)
    ("invalid_json", "", False, lambda s: s._send_frame("{not json")),
    ("invalid_message", "", False, lambda s: s.send(cast(Any, {"type": "nope"}))),
    ("message_too_large", "/strict", True, lambda s: _message(s, "x" * 4096)),
    ("session_limit_reached", "/limited", True, _over_the_limit),
    ("busy", "/strict", False, _send_two),
    ("session_expired", "/expiring", True, None),
    ("unknown_agent", "", False, lambda s: _message(s, "hi", "nobody")),
    ("agent_error", "/failing", False, lambda s: _message(s, "a b c", "broken")),
    ("agent_timeout", "/failing", False, lambda s: _message(s, "zzz", "sleepy")),
]


@pytest.mark.parametrize(
    ("code", "prefix", "closes", "act"), CASES, ids=[c[0] for c in CASES]
)
async def test_error_codes(
    server: Server, code: str, prefix: str, closes: bool, act: Any
) -> None:
    async with client(server, prefix, reconnect=NEVER).chat.connect() as socket:
        await socket.wait_for(types.Connected)
        if act is not None:
            await act(socket)
        error = await asyncio.wait_for(
            socket.wait_for(types.Error, lambda e: e.code == code), 10
        )
        assert error.message
        if closes:
            assert [m async for m in socket] == [] or socket.state == "closed"
            assert socket.state == "closed"


async def test_unauthorized(server: Server) -> None:
    async with client(server, secret="wrong", reconnect=NEVER).chat.connect() as socket:
        error = await asyncio.wait_for(socket.wait_for(types.Error), 10)
        assert error.code == "unauthorized" and not error.retryable
        # 4001 is `reconnect: false` in the spec: iterating ends with the close, raised.
        with pytest.raises(ServerClosedError):
            assert [m async for m in socket] == []
        assert socket.state == "closed"


async def test_a_wrong_secret_fails_once_with_4001_even_when_reconnecting(
    server: Server,
) -> None:
    attempts: list[int] = []
    errors: list[BaseException] = []
    async with client(server, secret="wrong").chat.connect() as socket:
        socket.on("reconnecting", attempts.append)
        socket.on("socket_error", errors.append)
        error = await asyncio.wait_for(socket.wait_for(types.Error), 10)
        assert error.code == "unauthorized"
        with pytest.raises(ServerClosedError) as raised:
            await asyncio.wait_for(socket.wait_for(types.Connected), 10)
        closed = raised.value
        assert (closed.code, closed.reason) == (4001, "unauthorized")
        assert closed.description and "secret" in closed.description
        assert "4001 (unauthorized), which is not retried" in str(closed)
        with pytest.raises(ServerClosedError):
            await socket.send_message(
                types.Message(payload=types.MessagePayload(message="hi"))
            )
    assert socket.state == "closed"
    assert errors == [closed]
    assert attempts == []


def test_a_wrong_secret_fails_once_with_4001_blocking(server: Server) -> None:
    blocking = DuplexConnectorClient(
        base_url=server.url, secret="wrong", reconnect=FAST
    )
    with blocking.chat.connect() as socket:
        with pytest.raises(ServerClosedError) as raised:
            socket.wait_for(types.Connected, timeout=10)
        assert raised.value.code == 4001
    assert socket.state == "closed"


async def test_auth_timeout(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    """A client whose auth message never arrives (the plan loses it) gets auth_timeout."""
    resolve = ConnectPlan.resolve

    async def without_first_message(plan: ConnectPlan) -> Handshake:
        return dataclasses.replace(await resolve(plan), first_messages=[])

    monkeypatch.setattr(ConnectPlan, "resolve", without_first_message)
    async with client(server, "/strict", reconnect=NEVER).chat.connect() as socket:
        error = await asyncio.wait_for(socket.wait_for(types.Error), 10)
        assert error.code == "auth_timeout" and error.retryable
        assert [m async for m in socket] == []
        assert socket.state == "closed"


def test_the_blocking_client_resumes_after_the_server_is_killed(server: Server) -> None:
    blocking = DuplexConnectorClient(base_url=server.url, secret=SECRET, reconnect=FAST)
    with blocking.chat.connect() as socket:
        first = socket.wait_for(types.Connected, timeout=10)
        server.restart()
        again = socket.wait_for(types.Connected, timeout=30)
        assert again.resumed and again.session_id == first.session_id
        assert socket.session_id == first.session_id
