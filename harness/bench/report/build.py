"""Writes report.md, report.html, charts/*.png and a screenshot into a run directory."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ... import readiness
from .. import agreement, results, stats
from . import charts, html, markdown, model, screenshot

# The readiness matrix the bench showed when it ran (harness.readiness.dump), kept beside results.json.
READINESS_NAME = "readiness.json"


@dataclass
class ReportFiles:
    markdown: Path
    html: Path
    charts: list[Path]
    screenshot: Path | None


def readiness_sections(run_dir: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The run's own readiness snapshot as a markdown and an HTML section; none when the run kept none."""
    rows = readiness.load(run_dir / READINESS_NAME)
    if rows is None:
        return [], []
    return [(readiness.TITLE, readiness.render_markdown(rows))], [(readiness.TITLE, readiness.render_html(rows))]


def load(run_dir: Path) -> results.RunDocument:
    """A saved run with its aggregates recomputed from its runs, so a rebuilt report applies the
    current statistics and flags rather than those of the harness that ran it."""
    doc = results.load(run_dir)
    contenders = {s["name"]: s["contender"] for s in doc["servers"]}
    doc["aggregates"] = stats.aggregate(doc["runs"], contenders, references=results.reference_names(doc))
    return doc


def build(run_dir: Path, *, compare_dir: Path | None = None, take_screenshot: bool = True) -> ReportFiles:
    doc = load(run_dir)
    view = model.build(doc)
    compare_rows: list[model.Comparison] | None = None
    compare_id: str | None = None
    agree_md = agree_html = None
    if compare_dir is not None:
        other = load(compare_dir)
        compare_rows, compare_id = model.compare(doc, other), other["run_id"]
        agreed = agreement.compare(doc, other)
        agree_md, agree_html = agreement.render_markdown(agreed, level=3), agreement.render_html(agreed)
    drawn = charts.draw_all(view, run_dir / "charts")
    md_extra, html_extra = readiness_sections(run_dir)
    md_path = run_dir / "report.md"
    md_path.write_text(
        markdown.render(view, compare_rows=compare_rows, compare_id=compare_id, extra=md_extra, agreement_md=agree_md)
    )
    html_path = run_dir / "report.html"
    html_path.write_text(
        html.render(
            view, drawn, compare_rows=compare_rows, compare_id=compare_id, extra_html=html_extra, agreement_html=agree_html
        )
    )
    # Tall enough for the whole page: roughly one chart-and-table block per chart.
    height = min(16000, 1200 + 450 * len(drawn) + 40 * len(doc["aggregates"]))
    shot = screenshot.take(html_path, run_dir / "report-screenshot.png", height=height) if take_screenshot else None
    return ReportFiles(md_path, html_path, [c.png for c in drawn], shot)
