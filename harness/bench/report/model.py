"""What every part of the report shows, derived once from results.json: ordered rows per cell,
headline cells per scenario, and the report's tables as rows of formatted cells with their flags.
report.md and report.html draw the same tables; only the markup differs, so a number reads the same
in both."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from ..records import Aggregate, Stat
from ..results import DatabaseUse, RunDocument, ScenarioInfo
from ..stats import BASELINE, CEILING

MIB = 1024 * 1024

# One scenario's cells: connections (throughput) or rate (latency) -> its aggregates, in report order.
ByLoad = dict[int, list[Aggregate]]


@dataclass
class View:
    doc: RunDocument
    throughput: dict[str, ByLoad]  # scenario -> connections -> ordered aggregates
    latency: dict[str, ByLoad]  # scenario -> rate -> ordered aggregates
    servers: list[str]
    scenario_info: Mapping[str, ScenarioInfo]
    # Reference rows (TechEmpower entries, --reference-tfb): shown for comparison, never ranked.
    references: set[str] = field(default_factory=set)

    def role(self, server: str) -> str:
        """What a row that is not a contender is, for its label."""
        return "TechEmpower reference" if server in self.references else "calibration"

    def headline(self, scenario: str) -> int:
        conns = sorted(self.throughput[scenario])
        info = self.scenario_info.get(scenario)
        wanted = info.get("headline") if info else None
        return wanted if wanted is not None and wanted in conns else conns[-1]

    def headline_rows(self, scenario: str) -> list[Aggregate]:
        return self.throughput[scenario][self.headline(scenario)]

    def description(self, scenario: str) -> str:
        info = self.scenario_info.get(scenario)
        return info.get("description", "") if info else ""

    def is_database(self, scenario: str) -> bool:
        """A database scenario: its plan says so, or (older runs) it has a ceiling row."""
        info = self.scenario_info.get(scenario)
        if info and "database" in info:
            return bool(info["database"])
        return any(a.server == CEILING for aggs in self.throughput.get(scenario, {}).values() for a in aggs)

    @property
    def database_uses(self) -> dict[str, DatabaseUse | None]:
        """Per server of the run: how it talks to PostgreSQL; None: no database endpoints."""
        return {s["name"]: s.get("database") for s in self.doc["servers"]}

    def without_database(self) -> list[str]:
        """Contenders the database scenarios left out (older runs did not record it: none)."""
        return [s["name"] for s in self.doc["servers"] if "database" in s and s["database"] is None and s["contender"]]


# --- numbers as the report writes them -------------------------------------------------------------


def median(stat: Stat | None) -> float | None:
    return stat.median if stat else None


def fmt_int(x: float | None) -> str:
    return "–" if x is None else f"{x:,.0f}"


def fmt_ms(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:.3f}" if x < 1 else (f"{x:.2f}" if x < 100 else f"{x:,.0f}")


def fmt_mib(x: float | None) -> str:
    return "–" if x is None else f"{x / MIB:.1f}"


def fmt_range(stat: Stat | None, fmt: Callable[[float | None], str] = fmt_int) -> str:
    return "–" if not stat else f"{fmt(stat.min)}–{fmt(stat.max)}"


def fmt_share(stat: Stat | None) -> str:
    """A median share of a whole (0.42) as a percentage ("42 %")."""
    return "–" if not stat else f"{100 * stat.median:.0f} %"


def fmt_pct(x: float | None) -> str:
    """A percentage already scaled (42.0) as "42 %"."""
    return "–" if x is None else f"{x:.0f} %"


# --- flags ----------------------------------------------------------------------------------------

NoteKind = Literal["invalid", "client-bound", "database-bound", "calibration", "reference", "rate not reached", "CPU stolen"]
SUMMARY_MARKS: dict[NoteKind, str] = {
    "invalid": "✗",
    "client-bound": "⚠",
    "database-bound": "◆",
    "rate not reached": "†",
    "CPU stolen": "‡",
}


@dataclass(frozen=True)
class Note:
    """A flag on a row of the report; each renderer words it its own way."""

    kind: NoteKind
    count: str = ""  # "flagged rounds/rounds", for the flags that are per round
    reasons: tuple[str, ...] = ()  # why a cell is invalid


def rate_missed(a: Aggregate) -> bool:
    """An open-loop run that could not keep its target rate: the server (or the client) fell behind,
    and the latency shown includes the queue that built up."""
    return bool(a.rate) and a.achieved_rate is not None and a.achieved_rate.median < 0.95 * (a.rate or 0)


def notes(a: Aggregate) -> list[Note]:
    out = []
    if not a.valid:
        out.append(Note("invalid", reasons=tuple(a.invalid_reasons)))
    if a.client_bound:
        out.append(Note("client-bound", f"{a.client_bound_runs}/{a.n_runs}"))
    if a.database_bound:
        out.append(Note("database-bound", f"{a.database_bound_runs}/{a.n_runs}"))
    if a.reference:
        out.append(Note("reference"))
    elif not a.contender:
        out.append(Note("calibration"))
    if rate_missed(a):
        out.append(Note("rate not reached"))
    if a.stolen_runs:
        out.append(Note("CPU stolen", f"{a.stolen_runs}/{a.n_runs}"))
    return out


# --- the tables -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    text: str
    marks: list[NoteKind] = field(default_factory=list)  # keys of SUMMARY_MARKS
    valid: bool = True

    @property
    def marked(self) -> str:
        """The text with its marks' symbols after it."""
        return self.text + "".join(" " + SUMMARY_MARKS[m] for m in self.marks)


