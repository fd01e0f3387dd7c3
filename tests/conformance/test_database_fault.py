"""The database fault cycle, per server with a `[database]` table (docs/API.md, "Failure"):
PostgreSQL stopped while the server serves, then frozen (SIGSTOP: it accepts connections and
never answers). Each time a burst of concurrent /db requests is answered 503
`{"error":"service_unavailable"}` within the server's `db_timeout_ms` (harness.limits.effective)
plus MARGIN_S, the server stays alive, and once PostgreSQL is back it serves 200 again within
RECOVERY_S without a restart; its descriptors do not grow past FD_SLACK over the whole cycle.

The cycle runs on a cluster of its own (`db.cluster_dir("pgfault")`, restarted on the same
port) and a server process of its own pointed at it, so the session's cluster and the shared
server processes the other tests use are never touched.
"""

from __future__ import annotations

import http.client
import json
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from harness import db, limits
from harness.errors import ToolError, log_tail
from harness.process import ServerProcess
from tests.conftest import TEST_WORKERS
from tests.support.proctree import tree_fds

from .database import UNAVAILABLE, skip_unless_declared

# Beyond the server's db_timeout_ms, the most a 503 may take to arrive: scheduling on a busy
# 2-core machine, a burst's requests queued behind each other in a Python worker.
MARGIN_S = 2.0
# Concurrent requests per burst: more than the pools' connections (TEST_WORKERS x 4), so
# requests also wait for a connection, and enough that a descriptor leaked per failed request
# shows past FD_SLACK.
BURST = 32
# Once PostgreSQL is back, a burst must be all 200 within this.
RECOVERY_S = 15.0
# Descriptors the server may hold beyond its count after the warm-up (pool connections opened
# on other workers, a timer, a log file); and how long the count may take to settle.
FD_SLACK = 16
FD_SETTLE_S = 10.0


@dataclass
class Answer:
    status: int | None
    body: bytes
    seconds: float
    error: str = ""

    def __str__(self) -> str:
        what = f"{self.status} {self.body[:60]!r}" if self.status else self.error
        return f"{what} after {self.seconds:.2f}s"


def get(port: int, path: str, timeout: float) -> Answer:
    t0 = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Connection": "close"})
        resp = conn.getresponse()
        return Answer(resp.status, resp.read(), time.monotonic() - t0)
    except (OSError, http.client.HTTPException) as exc:
        return Answer(None, b"", time.monotonic() - t0, f"{type(exc).__name__}: {exc}")
    finally:
        conn.close()


@pytest.fixture(scope="session")
def fault_cluster():
    """The fault test's own cluster; left stopped and its directory kept (initdb once)."""
    base = db.cluster_dir("pgfault")
    try:
        state = db.start(base=base)
    except ToolError as exc:
        pytest.skip(f"no PostgreSQL for the fault test: {exc}")
    yield base, state.port
    db.signal_processes(state, signal.SIGCONT)
    db.stop(base)


