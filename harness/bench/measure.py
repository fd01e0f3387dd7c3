"""CPU time and memory of processes: the server's process tree (psutil) and a load generator
run as a child (its rusage, exact and including every thread); which CPUs each side gets.
The load suite and the soak both measure through this module."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

# A load generator using at least this share of its CPUs limited the run, not the server.
CLIENT_BOUND_SHARE = 0.90
# The database's CPUs busy for at least this share of the window limited the run: database-bound.
DATABASE_BOUND_SHARE = 0.90


def tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def default_cpus() -> tuple[set[int], set[int]]:
    """Server on the first half of the usable CPUs, load generator on the rest (2 cores: 0 and 1)."""
    usable = sorted(os.sched_getaffinity(0))
    if len(usable) < 2:
        return set(usable), set(usable)
    half = len(usable) // 2
    return set(usable[:half]), set(usable[half:])


def pin_to(cpus: set[int] | None) -> Callable[[], None] | None:
    """A `preexec_fn` that pins the child to `cpus` (None: leave it where it is)."""
    return (lambda: os.sched_setaffinity(0, cpus)) if cpus else None


def tree_rss_and_fds(pid: int) -> tuple[int, int]:
    """(RSS bytes, open descriptors) summed over the process and its descendants."""
    rss = fds = 0
    for proc in tree(pid):
        try:
            rss += proc.memory_info().rss
            fds += proc.num_fds()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return rss, fds


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of the process and all its descendants, threads included."""
    total = 0.0
    for proc in tree(pid):
        try:
            t = proc.cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


def tree_peak_rss_bytes(pid: int) -> int:
    """Sum over the tree of each process's peak resident set (VmHWM)."""
    total = 0
    for proc in tree(pid):
        total += _vm_hwm(proc.pid)
    return total


def _vm_hwm(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


# (steal, total) jiffies of some CPUs: two of them bracket a window.
Jiffies = tuple[int, int]


def cpu_jiffies(cpus: set[int]) -> Jiffies:
    """(steal, total) jiffies summed over `cpus`, from this machine's /proc/stat; (0, 0) where it
    cannot be read."""
    try:
        return jiffies_in(Path("/proc/stat").read_text(), cpus)
    except OSError:
        return 0, 0


def jiffies_in(stat: str, cpus: set[int]) -> Jiffies:
    """(steal, total) jiffies summed over `cpus` in the text of a /proc/stat (any host's)."""
    steal = total = 0
    for line in stat.splitlines():
        name, *fields = line.split() or [""]
        if name.startswith("cpu") and name[3:].isdigit() and int(name[3:]) in cpus:
            values = [int(v) for v in fields[:8]]  # user nice system idle iowait irq softirq steal
            total += sum(values)
            steal += values[7] if len(values) > 7 else 0
    return steal, total


def steal_share(before: Jiffies, after: Jiffies) -> float | None:
    """Share of the CPUs' time the hypervisor gave to other guests over a window: a virtual machine's
    noise that no pinning on the guest can remove."""
    total = after[1] - before[1]
    return (after[0] - before[0]) / total if total > 0 else None


def client_bound(cpu_s: float, wall_s: float, n_cpus: int) -> bool:
    return wall_s > 0 and cpu_s / (wall_s * n_cpus) >= CLIENT_BOUND_SHARE


def db_cpus_busy(
    pg_cpu_s: float, wall_s: float, db_cpus: set[int], client_cpu_s: float, client_cpus: set[int] | None
) -> float | None:
    """How busy the database's CPUs were over a window of `wall_s`: PostgreSQL's CPU time, plus the
    load generator's when it is pinned to any of the same CPUs (on 2 cores both share CPU 1), over
    the time of every CPU either of them could use. A load generator on other CPUs (or another
    host: `client_cpus` None) is not counted. None without a window."""
    shared = client_cpus is not None and bool(db_cpus & client_cpus)
    cpus = db_cpus | client_cpus if shared and client_cpus is not None else db_cpus
    if wall_s <= 0 or not cpus:
        return None
    return (pg_cpu_s + (client_cpu_s if shared else 0.0)) / (wall_s * len(cpus))


def database_bound(busy_share: float | None) -> bool:
    """The database's CPUs were full: the server waited on them (or on the load generator sharing
    them), so its number is a floor, as with client-bound."""
    return busy_share is not None and busy_share >= DATABASE_BOUND_SHARE


@dataclass
class LoadResult:
    """What a load generator counted over its window; `raw` is its own summary as parsed."""

    duration_s: float
    requests: int
    bytes: int
    errors: dict[str, int]
    raw: dict[str, Any]

    @property
    def error_total(self) -> int:
        return sum(self.errors.values())


@dataclass
class ToolRun:
    argv: list[str]
    returncode: int
    wall_s: float
    cpu_s: float
    stdout: str
    stderr: str
    timed_out: bool = False
    # The client CPUs' (steal, total) jiffies before and after the tool ran, read where it ran.
    steal: tuple[Jiffies, Jiffies] | None = None


def run_pinned(
    argv: list[str],
    *,
    cpus: set[int] | None,
    timeout_s: float,
    env: dict[str, str] | None = None,
    stdout_path: Path,
    stderr_path: Path,
) -> ToolRun:
    """Runs a load generator on `cpus`; CPU time comes from wait4's rusage, so it counts every
    thread of the tool over its whole life, bounded by `timeout_s`."""
    stdout_path.parent.mkdir(parents=True, exist_ok=True)
    with stdout_path.open("w") as out, stderr_path.open("w") as err:
        started = time.monotonic()
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            env={**os.environ, **(env or {})},
            preexec_fn=pin_to(cpus),
        )
        timed_out = False
        while True:
            pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - started > timeout_s:
                timed_out = True
                proc.kill()
                _, status, rusage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        wall = time.monotonic() - started
    # wait4 reaped it: tell Popen so it does not wait again.
    proc.returncode = os.waitstatus_to_exitcode(status)
    return ToolRun(
        argv,
        proc.returncode,
        wall,
        rusage.ru_utime + rusage.ru_stime,
        stdout_path.read_text(errors="replace"),
        stderr_path.read_text(errors="replace"),
        timed_out,
    )
