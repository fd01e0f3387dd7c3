"""The database side of the load suite without a database: pgbench's scripts and output, PostgreSQL's
CPU from fabricated /proc samples, the database-bound rule, % of the ceiling, who runs a database
cell, and the report's database section."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from harness import db
from harness.bench import database, measure, pgbench, plan, runner, scenarios, stats
from harness.bench import suite as bench_suite
from harness.bench.report import html, markdown, model
from harness.limits import contract_limits
from harness.paths import ROOT

from .test_stats import record

# --- the ceiling's scripts ---------------------------------------------------------------------------


def contract_statements() -> dict[str, str]:
    """api_model::db::sql, the one home of the statements' text."""
    text = (ROOT / "crates" / "api-model" / "src" / "db.rs").read_text()
    return dict(re.findall(r'pub const (\w+): &str = "([^"]+)";', text.split("pub mod sql", 1)[1].split("}", 1)[0]))


def script_statements(script: Path) -> list[str]:
    """The SQL of a pgbench script, with its :variables numbered as the servers' $n parameters."""
    out = []
    for line in script.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("--", "\\")):
            continue
        names: list[str] = []

        def number(m: re.Match[str], names: list[str] = names) -> str:
            names.append(m.group(1))
            return f"${len(names)}"

        out.append(re.sub(r":(\w+)", number, line.rstrip(";")))
    return out


def request_script(name: str) -> Path:
    script = scenarios.load().scenarios[name].pgbench
    assert script is not None
    return script


def test_every_database_scenario_has_a_script_of_the_contracts_statements():
    sql = contract_statements()
    assert set(sql) == {"SELECT_WORLD", "SELECT_FORTUNES", "UPDATE_WORLD"}
    suite = scenarios.load()
    expected = {
        "db": [sql["SELECT_WORLD"]],
        "queries": [sql["SELECT_WORLD"]] * 20,
        "fortunes": [sql["SELECT_FORTUNES"]],
        "updates": [sql["SELECT_WORLD"]] * 20 + [sql["UPDATE_WORLD"]] * 20,
    }
    db_scenarios = {name: sc for name, sc in suite.scenarios.items() if sc.database}
    assert set(db_scenarios) == set(expected)
    for name, sc in db_scenarios.items():
        assert sc.pgbench is not None
        assert script_statements(sc.pgbench) == expected[name], name
        # N of the request is the number of rows the script reads.
        n = re.search(r"queries=(\d+)", sc.path)
        assert (int(n.group(1)) if n else 1) == expected[name].count(sql["SELECT_WORLD"]) or name == "fortunes"


def test_updates_write_back_the_rows_they_read():
    script = scenarios.load().scenarios["updates"].pgbench
    text = script.read_text()
    read = re.findall(r"WHERE id = :(\w+);", text.split("\nUPDATE", 1)[0])
    written = re.findall(r"UPDATE world SET randomnumber = :\w+ WHERE id = :(\w+);", text)
    assert read == written and len(set(read)) == 20


def test_pgbench_command_line():
    script = Path("/x/db.sql")
    cmd = pgbench.argv("pgbench", script, "postgres://u:p@h:1/d", clients=pgbench.connections(2), threads=2, duration_s=2)
    assert cmd[:3] == ["pgbench", "-n", "-M"] and cmd[3] == "prepared"
    # The servers' pool: workers × db_connections_per_worker.
    clients = 2 * contract_limits()["db_connections_per_worker"]
    assert cmd[cmd.index("-c") + 1] == str(clients)
    assert cmd[cmd.index("-j") + 1] == "2" and cmd[cmd.index("-T") + 1] == "2"
    defined = [cmd[i + 1] for i, arg in enumerate(cmd) if arg == "-D"]
    assert defined == ["world_rows=10000", f"client_rows={10000 // clients}"]
    assert cmd[-3:] == ["-f", "/x/db.sql", "postgres://u:p@h:1/d"]


