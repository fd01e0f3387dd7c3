"""The production-readiness matrix as markdown and as an HTML fragment."""

from __future__ import annotations

import html

from .data import Row

TITLE = "Production-readiness matrix"


COLUMNS = (
    "server",
    "verdict",
    "conformance core",
    "hardening",
    "smuggling-safe",
    "soak",
    "database",
    "database fault",
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
        row.smuggling_text(),
        row.soak_text(),
        row.database_text(),
        row.database_fault_text(),
        row.header_timeout,
        row.idle_timeout,
        row.body_timeout,
        row.body_limit,
        str(len(row.deviations)),
        row.tested_at,
    ]


def _escape_pipes(cell: str) -> str:
    return cell.replace("|", "\\|")


def render_markdown(rows: list[Row], *, heading: bool = False) -> str:
    """The matrix; `heading` adds its own title (the bench report titles its sections itself)."""
    out = ["## Production readiness", ""] if heading else []
    out += ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    out += ["| " + " | ".join(_escape_pipes(c) for c in _cells(r)) + " |" for r in rows]
    failing = [(r.server, s) for r in rows for s in (r.conformance, r.hardening, r.database, r.database_fault) if s and s.failed]
    if failing:
        out += ["", "### Failing cases", ""]
        out += [f"- **{name}**: {', '.join(f'`{t}`' for t in score.failed)}" for name, score in failing]
    if any(r.deviations for r in rows):
        out += ["", "### Declared deviations", ""]
        for r in rows:
            for test, reason in r.deviations.items():
                out.append(f"- **{r.server}** `{test}`: {reason}")
    return "\n".join(out) + "\n"


def render_html(rows: list[Row], *, heading: bool = False) -> str:
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
