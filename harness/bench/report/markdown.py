"""report.md: tables to paste into an issue."""

from __future__ import annotations

from collections.abc import Sequence

from ..records import Aggregate
from .model import (
    DATABASE_INTRO,
    Comparison,
    Note,
    Table,
    View,
    busy_machine_note,
    ceiling_goal,
    database_clients_rows,
    database_table,
    environment_rows,
    header,
    latency_table,
    notes,
    summary,
    throughput_table,
)

LEGEND = (
    "**Legend** — ⚠ *client-bound*: the load generator used ≥ 90 % of its CPUs, so the number is a floor "
    "for the server, not its ceiling. ✗ *invalid*: a run saw errors (connect/read/write/timeout/non-2xx) "
    "or the server crashed; shown, never ranked. `baseline` is the calibration responder (not a contender). "
    "*server CPU busy*: the server's CPU time over the window, as a share of its pinned CPUs; well under 100 % "
    "with no client-bound flag means something other than the server's CPU limited the run. "
    "⚠ *CPU stolen*: in that many rounds the hypervisor gave ≥ 10 % of the pinned CPUs' time to other guests "
    "(steal), so the machine, not only the server, set the number. *rounds*: the runs the median is over "
    "(+ those measured again after steal); *spread*: their max − min over median, the larger of server CPU µs/req "
    "and req/s. ◆ *database-bound*: the database's CPUs were ≥ 90 % busy (PostgreSQL, plus the load generator "
    "when it shares them), so the number is a floor for the server; on the ceiling row it means the database's CPU, "
    "not pgbench, set the ceiling. *% of database ceiling*: a server's req/s over pgbench's with the same statements, "
    "pipelined as deep as the servers' pools are shared (on `updates`, one commit per pipeline: a looser bound; see "
    "“Database”)."
)


def _note(n: Note) -> str | None:
    if n.kind == "invalid":
        return "✗ invalid: " + "; ".join(n.reasons[:2])
    if n.kind == "calibration":
        return None  # the legend says which row is the baseline
    if n.kind == "database-bound":
        return f"◆ {n.kind}" + (f" ({n.count})" if n.count else "")
    return f"⚠ {n.kind}" + (f" ({n.count})" if n.count else "")


def _notes(ns: list[Note]) -> str:
    return " ".join(text for text in map(_note, ns) if text is not None)


def _mark(a: Aggregate) -> str:
    return _notes(notes(a))


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return lines


def _cells_table(table: Table) -> list[str]:
    rows = [[str(r.rank or ""), f"`{r.server}`", *(c.text for c in r.cells), _notes(r.notes)] for r in table.rows]
    return _table(["#", "server", *table.columns, "notes"], rows)


def render(
    view: View,
    *,
    compare_rows: list[Comparison] | None = None,
    compare_id: str | None = None,
    extra: Sequence[tuple[str, str]] = (),
    agreement_md: str | None = None,
) -> str:
    doc = view.doc
    env = doc["environment"]
    out = [f"# Rust HTTP arena — bench run `{doc['run_id']}`", ""]
    for line in header(doc):
        out += [line, ""]
    out += [LEGEND, ""]
    note = busy_machine_note(doc)
    if note:
        out += [f"> ⚠ **{note}**", ""]
    out += _summary(view)
    http = {s: by for s, by in view.throughput.items() if not view.is_database(s)}
    out += ["## Throughput (wrk, closed loop)", ""] if http else []
    for scenario, by_conns in http.items():
        desc = view.description(scenario)
        out += [f"### {scenario}" + (f" — {desc}" if desc else ""), ""]
        out += _cells_table(throughput_table(by_conns)) + [""]
    out += _database(view)
    if view.latency:
        out += [
            "## Latency at fixed request rates (oha, open loop, coordinated-omission corrected)",
            "",
            "Latency is measured from when each request *should* have been sent, so a stalled server "
            "cannot hide its queue. Lower is better; ranked by p99. Milliseconds.",
            "",
        ]
        for scenario, by_rate in view.latency.items():
            out += [f"### {scenario}", ""]
            out += _cells_table(latency_table(by_rate)) + [""]
    if compare_rows is not None:
        out += [
            f"## Comparison with `{compare_id}`",
            "",
            "Ratio = this run / the other run: median req/s for throughput (higher is better), "
            "median p99 for latency (lower is better).",
            "",
        ]
        rows = [
            [r.scenario, r.load, f"`{r.server}`", r.this_text, r.other_text, r.ratio_text, "" if r.valid else "✗"]
            for r in compare_rows
        ]
        out += _table(["scenario", "conns / rate", "server", "this", "other", "ratio", ""], rows) + [""]
        if agreement_md:
            out += [agreement_md]
    if doc["failures"]:
        out += ["## Failures", ""]
        for f in doc["failures"]:
            out += [f"- `{f['run_id']}` — {f['step']}:", "", "```", f["message"].strip(), "```", ""]
    for title, body in extra:
        out += [f"## {title}", "", body.strip(), ""]
    out += ["## Environment", ""]
    rows = [[f"`{name}`", *rest] for name, *rest in environment_rows(doc)]
    out += _table(["server", "framework", "runtime", "I/O", "contender"], rows) + [""]
    out += [f"Python {env['python']}; {env.get('os', '')}. Raw tool outputs: `raw/`; server logs: `logs/`.", ""]
    return "\n".join(out)


def _database(view: View) -> list[str]:
    scenarios = [s for s in view.throughput if view.is_database(s)]
    if not scenarios:
        return []
    out = ["## Database (wrk, closed loop; PostgreSQL behind every server)", "", DATABASE_INTRO, ""]
    goal = ceiling_goal(view)
    if goal:
        out += [goal, ""]
    left_out = view.without_database()
    if left_out:
        out += ["Not measured here, **no database endpoints**: " + ", ".join(f"`{s}`" for s in left_out) + ".", ""]
    rows = [[f"`{r[0]}`", *r[1:]] for r in database_clients_rows(view)]
    if rows:
        out += _table(["server", "PostgreSQL client", "template", "pipelining", "batched updates", "notes"], rows) + [""]
    info = view.doc["config"].get("database")
    measured, clients = (info["cpu_measured"], info["ceiling_clients"]) if info else (True, None)
    depths = info.get("ceiling_depth") if info else None
    for scenario in scenarios:
        desc = view.description(scenario)
        out += [f"### {scenario}" + (f" — {desc}" if desc else ""), ""]
        out += _cells_table(database_table(view.throughput[scenario], view.database_uses, measured, clients, depths)) + [""]
    return out


def _summary(view: View) -> list[str]:
    table = summary(view)
    if not table.rows:
        return []
    rows = [
        [f"`{server}`" + ("" if contender else " (calibration)"), *(cell.marked for cell in cells)]
        for server, contender, cells in table.rows
    ]
    return [
        "## Summary",
        "",
        "Medians over rounds. Throughput at each scenario's headline connection count (every count is in the "
        "sections below); server CPU µs per request; p99 latency at fixed rates (open loop). "
        "✗ invalid (errors), ⚠ client-bound (a floor for the server), ◆ database-bound (likewise), "
        "† target rate not reached, ‡ CPU stolen by the hypervisor in at least one round.",
        "",
        *_table(["server", *table.columns], rows),
        "",
    ]