def test_pipeline_depth_is_the_http_connections_sharing_one_pool_connection():
    pool = pgbench.connections(1)
    assert pool == 4
    assert pgbench.depth(64, pool) == 16
    assert pgbench.depth(64, pgbench.connections(4)) == 4
    # The busiest pool connection's share: rounded up, and never below one request.
    assert pgbench.depth(65, 4) == 17 and pgbench.depth(3, 4) == 1
    for bad in ((0, 4), (64, 0)):
        with pytest.raises(ValueError):
            pgbench.depth(*bad)
    assert pgbench.client_rows(4) == 2500 and pgbench.client_rows(10000) == 1
    for bad_clients in (0, 10001):
        with pytest.raises(ValueError):
            pgbench.client_rows(bad_clients)


@pytest.mark.parametrize(("name", "per_request"), [("db", 1), ("queries", 20), ("fortunes", 1), ("updates", 40)])
def test_a_ceiling_pipeline_holds_depth_requests_statements(tmp_path: Path, name: str, per_request: int):
    source = request_script(name)
    script = pgbench.pipelined(source, 16)
    assert (script.depth, script.statements_per_request, script.statements_per_transaction) == (16, per_request, 16 * per_request)
    commands = [line for line in script.text.splitlines() if not line.startswith("--")]
    assert commands[0] == "\\startpipeline" and commands[-1] == "\\endpipeline"
    assert sum(line.startswith("\\") and "pipeline" in line for line in commands) == 2
    # The request's statements, 16 times over, in the request's order.
    generated = tmp_path / "generated.sql"
    generated.write_text(script.text)
    assert script_statements(generated) == script_statements(source) * 16
    # Every request draws its own ids: each \set of the request is there again before its statement.
    sets = [line for line in commands if line.startswith("\\set")]
    assert len(sets) == 16 * sum(line.startswith("\\set") for line in source.read_text().splitlines())


def test_a_request_script_with_a_pipeline_of_its_own_or_no_statement_is_refused(tmp_path: Path):
    nested = tmp_path / "nested.sql"
    nested.write_text("\\startpipeline\nSELECT 1;\n\\endpipeline\n")
    empty = tmp_path / "empty.sql"
    empty.write_text("-- nothing\n\\set x 1\n")
    for source in (nested, empty):
        with pytest.raises(ValueError):
            pgbench.pipelined(source, 4)
    with pytest.raises(ValueError):
        pgbench.pipelined(request_script("db"), 0)
    # pgbench ends a statement at its semicolon, not at the line's end.
    assert pgbench.statements(["SELECT id", "  FROM world;", "\\set x 1", "SELECT 1;"]) == 2


def test_updates_clients_lock_rows_of_their_own():
    """A ceiling pipeline is one transaction: two clients updating the same row would wait for each
    other, and in random order deadlock. Each client's ids come from a slice of `world` of its own."""
    text = request_script("updates").read_text()
    draws = re.findall(r"^\\set (id\d+) (.+)$", text, re.MULTILINE)
    assert len(draws) == 20
    assert {expr for _, expr in draws} == {":client_id * :client_rows + random(1, :client_rows)"}
    for clients in (pgbench.connections(1), pgbench.connections(3), 7):
        rows = pgbench.client_rows(clients)
        slices = [range(c * rows + 1, (c + 1) * rows + 1) for c in range(clients)]
        assert all(1 <= s.start and s.stop - 1 <= db.WORLD_ROWS for s in slices)
        assert len(set().union(*map(set, slices))) == clients * rows
    # The new values are drawn from the whole range, as the servers draw them.
    assert set(re.findall(r"^\\set rn\d+ (.+)$", text, re.MULTILINE)) == {"random(1, :world_rows)"}


PGBENCH_15 = """pgbench (15.14 (Debian 15.14-0+deb12u1))
transaction type: bench/pgbench/db.sql
scaling factor: 1
query mode: prepared
number of clients: 4
number of threads: 1
maximum number of tries: 1
duration: 2 s
number of transactions actually processed: 61234
number of failed transactions: 3 (0.005%)
latency average = 0.130 ms
initial connection time = 5.123 ms
tps = 30617.500000 (without initial connection time)
"""

PGBENCH_13 = """transaction type: db.sql
number of clients: 4
duration: 2 s
number of transactions actually processed: 1000
latency average = 8.000 ms
tps = 480.000000 (including connections establishing)
tps = 500.000000 (excluding connections establishing)
"""


