"""The database endpoints (docs/API.md, "Database endpoints") as Python handlers:
asyncpg for PostgreSQL, jinja2 for the fortunes page (templates/fortunes.html,
the template the native variant renders with askama).

Pool policy: one asyncpg pool of `CONNECTIONS_PER_WORKER` connections per
running event loop, made on the first request that loop serves (so it is
bound to the loop that uses it, however many loops the server runs); asyncpg
opens a connection when one is first needed and replaces one that broke.
Nothing connects at start-up: the server starts while the database is down.

Bound: a request gets its answer within `DB_TIMEOUT_S`, connecting included:
503 `service_unavailable` past it or on any database error. The work runs as
its own task so that giving up does not wait for the cancelled query's
clean-up; a connection whose statement failed or was given up on is closed,
and the pool opens a new one on the next request (the Rust pool's policy).
"""

from __future__ import annotations

import asyncio
import os
import weakref
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import jinja2
from arena_api import db
from pyo3_hyper import App, HTTPError, Request, Response

T = TypeVar("T")

# What a database that is down, refuses, errs or went away raises; InternalClientError is
# asyncpg finding a connection mid-protocol after the server ended it under a statement.
DATABASE_ERRORS = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.exceptions.InternalClientError)


class Database:
    def __init__(self, url: str | None, templates: Path):
        self._url = url
        self._pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncpg.Pool] = weakref.WeakKeyDictionary()
        self._opening: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Task[asyncpg.Pool]] = (
            weakref.WeakKeyDictionary()
        )
        # autoescape: every {{ }} of the page is HTML-escaped (& < > " ').
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(templates), autoescape=True)
        self._fortunes = env.get_template("fortunes.html")

    async def _pool(self) -> asyncpg.Pool:
        loop = asyncio.get_running_loop()
        pool = self._pools.get(loop)
        if pool is not None:
            return pool
        # Requests that arrive while the pool is being made wait for that one.
        opening = self._opening.get(loop)
        if opening is None:
            opening = self._opening[loop] = loop.create_task(self._open())
        try:
            pool = await asyncio.shield(opening)
        finally:
            if opening.done():
                self._opening.pop(loop, None)
        self._pools[loop] = pool
        return pool

    async def _open(self) -> asyncpg.Pool:
        # min_size=0: no connection until a request needs one; once open, kept
        # (no idle lifetime), as the contract's pool policy says. `timeout`
        # bounds connecting, `command_timeout` each statement, so a query
        # abandoned by its request still ends on its own.
        return await asyncpg.create_pool(
            self._url,
            min_size=0,
            max_size=db.CONNECTIONS_PER_WORKER,
            max_inactive_connection_lifetime=0,
            timeout=db.DB_TIMEOUT_S,
            command_timeout=db.DB_TIMEOUT_S,
            reset=_no_session_state,
        )

    async def bounded(self, work: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        """`work` on a pooled connection within the contract's timeout; else HTTPError(503)."""
        if self._url is None:
            raise HTTPError(503)
        task = asyncio.ensure_future(self._on_connection(work))
        done, _ = await asyncio.wait((task,), timeout=db.DB_TIMEOUT_S)
        if not done:
            task.cancel()
            task.add_done_callback(_consume)
            raise HTTPError(503)
        try:
            return task.result()
        except DATABASE_ERRORS as exc:
            raise HTTPError(503) from exc

    async def _on_connection(self, work: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        pool = await self._pool()
        async with pool.acquire(timeout=db.DB_TIMEOUT_S) as conn:
            try:
                return await work(conn)
            except BaseException:
                # A statement that failed or was given up on can leave the connection
                # mid-protocol or half-closed, and no reset query runs on release
                # (_no_session_state) to find out: the pool opens a new one instead.
                conn.terminate()
                raise

    def fortunes_page(self, rows: list[db.Fortune]) -> bytes:
        return self._fortunes.render(fortunes=rows).encode()


async def _no_session_state(conn: asyncpg.Connection) -> None:
    """The handlers leave no session state (no SET, LISTEN, cursor or advisory
    lock) behind, so a released connection skips asyncpg's default reset, a
    round trip of four statements per request; asyncpg still rolls back a
    transaction left open. Measured here: about 1.7x the queries per second
    through one pool."""


def _consume(task: asyncio.Task[Any]) -> None:
    """A task given up on: its outcome is known to be a 503 already."""
    if not task.cancelled():
        task.exception()


async def _world(conn: asyncpg.Connection) -> dict[str, int]:
    row = await conn.fetchrow(db.SELECT_WORLD, db.random_id())
    return db.world(row[0], row[1])


async def _worlds(conn: asyncpg.Connection, count: int) -> list[dict[str, int]]:
    # asyncpg runs one statement at a time on a connection: one round trip per row.
    return [await _world(conn) for _ in range(count)]


async def _updates(conn: asyncpg.Connection, count: int) -> list[dict[str, int]]:
    rows = await _worlds(conn, count)
    for row in rows:
        row["randomNumber"] = db.random_id()
    # executemany sends every UPDATE in one pipelined batch, in one transaction:
    # in id order, so two requests never lock the same rows in opposite orders.
    ordered = sorted(rows, key=lambda row: row["id"])
    await conn.executemany(db.UPDATE_WORLD, [(row["randomNumber"], row["id"]) for row in ordered])
    return rows


def register(app: App, directory: Path) -> None:
    """GET /db, /queries, /fortunes, /updates as `async def` handlers."""
    database = Database(os.environ.get(db.DATABASE_URL_ENV), directory / "templates")

    @app.get("/db")
    async def world(request: Request) -> dict[str, int]:
        return await database.bounded(_world)

    @app.get("/queries")
    async def queries(request: Request) -> list[dict[str, int]]:
        count = db.queries_count(request.query_string)
        return await database.bounded(lambda conn: _worlds(conn, count))

    @app.get("/updates")
    async def updates(request: Request) -> list[dict[str, int]]:
        count = db.queries_count(request.query_string)
        return await database.bounded(lambda conn: _updates(conn, count))

    @app.get("/fortunes")
    async def fortunes(request: Request) -> Response:
        rows = await database.bounded(lambda conn: conn.fetch(db.SELECT_FORTUNES))
        page = database.fortunes_page(db.fortunes_page_rows((row[0], row[1]) for row in rows))
        return Response(page, content_type=db.HTML_CONTENT_TYPE)
