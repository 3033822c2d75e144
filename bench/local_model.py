"""Measures the local model through a running `duplex serve`: N sessions at once, each
asks for a story, and the aggregate tokens/s (tokens over the wall time from sending
to the last `stream_end`, so prefill and time to first chunk are included) and the
slowest first chunk are printed. The figures in docs/benchmarks.md ("Local model")
come from it.

Usage: python bench/local_model.py PORT SESSIONS   (the secret is read from $S)
"""

import asyncio
import json
import os
import sys
import time

import websockets


async def one(port: str, secret: str, i: int) -> tuple[float, int]:
    async with websockets.connect(f"ws://127.0.0.1:{port}/ws") as ws:
        await ws.send(json.dumps({"secret": secret}))
        await ws.recv()
        started = time.time()
        await ws.send(json.dumps({"message": f"Write a long story about dragon number {i}."}))
        first = None
        while True:
            event = json.loads(await ws.recv())
            if event["type"] == "stream_chunk" and first is None:
                first = time.time() - started
            if event["type"] == "stream_end":
                assert event["status"] == "completed", event
                return first or 0.0, event["token_usage"]["candidates_tokens"]


async def main() -> None:
    port, sessions, secret = sys.argv[1], int(sys.argv[2]), os.environ["S"]
    started = time.time()
    results = await asyncio.gather(*(one(port, secret, i) for i in range(sessions)))
    wall = time.time() - started
    tokens = sum(count for _, count in results)
    print(
        f"sessions={sessions} tokens={tokens} wall={wall:.2f}s "
        f"aggregate={tokens / wall:.1f} tok/s first_chunk_max={max(f for f, _ in results):.3f}s"
    )


asyncio.run(main())
