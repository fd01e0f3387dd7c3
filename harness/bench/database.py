"""The database side of a bench run with database scenarios: the PostgreSQL the servers talk to,
where it runs and on which CPUs, and what it spends.

- **Here** (the default): the private cluster of harness/db.py, started by the bench when it is not
  running (and stopped at the end only then), re-seeded at the start of the run, and pinned to the
  database CPUs. Pinning sets the affinity of the postmaster and of every process it has forked so
  far; a backend forks from the postmaster when a client connects, so it inherits the postmaster's
  CPUs (tests/bench/test_database_live.py checks a fresh backend's affinity). A cluster the bench did
  not start gets its former affinity back at the end.
- **Elsewhere** (`--database-url`): a database on another host. The harness neither starts, seeds
  nor pins it; it checks that the tables are there, and its CPU is not measured (None: unmeasured).

CPU accounting (`cpu_ticks`): user + system time of every process of the cluster — the postmaster
and its descendants, read from /proc/PID/stat — plus the time of the children they have reaped
(cutime + cstime): a backend that exits inside the window (a server's pool closing, pgbench's
clients leaving) hands its whole CPU time to the postmaster's counters, so nothing it spent is lost
and nothing is counted twice. Two samples bracket a measured window. While a backend is exiting its
time is in flux (measured: the four backends of a pgbench run that had just ended were missing from
one sample, 0.27 s of CPU, then showed in the postmaster's counters), so each sample first waits,
bounded, until no process of the cluster is exiting and, after pgbench, its backends are gone
(`Database.settle`). The statements are read through one psql session kept for the whole run, so
reading them starts and ends no backend.
"""

from __future__ import annotations

import os
import re
import select
import subprocess
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .. import db
from ..errors import ToolError

PROC = Path("/proc")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# How long a sample waits for exiting backends at most (they take milliseconds).
SETTLE_TIMEOUT_S = 3.0


@dataclass
class Database:
    """The database of one bench run."""

    url: str
    # "local", or the host of --database-url.
    host: str
    # The CPUs the cluster is pinned to; None where the harness does not run it.
    cpus: set[int] | None
    bin_dir: Path
    # The postmaster's pid: its processes' CPU time is measured. None: unmeasured (elsewhere).
    postmaster: int | None = None
    # The bench started the cluster (and stops it at the end).
    started: bool = False
    # A cluster the bench found running: each process's affinity before pinning, restored at the end.
    former_affinity: dict[int, set[int]] = field(default_factory=dict)
    proc: Path = PROC
    # The psql session the statements are read through (opened on first use).
    session: Session | None = None

    @property
    def local(self) -> bool:
        return self.postmaster is not None

    @property
    def pgbench(self) -> Path:
        return self.bin_dir / "pgbench"

    def cpu_seconds(self) -> float | None:
        """CPU seconds the cluster's processes have used so far (None: not measured here)."""
        if self.postmaster is None:
            return None
        return cpu_ticks(self.postmaster, self.proc) / CLOCK_TICKS

    def version(self) -> str:
        """pgbench's version: the PostgreSQL release whose client measured the ceiling."""
        try:
            out = subprocess.run([str(self.pgbench), "--version"], capture_output=True, text=True, timeout=10).stdout
        except (OSError, subprocess.TimeoutExpired):
            return "?"
        found = re.search(r"\d+(?:\.\d+)+", out)
        return found.group(0) if found else "?"

    def statements(self) -> int | None:
        """Statements the database has executed so far (pg_stat_statements' calls in the arena's
        database); None where the extension is not there."""
        try:
            if self.session is None:
                self.session = Session(self.bin_dir, self.url)
            out = self.session.query(STATEMENTS_SQL).strip()
        except ToolError:
            return None
        return int(out) if out.isdigit() else None

    def settle(self, *, clients: int | None = None, timeout_s: float = SETTLE_TIMEOUT_S) -> bool:
        """Waits until no process of the cluster is exiting and, with `clients`, until at most that
        many client backends are left (the statements' session aside): a sample taken then counts
        every backend whole, in itself or in the postmaster. False when the wait timed out."""
        if self.postmaster is None:
            return True
        keep = {self.session.backend} if self.session is not None else set()
        deadline = time.monotonic() + timeout_s
        while True:
            kids = [st for st in tree(self.postmaster, list(read_stats(self.proc))) if st.pid != self.postmaster]
            exiting = any(exiting_process(st, self.proc) for st in kids)
            backends = [st for st in kids if st.pid not in keep and is_client_backend(st.pid, self.proc)]
            if not exiting and (clients is None or len(backends) <= clients):
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)

    def close(self) -> None:
        if self.session is not None:
            self.session.close()
            self.session = None


