"""A header the handler sets replaces the server's default (issue 13, defect 4)."""

from __future__ import annotations

import httpx
import pyo3_hyper
import pytest
from pyo3_hyper import HTTPError, Request, Response


@pytest.fixture
def client(app):
    @app.get("/html")
    def html(request: Request) -> Response:
        return Response("<p>hi</p>", headers={"Content-Type": "text/html; charset=utf-8"})

    @app.get("/server")
    def server_header(request: Request) -> Response:
        return Response("x", headers={"server": "mine"})

    @app.get("/cookies")
    def cookies(request: Request) -> Response:
        return Response("x", headers=[("set-cookie", "a=1"), ("set-cookie", "b=2")])

    @app.get("/error")
    def error(request: Request) -> None:
        raise HTTPError(503, headers={"content-type": "application/problem+json", "retry-after": "5"})

    with pyo3_hyper.start(app, workers=1) as server, httpx.Client(base_url=server.url, timeout=5) as c:
        yield c


def test_content_type_header_replaces_the_default(client):
    r = client.get("/html")
    assert r.headers.get_list("content-type") == ["text/html; charset=utf-8"]


def test_server_header_replaces_the_default(client):
    assert client.get("/server").headers.get_list("server") == ["mine"]


def test_repeated_headers_are_all_sent(client):
    assert client.get("/cookies").headers.get_list("set-cookie") == ["a=1", "b=2"]


def test_error_headers_replace_defaults_too(client):
    r = client.get("/error")
    assert r.status_code == 503 and r.headers.get_list("content-type") == ["application/problem+json"]
    assert r.headers["retry-after"] == "5"


def test_response_reports_the_header_as_its_content_type():
    assert Response("x", headers={"content-type": "text/html"}).content_type == "text/html"


@pytest.mark.parametrize("name", ["content-length", "transfer-encoding"])
def test_framing_headers_are_the_servers(name):
    with pytest.raises(ValueError):
        Response("x", headers={name: "1"})
