"""What every part of the report shows, derived once from results.json: ordered rows per cell,
headline cells per scenario, per-server colours, comparisons with another run."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ..stats import BASELINE

MIB = 1024 * 1024


@dataclass
class View:
    doc: dict
    throughput: dict[str, dict[int, list[dict]]]  # scenario -> connections -> ordered aggregates
    latency: dict[str, dict[int, list[dict]]]  # scenario -> rate -> ordered aggregates
    servers: list[str]
    scenario_info: dict[str, dict]

    def headline(self, scenario: str) -> int:
        conns = sorted(self.throughput[scenario])
        wanted = self.scenario_info.get(scenario, {}).get("headline")
        return wanted if wanted in conns else conns[-1]

    def headline_rows(self, scenario: str) -> list[dict]:
        return self.throughput[scenario][self.headline(scenario)]


# The scenario whose server CPU per request the summary shows (its headline connection count).
EFFICIENCY_SCENARIO = "json"
SUMMARY_MARKS = {"invalid": "✗", "client-bound": "⚠", "rate not reached": "†", "CPU stolen": "‡"}


@dataclass
class SummaryCell:
    text: str
    marks: list[str]  # keys of SUMMARY_MARKS
    valid: bool = True


@dataclass
class Summary:
    """One row per server, one column per headline number: the table to read first."""

    columns: list[str]
    rows: list[tuple[str, bool, list[SummaryCell]]]  # server, contender, cells


def summary(view: View) -> Summary:
    picks: list[tuple[str, dict[str, dict], str]] = []  # column label, aggregate per server, metric
    for scenario in view.throughput:
        conns = view.headline(scenario)
        picks.append((f"{scenario} @{conns} req/s", _by_server(view.throughput[scenario][conns]), "rps"))
    eff = EFFICIENCY_SCENARIO if EFFICIENCY_SCENARIO in view.throughput else next(iter(view.throughput), None)
    if eff is not None:
        conns = view.headline(eff)
        picks.append((f"µs CPU/req ({eff} @{conns})", _by_server(view.throughput[eff][conns]), "us"))
    for scenario, by_rate in view.latency.items():
        for rate, aggs in by_rate.items():
            label = f"p99 ms @{rate / 1000:g}k/s" if len(view.latency) == 1 else f"{scenario} p99 ms @{rate / 1000:g}k/s"
            picks.append((label, _by_server(aggs), "p99"))
    first = next(iter(view.throughput), None)
    ordered = [a["server"] for a in view.headline_rows(first) if a["server"] != BASELINE] if first else []
    servers = ordered + [s for s in view.servers if s not in ordered and s != BASELINE]
    servers += [BASELINE] if BASELINE in view.servers else []
    rows = []
    for server in servers:
        cells = [_summary_cell(by.get(server), metric) for _, by, metric in picks]
        contender = next((by[server]["contender"] for _, by, _ in picks if server in by), server != BASELINE)
        rows.append((server, contender, cells))
    return Summary([label for label, _, _ in picks], rows)


def _by_server(aggs: list[dict]) -> dict[str, dict]:
    return {a["server"]: a for a in aggs}


def _summary_cell(a: dict | None, metric: str) -> SummaryCell:
    if a is None:
        return SummaryCell("–", [])
    marks = [m for m, on in (("invalid", not a["valid"]), ("client-bound", a["client_bound"])) if on]
    if metric == "rps":
        text = fmt_int(_med(a["requests_per_s"]))
    elif metric == "us":
        text = fmt_ms(_med(a["server_cpu_us_per_request"]))
    else:
        text = fmt_ms(_med((a["latency_ms"] or {}).get("p99")))
        marks += ["rate not reached"] if rate_missed(a) else []
    marks += ["CPU stolen"] if a.get("stolen_runs") else []
    return SummaryCell(text, marks, a["valid"])


def order(rows: list[dict], kind: str) -> list[dict]:
    """Ranked rows first by rank, then unranked contenders, then the baseline: calibration goes last."""

    def key(a: dict):
        if a["rank"] is not None:
            return (0, a["rank"], a["server"])
        if a["server"] == BASELINE:
            return (2, 0, a["server"])
        value = (a["requests_per_s"] or {}).get("median", 0) if kind == "throughput" else 0
        return (1, -value, a["server"])

    return sorted(rows, key=key)


def build(doc: dict) -> View:
    thr: dict[str, dict[int, list[dict]]] = defaultdict(lambda: defaultdict(list))
    lat: dict[str, dict[int, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for a in doc["aggregates"]:
        if a["kind"] == "latency":
            lat[a["scenario"]][a["rate"]].append(a)
        else:
            thr[a["scenario"]][a["connections"]].append(a)
    scen_order = [c["scenario"] for c in doc["plan"]["cells"]]

    def sort_scen(d, kind):
        return {s: {k: order(v, kind) for k, v in sorted(d[s].items())} for s in sorted(d, key=scen_order.index)}

    return View(
        doc,
        sort_scen(thr, "throughput"),
        sort_scen(lat, "latency"),
        list(doc["plan"]["servers"]),
        doc["plan"].get("scenarios", {}),
    )


# Median share of the pinned CPUs' time taken by the hypervisor for other guests above which a
# run's numbers are called noisy.
STEAL_NOTE_SHARE = 0.05


def busy_machine_note(doc: dict) -> str | None:
    """A warning when other work competed for the CPUs: the bench itself keeps about one runnable
    thread per pinned CPU busy, so a load average well above that means someone else was running;
    on a virtual machine, steal time is the host's other guests taking the CPUs away."""
    notes = []
    loads = sorted(r["loadavg_1m"] for r in doc["runs"] if r.get("loadavg_1m") is not None)
    cfg = doc["config"]
    expected = len(cfg["server_cpus"]) + len(cfg["client_cpus"])
    if loads and loads[len(loads) // 2] > 1.5 * expected:
        median = loads[len(loads) // 2]
        notes.append(
            f"The machine was busy: the 1-minute load average was {median:.1f} (median over runs, max {loads[-1]:.1f}) "
            f"on {doc['environment']['cpus_online']} CPUs, where the bench alone keeps about {expected} busy. Other "
            f"work competed for the pinned CPUs."
        )
    steals = sorted(r["steal_share"] for r in doc["runs"] if r.get("steal_share") is not None)
    if steals and steals[len(steals) // 2] > STEAL_NOTE_SHARE:
        notes.append(
            f"The hypervisor took {100 * steals[len(steals) // 2]:.0f} % of the pinned CPUs' time for other guests "
            f"(steal, median over runs; max {100 * steals[-1]:.0f} %)."
        )
    if not notes:
        return None
    return " ".join(notes) + " Treat these numbers as indicative only and re-run on a quiet machine."


def rate_missed(a: dict) -> bool:
    """An open-loop run that could not keep its target rate: the server (or the client) fell behind,
    and the latency shown includes the queue that built up."""
    achieved = a.get("achieved_rate")
    return bool(a.get("rate")) and achieved is not None and achieved["median"] < 0.95 * a["rate"]


def flags(a: dict) -> list[str]:
    out = []
    if not a["valid"]:
        out.append("invalid")
    if a["client_bound"]:
        out.append("client-bound")
    if not a["contender"]:
        out.append("calibration")
    return out


def compare(doc: dict, other: dict) -> list[dict]:
    """Per server and cell present in both runs: this/other for median req/s, and for median p99 latency."""
    theirs = {(a["server"], a["scenario"], a["connections"], a["rate"]): a for a in other["aggregates"]}
    rows = []
    for a in doc["aggregates"]:
        b = theirs.get((a["server"], a["scenario"], a["connections"], a["rate"]))
        if b is None:
            continue
        row = {
            "server": a["server"],
            "scenario": a["scenario"],
            "connections": a["connections"],
            "rate": a["rate"],
            "kind": a["kind"],
            "this": None,
            "other": None,
            "ratio": None,
            "valid": a["valid"] and b["valid"],
        }
        if a["kind"] == "latency":
            x, y = _med((a["latency_ms"] or {}).get("p99")), _med((b["latency_ms"] or {}).get("p99"))
        else:
            x, y = _med(a["requests_per_s"]), _med(b["requests_per_s"])
        row.update(this=x, other=y, ratio=(x / y) if x is not None and y else None)
        rows.append(row)
    rows.sort(key=lambda r: (r["kind"], r["scenario"], r["connections"], r["rate"] or 0, r["server"]))
    return rows


def _med(stat: dict | None) -> float | None:
    return stat["median"] if stat else None


def fmt_int(x: float | None) -> str:
    return "–" if x is None else f"{x:,.0f}"


def fmt_ms(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:.3f}" if x < 1 else (f"{x:.2f}" if x < 100 else f"{x:,.0f}")


def fmt_mib(x: float | None) -> str:
    return "–" if x is None else f"{x / MIB:.1f}"


def fmt_range(stat: dict | None, fmt=fmt_int) -> str:
    return "–" if not stat else f"{fmt(stat['min'])}–{fmt(stat['max'])}"
