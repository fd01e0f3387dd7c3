"""Where things live in the repository and where runs write; every other module asks here."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVERS_DIR = ROOT / "servers"
# The contract's numbers (limits, user ids, error codes): one file, read by the Rust crate's
# build script, by the harness and by the Python servers' rules.
CONTRACT_FILE = ROOT / "crates" / "api-model" / "contract.toml"
# ARENA_TARGET_DIR lets a machine keep cargo's build state outside the clone.
TARGET_DIR = Path(os.environ.get("ARENA_TARGET_DIR", ROOT / "target")).resolve()
LOG_DIR = TARGET_DIR / "harness-logs"
# ARENA_TOOLS_DIR lets a machine keep built tools (oha) outside the clone.
TOOLS_DIR = Path(os.environ.get("ARENA_TOOLS_DIR", ROOT / ".tools")).resolve()
CARGO_LOCK = ROOT / "Cargo.lock"
# Every run's output: bench runs (results/<run id>/), soak runs (results/soak-<time>/) and the
# test outcomes the readiness matrix reads.
RESULTS_DIR = ROOT / "results"
TEST_RESULTS_ENV = "ARENA_HOSTILE_RESULTS"


def test_results_path() -> Path:
    """The outcomes of the conformance and hostile suites per server (tests/support/results.py
    writes it, harness.readiness reads it): `$ARENA_HOSTILE_RESULTS` or results/hostile.json."""
    return Path(os.environ.get(TEST_RESULTS_ENV) or RESULTS_DIR / "hostile.json")
