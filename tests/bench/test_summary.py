"""The summary table: one row per server with the headline numbers, flags carried over from the cells."""

from __future__ import annotations

from harness.bench import plan, runner, stats
from harness.bench.report import html, markdown, model

from .test_stats import record


def latency_record(server: str, p99: float, achieved: float, rate: int = 5000) -> dict:
    run = plan.Run(server, plan.Cell("json-latency", "latency", 64, rate), 1)
    rec = runner.empty_record(run, "oha")
    rec["latency_ms"] = {"p50": 1.0, "p90": 2.0, "p99": p99, "p99.9": p99 * 2, "max": p99 * 3}
    return runner.fill(
        rec,
        duration_s=10.0,
        requests=int(achieved * 10),
        transfer=1000,
        errors={},
        server_cpu_s=1.0,
        client_cpu_s=1.0,
        client_wall_s=10.0,
        client_cpus=1,
    )


def doc() -> dict:
    runs = [
        record("baseline", 300.0, client_cpu=0.95),
        record("fast", 200.0),
        record("broken", 900.0, errors={"read": 3}),
        record("fast", 50.0, scenario="json", conns=256),
        latency_record("fast", 1.5, 5000),
        latency_record("slow", 900.0, 3000),
    ]
    contenders = {"baseline": False, "fast": True, "broken": True, "slow": True}
    cells = [
        plan.Cell("plaintext", "throughput", 64).to_json(),
        plan.Cell("json", "throughput", 256).to_json(),
        plan.Cell("json-latency", "latency", 64, 5000).to_json(),
    ]
    return {
        "run_id": "t",
        "plan": {"servers": list(contenders), "cells": cells, "scenarios": {}},
        "aggregates": stats.aggregate(runs, contenders),
        "runs": runs,
        "failures": [],
    }


def test_summary_rows_columns_and_marks():
    table = model.summary(model.build(doc()))
    assert table.columns == ["plaintext @64 req/s", "json @256 req/s", "µs CPU/req (json @256)", "p99 ms @5k/s"]
    rows = {server: (contender, [(c.text, c.marks) for c in cells]) for server, contender, cells in table.rows}
    # Ranked contenders first, the invalid one after them, calibration last; servers absent from a cell show "–".
    assert [server for server, _, _ in table.rows] == ["fast", "broken", "slow", "baseline"]
    assert rows["fast"] == (True, [("200", []), ("50", []), ("10,000", []), ("1.50", [])])
    assert rows["broken"][1][0] == ("900", ["invalid"])
    assert rows["slow"][1] == [("–", []), ("–", []), ("–", []), ("900", ["rate not reached"])]
    assert rows["baseline"] == (False, [("300", ["client-bound"]), ("–", []), ("–", []), ("–", [])])


def test_summary_in_both_reports():
    view = model.build(doc())
    md = markdown._summary(view)
    assert "| `broken` | 900 ✗ | – | – | – |" in md
    assert "| `baseline` (calibration) | 300 ⚠ | – | – | – |" in md
    page = html._summary_table(view)
    assert 'id="summary"' in page and '<td class="bad" title="invalid">900 ✗</td>' in page
