"""Runs the plan: for each run a fresh server pinned to the server CPUs, a warm-up, then one measured
window of the load generator pinned to the client CPUs (on this machine or the client host), with
CPU time, memory and steal recorded. A run whose CPUs were stolen is measured again while its cell
has runs left; cells still too noisy after the profile's rounds get more (plan.schedule)."""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from .. import db
from ..errors import HarnessError
from ..hosts import HostError
from ..manifest import ServerSpec
from ..process import ServerProcess
from ..tools import Tools
from . import measure, oha, pgbench, plan, stats, tfb, wrk
from .client import Client, LocalClient
from .database import Database
from .measure import ToolRun
from .records import CellKey, Failure, RunRecord
from .scenarios import Profile, Scenario


@dataclass
class BenchConfig:
    profile: Profile
    scenarios: list[Scenario]
    specs: list[ServerSpec]
    server_cpus: set[int]
    client_cpus: set[int]
    workers: int
    out_dir: Path
    tools: Tools
    # Where the load generator runs (default: this machine, with `tools`).
    client: Client | None = None
    # The address the server listens on and the load generator sends to.
    server_address: str = "127.0.0.1"
    # The PostgreSQL of the database scenarios (None: the plan has none).
    database: Database | None = None
    # time.monotonic() when the load suite began (the database's start counts): the profile's
    # budget runs from there. None: from the first run.
    started: float | None = None

    def __post_init__(self) -> None:
        if self.client is None:
            self.client = LocalClient(self.tools)

    @property
    def load_client(self) -> Client:
        assert self.client is not None  # set by __post_init__
        return self.client

    @property
    def raw_dir(self) -> Path:
        return self.out_dir / "raw"

    @property
    def log_dir(self) -> Path:
        return self.out_dir / "logs"


@dataclass
class Outcome:
    runs: list[RunRecord] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    # Servers that could not start are dropped from the rest of the plan.
    unavailable: dict[str, str] = field(default_factory=dict)
    # Per server and cell: the runs kept (the last measure of each round) and the measures taken.
    kept: dict[tuple[str, CellKey], list[RunRecord]] = field(default_factory=dict)
    attempts: dict[tuple[str, CellKey], int] = field(default_factory=dict)
    # Extra rounds and re-measures the profile's wall budget did not start.
    refused_by_budget: int = 0

    def history(self, server: str, cell: plan.Cell) -> tuple[list[RunRecord], int]:
        key = (server, (cell.scenario, cell.connections, cell.rate))
        return self.kept.get(key, []), self.attempts.get(key, 0)

    def add(self, record: RunRecord) -> None:
        key = (record.server, record.cell_key)
        self.runs.append(record)
        self.kept.setdefault(key, []).append(record)
        self.attempts[key] = self.attempts.get(key, 0) + 1

    def supersede(self, record: RunRecord) -> None:
        """`record` is measured again: it stays in the runs, flagged, and leaves the kept ones."""
        record.superseded = True
        self.kept[(record.server, record.cell_key)].remove(record)


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def empty_record(run: plan.Run, tool: str) -> RunRecord:
    return RunRecord(
        run_id=run.run_id,
        server=run.server,
        scenario=run.cell.scenario,
        kind=run.cell.kind,
        connections=run.cell.connections,
        rate=run.cell.rate,
        round=run.round,
        tool=tool,
        started_at=now(),
        target_rate=run.cell.rate,
        attempt=run.attempt,
    )


def stolen(record: RunRecord) -> bool:
    return (record.steal_share or 0) >= stats.STOLEN_SHARE