def test_pgbench_output_parsed():
    res = pgbench.parse(PGBENCH_15)
    assert res.requests == 61234 and res.tps == pytest.approx(30617.5) and res.latency_ms == pytest.approx(0.13)
    assert res.errors == {"failed": 3} and res.error_total == 3
    # The window tps is over, so req/s from the record is pgbench's tps exactly.
    assert res.requests / res.duration_s == pytest.approx(30617.5)
    old = pgbench.parse(PGBENCH_13)
    assert old.tps == 500.0 and old.requests == 1000 and old.errors == {"failed": 0}
    with pytest.raises(ValueError):
        pgbench.parse("pgbench: error: connection to server failed\n")


@pytest.mark.parametrize(("name", "per_request"), [("db", 1), ("queries", 20), ("updates", 40)])
def test_a_pipelined_ceiling_counts_requests_not_transactions(name: str, per_request: int):
    source = request_script(name)
    script = pgbench.pipelined(source, 16)
    res = pgbench.parse(PGBENCH_15, script)
    # 61234 pipelines of 16 requests each; 3 failed pipelines stood for 48 requests.
    assert res.transactions == 61234 and res.requests == 61234 * 16
    assert res.statements_per_s == pytest.approx(30617.5 * 16 * per_request)
    # req/s = statements/s ÷ the request's statements.
    assert res.requests / res.duration_s == pytest.approx(res.statements_per_s / per_request)
    assert res.requests / res.duration_s == pytest.approx(30617.5 * 16)
    assert res.errors == {"failed": 48}


# --- PostgreSQL's CPU from /proc ---------------------------------------------------------------------


def stat_line(pid: int, comm: str, ppid: int, utime: int, stime: int, cutime: int = 0, cstime: int = 0) -> str:
    # Fields 3.. of /proc/PID/stat: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
    # utime stime cutime cstime ...
    rest = ["S", ppid, pid, pid, 0, -1, 4194560, 10, 0, 0, 0, utime, stime, cutime, cstime, 20, 0, 1, 0, 100]
    return f"{pid} ({comm}) " + " ".join(str(x) for x in rest) + "\n"


def write_proc(
    root: Path, procs: list[tuple[int, str, int, int, int, int, int]], cmdlines: dict[int, bytes] | None = None
) -> Path:
    """A /proc of these processes; the command line is the stat's name unless `cmdlines` says
    otherwise (b"": a process whose memory is gone, as when it exits)."""
    if root.exists():
        for d in root.iterdir():
            for f in d.iterdir():
                f.unlink()
            d.rmdir()
    root.mkdir(exist_ok=True)
    for pid, comm, ppid, ut, st, cut, cst in procs:
        (root / str(pid)).mkdir()
        (root / str(pid) / "stat").write_text(stat_line(pid, comm, ppid, ut, st, cut, cst))
        (root / str(pid) / "cmdline").write_bytes((cmdlines or {}).get(pid, comm.encode() + b"\0"))
    return root


def test_stat_fields_are_counted_from_the_last_parenthesis():
    st = database.parse_stat(stat_line(42, "postgres: user db 127.0.0.1(5) (idle)", 7, 11, 22, 33, 44))
    assert (st.pid, st.ppid, st.utime, st.stime, st.cutime, st.cstime) == (42, 7, 11, 22, 33, 44)


def test_cluster_cpu_counts_every_process_and_the_backends_that_left(tmp_path: Path):
    proc = tmp_path / "proc"
    pm = 100
    before = [
        (1, "init", 0, 5000, 5000, 0, 0),
        (pm, "postgres", 1, 50, 30, 200, 100),
        (101, "postgres: checkpointer", pm, 5, 5, 0, 0),
        (102, "postgres: benchmarkdbuser hello_world 127.0.0.1(4001) idle", pm, 400, 100, 0, 0),
        (103, "postgres: benchmarkdbuser hello_world 127.0.0.1(4002) idle", pm, 300, 100, 0, 0),
        (200, "wrk", 1, 9000, 900, 0, 0),  # not the cluster's
    ]
    write_proc(proc, before)
    first = database.cpu_ticks(pm, proc)
    assert first == (50 + 30 + 200 + 100) + 10 + 500 + 400
    # Over the window: 102 ran 100 more ticks and exited (the postmaster reaped it: its 600 ticks
    # moved to cutime/cstime), 103 ran 50 more, a new backend 104 ran 70.
    after = [
        (1, "init", 0, 5100, 5000, 0, 0),
        (pm, "postgres", 1, 51, 30, 200 + 480, 100 + 120),
        (101, "postgres: checkpointer", pm, 5, 5, 0, 0),
        (103, "postgres: benchmarkdbuser hello_world 127.0.0.1(4002) idle", pm, 350, 100, 0, 0),
        (104, "postgres: benchmarkdbuser hello_world 127.0.0.1(4003) idle", pm, 60, 10, 0, 0),
        (200, "wrk", 1, 9999, 999, 0, 0),
    ]
    write_proc(proc, after)
    assert database.cpu_ticks(pm, proc) - first == 1 + 100 + 50 + 70
    # A process that is gone between listing and reading is skipped, not an error.
    (proc / "999").mkdir()
    assert database.cpu_ticks(pm, proc) - first == 221