@dataclass(frozen=True)
class Row:
    """One server in one cell: rank, name, its numbers (one cell per column) and its flags."""

    server: str
    rank: int | None
    cells: list[Cell]
    notes: list[Note]
    valid: bool
    contender: bool


@dataclass(frozen=True)
class Table:
    """The rows of one scenario; `columns` name the cells between the server and its notes."""

    columns: list[str]
    rows: list[Row]


THROUGHPUT_COLUMNS = [
    "conns",
    "req/s",
    "min–max",
    "% of baseline",
    "server CPU µs/req",
    "server CPU busy",
    "peak RSS MiB",
    "rounds",
    "spread",
]
DATABASE_COLUMNS = [
    "conns",
    "req/s",
    "min–max",
    "% of database ceiling",
    "server CPU µs/req",
    "PG CPU µs/req",
    "PG statements/req",
    "server CPU busy",
    "database CPUs busy",
    "pipelining / batched updates",
    "rounds",
    "spread",
]
LATENCY_COLUMNS = ["target req/s", "achieved", "p50", "p90", "p99", "p99.9", "max", "server CPU µs/req", "rounds", "spread"]
PERCENTILES = ("p50", "p90", "p99", "p99.9", "max")


def fmt_rounds(a: Aggregate) -> str:
    """Rounds kept, and the measures replaced because the hypervisor stole their CPUs."""
    return str(a.n_runs) + (f" (+{a.remeasured} stolen)" if a.remeasured else "")


def fmt_spread(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f} %"


def _row(a: Aggregate, texts: Iterable[str]) -> Row:
    return Row(a.server, a.rank, [Cell(t) for t in texts], notes(a), a.valid, a.contender)


def throughput_table(by_conns: ByLoad) -> Table:
    rows = [
        _row(
            a,
            (
                str(conns),
                fmt_int(median(a.requests_per_s)),
                fmt_range(a.requests_per_s),
                fmt_pct(a.pct_of_baseline),
                fmt_ms(median(a.server_cpu_us_per_request)),
                fmt_share(a.server_cpu_share),
                fmt_mib(median(a.server_peak_rss_bytes)),
                fmt_rounds(a),
                fmt_spread(a.spread),
            ),
        )
        for conns, aggs in by_conns.items()
        for a in aggs
    ]
    return Table(THROUGHPUT_COLUMNS, rows)


def fmt_use(use: DatabaseUse | None) -> str:
    """The manifest's claims about round trips: queries of a request pipelined on one connection,
    /updates written in one statement."""
    if use is None:
        return "–"
    return f"{'pipelined' if use['pipelining'] else 'no'} / {'batched' if use['batched_updates'] else 'one by one'}"


def fmt_number(x: float | None) -> str:
    return "–" if x is None else (f"{x:.1f}" if x < 100 else f"{x:,.0f}")


def ceiling_use(depth: int | None) -> str:
    """How the ceiling sent its statements: pipelines of `depth` requests, or (runs before
    pipelined ceilings, None) one by one."""
    return "statements one by one" if depth is None else f"pipelined, {depth} requests each"


