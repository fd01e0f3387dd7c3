"""Path parameters are percent-decoded (issue 13, defect 6); the `path` converter
catches the rest of a path (defect 10)."""

from __future__ import annotations

import httpx
import pyo3_hyper
import pytest
from pyo3_hyper import Request


@pytest.fixture
def client(app):
    @app.get("/items/{name}")
    def item(request: Request) -> dict:
        return {"name": request.path_params["name"]}

    @app.get("/n/{n:int}")
    def number(request: Request) -> dict:
        return {"n": request.path_params["n"]}

    @app.get("/files/{rest:path}")
    def files(request: Request) -> dict:
        return {"rest": request.path_params["rest"]}

    @app.get("/static/exact")
    def exact(request: Request) -> str:
        return "exact"

    @app.get("/{anything:path}")
    def fallback(request: Request) -> dict:
        return {"fallback": request.path_params["anything"]}

    with pyo3_hyper.start(app, workers=1) as server, httpx.Client(base_url=server.url, timeout=5) as c:
        yield c


@pytest.mark.parametrize(
    "raw,decoded",
    [("caf%C3%A9", "café"), ("a%2Fb", "a/b"), ("%E2%82%AC%20x", "€ x"), ("plain", "plain"), ("100%25", "100%")],
)
def test_path_params_are_percent_decoded(client, raw, decoded):
    assert client.get(f"/items/{raw}").json() == {"name": decoded}


def test_an_undecodable_param_is_400(client):
    r = client.get("/items/%FF")
    assert r.status_code == 400 and r.json()["error"] == "bad_request"


def test_int_params_see_the_decoded_digits(client):
    assert client.get("/n/%34%32").json() == {"n": 42}
    assert client.get("/n/%20").status_code == 400


@pytest.mark.parametrize("path,rest", [("/files/a/b/c.txt", "a/b/c.txt"), ("/files/", ""), ("/files/x%2Fy/%C3%A9", "x/y/é")])
def test_path_converter_takes_the_rest(client, path, rest):
    assert client.get(path).json() == {"rest": rest}


def test_catch_all_comes_after_earlier_routes(client):
    assert client.get("/static/exact").text == "exact"
    assert client.get("/no/such/page").json() == {"fallback": "no/such/page"}
    assert client.get("/").json() == {"fallback": ""}


def test_path_converter_must_be_last(app):
    with pytest.raises(ValueError):
        app.route("GET", "/a/{rest:path}/b", lambda r: "x")
