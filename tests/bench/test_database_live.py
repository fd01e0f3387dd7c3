"""The database side of the load suite against a real PostgreSQL (Debian's package, the private
cluster of harness/db.py): pinning reaches the backends forked after it, the cluster's CPU and
statements move with the work, the ceiling run, and a quick bench of the database scenarios on a
server that has the endpoints, with results.json and both reports carrying the ceiling and PG CPU."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console

from harness import db, registry
from harness.bench import database as bench_db
from harness.bench import measure, pgbench, plan, results, runner, scenarios, suite
from harness.errors import ToolError
from harness.manifest import ServerSpec
from harness.tools import Tools, find_wrk

# The statements one request of each database scenario makes PostgreSQL run (its pgbench script).
STATEMENTS = {"db": 1, "queries": 20, "fortunes": 1, "updates": 40}


def db_cpus() -> set[int]:
    """Where the bench puts PostgreSQL on this machine: beside the load generator."""
    return measure.default_cpus()[1]


@pytest.fixture(scope="module")
def cluster() -> Iterator[bench_db.Database]:
    try:
        db.ensure_installed(install=os.geteuid() == 0)
    except ToolError as exc:
        pytest.skip(str(exc))
    database = bench_db.open_local(db_cpus())
    try:
        yield database
    finally:
        bench_db.close(database)


def test_backends_forked_after_pinning_run_on_the_database_cpus(cluster: bench_db.Database):
    assert cluster.postmaster is not None and cluster.cpus
    assert os.sched_getaffinity(cluster.postmaster) == cluster.cpus
    # A client connecting now gets a fresh backend, forked from the pinned postmaster.
    sleeper = subprocess.Popen(
        [str(cluster.bin_dir / "psql"), "-X", "-q", "-d", cluster.url, "-c", "SELECT pg_sleep(5) /* pin-probe */"],
        stdout=subprocess.DEVNULL,
    )
    try:
        pid = ""
        deadline = time.monotonic() + 5
        while not pid and time.monotonic() < deadline:
            pid = bench_db.psql(
                cluster.bin_dir,
                cluster.url,
                "SELECT pid FROM pg_stat_activity WHERE query LIKE '%pin-probe%' AND pid <> pg_backend_pid()",
            ).strip()
            time.sleep(0.05)
        assert pid, "the probing backend never showed in pg_stat_activity"
        assert os.sched_getaffinity(int(pid)) == cluster.cpus
        assert int(pid) in {st.pid for st in bench_db.tree(cluster.postmaster, list(bench_db.read_stats()))}
    finally:
        sleeper.kill()
        sleeper.wait()


def test_cpu_and_statements_follow_the_work(cluster: bench_db.Database, tmp_path: Path):
    source = scenarios.load().scenarios["queries"].pgbench
    assert source is not None
    script = pgbench.pipelined(source, 3)
    cpu, statements = cluster.cpu_seconds(), cluster.statements()
    assert cpu is not None and statements is not None
    res, tool = pgbench.run(
        str(cluster.pgbench), script, cluster.url, clients=2, threads=1, duration_s=1, cpus=None, out_dir=tmp_path, name="probe"
    )
    assert res.requests > 0 and res.error_total == 0 and tool.cpu_s > 0
    # Each transaction is one pipeline of 3 requests.
    assert res.requests == 3 * res.transactions
    assert (tmp_path / "probe.pgbench.sql").read_text() == script.text
    used = (cluster.cpu_seconds() or 0) - cpu
    ran = (cluster.statements() or 0) - statements
    # The clients' backends exited before the second sample: their CPU counts through the postmaster.
    assert used > 0.05
    # 20 statements per request; a pipeline cut by the end of the window may add a few.
    assert 20 * res.requests <= ran <= 20 * (res.requests + 2 * 3) + 2


def test_pipelined_updates_of_many_clients_neither_fail_nor_deadlock(cluster: bench_db.Database, tmp_path: Path):
    """The updates ceiling at 4 workers' pool (16 clients, 4 requests per pipeline): every pipeline
    holds its row locks to its end, so only rows of each client's own keep them apart."""
    source = scenarios.load().scenarios["updates"].pgbench
    assert source is not None
    clients = pgbench.connections(4)
    script = pgbench.pipelined(source, pgbench.depth(64, clients))

    def deadlocks() -> int:
        return int(bench_db.psql(cluster.bin_dir, cluster.url, DEADLOCKS_SQL).strip())

    before = deadlocks()
    res, _ = pgbench.run(
        str(cluster.pgbench),
        script,
        cluster.url,
        clients=clients,
        threads=1,
        duration_s=2,
        cpus=None,
        out_dir=tmp_path,
        name="many",
    )
    assert res.transactions > 0 and res.error_total == 0
    # PostgreSQL's own count, which a deadlock broken by rolling one pipeline back would raise.
    assert deadlocks() == before


DEADLOCKS_SQL = "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"


