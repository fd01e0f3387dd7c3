"""One bench run end to end: choose servers and scenarios, print the plan and its ETA, run it,
write results.json, the report, and a summary table on the terminal."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import socket
import time
from pathlib import Path

from rich import box
from rich.console import Console
from rich.table import Table

from .. import readiness, registry
from ..errors import SelectionError
from ..hosts import Host, HostError, HostInfo, Shell, probe
from ..manifest import ServerSpec
from ..paths import RESULTS_DIR
from . import client as load_client
from . import database as bench_db
from . import environment, measure, pgbench, plan, results, runner, scenarios, stats, tfb
from .records import Aggregate, Stat
from .report import build as report_build


def select_servers(names: list[str] | None) -> list[ServerSpec]:
    specs = registry.discover()
    chosen = registry.select(specs, names) if names else [s for s in specs.values() if s.contender]
    # The calibration row is measured in every run, whatever the filter: % of baseline needs it.
    chosen = [s for s in chosen if s.name != stats.BASELINE]
    if stats.BASELINE in specs:
        chosen.insert(0, specs[stats.BASELINE])
    return chosen


def select_scenarios(suite: scenarios.Suite, names: list[str] | None, profile: str) -> list[scenarios.Scenario]:
    if names:
        unknown = [n for n in names if n not in suite.scenarios]
        if unknown:
            raise SelectionError(f"unknown scenario(s): {', '.join(unknown)}; defined: {', '.join(suite.scenarios)}")
        chosen = [suite.scenarios[n] for n in names]
    else:
        chosen = list(suite.scenarios.values())
    chosen = [s for s in chosen if s.cells(profile)]
    if not chosen:
        raise SelectionError(f"no selected scenario has connection counts for profile {profile!r}")
    return chosen


def serves(specs: list[ServerSpec]) -> plan.Serves:
    """A database scenario runs on the servers with database endpoints ([database] in their manifest)
    and on its ceiling; every other scenario on every server. Reference rows (harness/bench/tfb.py)
    run only the scenarios their TechEmpower entries serve."""
    with_db = {s.name for s in specs if s.database is not None}
    references = {s.name for s in specs if getattr(s, "reference", None) is not None}

    def rule(server: str, scenario: scenarios.Scenario) -> bool:
        if server in references:
            return tfb.serves(scenario)
        if not scenario.database:
            return server != plan.CEILING
        return server == plan.CEILING or server in with_db

    return rule


def without_database(specs: list[ServerSpec]) -> list[str]:
    """The contenders a database scenario leaves out: no database endpoints (yet)."""
    return [s.name for s in specs if s.database is None and s.contender]


def drop_database_scenarios(
    chosen: list[scenarios.Scenario], specs: list[ServerSpec], console: Console
) -> list[scenarios.Scenario]:
    """No selected server has database endpoints: the database scenarios would measure pgbench alone."""
    if any(s.database is not None for s in specs) or not any(sc.database for sc in chosen):
        return chosen
    kept = [sc for sc in chosen if not sc.database]
    if not kept:
        raise SelectionError("no selected server has database endpoints ([database] in its server.toml)")
    dropped = ", ".join(sc.name for sc in chosen if sc.database)
    console.print(f"[yellow]no selected server has database endpoints: {dropped} not run[/]")
    return kept


def db_cpus_for(requested: set[int] | None, client: Host, server_cpus: set[int], client_cpus: set[int]) -> set[int]:
    """Where the local database runs: --db-cpus, else beside a local load generator (2 cores: CPU 1,
    the server keeps CPU 0), else — the load generator on another host — on the server's CPUs."""
    if requested:
        usable = set(os.sched_getaffinity(0))
        if requested - usable:
            raise SelectionError(f"--db-cpus {sorted(requested)}: CPUs {sorted(requested - usable)} are not usable here")
        return requested
    return set(client_cpus) if client.is_local else set(server_cpus)


