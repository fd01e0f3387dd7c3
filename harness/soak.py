"""Soak: mixed load on one server at a time for a long stretch, watching for
errors, memory growth and leaked descriptors.

Load tool: wrk with `harness/soak_mix.lua` (plaintext : json : users : echo =
3 : 3 : 3 : 1). wrk, not a Python client, because a soak must keep the server
busy for minutes while the client stays cheap and steady on its own core; a
Python client on one core would be the bottleneck and would measure itself.
wrk's own counters give the errors (socket errors, timeouts, non-2xx).

The soak is a client of the load suite's measuring layer (harness/bench/measure.py:
CPU split, pinning, process-tree sampling) and of harness/tools.py (finding wrk).
The server runs with one worker pinned to the server CPUs (CPU 0 here), wrk
with one thread on the client CPUs (CPU 1). The server's process tree (RSS and
open descriptors) is sampled every second. A server fails on:

- any error: a socket error, a timeout, a non-2xx answer, or the server dying;
- RSS growth after warm-up: the peak of the last quarter of the run over the
  RSS when warm-up ends, by more than `rss_growth_mib` and `rss_growth_fraction`;
- leaked descriptors: after the load stops, the descriptor count must return
  to within `fd_slack` of the count before the load, within `fd_settle_s`.

Output: one JSON document (`write_results`), by default
`results/soak-<timestamp>/soak.json`, which `harness.readiness` reads.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import tools
from .bench import measure
from .manifest import ServerSpec
from .paths import LOG_DIR, RESULTS_DIR
from .process import ServerProcess

LUA_SCRIPT = Path(__file__).with_name("soak_mix.lua")
DEFAULT_DURATION_S = 300.0


@dataclass
class SoakConfig:
    duration_s: float = DEFAULT_DURATION_S
    connections: int = 32
    # Warm-up: the first part of the run, before which growth is not judged.
    warmup_fraction: float = 0.2
    warmup_max_s: float = 30.0
    rss_growth_mib: float = 32.0
    rss_growth_fraction: float = 0.5
    fd_slack: int = 4
    fd_settle_s: float = 10.0
    sample_interval_s: float = 1.0
    server_cpus: set[int] | None = field(default=None)
    client_cpus: set[int] | None = field(default=None)

    def __post_init__(self) -> None:
        if self.server_cpus is None and self.client_cpus is None:
            self.server_cpus, self.client_cpus = measure.default_cpus()

    @property
    def warmup_s(self) -> float:
        return min(self.duration_s * self.warmup_fraction, self.warmup_max_s)


def run_wrk(url: str, cfg: SoakConfig, log: Path) -> subprocess.Popen[str]:
    cpus = cfg.client_cpus
    wrk = tools.ensure(install=False, need=("wrk",)).wrk
    assert wrk is not None  # ensure() raises when a needed tool is missing
    argv = [
        wrk,
        "-t1",
        f"-c{cfg.connections}",
        f"-d{max(int(round(cfg.duration_s)), 1)}s",
        "--timeout",
        "5s",
        "-s",
        str(LUA_SCRIPT),
        url,
    ]
    return subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=open(log, "w"),
        text=True,
        preexec_fn=measure.pin_to(cpus),
    )


def soak_one(spec: ServerSpec, cfg: SoakConfig, log_dir: Path = LOG_DIR) -> dict[str, Any]:
    """Runs the soak on one server; returns its record (see `judge`)."""
    log_dir.mkdir(parents=True, exist_ok=True)
    server = ServerProcess(spec, workers=1, cpus=cfg.server_cpus, log_dir=log_dir)
    record: dict[str, Any] = {"server": spec.name, "config": _config_dict(cfg), "samples": [], "log": None}
    with server:
        record["log"] = str(server.log)
        time.sleep(0.5)  # the readiness probe's connection is gone
        rss_before, fds_before = measure.tree_rss_and_fds(server.pid)
        record.update(fds_before=fds_before, rss_before=rss_before)
        started = time.monotonic()
        wrk = run_wrk(server.url, cfg, log_dir / f"wrk-{spec.name}-{server.port}.log")
        died = False
        while wrk.poll() is None:
            time.sleep(cfg.sample_interval_s)
            if not server.running():
                died = True
                wrk.kill()
                break
            rss, fds = measure.tree_rss_and_fds(server.pid)
            record["samples"].append({"t": round(time.monotonic() - started, 1), "rss": rss, "fds": fds})
        out, _ = wrk.communicate()
        record["wrk"] = _wrk_summary(out)
        record["server_died"] = died or not server.running()
        deadline = time.monotonic() + cfg.fd_settle_s
        fds_after = None
        while not record["server_died"] and time.monotonic() < deadline:
            _, fds_after = measure.tree_rss_and_fds(server.pid)
            if fds_after <= fds_before + cfg.fd_slack:
                break
            time.sleep(0.2)
        record["fds_after"] = fds_after
    record.update(judge(record, cfg))
    return record


def _wrk_summary(stdout: str) -> dict[str, Any] | None:
    for line in stdout.splitlines():
        if line.startswith("SOAK_JSON "):
            summary: dict[str, Any] = json.loads(line.removeprefix("SOAK_JSON "))
            return summary
    return None


def judge(record: dict[str, Any], cfg: SoakConfig) -> dict[str, Any]:
    """`passed` and the `failures` that decided it; also the measured growth."""
    failures = []
    wrk = record.get("wrk")
    if record.get("server_died"):
        failures.append("server died under load")
    if wrk is None:
        failures.append("wrk produced no summary")
    else:
        errors = {k: wrk[k] for k in ("connect_errors", "read_errors", "write_errors", "non_2xx", "timeouts") if wrk[k]}
        if errors:
            failures.append(f"errors under load: {errors}")
        if wrk["requests"] == 0:
            failures.append("no request completed")
    samples = record["samples"]
    warm = [s for s in samples if s["t"] >= cfg.warmup_s]
    growth = None
    if len(warm) >= 2:
        tail = warm[-max(1, len(warm) // 4) :]
        growth = max(s["rss"] for s in tail) - warm[0]["rss"]
        limit = max(cfg.rss_growth_mib * 2**20, cfg.rss_growth_fraction * warm[0]["rss"])
        if growth > limit:
            failures.append(f"RSS grew {growth / 2**20:.1f} MiB after warm-up (limit {limit / 2**20:.1f} MiB)")
    fds_after = record.get("fds_after")
    if fds_after is not None and fds_after > record["fds_before"] + cfg.fd_slack:
        failures.append(f"descriptors leaked: {record['fds_before']} before the load, {fds_after} {cfg.fd_settle_s:g}s after it")
    return {
        "passed": not failures,
        "failures": failures,
        "rss_growth": growth,
        "peak_rss": max((s["rss"] for s in samples), default=None),
        "peak_fds": max((s["fds"] for s in samples), default=None),
    }


def _config_dict(cfg: SoakConfig) -> dict[str, Any]:
    d = asdict(cfg)
    d["server_cpus"] = sorted(cfg.server_cpus) if cfg.server_cpus else None
    d["client_cpus"] = sorted(cfg.client_cpus) if cfg.client_cpus else None
    return d


def default_output() -> Path:
    return RESULTS_DIR / f"soak-{time.strftime('%Y%m%d-%H%M%S')}" / "soak.json"


def write_results(records: list[dict[str, Any]], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"recorded": time.strftime("%Y-%m-%dT%H:%M:%S"), "servers": {r["server"]: r for r in records}}
    path.write_text(json.dumps(doc, indent=2) + "\n")
    return path


def load_latest(results_dir: Path = RESULTS_DIR) -> dict[str, dict[str, Any]]:
    """Per server, its newest soak record over every soak-*/soak.json."""
    merged: dict[str, dict[str, Any]] = {}
    for path in sorted(results_dir.glob("soak-*/soak.json"), key=lambda p: p.stat().st_mtime):
        try:
            merged.update(json.loads(path.read_text()).get("servers", {}))
        except (OSError, ValueError):
            continue
    return merged


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("soak", help="mixed load for a long stretch: errors, RSS growth, leaked descriptors")
    p.add_argument("names", nargs="*", help="servers (default: every contender)")
    p.add_argument("--duration", type=float, default=DEFAULT_DURATION_S, help="seconds per server (default 300)")
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--out", type=Path, default=None, help="JSON output (default results/soak-<timestamp>/soak.json)")
    p.set_defaults(func=cmd_soak)


def cmd_soak(args: argparse.Namespace) -> int:
    from . import registry

    specs = registry.select(registry.discover(), args.names, contenders_only=not args.names)
    cfg = SoakConfig(duration_s=args.duration, connections=args.connections)
    out = args.out or default_output()
    records = []
    for spec in specs:
        print(f"soak {spec.name}: {cfg.duration_s:g}s, {cfg.connections} connections", flush=True)
        record = soak_one(spec, cfg, log_dir=out.parent)
        records.append(record)
        write_results(records, out)
        wrk = record.get("wrk") or {}
        verdict = "PASS" if record["passed"] else "FAIL: " + "; ".join(record["failures"])
        print(
            f"  {wrk.get('requests', 0)} requests, peak RSS {(record['peak_rss'] or 0) / 2**20:.1f} MiB, "
            f"fds {record['fds_before']} -> {record['fds_after']}: {verdict}",
            flush=True,
        )
    print(f"wrote {out}")
    return 0 if all(r["passed"] for r in records) else 1
