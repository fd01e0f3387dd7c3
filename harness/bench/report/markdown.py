"""report.md: tables to paste into an issue."""

from __future__ import annotations

from .model import SUMMARY_MARKS, View, busy_machine_note, fmt_int, fmt_mib, fmt_ms, fmt_range, rate_missed, summary

LEGEND = (
    "**Legend** — ⚠ *client-bound*: the load generator used ≥ 90 % of its CPUs, so the number is a floor "
    "for the server, not its ceiling. ✗ *invalid*: a run saw errors (connect/read/write/timeout/non-2xx) "
    "or the server crashed; shown, never ranked. `baseline` is the calibration responder (not a contender). "
    "*server CPU busy*: the server's CPU time over the window, as a share of its pinned CPUs; well under 100 % "
    "with no client-bound flag means something other than the server's CPU limited the run. "
    "⚠ *CPU stolen*: in that many rounds the hypervisor gave ≥ 10 % of the pinned CPUs' time to other guests "
    "(steal), so the machine, not only the server, set the number."
)


def _mark(a: dict) -> str:
    marks = []
    if not a["valid"]:
        marks.append("✗ invalid: " + "; ".join(a.get("invalid_reasons", [])[:2]))
    if a["client_bound"]:
        marks.append(f"⚠ client-bound ({a['client_bound_runs']}/{a['n_runs']})")
    if rate_missed(a):
        marks.append("⚠ rate not reached")
    if a.get("stolen_runs"):
        marks.append(f"⚠ CPU stolen ({a['stolen_runs']}/{a['n_runs']})")
    return " ".join(marks)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return lines


def render(
    view: View, *, compare_rows: list[dict] | None = None, compare_id: str | None = None, extra: list[tuple[str, str]] = ()
) -> str:
    doc = view.doc
    env, cfg = doc["environment"], doc["config"]
    out = [
        f"# Rust HTTP arena — bench run `{doc['run_id']}`",
        "",
        f"Profile **{cfg['profile']}**: {cfg['duration_s']:g} s measured after {cfg['warmup_s']:g} s warm-up, "
        f"{cfg['repeats']} round(s), servers interleaved. Server on CPU(s) {_cpus(cfg['server_cpus'])} with "
        f"{cfg['workers']} worker(s); load generator on CPU(s) {_cpus(cfg['client_cpus'])}. "
        f"Medians with min–max over rounds.",
        "",
        f"Machine: {env['cpu_model']}, {env['cpus_online']} CPUs, Linux {env['kernel']}; {env['rustc']}; "
        f"wrk {env['tools']['wrk']}, oha {env['tools']['oha']}; commit `{env['git_commit'][:12]}`"
        f"{' (dirty)' if env.get('git_dirty') else ''}.",
        "",
        LEGEND,
        "",
    ]
    note = busy_machine_note(doc)
    if note:
        out += [f"> ⚠ **{note}**", ""]
    out += _summary(view)
    out += ["## Throughput (wrk, closed loop)", ""]
    for scenario, by_conns in view.throughput.items():
        desc = view.scenario_info.get(scenario, {}).get("description", "")
        out += [f"### {scenario}" + (f" — {desc}" if desc else ""), ""]
        rows = []
        for conns, aggs in by_conns.items():
            for a in aggs:
                rows.append(
                    [
                        str(a["rank"] or ""),
                        f"`{a['server']}`",
                        str(conns),
                        fmt_int(_m(a["requests_per_s"])),
                        fmt_range(a["requests_per_s"]),
                        "–" if a["pct_of_baseline"] is None else f"{a['pct_of_baseline']:.0f} %",
                        fmt_ms(_m(a["server_cpu_us_per_request"])),
                        _pct(a.get("server_cpu_share")),
                        fmt_mib(_m(a["server_peak_rss_bytes"])),
                        _mark(a),
                    ]
                )
        out += _table(
            [
                "#",
                "server",
                "conns",
                "req/s",
                "min–max",
                "% of baseline",
                "server CPU µs/req",
                "server CPU busy",
                "peak RSS MiB",
                "notes",
            ],
            rows,
        ) + [""]
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
            rows = []
            for rate, aggs in by_rate.items():
                for a in aggs:
                    lat = a["latency_ms"] or {}
                    rows.append(
                        [
                            str(a["rank"] or ""),
                            f"`{a['server']}`",
                            fmt_int(rate),
                            fmt_int(_m(a.get("achieved_rate"))),
                            *(fmt_ms(_m(lat.get(k))) for k in ("p50", "p90", "p99", "p99.9", "max")),
                            fmt_ms(_m(a["server_cpu_us_per_request"])),
                            _mark(a),
                        ]
                    )
            out += _table(
                ["#", "server", "target req/s", "achieved", "p50", "p90", "p99", "p99.9", "max", "server CPU µs/req", "notes"],
                rows,
            ) + [""]
    if compare_rows is not None:
        out += [
            f"## Comparison with `{compare_id}`",
            "",
            "Ratio = this run / the other run: median req/s for throughput (higher is better), "
            "median p99 for latency (lower is better).",
            "",
        ]
        rows = [
            [
                r["scenario"],
                str(r["rate"] or r["connections"]),
                f"`{r['server']}`",
                fmt_ms(r["this"]) if r["kind"] == "latency" else fmt_int(r["this"]),
                fmt_ms(r["other"]) if r["kind"] == "latency" else fmt_int(r["other"]),
                "–" if r["ratio"] is None else f"{r['ratio']:.3f}",
                "" if r["valid"] else "✗",
            ]
            for r in compare_rows
        ]
        out += _table(["scenario", "conns / rate", "server", "this", "other", "ratio", ""], rows) + [""]
    if doc["failures"]:
        out += ["## Failures", ""]
        for f in doc["failures"]:
            out += [f"- `{f['run_id']}` — {f['step']}:", "", "```", f["message"].strip(), "```", ""]
    for title, body in extra:
        out += [f"## {title}", "", body.strip(), ""]
    out += ["## Environment", ""]
    rows = [
        [
            f"`{name}`",
            f"{fw['framework']} {fw['version']}",
            fw["runtime"],
            fw["io_model"],
            "yes" if fw["contender"] else "calibration",
        ]
        for name, fw in env["frameworks"].items()
    ]
    out += _table(["server", "framework", "runtime", "I/O", "contender"], rows) + [""]
    out += [f"Python {env['python']}; {env.get('os', '')}. Raw tool outputs: `raw/`; server logs: `logs/`.", ""]
    return "\n".join(out)


def _summary(view: View) -> list[str]:
    table = summary(view)
    if not table.rows:
        return []
    rows = [
        [f"`{server}`" + ("" if contender else " (calibration)")]
        + [cell.text + "".join(" " + SUMMARY_MARKS[m] for m in cell.marks) for cell in cells]
        for server, contender, cells in table.rows
    ]
    return [
        "## Summary",
        "",
        "Medians over rounds. Throughput at each scenario's headline connection count (every count is in the "
        "sections below); server CPU µs per request; p99 latency at fixed rates (open loop). "
        "✗ invalid (errors), ⚠ client-bound (a floor for the server), † target rate not reached, "
        "‡ CPU stolen by the hypervisor in at least one round.",
        "",
        *_table(["server", *table.columns], rows),
        "",
    ]


def _pct(stat: dict | None) -> str:
    return "–" if not stat else f"{100 * stat['median']:.0f} %"


def _m(stat: dict | None) -> float | None:
    return stat["median"] if stat else None


def _cpus(cpus: list[int]) -> str:
    return ",".join(str(c) for c in cpus)