def test_samples_wait_for_exiting_backends_and_for_pgbench_to_leave(tmp_path: Path):
    proc = tmp_path / "proc"
    pm = 100
    client = "postgres: benchmarkdbuser hello_world 127.0.0.1(4001) idle"
    base = [(pm, "postgres", 1, 1, 1, 0, 0), (101, "postgres: checkpointer", pm, 1, 1, 0, 0)]
    fake = database.Database("u", "local", {1}, Path("/x"), postmaster=pm, procs=database.LocalProcs(proc))
    write_proc(proc, base)
    assert fake.settle(clients=0, timeout_s=0.05)
    # A backend whose memory is already gone is exiting: its time is in flux until it is reaped.
    write_proc(proc, [*base, (102, "postgres", pm, 5, 5, 0, 0)], {102: b""})
    snap = database.LocalProcs(proc).snapshot()
    assert database.exiting_process(database.parse_stat(stat_line(102, "postgres", pm, 5, 5)), snap.cmdline(102))
    assert not fake.settle(timeout_s=0.05)
    # A live client backend: a server's pool keeps it (no bound), pgbench's must be gone (0).
    write_proc(proc, [*base, (103, client, pm, 5, 5, 0, 0)])
    snap = database.LocalProcs(proc).snapshot()
    assert database.is_client_backend(snap.cmdline(103)) and not database.is_client_backend(snap.cmdline(101))
    assert fake.settle(timeout_s=0.05) and not fake.settle(clients=0, timeout_s=0.05)
    assert fake.settle(clients=1, timeout_s=0.05)
    # A zombie not yet reaped.
    zombie = stat_line(104, "postgres", pm, 5, 5).replace(" S ", " Z ", 1)
    assert database.parse_stat(zombie).state == "Z"


def test_tree_finds_grandchildren_only_under_the_root():
    stats_ = [database.ProcStat(p, pp, 0, 0, 0, 0) for p, pp in ((1, 0), (10, 1), (11, 10), (12, 11), (20, 1))]
    assert sorted(s.pid for s in database.tree(10, stats_)) == [10, 11, 12]
    assert database.tree(99, stats_) == []


def test_postmaster_pid_from_the_data_directory(tmp_path: Path):
    (tmp_path / "postmaster.pid").write_text("4242\n/var/lib/data\n1700000000\n5432\n")
    assert database.postmaster_pid(tmp_path) == 4242
    with pytest.raises(Exception, match="no running postmaster"):
        database.postmaster_pid(tmp_path / "none")


def test_password_never_shown():
    assert database.redact("postgres://u:secret@db.example:5432/x") == "postgres://u:***@db.example:5432/x"
    assert database.redact("postgres://u@h/x") == "postgres://u@h/x"
    assert database.url_host("postgres://u:p@10.0.0.3:5432/x") == "10.0.0.3"


# --- the database-bound rule -------------------------------------------------------------------------