def database_table(
    by_conns: ByLoad,
    uses: Mapping[str, DatabaseUse | None],
    cpu_measured: bool = True,
    ceiling_clients: int | None = None,
    ceiling_depth: Mapping[str, int] | None = None,
) -> Table:
    """A database scenario: the servers, then the ceiling (pgbench, where the server would run: its
    CPU shows as the server's, its connections are PostgreSQL's, `ceiling_depth` the requests of its
    pipelines per HTTP connection count); PostgreSQL's CPU per request and the database CPUs' busy
    share ("unmeasured" when the database ran elsewhere)."""
    unmeasured = "–" if cpu_measured else "unmeasured"
    ceiling_conns = f"{ceiling_clients} to PG" if ceiling_clients else "–"
    depths = ceiling_depth or {}
    rows = [
        _row(
            a,
            (
                ceiling_conns if a.server == CEILING else str(conns),
                fmt_int(median(a.requests_per_s)),
                fmt_range(a.requests_per_s),
                "ceiling" if a.server == CEILING else fmt_pct(a.pct_of_ceiling),
                fmt_ms(median(a.server_cpu_us_per_request)),
                fmt_ms(median(a.pg_cpu_us_per_request)) if a.pg_cpu_us_per_request else unmeasured,
                fmt_number(median(a.pg_statements_per_request)),
                fmt_share(a.server_cpu_share),
                fmt_share(a.db_cpus_busy_share) if a.db_cpus_busy_share else unmeasured,
                ceiling_use(depths.get(str(conns))) if a.server == CEILING else fmt_use(uses.get(a.server)),
                fmt_rounds(a),
                fmt_spread(a.spread),
            ),
        )
        for conns, aggs in by_conns.items()
        for a in aggs
    ]
    return Table(DATABASE_COLUMNS, rows)


def database_clients_rows(view: View) -> list[list[str]]:
    """Per server with database endpoints: its PostgreSQL client, template engine, and whether it
    pipelines a request's queries and batches its updates (its manifest's claims), and notes."""
    return [
        [
            name,
            use["client"],
            use["template"],
            "yes" if use["pipelining"] else "no",
            "yes" if use["batched_updates"] else "no",
            use.get("notes") or "",
        ]
        for name, use in view.database_uses.items()
        if use is not None
    ]


DATABASE_INTRO = (
    "Every request runs its own queries against PostgreSQL (no cache). The **ceiling** row is pgbench running the "
    "scenario's statements (prepared) at the servers' connection count, pinned where the server runs, with as many "
    "requests in flight per connection as share one of the servers' pool connections (the HTTP connections over "
    "the pool's: each pgbench transaction is one pipeline of that many requests' statements): what the database "
    "alone serves to pipelined clients, the bound for a server that runs each request's statements as written; "
    "*% of database ceiling* is a server's req/s over it. PostgreSQL 15 runs a pipeline as one transaction, so on "
    "`updates` each pgbench client writes rows of its own (no lock waits, no deadlocks) and commits once per "
    "pipeline, where the servers commit every UPDATE: that bound is looser by those commits. During the ceiling "
    "PostgreSQL has its CPUs to itself; in a server's run it may share them with wrk (*database CPUs busy*). "
    "*PG CPU µs/req*: CPU time of every PostgreSQL process of the cluster over the window, per request — above the "
    "ceiling's, PostgreSQL works more per request for that server (round trips, one transaction per statement). "
    "*PG statements/req*: statements PostgreSQL executed per request (pg_stat_statements); above the ceiling's, "
    "the server spends round trips on something else (transactions, checks, re-preparing). *database CPUs busy*: "
    "PostgreSQL's CPU plus the load generator's when both are pinned to the same CPUs, over those CPUs' time. The "
    "tables are seeded once per run: `updates` changes only random numbers, whose values cost the same."
)


# The goal the database ceiling is measured against (issue 12): the fastest Rust server on `db`
# serves at least this share of what the database alone serves.
CEILING_GOAL_SCENARIO = "db"
CEILING_GOAL_PCT = 70.0


def ceiling_goal(view: View) -> str | None:
    """One sentence: the fastest Rust server on `db` against the goal, or None without that cell."""
    by_conns = view.throughput.get(CEILING_GOAL_SCENARIO)
    if not by_conns:
        return None
    frameworks = view.doc["environment"]["frameworks"]
    rows = view.headline_rows(CEILING_GOAL_SCENARIO)

    def is_rust(server: str) -> bool:
        fw = frameworks.get(server)
        return fw is None or fw.get("rust", True)

    rust = [a for a in rows if a.contender and a.valid and a.pct_of_ceiling is not None and is_rust(a.server)]
    if not rust:
        return None
    best = max(rust, key=lambda a: a.pct_of_ceiling or 0)
    pct = best.pct_of_ceiling or 0
    verdict = "met" if pct >= CEILING_GOAL_PCT else "not met"
    return (
        f"Goal: the fastest Rust server on `{CEILING_GOAL_SCENARIO}` serves ≥ {CEILING_GOAL_PCT:.0f} % of the database "
        f"ceiling. `{best.server}` reaches {pct:.0f} %: **{verdict}**."
    )


