"""The production-readiness matrix: which stacks can face the internet.

One row per server: conformance core (passed/total), hardening (hostile-suite
cases passed/total), declared deviations with their reasons, the soak result,
and the documented header/idle/body timeouts and body limit.

Inputs, all optional (a missing one shows as "not run"):
- the manifests (`harness.registry`): limits and deviations;
- the test results JSON written by the plugin in tests/hostile/conftest.py:
  `$ARENA_HOSTILE_RESULTS` or `results/hostile.json`, shaped
  `{"servers": {NAME: {"suites": {"hostile"|"conformance": [{"test", "outcome",
  "seconds", "commit"?, "deviation"?, "message"?}]}, "seconds": {suite: s},
  "commit"?, "recorded"?}}}`; the "tested at" column names the commit(s) the
  rows were recorded at, so rows merged from runs of different commits show;
- the soak JSON written by `harness.soak` (`results/soak-*/soak.json`, the
  newest record per server), shaped `{"servers": {NAME: {"passed", "failures",
  "config": {"duration_s"}, "wrk": {"requests"}, ...}}}`.

API: `collect(...) -> list[Row]`, `render_markdown(rows) -> str`,
`render_html(rows) -> str`; `python -m harness readiness` prints the markdown.
"""

from __future__ import annotations

import html
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from . import registry, soak
from .limits import describe
from .manifest import ServerSpec
from .paths import ROOT

HOSTILE_RESULTS_ENV = "ARENA_HOSTILE_RESULTS"


def hostile_results_path() -> Path:
    return Path(os.environ.get(HOSTILE_RESULTS_ENV) or ROOT / "results" / "hostile.json")


@dataclass
class SuiteScore:
    passed: int = 0
    total: int = 0
    deviations: int = 0
    failed: list[str] = field(default_factory=list)
    seconds: float | None = None

    @classmethod
    def of(cls, rows: list[dict] | None, seconds: float | None = None) -> SuiteScore | None:
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

    def text(self) -> str:
        out = f"{self.passed}/{self.total}"
        if self.deviations:
            out += f" ({self.deviations} deviation{'s' * (self.deviations > 1)})"
        if self.failed:
            out += f", {len(self.failed)} FAILED"
        return out


@dataclass
class Row:
    server: str
    conformance: SuiteScore | None
    hardening: SuiteScore | None
    deviations: dict[str, str]
    soak: dict | None
    header_timeout: str
    idle_timeout: str
    body_timeout: str
    body_limit: str
    tested_at: str = "not run"

    @property
    def verdict(self) -> str:
        """ready: every case passed and the soak too; ready with caveats: only
        conformance deviations; behind a proxy: declared hardening gaps (a
        fronting proxy must enforce what the stack does not); not ready: an
        undeclared failure or a failed soak; incomplete: a part not run."""
        parts = (self.conformance, self.hardening, self.soak)
        if any(p is None for p in parts):
            return "incomplete"
        if self.conformance.failed or self.hardening.failed or not self.soak.get("passed"):
            return "not ready"
        if self.hardening.deviations:
            return "behind a proxy"
        if self.conformance.deviations:
            return "ready with caveats"
        return "ready"

    def soak_text(self) -> str:
        if self.soak is None:
            return "not run"
        duration = (self.soak.get("config") or {}).get("duration_s")
        requests = (self.soak.get("wrk") or {}).get("requests")
        head = "pass" if self.soak.get("passed") else "FAIL: " + "; ".join(self.soak.get("failures", []))
        detail = ", ".join(x for x in (f"{duration:g} s" if duration else "", f"{requests:,} req" if requests else "") if x)
        return f"{head} ({detail})" if detail else head


def _load_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def tested_at(entry: dict) -> str:
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
    specs: list[ServerSpec] | None = None, hostile_path: Path | None = None, soak_records: dict[str, dict] | None = None
) -> list[Row]:
    if specs is None:
        specs = registry.select(registry.discover(), None, contenders_only=True)
    tests = _load_json(hostile_path or hostile_results_path()).get("servers", {})
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
                deviations=dict(spec.deviations),
                soak=soak_records.get(spec.name),
                header_timeout=describe(spec, "header_read_timeout_s"),
                idle_timeout=describe(spec, "idle_timeout_s"),
                body_timeout=describe(spec, "body_read_timeout_s"),
                body_limit=describe(spec, "body_limit_bytes"),
                tested_at=tested_at(entry),
            )
        )
    return rows


COLUMNS = (
    "server",
    "verdict",
    "conformance core",
    "hardening",
    "soak",
    "header timeout",
    "idle timeout",
    "body timeout",
    "body limit",
    "deviations",
    "tested at",
)


def _cells(row: Row) -> list[str]:
    return [
        row.server,
        row.verdict,
        row.conformance.text() if row.conformance else "not run",
        row.hardening.text() if row.hardening else "not run",
        row.soak_text(),
        row.header_timeout,
        row.idle_timeout,
        row.body_timeout,
        row.body_limit,
        str(len(row.deviations)),
        row.tested_at,
    ]


def render_markdown(rows: list[Row] | None = None, *, heading: bool = False) -> str:
    """The matrix; `heading` adds its own title (the bench report titles its sections itself)."""
    rows = collect() if rows is None else rows
    esc = lambda s: s.replace("|", "\\|")  # noqa: E731
    out = ["## Production readiness", ""] if heading else []
    out += ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    out += ["| " + " | ".join(esc(c) for c in _cells(r)) + " |" for r in rows]
    failing = [(r.server, s) for r in rows for s in (r.conformance, r.hardening) if s and s.failed]
    if failing:
        out += ["", "### Failing cases", ""]
        out += [f"- **{name}**: {', '.join(f'`{t}`' for t in score.failed)}" for name, score in failing]
    if any(r.deviations for r in rows):
        out += ["", "### Declared deviations", ""]
        for r in rows:
            for test, reason in r.deviations.items():
                out.append(f"- **{r.server}** `{test}`: {reason}")
    return "\n".join(out) + "\n"


def render_html(rows: list[Row] | None = None, *, heading: bool = False) -> str:
    rows = collect() if rows is None else rows
    e = html.escape
    head = "".join(f"<th>{e(c)}</th>" for c in COLUMNS)
    body = "".join(
        f'<tr class="{e(r.verdict.replace(" ", "-"))}">' + "".join(f"<td>{e(c)}</td>" for c in _cells(r)) + "</tr>" for r in rows
    )
    devs = "".join(
        f"<li><b>{e(r.server)}</b> <code>{e(t)}</code>: {e(reason)}</li>" for r in rows for t, reason in r.deviations.items()
    )
    return (
        '<section id="readiness">'
        + ("<h2>Production readiness</h2>" if heading else "")
        + f'<table class="readiness"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
        + (f"<h3>Declared deviations</h3><ul>{devs}</ul>" if devs else "")
        + "</section>\n"
    )


def add_parser(sub) -> None:
    p = sub.add_parser("readiness", help="print the production-readiness matrix from the latest results")
    p.add_argument("names", nargs="*", help="servers (default: every contender)")
    p.add_argument("--html", action="store_true", help="HTML instead of markdown")
    p.add_argument(
        "--hostile", type=Path, default=None, help=f"test results JSON (default ${HOSTILE_RESULTS_ENV} or results/hostile.json)"
    )
    p.set_defaults(func=cmd_readiness)


def cmd_readiness(args) -> int:
    specs = registry.select(registry.discover(), args.names, contenders_only=not args.names)
    rows = collect(specs, hostile_path=args.hostile)
    print(render_html(rows, heading=True) if args.html else render_markdown(rows, heading=True), end="")
    return 0