def execute(cfg: BenchConfig, runs: list[plan.Run], console: Console) -> Outcome:
    """Measures `runs` (the profile's rounds: plan.build), then the extra rounds and re-measures
    the profile allows, in plan.schedule's order."""
    specs = {s.name: s for s in cfg.specs}
    scenarios = {s.name: s for s in cfg.scenarios}
    # Who runs each cell, in turn order: as the planned rounds have it (a database cell has only the
    # servers with database endpoints, and its ceiling).
    by_cell: dict[plan.Cell, list[str]] = {}
    for r in runs:
        who = by_cell.setdefault(r.cell, [])
        if r.server not in who:
            who.append(r.server)
    outcome = Outcome()
    per_run = plan.run_seconds(cfg.profile)
    cap = plan.pairs(by_cell) * cfg.profile.cap
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[runs]} runs"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console) as progress:
        # Progress counts planned seconds, so the ETA is right from the first run; extra rounds and
        # re-measures add to the total as they are decided.
        expected = len(runs)
        task = progress.add_task("bench", total=expected * per_run, runs=f"0/{expected}")
        done = 0

        def step(run: plan.Run) -> RunRecord | None:
            nonlocal done, expected
            done += 1
            if done > expected:
                expected = done
                progress.update(task, total=expected * per_run)
            label = f"round {run.round}" + (f", measure {run.attempt}" if run.attempt > 1 else "")
            progress.update(task, description=f"{run.server} {run.cell.label} ({label})")
            record = None
            if run.server == plan.CEILING:
                record = measure_ceiling(cfg, scenarios[run.cell.scenario], run, outcome)
            elif run.server not in outcome.unavailable:
                record = measure_run(cfg, specs[run.server], scenarios[run.cell.scenario], run, outcome)
            if record is not None:
                outcome.add(record)
                console.print(_line(record, done, expected, cap))
            progress.update(task, advance=per_run, runs=f"{done}/{expected}")
            return record

        started = cfg.started if cfg.started is not None else time.monotonic()
        owed = len(runs)  # planned rounds not yet run: they always run, the budget keeps room for them

        def fits() -> bool:
            """One more run beyond the plan, and the planned ones still owed, end within the budget."""
            budget = cfg.profile.budget_s
            return budget is None or time.monotonic() - started + (owed + 1) * per_run <= budget

        for run in plan.schedule(by_cell, cfg.profile, outcome.history):
            extra = run.round > cfg.profile.repeats
            if run.server in outcome.unavailable and extra:
                continue  # no rounds beyond the planned ones for a server that never started
            if extra and not fits():
                outcome.refused_by_budget += 1
                continue
            record = step(run)
            owed -= 0 if extra else 1
            # Re-measured at once: the round keeps its place in the interleaving.
            while record is not None and stolen(record):
                _, attempts = outcome.history(run.server, run.cell)
                if not plan.may_remeasure(attempts, run, cfg.profile):
                    break
                if not fits():
                    outcome.refused_by_budget += 1
                    break
                outcome.supersede(record)
                run = run.again()
                record = step(run)
    return outcome


def _line(r: RunRecord, i: int, n: int, cap: int) -> str:
    state = "[green]ok[/]" if r.valid else f"[red]INVALID[/] ({'; '.join(r.invalid_reasons)})"
    rps = f"{r.requests_per_s:,.0f} req/s" if r.requests_per_s else "-"
    extra = ""
    p99 = (r.latency_ms or {}).get("p99")
    if p99 is not None:
        extra = f" p99 {p99:.2f} ms"
    cb = " [yellow]client-bound[/]" if r.client_bound else ""
    cb += " [yellow]database-bound[/]" if r.database_bound else ""
    if r.pg_cpu_us_per_request is not None:
        extra += f" PG {r.pg_cpu_us_per_request:.1f} µs/req"
    steal = f" [yellow]CPU stolen {100 * (r.steal_share or 0):.0f} %[/]" if stolen(r) else ""
    return f"[{i}/{n}, ≤{cap}] {r.run_id}: {rps}{extra}{cb}{steal} {state}"


