"""`App.arena_database()`: the arena's database routes answered in Rust (src/database.rs).
Without a reachable database they answer 503; against the session's PostgreSQL
(the `database` fixture, which sets ARENA_DATABASE_URL), rows."""

from __future__ import annotations

import socket

import httpx
import pyo3_hyper
import pytest

from harness import db

PATHS = ("/db", "/queries", "/fortunes", "/updates")


def test_registers_the_four_get_routes(app):
    app.arena_database()
    assert [route for route in app.routes() if route[1] in PATHS] == [("GET", path) for path in PATHS]


def test_unreachable_database_is_service_unavailable(app, monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # Read by each worker thread on its first database request, so set before start.
    monkeypatch.setenv("ARENA_DATABASE_URL", f"postgres://u:p@127.0.0.1:{port}/db")
    app.arena_database()
    with pyo3_hyper.start(app, workers=1) as server:
        for path in PATHS:
            r = httpx.get(server.url + path + "?queries=3", timeout=10)
            assert (r.status_code, r.json()) == (503, {"error": "service_unavailable"}), path
        r = httpx.post(server.url + "/db", timeout=10)
        assert (r.status_code, r.headers["allow"]) == (405, "GET, HEAD")  # HEAD rides on GET


def test_rows_from_the_database(app, database):
    # The session's cluster (tests/conftest.py) sets ARENA_DATABASE_URL when the fixture is
    # set up, after collection: a module-level look at the environment would always skip.
    if not isinstance(database, db.ClusterState):
        pytest.skip(f"no PostgreSQL for this session: {database.reason}")
    app.arena_database()
    with pyo3_hyper.start(app, workers=1) as server:
        r = httpx.get(server.url + "/queries?queries=3", timeout=10)
        assert r.status_code == 200 and len(r.json()) == 3
        r = httpx.get(server.url + "/fortunes", timeout=10)
        assert r.headers["content-type"] == "text/html; charset=utf-8"
        assert "&lt;script&gt;" in r.text or "&#60;script&#62;" in r.text
