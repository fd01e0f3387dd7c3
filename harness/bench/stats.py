"""Runs into per-(server, cell) aggregates: medians with min-max, validity, ranks, % of baseline."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Collection, Iterable

from .records import Aggregate, CellKey, RunRecord, Stat

BASELINE = "baseline"
# The ceiling row of a database cell (harness/bench/pgbench.py): calibration, like the baseline.
CEILING = "pgbench"
LATENCY_KEYS = ("p50", "p90", "p99", "p99.9", "max")
# A run whose pinned CPUs lost at least this share of their time to the hypervisor's other guests
# (steal) measured the host as much as the server: flagged, counted per cell.
STOLEN_SHARE = 0.10


def summarize(values: Iterable[float | None]) -> Stat | None:
    vals = [v for v in values if v is not None]
    if not vals:
        return None
    return Stat(statistics.median(vals), min(vals), max(vals))


def cell_key(item: RunRecord | Aggregate) -> CellKey:
    return item.cell_key


def relative_range(values: Iterable[float | None]) -> float | None:
    """(max - min) / median; None under two values."""
    vals = [v for v in values if v is not None]
    if len(vals) < 2:
        return None
    mid = statistics.median(vals)
    return (max(vals) - min(vals)) / mid if mid > 0 else None


def spread(runs: list[RunRecord]) -> float | None:
    """How far a cell's rounds disagree: the larger relative range (max - min over median) of
    server CPU µs per request and of req/s over its valid runs; None under two valid rounds."""
    valid = [r for r in runs if r.valid]
    ranges = [
        x
        for x in (relative_range(r.server_cpu_us_per_request for r in valid), relative_range(r.requests_per_s for r in valid))
        if x is not None
    ]
    return max(ranges) if ranges else None


def aggregate(runs: list[RunRecord], contenders: dict[str, bool], references: Collection[str] = ()) -> list[Aggregate]:
    """One aggregate per server and cell. Statistics use valid runs only (all runs, flagged, when none
    is valid); a cell with any invalid run is shown but never ranked, so an error never buys a place.
    `references` are reference rows (harness/bench/tfb.py): never contenders, whatever `contenders` says."""
    groups: dict[tuple[str, str, int, int | None], list[RunRecord]] = defaultdict(list)
    remeasured: dict[tuple[str, str, int, int | None], int] = defaultdict(int)
    for run in runs:
        # A round whose CPUs were stolen and that was measured again counts once, by its last measure.
        if run.superseded:
            remeasured[(run.server, *run.cell_key)] += 1
        else:
            groups[(run.server, *run.cell_key)].append(run)
    out = []
    for (server, scenario, conns, rate), group in groups.items():
        valid_runs = [r for r in group if r.valid]
        basis = valid_runs or group
        latency = None
        if group[0].kind == "latency":
            latency = {k: summarize([(r.latency_ms or {}).get(k) for r in basis]) for k in LATENCY_KEYS}
        out.append(
            Aggregate(
                server=server,
                scenario=scenario,
                kind=group[0].kind,
                connections=conns,
                rate=rate,
                contender=contenders.get(server, server != CEILING) and server not in references,
                reference=server in references,
                n_runs=len(group),
                n_valid=len(valid_runs),
                valid=bool(valid_runs) and len(valid_runs) == len(group),
                requests_per_s=summarize([r.requests_per_s for r in basis]),
                achieved_rate=summarize([r.achieved_rate for r in basis]) if rate else None,
                server_cpu_us_per_request=summarize([r.server_cpu_us_per_request for r in basis]),
                server_cpu_share=summarize([r.server_cpu_share for r in basis]),
                server_peak_rss_bytes=summarize([r.server_peak_rss_bytes for r in basis]),
                latency_ms=latency,
                client_bound_runs=sum(1 for r in group if r.client_bound),
                client_bound=any(r.client_bound for r in basis),
                steal_share=summarize([r.steal_share for r in group]),
                stolen_runs=sum(1 for r in group if (r.steal_share or 0) >= STOLEN_SHARE),
                invalid_reasons=sorted({reason for r in group for reason in r.invalid_reasons}),
                remeasured=remeasured[(server, scenario, conns, rate)],
                spread=spread(group),
                pg_cpu_us_per_request=summarize([r.pg_cpu_us_per_request for r in basis]),
                pg_cpu_share=summarize([r.pg_cpu_share for r in basis]),
                db_cpus_busy_share=summarize([r.db_cpus_busy_share for r in basis]),
                database_bound_runs=sum(1 for r in group if r.database_bound),
                database_bound=any(r.database_bound for r in basis),
                pg_statements_per_request=summarize([r.pg_statements_per_request for r in basis]),
            )
        )
    _baseline_pct(out)
    _ceiling_pct(out)
    _rank(out)
    return out


def _baseline_pct(aggs: list[Aggregate]) -> None:
    for a, share in _share_of(aggs, BASELINE):
        a.pct_of_baseline = share


def _ceiling_pct(aggs: list[Aggregate]) -> None:
    """A database cell's servers as a share of what the database alone served in it (pgbench)."""
    for a, share in _share_of(aggs, CEILING):
        a.pct_of_ceiling = share


def _share_of(aggs: list[Aggregate], reference: str) -> list[tuple[Aggregate, float]]:
    """Each row's median req/s in % of the `reference` row's in the same cell."""
    ref = {a.cell_key: a.requests_per_s for a in aggs if a.server == reference and a.valid and a.requests_per_s}
    out = []
    for a in aggs:
        r = ref.get(a.cell_key)
        if r and a.requests_per_s and r.median > 0:
            out.append((a, 100.0 * a.requests_per_s.median / r.median))
    return out


def _rank(aggs: list[Aggregate]) -> None:
    """Throughput cells rank by median req/s; latency cells by median p99 (lower is better)."""
    by_cell: dict[CellKey, list[Aggregate]] = defaultdict(list)
    for a in aggs:
        if a.contender and a.valid:
            by_cell[a.cell_key].append(a)
    for group in by_cell.values():
        ranked: list[tuple[float, Aggregate]]
        if group[0].kind == "latency":
            ranked = [(p99.median, a) for a in group if (p99 := (a.latency_ms or {}).get("p99"))]
        else:
            ranked = [(-a.requests_per_s.median, a) for a in group if a.requests_per_s]
        ranked.sort(key=lambda pair: pair[0])
        for i, (_, a) in enumerate(ranked, 1):
            a.rank = i
