"""`--processes M`: M worker processes on one port, supervised.

Each worker is `python -m pyo3_hyper` again (its own interpreter, tokio
runtime and event loop, so Python code runs on as many cores as there are
workers), serving the one listening socket the supervisor bound and the
workers inherit, as uvicorn's and granian's do (a busy port is one error
line, not M). Then the supervisor:

- starts every worker and waits until each serves (a worker writes one byte
  to an inherited pipe once its app has started); a worker that dies first
  ends the start with its exit status (its own error line is on stderr);
- restarts a worker that dies while serving, and logs it, waiting longer
  between restarts of a worker that keeps dying at once;
- on SIGTERM or SIGINT, sends SIGTERM to every worker (each finishes its
  in-flight requests and runs the lifespan shutdown), SIGKILLs those still
  there after the shutdown timeout and a margin, and exits 0;
- if it ends without that chance (SIGKILL), the kernel sends every worker
  SIGTERM (`cli.follow_supervisor`), so no worker outlives it.
"""

from __future__ import annotations

import argparse
import logging
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence

logger = logging.getLogger("pyo3_hyper")

# Seconds a worker gets to start serving: importing an app and its lifespan
# startup (a database pool) can take a while.
START_TIMEOUT = 60.0
# A worker that dies sooner than this after its start waits longer before
# the next restart: 0.5 s, doubling up to MAX_BACKOFF.
QUICK_DEATH = 1.0
MAX_BACKOFF = 10.0
# Beyond the shutdown timeout, what a worker gets to exit before SIGKILL.
EXIT_MARGIN = 5.0


class Worker:
    def __init__(self, index: int, argv: list[str], sock: socket.socket) -> None:
        self.index, self.argv, self.sock = index, argv, sock
        self.proc: subprocess.Popen[bytes] | None = None
        self.ready_fd: int | None = None
        self.started = 0.0
        self.backoff = 0.0
        self.restart_at: float | None = None

    def spawn(self) -> None:
        read, write = os.pipe()
        listening = self.sock.fileno()
        cmd = [sys.executable, "-m", "pyo3_hyper", *self.argv, "--ready-fd", str(write), "--socket-fd", str(listening)]
        cmd += ["--supervisor-pid", str(os.getpid())]
        self.proc = subprocess.Popen(cmd, pass_fds=(write, listening))
        os.close(write)
        self.ready_fd, self.started, self.restart_at = read, time.monotonic(), None

    def close_pipe(self) -> None:
        if self.ready_fd is not None:
            os.close(self.ready_fd)
            self.ready_fd = None

    def describe(self, status: int) -> str:
        pid = self.proc.pid if self.proc else "?"
        how = f"signal {signal.Signals(-status).name}" if status < 0 else f"exit status {status}"
        return f"worker {self.index} (pid {pid}) ended with {how}"


def _worker_argv(argv: Sequence[str], port: int) -> list[str]:
    """The supervisor's own arguments for a worker: the port resolved (port
    0 becomes the port it picked) and `--processes` kept, since `--ready-fd`
    makes the worker serve in its own process."""
    return [*argv, "--port", str(port)]


def supervise(args: argparse.Namespace, argv: Sequence[str], sock: socket.socket) -> int:
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    workers = [Worker(i, _worker_argv(argv, args.port), sock) for i in range(args.processes)]
    try:
        # All at once, as uvicorn and granian start theirs: the server is
        # ready (its port answers) about when every worker is.
        for worker in workers:
            worker.spawn()
        status = _wait_until_serving(workers, stop)
        if status is not None:
            return status
        if not stop.is_set():
            pid = os.getpid()
            logger.info("%d worker processes serving on %s:%d (supervisor pid %d)", len(workers), args.host, args.port, pid)
        _watch(workers, stop)
        return 0
    finally:
        _stop_all(workers, args.shutdown_timeout)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _wait_until_serving(workers: list[Worker], stop: threading.Event) -> int | None:
    """None once every worker serves (or a stop was asked); else the exit
    status to end with."""
    deadline = time.monotonic() + START_TIMEOUT
    waiting = {w.ready_fd: w for w in workers if w.ready_fd is not None}
    while waiting and not stop.is_set():
        if time.monotonic() > deadline:
            logger.error("workers did not start serving within %.0f s", START_TIMEOUT)
            return 1
        readable, _, _ = select.select(list(waiting), [], [], 0.2)
        for fd in readable:
            worker = waiting.pop(fd)
            got = os.read(fd, 1)
            worker.close_pipe()
            if not got:
                assert worker.proc is not None
                status = worker.proc.wait()
                logger.error("%s before serving; stopping", worker.describe(status))
                return status if status > 0 else 1
    return None


def _watch(workers: list[Worker], stop: threading.Event) -> None:
    while not stop.wait(0.2):
        now = time.monotonic()
        for worker in workers:
            assert worker.proc is not None
            if worker.restart_at is not None:
                if now >= worker.restart_at:
                    worker.spawn()
                continue
            if worker.ready_fd is not None:
                readable, _, _ = select.select([worker.ready_fd], [], [], 0)
                if readable:
                    os.read(worker.ready_fd, 1)
                    worker.close_pipe()
            status = worker.proc.poll()
            if status is None:
                continue
            worker.close_pipe()
            quick = now - worker.started < QUICK_DEATH
            worker.backoff = min(MAX_BACKOFF, worker.backoff * 2 or 0.5) if quick else 0.0
            logger.warning("%s; restarting%s", worker.describe(status), f" in {worker.backoff:.1f} s" if worker.backoff else "")
            worker.restart_at = now + worker.backoff


def _stop_all(workers: list[Worker], shutdown_timeout: float) -> None:
    running = [w for w in workers if w.proc is not None and w.proc.poll() is None]
    for worker in running:
        assert worker.proc is not None
        worker.proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + shutdown_timeout + EXIT_MARGIN
    for worker in running:
        assert worker.proc is not None
        try:
            worker.proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            logger.warning("worker %d (pid %d) still running after the shutdown timeout: SIGKILL", worker.index, worker.proc.pid)
            worker.proc.kill()
            worker.proc.wait()
    for worker in workers:
        worker.close_pipe()
