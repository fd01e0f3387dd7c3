"""The database ceiling: pgbench running a database scenario's statements (its `pgbench` script)
against the same database, at the connection count the servers use, pinned where the server runs.
What it serves per second is what the database alone can answer; a server's `% of database ceiling`
is its req/s over that.

`-M prepared` (servers may prepare their statements too), `-n` (no vacuum of pgbench's own tables,
which the arena's database does not have), one transaction = one run of the script = the statements
of one HTTP request; `-D world_rows=N` hands the scripts the contract's row count."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .. import db
from ..limits import contract_limits
from .database import redact
from .measure import LoadResult, ToolRun, run_pinned


@dataclass
class PgbenchResult(LoadResult):
    tps: float
    latency_ms: float | None


def connections(workers: int) -> int:
    """The servers' pool size at this worker count: workers × db_connections_per_worker."""
    return workers * int(contract_limits()["db_connections_per_worker"])


def argv(pgbench: str, script: Path, url: str, *, clients: int, threads: int, duration_s: float) -> list[str]:
    return [
        pgbench,
        "-n",
        "-M",
        "prepared",
        "-c",
        str(clients),
        "-j",
        str(max(1, min(threads, clients))),
        "-T",
        str(max(1, round(duration_s))),
        "-D",
        f"world_rows={db.WORLD_ROWS}",
        "-f",
        str(script),
        url,
    ]


def _number(pattern: str, text: str) -> float | None:
    m = re.search(pattern, text, re.MULTILINE)
    return float(m.group(1)) if m else None


def parse(text: str) -> PgbenchResult:
    """pgbench's report on stdout. tps is the one without connection time: PostgreSQL ≥ 14 prints
    `tps = N (without initial connection time)`, older ones `tps = N (excluding connections
    establishing)`. `number of failed transactions` exists from PostgreSQL 15."""
    processed = _number(r"^number of transactions actually processed: (\d+)", text)
    tps = _number(r"^tps = ([\d.]+) \((?:without initial connection time|excluding connections establishing)\)", text)
    if tps is None:
        tps = _number(r"^tps = ([\d.]+)", text)
    if processed is None or tps is None:
        raise ValueError("no transaction count or tps in pgbench's output")
    failed = int(_number(r"^number of failed transactions: (\d+)", text) or 0)
    requests = int(processed)
    # The window pgbench's tps is over: its run time without the connections' set-up.
    duration = requests / tps if tps > 0 else 0.0
    return PgbenchResult(
        duration_s=duration,
        requests=requests,
        bytes=0,
        errors={"failed": failed},
        raw={"stdout": text},
        tps=tps,
        latency_ms=_number(r"^latency average = ([\d.]+) ms", text),
    )


def run(
    pgbench: str,
    script: Path,
    url: str,
    *,
    clients: int,
    threads: int,
    duration_s: float,
    cpus: set[int] | None,
    out_dir: Path,
    name: str,
) -> tuple[PgbenchResult, ToolRun]:
    """One pgbench run pinned to `cpus`; its output, stderr and command line (password hidden) are
    kept in `out_dir` as NAME.pgbench.*. Raises RuntimeError when pgbench fails."""
    cmd = argv(pgbench, script, url, clients=clients, threads=threads, duration_s=duration_s)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"{name}.pgbench.cmd").write_text(" ".join(redact(c) if c == url else c for c in cmd) + "\n")
    tool = run_pinned(
        cmd,
        cpus=cpus,
        timeout_s=duration_s + 30,
        stdout_path=out_dir / f"{name}.pgbench.stdout",
        stderr_path=out_dir / f"{name}.pgbench.stderr",
    )
    if tool.returncode != 0 and "number of transactions actually processed" not in tool.stdout:
        raise RuntimeError(f"pgbench exited {tool.returncode}: {tool.stderr.strip()[-500:] or tool.stdout[-500:]}")
    try:
        result = parse(tool.stdout)
    except ValueError as exc:
        raise RuntimeError(f"pgbench exited {tool.returncode}: {exc}: {tool.stderr.strip()[-500:]}") from exc
    if tool.returncode != 0:
        # pgbench exits 2 when some client failed mid-run: its count of the rest still stands, flagged.
        result.errors["exit"] = 1
    return result, tool