def check_server_address(address: str, client: Host) -> None:
    """The server must be able to listen on `address` here, and a client on another host must be
    able to reach it there: a loopback address is this machine's alone."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError as exc:
        raise SelectionError(f"--server-address {address!r} is not an IP address of this machine") from exc
    if not client.is_local and ip.is_loopback:
        raise SelectionError(
            f"the server would listen on {address}, which the client host {client.name} cannot reach: "
            "pass --server-address with an address of this machine on the network between them"
        )
    family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
    with socket.socket(family) as s:
        try:
            s.bind((address, 0))
        except OSError as exc:
            raise SelectionError(f"the server cannot listen on {address} here: {exc.strerror}") from exc


def _client_cpus(requested: set[int] | None, usable: list[int], host: str) -> set[int]:
    if requested is None:
        return set(usable)
    outside = sorted(requested - set(usable))
    if usable and outside:
        raise HostError(f"--client-cpus {sorted(requested)}: CPUs {outside} are not usable on {host} (usable: {usable})")
    return requested


def resolve_profile(
    suite: scenarios.Suite, name: str | None, duration: float | None, repeats: int | None, max_rounds: int | None
) -> scenarios.Profile:
    name = name or suite.default_profile
    if name not in suite.profiles:
        raise SelectionError(f"unknown profile {name!r}; defined: {', '.join(suite.profiles)}")
    p = suite.profiles[name]
    return scenarios.Profile(
        p.name,
        duration or p.duration_s,
        p.warmup_s,
        repeats or p.repeats,
        p.description,
        max_rounds if max_rounds is not None else p.max_rounds,
        p.spread_bound,
        p.budget_s,
    )


def run(
    *,
    profile_name: str | None,
    server_names: list[str] | None,
    scenario_names: list[str] | None,
    server_cpus: set[int] | None,
    client_cpus: set[int] | None,
    workers: int | None,
    out: Path | None,
    duration: float | None = None,
    repeats: int | None = None,
    max_rounds: int | None = None,
    console: Console | None = None,
    scenarios_file: Path = scenarios.SCENARIOS_FILE,
    screenshot: bool = True,
    client_host: str | None = None,
    server_address: str = "127.0.0.1",
    ssh_options: tuple[str, ...] = (),
    reference_tfb: Path | None = None,
    reference_allow_git: bool = False,
    db_cpus: set[int] | None = None,
    database_url: str | None = None,
    database_host: str | None = None,
) -> Path:
    console = console or Console()
    db_host = Host.parse(database_host, ssh_options)
    if not db_host.is_local and not database_url:
        raise SelectionError(
            "--database-host needs --database-url: the address of that PostgreSQL as the servers reach it "
            "(`python -m harness db start --listen ADDRESS` on the database host prints it)"
        )
    suite = scenarios.load(scenarios_file)
    profile = resolve_profile(suite, profile_name, duration, repeats, max_rounds)
    specs = select_servers(server_names)
    chosen = drop_database_scenarios(select_scenarios(suite, scenario_names, profile.name), specs, console)
    host = Host.parse(client_host, ssh_options)
    check_server_address(server_address, host)
    references = None
    if reference_tfb is not None:
        references = _references(console, reference_tfb, chosen, reference_allow_git)
        specs += references.specs
    need = tuple(sorted({"oha" if s.kind == "latency" else "wrk" for s in chosen}))
    client = load_client.connect(host, need)
    try:
        with Shell(Host()) as here:
            server_host = probe(here).info
        if host.is_local:
            d_server, d_client = measure.default_cpus()
            server_cpus, client_cpus = server_cpus or d_server, client_cpus or d_client
        else:
            # Each side has a machine of its own: by default each gets all of its CPUs.
            server_cpus = server_cpus or set(os.sched_getaffinity(0))
            client_cpus = _client_cpus(client_cpus, client.info["cpus_usable"], host.name)
        # The wall time of the run counts the database's start and seed.
        started = dt.datetime.now(dt.UTC)
        database = None
        if any(sc.database for sc in chosen):
            if database_url and not db_host.is_local:
                database = bench_db.open_host(database_url, db_host, db_cpus)
            elif database_url:
                database = bench_db.open_remote(database_url)
            else:
                database = bench_db.open_local(db_cpus_for(db_cpus, host, server_cpus, client_cpus))
        try:
            return _run(
                console,
                profile,
                specs,
                chosen,
                client,
                server_host,
                server_cpus,
                client_cpus,
                workers,
                out,
                server_address,
                scenarios_file,
                screenshot,
                started,
                database,
                references,
            )
        finally:
            if database is not None:
                bench_db.close(database)
    finally:
        client.close()


def _references(console: Console, checkout: Path, chosen: list[scenarios.Scenario], allow_git: bool) -> tfb.References:
    """Builds the TechEmpower entries of `checkout` (harness/bench/tfb.py) for reference rows."""
    if not any(tfb.serves(s) for s in chosen):
        console.print("[yellow]--reference-tfb: no selected scenario is one TechEmpower's entries serve (plaintext, json)[/]")
    console.print(f"[bold]reference rows[/]: building the Rust entries of {checkout} (TechEmpower FrameworkBenchmarks)")
    specs, skipped = tfb.references(checkout, allow_git=allow_git)
    for spec in specs:
        console.print(f"  {spec.name}: built ({spec.reference.build if spec.reference else ''})")
    for skip in skipped:
        console.print(f"  [yellow]{skip.name}: skipped[/] — {skip.reason}")
    return tfb.References(
        checkout=str(checkout),
        commit=tfb.checkout_commit(checkout),
        specs=specs,
        skipped=skipped,
    )


def _run(
    console: Console,
    profile: scenarios.Profile,
    specs: list[ServerSpec],
    chosen: list[scenarios.Scenario],
    client: load_client.Client,
    server_host: HostInfo,
    server_cpus: set[int],
    client_cpus: set[int],
    workers: int | None,
    out: Path | None,
    server_address: str,
    scenarios_file: Path,
    screenshot: bool,
    started: dt.datetime,
    database: bench_db.Database | None = None,
    references: tfb.References | None = None,
) -> Path:
    workers = workers or len(server_cpus)
    found = client.tools
    run_id = started.strftime("%Y%m%dT%H%M%SZ")
    out_dir = out or RESULTS_DIR / run_id
    out_dir.mkdir(parents=True, exist_ok=True)
    has_db = any(sc.database for sc in chosen)
    names = ([plan.CEILING] if has_db else []) + [s.name for s in specs]
    roster = plan.roster(names, chosen, profile.name, serves(specs))
    runs = plan.build(names, chosen, profile, serves(specs))
    n_cells = len(roster)
    estimate = plan.estimate(plan.pairs(roster), profile, database=has_db)
    rounds = f"{profile.repeats}" if profile.cap == profile.repeats else f"{profile.repeats}–{profile.cap}"
    n_refs = sum(1 for s in specs if s.reference)
    servers = f"{len(specs) - n_refs} servers" + (f" (+ {n_refs} reference rows where they serve)" if n_refs else "")
    console.print(
        f"[bold]bench[/] profile [cyan]{profile.name}[/]: {servers}, {n_cells} cells, {plan.pairs(roster)} "
        f"server-cells × {rounds} rounds "
        f"= {estimate.runs}" + (f"–{estimate.max_runs}" if estimate.max_runs > estimate.runs else "") + " runs of "
        f"{profile.warmup_s:g}+{profile.duration_s:g} s; server on {server_host['host']} at {server_address}, CPUs "
        f"{sorted(server_cpus)} ({workers} workers); load generator on {client.host.name}, CPUs {sorted(client_cpus)}"
    )
    if profile.cap > profile.repeats:
        console.print(
            f"a cell gets another round while its spread (max–min over median of server CPU µs/request or req/s) "
            f"is above {100 * profile.spread_bound:g} %, or when a round lost ≥ {100 * stats.STOLEN_SHARE:g} % of its "
            f"CPUs to steal, up to {profile.cap} runs per cell"
        )
    eta = dt.datetime.now() + dt.timedelta(seconds=estimate.seconds)
    at_cap = f", at most {plan.human_duration(estimate.max_seconds)}" if estimate.max_runs > estimate.runs else ""
    console.print(
        f"[bold]estimated wall time: {plan.human_duration(estimate.seconds)}{at_cap}[/] "
        f"(ETA {eta.strftime('%H:%M')}); results → {out_dir}"
    )
    if client.host.is_local and set(server_cpus) & set(client_cpus):
        console.print("[yellow]warning: server and load generator share CPUs; numbers are not isolated[/]")
    if database is not None:
        console.print(database_line(database, workers, server_cpus, without_database(specs), chosen))
        if database.machine is None and database.cpus and database.cpus & set(server_cpus):
            console.print("[yellow]warning: the database shares the server's CPUs; pass --db-cpus (or --server-cpus)[/]")
    cfg = runner.BenchConfig(
        profile,
        chosen,
        specs,
        server_cpus,
        client_cpus,
        workers,
        out_dir,
        found,
        client=client,
        server_address=server_address,
        database=database,
        # The budget counts from the suite's start (the database's start and seed included).
        started=time.monotonic() - (dt.datetime.now(dt.UTC) - started).total_seconds(),
    )
    # Read before the runs: the checkout may move on while a long plan runs, and the commit measured
    # is the one that was checked out when the servers were started.
    versions = found.versions()
    if database is not None:
        versions["pgbench"] = database.version()
    hosts: dict[str, HostInfo] = {"server": server_host, "client": client.info}
    if database is not None and database.info is not None:
        hosts["database"] = database.info
    env = environment.collect(specs, versions, hosts)
    outcome = runner.execute(cfg, runs, console)
    doc = results.document(
        cfg,
        outcome,
        run_id=run_id,
        started=started,
        environment=env,
        scenarios_file=scenarios_file,
        estimate=estimate,
        references=references,
    )
    results.write(out_dir, doc)
    # The matrix as it stands when the run ends, kept with the run: a report rebuilt later shows it, not today's.
    readiness.dump(readiness.collect([s for s in specs if s.contender]), out_dir / report_build.READINESS_NAME)
    files = report_build.build(out_dir, take_screenshot=screenshot)
    summary_table(doc, console)
    for f in outcome.failures:
        console.print(f"[red]failure[/] {f['message']}")
    console.print(
        f"results: {out_dir / results.RESULTS_NAME}\nreport:  {files.markdown}\n         {files.html}"
        + (f"\nscreenshot: {files.screenshot}" if files.screenshot else "")
    )
    return out_dir


def database_line(
    database: bench_db.Database, workers: int, server_cpus: set[int], left_out: list[str], chosen: list[scenarios.Scenario]
) -> str:
    if database.machine is not None:
        pinned = "pinned to" if database.former_affinity else "watching"
        cpus = sorted(database.cpus or ())
        where = f"{bench_db.redact(database.url)} on host {database.machine} (over SSH: {pinned} CPUs {cpus})"
    elif database.measured:
        where = (
            f"the private cluster ({'started' if database.started else 'already running'}, re-seeded), pinned to CPUs "
            f"{sorted(database.cpus or ())}"
        )
    else:
        where = f"{bench_db.redact(database.url)} (elsewhere: not started, seeded, pinned or CPU-measured)"
    names = ", ".join(sc.name for sc in chosen if sc.database)
    line = (
        f"database scenarios ({names}): PostgreSQL {where}; ceiling: pgbench -M prepared -c "
        f"{pgbench.connections(workers)} on CPUs {sorted(server_cpus)}, pipelines of HTTP connections / "
        f"{pgbench.connections(workers)} requests"
    )
    if left_out:
        line += f"; no database endpoints: {', '.join(left_out)}"
    return line


def summary_table(doc: results.RunDocument, console: Console) -> None:
    """Two compact tables (throughput, latency) of medians, narrow enough for an 80-column terminal."""
    aggs = sorted(doc["aggregates"], key=lambda a: (a.scenario, a.connections, a.rate or 0, a.rank or 999))
    thr = [a for a in aggs if a.kind == "throughput"]
    lat = [a for a in aggs if a.kind == "latency"]
    if thr:
        table = Table(title=f"throughput, run {doc['run_id']} (medians)", box=box.SIMPLE_HEAD, pad_edge=False)
        db = any(a.pg_cpu_us_per_request or a.server == plan.CEILING for a in thr)
        cols: tuple[str, ...] = ("scenario", "conns", "server", "#", "req/s", "%base", "µs/req", "MiB")
        cols += ("%ceil", "PG µs") if db else ()
        for col in (*cols, "flags"):
            table.add_column(col, justify="left" if col in ("scenario", "server", "flags") else "right")
        for a in thr:
            extra = (
                ("" if a.pct_of_ceiling is None else f"{a.pct_of_ceiling:.0f}", _f(a.pg_cpu_us_per_request, "{:.1f}"))
                if db
                else ()
            )
            table.add_row(
                a.scenario,
                str(a.connections),
                a.server,
                str(a.rank or ""),
                _f(a.requests_per_s, "{:,.0f}"),
                "" if a.pct_of_baseline is None else f"{a.pct_of_baseline:.0f}",
                _f(a.server_cpu_us_per_request, "{:.1f}"),
                _f(a.server_peak_rss_bytes, "{:.0f}", 1 / 1048576),
                *extra,
                _flags(a),
            )
        console.print(table)
    if lat:
        table = Table(title="latency at fixed rates, ms (medians)", box=box.SIMPLE_HEAD, pad_edge=False)
        for col in ("scenario", "rate", "server", "#", "achieved", "p50", "p99", "p99.9", "max", "flags"):
            table.add_column(col, justify="left" if col in ("scenario", "server", "flags") else "right")
        for a in lat:
            ms = a.latency_ms or {}
            table.add_row(
                a.scenario,
                f"{a.rate:,}",
                a.server,
                str(a.rank or ""),
                _f(a.achieved_rate, "{:,.0f}"),
                *(_f(ms.get(k), "{:.2f}") for k in ("p50", "p99", "p99.9", "max")),
                _flags(a),
            )
        console.print(table)


def _flags(a: Aggregate) -> str:
    flags = (
        "INVALID" if not a.valid else "",
        "client-bound" if a.client_bound else "",
        "db-bound" if a.database_bound else "",
        "TFB reference" if a.reference else "",
    )
    return " ".join(x for x in flags if x)


def _f(stat: Stat | None, fmt: str, scale: float = 1.0) -> str:
    return fmt.format(stat.median * scale) if stat else "–"
