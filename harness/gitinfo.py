"""Which source a result came from: the checkout's commit and whether tracked files differed from it."""

from __future__ import annotations

import subprocess

from .paths import ROOT


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], capture_output=True, text=True, cwd=ROOT, timeout=20).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def commit() -> str:
    """The full HEAD sha, or "" outside a git checkout."""
    return _git("rev-parse", "HEAD")


def dirty() -> bool:
    return bool(_git("status", "--porcelain", "--untracked-files=no"))


def label() -> str:
    """`<12-char sha>` or `<12-char sha>+dirty`: short enough for a table, exact enough to check out."""
    sha = commit()
    if not sha:
        return "unknown"
    return sha[:12] + ("+dirty" if dirty() else "")
