"""The database endpoints (docs/API.md, "Database endpoints") against the session's PostgreSQL:
shapes and ranges, the rows being the database's, randomness, the `queries` rules, the fortunes
document parsed as HTML, updates read back with the test's own connection, and PostgreSQL's own
statistics proving that every request ran its own queries and that a bad `queries` value never
reached SQL. A server without a `[database]` table in its manifest is skipped, saying so."""

from __future__ import annotations

import html
import html.parser
import re
from collections import defaultdict
from typing import NamedTuple

import pytest

from harness import db
from tests.support.rawhttp import RawConnection, request

from .contract import ERROR_CODES, media_type, ordered
from .database import (
    ADDED_FORTUNE,
    FORTUNES,
    QUERIES_MAX,
    QUERIES_MIN,
    ROUTES,
    SELECTS_FORTUNE,
    SELECTS_WORLD,
    UPDATES_WORLD,
    WORLD_ROWS,
    reset_statistics,
    skip_unless_served,
    statement_texts,
    statements,
    statements_at_least,
    world_table,
)

# Requests in each burst whose queries PostgreSQL must have counted.
BURST = 20
# Rows per request in the /queries and /updates bursts.
ROWS_PER_REQUEST = 5


@pytest.fixture
def pg(server_spec, database) -> db.ClusterState:
    return skip_unless_served(server_spec, database)


def world_rows(resp, expected: int) -> list[dict[str, int]]:
    """The JSON array of a /queries or /updates answer, each element checked as a world row."""
    assert resp.status_code == 200, resp.text
    assert media_type(resp.headers.get("content-type")) == "application/json"
    rows = resp.json()
    assert isinstance(rows, list), resp.text[:200]
    assert len(rows) == expected, f"{len(rows)} rows for {resp.request.url.query!r}, expected {expected}"
    for row in ordered(resp.content):
        assert_world_shape(row)
    return rows


def assert_world_shape(parsed) -> None:
    """One row from `ordered()`: exactly {"id":N,"randomNumber":N}, in this order, both in range."""
    assert parsed[0] == "__obj__", parsed
    keys = [k for k, _ in parsed[1]]
    assert keys == ["id", "randomNumber"], keys
    for key, value in parsed[1]:
        assert type(value) is int and 1 <= value <= WORLD_ROWS, f"{key}={value!r} not an integer in 1..={WORLD_ROWS}"


def db_row(client) -> dict[str, int]:
    resp = client.get("/db")
    assert resp.status_code == 200, resp.text
    assert media_type(resp.headers.get("content-type")) == "application/json"
    assert_world_shape(ordered(resp.content))
    return resp.json()


def test_db_row_shape_and_range(client, pg):
    db_row(client)


@pytest.mark.parametrize("target", ["/db", "/queries?queries=2", "/fortunes", "/updates?queries=2"])
def test_database_answers_carry_contract_headers(server, pg, target):
    with RawConnection(server.host, server.port) as conn:
        conn.send(request("GET", target))
        resp = conn.read_response()
    assert resp.status == 200, resp.body[:200]
    assert resp.version == "HTTP/1.1"
    assert resp.header_all("server") == [server.spec.name]
    assert not resp.chunked, "fixed-size bodies carry Content-Length, not chunked encoding"
    assert resp.header("content-length") == str(len(resp.body))
    assert len(resp.header_all("date")) == 1


def test_rows_are_the_databases(client, pg):
    """/db and /queries answer the rows as PostgreSQL holds them, not made-up numbers."""
    answered = [db_row(client) for _ in range(10)]
    answered += world_rows(client.get("/queries?queries=20"), 20)
    table = world_table(pg)
    wrong = [(r["id"], r["randomNumber"], table[r["id"]]) for r in answered if table[r["id"]] != r["randomNumber"]]
    assert not wrong, f"rows not as in the database (id, answered, stored): {wrong}"


def test_db_is_random(client, pg):
    ids = {db_row(client)["id"] for _ in range(20)}
    assert len(ids) > 1, f"20 answers of /db all had id {ids}"


@pytest.mark.parametrize(
    "query, expected",
    [
        ("", QUERIES_MIN),
        ("?queries=", QUERIES_MIN),
        ("?queries=0", QUERIES_MIN),
        ("?queries=-1", QUERIES_MIN),
        ("?queries=abc", QUERIES_MIN),
        ("?queries=1", 1),
        ("?queries=20", 20),
        ("?queries=501", QUERIES_MAX),
        ("?queries=7&queries=3", 7),
        ("?other=9&queries=4", 4),
    ],
    ids=["missing", "empty", "zero", "negative", "abc", "one", "twenty", "over-max", "repeated-key", "second-key"],
)
def test_queries_count_rules(client, pg, query, expected):
    rows = world_rows(client.get("/queries" + query), expected)
    if expected >= 20:
        assert len({r["id"] for r in rows}) > 1, "every row of one answer had the same id"


