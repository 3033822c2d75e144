"""The connector protocol as a team would write it by hand with `websockets`.

A peer for `duplex bench`: auth, `connected`, `ack`, streamed echo replies, in-memory
sessions. No persistence, limits or validation; it is what the seed's examples talk to.

Usage: python bench/python_server.py HOST PORT CHUNKS
"""

import asyncio
import json
import sys
import uuid

import websockets


async def handle(ws: websockets.ServerConnection, chunks: int) -> None:
    session_id = None
    number = 0
    async for raw in ws:
        try:
            event = json.loads(raw)
        except ValueError:
            await ws.send(
                json.dumps(
                    {
                        "type": "error",
                        "code": "invalid_json",
                        "message": "not JSON",
                        "retryable": False,
                    }
                )
            )
            continue
        if session_id is None:
            session_id = str(uuid.uuid4())
            await ws.send(
                json.dumps(
                    {"type": "connected", "session_id": session_id, "agents": ["echo"]}
                )
            )
            continue
        number += 1
        msg_id = event.get("id") or str(uuid.uuid4())
        text = (event.get("payload") or {}).get("message") or event.get("message") or ""
        await ws.send(
            json.dumps({"type": "ack", "id": msg_id, "message_number": number})
        )
        await ws.send(
            json.dumps({"type": "stream_start", "id": msg_id, "agent": "echo"})
        )
        step = max(1, -(-len(text) // chunks))
        pieces = [text[i : i + step] for i in range(0, len(text), step)]
        for piece in pieces:
            await ws.send(
                json.dumps(
                    {
                        "type": "stream_chunk",
                        "id": msg_id,
                        "agent": "echo",
                        "chunk": piece,
                    }
                )
            )
        await ws.send(
            json.dumps(
                {
                    "type": "stream_end",
                    "id": msg_id,
                    "agent": "echo",
                    "full_response": text,
                    "status": "completed",
                    "token_usage": {
                        "prompt_tokens": 1,
                        "candidates_tokens": len(pieces),
                        "total_tokens": 1 + len(pieces),
                    },
                }
            )
        )


async def main() -> None:
    host, port, chunks = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    async with websockets.serve(lambda ws: handle(ws, chunks), host, port):
        print(f"python_server listening on ws://{host}:{port}", flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main())
