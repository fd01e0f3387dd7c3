"""The database endpoints (docs/API.md, "Database endpoints") over asyncpg, with Jinja2 for
/fortunes: what the Python servers answer on `NeedDatabase`. The rules are `arena_api.db`'s;
this is the client work, the same for every asyncio server (granian's and uvicorn's worker
processes, pyo3-hyper's interpreter thread).

Pool policy (the contract's): one `Database` per event loop keeps up to
`db.CONNECTIONS_PER_WORKER` connections, opened on first use (nothing connects at start-up,
so a server starts whether or not PostgreSQL is up) and reopened by asyncpg's pool on the next
use after one breaks; idle connections are kept. asyncpg prepares each statement once per
connection (its statement cache) and reuses it.

Failure: every answer, connecting included, is bounded by `db.DB_TIMEOUT_S`. The work runs as
a task of its own; when the bound passes, the request gets 503 at once and the task is
cancelled without waiting for it, because asyncpg's clean-up of a cancelled query (a cancel
request, a reset) talks to the very server that stopped answering. Its own timeouts (the
connect timeout, and the acquire timeout that also bounds the release) end that clean-up.

asyncpg runs one query at a time on a connection, so /queries reads its rows one after
another; /updates writes them with `executemany`, asyncpg's idiom for a statement over many
argument sets, which sends them in one pipeline as one atomic operation (rows sorted by id so
concurrent requests lock rows in the same order and cannot deadlock).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import jinja2

from . import JSON_CONTENT_TYPE, Reply, db, error, to_json

_TEMPLATE = jinja2.Environment(autoescape=True).from_string(db.FORTUNES_TEMPLATE)
# What an unreachable, refusing, failing or slow database raises (a refused or timed-out
# connect, a server error, a connection lost mid-query, the pool's acquire timeout).
_UNAVAILABLE = (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.exceptions.InternalClientError)


class Database:
    """One event loop's connections and the four endpoints over them."""

    def __init__(
        self,
        url: str | None = None,
        *,
        connections: int = db.CONNECTIONS_PER_WORKER,
        timeout_s: float = db.DB_TIMEOUT_S,
    ) -> None:
        self.url = url if url is not None else os.environ.get(db.DATABASE_URL_ENV)
        self.connections = connections
        self.timeout_s = timeout_s
        self._pool: asyncpg.Pool | None = None
        self._handlers: dict[str, Callable[[asyncpg.Connection, int], Awaitable[Reply]]] = {
            "/db": self._db,
            "/queries": self._queries,
            "/fortunes": self._fortunes,
            "/updates": self._updates,
        }

    async def reply(self, path: str, query_string: str | bytes | None) -> Reply:
        """The answer to GET `path` (one of `db.PATHS`): 200, or 503 when PostgreSQL is
        unreachable, errs or does not answer within the timeout."""
        if self.url is None:
            return error(503)
        n = db.queries_count(query_string) if path in db.COUNTED else 1
        work = asyncio.ensure_future(self._run(self._handlers[path], n))
        done, _ = await asyncio.wait((work,), timeout=self.timeout_s)
        if not done:
            work.cancel()
            work.add_done_callback(_drop_outcome)
            return error(503)
        try:
            return work.result()
        except _UNAVAILABLE:
            return error(503)

    async def _run(self, handler: Callable[[asyncpg.Connection, int], Awaitable[Reply]], n: int) -> Reply:
        pool = await self._ready_pool()
        async with pool.acquire(timeout=self.timeout_s) as conn:
            return await handler(conn, n)

    async def _ready_pool(self) -> asyncpg.Pool:
        # Made on the running loop at first use. It opens no connection up front (min_size 0),
        # so its initialisation neither waits for nor fails on the database: it is made once,
        # without suspending, and a request arriving meanwhile cannot see it half made.
        if self._pool is None:
            self._pool = asyncpg.create_pool(
                self.url,
                min_size=0,
                max_size=self.connections,
                max_inactive_connection_lifetime=0,
                timeout=self.timeout_s,
                command_timeout=self.timeout_s,
                reset=_no_session_state,
            )
        pool: asyncpg.Pool = await self._pool
        return pool

    async def _db(self, conn: asyncpg.Connection, _n: int) -> Reply:
        row = await conn.fetchrow(db.SELECT_WORLD, db.random_id())
        return _json(db.world(row[0], row[1]))

    async def _queries(self, conn: asyncpg.Connection, n: int) -> Reply:
        return _json(await _worlds(conn, n))

    async def _fortunes(self, conn: asyncpg.Connection, _n: int) -> Reply:
        rows = await conn.fetch(db.SELECT_FORTUNES)
        page = _TEMPLATE.render(fortunes=db.fortunes_page_rows((r[0], r[1]) for r in rows))
        return Reply(200, db.HTML_CONTENT_TYPE, page.encode())

    async def _updates(self, conn: asyncpg.Connection, n: int) -> Reply:
        worlds = await _worlds(conn, n)
        for w in worlds:
            w["randomNumber"] = db.random_id()
        await conn.executemany(db.UPDATE_WORLD, sorted(((w["randomNumber"], w["id"]) for w in worlds), key=lambda a: a[1]))
        return _json(worlds)


async def _worlds(conn: asyncpg.Connection, n: int) -> list[dict[str, int]]:
    out = []
    for _ in range(n):
        row = await conn.fetchrow(db.SELECT_WORLD, db.random_id())
        out.append(db.world(row[0], row[1]))
    return out


def _json(value: Any) -> Reply:
    return Reply(200, JSON_CONTENT_TYPE, to_json(value))


async def _no_session_state(_conn: asyncpg.Connection) -> None:
    """The endpoints set no session state (no SET, LISTEN, cursor or advisory lock), so a
    connection goes back to the pool without asyncpg's reset query, a round trip per request
    (asyncpg still rolls back a transaction left open)."""


def _drop_outcome(task: asyncio.Future[Any]) -> None:
    """The abandoned work's error is the 503 already sent; retrieve it so asyncio does not log it."""
    if not task.cancelled():
        task.exception()