def latency_table(by_rate: ByLoad) -> Table:
    rows = []
    for rate, aggs in by_rate.items():
        for a in aggs:
            lat = a.latency_ms or {}
            texts = [fmt_int(rate), fmt_int(median(a.achieved_rate))]
            texts += [fmt_ms(median(lat.get(k))) for k in PERCENTILES]
            rows.append(_row(a, [*texts, fmt_ms(median(a.server_cpu_us_per_request)), fmt_rounds(a), fmt_spread(a.spread)]))
    return Table(LATENCY_COLUMNS, rows)


# The scenario whose server CPU per request the summary shows (its headline connection count).
EFFICIENCY_SCENARIO = "json"


class SummaryRow(NamedTuple):
    server: str
    contender: bool
    cells: list[Cell]


@dataclass
class Summary:
    """One row per server, one column per headline number: the table to read first."""

    columns: list[str]
    rows: list[SummaryRow]


Metric = Literal["rps", "us", "p99", "ceiling"]


def summary(view: View) -> Summary:
    picks: list[tuple[str, dict[str, Aggregate], Metric]] = []  # column label, aggregate per server, metric
    for scenario in view.throughput:
        conns = view.headline(scenario)
        picks.append((f"{scenario} @{conns} req/s", _by_server(view.throughput[scenario][conns]), "rps"))
    eff = EFFICIENCY_SCENARIO if EFFICIENCY_SCENARIO in view.throughput else next(iter(view.throughput), None)
    if eff is not None:
        conns = view.headline(eff)
        picks.append((f"µs CPU/req ({eff} @{conns})", _by_server(view.throughput[eff][conns]), "us"))
    if CEILING_GOAL_SCENARIO in view.throughput:
        conns = view.headline(CEILING_GOAL_SCENARIO)
        picks.append(
            (
                f"% of database ceiling ({CEILING_GOAL_SCENARIO} @{conns})",
                _by_server(view.headline_rows(CEILING_GOAL_SCENARIO)),
                "ceiling",
            )
        )
    for scenario, by_rate in view.latency.items():
        for rate, aggs in by_rate.items():
            label = f"p99 ms @{rate / 1000:g}k/s" if len(view.latency) == 1 else f"{scenario} p99 ms @{rate / 1000:g}k/s"
            picks.append((label, _by_server(aggs), "p99"))
    first = next(iter(view.throughput), None)
    calibration = (BASELINE, CEILING)
    ordered = [a.server for a in view.headline_rows(first) if a.server not in calibration] if first else []
    rest = [s for s in view.servers if s not in ordered and s not in calibration]
    # Reference rows after the arena's servers.
    servers = ordered + [s for s in rest if s not in view.references] + [s for s in rest if s in view.references]
    # A calibration row only where it ran: the baseline has no database cells, the ceiling only those.
    servers += [BASELINE] if any(BASELINE in by for _, by, _ in picks) else []
    servers += [CEILING] if any(CEILING in by for _, by, _ in picks) else []
    rows = []
    for server in servers:
        cells = [_summary_cell(by.get(server), metric) for _, by, metric in picks]
        contender = next((by[server].contender for _, by, _ in picks if server in by), server not in calibration)
        rows.append(SummaryRow(server, contender, cells))
    return Summary([label for label, _, _ in picks], rows)


def _by_server(aggs: list[Aggregate]) -> dict[str, Aggregate]:
    return {a.server: a for a in aggs}


def _summary_cell(a: Aggregate | None, metric: Metric) -> Cell:
    if a is None:
        return Cell("–")
    if metric == "rps":
        text = fmt_int(median(a.requests_per_s))
    elif metric == "us":
        text = fmt_ms(median(a.server_cpu_us_per_request))
    elif metric == "ceiling":
        text = "ceiling" if a.server == CEILING else fmt_pct(a.pct_of_ceiling)
    else:
        text = fmt_ms(median((a.latency_ms or {}).get("p99")))
    # A missed rate only qualifies a latency; calibration shows in the row's label.
    shown: set[NoteKind] = {"invalid", "client-bound", "database-bound", "CPU stolen"}
    if metric == "p99":
        shown.add("rate not reached")
    return Cell(text, [n.kind for n in notes(a) if n.kind in shown], a.valid)