def test_shared_cpu_counts_the_load_generator_too():
    # 2 cores: PostgreSQL and wrk both on CPU 1 for 2 s; 1.0 + 0.8 s of 2 s is 90 % busy.
    busy = measure.db_cpus_busy(1.0, 2.0, {1}, 0.8, {1})
    assert busy == 0.9 and measure.database_bound(busy)
    assert not measure.database_bound(measure.db_cpus_busy(1.0, 2.0, {1}, 0.78, {1}))
    # The load generator elsewhere (other CPUs, or another host) is not the database's business.
    assert measure.db_cpus_busy(1.2, 2.0, {2}, 0.6, {1}) == pytest.approx(0.6)
    assert measure.db_cpus_busy(1.2, 2.0, {1}, 0.6, None) == pytest.approx(0.6)
    # Partly shared: every CPU either could use.
    assert measure.db_cpus_busy(3.0, 2.0, {2, 3}, 2.0, {1, 2}) == pytest.approx(5.0 / 6.0)
    assert measure.db_cpus_busy(1.0, 0.0, {1}, 0.0, None) is None
    assert not measure.database_bound(None)


class FakeDatabase:
    """A Database whose CPU and statement counters advance by script."""

    def __init__(self, cpu: list[float | None], statements: list[int | None], cpus: set[int] | None = frozenset({1})):
        self.cpu, self.stmts, self.cpus = list(cpu), list(statements), set(cpus) if cpus else None

    def cpu_seconds(self) -> float | None:
        return self.cpu.pop(0)

    def statements(self) -> int | None:
        return self.stmts.pop(0)

    def settle(self, *, clients: int | None = None) -> bool:
        return True

    def cpu_jiffies(self) -> tuple[int, int] | None:
        return (0, 100) if self.cpus else None


def test_window_records_postgres_per_request(monkeypatch):
    clock = iter([100.0, 102.0])
    monkeypatch.setattr(runner.time, "monotonic", lambda: next(clock))
    rec = record("a", 1000.0, scenario="db")
    window = runner.DatabaseWindow.open(FakeDatabase([10.0, 11.5], [500, 2501]))
    window.close(rec, requests=2000, client=(0.4, {1}))
    assert rec.pg_cpu_s == pytest.approx(1.5) and rec.pg_cpu_us_per_request == pytest.approx(750.0)
    assert rec.pg_cpu_share == pytest.approx(0.75) and rec.db_cpus_busy_share == pytest.approx(0.95)
    assert rec.database_bound
    # 2001 statements less the sampling psql's own one.
    assert rec.pg_statements_per_request == pytest.approx(1.0)


def test_a_database_elsewhere_is_unmeasured():
    rec = record("a", 1000.0, scenario="db")
    window = runner.DatabaseWindow.open(FakeDatabase([None, None], [None, None], cpus=None))
    window.close(rec, requests=2000, client=(0.4, {1}))
    assert rec.pg_cpu_s is None and rec.db_cpus_busy_share is None and not rec.database_bound
    assert rec.pg_statements_per_request is None
    runner.DatabaseWindow.open(None).close(rec, requests=1, client=None)  # no database: nothing to do


# --- % of the ceiling and who runs a database cell ---------------------------------------------------


def db_record(server: str, rps: float, *, pg_us: float = 50.0, bound: bool = False, round_: int = 1):
    rec = record(server, rps, scenario="db", round_=round_)
    rec.pg_cpu_us_per_request, rec.database_bound = pg_us, bound
    rec.db_cpus_busy_share = 0.95 if bound else 0.5
    return rec


def test_percent_of_ceiling_and_the_ceiling_is_calibration():
    runs = [
        db_record(plan.CEILING, 20000.0, pg_us=40.0, bound=True),
        db_record("fast", 15000.0, round_=1),
        db_record("fast", 16000.0, round_=2, bound=True),
        db_record("slow", 4000.0, pg_us=120.0),
    ]
    aggs = {a.server: a for a in stats.aggregate(runs, {"fast": True, "slow": True})}
    ceiling = aggs[plan.CEILING]
    assert not ceiling.contender and ceiling.rank is None and ceiling.pct_of_ceiling == pytest.approx(100.0)
    assert aggs["fast"].pct_of_ceiling == pytest.approx(77.5) and aggs["fast"].rank == 1
    assert aggs["slow"].pct_of_ceiling == pytest.approx(20.0)
    assert aggs["fast"].database_bound and aggs["fast"].database_bound_runs == 1
    assert aggs["slow"].pg_cpu_us_per_request.median == 120.0
    assert aggs["fast"].pct_of_baseline is None