def measure_run(cfg: BenchConfig, spec: ServerSpec, scenario: Scenario, run: plan.Run, outcome: Outcome) -> RunRecord | None:
    tool_name = "oha" if run.cell.kind == "latency" else "wrk"
    record = empty_record(run, tool_name)
    # Every server gets the database, whether it has the endpoints or not: one setting for all.
    env = {db.DATABASE_URL_ENV: cfg.database.url} if cfg.database else None
    server = ServerProcess(
        spec, host=cfg.server_address, port=spec.port, workers=cfg.workers, cpus=cfg.server_cpus, log_dir=cfg.log_dir, env=env
    )
    try:
        if spec.port is not None and tfb.port_taken(cfg.server_address, spec.port):
            raise HarnessError(spec.name, "start", f"port {spec.port}, where it listens, is taken by another process")
        server.start()
    except HarnessError as exc:
        outcome.unavailable[spec.name] = str(exc)
        outcome.failures.append(_failure(run, "start", exc))
        return None
    try:
        try:
            _warmup(cfg, scenario, run, server, record)
            _measure(cfg, scenario, run, server, record)
        except (RuntimeError, HostError) as exc:
            # HostError: the client host went away mid-run; the run is lost, not the whole bench.
            record.invalid_reasons.append(f"load generator failed: {exc}")
            outcome.failures.append(_failure(run, "load generator", exc))
        record.server_peak_rss_bytes = measure.tree_peak_rss_bytes(server.pid) or None
        try:
            server.check_alive(step=f"run {run.run_id}")
        except HarnessError as exc:
            record.invalid_reasons.append("server crashed")
            outcome.failures.append(_failure(run, "serve", exc))
    finally:
        server.stop()
    record.valid = not record.invalid_reasons
    return record


def _failure(run: plan.Run, step: str, exc: Exception) -> Failure:
    return {"server": run.server, "run_id": run.run_id, "step": step, "message": str(exc), "at": now()}


class _Window(TypedDict):
    """What every load-generator run of a cell is given, whichever the tool."""

    connections: int
    duration_s: float
    threads: int
    cpus: set[int] | None
    out_dir: Path
    name: str
    client: Client


def _drive(
    cfg: BenchConfig, scenario: Scenario, run: plan.Run, server: ServerProcess, *, seconds: float, name: str, check: bool
) -> tuple[oha.OhaResult | wrk.WrkResult, ToolRun, str]:
    """One load-generator run for this cell: oha at a fixed rate for latency
    cells, wrk for throughput. Returns (result, tool stats, raw file)."""
    window: _Window = {
        "connections": run.cell.connections,
        "duration_s": seconds,
        "threads": len(cfg.client_cpus),
        "cpus": cfg.client_cpus,
        "out_dir": cfg.raw_dir,
        "name": name,
        "client": cfg.load_client,
    }
    found = cfg.load_client.tools
    if run.cell.kind == "latency":
        # A latency cell always has a rate, and suite.run had the client find oha for it.
        assert found.oha is not None and run.cell.rate is not None
        res, tool = oha.run(found.oha, scenario, server.url, rate=run.cell.rate, **window)
        return res, tool, f"raw/{name}.oha.json"
    assert found.wrk is not None
    wres, tool = wrk.run(found.wrk, scenario, server.url, check=check, **window)
    return wres, tool, f"raw/{name}.wrk.json"


def _warmup(cfg: BenchConfig, scenario: Scenario, run: plan.Run, server: ServerProcess, record: RunRecord) -> None:
    """Same load, shorter. wrk warms up with its per-response check on, so a server answering anything
    but 2xx (1xx/3xx included, which wrk's own counter misses) invalidates the run."""
    seconds = max(1.0, cfg.profile.warmup_s)
    res, _, record.raw["warmup"] = _drive(cfg, scenario, run, server, seconds=seconds, name=f"{run.run_id}.warmup", check=True)
    record.warmup_errors = {k: v for k, v in res.errors.items() if v}
    if res.error_total:
        record.invalid_reasons.append("errors during warm-up: " + _fmt_errors(record.warmup_errors))


