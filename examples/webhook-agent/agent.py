#!/usr/bin/env python3
"""A minimal duplex webhook agent: verifies the request signature and streams NDJSON.

Standard library only. Run it, then point a `kind = "webhook"` agent at it:

    DUPLEX_WEBHOOK_SECRET=s3cret python3 examples/webhook-agent/agent.py --port 9000

    [agents.mine]
    kind = "webhook"
    url = "http://127.0.0.1:9000/agent"
    secret_env = "DUPLEX_WEBHOOK_SECRET"

It answers every message by echoing it back word by word, one NDJSON event per word,
then a final event with `token_usage`. It prints `listening on PORT` once it is ready
(with `--port 0` the OS picks the port). The contract is documented in docs/agents.md.
"""

import argparse
import hashlib
import hmac
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# A request signed longer ago than this (or this far in the future) is refused as a replay.
MAX_SKEW_SECONDS = 300


def verify(secret: bytes, timestamp: str, body: bytes, signature: str) -> str | None:
    """Returns why the request is not authentic, or None when it is."""
    if not timestamp or not signature:
        return "missing X-Duplex-Timestamp or X-Duplex-Signature header"
    try:
        signed_at = int(timestamp)
    except ValueError:
        return "X-Duplex-Timestamp is not an integer"
    if abs(time.time() - signed_at) > MAX_SKEW_SECONDS:
        return "X-Duplex-Timestamp is too far from now (replayed request?)"
    expected = "sha256=" + hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        return "bad signature"
    return None


class Handler(BaseHTTPRequestHandler):
    secret: bytes | None = None
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        if self.secret is not None:
            problem = verify(
                self.secret,
                self.headers.get("X-Duplex-Timestamp", ""),
                body,
                self.headers.get("X-Duplex-Signature", ""),
            )
            if problem:
                self.reply_json(401, {"error": problem})
                return
        try:
            turn = json.loads(body)
            message = turn["message"]
        except (ValueError, KeyError) as error:
            self.reply_json(400, {"error": f"bad request body: {error}"})
            return

        words = message.split()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for index, word in enumerate(words):
            self.write_chunk({"chunk": word if index == 0 else " " + word})
        prompt_tokens = len(message.split()) + sum(len(t["content"].split()) for t in turn.get("history", []))
        self.write_chunk(
            {
                "token_usage": {
                    "prompt_tokens": prompt_tokens,
                    "candidates_tokens": len(words),
                    "total_tokens": prompt_tokens + len(words),
                },
                "history_turns": len(turn.get("history", [])),
            }
        )
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def write_chunk(self, event: dict) -> None:
        line = (json.dumps(event) + "\n").encode()
        self.wfile.write(f"{len(line):x}\r\n".encode() + line + b"\r\n")
        self.wfile.flush()

    def reply_json(self, status: int, value: dict) -> None:
        data = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        sys.stderr.write("webhook-agent: " + (format % args) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument(
        "--secret-env",
        default="DUPLEX_WEBHOOK_SECRET",
        help="environment variable with the shared secret; unset means no verification",
    )
    args = parser.parse_args()
    secret = os.environ.get(args.secret_env)
    Handler.secret = secret.encode() if secret else None
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    print(f"listening on {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
