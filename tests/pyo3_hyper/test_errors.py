"""HTTPError's detail and headers reach the client in a documented shape (issue 13,
defect 3); a BaseException in a handler is logged and the server keeps serving (defect 8)."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pyo3_hyper
import pytest
from pyo3_hyper import HTTPError, Request

CASES = {
    "detail": (
        lambda: HTTPError(400, "field 'name' is required"),
        400,
        {"error": "bad_request", "detail": "field 'name' is required"},
    ),
    "teapot": (lambda: HTTPError(418), 418, {"error": "im_a_teapot"}),
    "contract": (lambda: HTTPError(404), 404, {"error": "not_found"}),
    "conflict": (lambda: HTTPError(409, "taken"), 409, {"error": "conflict", "detail": "taken"}),
    "unnamed": (lambda: HTTPError(499), 499, {"error": "http_499"}),
}


@pytest.fixture
def client(app):
    @app.get("/raise/{case}")
    def raiser(request: Request) -> None:
        raise CASES[request.path_params["case"]][0]()

    @app.get("/auth")
    async def auth(request: Request) -> None:
        raise HTTPError(401, "log in first", headers={"www-authenticate": "Bearer"})

    with pyo3_hyper.start(app, workers=1) as server, httpx.Client(base_url=server.url, timeout=5) as c:
        yield c


@pytest.mark.parametrize("case", sorted(CASES))
def test_http_error_body_carries_code_and_detail(client, case):
    _, status, body = CASES[case]
    r = client.get(f"/raise/{case}")
    assert (r.status_code, r.headers["content-type"], r.json()) == (status, "application/json", body)


def test_http_error_headers_are_sent(client):
    r = client.get("/auth")
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert r.json() == {"error": "unauthorized", "detail": "log in first"}


def test_http_error_keeps_its_fields():
    err = HTTPError(401, "who?", headers={"www-authenticate": "Basic"})
    assert (err.status, err.detail, err.headers) == (401, "who?", {"www-authenticate": "Basic"})
    assert HTTPError(404).headers is None


@pytest.mark.parametrize("exc", [SystemExit, KeyboardInterrupt, GeneratorExit])
@pytest.mark.parametrize("kind", ["async", "sync"])
def test_base_exception_is_logged_and_the_server_keeps_serving(app, caplog, exc, kind):
    if kind == "async":

        @app.get("/die")
        async def die_async(request: Request) -> None:
            await asyncio.sleep(0)
            raise exc()

    else:

        @app.get("/die")
        def die(request: Request) -> None:
            raise exc()

    @app.get("/async")
    async def alive_async(request: Request) -> str:
        await asyncio.sleep(0)
        return "async alive"

    @app.get("/sync")
    def alive(request: Request) -> str:
        return "sync alive"

    with pyo3_hyper.start(app, workers=1) as server, httpx.Client(base_url=server.url, timeout=5) as c:
        with caplog.at_level(logging.ERROR, logger="pyo3_hyper"):
            r = c.get("/die")
        assert r.status_code == 500 and r.json() == {"error": "internal_error"}
        assert any(rec.exc_info and rec.exc_info[0] is exc for rec in caplog.records)
        for _ in range(3):
            assert c.get("/async").text == "async alive"
            assert c.get("/sync").text == "sync alive"
