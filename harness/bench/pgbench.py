"""The database ceiling: pgbench running a database scenario's statements (its `pgbench` script,
the statements of one request) against the same database, at the connection count the servers
use, pinned where the server runs. What it serves per second is what the database alone can answer;
a server's `% of database ceiling` is its req/s over that.

The servers' clients keep many statements in flight per connection: with `c` HTTP connections on a
pool of `p` PostgreSQL connections, up to ceil(c / p) requests share one connection's pipeline
(`depth`). pgbench's clients wait for each answer, which PostgreSQL serves at about twice the CPU
per statement (measured: 26 µs against 13 µs under the servers, 6 µs pipelined), so a ceiling of
statements one by one was no upper bound (servers reached 113 % to 1100 % of it). So each pgbench
transaction is one pipeline (`\\startpipeline` … `\\endpipeline`, pgbench ≥ 14) holding the
statements of `depth` requests (`pipelined`): the script of one request, repeated, generated per
run from the scenario's file and kept beside pgbench's output. pgbench's tps counts pipelines:
statements/s = tps × statements per pipeline, and the ceiling's req/s = statements/s ÷ the
request's statements (`Script`, `parse`).

PostgreSQL 15 runs a pipeline as one transaction (one Sync at its end; pgbench 17's
`\\syncpipeline` is not there): harmless for reads, but the updates of one pipeline keep their row
locks to its end, and random rows locked in random order by several clients deadlock (measured: 5 of
11 pipelines failed in 4 s). bench/pgbench/updates.sql therefore draws each client's ids from rows
of its own (`client_rows` = world_rows ÷ clients, `:client_id`): no two clients lock the same row,
so nothing waits and nothing deadlocks. One commit per pipeline is fewer than the servers make (one
per UPDATE): the bound is an upper one, looser by the commits (bench/README.md, "The ceiling").

The ceiling runs one pgbench thread per client (harness/bench/runner.py: `threads=clients`), so one
client's answers never wait behind another's in a shared loop.

`-M prepared` (servers may prepare their statements too; pipelines need the extended protocol),
`-n` (no vacuum of pgbench's own tables, which the arena's database does not have), `-D world_rows=N`
hands the scripts the contract's row count."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from .. import db
from ..limits import contract_limits
from .database import redact
from .measure import LoadResult, ToolRun, run_pinned

PIPELINE_START, PIPELINE_END = "\\startpipeline", "\\endpipeline"


@dataclass
class PgbenchResult(LoadResult):
    """`requests`: the HTTP requests the pipelines stood for (transactions × depth)."""

    tps: float
    latency_ms: float | None
    transactions: int = 0
    statements_per_s: float = 0.0


def connections(workers: int) -> int:
    """The servers' pool size at this worker count: workers × db_connections_per_worker."""
    return workers * int(contract_limits()["db_connections_per_worker"])


def depth(http_connections: int, pool: int) -> int:
    """Requests in flight on one pool connection when every HTTP connection waits for an answer:
    the HTTP connections over the pool's, rounded up (the busiest connection's share)."""
    if http_connections < 1 or pool < 1:
        raise ValueError(f"connections must be positive: {http_connections} HTTP, {pool} to PostgreSQL")
    return math.ceil(http_connections / pool)


def client_rows(clients: int) -> int:
    """Rows of `world` each pgbench client has to itself (bench/pgbench/updates.sql draws from them)."""
    if not 1 <= clients <= db.WORLD_ROWS:
        raise ValueError(f"{clients} clients cannot each have rows of their own among {db.WORLD_ROWS}")
    return db.WORLD_ROWS // clients


@dataclass(frozen=True)
class Script:
    """A ceiling's pgbench script: `depth` requests' statements in one pipeline per transaction."""

    source: Path
    text: str
    depth: int
    statements_per_request: int

    @property
    def statements_per_transaction(self) -> int:
        return self.depth * self.statements_per_request


def _request_lines(source: Path) -> list[str]:
    """The commands of one request: the file without its comments and blank lines."""
    lines = [line.rstrip() for line in source.read_text().splitlines()]
    body = [line for line in lines if line.strip() and not line.lstrip().startswith("--")]
    if any(line.lstrip().startswith((PIPELINE_START, PIPELINE_END)) for line in body):
        raise ValueError(f"{source}: the statements of one request, without a pipeline of its own")
    return body