@dataclass(frozen=True)
class Comparison:
    """One server and cell in this run and another: median req/s (throughput) or median p99 (latency)."""

    server: str
    scenario: str
    connections: int
    rate: int | None
    kind: str
    this: float | None
    other: float | None
    ratio: float | None
    valid: bool

    @property
    def load(self) -> str:
        return str(self.rate or self.connections)

    def _fmt(self, x: float | None) -> str:
        return fmt_ms(x) if self.kind == "latency" else fmt_int(x)

    @property
    def this_text(self) -> str:
        return self._fmt(self.this)

    @property
    def other_text(self) -> str:
        return self._fmt(self.other)

    @property
    def ratio_text(self) -> str:
        return "–" if self.ratio is None else f"{self.ratio:.3f}"

    @property
    def trend(self) -> Literal["", "up", "down"]:
        """ "up" when this run is better by 3 % or more, "down" when worse: higher req/s, lower p99."""
        if self.ratio is None or abs(self.ratio - 1) < 0.03:
            return ""
        return "up" if (self.ratio > 1) != (self.kind == "latency") else "down"


def compare(doc: RunDocument, other: RunDocument) -> list[Comparison]:
    """Per server and cell present in both runs: this/other for median req/s, and for median p99 latency."""
    theirs = {(a.server, *a.cell_key): a for a in other["aggregates"]}
    rows = []
    for a in doc["aggregates"]:
        b = theirs.get((a.server, *a.cell_key))
        if b is None:
            continue
        if a.kind == "latency":
            x, y = median((a.latency_ms or {}).get("p99")), median((b.latency_ms or {}).get("p99"))
        else:
            x, y = median(a.requests_per_s), median(b.requests_per_s)
        ratio = (x / y) if x is not None and y else None
        rows.append(Comparison(a.server, a.scenario, a.connections, a.rate, a.kind, x, y, ratio, a.valid and b.valid))
    rows.sort(key=lambda r: (r.kind, r.scenario, r.connections, r.rate or 0, r.server))
    return rows


def environment_rows(doc: RunDocument) -> list[list[str]]:
    """Per server: name, framework and version, runtime, I/O model, contender, calibration or reference."""
    references = reference_names(doc)

    def role(name: str, contender: bool) -> str:
        return "TechEmpower reference" if name in references else ("yes" if contender else "calibration")

    return [
        [name, f"{fw['framework']} {fw['version']}", fw["runtime"], fw["io_model"], role(name, fw["contender"])]
        for name, fw in doc["environment"]["frameworks"].items()
    ]


# --- TechEmpower reference rows -------------------------------------------------------------------

REFERENCE_INTRO = (
    "Rows named `TFB-…` are references, not contenders: TechEmpower's own implementation of the same framework "
    "(FrameworkBenchmarks, frameworks/Rust/…), built from a local checkout with the build its dockerfile runs and "
    "measured here with the same pinning, load and rounds as the arena's servers, on the scenarios both serve "
    "(plaintext, pipelined or not, and json). They are never ranked, never put through the conformance or hostile "
    "suites, and they do not do what the arena's servers must: the contract's limits, timeouts, guards and errors "
    "(TechEmpower's entries often switch timeouts off and build with `-C target-cpu=native`). A ratio below 1 is "
    "what the arena's server costs against that entry, realism included."
)


@dataclass(frozen=True)
class ReferenceRatio:
    """An arena server against a reference row in one throughput cell."""

    server: str
    reference: str
    scenario: str
    connections: int
    ours_rps: float | None
    theirs_rps: float | None
    ours_us: float | None
    theirs_us: float | None
    valid: bool

    @property
    def ratio(self) -> float | None:
        return self.ours_rps / self.theirs_rps if self.ours_rps is not None and self.theirs_rps else None

    @property
    def cells(self) -> list[str]:
        return [
            self.server,
            self.reference,
            f"{self.scenario} @{self.connections}",
            fmt_int(self.ours_rps),
            fmt_int(self.theirs_rps),
            "–" if self.ratio is None else f"{self.ratio:.2f}",
            fmt_ms(self.ours_us),
            fmt_ms(self.theirs_us),
        ]


REFERENCE_COLUMNS = [
    "server",
    "reference",
    "cell",
    "req/s",
    "reference req/s",
    "server / reference",
    "µs/req",
    "reference µs/req",
]


@dataclass
class ReferenceSection:
    rows: list[tuple[str, str, str, str]]  # name, source, build, compared with
    ratios: list[ReferenceRatio]
    skipped: list[tuple[str, str]]  # name, reason
    checkout: str


