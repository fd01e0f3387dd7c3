"""Runs one server as a child process: start on a free port, optionally
pinned to CPUs, log to a file, wait until it answers, stop it, notice crashes."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from .errors import HarnessError, log_tail
from .manifest import ServerSpec
from .paths import LOG_DIR

READY_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 5.0


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


def answers_plaintext(host: str, port: int, timeout: float = 1.0) -> bool:
    """The contract's readiness probe: `GET /plaintext` answers 200."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", "/plaintext", headers={"Connection": "close"})
        return conn.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


class ServerProcess:
    """A running server. Use as a context manager, or call start()/stop()."""

    def __init__(
        self,
        spec: ServerSpec,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        workers: int = 1,
        cpus: set[int] | None = None,
        log_dir: Path = LOG_DIR,
        ready_timeout: float = READY_TIMEOUT_S,
        env: dict[str, str] | None = None,
    ):
        self.spec, self.host, self.workers, self.cpus = spec, host, workers, cpus
        self.port = port or free_port(host)
        self.ready_timeout = ready_timeout
        self.log = log_dir / f"{spec.name}-{self.port}.log"
        self.extra_env = env or {}
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int:
        if self.proc is None:
            raise RuntimeError(f"{self.spec.name} is not started")
        return self.proc.pid

    def argv(self) -> list[str]:
        return self.spec.argv(host=self.host, port=self.port, workers=self.workers, python=sys.executable)

    def start(self) -> ServerProcess:
        argv = self.argv()
        binary = self.spec.build.binary
        if binary is not None and not binary.exists():
            raise HarnessError(self.spec.name, "start", f"{binary} is not built; run `python -m harness build {self.spec.name}`")
        self.log.parent.mkdir(parents=True, exist_ok=True)
        cpus = self.cpus
        with self.log.open("a") as out:
            out.write("$ " + " ".join(argv) + "\n")
            out.flush()
            self.proc = subprocess.Popen(
                argv,
                cwd=self.spec.directory,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, **self.spec.env, **self.extra_env},
                # Own process group: stop() signals the server and any worker processes it forks.
                start_new_session=True,
                preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None,
            )
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.ready_timeout
        while time.monotonic() < deadline:
            self.check_alive(step="start")
            if answers_plaintext(self.host, self.port):
                return
            time.sleep(0.05)
        self.stop()
        raise HarnessError(
            self.spec.name, "start", f"not ready on {self.url} within {self.ready_timeout:.0f}s", self.log, log_tail(self.log)
        )

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def check_alive(self, step: str = "serve") -> None:
        """Raises if the server exited while it should be running."""
        if self.proc is not None and self.proc.poll() is not None:
            raise HarnessError(
                self.spec.name, step, f"server exited with code {self.proc.returncode}", self.log, log_tail(self.log)
            )

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> int | None:
        """SIGTERM, then SIGKILL after `timeout`; returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self._signal_group(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self.proc.wait()
        # Worker processes a server forked may outlive it; the group dies with it.
        self._signal_group(signal.SIGKILL)
        return self.proc.returncode

    def _signal_group(self, sig: int) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
