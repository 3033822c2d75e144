"""Runs the seed's Python example (chat.py, placeholders already filled in) unchanged.

The only thing added is a tap: every frame the example receives is also written to
stderr as `SERVER <frame>`, so the Rust test can validate what the server sent.
Usage: python run_python.py FILLED_CHAT_PY
"""

import sys

import websockets

_connect = websockets.connect


class _Tapped:
    """`websockets.connect(...)` whose connection also logs each received frame."""

    def __init__(self, *args, **kwargs):
        self._opening = _connect(*args, **kwargs)

    async def __aenter__(self):
        ws = await self._opening.__aenter__()
        recv = ws.recv

        async def tapped_recv(*args, **kwargs):
            frame = await recv(*args, **kwargs)
            print(f"SERVER {frame}", file=sys.stderr, flush=True)
            return frame

        ws.recv = tapped_recv
        return ws

    async def __aexit__(self, *exc):
        return await self._opening.__aexit__(*exc)


websockets.connect = _Tapped

path = sys.argv[1]
with open(path, encoding="utf-8") as source:
    code = compile(source.read(), path, "exec")
exec(code, {"__name__": "__main__"})