def one_line(error: str, width: int = 200) -> str:
    """A start failure in one line: its first line, and the message of a panic in the log's tail."""
    lines = [line.strip() for line in error.splitlines() if line.strip()]
    first = lines[0] if lines else "?"
    first = first.split("] ", 1)[-1]  # "[server] step failed: ..." names the row already
    panic = next((lines[i + 1] for i, line in enumerate(lines[:-1]) if "panicked at" in line), None)
    text = first + (f"; {panic}" if panic else "")
    return text if len(text) <= width else text[: width - 1] + "…"


def reference_names(doc: RunDocument) -> set[str]:
    return {s["name"] for s in doc["servers"] if "reference" in s}


def reference_section(view: View) -> ReferenceSection | None:
    """What the reference rows are and each arena server's ratio to its framework's entry; None
    when the run had no --reference-tfb."""
    doc = view.doc
    info = doc.get("references")
    if info is None:
        return None
    servers = {s["name"]: s for s in doc["servers"]}
    rows, ratios = [], []
    for name in sorted(view.references):
        ref = servers[name]["reference"]
        rows.append((name, ref["source"], ref["build"], ", ".join(ref["counterparts"])))
        for scenario, by_conns in view.throughput.items():
            for conns, aggs in by_conns.items():
                by = _by_server(aggs)
                theirs = by.get(name)
                if theirs is None:
                    continue
                for server in ref["counterparts"]:
                    ours = by.get(server)
                    if ours is None:
                        continue
                    ratios.append(
                        ReferenceRatio(
                            server,
                            name,
                            scenario,
                            conns,
                            median(ours.requests_per_s),
                            median(theirs.requests_per_s),
                            median(ours.server_cpu_us_per_request),
                            median(theirs.server_cpu_us_per_request),
                            ours.valid and theirs.valid,
                        )
                    )
    skipped = [(s["name"], s["reason"]) for s in info["skipped"]]
    # Built but not run: an entry that wants its database at start-up (may-minihttp's does), or a
    # port another process holds.
    skipped += [
        (name, "failed to start: " + one_line(servers[name]["error"] or ""))
        for name in sorted(view.references)
        if servers[name]["status"] == "unavailable"
    ]
    commit = info.get("commit")
    checkout = info["checkout"] + (f" (commit {commit[:12]})" if commit else "")
    return ReferenceSection(rows, ratios, skipped, checkout)


# --- the header -----------------------------------------------------------------------------------


def _cpus(cpus: list[int]) -> str:
    return ",".join(str(c) for c in cpus)


def _seconds(doc: RunDocument) -> float | None:
    try:
        return (dt.datetime.fromisoformat(doc["finished_at"]) - dt.datetime.fromisoformat(doc["started_at"])).total_seconds()
    except (KeyError, ValueError):
        return None


def duration_text(seconds: float) -> str:
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h} h {m:02d} min" if h else f"{m} min {s:02d} s"