def ceiling_config(database: bench_db.Database, scenario: scenarios.Scenario, out: Path) -> runner.BenchConfig:
    server_cpus, client_cpus = measure.default_cpus()
    profile = scenarios.Profile("quick", 1, 1, 1)
    return runner.BenchConfig(
        profile, [scenario], [], server_cpus, client_cpus, 1, out, Tools(wrk="wrk", oha=None), database=database
    )


@pytest.mark.parametrize("name", ["db", "updates"])
def test_the_ceiling_run_measures_pgbench_and_postgres(cluster: bench_db.Database, tmp_path: Path, name: str):
    scenario = scenarios.load().scenarios[name]
    cfg = ceiling_config(cluster, scenario, tmp_path)
    run = plan.Run(plan.CEILING, plan.Cell(name, "throughput", 64), 1)
    outcome = runner.Outcome()
    rec = runner.measure_ceiling(cfg, scenario, run, outcome)
    # Valid: no pipeline failed. On `updates` a pipeline is one transaction holding 320 row locks;
    # clients that shared rows would deadlock (and fail) or wait out deadlock_timeout.
    assert rec is not None and rec.valid, rec and rec.invalid_reasons
    assert rec.tool == "pgbench" and rec.requests > 0 and rec.requests_per_s
    assert rec.server_cpu_s and rec.client_cpu_s is None and not rec.client_bound
    assert rec.pg_cpu_us_per_request and rec.pg_cpu_us_per_request > 0
    assert rec.pg_cpu_share and 0 < rec.pg_cpu_share <= 1.05
    assert rec.pg_statements_per_request == pytest.approx(STATEMENTS[name], rel=0.05)
    assert (tmp_path / "raw" / f"{run.run_id}.pgbench.stdout").exists()
    # The pipeline it ran: 64 HTTP connections over the pool's (workers × db_connections_per_worker).
    ran = (tmp_path / "raw" / f"{run.run_id}.pgbench.sql").read_text()
    assert ran.count("\\startpipeline") == 1
    reads = {"db": 1, "updates": 20}[name]
    assert ran.count("SELECT id, randomnumber FROM world") == reads * pgbench.depth(64, pgbench.connections(cfg.workers))
    cmd = (tmp_path / "raw" / f"{run.run_id}.pgbench.cmd").read_text()
    assert "benchmarkdbpass" not in cmd
    # A pgbench thread per connection.
    clients = pgbench.connections(cfg.workers)
    assert f" -c {clients} -j {clients} " in cmd


# --- a quick bench of the database scenarios ---------------------------------------------------------

# Servers that serve the database endpoints, in the order the test prefers them.
PREFERRED = ("hyper", "granian", "uvicorn")


def runnable(spec: ServerSpec) -> bool:
    if spec.build.binary is not None:
        return spec.build.binary.exists()
    return spec.framework_pypi is None or importlib.util.find_spec(spec.framework_pypi.replace("-", "_")) is not None


def database_server() -> ServerSpec:
    specs = registry.discover()
    with_db = [s for s in specs.values() if s.database is not None and s.contender]
    if not with_db:
        pytest.skip("no registered server has database endpoints ([database] in its server.toml) yet")
    ordered = sorted(with_db, key=lambda s: PREFERRED.index(s.name) if s.name in PREFERRED else len(PREFERRED))
    for spec in ordered:
        if runnable(spec):
            return spec
    pytest.skip(f"not built: {[s.name for s in ordered]}; run `python -m harness build {ordered[0].name}`")


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory: pytest.TempPathFactory, cluster: bench_db.Database) -> tuple[Path, str]:
    if find_wrk() is None:
        pytest.skip("wrk is not installed: run `nox -s build` (it installs wrk and oha)")
    spec = database_server()
    out = tmp_path_factory.mktemp("bench-db") / "run"
    suite.run(
        profile_name="quick",
        server_names=[spec.name],
        scenario_names=list(STATEMENTS),
        server_cpus=None,
        client_cpus=None,
        workers=None,
        out=out,
        screenshot=False,
        console=Console(file=open(out.parent / "console.txt", "w"), width=200),
    )
    return out, spec.name


