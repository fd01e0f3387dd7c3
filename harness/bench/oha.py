"""The open-loop latency driver: oha at a fixed request rate with coordinated-omission correction."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..tools import Tools
from .client import Client, LocalClient, run_load_generator
from .measure import LoadResult, ToolRun
from .scenarios import Scenario

# Requests still in flight when the duration ends are cut off by oha; they are no fault of the server.
DEADLINE_ABORT = "aborted due to deadline"
PERCENTILES = ("p50", "p90", "p99", "p99.9")


@dataclass
class OhaResult(LoadResult):
    status: dict[str, int]
    latency_ms: dict[str, float | None]


def argv(
    oha: str,
    scenario: Scenario,
    url: str,
    *,
    connections: int,
    rate: int,
    duration_s: float,
    threads: int,
    out_file: str,
    body_file: str | None = None,
) -> list[str]:
    cmd = [
        oha,
        "-z",
        f"{max(1, round(duration_s))}s",
        "-c",
        str(connections),
        "-q",
        str(rate),
        "--latency-correction",
        "--no-tui",
        "--output-format",
        "json",
        "-o",
        out_file,
        "--worker-threads",
        str(max(1, threads)),
        "-m",
        scenario.method,
        "-t",
        "4s",
    ]
    if body_file:
        cmd += ["-D", body_file]
    if scenario.content_type:
        cmd += ["-T", scenario.content_type]
    target = url + scenario.path
    if scenario.varies_id:
        # oha draws each URL from a regex: decimal ids of 1 to 6 digits, never 0.
        cmd.append("--rand-regex-url")
        target = target.replace("{id}", "[1-9][0-9]{0,5}")
    return [*cmd, target]


def run(
    oha: str,
    scenario: Scenario,
    url: str,
    *,
    connections: int,
    rate: int,
    duration_s: float,
    threads: int,
    cpus: set[int] | None,
    out_dir: Path,
    name: str,
    client: Client | None = None,
) -> tuple[OhaResult, ToolRun]:
    """One oha run on the client's host (this machine by default)."""
    client = client or LocalClient(Tools(wrk=None, oha=oha))
    out_file = out_dir / f"{name}.oha.json"
    cmd = argv(
        oha,
        scenario,
        url,
        connections=connections,
        rate=rate,
        duration_s=duration_s,
        threads=threads,
        out_file=client.output(out_file),
        body_file=client.path(scenario.body_file) if scenario.body_file else None,
    )
    text, tool = run_load_generator(
        "oha",
        cmd,
        output=out_file,
        missing="output",
        out_dir=out_dir,
        name=name,
        cpus=cpus,
        timeout_s=duration_s + 30,
        client=client,
    )
    return parse(text), tool


def parse(text: str) -> OhaResult:
    raw = json.loads(text)
    summary = raw["summary"]
    status = {str(k): int(v) for k, v in raw.get("statusCodeDistribution", {}).items()}
    errors: dict[str, int] = {}
    non2xx = sum(n for code, n in status.items() if not code.startswith("2"))
    if non2xx:
        errors["non2xx"] = non2xx
    for what, n in raw.get("errorDistribution", {}).items():
        if what != DEADLINE_ABORT and n:
            errors[what] = errors.get(what, 0) + int(n)
    pct = raw.get("latencyPercentiles", {})
    latency = {p: _ms(pct.get(p)) for p in PERCENTILES}
    latency["max"] = _ms(summary.get("slowest"))
    return OhaResult(
        duration_s=float(summary["total"]),
        requests=sum(status.values()),
        bytes=int(summary.get("totalData") or 0),
        status=status,
        errors=errors,
        latency_ms=latency,
        raw=raw,
    )


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1000.0
