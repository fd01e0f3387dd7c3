"""A server that cannot start is reported with its log tail and the suite moves on."""

from __future__ import annotations

import textwrap
from pathlib import Path

from rich.console import Console

from harness.bench import plan, runner
from harness.bench.scenarios import Profile, Scenario
from harness.manifest import load_manifest
from harness.tools import Tools


def test_server_that_cannot_start_is_reported_and_skipped(tmp_path: Path):
    manifest = tmp_path / "dead" / "server.toml"
    manifest.parent.mkdir()
    manifest.write_text(
        textwrap.dedent("""
        name = "dead"
        description = "exits at once"
        [framework]
        name = "none"
        pypi = "pip"
        [runtime]
        name = "none"
        io_model = "epoll"
        [build]
        kind = "none"
        [run]
        command = ["{python}", "-c", "print('fatal: cannot bind'); raise SystemExit(2)"]
    """)
    )
    spec = load_manifest(manifest)[0]
    profile = Profile("t", 1, 0, 2)
    scenario = Scenario(name="plaintext", kind="throughput", path="/plaintext", connections={"t": (4,)})
    cfg = runner.BenchConfig(profile, [scenario], [spec], {0}, {0}, 1, tmp_path / "out", Tools(wrk="wrk", oha=None))
    runs = plan.build(["dead"], [scenario], profile)
    outcome = runner.execute(cfg, runs, Console(file=open(tmp_path / "console.txt", "w")))
    assert outcome.runs == []
    assert list(outcome.unavailable) == ["dead"]
    (failure,) = outcome.failures  # the second round is skipped, not retried
    assert failure["step"] == "start" and "fatal: cannot bind" in failure["message"]
