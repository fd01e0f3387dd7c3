"""The database endpoints' contract (docs/API.md, "Database endpoints") as the tests check it,
and PostgreSQL's own view of what a server did. Every number and text comes from its one home:
the contract through `arena_api.db` (crates/api-model/contract.toml), the seeded fortunes from
harness/db.py, the error codes from `arena_api.ERROR_CODES`."""

from __future__ import annotations

import time

import pytest
from arena_api import ERROR_CODES
from arena_api.db import ADDED_FORTUNE, QUERIES_MAX, QUERIES_MIN, WORLD_ROWS
from arena_api.db import PATHS as ROUTES

from harness import db
from harness.manifest import ServerSpec

__all__ = ["ADDED_FORTUNE", "QUERIES_MAX", "QUERIES_MIN", "ROUTES", "WORLD_ROWS", "FORTUNES", "UNAVAILABLE"]

FORTUNES = db.FORTUNES
UNAVAILABLE = {"error": ERROR_CODES[503]}

# Statements by what they do, whatever a client's spelling (PostgreSQL's statistics keep one
# text per normalized statement): reads of world, reads of fortune, writes of world. Regular
# expressions both PostgreSQL and Python read alike (no \b: a backspace to PostgreSQL).
SELECTS_WORLD = r"^\s*select\s.*\sfrom\s+world(\s|;|$)"
SELECTS_FORTUNE = r"^\s*select\s.*\sfrom\s+fortune(\s|;|$)"
UPDATES_WORLD = r"^\s*(with\s.*\s)?update\s+world\s"
# The statistics settle after the client has its answer (PostgreSQL records a statement when
# its portal closes, at the Sync after the Execute): waits for the counts are bounded by this.
STATS_SETTLE_S = 2.0


def skip_unless_declared(spec: ServerSpec) -> None:
    if spec.database is None:
        pytest.skip(f"{spec.name} declares no [database] table in its manifest: it does not serve the database endpoints yet")


def skip_unless_served(spec: ServerSpec, database: object) -> db.ClusterState:
    """The session's cluster, or a skip naming why these tests cannot run for this server."""
    skip_unless_declared(spec)
    if not isinstance(database, db.ClusterState):
        pytest.skip(f"no PostgreSQL for this session: {database.reason}")
    return database


def world_table(state: db.ClusterState) -> dict[int, int]:
    rows = db.psql(state, "SELECT id, randomnumber FROM world").split()
    return {int(i): int(n) for i, n in (r.split("|") for r in rows)}


def reset_statistics(state: db.ClusterState) -> None:
    db.psql(state, "SELECT pg_stat_statements_reset()", superuser=True)


def statements(state: db.ClusterState, pattern: str) -> tuple[int, int]:
    """(calls, rows) of the statements run in the arena's database whose text matches `pattern`
    (case-insensitive), since the last reset."""
    out = db.psql(
        state,
        "SELECT coalesce(sum(calls), 0), coalesce(sum(rows), 0) FROM pg_stat_statements"
        f" WHERE dbid = (SELECT oid FROM pg_database WHERE datname = '{db.DB_NAME}')"
        f" AND query ~* '{pattern}' AND query !~* 'pg_stat_statements'",
        superuser=True,
    )
    calls, rows = out.strip().split("|")
    return int(calls), int(rows)


def statements_at_least(state: db.ClusterState, pattern: str, calls: int, rows: int = 0) -> tuple[int, int]:
    """`statements`, waiting (at most STATS_SETTLE_S) for the counts to reach what is expected."""
    deadline = time.monotonic() + STATS_SETTLE_S
    while True:
        got = statements(state, pattern)
        if (got[0] >= calls and got[1] >= rows) or time.monotonic() > deadline:
            return got
        time.sleep(0.05)


def statement_texts(state: db.ClusterState) -> list[str]:
    """Every statement text recorded in the arena's database since the last reset (ours excluded)."""
    out = db.psql(
        state,
        "SELECT replace(query, E'\\n', ' ') FROM pg_stat_statements"
        f" WHERE dbid = (SELECT oid FROM pg_database WHERE datname = '{db.DB_NAME}') AND query !~* 'pg_stat_statements'",
        superuser=True,
    )
    return [line for line in out.split("\n") if line]
