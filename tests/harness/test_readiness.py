"""Readiness matrix, soak verdicts and limit defaults, from hand-made inputs."""

from __future__ import annotations

import json
from pathlib import Path

from harness import limits, readiness, soak
from harness.manifest import load_manifest

from .test_manifest import VALID, write


def spec(tmp_path: Path, extra: str = ""):
    return load_manifest(write(tmp_path, VALID.replace("[deviations]", extra + "\n[deviations]")))[0]


def test_limits_default_cap_and_describe(tmp_path):
    s = spec(
        tmp_path,
        '[limits]\nheader_read_timeout_s = { value = 600, reason = "slow" }\n'
        'body_read_timeout_s = { value = "none", reason = "no timer" }',
    )
    assert limits.effective(s, "header_read_timeout_s") == limits.LIMITS["header_read_timeout_s"].cap
    assert limits.effective(s, "idle_timeout_s") == limits.LIMITS["idle_timeout_s"].default
    assert limits.describe(s, "body_limit_bytes") == "1 MiB"
    assert limits.describe(s, "body_read_timeout_s") == "none"


def _record(**over) -> dict:
    rec = {
        "server": "demo",
        "samples": [{"t": float(t), "rss": 10 << 20, "fds": 40} for t in range(1, 31)],
        "fds_before": 10,
        "fds_after": 11,
        "server_died": False,
        "wrk": {"requests": 1000, "connect_errors": 0, "read_errors": 0, "write_errors": 0, "non_2xx": 0, "timeouts": 0},
    }
    rec.update(over)
    return rec


def test_soak_judge_passes_steady_run():
    assert soak.judge(_record(), soak.SoakConfig(duration_s=30))["passed"]


def test_soak_judge_fails_errors_growth_and_leaks():
    cfg = soak.SoakConfig(duration_s=30)
    rec = _record(fds_after=30)
    rec["wrk"]["non_2xx"] = 3
    rec["samples"][-1]["rss"] = 200 << 20
    failures = soak.judge(rec, cfg)["failures"]
    assert len(failures) == 3, failures
    assert not soak.judge(_record(server_died=True), cfg)["passed"]


DATABASE = '[database]\nclient = "c"\ntemplate = "t"\npipelining = false\nbatched_updates = false\n'


def _suites(**extra) -> dict:
    """Every suite passed, hostile with one declared deviation; `extra` replaces suites."""
    passed = lambda test: {"test": test, "outcome": "passed", "seconds": 1}  # noqa: E731
    return {
        "hostile": [passed("test_a[x]"), {"test": "test_x", "outcome": "xfailed", "seconds": 1}],
        "conformance": [passed("test_c")],
        "database": [passed("test_db_is_random"), passed("test_fortunes_document")],
        "database-fault": [passed("test_database_fault_cycle")],
    } | extra


def test_matrix_from_results(tmp_path):
    s = spec(tmp_path, '[limits]\nheader_read_timeout_s = { value = 5, reason = "short" }\n' + DATABASE)
    results = tmp_path / "hostile.json"
    results.write_text(
        json.dumps(
            {
                "servers": {
                    "demo": {
                        "suites": _suites(),
                        "recorded": "2026-11-23T22:09:00",
                    }
                }
            }
        )
    )
    rows = readiness.collect(
        [s], hostile_path=results, soak_records={"demo": {"passed": True, "config": {"duration_s": 30}, "wrk": {"requests": 5}}}
    )
    assert rows[0].verdict == "behind a proxy"
    md = readiness.render_markdown(rows)
    cells = "| demo | behind a proxy | 1/1 | 1/2 (1 deviation) | not run | pass (30 s, 5 req) |"
    assert cells + " 2/2 | pass (503 within 2000 ms) | 5 s |" in md
    assert "`test_x`: cannot do x" in md
    assert "| 1 | recorded 2026-11-23T22:09:00 |" in md
    assert "<td>behind a proxy</td>" in readiness.render_html(rows)
    assert readiness.collect([s], hostile_path=tmp_path / "missing.json", soak_records={})[0].verdict == "incomplete"


