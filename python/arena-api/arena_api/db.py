"""The database endpoints' rules (docs/API.md, "Database endpoints") for the Python servers,
as `api_model::db` states them for Rust: the `queries` parameter, the rows and their JSON, the
statements, the fortunes page's rows and its document. Stdlib only; the PostgreSQL client and
the template engine that use these are in `arena_api.pg`.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from typing import NamedTuple

from ._contract import CONTRACT as _CONTRACT

_DATABASE: dict[str, int] = _CONTRACT["database"]
_LIMITS: dict[str, int] = _CONTRACT["limits"]

# Rows of `world`: ids 1..=WORLD_ROWS, randomNumber in the same range.
WORLD_ROWS: int = _DATABASE["world_rows"]
QUERIES_MIN: int = _DATABASE["queries_min"]
QUERIES_MAX: int = _DATABASE["queries_max"]
# A database that does not answer within this (connecting included) gets 503.
DB_TIMEOUT_MS: int = _LIMITS["db_timeout_ms"]
DB_TIMEOUT_S: float = DB_TIMEOUT_MS / 1000
# Connections each worker keeps (the one pool policy of every server).
CONNECTIONS_PER_WORKER: int = _LIMITS["db_connections_per_worker"]

# Where every server reads its database from: postgres://USER:PASSWORD@HOST:PORT/DBNAME.
DATABASE_URL_ENV = "ARENA_DATABASE_URL"

# The statements, the same text as api_model::db::sql, so PostgreSQL's statistics
# compare the servers like with like.
SELECT_WORLD = "SELECT id, randomnumber FROM world WHERE id = $1"
SELECT_FORTUNES = "SELECT id, message FROM fortune"
UPDATE_WORLD = "UPDATE world SET randomnumber = $1 WHERE id = $2"

ADDED_FORTUNE = "Additional fortune added at request time."

# The database routes, all GET; those that take `queries=N`.
PATHS = ("/db", "/queries", "/fortunes", "/updates")
COUNTED = frozenset(("/queries", "/updates"))

# What Rust's `i64::from_str` accepts: an optional sign and ASCII digits, nothing else
# (Python's int() would also take spaces, underscores and non-ASCII digits).
_I64 = re.compile(r"[+-]?[0-9]+")
_I64_MIN, _I64_MAX = -(2**63), 2**63 - 1


def queries_count(query_string: str | bytes | None) -> int:
    """`queries=N` of a raw query string, as api_model::db::queries_count: the first
    `queries` key counts; missing, empty or not an integer -> QUERIES_MIN; clamped to
    QUERIES_MIN..=QUERIES_MAX. The result is a count, never text that reaches SQL."""
    if isinstance(query_string, bytes):
        query_string = query_string.decode("latin-1")
    for pair in (query_string or "").split("&"):
        key, _, value = pair.partition("=")
        if key != "queries":
            continue
        if not _I64.fullmatch(value):
            return QUERIES_MIN
        n = int(value)
        if not _I64_MIN <= n <= _I64_MAX:
            return QUERIES_MIN
        return max(QUERIES_MIN, min(QUERIES_MAX, n))
    return QUERIES_MIN


def random_id() -> int:
    """A uniformly random id of `world` (also a new randomNumber)."""
    return random.randint(1, WORLD_ROWS)


def world(row_id: int, random_number: int) -> dict[str, int]:
    """One row as the endpoints answer it: {"id":N,"randomNumber":N} (this key order)."""
    return {"id": row_id, "randomNumber": random_number}


class Fortune(NamedTuple):
    id: int
    message: str


def fortunes_page_rows(rows: Iterable[tuple[int, str]]) -> list[Fortune]:
    """The rows read from `fortune` plus the one made at request time (id 0), sorted by
    message. Rust sorts by the bytes of the UTF-8 text; for any text, that is the order of
    its code points, which is how Python compares strings."""
    page = [Fortune(*row) for row in rows]
    page.append(Fortune(0, ADDED_FORTUNE))
    page.sort(key=lambda f: f.message)
    return page


# The document of docs/API.md, as a Jinja2 template (the Python servers' template engine);
# every message is escaped by autoescape, never by hand.
FORTUNES_TEMPLATE = (
    "<!DOCTYPE html><html><head><title>Fortunes</title></head><body><table>"
    "<tr><th>id</th><th>message</th></tr>"
    "{% for f in fortunes %}<tr><td>{{ f.id }}</td><td>{{ f.message }}</td></tr>{% endfor %}"
    "</table></body></html>"
)
HTML_CONTENT_TYPE = "text/html; charset=utf-8"
