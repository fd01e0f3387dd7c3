"""Slow clients are cut off within the server's documented timeouts (manifest
`[limits]`, defaults and caps in harness/limits.py), plus a margin. All of a
server's slow clients start together on the first of these tests."""

from __future__ import annotations

import pytest

from .conftest import assert_still_serving
from .slow_clients import launch


@pytest.fixture(scope="module")
def slow(server_process):
    return launch(server_process.spec, server_process.host, server_process.port)


def check(server, slow, name: str) -> None:
    client = slow[name]
    assert client.done.wait(client.deadline + 15), f"{name}: the client thread itself hung"
    assert_still_serving(server)
    assert client.error is None, f"{name}: {client.error}"
    assert client.closed_after is not None, (
        f"{name}: connection still open after {client.deadline:.1f}s "
        f"(documented {client.limit_key} plus margin); received {client.received[-80:]!r}"
    )
    head = client.received.split(b"\r\n", 1)[0]
    if name != "idle_keepalive" and head:
        status = int(head.split()[1])
        assert status >= 400, f"{name}: answered {head!r} to an incomplete request"


def test_silent_connection_closed(server, slow):
    check(server, slow, "silent_connection")


def test_idle_keepalive_closed(server, slow):
    check(server, slow, "idle_keepalive")


def test_slowloris_headers_cut_off(server, slow):
    check(server, slow, "slowloris_headers")


def test_slow_body_cut_off(server, slow):
    check(server, slow, "slow_body")


def test_stalled_body_cut_off(server, slow):
    check(server, slow, "stalled_body")