@pytest.mark.parametrize(
    "query, expected",
    [
        ("", QUERIES_MIN),
        ("?queries=abc", QUERIES_MIN),
        ("?queries=0", QUERIES_MIN),
        ("?queries=20", 20),
        ("?queries=501", QUERIES_MAX),
    ],
    ids=["missing", "abc", "zero", "twenty", "over-max"],
)
def test_updates_count_rules(client, pg, query, expected):
    world_rows(client.get("/updates" + query), expected)


@pytest.mark.parametrize("path", ROUTES)
@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_database_wrong_method_is_405(client, pg, path, method):
    resp = client.request(method, path)
    assert resp.status_code == 405, resp.text
    assert resp.json() == {"error": ERROR_CODES[405]}
    assert "GET" in {m.strip().upper() for m in resp.headers.get("allow", "").split(",")}


class Cell(NamedTuple):
    raw: str  # as sent, character references unresolved
    data: str  # the characters sent as themselves (no reference)


class FortunesPage(html.parser.HTMLParser):
    """The document's structure as parsed: the doctype, every tag in order (closing ones as
    "/name"), the title, and each table row's cells."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.decls: list[str] = []
        self.tags: list[str] = []
        self.stray: list[str] = []
        self.title = ""
        self.rows: list[list[Cell]] = []
        self._cell: list[tuple[bool, str]] | None = None
        self._in_title = False

    def handle_decl(self, decl: str) -> None:
        self.decls.append(decl)

    def handle_starttag(self, tag: str, attrs) -> None:
        self.tags.append(tag)
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        self.tags.append("/" + tag)
        if tag in ("td", "th") and self._cell is not None and self.rows:
            raw = "".join(text for _, text in self._cell)
            self.rows[-1].append(Cell(raw, "".join(text for is_ref, text in self._cell if not is_ref)))
        self._cell = None
        self._in_title = False

    def _text(self, text: str, is_ref: bool) -> None:
        if self._cell is not None:
            self._cell.append((is_ref, text))
        elif self._in_title:
            self.title += text
        elif text.strip():
            self.stray.append(text)

    def handle_data(self, data: str) -> None:
        self._text(data, False)

    def handle_entityref(self, name: str) -> None:
        self._text(f"&{name};", True)

    def handle_charref(self, name: str) -> None:
        self._text(f"&#{name};", True)


def expected_page_rows() -> list[tuple[int, str]]:
    rows = [*enumerate(FORTUNES, 1), (0, ADDED_FORTUNE)]
    # docs/API.md: sorted by message; api_model sorts the UTF-8 bytes.
    return sorted(rows, key=lambda r: r[1].encode("utf-8"))


def test_fortunes_document(client, pg):
    resp = client.get("/fortunes")
    assert resp.status_code == 200, resp.text
    ctype = [p.strip().lower() for p in resp.headers.get("content-type", "").split(";")]
    assert ctype == ["text/html", "charset=utf-8"], resp.headers.get("content-type")
    body = resp.content
    text = body.decode("utf-8")  # strict: the page is UTF-8
    page = FortunesPage()
    page.feed(text)
    page.close()
    expected = expected_page_rows()

    assert [d.lower() for d in page.decls] == ["doctype html"], page.decls
    cells = ["tr", "td", "/td", "td", "/td", "/tr"] * len(expected)
    head = ["html", "head", "title", "/title", "/head", "body", "table", "tr", "th", "/th", "th", "/th", "/tr"]
    assert page.tags == [*head, *cells, "/table", "/body", "/html"], f"not the documented document: {page.tags}"
    assert page.title == "Fortunes" and not page.stray, (page.title, page.stray)
    assert [c.raw for c in page.rows[0]] == ["id", "message"]

    rows = page.rows[1:]
    assert all(len(r) == 2 and r[0].raw.isascii() and r[0].raw.isdigit() for r in rows), [[c.raw for c in r] for r in rows]
    got = [(int(id_cell.raw), html.unescape(message.raw)) for id_cell, message in rows]
    assert sorted(got) == sorted(expected), "the rows are not the fortune table plus the added row (id 0)"
    assert got == expected, "rows not sorted by message"

    # Escaping, on the text as sent: no markup character stands for itself in a message.
    for _, message in rows:
        unescaped = [c for c in "<>&\"'" if c in message.data]
        assert not unescaped, f"{unescaped} unescaped in {message.raw!r}"
    assert b"<script" not in body.lower(), "the <script> fortune reached the page unescaped"
    japanese = next(m for m in FORTUNES if not m.isascii() and "—" not in m)
    assert japanese.encode("utf-8") in body, "the Japanese fortune is not in the page as UTF-8"


def test_updates_are_written_before_the_answer(client, pg):
    """Read back with the test's own connection after the answer: every answered row holds its
    new value, no other row changed, and something did change (a server that only read would
    answer the old values)."""
    before = world_table(pg)
    rows = world_rows(client.get("/updates?queries=20"), 20)
    after = world_table(pg)
    answered: dict[int, set[int]] = defaultdict(set)
    for r in rows:
        answered[r["id"]].add(r["randomNumber"])
    not_written = {i: (sorted(v), after[i]) for i, v in answered.items() if after[i] not in v}
    assert not not_written, f"rows not as answered after the response (id: answered, stored): {not_written}"
    changed = {i for i in after if after[i] != before[i]}
    assert changed <= set(answered), f"rows changed that the answer does not show: {sorted(changed - set(answered))[:10]}"
    assert changed, "no row changed: the answer's new values were not written"


def test_every_db_request_runs_its_own_query(client, pg):
    reset_statistics(pg)
    for _ in range(BURST):
        db_row(client)
    calls, _ = statements_at_least(pg, SELECTS_WORLD, BURST)
    assert calls >= BURST, f"{BURST} /db answers, {calls} executions of the world select (a cache?)"


def test_every_queries_row_has_its_own_query(client, pg):
    reset_statistics(pg)
    for _ in range(BURST):
        world_rows(client.get(f"/queries?queries={ROWS_PER_REQUEST}"), ROWS_PER_REQUEST)
    calls, _ = statements_at_least(pg, SELECTS_WORLD, BURST * ROWS_PER_REQUEST)
    assert calls >= BURST * ROWS_PER_REQUEST, (
        f"{BURST} answers of {ROWS_PER_REQUEST} rows, {calls} executions of the world select (one query per row is the rule)"
    )


def test_every_fortunes_request_reads_the_table(client, pg):
    reset_statistics(pg)
    for _ in range(BURST):
        assert client.get("/fortunes").status_code == 200
    calls, _ = statements_at_least(pg, SELECTS_FORTUNE, BURST)
    assert calls >= BURST, f"{BURST} /fortunes answers, {calls} reads of fortune (a cached page?)"


def test_every_updates_row_is_read_and_written(client, pg):
    reset_statistics(pg)
    written = 0
    for _ in range(BURST):
        rows = world_rows(client.get(f"/updates?queries={ROWS_PER_REQUEST}"), ROWS_PER_REQUEST)
        written += len({r["id"] for r in rows})
    reads, _ = statements_at_least(pg, SELECTS_WORLD, BURST * ROWS_PER_REQUEST)
    _, rows_updated = statements_at_least(pg, UPDATES_WORLD, 1, written)
    assert reads >= BURST * ROWS_PER_REQUEST, f"{BURST * ROWS_PER_REQUEST} rows answered, {reads} executions of the world select"
    assert rows_updated >= written, f"{written} distinct rows answered as updated, PostgreSQL updated {rows_updated}"


# Values of `queries` that are no integer; the marker would show in a statement built from them.
PROBE = "arenaprobe"
BAD_VALUES = [
    f"1;SELECT%20{PROBE}()",
    f"1%20OR%20{PROBE}=1",
    f"%27{PROBE}",
    f"{PROBE}",
    f"1)--{PROBE}",
    f"%27%3B%20DROP%20TABLE%20world%3B--{PROBE}",
]


def test_bad_queries_value_never_reaches_sql(client, pg):
    reset_statistics(pg)
    for value in BAD_VALUES:
        for route in ("/queries", "/updates"):
            world_rows(client.get(f"{route}?queries={value}"), QUERIES_MIN)
    statements_at_least(pg, SELECTS_WORLD, 2 * len(BAD_VALUES))
    leaked = [q for q in statement_texts(pg) if PROBE in q.lower() or "drop" in q.lower()]
    assert not leaked, f"a `queries` value reached SQL: {leaked}"
    assert db.psql(pg, "SELECT count(*) FROM world").strip() == str(WORLD_ROWS)


def test_database_statements_are_the_documented_ones(client, pg):
    """Whatever else a client sends (transactions, its own catalogue queries), every statement
    on the arena's tables reads world or fortune or writes world."""
    reset_statistics(pg)
    db_row(client)
    world_rows(client.get("/queries?queries=3"), 3)
    world_rows(client.get("/updates?queries=3"), 3)
    assert client.get("/fortunes").status_code == 200
    statements_at_least(pg, SELECTS_FORTUNE, 1)
    documented = [re.compile(p, re.I | re.S) for p in (SELECTS_WORLD, SELECTS_FORTUNE, UPDATES_WORLD)]
    on_tables = [q for q in statement_texts(pg) if re.search(r"\b(world|fortune)\b", q, re.I)]
    odd = [q for q in on_tables if not any(p.search(q) for p in documented)]
    assert on_tables and not odd, f"statements on the arena's tables beyond the documented ones: {odd}"
    assert statements(pg, SELECTS_WORLD)[0] >= 1 + 3 + 3