def test_tested_at_names_the_commits_rows_came_from():
    row = lambda test, commit=None: {"test": test, "outcome": "passed", "seconds": 0} | ({"commit": commit} if commit else {})  # noqa: E731
    assert readiness.tested_at({}) == "not run"
    assert readiness.tested_at({"suites": {"hostile": [row("a", "abc"), row("b", "abc")]}}) == "abc"
    mixed = {"suites": {"hostile": [row("a", "abc")], "conformance": [row("c", "def"), row("d")]}}
    assert readiness.tested_at(mixed) == "mixed: abc, def, unrecorded"
    assert readiness.tested_at({"suites": {"hostile": [row("a")]}}) == "unrecorded"


def test_heading_only_when_standalone(tmp_path):
    rows = readiness.collect([spec(tmp_path)], hostile_path=tmp_path / "missing.json", soak_records={})
    assert not readiness.render_markdown(rows).startswith("## ")
    assert readiness.render_markdown(rows, heading=True).startswith("## Production readiness")
    assert "<h2>" not in readiness.render_html(rows) and "<h2>" in readiness.render_html(rows, heading=True)


def _rows(tmp_path, manifest_extra: str, suites: dict) -> list:
    results = tmp_path / "results.json"
    results.write_text(json.dumps({"servers": {"demo": {"suites": suites}}}))
    soak_ok = {"demo": {"passed": True}}
    return readiness.collect([spec(tmp_path, manifest_extra)], hostile_path=results, soak_records=soak_ok)


def test_database_rows_decide_the_verdict(tmp_path):
    (served,) = _rows(tmp_path, DATABASE, _suites(hostile=[{"test": "test_a", "outcome": "passed", "seconds": 1}]))
    assert served.verdict == "ready"
    assert (served.database_text(), served.database_fault_text()) == ("2/2", "pass (503 within 2000 ms)")

    fault = [{"test": "test_database_fault_cycle", "outcome": "failed", "seconds": 9, "message": "step 'frozen'"}]
    (broken,) = _rows(tmp_path, DATABASE, _suites(**{"database-fault": fault}))
    assert broken.verdict == "not ready" and broken.database_fault_text() == "FAIL"
    assert "- **demo**: `test_database_fault_cycle`" in readiness.render_markdown([broken])

    declared = [{"test": "test_db_is_random", "outcome": "xfailed", "seconds": 1}]
    hostile_clean = [{"test": "test_a", "outcome": "passed", "seconds": 1}]
    (caveat,) = _rows(tmp_path, DATABASE, _suites(hostile=hostile_clean, database=declared))
    assert caveat.verdict == "ready with caveats" and caveat.database_text() == "0/1 (1 deviation)"


def test_database_not_served_or_not_run_is_incomplete(tmp_path):
    (absent,) = _rows(tmp_path, "", _suites())
    assert absent.verdict == "incomplete"
    assert (absent.database_text(), absent.database_fault_text()) == ("not served", "not served")

    skipped = [{"test": "test_database_fault_cycle", "outcome": "skipped", "seconds": 0}]
    (no_postgres,) = _rows(tmp_path, DATABASE, _suites(**{"database-fault": skipped}))
    assert no_postgres.verdict == "incomplete" and no_postgres.database_fault_text() == "skipped"

    suites = _suites()
    del suites["database"]
    (half,) = _rows(tmp_path, DATABASE, suites)
    assert half.verdict == "incomplete" and half.database_text() == "not run"


def test_snapshot_from_before_the_database_rows_loads(tmp_path):
    (row,) = _rows(tmp_path, DATABASE, _suites())
    path = readiness.dump([row], tmp_path / "readiness.json")
    assert readiness.load(path)[0] == row
    doc = json.loads(path.read_text())
    for key in ("serves_database", "database", "database_fault", "db_timeout"):
        del doc["rows"][0][key]
    path.write_text(json.dumps(doc))
    old = readiness.load(path)[0]
    assert old.database is None and old.database_text() == "not served" and old.verdict == "incomplete"
