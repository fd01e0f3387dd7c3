"""A private PostgreSQL cluster for the database scenarios (docs/API.md, "Database endpoints").

PostgreSQL comes from Debian's packages (installed with apt-get when running as root, else named).
The harness never touches a system cluster: it `initdb`s its own data directory, runs it on its
own port and unix socket, seeds it, and stops it. PostgreSQL refuses to run as root, so as root
the cluster runs as the `postgres` user the package creates; its directory then lives where that
user can reach it (`cluster_dir()`).

Every server reaches the database through one setting, the environment variable
`ARENA_DATABASE_URL` (`postgres://USER:PASSWORD@HOST:PORT/DBNAME`).

Tuning (`SETTINGS`), for a benchmark box and stated so a reader can judge it:
- `synchronous_commit = off`: an update's commit returns before its WAL reaches the disk (a real
  production choice for data that may lose the last few hundred milliseconds on a crash); fsync
  stays on, so the database still does the I/O an update costs.
- `shared_buffers = 128MB`: both tables (about 0.5 MB) stay in memory, as in any warm database.
- `max_connections = 512`: room for every server's pool at several workers plus pgbench.
- `pg_stat_statements` is loaded so tests can prove each request ran its own queries.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil

from . import tools
from .errors import ToolError
from .paths import CONTRACT_FILE, ROOT, TARGET_DIR

DATABASE_URL_ENV = "ARENA_DATABASE_URL"
DB_NAME, DB_USER, DB_PASSWORD = "hello_world", "benchmarkdbuser", "benchmarkdbpass"
# Rows of `world` (ids 1..=WORLD_ROWS): the contract's number (crates/api-model/contract.toml).
WORLD_ROWS: int = tomllib.loads(CONTRACT_FILE.read_text())["database"]["world_rows"]
# TechEmpower's fortune table, the text exactly as its verifier expects it.
FORTUNES = (
    "fortune: No such file or directory",
    "A computer scientist is someone who fixes things that aren't broken.",
    "After enough decimal places, nobody gives a damn.",
    "A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1",
    "A computer program does what you tell it to do, not what you want it to do.",
    "Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen",
    "Any program that runs right is obsolete.",
    "A list is only as strong as its weakest link. — Donald Knuth",
    "Feature: A bug with seniority.",
    "Computers make very fast, very accurate mistakes.",
    '<script>alert("This should not be displayed in a browser alert box.");</script>',
    "フレームワークのベンチマーク",
)
SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "max_connections": "512",
    "shared_buffers": "128MB",
    "synchronous_commit": "off",
    "shared_preload_libraries": "'pg_stat_statements'",
    "pg_stat_statements.track": "all",
    "log_min_messages": "warning",
}
START_TIMEOUT_S = 60


@dataclass(frozen=True)
class ClusterState:
    """What `start` leaves behind for `status`, `psql` and `stop`: where the cluster runs."""

    port: int
    data_dir: str
    socket_dir: str
    bin_dir: str
    run_as: str | None
    # The address servers reach it at: 127.0.0.1, or the one `--listen` opened (a database host's).
    address: str = "127.0.0.1"

    @property
    def url(self) -> str:
        host = f"[{self.address}]" if ":" in self.address else self.address
        return f"postgres://{DB_USER}:{DB_PASSWORD}@{host}:{self.port}/{DB_NAME}"


def bin_dir() -> Path | None:
    """The newest installed PostgreSQL's bin directory (Debian keeps one per major version)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    return found[-1].parent if found else None


def ensure_installed(*, install: bool = True) -> Path:
    found = bin_dir()
    if found is None and install and tools.apt_install("postgresql"):
        found = bin_dir()
    if found is None:
        raise ToolError("PostgreSQL is missing: install it (Debian/Ubuntu: `sudo apt-get install postgresql`) and retry")
    return found