def _measure(cfg: BenchConfig, scenario: Scenario, run: plan.Run, server: ServerProcess, record: RunRecord) -> None:
    database = cfg.database if scenario.database else None
    window = DatabaseWindow.open(database)
    cpu_before = measure.tree_cpu_seconds(server.pid)
    jiffies_before = measure.cpu_jiffies(cfg.server_cpus)
    res, tool, record.raw["measured"] = _drive(
        cfg, scenario, run, server, seconds=cfg.profile.duration_s, name=run.run_id, check=False
    )
    # The load generator's CPU counts toward the database's CPUs only where both run on one machine.
    beside = database is not None and database.on(cfg.load_client.host)
    window.close(record, requests=res.requests, client=(tool.cpu_s, cfg.client_cpus) if beside else None)
    if isinstance(res, oha.OhaResult):
        record.latency_ms = res.latency_ms
    server_cpu = measure.tree_cpu_seconds(server.pid) - cpu_before
    fill(
        record,
        duration_s=res.duration_s,
        requests=res.requests,
        transfer=res.bytes,
        errors=res.errors,
        server_cpu_s=server_cpu,
        client_cpu_s=tool.cpu_s,
        client_wall_s=tool.wall_s,
        client_cpus=len(cfg.client_cpus),
        server_cpus=len(cfg.server_cpus),
    )
    # Other work on the machine shows here: a busy machine starves both sides and the numbers with them.
    record.loadavg_1m = os.getloadavg()[0]
    # Each side's CPUs on its own host; the run counts as stolen from when either side was.
    record.server_steal_share = measure.steal_share(jiffies_before, measure.cpu_jiffies(cfg.server_cpus))
    record.client_steal_share = measure.steal_share(*tool.steal) if tool.steal else None
    shares = [x for x in (record.server_steal_share, record.client_steal_share, window.steal_share) if x is not None]
    record.steal_share = max(shares) if shares else None


@dataclass
class DatabaseWindow:
    """PostgreSQL's side of one measured window: its CPU time, statements and the steal of its CPUs,
    sampled before and after. Does nothing without a database (or, for the CPU, with one elsewhere)."""

    database: Database | None
    started: float = 0.0
    cpu_s: float | None = None
    statements: int | None = None
    jiffies: measure.Jiffies | None = None
    steal_share: float | None = None

    @classmethod
    def open(cls, database: Database | None, *, clients: int | None = None) -> DatabaseWindow:
        """`clients`: the client backends expected to be left (0 for the ceiling: the warm-up's are
        gone before the sample; None for a server, whose pool stays)."""
        window = cls(database)
        if database is not None:
            # Statements first: their query runs before the CPU window opens.
            window.statements = database.statements()
            database.settle(clients=clients)
            window.jiffies = database.cpu_jiffies()
            window.cpu_s = database.cpu_seconds()
            window.started = time.monotonic()
        return window

    def close(
        self, record: RunRecord, *, requests: int, client: tuple[float, set[int]] | None, clients: int | None = None
    ) -> None:
        """Fills `record`'s database fields; `client`: the load generator's CPU seconds and CPUs when
        it ran on this machine (it may share the database's CPUs); `clients` as for `open`."""
        database = self.database
        if database is None:
            return
        wall = time.monotonic() - self.started
        database.settle(clients=clients)
        after = database.cpu_seconds()
        jiffies = database.cpu_jiffies() if self.jiffies is not None else None
        if self.jiffies is not None and jiffies is not None:
            self.steal_share = measure.steal_share(self.jiffies, jiffies)
        statements = database.statements()
        if self.statements is not None and statements is not None and requests:
            # Less the one statement the first sample ran (counted when it ended).
            record.pg_statements_per_request = max(0, statements - self.statements - 1) / requests
        if after is None or self.cpu_s is None or not database.cpus:
            return
        pg = after - self.cpu_s
        record.pg_cpu_s = pg
        record.pg_cpu_us_per_request = pg * 1e6 / requests if requests else None
        record.pg_cpu_share = pg / (wall * len(database.cpus)) if wall > 0 else None
        client_cpu, client_cpus = client if client else (0.0, None)
        record.db_cpus_busy_share = measure.db_cpus_busy(pg, wall, database.cpus, client_cpu, client_cpus)
        record.database_bound = measure.database_bound(record.db_cpus_busy_share)


