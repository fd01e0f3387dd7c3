"""The soak's short form, in the test command: mixed load through wrk on each
server (`harness.soak`), `ARENA_SOAK_SECONDS` long (default 30 s; `nox -s
soak` runs the 5-minute form). Fails on any error, RSS growth after warm-up,
or leaked descriptors. Records go to results/soak-pytest-<timestamp>/soak.json,
which the readiness matrix reads."""

from __future__ import annotations

import os
import time

import pytest

from harness import soak
from harness.paths import ROOT

DURATION_S = float(os.environ.get("ARENA_SOAK_SECONDS", "30"))


@pytest.fixture(scope="session")
def soak_output():
    path = ROOT / "results" / f"soak-pytest-{time.strftime('%Y%m%d-%H%M%S')}" / "soak.json"
    records: list[dict] = []
    yield path, records
    if records:
        soak.write_results(records, path)


@pytest.mark.timeout(DURATION_S + 120)
def test_soak(server_spec, soak_output, tmp_path_factory):
    path, records = soak_output
    cfg = soak.SoakConfig(duration_s=DURATION_S)
    record = soak.soak_one(server_spec, cfg, log_dir=tmp_path_factory.mktemp(f"soak-{server_spec.name}"))
    records.append(record)
    soak.write_results(records, path)
    wrk = record.get("wrk") or {}
    assert record["passed"], (
        f"{server_spec.name}: " + "; ".join(record["failures"]) + f" ({wrk.get('requests', 0)} requests, log {record['log']})"
    )
