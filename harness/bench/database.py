"""The database side of a bench run with database scenarios: the PostgreSQL the servers talk to,
where it runs and on which CPUs, and what it spends.

- **Here** (the default): the private cluster of harness/db.py, started by the bench when it is not
  running (and stopped at the end only then), re-seeded at the start of the run, and pinned to the
  database CPUs. Pinning sets the affinity of the postmaster and of every process it has forked so
  far; a backend forks from the postmaster when a client connects, so it inherits the postmaster's
  CPUs (tests/bench/test_database_live.py checks a fresh backend's affinity). A cluster the bench did
  not start gets its former affinity back at the end.
- **On a database host** (`--database-url` and `--database-host`): a PostgreSQL the person runs on
  another machine (e.g. `python -m harness db start --listen ADDRESS` there), reached for SQL at the
  URL and for measuring through ssh (harness/hosts.py). The harness neither starts nor seeds it; it
  checks the tables, finds the postmaster as the parent of its own psql session's backend, pins it
  there with taskset when `--db-cpus` is given, and reads CPU time and steal from that host's /proc
  with one shell command per sample (`RemoteProcs`; no program of ours runs there).
- **Elsewhere, unmeasured** (`--database-url` alone): only the tables are checked; its CPU is not
  measured (None: unmeasured).

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
from ..hosts import Host, HostError, HostInfo, Shell, cpu_list, probe
from .measure import jiffies_in as measure_jiffies

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
    # The CPUs the cluster is pinned to, or (on a database host without --db-cpus) all of that
    # host's usable CPUs; None where the harness does not measure it.
    cpus: set[int] | None
    bin_dir: Path
    # The postmaster's pid: its processes' CPU time is measured. None: unmeasured (elsewhere).
    postmaster: int | None = None
    # The bench started the cluster (and stops it at the end).
    started: bool = False
    # A cluster the bench found running: each process's affinity before pinning, restored at the end.
    former_affinity: dict[int, set[int]] = field(default_factory=dict)
    # Where its processes are read: this machine's /proc, or the database host's through ssh.
    procs: Procs = field(default_factory=lambda: LocalProcs(PROC))
    # The ssh destination of the database host; None: this machine (or unmeasured).
    machine: str | None = None
    # The database host as results.json records it (kernel, CPU), when it is another host.
    info: HostInfo | None = None
    # The psql session the statements are read through (opened on first use).
    session: Session | None = None

    @property
    def measured(self) -> bool:
        """Its CPU time is measured (here or on its host)."""
        return self.postmaster is not None

    @property
    def pgbench(self) -> Path:
        return self.bin_dir / "pgbench"

    def on(self, host: Host) -> bool:
        """Runs on `host`'s machine (so a load generator there shares its CPUs)."""
        return self.postmaster is not None and self.machine == host.destination

    def cpu_seconds(self) -> float | None:
        """CPU seconds the cluster's processes have used so far (None: not measured here)."""
        if self.postmaster is None:
            return None
        snapshot = self.procs.snapshot()
        return cluster_ticks(self.postmaster, snapshot.stats) / self.procs.clock_ticks

    def cpu_jiffies(self) -> tuple[int, int] | None:
        """(steal, total) jiffies of the database's CPUs on its host; None where unmeasured."""
        if self.postmaster is None or not self.cpus:
            return None
        return self.procs.cpu_jiffies(self.cpus)

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
            snapshot = self.procs.snapshot()
            kids = [st for st in tree(self.postmaster, snapshot.stats) if st.pid != self.postmaster]
            exiting = any(exiting_process(st, snapshot.cmdline(st.pid)) for st in kids)
            backends = [st for st in kids if st.pid not in keep and is_client_backend(snapshot.cmdline(st.pid))]
            if not exiting and (clients is None or len(backends) <= clients):
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)

    def close(self) -> None:
        if self.session is not None:
            self.session.close()
            self.session = None
        self.procs.close()


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


def exiting_process(st: ProcStat, cmdline: bytes | None) -> bool:
    """Dead or dying: a zombie, or a process whose memory is gone (an empty command line)."""
    return st.state in "ZXx" or cmdline == b""


def is_client_backend(cmdline: bytes | None) -> bool:
    """A backend serving a client of the arena's database: PostgreSQL titles it
    `postgres: USER DATABASE HOST(PORT) STATE`."""
    return (cmdline or b"").startswith(f"postgres: {db.DB_USER} {db.DB_NAME} ".encode())


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


def cluster_ticks(postmaster: int, stats: list[ProcStat]) -> int:
    """CPU clock ticks of the cluster so far: every live process's own time plus what it collected
    from the children it reaped."""
    return sum(st.utime + st.stime + st.cutime + st.cstime for st in tree(postmaster, stats))


def cpu_ticks(postmaster: int, proc: Path = PROC) -> int:
    return cluster_ticks(postmaster, list(read_stats(proc)))


@dataclass
class Snapshot:
    """The processes of a host at one moment: their stat fields and command lines."""

    stats: list[ProcStat]
    cmdlines: dict[int, bytes]

    def cmdline(self, pid: int) -> bytes | None:
        return self.cmdlines.get(pid)


class LocalProcs:
    """This machine's processes, read from `proc` (a directory shaped like /proc in tests)."""

    def __init__(self, proc: Path = PROC):
        self.proc = proc
        self.clock_ticks = CLOCK_TICKS

    def snapshot(self) -> Snapshot:
        stats = list(read_stats(self.proc))
        cmdlines: dict[int, bytes] = {}
        for st in stats:
            try:
                cmdlines[st.pid] = (self.proc / str(st.pid) / "cmdline").read_bytes()
            except OSError:
                continue
        return Snapshot(stats, cmdlines)

    def cpu_jiffies(self, cpus: set[int]) -> tuple[int, int]:
        try:
            return measure_jiffies((self.proc / "stat").read_text(), cpus)
        except OSError:
            return 0, 0

    def close(self) -> None:
        pass


