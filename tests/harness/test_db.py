"""The private PostgreSQL cluster: made, tuned, seeded with TechEmpower's tables, reachable through
ARENA_DATABASE_URL's credentials, restartable, stopped. Runs a real cluster (PostgreSQL from
Debian's packages; installed when running as root)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from harness import db
from harness.errors import ToolError


@pytest.fixture(scope="module")
def cluster():
    """A cluster of its own, in a directory the `postgres` user can reach, so a person's
    running cluster is neither reused nor stopped by the tests."""
    base = Path("/var/tmp") / f"rust-http-arena-pgtest-{Path.cwd().name}"
    shutil.rmtree(base, ignore_errors=True)
    mp = pytest.MonkeyPatch()
    mp.setattr(db, "cluster_dir", lambda: base)
    try:
        state = db.start()
    except ToolError as exc:
        mp.undo()
        pytest.skip(f"no PostgreSQL here: {exc}")
    yield state
    db.stop()
    mp.undo()
    shutil.rmtree(base, ignore_errors=True)


def test_world_is_seeded_in_range(cluster):
    rows = db.psql(cluster, "SELECT count(*), min(id), max(id), min(randomnumber), max(randomnumber) FROM world")
    count, lo, hi, rmin, rmax = map(int, rows.strip().split("|"))
    assert (count, lo, hi) == (db.WORLD_ROWS, 1, db.WORLD_ROWS)
    assert 1 <= rmin and rmax <= db.WORLD_ROWS and rmin < rmax


def test_fortunes_are_techempowers_twelve(cluster):
    rows = db.psql(cluster, "SELECT id, message FROM fortune ORDER BY id").rstrip("\n").split("\n")
    assert [r.split("|", 1) for r in rows] == [[str(i), m] for i, m in enumerate(db.FORTUNES, 1)]
    assert any("<script>" in m for m in db.FORTUNES) and any("フレームワーク" in m for m in db.FORTUNES)


def test_tuned_and_counting_statements(cluster):
    assert db.psql(cluster, "SHOW synchronous_commit").strip() == "off"
    assert db.psql(cluster, "SELECT count(*) >= 0 FROM pg_stat_statements").strip() == "t"


def test_start_reuses_a_running_cluster_and_stop_stops_it(cluster):
    assert db.start().port == cluster.port
    assert db.is_running(cluster)
    assert db.stop() and db.wait_until_stopped(cluster)
    assert not db.stop()
    restarted = db.start()
    assert db.is_running(restarted)
    assert db.psql(restarted, "SELECT count(*) FROM fortune").strip() == str(len(db.FORTUNES))