def header(doc: RunDocument) -> list[str]:
    """The sentences that open both reports: how the run measured, where each side ran, on what,
    how long it took and how many rounds its cells needed. Plain text; `code` spans in backticks."""
    env, cfg, plan = doc["environment"], doc["config"], doc["plan"]
    repeats, cap = cfg["repeats"], cfg.get("max_rounds", cfg["repeats"])
    bound = cfg.get("spread_bound")
    stolen_pct = 100 * cfg.get("stolen_share", 0.10)
    if cap > repeats and bound is not None:
        rounds = (
            f"{repeats} to {cap} runs per server and cell: after {repeats} rounds a cell got another while its spread "
            f"(max − min over median of server CPU µs/request or req/s) was above {100 * bound:g} %, and a round that lost "
            f"≥ {stolen_pct:g} % of its pinned CPUs to steal was measured again"
        )
    else:
        rounds = f"{repeats} round(s)"
    lines = [
        f"Profile **{cfg['profile']}**: {cfg['duration_s']:g} s measured after {cfg['warmup_s']:g} s warm-up, {rounds}; "
        f"servers interleaved. Medians with min–max over rounds."
    ]
    hosts = cfg.get("hosts", {})
    server = hosts.get("server", {"host": "local"})
    client = hosts.get("client", {"host": "local"})
    address = server.get("address", "127.0.0.1")
    remote_hosts = {side: info for side, info in env.get("hosts", {}).items() if side != "server" and info["host"] != "local"}
    if not remote_hosts and client["host"] == "local" and server["host"] == "local":
        lines.append(
            f"Topology: everything on one machine. Server on CPU(s) {_cpus(cfg['server_cpus'])} with {cfg['workers']} "
            f"worker(s), listening on {address}; load generator on CPU(s) {_cpus(cfg['client_cpus'])}."
        )
    else:
        on_db_host = "database" in remote_hosts
        db_place = hosts.get("database")
        lines.append(
            f"Topology: server on `{server['host']}`, listening on {address}, CPU(s) {_cpus(cfg['server_cpus'])} with "
            f"{cfg['workers']} worker(s); load generator on `{client['host']}`"
            f"{' (over SSH)' if client['host'] != 'local' else ''}, CPU(s) {_cpus(cfg['client_cpus'])}, sending to "
            f"{address}"
            + (
                f"; database on `{db_place['host']}` (over SSH), reached at {db_place.get('address', '?')}"
                if on_db_host and db_place
                else ""
            )
            + ". Steal and CPU time are each read on their own host."
        )
    database = database_sentence(doc)
    if database:
        lines.append(database)
    toolset = f"wrk {env['tools']['wrk']}, oha {env['tools']['oha']}"
    build = f"{env['rustc']}; commit `{env['git_commit'][:12]}`{' (dirty)' if env.get('git_dirty') else ''}"
    here = f"{env['cpu_model']}, {env['cpus_online']} CPUs, Linux {env['kernel']}"
    if remote_hosts:
        lines.append(f"Server host: {here}; {build}" + ("." if "client" in remote_hosts else f"; {toolset}."))
        for side, info in remote_hosts.items():
            lines.append(
                f"{side.capitalize()} host `{info['host']}`: {info['cpu_model']}, {info['cpus_online']} CPUs, Linux "
                f"{info['kernel']}" + (f"; {toolset}." if side == "client" else ".")
            )
    else:
        lines.append(
            f"Machine: {here}; {env['rustc']}; {toolset}; commit `{env['git_commit'][:12]}`"
            f"{' (dirty)' if env.get('git_dirty') else ''}."
        )
    wall = _seconds(doc)
    if wall is not None:
        runs = doc["runs"]
        estimate = f"planned {duration_text(plan['estimated_s'])} at {repeats} round(s)"
        if plan.get("max_estimated_s") and plan.get("max_runs", 0) > plan["runs"]:
            estimate += f", at most {duration_text(plan.get('max_estimated_s', 0))} with every cell at its cap"
        if plan.get("budget_s"):
            estimate += f"; budget {duration_text(plan.get('budget_s') or 0)}"
        lines.append(
            f"Wall time of the load suite: **{duration_text(wall)}** for {len(runs)} run{'' if len(runs) == 1 else 's'} "
            f"({estimate})."
        )
    aggs = doc["aggregates"]
    if aggs and cap > repeats:
        counts = Counter(a.n_runs for a in aggs)
        per = ", ".join(f"{n} in {counts[n]}" for n in sorted(counts))
        remeasured = sum(a.remeasured for a in aggs)
        above = [a for a in aggs if bound is not None and a.spread is not None and a.spread > bound]
        lines.append(
            f"Rounds per server and cell: {per} of {len(aggs)}; {remeasured} stolen round(s) measured again; "
            f"{len(above)} cell(s) still spread more than {100 * (bound or 0):g} % at the end (see each table's "
            f"“spread”)"
            + (
                f"; {refused} extra round(s) or re-measure(s) not started, the wall budget being spent."
                if (refused := plan.get("refused_by_budget", 0))
                else "."
            )
        )
    return lines


def database_sentence(doc: RunDocument) -> str | None:
    """Where PostgreSQL ran, on which CPUs, and how its ceiling was measured."""
    cfg = doc["config"]
    d = cfg.get("database")
    if d is None:
        return None
    version = doc["environment"]["tools"].get("pgbench", "")
    pg = f"PostgreSQL {version}".strip()
    place = cfg.get("hosts", {}).get("database", {"host": "local"})
    if d["cpus"] is not None and place["host"] != "local":
        where = (
            f"{pg} (client) against `{d['url']}` on host `{place['host']}`: CPU time and steal read there over SSH, "
            f"on CPU(s) {_cpus(d['cpus'])}"
        )
    elif d["cpus"] is not None:
        shared = " (shared with the load generator)" if set(d["cpus"]) & set(cfg["client_cpus"]) else ""
        where = (
            f"{pg}, the private cluster {'started by this run' if d['started'] else 'already running'} and seeded "
            f"at its start, pinned to CPU(s) {_cpus(d['cpus'])}{shared}"
        )
    else:
        where = f"{pg} (client) against `{d['url']}` on `{d['host']}`: not pinned by the harness, its CPU unmeasured"
    return (
        f"Database: {where}. Ceiling: pgbench -M prepared with each scenario's statements, {d['ceiling_clients']} "
        f"connection(s) (the servers' pool: {cfg['workers']} worker(s) × db_connections_per_worker), on the server's "
        f"CPU(s) {_cpus(cfg['server_cpus'])}{_depths(d.get('ceiling_depth'))}."
    )


