"""report.html: one self-contained page (inline CSS and SVG, no scripts, no network)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape

from .charts import Chart
from .model import (
    DATABASE_INTRO,
    Comparison,
    Note,
    Row,
    Table,
    View,
    busy_machine_note,
    ceiling_goal,
    database_clients_rows,
    database_table,
    environment_rows,
    header,
    latency_table,
    summary,
    throughput_table,
)

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d1d1f;background:#f6f7f9}
main{max-width:1180px;margin:0 auto;padding:24px}
h1{font-size:26px;margin:0 0 4px} h2{margin-top:36px;border-bottom:2px solid #dde;padding-bottom:4px}
.meta{color:#555} .card{background:#fff;border-radius:10px;padding:16px 20px;margin:16px 0;box-shadow:0 1px 3px #0002}
table{border-collapse:collapse;width:100%;font-size:13px;font-variant-numeric:tabular-nums}
th,td{padding:4px 8px;border-bottom:1px solid #eee;text-align:right} th{background:#fafafc;position:sticky;top:0}
td.l,th.l{text-align:left} tr.invalid td{color:#999;background:#fff4f4} tr.calib td{font-style:italic;color:#666}
.badge{display:inline-block;border-radius:4px;padding:0 6px;font-size:11px;font-weight:600;margin-left:4px}
.cb{background:#fff3cd;color:#7a5b00} .inv{background:#f8d7da;color:#842029} .cal{background:#e2e3e5;color:#41464b}
.db{background:#dbe8fb;color:#163d73}
.rank{font-weight:700} figure{margin:12px 0} figure svg{max-width:100%;height:auto} figcaption{color:#555;font-size:12px}
pre{background:#1e1e1e;color:#eee;padding:10px;border-radius:6px;overflow:auto;font-size:12px}
.legend{font-size:13px;color:#333} .hook{border-left:4px solid #6c8cd5}
.busy{background:#fff3cd;border-left:4px solid #d4a106} .up{color:#137333} .down{color:#a50e0e} td.bad{color:#a50e0e}
"""


def _inline(text: str) -> str:
    """A header sentence (model.header) as HTML: `code`, **bold** and *italic* spans, the rest escaped."""
    out = escape(text, quote=False)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    out = re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", out)
    return re.sub(r"\*([^*\s][^*]*)\*", r"<i>\1</i>", out)


def _badge(n: Note) -> str:
    if n.kind == "invalid":
        return f'<span class="badge inv" title="{escape("; ".join(n.reasons))}">invalid</span>'
    if n.kind == "client-bound":
        return f'<span class="badge cb">client-bound {n.count}</span>'
    if n.kind == "database-bound":
        return (
            '<span class="badge db" title="the database\'s CPUs were ≥ 90 % busy (PostgreSQL, plus the load generator '
            f'when it shares them)">database-bound {n.count}</span>'
        )
    if n.kind == "calibration":
        return '<span class="badge cal">calibration</span>'
    if n.kind == "rate not reached":
        return '<span class="badge cb" title="achieved under 95 % of the target rate">rate not reached</span>'
    # "CPU stolen"
    return (
        '<span class="badge cb" title="the hypervisor took ≥ 10 % of the pinned CPUs\' time in that many rounds">'
        f"CPU stolen {n.count}</span>"
    )


def _row_class(r: Row) -> str:
    return "invalid" if not r.valid else ("calib" if not r.contender else "")


def _figure(chart: Chart) -> str:
    return (
        f'<figure id="chart-{escape(chart.name)}">{chart.svg}<figcaption>{escape(chart.title)} '
        f"(PNG: <code>{escape(chart.png.name)}</code>)</figcaption></figure>"
    )


def _cells_table(table: Table) -> str:
    head = (
        "<tr><th>#</th><th class=l>server</th>"
        + "".join(f"<th>{escape(c)}</th>" for c in table.columns)
        + "<th class=l>notes</th></tr>"
    )
    rows = [
        f'<tr class="{_row_class(r)}"><td class=rank>{r.rank or ""}</td><td class=l>{escape(r.server)}</td>'
        + "".join(f"<td>{escape(c.text)}</td>" for c in r.cells)
        + f"<td class=l>{''.join(map(_badge, r.notes))}</td></tr>"
        for r in table.rows
    ]
    return f"<table>{head}{''.join(rows)}</table>"


