"""One ``duplex serve`` for the whole live suite (see ``server.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from server import Server


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    running = Server()
    yield running
    running.stop()
