"""The production-readiness matrix's data: which stacks can face the internet.

One row per server: conformance core (passed/total), hardening (hostile-suite
cases passed/total), smuggling-safe (every request-smuggling case passed, no
deviation), declared deviations with their reasons, the soak result, the
database endpoints (tests/conformance/test_database.py: passed/total) and the
database fault cycle (tests/conformance/test_database_fault.py: 503 within the
server's db_timeout_ms plus a margin, no crash, recovery, no leaked
descriptors), and the header/idle/body timeouts and body limit
(harness/limits.py). A server without a `[database]` table does not serve the
database endpoints: "not served", and its verdict is incomplete.

Inputs, all optional (a missing one shows as "not run"):
- the manifests (`harness.registry`): limits and deviations;
- the test results JSON written by the plugin in tests/hostile/conftest.py:
  `harness.paths.test_results_path()`, shaped
  `{"servers": {NAME: {"suites": {"hostile"|"conformance"|"database"|"database-fault": [{"test", "outcome",
  "seconds", "commit"?, "deviation"?, "message"?}]}, "seconds": {suite: s},
  "commit"?, "recorded"?}}}`; the "tested at" column names the commit(s) the
  rows were recorded at, so rows merged from runs of different commits show;
- the soak JSON written by `harness.soak` (`results/soak-*/soak.json`, the
  newest record per server), shaped `{"servers": {NAME: {"passed", "failures",
  "config": {"duration_s"}, "wrk": {"requests"}, ...}}}`.

`collect(...)` reads those inputs into `Row`s; `dump`/`load` write and read a
snapshot of them (the bench stores one in each run directory, so a rebuilt
report shows the readiness of its run, not of today). Rendering is in
`render.py`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .. import registry, soak
from ..limits import describe
from ..manifest import ServerSpec
from ..paths import test_results_path

# Hostile-suite tests whose every case must pass for a server to be smuggling-safe.
SMUGGLING_TESTS = ("test_smuggling",)


@dataclass
class SuiteScore:
    passed: int = 0
    total: int = 0
    deviations: int = 0
    failed: list[str] = field(default_factory=list)
    seconds: float | None = None

    @classmethod
    def of(cls, rows: list[dict[str, Any]] | None, seconds: float | None = None) -> SuiteScore | None:
        if not rows:
            return None
        score = cls(total=len(rows), seconds=seconds)
        for r in rows:
            if r["outcome"] == "passed":
                score.passed += 1
            # xpassed: an intermittent deviation that did not show this run; still declared.
            elif r["outcome"] in ("xfailed", "xpassed"):
                score.deviations += 1
            elif r["outcome"] != "skipped":
                score.failed.append(r["test"])
        return score

    @property
    def ran(self) -> bool:
        """Some case ran (not every one skipped, as where the session had no PostgreSQL)."""
        return bool(self.passed or self.deviations or self.failed)

    def text(self) -> str:
        out = f"{self.passed}/{self.total}"
        if self.deviations:
            out += f" ({self.deviations} deviation{'s' * (self.deviations > 1)})"
        if self.failed:
            out += f", {len(self.failed)} FAILED"
        return out


def _is_smuggling(test: str) -> bool:
    return test.split("[", 1)[0] in SMUGGLING_TESTS


@dataclass
class Row:
    server: str
    conformance: SuiteScore | None
    hardening: SuiteScore | None
    smuggling: SuiteScore | None
    deviations: dict[str, str]
    soak: dict[str, Any] | None
    header_timeout: str
    idle_timeout: str
    body_timeout: str
    body_limit: str
    tested_at: str = "not run"
    # Snapshots from before the database rows load with these defaults.
    serves_database: bool = False
    database: SuiteScore | None = None
    database_fault: SuiteScore | None = None
    db_timeout: str = ""

    @property
    def verdict(self) -> str:
        """ready: every case passed and the soak too; ready with caveats: only
        conformance or database deviations; behind a proxy: declared hardening
        gaps (a fronting proxy must enforce what the stack does not); not ready:
        an undeclared failure or a failed soak; incomplete: a part not run (the
        database endpoints not served included)."""
        if self.conformance is None or self.hardening is None or self.soak is None:
            return "incomplete"
        parts = (self.conformance, self.hardening, self.database, self.database_fault)
        if any(p is not None and p.failed for p in parts) or not self.soak.get("passed"):
            return "not ready"
        if not self.serves_database or not all(p is not None and p.ran for p in (self.database, self.database_fault)):
            return "incomplete"
        if self.hardening.deviations:
            return "behind a proxy"
        if any(p is not None and p.deviations for p in (self.conformance, self.database, self.database_fault)):
            return "ready with caveats"
        return "ready"

    def database_text(self) -> str:
        return self._database_cell(self.database, lambda s: s.text())

    def database_fault_text(self) -> str:
        """pass: 503 within the server's db_timeout_ms (plus the test's margin) with PostgreSQL
        stopped and frozen, no crash, recovery, no leaked descriptors."""

        def cell(s: SuiteScore) -> str:
            if s.failed:
                return "FAIL"
            return f"pass (503 within {self.db_timeout})" if not s.deviations else "deviation"

        return self._database_cell(self.database_fault, cell)

    def _database_cell(self, score: SuiteScore | None, text: Callable[[SuiteScore], str]) -> str:
        if not self.serves_database:
            return "not served"
        if score is None:
            return "not run"
        return text(score) if score.ran else "skipped"

    def smuggling_text(self) -> str:
        """yes: no hidden request answered and none swallowed on any case; else how many cases
        failed or are declared (such a server needs a proxy that normalizes framing)."""
        s = self.smuggling
        if s is None:
            return "not run"
        unsafe = s.deviations + len(s.failed)
        return "yes" if not unsafe else f"no ({unsafe} of {s.total} cases)"

    def soak_text(self) -> str:
        if self.soak is None:
            return "not run"
        duration = (self.soak.get("config") or {}).get("duration_s")
        requests = (self.soak.get("wrk") or {}).get("requests")
        head = "pass" if self.soak.get("passed") else "FAIL: " + "; ".join(self.soak.get("failures", []))
        detail = ", ".join(x for x in (f"{duration:g} s" if duration else "", f"{requests:,} req" if requests else "") if x)
        return f"{head} ({detail})" if detail else head


def _load_json(path: Path) -> dict[str, Any]:
    try:
        doc: dict[str, Any] = json.loads(path.read_text())
        return doc
    except (OSError, ValueError):
        return {}


def tested_at(entry: dict[str, Any]) -> str:
    """The commit(s) a server's rows were recorded at. Rows from before commits were recorded
    fall back to the entry's recording time, so an undated matrix never passes for a current one."""
    rows = [r for rows in entry.get("suites", {}).values() for r in rows]
    if not rows:
        return "not run"
    commits = sorted({r.get("commit") or entry.get("commit") or "" for r in rows})
    if commits == [""]:
        return f"recorded {entry['recorded']}" if entry.get("recorded") else "unrecorded"
    named = sorted(c or "unrecorded" for c in commits)
    return named[0] if len(named) == 1 else "mixed: " + ", ".join(named)


