"""Generators and async generators stream a chunked body with backpressure, and a
`(body, status[, headers])` tuple is a response (issue 13, defect 9)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pyo3_hyper
import pytest
from pyo3_hyper import Request, Response

CHUNK = b"x" * 65536


@pytest.fixture
def served(app):
    state = {"produced": 0, "closed": threading.Event()}

    @app.get("/gen")
    def gen(request: Request) -> Iterator[str]:
        def numbers() -> Iterator[str]:
            for i in range(3):
                yield f"{i},"

        return numbers()

    @app.get("/agen")
    async def agen(request: Request) -> AsyncIterator[bytes]:
        for i in range(3):
            await asyncio.sleep(0)
            yield f"a{i},".encode()

    @app.get("/wrapped")
    def wrapped(request: Request) -> Response:
        return Response((part for part in ["<p>", "hi", "</p>"]), status=201, content_type="text/html")

    @app.get("/endless")
    def endless(request: Request) -> Iterator[bytes]:
        try:
            while True:
                state["produced"] += 1
                yield CHUNK
        finally:
            state["closed"].set()

    @app.get("/tuple")
    def pair(request: Request) -> tuple[str, int]:
        return "created", 201

    @app.get("/triple")
    async def triple(request: Request) -> tuple[dict, int, dict]:
        return {"a": 1}, 202, {"x-extra": "yes"}

    with pyo3_hyper.start(app, workers=1) as server, httpx.Client(base_url=server.url, timeout=10) as c:
        yield server, c, state


@pytest.mark.parametrize("path,body", [("/gen", b"0,1,2,"), ("/agen", b"a0,a1,a2,")])
def test_generators_stream_chunked(served, path, body):
    _, c, _ = served
    r = c.get(path)
    assert r.status_code == 200 and r.content == body
    assert r.headers["transfer-encoding"] == "chunked" and "content-length" not in r.headers
    assert r.headers["content-type"] == "application/octet-stream"


def test_a_response_wraps_a_stream(served):
    _, c, _ = served
    r = c.get("/wrapped")
    assert (r.status_code, r.headers["content-type"], r.text) == (201, "text/html", "<p>hi</p>")


def test_tuple_shorthand(served):
    _, c, _ = served
    r = c.get("/tuple")
    assert (r.status_code, r.text) == (201, "created")
    r = c.get("/triple")
    assert (r.status_code, r.json(), r.headers["x-extra"]) == (202, {"a": 1}, "yes")


def test_a_reader_that_stops_reading_stops_the_generator(served):
    """Backpressure: a client that never reads holds the generator at what the socket
    buffers take; closing the connection closes the generator."""
    server, _, state = served
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        sock.sendall(b"GET /endless HTTP/1.1\r\nHost: x\r\n\r\n")
        deadline = time.monotonic() + 10
        while state["produced"] == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        seen = -1
        while seen != state["produced"] and time.monotonic() < deadline:
            seen = state["produced"]
            time.sleep(0.5)
        assert 0 < seen < 200, seen  # 200 chunks = 12.5 MiB, far beyond any socket buffer
    assert state["closed"].wait(10), "the generator was not closed after the client left"
