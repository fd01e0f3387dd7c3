"""Runs into per-(server, cell) aggregates: medians with min-max, validity, ranks, % of baseline."""

from __future__ import annotations

import statistics
from collections import defaultdict

BASELINE = "baseline"
LATENCY_KEYS = ("p50", "p90", "p99", "p99.9", "max")
# A run whose pinned CPUs lost at least this share of their time to the hypervisor's other guests
# (steal) measured the host as much as the server: flagged, counted per cell.
STOLEN_SHARE = 0.10


def summarize(values: list[float | None]) -> dict | None:
    vals = [v for v in values if v is not None]
    if not vals:
        return None
    return {"median": statistics.median(vals), "min": min(vals), "max": max(vals)}


def cell_key(run: dict) -> tuple:
    return (run["scenario"], run["connections"], run["rate"])


def aggregate(runs: list[dict], contenders: dict[str, bool]) -> list[dict]:
    """One aggregate per server and cell. Statistics use valid runs only (all runs, flagged, when none
    is valid); a cell with any invalid run is shown but never ranked, so an error never buys a place."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for run in runs:
        groups[(run["server"], *cell_key(run))].append(run)
    out = []
    for (server, scenario, conns, rate), group in groups.items():
        valid_runs = [r for r in group if r["valid"]]
        basis = valid_runs or group
        latency = None
        if group[0]["kind"] == "latency":
            latency = {k: summarize([(r["latency_ms"] or {}).get(k) for r in basis]) for k in LATENCY_KEYS}
        out.append(
            {
                "server": server,
                "scenario": scenario,
                "kind": group[0]["kind"],
                "connections": conns,
                "rate": rate,
                "contender": contenders.get(server, True),
                "n_runs": len(group),
                "n_valid": len(valid_runs),
                "valid": bool(valid_runs) and len(valid_runs) == len(group),
                "requests_per_s": summarize([r["requests_per_s"] for r in basis]),
                "achieved_rate": summarize([r["achieved_rate"] for r in basis]) if rate else None,
                "server_cpu_us_per_request": summarize([r["server_cpu_us_per_request"] for r in basis]),
                "server_cpu_share": summarize([r.get("server_cpu_share") for r in basis]),
                "server_peak_rss_bytes": summarize([r["server_peak_rss_bytes"] for r in basis]),
                "latency_ms": latency,
                "client_bound_runs": sum(1 for r in group if r["client_bound"]),
                "client_bound": any(r["client_bound"] for r in basis),
                "steal_share": summarize([r.get("steal_share") for r in group]),
                "stolen_runs": sum(1 for r in group if (r.get("steal_share") or 0) >= STOLEN_SHARE),
                "invalid_reasons": sorted({reason for r in group for reason in r["invalid_reasons"]}),
                "pct_of_baseline": None,
                "rank": None,
            }
        )
    _baseline_pct(out)
    _rank(out)
    return out


def _baseline_pct(aggs: list[dict]) -> None:
    base = {cell_key(a): a for a in aggs if a["server"] == BASELINE and a["valid"] and a["requests_per_s"]}
    for a in aggs:
        b = base.get(cell_key(a))
        if b and a["requests_per_s"] and b["requests_per_s"]["median"] > 0:
            a["pct_of_baseline"] = 100.0 * a["requests_per_s"]["median"] / b["requests_per_s"]["median"]


def _rank(aggs: list[dict]) -> None:
    """Throughput cells rank by median req/s; latency cells by median p99 (lower is better)."""
    by_cell: dict[tuple, list[dict]] = defaultdict(list)
    for a in aggs:
        if a["contender"] and a["valid"]:
            by_cell[cell_key(a)].append(a)
    for group in by_cell.values():
        if group[0]["kind"] == "latency":
            group = [a for a in group if a["latency_ms"] and a["latency_ms"]["p99"]]
            group.sort(key=lambda a: a["latency_ms"]["p99"]["median"])
        else:
            group = [a for a in group if a["requests_per_s"]]
            group.sort(key=lambda a: -a["requests_per_s"]["median"])
        for i, a in enumerate(group, 1):
            a["rank"] = i
