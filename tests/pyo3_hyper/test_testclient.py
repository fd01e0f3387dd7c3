"""`app.test_client()`: an httpx client served in-process, without a port (issue 13,
defect 12)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
from pyo3_hyper import HTTPError, Request


def test_test_client_serves_the_app_without_a_port(app):
    events = []

    @app.on_startup
    def up() -> None:
        events.append("up")

    @app.on_shutdown
    def down() -> None:
        events.append("down")

    @app.get("/users/{id:int}")
    async def user(request: Request) -> dict:
        await asyncio.sleep(0)
        if request.path_params["id"] > 100:
            raise HTTPError(404, "no such user")
        return {"id": request.path_params["id"], "q": request.query}

    @app.post("/echo", body="json")
    def echo(request: Request) -> dict:
        return {"got": request.json()}

    @app.get("/stream")
    def stream(request: Request) -> Iterator[str]:
        return iter(["a", "b", "c"])

    app.static("/static", "native")

    with app.test_client() as client:
        assert isinstance(client, httpx.Client)
        assert events == ["up"]
        r = client.get("/users/7?x=1")
        assert r.status_code == 200 and r.json() == {"id": 7, "q": {"x": "1"}}
        assert r.headers["server"] == "test-server"
        assert client.get("/users/700").json() == {"error": "not_found", "detail": "no such user"}
        assert client.get("/users/abc").status_code == 400
        assert client.post("/echo", json={"a": [1, 2]}).json() == {"got": {"a": [1, 2]}}
        assert client.post("/echo", content=b"{}", headers={"content-type": "text/plain"}).status_code == 415
        assert client.get("/stream").text == "abc"
        assert client.head("/static").content == b""
        assert client.get("/static").text == "native"
        assert client.get("/nope").status_code == 404
    assert events == ["up", "down"]


def test_readme_examples_run():
    """The package README's examples run as written (the first one served by the test client
    instead of `serve`, which its `__main__` guard skips)."""
    import re
    from pathlib import Path

    readme = Path(__file__).resolve().parents[2] / "servers" / "pyo3-hyper" / "README.md"
    blocks = re.findall(r"```python\n(.*?)```", readme.read_text(), flags=re.S)
    first: dict = {"__name__": "readme"}
    exec(blocks[0], first)
    with first["app"].test_client() as client:
        assert client.get("/users/7?tag=a&tag=b").json() == {"id": 7, "tags": ["a", "b"]}
        assert client.get("/users/700").json() == {"error": "not_found", "detail": "no such user"}
        assert client.get("/report").headers["content-type"] == "text/html; charset=utf-8"
        assert client.get("/ticks").text == "tick 0\ntick 1\ntick 2\n"
        assert client.post("/items", json={"x": 1}).status_code == 201
        assert client.get("/hello").text == "Hello, World!"
    for block in blocks[1:]:
        exec(block, {"__name__": "readme"})
