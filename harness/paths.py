"""Where things live in the repository; every other module asks here."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVERS_DIR = ROOT / "servers"
# ARENA_TARGET_DIR lets a machine keep cargo's build state outside the clone.
TARGET_DIR = Path(os.environ.get("ARENA_TARGET_DIR", ROOT / "target")).resolve()
LOG_DIR = TARGET_DIR / "harness-logs"
CARGO_LOCK = ROOT / "Cargo.lock"
