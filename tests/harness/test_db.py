"""The private PostgreSQL cluster: made, tuned, seeded with TechEmpower's tables, reachable through
ARENA_DATABASE_URL's credentials, restartable, stopped. Runs a real cluster (PostgreSQL from
Debian's packages; installed when running as root)."""

from __future__ import annotations

import shutil
import signal
import socket

import psutil
import pytest

from harness import db
from harness.errors import ToolError


@pytest.fixture(scope="module")
def base():
    """A cluster directory of its own, which the `postgres` user can reach, so neither the
    session's cluster (tests/conftest.py) nor a person's is reused or stopped by these tests."""
    path = db.cluster_dir("pgtest")
    shutil.rmtree(path, ignore_errors=True)
    yield path
    db.stop(path)
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def cluster(base):
    try:
        return db.start(base=base)
    except ToolError as exc:
        pytest.skip(f"no PostgreSQL here: {exc}")


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


def test_clusters_live_apart():
    assert db.cluster_dir("pgtest") != db.cluster_dir() == db.cluster_dir("postgres")


def test_start_reuses_a_running_cluster_and_stop_stops_it(cluster, base):
    assert db.start(base=base).port == cluster.port
    assert db.is_running(cluster)
    assert db.stop(base) and db.wait_until_stopped(cluster)
    assert not db.stop(base)
    restarted = db.start(base=base)
    assert db.is_running(restarted)
    assert db.psql(restarted, "SELECT count(*) FROM fortune").strip() == str(len(db.FORTUNES))


def test_restart_on_the_same_port_keeps_the_tables_unless_reseeded(base):
    running = db.start(base=base)
    db.psql(running, "UPDATE world SET randomnumber = 0 WHERE id = 1")
    assert db.stop(base)
    again = db.start(base=base, port=running.port, reseed=False)
    assert again.port == running.port
    assert db.psql(again, "SELECT randomnumber FROM world WHERE id = 1").strip() == "0"
    assert db.stop(base)
    assert db.psql(db.start(base=base, port=running.port), "SELECT randomnumber FROM world WHERE id = 1").strip() != "0"


def test_frozen_cluster_accepts_but_does_not_answer(base):
    cluster = db.start(base=base)
    pids = db.processes(cluster)
    assert len(pids) >= 3 and all(psutil.pid_exists(p) for p in pids)
    try:
        # A backend may end in between (the seeding psql's): the postmaster is what must stop.
        sent = db.signal_processes(cluster, signal.SIGSTOP)
        assert pids[0] in sent and set(sent) <= set(pids)
        with socket.create_connection(("127.0.0.1", cluster.port), timeout=2) as s:
            s.settimeout(0.5)
            # A startup packet (protocol 3.0, user only): a live server answers at once.
            s.sendall(b"\x00\x00\x00\x17\x00\x03\x00\x00user\x00postgres\x00\x00")
            with pytest.raises(TimeoutError):
                s.recv(1)
    finally:
        db.signal_processes(cluster, signal.SIGCONT)
    assert db.psql(cluster, "SELECT 1").strip() == "1"