def collect(
    specs: list[ServerSpec] | None = None,
    hostile_path: Path | None = None,
    soak_records: dict[str, dict[str, Any]] | None = None,
) -> list[Row]:
    if specs is None:
        specs = registry.select(registry.discover(), None, contenders_only=True)
    tests = _load_json(hostile_path or test_results_path()).get("servers", {})
    if soak_records is None:
        soak_records = soak.load_latest()
    rows = []
    for spec in specs:
        entry = tests.get(spec.name, {})
        suites, seconds = entry.get("suites", {}), entry.get("seconds", {})
        rows.append(
            Row(
                server=spec.name,
                conformance=SuiteScore.of(suites.get("conformance"), seconds.get("conformance")),
                hardening=SuiteScore.of(suites.get("hostile"), seconds.get("hostile")),
                smuggling=SuiteScore.of([r for r in suites.get("hostile", []) if _is_smuggling(r["test"])]),
                deviations=dict(spec.deviations),
                soak=soak_records.get(spec.name),
                header_timeout=describe(spec, "header_read_timeout_s"),
                idle_timeout=describe(spec, "idle_timeout_s"),
                body_timeout=describe(spec, "body_read_timeout_s"),
                body_limit=describe(spec, "body_limit_bytes"),
                tested_at=tested_at(entry),
                serves_database=spec.database is not None,
                database=SuiteScore.of(suites.get("database"), seconds.get("database")),
                database_fault=SuiteScore.of(suites.get("database-fault"), seconds.get("database-fault")),
                db_timeout=describe(spec, "db_timeout_ms"),
            )
        )
    return rows


def dump(rows: list[Row], path: Path) -> Path:
    """A snapshot of the matrix as it was shown, for a run directory."""
    path.write_text(json.dumps({"rows": [asdict(r) for r in rows]}, indent=1) + "\n")
    return path


def load(path: Path) -> list[Row] | None:
    """The snapshot at `path`; None when the run recorded none."""
    doc = _load_json(path)
    if "rows" not in doc:
        return None
    return [_row(r) for r in doc["rows"]]


def _row(d: dict[str, Any]) -> Row:
    keys = ("conformance", "hardening", "smuggling", "database", "database_fault")
    scores = {k: SuiteScore(**d[k]) if d.get(k) else None for k in keys}
    return Row(**{**d, **scores})