class Session:
    """One psql process kept open: queries go through its stdin, answers come back on its stdout
    up to a marker line. Its backend stays for the whole run (`backend`: its pid)."""

    MARK = "__arena_end__"

    def __init__(self, bin_dir: Path, url: str, timeout_s: float = 20):
        cmd = [str(bin_dir / "psql"), "-X", "-q", "-A", "-t", "-d", url]
        self.timeout_s = timeout_s
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.buffer = b""
        try:
            self.backend = int(self.query("SELECT pg_backend_pid()").strip())
        except ValueError as exc:
            self.close()
            raise ToolError(f"psql on {redact(url)} gave no backend pid") from exc

    def query(self, sql: str) -> str:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        try:
            self.proc.stdin.write(f"{sql};\n\\echo {self.MARK}\n".encode())
            self.proc.stdin.flush()
        except OSError as exc:
            raise ToolError(f"the psql session ended: {exc}") from exc
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + self.timeout_s
        end = f"{self.MARK}\n".encode()
        while end not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise ToolError("the psql session did not answer in time")
            chunk = os.read(fd, 65536)
            if not chunk:
                raise ToolError("the psql session ended")
            self.buffer += chunk
        answer, _, self.buffer = self.buffer.partition(end)
        return answer.decode()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


# Every statement of the arena's database, counted by pg_stat_statements (the psql that reads it
# counts one more: nothing next to the thousands a window runs).
STATEMENTS_SQL = (
    "SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_statements"
    " WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


def psql(bin_dir: Path, url: str, sql: str, *, timeout_s: float = 20) -> str:
    cmd = [str(bin_dir / "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ToolError(f"psql on {redact(url)} failed: {exc}") from exc
    if out.returncode != 0:
        raise ToolError(f"psql on {redact(url)} failed: {out.stderr.strip()}")
    return out.stdout


def redact(url: str) -> str:
    """The URL without its password, for messages and results.json."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def url_host(url: str) -> str:
    return urllib.parse.urlsplit(url).hostname or "local socket"


# --- /proc ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProcStat:
    """The fields of /proc/PID/stat the accounting needs (clock ticks)."""

    pid: int
    ppid: int
    utime: int
    stime: int
    cutime: int
    cstime: int
    state: str = "S"


def parse_stat(text: str) -> ProcStat:
    """/proc/PID/stat; the command name sits in parentheses and may hold spaces and parentheses
    itself, so the fields are counted from the last `)`."""
    pid, _, rest = text.partition(" (")
    fields = rest[rest.rindex(")") + 2 :].split()
    # fields[0] is field 3 (state): ppid is field 4, utime..cstime fields 14..17.
    return ProcStat(int(pid), int(fields[1]), int(fields[11]), int(fields[12]), int(fields[13]), int(fields[14]), fields[0])


def _cmdline(pid: int, proc: Path) -> bytes | None:
    try:
        return (proc / str(pid) / "cmdline").read_bytes()
    except OSError:
        return None


def exiting_process(st: ProcStat, proc: Path = PROC) -> bool:
    """Dead or dying: a zombie, or a process whose memory is gone (an empty command line)."""
    return st.state in "ZXx" or _cmdline(st.pid, proc) == b""


def is_client_backend(pid: int, proc: Path = PROC) -> bool:
    """A backend serving a client of the arena's database: PostgreSQL titles it
    `postgres: USER DATABASE HOST(PORT) STATE`."""
    cmd = _cmdline(pid, proc) or b""
    return cmd.startswith(f"postgres: {db.DB_USER} {db.DB_NAME} ".encode())


def read_stats(proc: Path = PROC) -> Iterator[ProcStat]:
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            yield parse_stat((entry / "stat").read_text())
        except (OSError, ValueError, IndexError):
            continue  # gone between listing and reading


def tree(root: int, stats: list[ProcStat]) -> list[ProcStat]:
    """`root` and its descendants among `stats`."""
    children: dict[int, list[ProcStat]] = {}
    for st in stats:
        children.setdefault(st.ppid, []).append(st)
    out = [st for st in stats if st.pid == root]
    i = 0
    while i < len(out):
        out += children.get(out[i].pid, [])
        i += 1
    return out


def cpu_ticks(postmaster: int, proc: Path = PROC) -> int:
    """CPU clock ticks of the cluster so far: every live process's own time plus what it collected
    from the children it reaped."""
    return sum(st.utime + st.stime + st.cutime + st.cstime for st in tree(postmaster, list(read_stats(proc))))


def postmaster_pid(data_dir: Path) -> int:
    """The first line of postmaster.pid in the data directory."""
    try:
        return int((data_dir / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError) as exc:
        raise ToolError(f"no running postmaster in {data_dir}: {exc}") from exc


# --- pinning ----------------------------------------------------------------------------------------


def pin(postmaster: int, cpus: set[int], proc: Path = PROC) -> dict[int, set[int]]:
    """Pins the postmaster and every process it has forked to `cpus`; the backends it forks later
    inherit them. Returns each process's former affinity."""
    former: dict[int, set[int]] = {}
    for st in tree(postmaster, list(read_stats(proc))):
        try:
            former[st.pid] = os.sched_getaffinity(st.pid)
            os.sched_setaffinity(st.pid, cpus)
        except ProcessLookupError:
            continue
        except PermissionError as exc:
            raise ToolError(f"cannot pin PostgreSQL's process {st.pid} to CPUs {sorted(cpus)}: {exc}") from exc
    return former


def unpin(former: dict[int, set[int]]) -> None:
    for pid, cpus in former.items():
        try:
            os.sched_setaffinity(pid, cpus)
        except (ProcessLookupError, PermissionError):
            pass


# --- one run's database -----------------------------------------------------------------------------


def check_tables(bin_dir: Path, url: str) -> None:
    """The contract's tables with the contract's row counts, or ToolError saying what is wrong."""
    try:
        counts = psql(bin_dir, url, "SELECT (SELECT count(*) FROM world), (SELECT count(*) FROM fortune)").strip()
    except ToolError as exc:
        raise ToolError(f"the database at {redact(url)} lacks the arena's tables ({exc}); seed it first") from exc
    world, _, fortunes = counts.partition("|")
    expected = (str(db.WORLD_ROWS), str(len(db.FORTUNES)))
    if (world, fortunes) != expected:
        raise ToolError(
            f"the database at {redact(url)} has {world} world and {fortunes} fortune rows, not {expected[0]} and "
            f"{expected[1]}: seed it with harness/db.py's tables"
        )


def open_local(cpus: set[int], *, install: bool = True) -> Database:
    """The private cluster, started if it is not running, seeded afresh and pinned to `cpus`."""
    running = db.read_state()
    started = running is None or not db.is_running(running)
    state = db.start(install=install)  # seeds when it starts the cluster
    if not started:
        db.seed(state)
    database = Database(state.url, "local", set(cpus), Path(state.bin_dir), started=started)
    try:
        database.postmaster = postmaster_pid(Path(state.data_dir))
        former = pin(database.postmaster, cpus)
        if not started:
            database.former_affinity = former
        check_tables(database.bin_dir, database.url)
    except BaseException:
        close(database)
        raise
    return database


def open_remote(url: str, *, install: bool = True) -> Database:
    """A database elsewhere: only checked. psql and pgbench come from this machine's PostgreSQL."""
    bins = db.ensure_installed(install=install)
    check_tables(bins, url)
    return Database(url, url_host(url), None, bins)


def close(database: Database) -> None:
    """Stops the cluster if this run started it; otherwise gives its processes their CPUs back."""
    database.close()
    if database.started:
        db.stop()
    else:
        unpin(database.former_affinity)
