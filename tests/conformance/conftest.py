from __future__ import annotations

import httpx
import pytest

from harness.process import ServerProcess


@pytest.fixture
def client(server: ServerProcess) -> httpx.Client:
    with httpx.Client(base_url=server.url, timeout=5.0) as c:
        yield c