def _depths(depths: Mapping[str, int] | None) -> str:
    if depths is None:
        return ", statements one by one"
    each = ", ".join(f"{d} at {c} HTTP connections" for c, d in sorted(depths.items(), key=lambda kv: int(kv[0])))
    return f", each transaction a pipeline of the statements of as many requests as share a pool connection ({each})"


# --- the view -------------------------------------------------------------------------------------


def order(rows: list[Aggregate], kind: str) -> list[Aggregate]:
    """Ranked rows first by rank, then unranked contenders, then reference rows, then the baseline:
    calibration goes last."""

    def key(a: Aggregate) -> tuple[int, float, str]:
        if a.rank is not None:
            return (0, a.rank, a.server)
        if a.server in (BASELINE, CEILING):
            return (3, 0, a.server)
        value = a.requests_per_s.median if kind == "throughput" and a.requests_per_s else 0
        # Reference rows after the arena's servers: they are for comparison, not in the race.
        return (2 if a.reference else 1, -value, a.server)

    return sorted(rows, key=key)


def build(doc: RunDocument) -> View:
    thr: defaultdict[str, defaultdict[int, list[Aggregate]]] = defaultdict(lambda: defaultdict(list))
    lat: defaultdict[str, defaultdict[int, list[Aggregate]]] = defaultdict(lambda: defaultdict(list))
    for a in doc["aggregates"]:
        if a.kind == "latency" and a.rate is not None:
            lat[a.scenario][a.rate].append(a)
        else:
            thr[a.scenario][a.connections].append(a)
    scen_order = [c["scenario"] for c in doc["plan"]["cells"]]

    def sort_scen(d: Mapping[str, Mapping[int, list[Aggregate]]], kind: str) -> dict[str, ByLoad]:
        return {s: {k: order(v, kind) for k, v in sorted(d[s].items())} for s in sorted(d, key=scen_order.index)}

    return View(
        doc,
        sort_scen(thr, "throughput"),
        sort_scen(lat, "latency"),
        list(doc["plan"]["servers"]),
        doc["plan"].get("scenarios", {}),
        reference_names(doc) if "servers" in doc else set(),
    )


# Median share of the pinned CPUs' time taken by the hypervisor for other guests above which a
# run's numbers are called noisy.
STEAL_NOTE_SHARE = 0.05


def busy_machine_note(doc: RunDocument) -> str | None:
    """A warning when other work competed for the CPUs: the bench itself keeps about one runnable
    thread per pinned CPU busy, so a load average well above that means someone else was running;
    on a virtual machine, steal time is the host's other guests taking the CPUs away."""
    parts = []
    # By results.json key, as runs read whether typed or as they were saved.
    loads: list[float] = sorted(x for r in doc["runs"] if (x := r.get("loadavg_1m")) is not None)
    cfg = doc["config"]
    expected = len(cfg["server_cpus"]) + len(cfg["client_cpus"])
    if loads and loads[len(loads) // 2] > 1.5 * expected:
        mid = loads[len(loads) // 2]
        parts.append(
            f"The machine was busy: the 1-minute load average was {mid:.1f} (median over runs, max {loads[-1]:.1f}) "
            f"on {doc['environment']['cpus_online']} CPUs, where the bench alone keeps about {expected} busy. Other "
            f"work competed for the pinned CPUs."
        )
    steals: list[float] = sorted(x for r in doc["runs"] if (x := r.get("steal_share")) is not None)
    if steals and steals[len(steals) // 2] > STEAL_NOTE_SHARE:
        parts.append(
            f"The hypervisor took {100 * steals[len(steals) // 2]:.0f} % of the pinned CPUs' time for other guests "
            f"(steal, median over runs; max {100 * steals[-1]:.0f} %)."
        )
    if not parts:
        return None
    return " ".join(parts) + " Treat these numbers as indicative only and re-run on a quiet machine."