# Every process's stat line and command line, then the CPU lines of /proc/stat, in one pass of
# shell builtins (no process started per pid: a sample must not disturb the host it measures).
# `read` drops the NULs between a command line's words, which the backend test does not need.
_SNAPSHOT = r"""
for d in /proc/[0-9]*; do
    read -r s 2>/dev/null < "$d/stat" || continue
    c=; read -r c 2>/dev/null < "$d/cmdline"
    printf 'P %s\nC %s\n' "$s" "$c"
done
while read -r l; do
    case $l in cpu[0-9]*) printf 'S %s\n' "$l" ;; esac
done < /proc/stat
"""


def parse_snapshot(text: str) -> tuple[Snapshot, str]:
    """The output of _SNAPSHOT: the processes, and the /proc/stat CPU lines."""
    stats: list[ProcStat] = []
    cmdlines: dict[int, bytes] = {}
    cpu_lines: list[str] = []
    last: ProcStat | None = None
    for line in text.splitlines():
        tag, _, rest = line.partition(" ")
        if tag == "P":
            try:
                last = parse_stat(rest)
            except (ValueError, IndexError):
                last = None
                continue
            stats.append(last)
        elif tag == "C" and last is not None:
            cmdlines[last.pid] = rest.encode()
        elif tag == "S":
            cpu_lines.append(rest)
    return Snapshot(stats, cmdlines), "\n".join(cpu_lines)


class RemoteProcs:
    """A database host's processes, read through ssh (one command per sample)."""

    def __init__(self, shell: Shell):
        self.shell = shell
        out = shell.run(["getconf", "CLK_TCK"]).stdout.decode().strip()
        self.clock_ticks = int(out) if out.isdigit() else 100
        self._cpu_stat = ""

    def snapshot(self) -> Snapshot:
        proc = self.shell.sh(_SNAPSHOT)
        if proc.returncode != 0:
            raise HostError(f"{self.shell.host.name}: cannot read /proc: {proc.stderr.decode(errors='replace')[-300:]}")
        snapshot, self._cpu_stat = parse_snapshot(proc.stdout.decode(errors="replace"))
        return snapshot

    def cpu_jiffies(self, cpus: set[int]) -> tuple[int, int]:
        self.snapshot()
        return measure_jiffies(self._cpu_stat, cpus)

    def close(self) -> None:
        self.shell.close()


Procs = LocalProcs | RemoteProcs


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


def open_host(url: str, host: Host, cpus: set[int] | None, *, install: bool = True) -> Database:
    """A database on its own host, reached at `url` for SQL and through ssh at `host` for measuring:
    checked, its postmaster found there (the parent of our session's backend), pinned to `cpus`
    there when given (else all of the host's usable CPUs are the ones watched)."""
    bins = db.ensure_installed(install=install)
    check_tables(bins, url)
    shell = Shell(host)
    database = Database(url, url_host(url), None, bins, machine=host.destination)
    try:
        shell.open()
        database.info = probe(shell).info
        database.procs = RemoteProcs(shell)
        database.session = Session(bins, url)
        snapshot = database.procs.snapshot()
        backend = next((st for st in snapshot.stats if st.pid == database.session.backend), None)
        if backend is None or not (snapshot.cmdline(backend.pid) or b"").startswith(b"postgres:"):
            raise HostError(
                f"the database at {redact(url)} does not run on {host.name}: the backend of our session "
                f"(pid {database.session.backend}) is not a PostgreSQL process there"
            )
        database.postmaster = backend.ppid
        usable = set(database.info["cpus_usable"])
        if cpus:
            if cpus - usable:
                raise HostError(f"--db-cpus {sorted(cpus)}: CPUs {sorted(cpus - usable)} are not usable on {host.name}")
            database.former_affinity = pin_remote(shell, database.postmaster, snapshot.stats, cpus)
        database.cpus = set(cpus) if cpus else usable
    except BaseException:
        close(database)
        raise
    return database


def pin_remote(shell: Shell, postmaster: int, stats: list[ProcStat], cpus: set[int]) -> dict[int, set[int]]:
    """`pin` on the database host, with taskset there; returns each process's former affinity."""
    cpu_text = ",".join(str(c) for c in sorted(cpus))
    former: dict[int, set[int]] = {}
    for st in tree(postmaster, stats):
        was = shell.run(["taskset", "-p", "-c", str(st.pid)])
        if was.returncode != 0:
            continue  # gone since the snapshot
        former[st.pid] = set(cpu_list(was.stdout.decode().rpartition(":")[2].strip()))
        done = shell.run(["taskset", "-p", "-c", cpu_text, str(st.pid)])
        if done.returncode != 0:
            raise HostError(
                f"{shell.host.name}: cannot pin PostgreSQL's process {st.pid} to CPUs {cpu_text}: "
                f"{done.stderr.decode(errors='replace').strip()[-200:]} (ssh as root or as the cluster's user)"
            )
    return former


def close(database: Database) -> None:
    """Stops the cluster if this run started it; otherwise gives its processes their CPUs back."""
    if isinstance(database.procs, RemoteProcs):
        for pid, cpus in database.former_affinity.items():
            try:
                database.procs.shell.run(["taskset", "-p", "-c", ",".join(str(c) for c in sorted(cpus)), str(pid)])
            except HostError:
                break  # the host went away: nothing left to give back
    elif not database.started:
        unpin(database.former_affinity)
    database.close()
    if database.started:
        db.stop()
