"""The production-readiness matrix: its data (`data.py`: loading, verdict rules, snapshots) and its
renderers (`render.py`); `python -m harness readiness` prints it from the latest test results."""

from __future__ import annotations

import argparse
from pathlib import Path

from .. import registry
from ..paths import TEST_RESULTS_ENV
from .data import Row, SuiteScore, collect, dump, load, tested_at
from .render import TITLE, render_html, render_markdown

__all__ = ["TITLE", "Row", "SuiteScore", "collect", "dump", "load", "render_html", "render_markdown", "tested_at"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("readiness", help="print the production-readiness matrix from the latest results")
    p.add_argument("names", nargs="*", help="servers (default: every contender)")
    p.add_argument("--html", action="store_true", help="HTML instead of markdown")
    p.add_argument(
        "--hostile", type=Path, default=None, help=f"test results JSON (default ${TEST_RESULTS_ENV} or results/hostile.json)"
    )
    p.set_defaults(func=cmd_readiness)


def cmd_readiness(args: argparse.Namespace) -> int:
    specs = registry.select(registry.discover(), args.names, contenders_only=not args.names)
    rows = collect(specs, hostile_path=args.hostile)
    print(render_html(rows, heading=True) if args.html else render_markdown(rows, heading=True), end="")
    return 0
