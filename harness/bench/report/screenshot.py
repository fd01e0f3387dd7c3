"""A PNG of report.html as a browser draws it (headless Chromium), kept with the run."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    return next((p for p in map(shutil.which, CANDIDATES) if p), None)


def headless_argv(browser: str) -> list[str]:
    # --no-sandbox: Chromium refuses to run as root with its sandbox, and this only loads our own file.
    return [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--allow-file-access-from-files",
        "--disable-dev-shm-usage",
        "--no-first-run",
    ]


def take(html: Path, png: Path, *, width: int = 1280, height: int = 3200, timeout_s: float = 90) -> Path | None:
    """Screenshot of the page's top `height` pixels; None when no Chromium is installed or it fails."""
    browser = find_chromium()
    if browser is None:
        return None
    cmd = [*headless_argv(browser), f"--window-size={width},{height}", f"--screenshot={png}", html.resolve().as_uri()]
    try:
        subprocess.run(cmd, capture_output=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        return None
    return png if png.exists() and png.stat().st_size > 0 else None


def dump_dom(html: Path, *, timeout_s: float = 90) -> str | None:
    browser = find_chromium()
    if browser is None:
        return None
    proc = subprocess.run(
        [*headless_argv(browser), "--dump-dom", html.resolve().as_uri()],
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    return proc.stdout if proc.returncode == 0 else None