def statements(lines: list[str]) -> int:
    """SQL commands among a script's lines: those that are no meta-command (`\\set`, …); pgbench
    ends an SQL command at its `;`, so a statement may span lines."""
    sql = [line for line in lines if not line.lstrip().startswith("\\")]
    return sum(line.count(";") for line in sql)


def pipelined(source: Path, requests: int) -> Script:
    """The statements of `requests` requests (`source`, repeated; each `\\set` draws anew) in one
    pipeline: one pgbench transaction."""
    if requests < 1:
        raise ValueError(f"a pipeline of {requests} requests")
    body = _request_lines(source)
    per_request = statements(body)
    if per_request < 1:
        raise ValueError(f"{source}: no SQL statement")
    head = [
        f"-- Generated by harness/bench/pgbench.py from {source.name}: the statements of {requests} request(s),",
        "-- all in flight on one connection (one pipeline, one transaction on PostgreSQL 15).",
        PIPELINE_START,
    ]
    text = "\n".join([*head, *(body * requests), PIPELINE_END]) + "\n"
    return Script(source, text, requests, per_request)


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
        "-D",
        f"client_rows={client_rows(clients)}",
        "-f",
        str(script),
        url,
    ]


def _number(pattern: str, text: str) -> float | None:
    m = re.search(pattern, text, re.MULTILINE)
    return float(m.group(1)) if m else None


def parse(text: str, script: Script | None = None) -> PgbenchResult:
    """pgbench's report on stdout, in the requests of `script` (None: one transaction, one request).
    tps is the one without connection time: PostgreSQL ≥ 14 prints `tps = N (without initial
    connection time)`, older ones `tps = N (excluding connections establishing)`. `number of failed
    transactions` exists from PostgreSQL 15."""
    processed = _number(r"^number of transactions actually processed: (\d+)", text)
    tps = _number(r"^tps = ([\d.]+) \((?:without initial connection time|excluding connections establishing)\)", text)
    if tps is None:
        tps = _number(r"^tps = ([\d.]+)", text)
    if processed is None or tps is None:
        raise ValueError("no transaction count or tps in pgbench's output")
    failed = int(_number(r"^number of failed transactions: (\d+)", text) or 0)
    transactions = int(processed)
    per_transaction, per_request = (script.statements_per_transaction, script.statements_per_request) if script else (1, 1)
    statements_per_s = tps * per_transaction
    requests = transactions * per_transaction // per_request
    # The window pgbench's tps is over: its run time without the connections' set-up; so the
    # record's req/s is statements/s ÷ the request's statements.
    duration = transactions / tps if tps > 0 else 0.0
    return PgbenchResult(
        duration_s=duration,
        requests=requests,
        bytes=0,
        # Failed pipelines, counted as the requests they stood for.
        errors={"failed": failed * per_transaction // per_request},
        raw={"stdout": text},
        tps=tps,
        latency_ms=_number(r"^latency average = ([\d.]+) ms", text),
        transactions=transactions,
        statements_per_s=statements_per_s,
    )


def run(
    pgbench: str,
    script: Script,
    url: str,
    *,
    clients: int,
    threads: int,
    duration_s: float,
    cpus: set[int] | None,
    out_dir: Path,
    name: str,
) -> tuple[PgbenchResult, ToolRun]:
    """One pgbench run of `script` pinned to `cpus`; the script, its output, stderr and command line
    (password hidden) are kept in `out_dir` as NAME.pgbench.*. Raises RuntimeError when pgbench fails."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.pgbench.sql"
    path.write_text(script.text)
    cmd = argv(pgbench, path, url, clients=clients, threads=threads, duration_s=duration_s)
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
        result = parse(tool.stdout, script)
    except ValueError as exc:
        raise RuntimeError(f"pgbench exited {tool.returncode}: {exc}: {tool.stderr.strip()[-500:]}") from exc
    if tool.returncode != 0:
        # pgbench exits 2 when some client failed mid-run: its count of the rest still stands, flagged.
        result.errors["exit"] = 1
    return result, tool