def test_database_cells_run_only_servers_with_database_endpoints_and_the_ceiling():
    specs = [
        SimpleNamespace(name="baseline", database=None, contender=False),
        SimpleNamespace(name="with", database=object(), contender=True),
        SimpleNamespace(name="without", database=None, contender=True),
    ]
    suite = scenarios.load()
    chosen = [suite.scenarios["json"], suite.scenarios["db"]]
    names = [plan.CEILING] + [s.name for s in specs]
    roster = plan.roster(names, chosen, "quick", bench_suite.serves(specs))
    assert {c.scenario: who for c, who in roster.items()} == {
        "json": ["baseline", "with", "without"],
        "db": [plan.CEILING, "with"],
    }
    runs = plan.build(names, chosen, scenarios.Profile("quick", 2, 1, 2), bench_suite.serves(specs))
    assert len(runs) == 2 * plan.pairs(roster) == 10
    assert bench_suite.without_database(specs) == ["without"]


def test_the_ceiling_takes_its_turn_in_every_database_cell_and_round(monkeypatch, tmp_path: Path):
    from rich.console import Console

    from harness.tools import Tools

    def fake_server(cfg, spec, scenario, run, outcome):
        rec = record(run.server, 100.0, scenario=run.cell.scenario, round_=run.round)
        rec.run_id = run.run_id
        return rec

    def fake_ceiling(cfg, scenario, run, outcome):
        rec = fake_server(cfg, None, scenario, run, outcome)
        rec.tool = "pgbench"
        return rec

    monkeypatch.setattr(runner, "measure_run", fake_server)
    monkeypatch.setattr(runner, "measure_ceiling", fake_ceiling)
    specs = [
        SimpleNamespace(name="baseline", database=None, contender=False),
        SimpleNamespace(name="a", database=1, contender=True),
    ]
    suite = scenarios.load()
    chosen = [suite.scenarios["json"], suite.scenarios["db"]]
    profile = scenarios.Profile("quick", 1, 1, 2)
    names = [plan.CEILING, "baseline", "a"]
    cfg = runner.BenchConfig(profile, chosen, specs, {0}, {1}, 1, tmp_path, Tools(wrk="wrk", oha=None))
    runs = plan.build(names, chosen, profile, bench_suite.serves(specs))
    outcome = runner.execute(cfg, runs, Console(file=open(tmp_path / "console.txt", "w")))
    assert [(r.server, r.scenario, r.round) for r in outcome.runs] == [
        ("baseline", "json", 1),
        ("a", "json", 1),
        (plan.CEILING, "db", 1),
        ("a", "db", 1),
        ("baseline", "json", 2),
        ("a", "json", 2),
        (plan.CEILING, "db", 2),
        ("a", "db", 2),
    ]


# --- the report --------------------------------------------------------------------------------------


def db_doc() -> dict:
    runs = [
        db_record(plan.CEILING, 20000.0, pg_us=40.0, bound=True),
        db_record("hyper", 15000.0, pg_us=45.0),
        db_record("granian", 3000.0, pg_us=90.0, bound=True),
        record("hyper", 100000.0, scenario="json"),
        record("uvicorn", 20000.0, scenario="json"),
    ]
    for r in runs:
        r.pg_statements_per_request = 1.0 if r.scenario == "db" else None
    contenders = {"hyper": True, "granian": True, "uvicorn": True}
    use = {"client": "tokio-postgres 0.7", "template": "askama", "pipelining": True, "batched_updates": False, "notes": None}
    return {
        "run_id": "t",
        "config": {
            "server_cpus": [0],
            "client_cpus": [1],
            "workers": 1,
            "database": {
                "host": "local",
                "url": "u",
                "started": True,
                "cpus": [1],
                "cpu_measured": True,
                "ceiling_clients": 4,
                "ceiling_depth": {"64": 16},
            },
        },
        "environment": {
            "tools": {"wrk": "4", "oha": "1", "pgbench": "15.14"},
            "frameworks": {"hyper": {"rust": True}, "granian": {"rust": False}, "uvicorn": {"rust": False}},
        },
        "plan": {
            "servers": ["hyper", "granian", "uvicorn"],
            "cells": [plan.Cell("json", "throughput", 64).to_json(), plan.Cell("db", "throughput", 64).to_json()],
            "scenarios": {"json": {"database": False}, "db": {"database": True, "description": "GET /db"}},
        },
        "servers": [
            {"name": "hyper", "contender": True, "status": "ok", "error": None, "database": use},
            {"name": "granian", "contender": True, "status": "ok", "error": None, "database": {**use, "pipelining": False}},
            {"name": "uvicorn", "contender": True, "status": "ok", "error": None, "database": None},
        ],
        "aggregates": stats.aggregate(runs, contenders),
        "runs": runs,
        "failures": [],
    }


