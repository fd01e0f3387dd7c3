"""A pytest plugin that records each server's test outcomes for the readiness
matrix (`harness.readiness`): `$ARENA_HOSTILE_RESULTS` or `results/hostile.json`.

Per server and suite (hostile, conformance, and the database endpoints' two modules:
database, database-fault), one row per test: its deviation
key (`test_x[case]`), outcome (passed, failed, xfailed = a declared deviation,
xpassed, skipped, error), seconds, the deviation reason or failure message,
and the commit it ran against (`harness.gitinfo.label()`). A run that covers
only some tests replaces just those rows and keeps every other row, with the
commit that row was recorded at, so the matrix can say when its rows come
from different sources.
"""

from __future__ import annotations

import json
import time

import pytest

from harness import gitinfo
from harness.paths import TEST_RESULTS_ENV as RESULTS_ENV  # noqa: F401  (the tests set it)
from harness.paths import test_results_path as results_path

# Suite by test path, the first prefix that matches: the database modules before the rest of
# conformance, so "conformance core" stays the HTTP contract and the matrix shows them apart.
SUITES = {
    "database-fault": "tests/conformance/test_database_fault.py",
    "database": "tests/conformance/test_database.py",
    "hostile": "tests/hostile/",
    "conformance": "tests/conformance/",
}


class ResultRecorder:
    """Final outcome per test and server: passed, failed, xfailed (a declared
    deviation), xpassed, skipped or error, with durations."""

    def __init__(self) -> None:
        self.rows: dict[str, dict] = {}
        self.started = time.time()

    @staticmethod
    def _where(item_or_report) -> tuple[str, str, str] | None:
        nodeid = item_or_report.nodeid
        suite = next((name for name, prefix in SUITES.items() if nodeid.startswith(prefix)), None)
        if suite is None or "[" not in nodeid:
            return None
        return suite, nodeid, nodeid.split("::")[-1]

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        spec = getattr(item, "callspec", None) and item.callspec.params.get("server_spec")
        if spec is None or self._where(report) is None:
            return
        from tests.conftest import deviation_keys

        key = deviation_keys(item, spec.name)[-1]
        row = self.rows.setdefault(
            report.nodeid,
            {"server": spec.name, "suite": self._where(report)[0], "test": key, "outcome": "passed", "seconds": 0.0},
        )
        row["seconds"] = round(row["seconds"] + report.duration, 3)
        if report.when == "call" or report.outcome != "passed":
            row["outcome"] = _outcome(report)
            if hasattr(report, "wasxfail"):
                row["deviation"] = spec.deviations.get(
                    next((k for k in deviation_keys(item, spec.name) if k in spec.deviations), ""), ""
                )
            if report.failed:
                row["message"] = _short(report)

    def pytest_sessionfinish(self, session) -> None:
        if not self.rows:
            return
        path = results_path()
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            data = {}
        servers = data.setdefault("servers", {})
        commit = gitinfo.label()
        recorded = time.strftime("%Y-%m-%dT%H:%M:%S")
        for row in self.rows.values():
            entry = servers.setdefault(row["server"], {})
            entry.update(recorded=recorded, commit=commit)
            suite = entry.setdefault("suites", {}).setdefault(row["suite"], [])
            fresh = {k: v for k, v in row.items() if k not in ("server", "suite")} | {"commit": commit}
            at = next((i for i, old in enumerate(suite) if old["test"] == row["test"]), None)
            if at is None:
                suite.append(fresh)
            else:
                suite[at] = fresh
        for entry in servers.values():
            entry["seconds"] = {name: round(sum(r["seconds"] for r in rows), 1) for name, rows in entry.get("suites", {}).items()}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=2) + "\n")


def _outcome(report) -> str:
    if hasattr(report, "wasxfail"):
        return "xfailed" if report.skipped else "xpassed"
    if report.when != "call" and report.failed:
        return "error"
    return report.outcome


def _short(report) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    text = crash.message if crash is not None else str(report.longrepr)
    return text[:400]