def _run_as() -> str | None:
    """PostgreSQL refuses root: as root the cluster runs as the package's `postgres` user."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError as exc:
        raise ToolError("running as root needs the `postgres` user that Debian's postgresql package creates") from exc
    return "postgres"


def cluster_dir(name: str = "postgres") -> Path:
    """Under the target directory when the cluster's user can reach it; as root with the target
    directory inside a private home (/root), under /var/tmp, one directory per checkout. `name`
    keeps a second cluster apart (the fault test's, which it stops and freezes)."""
    preferred = TARGET_DIR / name
    if _run_as() is None or _world_traversable(TARGET_DIR):
        return preferred
    digest = hashlib.sha256(str(ROOT).encode()).hexdigest()[:12]
    return Path("/var/tmp") / f"rust-http-arena-{name}-{digest}"


def _world_traversable(path: Path) -> bool:
    for part in [path, *path.parents]:
        if part.exists() and not os.stat(part).st_mode & 0o001:
            return False
    return True


def _state_file(base: Path | None) -> Path:
    return (base or cluster_dir()) / "state.json"


def _cmd(state_bin: Path, name: str, *args: str, run_as: str | None) -> list[str]:
    cmd = [str(state_bin / name), *args]
    return ["runuser", "-u", run_as, "--", *cmd] if run_as else cmd


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def read_state(base: Path | None = None) -> ClusterState | None:
    try:
        return ClusterState(**json.loads(_state_file(base).read_text()))
    except (OSError, ValueError, TypeError):
        return None


def is_running(state: ClusterState | None = None) -> bool:
    state = state or read_state()
    if state is None:
        return False
    probe = _cmd(Path(state.bin_dir), "pg_isready", "-q", "-h", "127.0.0.1", "-p", str(state.port), run_as=None)
    return subprocess.run(probe, capture_output=True).returncode == 0


# Lets the arena's role log in with its password from other hosts (a database host's servers and
# load generator); loopback keeps initdb's `trust`. Appended once to pg_hba.conf.
HBA_REMOTE = (
    f"host {DB_NAME} {DB_USER} 0.0.0.0/0 scram-sha-256\n",
    f"host {DB_NAME} {DB_USER} ::/0 scram-sha-256\n",
)


def _allow_remote(data: Path) -> None:
    hba = data / "pg_hba.conf"
    text = hba.read_text()
    missing = [line for line in HBA_REMOTE if line not in text]
    if missing:
        with hba.open("a") as f:
            f.write("# rust-http-arena (harness/db.py): the arena's role from other hosts, with its password\n")
            f.writelines(missing)


def start(
    *, port: int | None = None, install: bool = True, base: Path | None = None, reseed: bool = True, listen: str | None = None
) -> ClusterState:
    """Starts the cluster in `base` (default `cluster_dir()`), made and seeded on first use and
    re-seeded on every start so a run begins from the same tables (`reseed=False`: kept as they
    are); returns where it runs. A cluster already running is reused. `listen`: an address of
    this host to accept the arena's role on as well (a database host; loopback always listens)."""
    current = read_state(base)
    if current is not None and is_running(current):
        if listen and current.address != listen:
            raise ToolError(f"the cluster already runs, reached at {current.address}: stop it to start it on {listen}")
        return current
    bins = ensure_installed(install=install)
    run_as = _run_as()
    base = base or cluster_dir()
    fresh = not (base / "data" / "PG_VERSION").exists()
    data, sockets = base / "data", base / "run"
    for d in (base, sockets):
        d.mkdir(parents=True, exist_ok=True)
    if run_as:
        shutil.chown(base, run_as, run_as)
        shutil.chown(sockets, run_as, run_as)
    if not (data / "PG_VERSION").exists():
        initdb = ("-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8")
        _check(_cmd(bins, "initdb", *initdb, run_as=run_as))
        with (data / "postgresql.conf").open("a") as conf:
            conf.write("\n# rust-http-arena (harness/db.py)\n")
            conf.writelines(f"{k} = {v}\n" for k, v in SETTINGS.items())
    state = ClusterState(port or _free_port(), str(data), str(sockets), str(bins), run_as, listen or "127.0.0.1")
    if listen:
        _allow_remote(data)
    log = base / "postgres.log"
    if run_as and not log.exists():
        log.touch()
        shutil.chown(log, run_as, run_as)
    # Command-line settings win over postgresql.conf's listen_addresses = '127.0.0.1'.
    opts = f"-p {state.port} -k {sockets}" + (f" -c listen_addresses=127.0.0.1,{listen}" if listen else "")
    pg_ctl = ("-D", str(data), "-l", str(log), "-o", opts, "-w", "-t", str(START_TIMEOUT_S), "start")
    _check(_cmd(bins, "pg_ctl", *pg_ctl, run_as=run_as), log=log)
    _state_file(base).write_text(json.dumps(asdict(state)) + "\n")
    if reseed or fresh:
        seed(state)
    return state


def stop(base: Path | None = None) -> bool:
    """Stops the cluster in `base` (default `cluster_dir()`) if it runs; True when one was stopped."""
    state = read_state(base)
    if state is None or not is_running(state):
        return False
    stop_cmd = _cmd(Path(state.bin_dir), "pg_ctl", "-D", state.data_dir, "-m", "fast", "-w", "stop", run_as=state.run_as)
    _check(stop_cmd)
    return True


def psql(state: ClusterState, sql: str, *, db: str = DB_NAME, superuser: bool = False) -> str:
    """Runs `sql` through psql and returns its unaligned, tuples-only output."""
    user = "postgres" if superuser else DB_USER
    cmd = [str(Path(state.bin_dir) / "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"]
    cmd += ["-h", "127.0.0.1", "-p", str(state.port), "-U", user, "-d", db, "-c", sql]
    out = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PGPASSWORD": DB_PASSWORD})
    if out.returncode != 0:
        raise ToolError(f"psql failed on {sql[:60]!r}: {out.stderr.strip()}")
    return out.stdout


def seed(state: ClusterState) -> None:
    """The role, the database and both tables, made anew: world with WORLD_ROWS random rows,
    fortune with TechEmpower's twelve messages."""
    exists = psql(state, f"SELECT 1 FROM pg_roles WHERE rolname = '{DB_USER}'", db="postgres", superuser=True).strip()
    if not exists:
        psql(state, f"CREATE ROLE {DB_USER} LOGIN PASSWORD '{DB_PASSWORD}'", db="postgres", superuser=True)
    if not psql(state, f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'", db="postgres", superuser=True).strip():
        psql(state, f"CREATE DATABASE {DB_NAME} OWNER {DB_USER} ENCODING 'UTF8'", db="postgres", superuser=True)
    psql(state, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements", superuser=True)
    fortunes = ", ".join(f"({i}, '{m.replace(chr(39), chr(39) * 2)}')" for i, m in enumerate(FORTUNES, 1))
    psql(
        state,
        "DROP TABLE IF EXISTS world, fortune;"
        " CREATE TABLE world (id integer PRIMARY KEY, randomnumber integer NOT NULL);"
        f" INSERT INTO world SELECT i, 1 + floor(random() * {WORLD_ROWS})::int FROM generate_series(1, {WORLD_ROWS}) AS i;"
        " CREATE TABLE fortune (id integer PRIMARY KEY, message text NOT NULL);"
        f" INSERT INTO fortune VALUES {fortunes};"
        " ANALYZE world; ANALYZE fortune;",
    )


def _check_address(address: str) -> None:
    """`--listen` takes an address of this host: PostgreSQL would fail later, less clearly."""
    try:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        with socket.socket(family) as s:
            s.bind((address, 0))
    except (OSError, ValueError) as exc:
        raise ToolError(f"--listen {address}: not an address of this host ({exc})") from exc


def _check(cmd: list[str], *, log: Path | None = None) -> None:
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        where = f" (log: {log})" if log else ""
        detail = (out.stderr or out.stdout).strip().splitlines()
        raise ToolError(f"`{' '.join(cmd[-3:])}` failed{where}: {detail[-1] if detail else 'no output'}")


def processes(state: ClusterState) -> list[int]:
    """The cluster's processes: the postmaster (its pid file's first line) and its children."""
    try:
        postmaster = int((Path(state.data_dir) / "postmaster.pid").read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return []
    try:
        found = psutil.Process(postmaster)
        return [postmaster, *(c.pid for c in found.children(recursive=True))]
    except psutil.NoSuchProcess:
        return []


def signal_processes(state: ClusterState, sig: signal.Signals) -> list[int]:
    """Sends `sig` to the cluster's processes (SIGSTOP: a database that accepts connections and
    queries but never answers; SIGCONT ends it); returns the pids signalled."""
    sent = []
    for pid in processes(state):
        try:
            os.kill(pid, sig)
            sent.append(pid)
        except ProcessLookupError:
            pass
    return sent


def wait_until_stopped(state: ClusterState, timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not is_running(state):
            return True
        time.sleep(0.1)
    return False


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("db", help="the private PostgreSQL cluster of the database scenarios")
    p.add_argument("action", choices=("start", "stop", "status", "psql", "seed"))
    p.add_argument("--port", type=int, default=None, help="start: the port (default: a free one)")
    p.add_argument(
        "--listen",
        default=None,
        metavar="ADDRESS",
        help="start: also accept the arena's role (with its password) on this address of the host, so that servers "
        "and a bench on other hosts reach it (a database host); the URL printed uses it",
    )
    p.add_argument(
        "--cluster",
        default=None,
        metavar="NAME",
        help="a cluster other than this checkout's default one (its own directory, port and state)",
    )
    p.set_defaults(func=cmd_db)


def cmd_db(args: argparse.Namespace) -> int:
    base = cluster_dir(args.cluster) if args.cluster else None
    if args.action == "start":
        if args.listen:
            _check_address(args.listen)
        started = start(port=args.port, base=base, listen=args.listen)
        print(
            f"PostgreSQL running on {started.address}:{started.port} (data {started.data_dir})\n{DATABASE_URL_ENV}={started.url}"
        )
        return 0
    if args.action == "stop":
        print("stopped" if stop(base) else "not running")
        return 0
    state = read_state(base)
    if state is None or not is_running(state):
        print("not running")
        return 1 if args.action != "status" else 0
    if args.action == "status":
        print(f"running on {state.address}:{state.port} (data {state.data_dir})\n{DATABASE_URL_ENV}={state.url}")
        return 0
    if args.action == "seed":
        seed(state)
        print("seeded")
        return 0
    os.execvpe(
        str(Path(state.bin_dir) / "psql"),
        ["psql", "-h", "127.0.0.1", "-p", str(state.port), "-U", DB_USER, DB_NAME],
        {**os.environ, "PGPASSWORD": DB_PASSWORD},
    )