def test_database_table_has_the_ceiling_row_last_and_the_claims():
    view = model.build(db_doc())
    assert view.is_database("db") and not view.is_database("json")
    table = model.database_table(view.throughput["db"], view.database_uses)
    assert [r.server for r in table.rows] == ["hyper", "granian", plan.CEILING]
    cols = {r.server: dict(zip(table.columns, (c.text for c in r.cells), strict=True)) for r in table.rows}
    assert cols["hyper"]["% of database ceiling"] == "75 %" and cols["hyper"]["PG CPU µs/req"] == "45.00"
    assert cols["hyper"]["pipelining / batched updates"] == "pipelined / one by one"
    assert cols["granian"]["pipelining / batched updates"] == "no / one by one"
    assert cols[plan.CEILING]["% of database ceiling"] == "ceiling"
    # Without the run's depths (a run before pipelined ceilings) the ceiling ran statements one by one.
    assert cols[plan.CEILING]["pipelining / batched updates"] == "statements one by one"
    info = view.doc["config"]["database"]
    pipelined = model.database_table(view.throughput["db"], view.database_uses, ceiling_depth=info["ceiling_depth"])
    ceiling_row = dict(zip(pipelined.columns, (c.text for c in pipelined.rows[-1].cells), strict=True))
    assert ceiling_row["pipelining / batched updates"] == "pipelined, 16 requests each"
    assert cols[plan.CEILING]["PG statements/req"] == "1.0"
    assert [n.kind for n in table.rows[1].notes] == ["database-bound"]
    unmeasured = model.database_table(view.throughput["db"], view.database_uses, cpu_measured=False)
    assert unmeasured.rows[0].cells[5].text == "45.00"  # measured values still show


def test_goal_names_the_fastest_rust_server():
    view = model.build(db_doc())
    assert model.ceiling_goal(view) == (
        "Goal: the fastest Rust server on `db` serves ≥ 70 % of the database ceiling. `hyper` reaches 75 %: **met**."
    )
    doc = db_doc()
    doc["aggregates"] = [a for a in doc["aggregates"] if a.server != "hyper"]
    assert model.ceiling_goal(model.build(doc)) is None  # granian is no Rust server


def test_reports_carry_the_database_section():
    view = model.build(db_doc())
    md = "\n".join(markdown._database(view))
    assert "## Database" in md and "**no database endpoints**: `uvicorn`" in md
    assert "|  | `pgbench` | 4 to PG | 20,000 |" in md
    assert "◆ database-bound (1/1)" in md and "| `hyper` | tokio-postgres 0.7 | askama | yes | no |  |" in md
    assert "`hyper` reaches 75 %: **met**" in md
    page = "".join(html._database(view, {}))
    assert 'id="database"' in page and "database-bound 1/1" in page and "<code>uvicorn</code>" in page
    summary = model.summary(view)
    assert summary.columns[-1] == "% of database ceiling (db @64)"
    rows = {server: [c.text for c in cells] for server, _, cells in summary.rows}
    assert rows["hyper"][-1] == "75 %" and rows[plan.CEILING][-1] == "ceiling" and rows["uvicorn"][-1] == "–"
    assert [server for server, _, _ in summary.rows][-1] == plan.CEILING
    head = model.database_sentence(view.doc)
    assert head is not None and "PostgreSQL 15.14" in head and "CPU(s) 1 (shared with the load generator)" in head
    assert "4 connection(s)" in head and "(16 at 64 HTTP connections)" in head
    assert "| `pgbench` | 4 to PG | 20,000 |" in md and "pipelined, 16 requests each" in md
    old = model.build(db_doc())
    del old.doc["config"]["database"]["ceiling_depth"]
    assert (model.database_sentence(old.doc) or "").endswith("statements one by one.")
