"""Live tests of generated SDKs. The cargo test `live_sdks` generates them and puts their
`src/` folders and the runtime's test server (`wsserver.py`) on PYTHONPATH."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from wsserver import Behaviour, TestServer, echo


@pytest.fixture
def serve() -> Iterator[type[TestServer]]:
    servers: list[TestServer] = []

    class Tracked(TestServer):
        def __init__(self, behaviour: Behaviour = echo) -> None:
            super().__init__(behaviour)
            servers.append(self)

    yield Tracked
    for server in servers:
        server.close()
