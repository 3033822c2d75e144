"""A real ``duplex serve`` for the live tests: the built binary (``$DUPLEX_BIN``), echo
agents, a SQLite store in a temp dir and a random port, which a restart keeps (so a
client can resume). One connector per behaviour the tests need, under its own prefix."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

SECRET = "sdk-live-secret"

CONFIG = """
store = "sqlite://{db}"

[connectors.main]
path = "/ws"
agents = ["echo"]
secrets_env = ["SDK_LIVE_SECRET"]

[connectors.mounted]
path = "/chat/support"
agents = ["echo"]
streaming = false
secrets_env = ["SDK_LIVE_SECRET"]

[connectors.plain]
path = "/plain/ws"
agents = ["echo"]
streaming = false
secrets_env = ["SDK_LIVE_SECRET"]

[connectors.strict]
path = "/strict/ws"
agents = ["slow"]
secrets_env = ["SDK_LIVE_SECRET"]
max_message_size = 1024
when_busy = "reject"
auth_timeout = "300ms"

[connectors.limited]
path = "/limited/ws"
agents = ["echo"]
secrets_env = ["SDK_LIVE_SECRET"]
max_messages = 2

[connectors.expiring]
path = "/expiring/ws"
agents = ["echo"]
secrets_env = ["SDK_LIVE_SECRET"]
session_timeout = "500ms"

[connectors.failing]
path = "/failing/ws"
agents = ["broken", "sleepy"]
secrets_env = ["SDK_LIVE_SECRET"]

[agents.echo]
kind = "echo"
delay = "20ms"

[agents.slow]
kind = "echo"
delay = "100ms"
chunks = 5

[agents.broken]
kind = "echo"
fail_after = 1

[agents.sleepy]
kind = "echo"
delay = "5s"
timeout = "200ms"
"""


class Server:
    """``url`` is ``ws://127.0.0.1:<port>``; add a connector's prefix for the others."""

    def __init__(self) -> None:
        binary = os.environ.get("DUPLEX_BIN")
        if not binary:
            raise RuntimeError(
                "set DUPLEX_BIN to the built duplex binary (scripts/test-sdks.sh does)"
            )
        self._binary = binary
        self._work = Path(tempfile.mkdtemp(prefix="duplex-sdk-py-"))
        self._config = self._work / "duplex.toml"
        self._config.write_text(CONFIG.format(db=self._work / "duplex.db"))
        self._listen = "127.0.0.1:0"
        self._process: subprocess.Popen[str] | None = None
        self.url = ""
        self._spawn()

    def _spawn(self) -> None:
        process = subprocess.Popen(
            [
                self._binary,
                "serve",
                "--config",
                str(self._config),
                "--listen",
                self._listen,
            ],
            env={**os.environ, "SDK_LIVE_SECRET": SECRET},
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self._process = process
        assert process.stdout is not None
        found: list[str] = []

        def read() -> None:
            assert process.stdout is not None
            for line in process.stdout:
                match = re.search(r"listening on http://(\S+)", line)
                if match and not found:
                    found.append(match.group(1))
                    ready.set()
            ready.set()

        ready = threading.Event()
        threading.Thread(target=read, daemon=True).start()
        if not ready.wait(30) or not found:
            raise RuntimeError(
                f"duplex serve did not start (exit code {process.poll()})"
            )
        self._listen = found[0]
        self.url = f"ws://{found[0]}"

    def kill(self) -> None:
        """SIGKILL: connections drop with no close frame."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()

    def restart(self) -> None:
        """Starts it again on the same port with the same store."""
        self.kill()
        self._spawn()

    def stop(self) -> None:
        self.kill()
        shutil.rmtree(self._work, ignore_errors=True)
