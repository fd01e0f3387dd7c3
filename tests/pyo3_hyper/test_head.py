"""HEAD is answered for every GET route, Python and native alike (issue 13, defect 2)."""

from __future__ import annotations

import httpx
import pyo3_hyper
import pytest
from pyo3_hyper import Request


@pytest.fixture
def client(app):
    calls = []

    @app.get("/py")
    def py(request: Request) -> dict:
        calls.append(request.method)
        return {"a": 1}

    @app.get("/apy")
    async def apy(request: Request) -> str:
        return "async text"

    @app.post("/only-post")
    def only_post(request: Request) -> str:
        return "posted"

    app.static("/static", "static body")
    app.static_json("/static-json", {"b": [1, 2]})
    with pyo3_hyper.start(app, workers=1) as server, httpx.Client(base_url=server.url, timeout=10) as c:
        yield c, calls


@pytest.mark.parametrize("path", ["/py", "/apy", "/static", "/static-json"])
def test_head_answers_like_get_without_a_body(client, path):
    c, _ = client
    get, head = c.get(path), c.head(path)
    assert (get.status_code, head.status_code) == (200, 200)
    assert head.content == b""
    for name in ("content-type", "content-length", "server"):
        assert head.headers.get(name) == get.headers.get(name), name


def test_head_runs_the_get_handler_which_sees_head(client):
    c, calls = client
    c.head("/py")
    assert calls == ["HEAD"]


def test_allow_names_head_beside_get(client):
    c, _ = client
    r = c.post("/py")
    assert r.status_code == 405 and r.headers["allow"] == "GET, HEAD"
    r = c.head("/only-post")
    assert r.status_code == 405 and r.headers["allow"] == "POST"
