"""Routes, path params, sync and async handlers, return shortcuts, errors."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pyo3_hyper
import pytest
from pyo3_hyper import HTTPError, Request, Response


@pytest.fixture
def served(app):
    @app.get("/items/{name}")
    def item(request: Request):
        return {"name": request.path_params["name"], "query": request.query}

    @app.get("/n/{n:int}")
    def number(request: Request):
        return [request.path_params["n"]]

    @app.get("/text")
    def text(request: Request):
        return "plain"

    @app.get("/bytes")
    def raw(request: Request):
        return b"\x00\x01"

    @app.get("/none")
    def nothing(request: Request):
        return None

    @app.get("/resp")
    def full(request: Request):
        return Response("made", status=201, headers={"x-test": "1"}, content_type="text/x-made")

    @app.get("/scalar")
    def scalar(request: Request):
        return Response.json("a string")

    @app.get("/async")
    async def slow(request: Request):
        await asyncio.sleep(0.05)
        return {"async": True}

    @app.get("/boom")
    def boom(request: Request):
        raise RuntimeError("handler failure")

    @app.get("/aboom")
    async def aboom(request: Request):
        raise RuntimeError("async handler failure")

    @app.get("/teapot")
    def teapot(request: Request):
        raise HTTPError(404)

    @app.get("/bad")
    def bad(request: Request):
        return 42

    @app.post("/echo", body="json")
    def echo(request: Request):
        return Response.json(request.json())

    @app.post("/raw")
    def raw_post(request: Request):
        return {"len": len(request.body), "ct": request.headers.get("content-type"), "m": request.method}

    @app.get("/sleep")
    def sleep(request: Request):
        time.sleep(1.0)
        return "slept"

    app.static("/static", "native body")
    app.static_json("/native-json", {"b": 1, "a": [1, 2]})
    with pyo3_hyper.start(app, port=0, workers=2) as server:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            yield server, client


def test_routes_and_path_params(served):
    _, c = served
    r = c.get("/items/abc?x=1&y=2")
    assert r.status_code == 200 and r.json() == {"name": "abc", "query": {"x": "1", "y": "2"}}
    assert r.headers["server"] == "test-server" and r.headers["date"]
    assert c.get("/n/007").json() == [7]
    assert c.get("/n/abc").status_code == 400
    assert c.get("/items/").status_code == 404
    r = c.post("/items/x")
    assert r.status_code == 405 and r.headers["allow"] == "GET, HEAD"  # HEAD rides on GET
    assert r.json() == {"error": "method_not_allowed"}


@pytest.mark.parametrize(
    "path,status,ctype,body",
    [
        ("/text", 200, "text/plain; charset=utf-8", b"plain"),
        ("/bytes", 200, "application/octet-stream", b"\x00\x01"),
        ("/none", 204, None, b""),
        ("/resp", 201, "text/x-made", b"made"),
        ("/scalar", 200, "application/json", b'"a string"'),
        ("/async", 200, "application/json", b'{"async":true}'),
        ("/static", 200, "text/plain; charset=utf-8", b"native body"),
        ("/native-json", 200, "application/json", b'{"b":1,"a":[1,2]}'),
        ("/teapot", 404, "application/json", b'{"error":"not_found"}'),
    ],
)
def test_return_shortcuts(served, path, status, ctype, body):
    _, c = served
    r = c.get(path)
    assert (r.status_code, r.headers.get("content-type"), r.content) == (status, ctype, body)


def test_custom_headers(served):
    assert served[1].get("/resp").headers["x-test"] == "1"


def test_json_body_rules_in_rust(served):
    _, c = served
    assert c.post("/echo", content=b'{"z": 1, "a": 2}', headers={"content-type": "application/json"}).content == b'{"z":1,"a":2}'
    assert c.post("/echo", content=b"{}", headers={"content-type": "text/plain"}).status_code == 415
    assert c.post("/echo", content=b"{", headers={"content-type": "application/json"}).status_code == 400
    r = c.post("/raw", content=b"x" * (1024 * 1024 + 1))
    assert r.status_code == 413 and r.json() == {"error": "payload_too_large"}
    assert c.post("/raw", content=b"abc", headers={"content-type": "a/b"}).json() == {"len": 3, "ct": "a/b", "m": "POST"}


@pytest.mark.parametrize("path", ["/boom", "/aboom", "/bad"])
def test_exception_is_500_logged_and_server_lives(served, path, caplog):
    _, c = served
    with caplog.at_level(logging.ERROR, logger="pyo3_hyper"):
        r = c.get(path)
    assert r.status_code == 500 and r.json() == {"error": "internal_error"}
    assert any(rec.exc_info and path in rec.getMessage() for rec in caplog.records)
    assert c.get("/text").status_code == 200


def test_slow_python_never_delays_native_routes(served):
    server, c = served
    with ThreadPoolExecutor(1) as pool:
        slow = pool.submit(lambda: httpx.get(server.url + "/sleep", timeout=10))
        time.sleep(0.1)
        started = time.monotonic()
        assert c.get("/static").status_code == 200
        assert c.get("/native-json").status_code == 200
        assert time.monotonic() - started < 0.8  # the Python handler sleeps 1 s
        assert slow.result().text == "slept"


def test_many_concurrent_clients(served):
    server, _ = served

    def client(i: int) -> int:
        with httpx.Client(base_url=server.url, timeout=10) as c:
            for j in range(20):
                assert c.get(f"/n/{i * 100 + j}").json() == [i * 100 + j]
                assert c.get("/async").status_code == 200
        return i

    with ThreadPoolExecutor(16) as pool:
        assert sorted(pool.map(client, range(32))) == list(range(32))


def test_duplicate_and_bad_routes_are_rejected(app):
    app.route("GET", "/x", lambda r: "x")
    with pytest.raises(ValueError):
        app.route("GET", "/x", lambda r: "y")
    with pytest.raises(ValueError):
        app.route("GET", "no-slash", lambda r: "y")
    with pytest.raises(ValueError):
        app.route("GET", "/{id:float}", lambda r: "y")
    assert app.routes() == [("GET", "/x")]


def test_start_stop_repeatedly_and_from_another_thread(app):
    app.static("/p", "ok")

    @app.get("/py")
    def py(request):
        return "py"

    for _ in range(3):
        server = pyo3_hyper.start(app, port=0, workers=1)
        assert httpx.get(server.url + "/py").text == "py"
        server.stop()
        server.stop()  # idempotent
        with pytest.raises(httpx.ConnectError):
            httpx.get(server.url + "/p")
    box = {}

    def in_thread():
        with pyo3_hyper.start(app, port=0) as s:
            box["text"] = httpx.get(s.url + "/p").text

    t = threading.Thread(target=in_thread)
    t.start()
    t.join(10)
    assert box["text"] == "ok"


def test_gil_is_free_while_idle(app):
    """A CPU-bound Python thread keeps its pace while the server idles."""
    app.static("/p", "ok")

    def spin(seconds: float) -> int:
        n, end = 0, time.monotonic() + seconds
        while time.monotonic() < end:
            n += 1
        return n

    alone = spin(0.3)
    with pyo3_hyper.start(app, port=0, workers=2):
        time.sleep(0.1)
        beside = spin(0.3)
    assert beside > alone * 0.5, (alone, beside)


def test_json_route_value_must_be_json(app):
    with pytest.raises(ValueError):
        app.static_json("/nan", float("nan"))
    assert json.loads("1") == 1


def test_http_error_is_the_compiled_cores_own_class(app):
    """HTTPError lives in the compiled core (the Python package re-exports it); it carries
    status and detail like a Python exception class would, and subclasses answer too."""
    assert HTTPError is pyo3_hyper._core.HTTPError and HTTPError.__module__ == "pyo3_hyper"
    err = HTTPError(400, "field 'name' is required")
    assert isinstance(err, Exception) and (err.status, err.detail) == (400, "field 'name' is required")
    assert HTTPError(418).detail is None

    class Gone(HTTPError):
        def __init__(self) -> None:
            super().__init__(404, "gone")

    @app.get("/gone")
    def gone(request: Request):
        raise Gone()

    with pyo3_hyper.start(app, workers=1) as server:
        r = httpx.get(f"{server.url}/gone")
    # The detail reaches the client beside the contract's code (issue 13, defect 3).
    assert r.status_code == 404 and r.json() == {"error": "not_found", "detail": "gone"}