def _summary_table(view: View) -> str:
    table = summary(view)
    if not table.rows:
        return ""
    head = "<tr><th class=l>server</th>" + "".join(f"<th>{escape(c)}</th>" for c in table.columns) + "</tr>"
    body = []
    for server, contender, cells in table.rows:
        tds = "".join(
            f'<td class="{"" if c.valid else "bad"}" title="{escape(", ".join(c.marks))}">{escape(c.marked)}</td>' for c in cells
        )
        label = escape(server) + ("" if contender else ' <span class="badge cal">calibration</span>')
        body.append(f'<tr class="{"" if contender else "calib"}"><td class=l>{label}</td>{tds}</tr>')
    return (
        '<h2>Summary</h2><section class=card id="summary"><p class=meta>Medians over rounds: throughput at each '
        "scenario's headline connection count, server CPU µs per request, p99 latency at fixed rates (open loop). "
        "✗ invalid, ⚠ client-bound (a floor for the server), ◆ database-bound (likewise), † target rate not reached, "
        "‡ CPU stolen by the "
        "hypervisor (≥ 10 % steal) in at least one round.</p>"
        f"<table>{head}{''.join(body)}</table></section>"
    )


def _plain_table(columns: list[str], rows: list[list[str]]) -> str:
    head = "<tr>" + "".join(f"<th class=l>{escape(c)}</th>" for c in columns) + "</tr>"
    body = "".join("<tr>" + "".join(f"<td class=l>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table>{head}{body}</table>"


def _database(view: View, by_name: dict[str, Chart]) -> list[str]:
    scenarios = [s for s in view.throughput if view.is_database(s)]
    if not scenarios:
        return []
    intro = f"<p>{_inline(DATABASE_INTRO)}</p>"
    goal = ceiling_goal(view)
    if goal:
        intro += f"<p><b>{_inline(goal)}</b></p>"
    left_out = view.without_database()
    if left_out:
        names = ", ".join(f"<code>{escape(s)}</code>" for s in left_out)
        intro += f"<p>Not measured here, <b>no database endpoints</b>: {names}.</p>"
    rows = database_clients_rows(view)
    if rows:
        intro += _plain_table(["server", "PostgreSQL client", "template", "pipelining", "batched updates", "notes"], rows)
    parts = [
        f'<h2>Database (wrk, closed loop; PostgreSQL behind every server)</h2><section class=card id="database">{intro}</section>'
    ]
    info = view.doc["config"].get("database")
    measured, clients = (info["cpu_measured"], info["ceiling_clients"]) if info else (True, None)
    depths = info.get("ceiling_depth") if info else None
    for scenario in scenarios:
        desc = view.description(scenario)
        figs = "".join(_figure(by_name[n]) for n in (f"rps-{scenario}", f"rps-vs-conns-{scenario}") if n in by_name)
        table = _cells_table(database_table(view.throughput[scenario], view.database_uses, measured, clients, depths))
        parts.append(
            f'<section class=card id="scenario-{escape(scenario)}"><h3>{escape(scenario)}</h3>'
            f"<p class=meta>{escape(desc)}</p>{figs}{table}</section>"
        )
    return parts


def _compare_table(rows: list[Comparison]) -> str:
    head = (
        "<tr><th class=l>scenario</th><th>conns / rate</th><th class=l>server</th><th>this</th><th>other</th><th>ratio</th></tr>"
    )
    body = [
        f'<tr class="{"" if r.valid else "invalid"}"><td class=l>{escape(r.scenario)}</td>'
        f"<td>{r.load}</td><td class=l>{escape(r.server)}</td>"
        f'<td>{r.this_text}</td><td>{r.other_text}</td><td class="{r.trend}">{r.ratio_text}</td></tr>'
        for r in rows
    ]
    return f"<table>{head}{''.join(body)}</table>"


def render(
    view: View,
    charts: list[Chart],
    *,
    compare_rows: list[Comparison] | None = None,
    compare_id: str | None = None,
    extra_html: Sequence[tuple[str, str]] = (),
    agreement_html: str | None = None,
) -> str:
    doc, env = view.doc, view.doc["environment"]
    by_name = {c.name: c for c in charts}
    parts = [
        f"<h1>Rust HTTP arena — bench run <code>{escape(doc['run_id'])}</code></h1>",
        *(f"<p class=meta>{_inline(line)}</p>" for line in header(doc)),
        '<div class="card legend"><b>How to read this.</b> Bars and table values are medians over rounds; whiskers '
        'and “min–max” show the spread. <span class="badge cb">client-bound</span> the load generator used ≥ 90 % of '
        'its CPUs: the number is a floor for the server, not its ceiling (hatched bars). <span class="badge inv">invalid'
        '</span> a run saw errors or the server crashed: shown, never ranked. <span class="badge cal">calibration</span> '
        "<code>baseline</code> answers canned bytes with no HTTP parsing: the ceiling of this machine and load generator; "
        '“% of baseline” is relative to it. <span class="badge db">database-bound</span> the database\'s CPUs were ≥ 90 % '
        "busy (PostgreSQL, plus the load generator when it shares them): a floor for the server; on the ceiling row, "
        "PostgreSQL's CPU, not pgbench, set the ceiling. <i>% of database ceiling</i>: a server's req/s over pgbench's "
        "with the same statements, pipelined as deep as the servers' pools are shared (on <code>updates</code>, one commit "
        "per pipeline: a looser bound; see “Database”). "
        '<span class="badge cb">CPU stolen</span> the hypervisor gave ≥ 10 % of the '
        "pinned CPUs' time to other guests in that many rounds: the machine, not only the server, set the number. "
        "<i>rounds</i>: the runs each median is over (+ those measured again after steal); <i>spread</i>: their "
        "max − min over median, the larger of server CPU µs/req and req/s.</div>",
    ]
    note = busy_machine_note(doc)
    if note:
        parts.append(f'<div class="card busy"><b>⚠ {escape(note)}</b></div>')
    parts.append(_summary_table(view))
    http = {s: by for s, by in view.throughput.items() if not view.is_database(s)}
    if http:
        parts.append("<h2>Throughput (wrk, closed loop)</h2>")
    for scenario, by_conns in http.items():
        desc = view.description(scenario)
        figs = "".join(_figure(by_name[n]) for n in (f"rps-{scenario}", f"rps-vs-conns-{scenario}") if n in by_name)
        parts.append(
            f'<section class=card id="scenario-{escape(scenario)}"><h3>{escape(scenario)}</h3>'
            f"<p class=meta>{escape(desc)}</p>{figs}{_cells_table(throughput_table(by_conns))}</section>"
        )
    parts += _database(view, by_name)
    if view.latency:
        parts.append(
            "<h2>Latency at fixed request rates (oha, open loop)</h2><p>Latency counts from when each request "
            "<i>should</i> have been sent (coordinated-omission corrected), so a stalled server cannot hide its "
            "queue. Milliseconds, lower is better; ranked by p99.</p>"
        )
        for scenario, by_rate in view.latency.items():
            fig = _figure(by_name[f"latency-{scenario}"]) if f"latency-{scenario}" in by_name else ""
            parts.append(f"<section class=card><h3>{escape(scenario)}</h3>{fig}{_cells_table(latency_table(by_rate))}</section>")
    eff = "".join(_figure(by_name[n]) for n in ("cpu-per-request", "memory") if n in by_name)
    if eff:
        parts.append(f"<h2>Efficiency</h2><section class=card>{eff}</section>")
    if compare_rows is not None:
        parts.append(
            f"<h2>Comparison with <code>{escape(compare_id or '')}</code></h2><section class=card><p>Ratio = "
            "this run / the other: median req/s for throughput (higher is better), median p99 for latency "
            f"(lower is better).</p>{_compare_table(compare_rows)}{agreement_html or ''}</section>"
        )
    if doc["failures"]:
        items = "".join(
            f"<h4>{escape(f['run_id'])} — {escape(f['step'])}</h4><pre>{escape(f['message'])}</pre>" for f in doc["failures"]
        )
        parts.append(f"<h2>Failures</h2><section class=card>{items}</section>")
    for title, body in extra_html:
        parts.append(f'<h2>{escape(title)}</h2><section class="card hook">{body}</section>')
    fw_rows = "".join("<tr>" + "".join(f"<td class=l>{escape(c)}</td>" for c in row) + "</tr>" for row in environment_rows(doc))
    parts.append(
        f"<h2>Environment</h2><section class=card><table><tr><th class=l>server</th><th class=l>framework</th>"
        f"<th class=l>runtime</th><th class=l>I/O</th><th class=l>contender</th></tr>{fw_rows}</table>"
        f"<p class=meta>Python {escape(env['python'])}; {escape(env.get('os', ''))}; {env['cpus_online']} CPUs. "
        f"Raw tool outputs in <code>raw/</code>, server logs in <code>logs/</code>, every run in "
        f"<code>results.json</code>.</p></section>"
    )
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8><meta name=viewport content='width=device-width'>"
        f"<title>Rust HTTP arena — {escape(doc['run_id'])}</title><style>{CSS}</style></head><body><main>"
        + "\n".join(parts)
        + "</main></body></html>\n"
    )