class Cycle:
    """One server through the fault cycle; every failure names the server, the step and the log."""

    def __init__(self, proc: ServerProcess, base, port: int):
        self.proc, self.base, self.port = proc, base, port
        self.timeout_s = limits.effective(proc.spec, "db_timeout_ms") / 1000
        self.bound_s = self.timeout_s + MARGIN_S
        self.step = "start"

    def enter(self, step: str) -> None:
        """Starts `step`; the time each step took is printed (shown with the output of a failure)."""
        now = time.monotonic()
        if hasattr(self, "_since"):
            print(f"{self.proc.spec.name}: {self.step}: {now - self._since:.2f}s")
        self.step, self._since = step, now

    def fail(self, message: str) -> None:
        tail = log_tail(self.proc.log)
        pytest.fail(f"{self.proc.spec.name}, step {self.step!r}: {message} (log: {self.proc.log})\n{tail}", pytrace=False)

    def alive(self) -> None:
        if not self.proc.running():
            self.fail(f"the server exited (code {self.proc.proc.returncode if self.proc.proc else '?'})")

    def burst(self, n: int = BURST) -> list[Answer]:
        with ThreadPoolExecutor(n) as pool:
            return list(pool.map(lambda _: get(self.proc.port, "/db", self.bound_s + 5), range(n)))

    def expect_unavailable(self) -> None:
        answers = self.burst()
        self.alive()
        wrong = [a for a in answers if a.status != 503 or _json(a.body) != UNAVAILABLE]
        if wrong:
            self.fail(f"{len(wrong)} of {len(answers)} answers not 503 {UNAVAILABLE}: {', '.join(map(str, wrong[:5]))}")
        slow = [a for a in answers if a.seconds > self.bound_s]
        if slow:
            self.fail(
                f"{len(slow)} of {len(answers)} 503s later than db_timeout_ms {self.timeout_s:g}s + {MARGIN_S:g}s:"
                f" {', '.join(map(str, slow[:5]))}"
            )

    def expect_recovery(self) -> None:
        deadline = time.monotonic() + RECOVERY_S
        while True:
            answers = self.burst(2 * TEST_WORKERS * limits.contract_limits()["db_connections_per_worker"])
            self.alive()
            bad = [a for a in answers if a.status != 200]
            if not bad:
                return
            if time.monotonic() > deadline:
                self.fail(f"not serving {RECOVERY_S:g}s after PostgreSQL came back: {', '.join(map(str, bad[:5]))}")
            time.sleep(0.2)

    def while_serving(self, action: Callable[[], object]) -> list[Answer]:
        """`action` while a client keeps asking /db (bounded: at most 500 requests)."""
        answers: list[Answer] = []
        done = threading.Event()

        def client() -> None:
            while not done.is_set() and len(answers) < 500:
                answers.append(get(self.proc.port, "/db", self.bound_s + 5))

        thread = threading.Thread(target=client)
        thread.start()
        time.sleep(0.05)
        try:
            action()
        finally:
            done.set()
            thread.join()
        return answers


def _json(body: bytes) -> object:
    try:
        return json.loads(body)
    except ValueError:
        return None


def test_database_fault_cycle(server_spec, fault_cluster, tmp_path_factory):
    skip_unless_declared(server_spec)
    base, port = fault_cluster
    state = db.start(base=base, port=port, reseed=False)
    log_dir = tmp_path_factory.mktemp(f"fault-{server_spec.name}")
    proc = ServerProcess(server_spec, workers=TEST_WORKERS, log_dir=log_dir, env={db.DATABASE_URL_ENV: state.url})
    t0 = time.monotonic()
    proc.start()
    print(f"{server_spec.name}: start: {time.monotonic() - t0:.2f}s")
    cycle = Cycle(proc, base, port)
    try:
        cycle.enter("warm-up")
        cycle.expect_recovery()
        fds_before = tree_fds(proc.pid)

        cycle.enter("stop PostgreSQL while serving")
        during = cycle.while_serving(lambda: db.stop(base))
        cycle.alive()
        odd = [a for a in during if a.status not in (200, 503) or a.seconds > cycle.bound_s]
        if odd or not during:
            cycle.fail(f"while PostgreSQL stopped, answers not 200 or 503 in bound: {', '.join(map(str, odd[:5]))}")
        cycle.enter("PostgreSQL stopped")
        cycle.expect_unavailable()

        cycle.enter("PostgreSQL restarted")
        state = db.start(base=base, port=port, reseed=False)
        cycle.expect_recovery()

        cycle.enter("PostgreSQL frozen (SIGSTOP)")
        frozen = db.signal_processes(state, signal.SIGSTOP)
        try:
            if not frozen:
                cycle.fail("no PostgreSQL process to freeze")
            cycle.expect_unavailable()
        finally:
            db.signal_processes(state, signal.SIGCONT)

        cycle.enter("PostgreSQL thawed (SIGCONT)")
        cycle.expect_recovery()

        cycle.enter("descriptors after the cycle")
        deadline = time.monotonic() + FD_SETTLE_S
        while (fds := tree_fds(proc.pid)) > fds_before + FD_SLACK and time.monotonic() < deadline:
            time.sleep(0.2)
        if fds > fds_before + FD_SLACK:
            cycle.fail(f"{fds} descriptors open, {fds_before} after the warm-up (slack {FD_SLACK}): a leak per failed request?")
        cycle.alive()
        cycle.enter("done")
    finally:
        t0 = time.monotonic()
        code = proc.stop()
        print(f"{server_spec.name}: stop: {time.monotonic() - t0:.2f}s, exit {code}")
        db.signal_processes(state, signal.SIGCONT)
