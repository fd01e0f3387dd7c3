"""One bench run end to end: choose servers and scenarios, print the plan and its ETA, run it,
write results.json, the report, and a summary table on the terminal."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from rich import box
from rich.console import Console
from rich.table import Table

from .. import readiness, registry, tools
from ..errors import SelectionError
from ..manifest import ServerSpec
from ..paths import RESULTS_DIR
from . import environment, measure, plan, results, runner, scenarios, stats
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


def run(
    *,
    profile_name: str,
    server_names: list[str] | None,
    scenario_names: list[str] | None,
    server_cpus: set[int] | None,
    client_cpus: set[int] | None,
    workers: int | None,
    out: Path | None,
    duration: float | None = None,
    repeats: int | None = None,
    console: Console | None = None,
    scenarios_file: Path = scenarios.SCENARIOS_FILE,
    screenshot: bool = True,
) -> Path:
    console = console or Console()
    suite = scenarios.load(scenarios_file)
    if profile_name not in suite.profiles:
        raise SelectionError(f"unknown profile {profile_name!r}; defined: {', '.join(suite.profiles)}")
    profile = suite.profiles[profile_name]
    if duration or repeats:
        profile = scenarios.Profile(
            profile.name, duration or profile.duration_s, profile.warmup_s, repeats or profile.repeats, profile.description
        )
    specs = select_servers(server_names)
    chosen = select_scenarios(suite, scenario_names, profile.name)
    d_server, d_client = measure.default_cpus()
    server_cpus, client_cpus = server_cpus or d_server, client_cpus or d_client
    workers = workers or len(server_cpus)
    found = tools.ensure(install=False, need=tuple(sorted({"oha" if s.kind == "latency" else "wrk" for s in chosen})))
    started = dt.datetime.now(dt.UTC)
    run_id = started.strftime("%Y%m%dT%H%M%SZ")
    out_dir = out or RESULTS_DIR / run_id
    out_dir.mkdir(parents=True, exist_ok=True)
    runs = plan.build([s.name for s in specs], chosen, profile)
    estimate = plan.estimate_seconds(runs, profile)
    console.print(
        f"[bold]bench[/] profile [cyan]{profile.name}[/]: {len(specs)} servers × "
        f"{len(plan.cells(chosen, profile.name))} cells × {profile.repeats} rounds = {len(runs)} runs of "
        f"{profile.warmup_s:g}+{profile.duration_s:g} s; server CPUs {sorted(server_cpus)} "
        f"({workers} workers), client CPUs {sorted(client_cpus)}"
    )
    console.print(
        f"[bold]estimated wall time: {plan.human_duration(estimate)}[/] "
        f"(ETA {(dt.datetime.now() + dt.timedelta(seconds=estimate)).strftime('%H:%M')}); results → {out_dir}"
    )
    if set(server_cpus) & set(client_cpus):
        console.print("[yellow]warning: server and load generator share CPUs; numbers are not isolated[/]")
    cfg = runner.BenchConfig(profile, chosen, specs, server_cpus, client_cpus, workers, out_dir, found)
    # Read before the runs: the checkout may move on while a long plan runs, and the commit measured
    # is the one that was checked out when the servers were started.
    env = environment.collect(specs, found.versions())
    outcome = runner.execute(cfg, runs, console)
    doc = results.document(
        cfg,
        outcome,
        run_id=run_id,
        started=started,
        environment=env,
        scenarios_file=scenarios_file,
        planned_runs=len(runs),
        estimated_s=estimate,
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


def summary_table(doc: results.RunDocument, console: Console) -> None:
    """Two compact tables (throughput, latency) of medians, narrow enough for an 80-column terminal."""
    aggs = sorted(doc["aggregates"], key=lambda a: (a.scenario, a.connections, a.rate or 0, a.rank or 999))
    thr = [a for a in aggs if a.kind == "throughput"]
    lat = [a for a in aggs if a.kind == "latency"]
    if thr:
        table = Table(title=f"throughput, run {doc['run_id']} (medians)", box=box.SIMPLE_HEAD, pad_edge=False)
        for col in ("scenario", "conns", "server", "#", "req/s", "%base", "µs/req", "MiB", "flags"):
            table.add_column(col, justify="left" if col in ("scenario", "server", "flags") else "right")
        for a in thr:
            table.add_row(
                a.scenario,
                str(a.connections),
                a.server,
                str(a.rank or ""),
                _f(a.requests_per_s, "{:,.0f}"),
                "" if a.pct_of_baseline is None else f"{a.pct_of_baseline:.0f}",
                _f(a.server_cpu_us_per_request, "{:.1f}"),
                _f(a.server_peak_rss_bytes, "{:.0f}", 1 / 1048576),
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
    return " ".join(x for x in ("INVALID" if not a.valid else "", "client-bound" if a.client_bound else "") if x)


def _f(stat: Stat | None, fmt: str, scale: float = 1.0) -> str:
    return fmt.format(stat.median * scale) if stat else "–"
