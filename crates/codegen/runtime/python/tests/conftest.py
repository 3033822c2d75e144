"""Puts the runtime on the import path as the package ``_runtime``, and serves test sockets."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from wsserver import TestServer


@pytest.fixture
def make_server() -> Iterator[type[TestServer]]:
    servers: list[TestServer] = []

    class Tracked(TestServer):
        def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
            super().__init__(*args, **kwargs)
            servers.append(self)

    yield Tracked
    for server in servers:
        server.close()