@pytest.mark.timeout(300)
def test_results_carry_the_ceiling_and_postgres_cpu(bench_run: tuple[Path, str], cluster: bench_db.Database):
    run_dir, server = bench_run
    data = json.loads((run_dir / "results.json").read_text())
    results.validate(data)
    config = data["config"]["database"]
    assert config["cpu_measured"] and config["cpus"] == sorted(db_cpus())
    assert config["ceiling_clients"] == pgbench.connections(data["config"]["workers"])
    # The ceiling's pipelines hold the requests of the HTTP connections sharing one pool connection.
    assert config["ceiling_depth"] == {"64": pgbench.depth(64, config["ceiling_clients"])}
    assert "benchmarkdbpass" not in json.dumps(data)
    statuses = {s["name"]: s for s in data["servers"]}
    assert statuses[server]["database"] is not None and statuses["baseline"]["database"] is None
    aggs = {(a["server"], a["scenario"]): a for a in data["aggregates"]}
    for name, statements in STATEMENTS.items():
        ceiling = aggs[(plan.CEILING, name)]
        assert ceiling["valid"] and ceiling["requests_per_s"]["median"] > 0 and not ceiling["contender"]
        assert ceiling["pg_statements_per_request"]["median"] == pytest.approx(statements, rel=0.05)
        mine = aggs[(server, name)]
        assert mine["valid"], mine["invalid_reasons"]
        assert mine["pct_of_ceiling"] and mine["pct_of_ceiling"] > 0
        assert mine["pg_cpu_us_per_request"]["median"] > 0 and mine["db_cpus_busy_share"]["median"] > 0
        # Every request ran its own queries: at least one statement each (fewer than the script's
        # only where the server batches its updates).
        assert mine["pg_statements_per_request"]["median"] >= 1
        assert ("baseline", name) not in aggs
    runs = [r for r in data["runs"] if r["scenario"] in STATEMENTS]
    assert {r["tool"] for r in runs} == {"wrk", "pgbench"}
    assert all(r["pg_cpu_s"] and r["pg_cpu_s"] > 0 for r in runs)


def test_reports_show_the_database_section(bench_run: tuple[Path, str]):
    run_dir, server = bench_run
    md = (run_dir / "report.md").read_text()
    assert "## Database" in md and "Database: PostgreSQL" in md
    assert "| `pgbench` | 4 to PG |" in md or os.cpu_count() != 2
    assert f"`{server}`" in md
    for column in ("% of database ceiling", "PG CPU µs/req", "PG statements/req", "pipelining / batched updates"):
        assert column in md
    page = (run_dir / "report.html").read_text()
    assert 'id="database"' in page and "PG CPU µs/req" in page and (run_dir / "charts" / "rps-db.png").exists()


def test_the_cluster_is_left_as_the_bench_found_it(bench_run: tuple[Path, str], cluster: bench_db.Database):
    """The fixture's cluster was running when the bench started: the bench reused it, did not stop
    it, and the pinning it found is still in place."""
    assert db.is_running()
    assert cluster.postmaster is not None and os.sched_getaffinity(cluster.postmaster) == cluster.cpus


def test_a_database_elsewhere_is_checked_not_pinned_and_its_cpu_unmeasured(cluster: bench_db.Database, tmp_path: Path):
    """--database-url: the harness only checks the tables; the ceiling still runs against it."""
    elsewhere = bench_db.open_remote(cluster.url)
    assert elsewhere.postmaster is None and elsewhere.cpus is None and not elsewhere.started
    scenario = scenarios.load().scenarios["db"]
    run = plan.Run(plan.CEILING, plan.Cell("db", "throughput", 64), 1)
    rec = runner.measure_ceiling(ceiling_config(elsewhere, scenario, tmp_path), scenario, run, runner.Outcome())
    assert rec is not None and rec.valid and rec.requests > 0
    assert rec.pg_cpu_s is None and rec.db_cpus_busy_share is None and not rec.database_bound
    # pg_stat_statements is the database's own count: readable from anywhere.
    assert rec.pg_statements_per_request == pytest.approx(1, rel=0.05)
    bench_db.close(elsewhere)  # nothing to stop or unpin
    assert db.is_running()
    bad = cluster.url.rsplit("/", 1)[0] + "/postgres"
    with pytest.raises(ToolError, match="lacks the arena's tables"):
        bench_db.open_remote(bad)


@pytest.mark.timeout(120)
def test_bench_against_a_database_url_reports_its_cpu_unmeasured(cluster: bench_db.Database, tmp_path: Path):
    if find_wrk() is None:
        pytest.skip("wrk is not installed: run `nox -s build` (it installs wrk and oha)")
    spec = database_server()
    out = tmp_path / "run"
    suite.run(
        profile_name="quick",
        server_names=[spec.name],
        scenario_names=["db"],
        server_cpus=None,
        client_cpus=None,
        workers=None,
        out=out,
        duration=1,
        screenshot=False,
        database_url=cluster.url,
        console=Console(file=open(tmp_path / "console.txt", "w"), width=200),
    )
    data = json.loads((out / "results.json").read_text())
    assert data["config"]["database"]["cpus"] is None and not data["config"]["database"]["cpu_measured"]
    assert data["config"]["hosts"]["database"] == {"host": "127.0.0.1", "address": "127.0.0.1"}
    mine = next(a for a in data["aggregates"] if a["server"] == spec.name)
    assert mine["valid"] and mine["pg_cpu_us_per_request"] is None and mine["pct_of_ceiling"]
    md = (out / "report.md").read_text()
    assert "its CPU unmeasured" in md and "| unmeasured |" in md
