"""Smaller gaps of the request side (issue 13, defect 12): a bad JSON body is the
client's error, repeated query keys, the client's address, and a client that leaves
cancels its handler's task."""

from __future__ import annotations

import asyncio
import socket
import threading

import httpx
import pyo3_hyper
import pytest
from pyo3_hyper import Request


@pytest.fixture
def served(app):
    state = {"started": threading.Event(), "cancelled": threading.Event()}

    @app.post("/parse")
    def parse(request: Request) -> dict:
        return {"value": request.json()}

    @app.get("/query")
    def query(request: Request) -> dict:
        return {"all": request.query_all("tag"), "last": request.query.get("tag"), "none": request.query_all("nope")}

    @app.get("/client")
    def client(request: Request) -> dict:
        host, port = request.client
        return {"host": host, "port": port}

    @app.get("/wait")
    async def wait(request: Request) -> str:
        state["started"].set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            state["cancelled"].set()
            raise
        return "waited"

    with pyo3_hyper.start(app, workers=1) as server, httpx.Client(base_url=server.url, timeout=5) as c:
        yield server, c, state


def test_request_json_on_a_bad_body_is_400(served):
    _, c, _ = served
    assert c.post("/parse", content=b'{"a": 1}').json() == {"value": {"a": 1}}
    r = c.post("/parse", content=b"{not json")
    assert r.status_code == 400 and r.json()["error"] == "bad_request" and r.json()["detail"]


def test_repeated_query_keys_as_a_list(served):
    _, c, _ = served
    assert c.get("/query?tag=a&tag=b&x=1&tag=c%20d").json() == {"all": ["a", "b", "c d"], "last": "c d", "none": []}


def test_client_address(served):
    server, _, _ = served
    with httpx.Client(base_url=server.url, timeout=5) as c:
        got = c.get("/client").json()
    assert got["host"] == "127.0.0.1" and 0 < got["port"] < 65536 and got["port"] != server.port


def test_a_client_that_leaves_cancels_the_handler(served):
    server, _, state = served
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(b"GET /wait HTTP/1.1\r\nHost: x\r\n\r\n")
        assert state["started"].wait(10)
    assert state["cancelled"].wait(10), "the handler's task outlived its client"
