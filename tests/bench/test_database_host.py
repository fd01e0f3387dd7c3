"""The database host's machinery without a network: the /proc snapshot's shell text run through a
local shell (the same text ssh hands the database host), its parsing against this machine's /proc,
CPU accounting and steal through it, the checks that stop a run before it starts, and how the
report names a database on its own host. The real three-host run is in test_hosts_netns.py."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness import db
from harness.bench import database as bench_db
from harness.bench import measure
from harness.bench import suite as bench_suite
from harness.bench.report import model
from harness.errors import SelectionError
from harness.hosts import Host, Shell


def test_the_snapshot_text_reads_this_machine_as_local_proc_does():
    """RemoteProcs through a local shell: the same script, the same parser, checked against /proc."""
    child = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(30)", "postgres: benchmarkdbuser hello_world 10.0.0.1(5) idle"]
    )
    try:
        with Shell(Host()) as shell:
            remote = bench_db.RemoteProcs(shell)
            snap = remote.snapshot()
        by_pid = {st.pid: st for st in snap.stats}
        assert child.pid in by_pid and by_pid[child.pid].ppid == os.getpid()
        # `read` drops the NULs between words; the words themselves stay in order.
        assert snap.cmdline(child.pid) is not None
        assert b"time.sleep(30)postgres: benchmarkdbuser hello_world" in (snap.cmdline(child.pid) or b"")
        local = bench_db.LocalProcs().snapshot()
        assert {st.pid for st in local.stats} & set(by_pid)  # same machine, mostly the same processes
        assert remote.clock_ticks == os.sysconf("SC_CLK_TCK")
        mine = by_pid[os.getpid()]
        assert mine.utime + mine.stime > 0
    finally:
        child.kill()
        child.wait()


def test_cpu_time_of_a_tree_and_steal_through_the_snapshot():
    """A busy child of a "postmaster" (this test's own process tree): its CPU seconds grow as read
    through the shell text, and the CPU lines give the same (steal, total) as measure's reading."""
    busy = subprocess.Popen([sys.executable, "-c", "import time\nt=time.time()\nwhile time.time()-t<0.6: pass"])
    try:
        with Shell(Host()) as shell:
            procs = bench_db.RemoteProcs(shell)
            fake = bench_db.Database("u", "10.0.0.3", {0}, Path("/x"), postmaster=os.getpid(), procs=procs, machine="h")
            before = fake.cpu_seconds()
            busy.wait(10)
            # The child is reaped: its time is now in this process's cutime/cstime.
            after = fake.cpu_seconds()
            assert before is not None and after is not None and after - before >= 0.3
            steal, total = fake.cpu_jiffies() or (0, 0)
            local = measure.cpu_jiffies({0})
            assert total > 0 and 0 <= steal <= total and abs(total - local[1]) < 10_000
    finally:
        if busy.poll() is None:
            busy.kill()
            busy.wait()


def test_parse_snapshot_keeps_command_lines_with_their_processes():
    text = (
        "P 10 (postgres) S 1 10 10 0 -1 0 0 0 0 0 5 6 7 8 20 0 1 0 1 1 1\n"
        "C postgres -D /data\n"
        "P 11 (post gres) x) R 10 10 10 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 1 1 1\n"
        "C postgres: benchmarkdbuser hello_world 10.0.0.1(4001) idle\n"
        "P 12 (postgres) Z 10 10 10 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1 1 1\n"
        "C \n"
        "S cpu0 10 0 10 100 0 0 0 7 0 0\n"
        "S cpu1 20 0 20 200 0 0 0 3 0 0\n"
    )
    snap, cpu = bench_db.parse_snapshot(text)
    assert [(st.pid, st.ppid, st.state) for st in snap.stats] == [(10, 1, "S"), (11, 10, "R"), (12, 10, "Z")]
    assert bench_db.cluster_ticks(10, snap.stats) == (5 + 6 + 7 + 8) + (1 + 2)
    assert bench_db.is_client_backend(snap.cmdline(11)) and not bench_db.is_client_backend(snap.cmdline(10))
    assert bench_db.exiting_process(snap.stats[2], snap.cmdline(12))
    assert measure.jiffies_in(cpu, {1}) == (3, 243)


def test_a_database_host_needs_its_url(tmp_path):
    with pytest.raises(SelectionError, match="--database-host needs --database-url"):
        bench_suite.run(
            profile_name="quick",
            server_names=["baseline"],
            scenario_names=["db"],
            server_cpus=None,
            client_cpus=None,
            workers=None,
            out=tmp_path,
            database_host="db@10.0.0.3",
        )


def test_listen_takes_only_an_address_of_this_host():
    with pytest.raises(db.ToolError, match="not an address of this host"):
        db._check_address("192.0.2.77")  # TEST-NET-1: never this machine's
    db._check_address("127.0.0.1")


def test_a_listening_cluster_lets_the_role_in_with_its_password(tmp_path):
    hba = tmp_path / "pg_hba.conf"
    hba.write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
    db._allow_remote(tmp_path)
    db._allow_remote(tmp_path)  # once only
    text = hba.read_text()
    assert text.count(f"host {db.DB_NAME} {db.DB_USER} 0.0.0.0/0 scram-sha-256") == 1
    assert text.count("::/0 scram-sha-256") == 1 and text.startswith("local all all trust")
    state = db.ClusterState(5432, "/d", "/s", "/b", None, "10.0.0.3")
    assert state.url == f"postgres://{db.DB_USER}:{db.DB_PASSWORD}@10.0.0.3:5432/{db.DB_NAME}"
    assert db.ClusterState(5432, "/d", "/s", "/b", None, "fd00::3").url.endswith("@[fd00::3]:5432/hello_world")


def _doc(hosts_env: dict, hosts_cfg: dict, database: dict | None) -> dict:
    env = {
        "cpu_model": "CPU S",
        "cpus_online": 2,
        "kernel": "6.1",
        "rustc": "rustc 1.95",
        "tools": {"wrk": "4.2", "oha": "1.4", "pgbench": "15.8"},
        "git_commit": "0123456789abcdef",
        "hosts": hosts_env,
    }
    cfg = {
        "profile": "quick",
        "duration_s": 1,
        "warmup_s": 1,
        "repeats": 1,
        "server_cpus": [0],
        "client_cpus": [1],
        "workers": 1,
        "hosts": hosts_cfg,
    }
    if database:
        cfg["database"] = database
    return {
        "environment": env,
        "config": cfg,
        "plan": {"runs": 1, "estimated_s": 1},
        "runs": [],
        "aggregates": [],
        "started_at": "2026-11-25T10:00:00+00:00",
        "finished_at": "2026-11-25T10:00:05+00:00",
    }


def _info(host: str, model_name: str) -> dict:
    return {"host": host, "kernel": "6.1", "cpu_model": model_name, "cpus_online": 8, "cpus_usable": list(range(8))}


def test_the_header_names_three_hosts():
    doc = _doc(
        {"server": _info("local", "CPU S"), "client": _info("bench@c", "CPU C"), "database": _info("pg@d", "CPU D")},
        {
            "server": {"host": "local", "address": "10.0.0.1"},
            "client": {"host": "bench@c"},
            "database": {"host": "pg@d", "address": "10.0.1.2"},
        },
        {
            "host": "10.0.1.2",
            "url": "postgres://u:***@10.0.1.2:5432/hello_world",
            "started": False,
            "cpus": [0, 1, 2, 3],
            "cpu_measured": True,
            "ceiling_clients": 4,
        },
    )
    text = "\n".join(model.header(doc))  # type: ignore[arg-type]
    assert "load generator on `bench@c` (over SSH)" in text
    assert "database on `pg@d` (over SSH), reached at 10.0.1.2" in text
    assert "Client host `bench@c`: CPU C" in text and "Database host `pg@d`: CPU D" in text
    assert "on host `pg@d`: CPU time and steal read there over SSH, on CPU(s) 0,1,2,3" in text


def test_the_header_with_only_the_database_elsewhere():
    doc = _doc(
        {"server": _info("local", "CPU S"), "client": _info("local", "CPU S"), "database": _info("pg@d", "CPU D")},
        {"server": {"host": "local", "address": "10.0.0.1"}, "client": {"host": "local"}, "database": {"host": "pg@d"}},
        None,
    )
    text = "\n".join(model.header(doc))  # type: ignore[arg-type]
    assert "load generator on `local`, CPU(s) 1" in text and "(over SSH), CPU(s) 1" not in text
    assert "Server host: CPU S, 2 CPUs, Linux 6.1; rustc 1.95; commit `0123456789ab`; wrk 4.2" in text
    assert "Database host `pg@d`: CPU D" in text


def test_snapshots_are_cheap_enough_to_sample_every_window():
    """One snapshot is one shell with builtins only: well under the second a window's edge allows.
    Not a benchmark: a guard against a script that forks per process (seconds on a busy host)."""
    with Shell(Host()) as shell:
        procs = bench_db.RemoteProcs(shell)
        t = time.monotonic()
        procs.snapshot()
        assert time.monotonic() - t < 5