def measure_ceiling(cfg: BenchConfig, scenario: Scenario, run: plan.Run, outcome: Outcome) -> RunRecord | None:
    """The ceiling row of a database cell: pgbench with the scenario's statements at the servers'
    connection count, each pipeline holding the requests that share one pool connection in this cell
    (pgbench.depth), pinned to the server's CPUs, warmed up and measured like a server. Its CPU is
    recorded as the server's (it sits in the server's place); there is no load generator."""
    record = empty_record(run, "pgbench")
    database = cfg.database
    if database is None or scenario.pgbench is None:
        return None
    clients = pgbench.connections(cfg.workers)
    script = pgbench.pipelined(scenario.pgbench, pgbench.depth(run.cell.connections, clients))

    def bench(seconds: float, name: str) -> tuple[pgbench.PgbenchResult, ToolRun]:
        assert database is not None
        return pgbench.run(
            str(database.pgbench),
            script,
            database.url,
            clients=clients,
            # A thread per connection: one client's answers never wait in a loop busy with another's
            # while PostgreSQL idles between pipelines (measured, alternating on updates: 525-2,087
            # req/s with one thread, 2,061-2,610 with four).
            threads=clients,
            duration_s=seconds,
            cpus=cfg.server_cpus,
            out_dir=cfg.raw_dir,
            name=name,
        )

    try:
        warm, _ = bench(max(1.0, cfg.profile.warmup_s), f"{run.run_id}.warmup")
        record.raw["warmup"] = f"raw/{run.run_id}.warmup.pgbench.stdout"
        record.warmup_errors = {k: v for k, v in warm.errors.items() if v}
        if warm.error_total:
            record.invalid_reasons.append("errors during warm-up: " + _fmt_errors(record.warmup_errors))
        # pgbench's backends (the warm-up's, then the run's) are gone before each sample.
        window = DatabaseWindow.open(database, clients=0)
        jiffies_before = measure.cpu_jiffies(cfg.server_cpus)
        res, tool = bench(cfg.profile.duration_s, run.run_id)
        record.raw["measured"] = f"raw/{run.run_id}.pgbench.stdout"
        record.raw["script"] = f"raw/{run.run_id}.pgbench.sql"
        window.close(record, requests=res.requests, client=None, clients=0)
    except RuntimeError as exc:
        record.invalid_reasons.append(f"pgbench failed: {exc}")
        outcome.failures.append(_failure(run, "pgbench", exc))
        record.valid = False
        return record
    fill(
        record,
        duration_s=res.duration_s,
        requests=res.requests,
        transfer=0,
        errors=res.errors,
        server_cpu_s=tool.cpu_s,
        client_cpu_s=0.0,
        client_wall_s=tool.wall_s,
        client_cpus=1,
        server_cpus=len(cfg.server_cpus),
    )
    # No load generator ran: nothing to show for it.
    record.client_cpu_s = record.client_wall_s = record.client_cpu_share = None
    record.loadavg_1m = os.getloadavg()[0]
    record.server_steal_share = measure.steal_share(jiffies_before, measure.cpu_jiffies(cfg.server_cpus))
    shares = [x for x in (record.server_steal_share, window.steal_share) if x is not None]
    record.steal_share = max(shares) if shares else None
    return record


def fill(
    record: RunRecord,
    *,
    duration_s: float,
    requests: int,
    transfer: int,
    errors: dict[str, int],
    server_cpu_s: float,
    client_cpu_s: float,
    client_wall_s: float,
    client_cpus: int,
    server_cpus: int = 1,
) -> RunRecord:
    """The derived numbers of one measured window, and its validity."""
    record.duration_s = duration_s
    record.requests = requests
    record.transfer_bytes = transfer
    record.requests_per_s = requests / duration_s if duration_s > 0 else None
    record.transfer_bytes_per_s = transfer / duration_s if duration_s > 0 else None
    record.errors = {k: v for k, v in errors.items() if v}
    record.error_total = sum(record.errors.values())
    record.server_cpu_s = server_cpu_s
    record.server_cpu_us_per_request = server_cpu_s * 1e6 / requests if requests else None
    record.server_cpu_share = server_cpu_s / (duration_s * server_cpus) if duration_s > 0 else None
    record.client_cpu_s = client_cpu_s
    record.client_wall_s = client_wall_s
    record.client_cpu_share = client_cpu_s / (client_wall_s * client_cpus) if client_wall_s > 0 else None
    record.client_bound = measure.client_bound(client_cpu_s, client_wall_s, client_cpus)
    if record.kind == "latency":
        record.achieved_rate = record.requests_per_s
    if record.error_total:
        record.invalid_reasons.append("errors: " + _fmt_errors(record.errors))
    if not requests:
        record.invalid_reasons.append("no request completed")
    record.valid = not record.invalid_reasons
    return record


def _fmt_errors(errors: dict[str, int]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(errors.items()))
