"""The seed's Chat API, generated, against a real server."""

from __future__ import annotations

import asyncio
import json
import threading

from chat_api import (
    AsyncChatApiClient,
    ChatApiClient,
    ReceiveChat,
    ReconnectOptions,
    SendChat,
    UnknownMessage,
)
from websockets.sync.server import ServerConnection
from wsserver import TestServer, Visit, drop

FAST = ReconnectOptions(initial_delay=0.05, max_delay=0.2, max_attempts=5)


def chat(server: TestServer, ws: ServerConnection, visit: Visit) -> None:
    """Answers each SendChat with a ReceiveChat; `bye` closes normally; `drop` crashes
    the first connection."""
    for frame in ws:
        data = json.loads(frame)
        visit.received.append(data)
        if data["message"] == "drop" and len(server.visits) == 1:
            drop(ws)
            return
        if data["message"] == "bye":
            ws.close()
            return
        ws.send(json.dumps({"message": f"echo: {data['message']}", "extra": 1}))


async def test_typed_send_receive_and_iteration(serve: type[TestServer]) -> None:
    server = serve(chat)
    client = AsyncChatApiClient(base_url=server.url, reconnect=FAST)
    seen: list[str] = []

    async def on_chat(message: ReceiveChat) -> None:
        seen.append(message.message or "")

    async with client.root.connect(channel_id="123") as socket:
        socket.on("receive_chat", on_chat)
        await socket.send_chat(SendChat(message="hello"))
        first = await socket.recv()
        assert isinstance(first, ReceiveChat)
        assert first.message == "echo: hello"
        assert first.model_extra == {"extra": 1}
        await socket.send(SendChat(message="two"))
        await socket.send(SendChat(message="bye"))
        rest = [message async for message in socket]
    assert [m.message for m in rest if isinstance(m, ReceiveChat)] == ["echo: two"]
    assert seen == ["echo: hello", "echo: two"]
    assert server.visits[0].path == "/?channel_id=123"
    assert server.visits[0].received == [{"message": "hello"}, {"message": "two"}, {"message": "bye"}]


async def test_reconnect_keeps_queued_sends_in_order(serve: type[TestServer]) -> None:
    server = serve(chat)
    client = AsyncChatApiClient(base_url=server.url, reconnect=FAST)
    reconnecting = asyncio.Event()
    async with client.root.connect() as socket:
        socket.on("reconnecting", lambda attempt: reconnecting.set())
        await socket.send_chat(SendChat(message="drop"))
        await asyncio.wait_for(reconnecting.wait(), 5)
        for text in ("a", "b", "c"):
            await socket.send_chat(SendChat(message=text))
        replies = [await asyncio.wait_for(socket.recv(), 5) for _ in range(3)]
    assert [r.message for r in replies if isinstance(r, ReceiveChat)] == ["echo: a", "echo: b", "echo: c"]
    assert server.visits[1].received == [{"message": "a"}, {"message": "b"}, {"message": "c"}]


async def test_unknown_messages_are_kept(serve: type[TestServer]) -> None:
    def odd(server: TestServer, ws: ServerConnection, visit: Visit) -> None:
        ws.send('{"message": 42}')
        ws.send("plain text")
        ws.close()

    server = serve(odd)
    async with AsyncChatApiClient(base_url=server.url).root.connect() as socket:
        got = [message async for message in socket]
    assert all(isinstance(m, UnknownMessage) for m in got)
    assert [m.raw for m in got if isinstance(m, UnknownMessage)] == ['{"message": 42}', "plain text"]


def test_sync_client(serve: type[TestServer]) -> None:
    server = serve(chat)
    client = ChatApiClient(base_url=server.url, reconnect=FAST)
    reconnecting = threading.Event()
    with client.root.connect(channel_id="9") as socket:
        socket.on("reconnecting", lambda attempt: reconnecting.set())
        socket.send_chat(SendChat(message="hi"))
        reply = socket.recv(timeout=5)
        assert isinstance(reply, ReceiveChat) and reply.message == "echo: hi"
        socket.send_chat(SendChat(message="drop"))
        assert reconnecting.wait(5)
        socket.send_chat(SendChat(message="x"))
        socket.send_chat(SendChat(message="bye"))
        rest = list(socket)
    assert [m.message for m in rest if isinstance(m, ReceiveChat)] == ["echo: x"]
    assert server.visits[1].received == [{"message": "x"}, {"message": "bye"}]
