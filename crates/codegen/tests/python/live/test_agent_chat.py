"""A bearer-auth agent chat, generated: the auth callable is called on every
(re)connect, and `type` picks the received model in one lookup."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timezone

from agent_chat import AsyncAgentChatClient, ReconnectOptions
from agent_chat.types import Chunk, End, Say
from websockets.sync.server import ServerConnection
from wsserver import TestServer, Visit, drop


def agent(server: TestServer, ws: ServerConnection, visit: Visit) -> None:
    for frame in ws:
        data = json.loads(frame)
        visit.received.append(data)
        if data["text"] == "drop" and len(server.visits) == 1:
            drop(ws)
            return
        for word in data["text"].split():
            ws.send(json.dumps({"type": "chunk", "chunk": word}))
        ws.send(json.dumps({"type": "end", "full_response": data["text"], "token_usage": {"prompt_tokens": 3}}))


async def test_auth_is_evaluated_per_connect_and_type_dispatches(serve: type[TestServer]) -> None:
    server = serve(agent)
    tokens: list[str] = []

    async def token() -> str:
        tokens.append(f"t{len(tokens) + 1}")
        return tokens[-1]

    options = ReconnectOptions(initial_delay=0.05, max_delay=0.1)
    client = AsyncAgentChatClient(base_url=server.url, token=token, reconnect=options)
    reconnecting = asyncio.Event()
    async with client.chat.connect(room="lobby") as socket:
        socket.on("reconnecting", lambda attempt: reconnecting.set())
        when = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
        await socket.send_say(Say(text="hello world", sent_at=when))
        got = [await asyncio.wait_for(socket.recv(), 5) for _ in range(3)]
        await socket.send_say(Say(text="drop"))
        await asyncio.wait_for(reconnecting.wait(), 5)
        await socket.send_say(Say(text="again"))
        again = [await asyncio.wait_for(socket.recv(), 5) for _ in range(2)]
    assert [type(m).__name__ for m in got] == ["Chunk", "Chunk", "End"]
    assert isinstance(got[0], Chunk) and got[0].chunk == "hello"
    assert isinstance(got[2], End) and got[2].token_usage is not None and got[2].token_usage.prompt_tokens == 3
    assert isinstance(again[1], End) and again[1].full_response == "again"
    assert tokens == ["t1", "t2"]
    assert [v.headers.get("Authorization") for v in server.visits] == ["Bearer t1", "Bearer t2"]
    assert server.visits[0].path == "/chat/lobby"
    assert server.visits[0].received[0] == {"type": "say", "text": "hello world", "sent_at": "2024-01-02T03:04:05Z"}
