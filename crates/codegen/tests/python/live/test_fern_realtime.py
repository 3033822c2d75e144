"""Fern's realtime channel, generated: path and query parameters, several sent
messages, and received messages recognised by a property only each one has."""

from __future__ import annotations

import json

import pytest
from websocket import (
    AsyncWebsocketClient,
    ReceiveEvent,
    ReceiveEvent2,
    ReceiveEvent3,
    SendEvent,
    SendEvent2,
    UnknownMessage,
    WebsocketClient,
)
from websockets.sync.server import ServerConnection
from wsserver import TestServer, Visit


def realtime(server: TestServer, ws: ServerConnection, visit: Visit) -> None:
    for frame in ws:
        data = json.loads(frame)
        visit.received.append(data)
        if "sendText" in data:
            ws.send(json.dumps({"alpha": data["sendText"], "beta": data["sendParam"]}))
            ws.send(json.dumps({"gamma": "g", "delta": 1, "epsilon": True}))
            ws.send(json.dumps({"receiveText3": "three"}))
            ws.send(json.dumps({"zeta": "?"}))
        else:
            ws.close()
            return


async def test_params_sends_and_one_step_recognition(serve: type[TestServer]) -> None:
    server = serve(realtime)
    client = AsyncWebsocketClient(base_url=server.url.replace("ws://", "http://"))
    async with client.realtime.connect(session_id="doc 123", model="m1", language_code="en") as socket:
        await socket.send_send(SendEvent(send_text="hi", send_param=7))
        got = [await socket.recv() for _ in range(4)]
        await socket.send_send2(SendEvent2(send_text2="bye", send_param2=False))
        assert [m async for m in socket] == []
    assert isinstance(got[0], ReceiveEvent) and (got[0].alpha, got[0].beta) == ("hi", 7)
    assert isinstance(got[1], ReceiveEvent2) and got[1].epsilon is True
    assert isinstance(got[2], ReceiveEvent3) and got[2].receive_text3 == "three"
    assert isinstance(got[3], UnknownMessage) and got[3].data == {"zeta": "?"}
    visit = server.visits[0]
    assert visit.path == "/realtime/doc%20123?model=m1&language-code=en"
    assert visit.received == [{"sendText": "hi", "sendParam": 7}, {"sendText2": "bye", "sendParam2": False}]


def test_sync_twin(serve: type[TestServer]) -> None:
    server = serve(realtime)
    with WebsocketClient(base_url=server.url).realtime.connect(session_id="s") as socket:
        socket.send(SendEvent(send_text="x", send_param=1))
        kinds = [type(socket.recv(timeout=5)).__name__ for _ in range(4)]
    assert kinds == ["ReceiveEvent", "ReceiveEvent2", "ReceiveEvent3", "UnknownMessage"]


def test_path_params_are_required_keywords() -> None:
    client = WebsocketClient(base_url="ws://localhost:1")
    with pytest.raises(TypeError):
        client.realtime.connect()  # type: ignore[call-arg]
