"""The closed-loop throughput driver: wrk with the arena's Lua script (wrk.lua beside this file)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..tools import Tools
from .client import Client, LocalClient, run_load_generator
from .measure import LoadResult, ToolRun
from .scenarios import Scenario

LUA = Path(__file__).with_name("wrk.lua")
# A response slower than this counts as a timeout error.
TIMEOUT_S = 4


@dataclass
class WrkResult(LoadResult):
    latency_us: dict[str, float | None]


def argv(
    wrk: str, scenario: Scenario, url: str, *, connections: int, threads: int, duration_s: float, check: bool, lua: str = str(LUA)
) -> list[str]:
    threads = max(1, min(threads, connections))
    cmd = [
        wrk,
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{max(1, round(duration_s))}s",
        "--timeout",
        f"{TIMEOUT_S}s",
        "-s",
        lua,
    ]
    if scenario.content_type:
        cmd += ["-H", f"Content-Type: {scenario.content_type}"]
    lo, hi = (str(scenario.ids[0]), str(scenario.ids[1])) if scenario.varies_id else ("-", "-")
    return [*cmd, url + scenario.path, "--", str(scenario.pipeline), lo, hi, "1" if check else "0"]


def env(scenario: Scenario, summary_path: str, body_path: str | None) -> dict[str, str]:
    """Method and body go through the environment: wrk's command line has no flag for them."""
    out = {"ARENA_WRK_SUMMARY": summary_path, "ARENA_WRK_METHOD": scenario.method}
    if body_path:
        out["ARENA_WRK_BODY_FILE"] = body_path
    return out


def run(
    wrk: str,
    scenario: Scenario,
    url: str,
    *,
    connections: int,
    threads: int,
    duration_s: float,
    check: bool,
    cpus: set[int] | None,
    out_dir: Path,
    name: str,
    client: Client | None = None,
) -> tuple[WrkResult, ToolRun]:
    """One wrk run on the client's host (this machine by default); the script, the request body and
    the summary are named as wrk sees them there."""
    client = client or LocalClient(Tools(wrk=wrk, oha=None))
    summary_path = out_dir / f"{name}.wrk.json"
    cmd = argv(
        wrk, scenario, url, connections=connections, threads=threads, duration_s=duration_s, check=check, lua=client.path(LUA)
    )
    body = client.path(scenario.body_file) if scenario.body_file else None
    text, tool = run_load_generator(
        "wrk",
        cmd,
        output=summary_path,
        missing="a summary",
        out_dir=out_dir,
        name=name,
        cpus=cpus,
        timeout_s=duration_s + 30,
        env=env(scenario, client.output(summary_path), body),
        client=client,
    )
    return parse(text), tool


def parse(text: str) -> WrkResult:
    """The summary wrk.lua's done() wrote. `status` is wrk's own count of responses >= 400;
    `non2xx` is the script's count of every non-2xx (zero unless run with check)."""
    raw = json.loads(text)
    errors = {k: int(v) for k, v in raw["errors"].items()}
    # Under check, non2xx covers every status error wrk counted and the 1xx/3xx it did not.
    errors["non2xx"] = max(0, int(raw.get("non2xx", 0)) - errors.get("status", 0))
    return WrkResult(
        duration_s=raw["duration_us"] / 1e6,
        requests=int(raw["requests"]),
        bytes=int(raw["bytes"]),
        errors=errors,
        latency_us=raw.get("latency_us", {}),
        raw=raw,
    )
