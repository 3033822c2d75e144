"""The README's walkthrough, as code the live tests run: the lines between the markers
are the README's code block (after its import line), character for character, so the
README cannot drift from what works."""

from __future__ import annotations

from duplex_connector import AsyncDuplexConnectorClient, types


# walkthrough:start
async def walkthrough(url: str, secret: str) -> None:
    # 1. Connect with a secret. It is sent as the first message on every (re)connect.
    client = AsyncDuplexConnectorClient(base_url=url, secret=secret)
    async with client.chat.connect() as socket:
        # 2. The session id and the agents.
        connected = await socket.wait_for(types.Connected)
        print("session", connected.session_id, "agents", connected.agents)

        # 3. A message with context (`type` is filled in).
        await socket.send_message(
            types.Message(
                id="msg-1",
                payload=types.MessagePayload(
                    message="What is the weather like today?",
                    context={"location": "New York"},
                ),
            )
        )

        # 4. Stream chunks until `stream_end`, and 5. read the token usage.
        def is_end(event: object) -> bool:
            return isinstance(event, types.StreamEnd) and event.id == "msg-1"

        async for event in socket.until(is_end):
            if isinstance(event, types.StreamChunk):
                print("chunk", event.chunk)
            elif isinstance(event, types.StreamEnd):
                print("tokens", event.token_usage.total_tokens)

        # 6. Cancel a reply once it has started.
        story = types.MessagePayload(message="tell me a long story " * 20)
        await socket.send_message(types.Message(id="msg-2", payload=story))
        await socket.wait_for(types.StreamChunk, lambda chunk: chunk.id == "msg-2")
        await socket.send_cancel(types.Cancel(id="msg-2"))
        cancelled = await socket.wait_for(
            types.StreamEnd, lambda end: end.id == "msg-2"
        )
        print("status", cancelled.status)

    # 7. Resume. A dropped connection resumes by itself; a new socket (say after a
    #    restart) resumes when given the session id.
    async with client.chat.connect(session_id=connected.session_id) as again:
        resumed = await again.wait_for(types.Connected)
        print("resumed", resumed.resumed, resumed.session_id == connected.session_id)


# walkthrough:end
