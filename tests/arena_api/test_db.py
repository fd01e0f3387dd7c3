"""arena_api.db against api_model::db, the Rust rules it must match: the `queries` parameter
(the table of db.rs's own test is read from the source, so the two lists cannot drift apart),
the fortunes page's rows and order, the statements, and the numbers from the contract."""

from __future__ import annotations

import ast
import html.parser
import re
import tomllib

import arena_api as api
import pytest
from arena_api import db

from harness.db import FORTUNES
from harness.paths import CONTRACT_FILE, ROOT

DB_RS = ROOT / "crates" / "api-model" / "src" / "db.rs"


def rust_queries_table() -> list[tuple[str | None, int]]:
    """The `(query string, count)` pairs of `for (qs, n) in [...]` in db.rs's tests."""
    block = re.search(r"for \(qs, n\) in \[(.*?)\]\s*\{", DB_RS.read_text(), re.S)
    assert block, f"no `for (qs, n) in [...]` in {DB_RS}"
    pairs = re.findall(r'\((None|Some\("((?:[^"\\]|\\.)*)"\)),\s*(\d+)\)', block.group(1))
    return [(None if whole == "None" else ast.literal_eval(f'"{text}"'), int(n)) for whole, text, n in pairs]


RUST_TABLE = rust_queries_table()

# Beyond Rust's table: what `str::parse::<i64>` takes and refuses that Python's int() would
# decide otherwise, the first of repeated keys, and keys that only look like `queries`.
MORE = [
    ("queries=+5", 5),
    ("queries= 5", 1),
    ("queries=5 ", 1),
    ("queries=1_0", 1),
    ("queries=\u0663", 1),
    ("queries=+", 1),
    ("queries=-", 1),
    ("queries=0x10", 1),
    ("queries=9223372036854775807", 500),
    ("queries=9223372036854775808", 1),
    ("queries=-9223372036854775808", 1),
    ("queries=3&queries=7", 3),
    ("queries=abc&queries=7", 1),
    ("Queries=7", 1),
    ("queries%3D7", 1),
    ("queries=%37", 1),
    ("queries=7=8", 1),
    ("&&queries=499&", 499),
    ("xqueries=7", 1),
]


def test_rust_table_was_found():
    assert len(RUST_TABLE) >= 10 and (None, 1) in RUST_TABLE and ("queries=501", 500) in RUST_TABLE


@pytest.mark.parametrize("qs, n", RUST_TABLE + MORE, ids=repr)
def test_queries_count(qs, n):
    assert db.queries_count(qs) == n
    if qs is not None:
        assert db.queries_count(qs.encode("utf-8")) == n


def test_numbers_come_from_the_contract():
    contract = tomllib.loads(CONTRACT_FILE.read_text())
    assert (db.WORLD_ROWS, db.QUERIES_MIN, db.QUERIES_MAX) == tuple(
        contract["database"][k] for k in ("world_rows", "queries_min", "queries_max")
    )
    assert db.DB_TIMEOUT_MS == contract["limits"]["db_timeout_ms"] and db.DB_TIMEOUT_S == db.DB_TIMEOUT_MS / 1000
    assert db.CONNECTIONS_PER_WORKER == contract["limits"]["db_connections_per_worker"]


def test_statements_and_added_row_are_rusts():
    source = DB_RS.read_text()
    for name in ("SELECT_WORLD", "SELECT_FORTUNES", "UPDATE_WORLD", "ADDED_FORTUNE"):
        assert f'{name}: &str = "{getattr(db, name)}";' in source, name
    assert f'DATABASE_URL_ENV: &str = "{db.DATABASE_URL_ENV}";' in source


def test_random_ids_cover_the_table(monkeypatch):
    assert all(1 <= db.random_id() <= db.WORLD_ROWS for _ in range(10_000))
    # Uniform over exactly 1..=WORLD_ROWS: the bounds handed to the generator.
    monkeypatch.setattr(db.random, "randint", lambda lo, hi: (lo, hi))
    assert db.random_id() == (1, db.WORLD_ROWS)


def test_world_json_key_order():
    assert api.to_json(db.world(3, 4)) == b'{"id":3,"randomNumber":4}'


def test_fortunes_page_rows():
    rows = db.fortunes_page_rows([(1, "b"), (2, "<a")])
    assert [f.id for f in rows] == [2, 0, 1]
    assert rows[1] == (0, db.ADDED_FORTUNE)


def test_fortunes_order_is_utf8_byte_order():
    """Rust sorts by the UTF-8 bytes; Python by code point: the same order for any text,
    and for the seeded fortunes (the Japanese one and the em dashes included)."""
    page = db.fortunes_page_rows(enumerate(FORTUNES, 1))
    messages = [f.message for f in page]
    assert messages == sorted(messages, key=lambda m: m.encode("utf-8"))
    assert len(page) == len(FORTUNES) + 1 and page[-1].message == FORTUNES[-1]


def test_template_renders_the_documented_page():
    jinja2 = pytest.importorskip("jinja2")
    template = jinja2.Environment(autoescape=True).from_string(db.FORTUNES_TEMPLATE)
    page = template.render(fortunes=db.fortunes_page_rows(enumerate(FORTUNES, 1)))
    assert page.startswith("<!DOCTYPE html><html><head><title>Fortunes</title></head><body><table><tr><th>id</th>")
    assert "<script>" not in page and "&lt;script&gt;" in page and "フレームワークのベンチマーク" in page
    cells: list[str] = []

    class Cells(html.parser.HTMLParser):
        def handle_data(self, data: str) -> None:
            cells.append(data)

    Cells(convert_charrefs=True).feed(page)
    assert FORTUNES[10] in cells and db.ADDED_FORTUNE in cells


@pytest.mark.parametrize(
    "method, path, expected",
    [
        ("GET", "/db", api.NeedDatabase("/db")),
        ("GET", "/queries", api.NeedDatabase("/queries")),
        ("GET", "/fortunes", api.NeedDatabase("/fortunes")),
        ("GET", "/updates", api.NeedDatabase("/updates")),
        ("POST", "/db", 405),
        ("PUT", "/updates", 405),
        ("GET", "/db/1", 404),
        ("GET", "/query", 404),
    ],
)
def test_dispatch_routes_the_database_paths(method, path, expected):
    got = api.dispatch(method, path, None, None)
    if isinstance(expected, int):
        assert got.status == expected
        if expected == 405:
            assert ("allow", "GET") in got.headers
    else:
        assert got == expected
