"""The test-results recorder keeps rows of tests a partial run did not touch, and stamps each row with
the commit it ran against, so the readiness matrix never passes a mix of runs for one run."""

from __future__ import annotations

import json

from tests.support import results


def _recorder(rows: list[tuple[str, str, str, str]]) -> results.ResultRecorder:
    rec = results.ResultRecorder()
    for server, suite, test, outcome in rows:
        row = {"server": server, "suite": suite, "test": test, "outcome": outcome, "seconds": 1.0}
        rec.rows[f"{suite}/{server}/{test}"] = row
    return rec


def test_partial_run_replaces_only_its_rows(tmp_path, monkeypatch):
    path = tmp_path / "hostile.json"
    monkeypatch.setenv(results.RESULTS_ENV, str(path))
    commits = iter(["aaa", "bbb"])
    monkeypatch.setattr(results.gitinfo, "label", lambda: next(commits))

    first = [("demo", "hostile", "test_a", "failed"), ("demo", "hostile", "test_b", "passed")]
    _recorder([*first, ("demo", "conformance", "test_c", "passed")]).pytest_sessionfinish(None)
    _recorder([("demo", "hostile", "test_a", "passed")]).pytest_sessionfinish(None)

    entry = json.loads(path.read_text())["servers"]["demo"]
    hostile = {r["test"]: (r["outcome"], r["commit"]) for r in entry["suites"]["hostile"]}
    assert hostile == {"test_a": ("passed", "bbb"), "test_b": ("passed", "aaa")}
    assert [r["commit"] for r in entry["suites"]["conformance"]] == ["aaa"]
    assert entry["commit"] == "bbb"
    assert entry["seconds"] == {"hostile": 2.0, "conformance": 1.0}


def test_session_without_server_tests_writes_nothing(tmp_path, monkeypatch):
    path = tmp_path / "hostile.json"
    monkeypatch.setenv(results.RESULTS_ENV, str(path))
    results.ResultRecorder().pytest_sessionfinish(None)
    assert not path.exists()
