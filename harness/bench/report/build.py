"""Writes report.md, report.html, charts/*.png and a screenshot into a run directory."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

from .. import results, stats
from . import charts, html, markdown, model, screenshot


@dataclass
class ReportFiles:
    markdown: Path
    html: Path
    charts: list[Path]
    screenshot: Path | None


# ---------------------------------------------------------------------------------------------
# EXTRA SECTIONS HOOK. A module listed here that exists is asked for a section appended to both
# reports: it provides `render_markdown() -> str` and `render_html() -> str` (an HTML fragment),
# and optionally `TITLE`. Absent modules are skipped silently, so the report never depends on them.
EXTRA_SECTIONS = (("harness.readiness", "Production-readiness matrix"),)
# ---------------------------------------------------------------------------------------------


def extra_sections() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    md, htm = [], []
    for module_name, default_title in EXTRA_SECTIONS:
        try:
            mod = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                continue
            raise
        title = getattr(mod, "TITLE", default_title)
        if hasattr(mod, "render_markdown"):
            md.append((title, mod.render_markdown()))
        if hasattr(mod, "render_html"):
            htm.append((title, mod.render_html()))
    return md, htm


def load(run_dir: Path) -> dict:
    """A saved run with its aggregates recomputed from its runs, so a rebuilt report applies the
    current statistics and flags rather than those of the harness that ran it."""
    doc = results.load(run_dir)
    contenders = {s["name"]: s["contender"] for s in doc["servers"]}
    return {**doc, "aggregates": stats.aggregate(doc["runs"], contenders)}


def build(run_dir: Path, *, compare_dir: Path | None = None, take_screenshot: bool = True) -> ReportFiles:
    doc = load(run_dir)
    view = model.build(doc)
    compare_rows = compare_id = None
    if compare_dir is not None:
        other = load(compare_dir)
        compare_rows, compare_id = model.compare(doc, other), other["run_id"]
    drawn = charts.draw_all(view, run_dir / "charts")
    md_extra, html_extra = extra_sections()
    md_path = run_dir / "report.md"
    md_path.write_text(markdown.render(view, compare_rows=compare_rows, compare_id=compare_id, extra=md_extra))
    html_path = run_dir / "report.html"
    html_path.write_text(html.render(view, drawn, compare_rows=compare_rows, compare_id=compare_id, extra_html=html_extra))
    # Tall enough for the whole page: roughly one chart-and-table block per chart.
    height = min(16000, 1200 + 450 * len(drawn) + 40 * len(doc["aggregates"]))
    shot = screenshot.take(html_path, run_dir / "report-screenshot.png", height=height) if take_screenshot else None
    return ReportFiles(md_path, html_path, [c.png for c in drawn], shot)
