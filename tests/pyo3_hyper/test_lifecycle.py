"""on_startup / on_shutdown hooks run on the server's event loop (issue 13, defect 10)."""

from __future__ import annotations

import asyncio

import httpx
import pyo3_hyper
import pytest
from pyo3_hyper import Request


def test_hooks_run_on_the_servers_loop(app):
    events: list[str] = []
    state: dict = {}

    @app.on_startup
    async def open_resources() -> None:
        state["queue"] = asyncio.Queue()
        state["loop"] = asyncio.get_running_loop()
        events.append("async startup")

    @app.on_startup
    def sync_startup() -> None:
        events.append("sync startup")

    @app.on_shutdown
    async def close_resources() -> None:
        assert asyncio.get_running_loop() is state["loop"]
        events.append("async shutdown")

    @app.get("/q")
    async def use_queue(request: Request) -> dict:
        await state["queue"].put(1)
        return {"size": state["queue"].qsize(), "same_loop": asyncio.get_running_loop() is state["loop"]}

    with pyo3_hyper.start(app, workers=1) as server:
        assert events == ["async startup", "sync startup"]
        r = httpx.get(server.url + "/q", timeout=5)
        assert r.json() == {"size": 1, "same_loop": True}
        assert httpx.get(server.url + "/q", timeout=5).json()["size"] == 2
    assert events == ["async startup", "sync startup", "async shutdown"]


def test_a_failing_startup_hook_fails_start(app):
    app.static("/p", "x")

    @app.on_startup
    async def broken() -> None:
        raise RuntimeError("no database")

    with pytest.raises(RuntimeError, match="no database"):
        pyo3_hyper.start(app, workers=1)
    # The port was released: another start on a fresh app works.
    fresh = pyo3_hyper.App()
    fresh.static("/p", "x")
    with pyo3_hyper.start(fresh, workers=1) as server:
        assert httpx.get(server.url + "/p", timeout=5).text == "x"
