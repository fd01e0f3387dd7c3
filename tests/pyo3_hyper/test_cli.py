"""`python -m pyo3_hyper module:app` in a subprocess, as a user runs it: it
serves ASGI, WSGI and factory apps; every mistake is one line on stderr;
worker processes are supervised (a killed worker comes back, SIGTERM stops
all and exits 0); and streaming 100 MB either way keeps the server small."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import httpx
import psutil
import pytest

from harness.process import free_port

pytest.importorskip("pyo3_hyper")

APP = textwrap.dedent("""
    import os

    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            message = await receive()
            if os.environ.get("FAIL_STARTUP"):
                await send({"type": "lifespan.startup.failed", "message": "cannot reach the database"})
                return
            await send({"type": "lifespan.startup.complete"})
            await receive()
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["path"] == "/download":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            chunk = b"d" * 65536
            for _ in range(100 * 1024 * 1024 // len(chunk)):
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
            return
        size = 0
        while True:
            message = await receive()
            size += len(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = f"pid={os.getpid()} size={size}".encode()
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": body})

    def create_app():
        return app

    not_an_app = 42
""")

FLASK = textwrap.dedent("""
    from flask import Flask
    app = Flask(__name__)

    @app.get("/")
    def index():
        return "flask here"
""")


# A WSGI app whose request blocks for far longer than any test waits.
BLOCKING_WSGI = textwrap.dedent("""
    import time

    def app(environ, start_response):
        time.sleep(600)
        start_response("200 OK", [])
        return [b"late"]
""")


@pytest.fixture
def app_dir(tmp_path: Path) -> Path:
    (tmp_path / "main.py").write_text(APP)
    (tmp_path / "blocking.py").write_text(BLOCKING_WSGI)
    (tmp_path / "flaskapp.py").write_text(FLASK)
    (tmp_path / "broken.py").write_text("import no_such_dependency_xyz\n")
    return tmp_path


def cli(app_dir: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "pyo3_hyper", *args],
        cwd=app_dir,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def wait_serving(proc: subprocess.Popen[str], port: int, path: str = "/") -> httpx.Response:
    deadline = time.monotonic() + 30
    while True:
        assert proc.poll() is None, f"the server exited {proc.returncode}: {proc.stderr.read() if proc.stderr else ''}"
        try:
            return httpx.get(f"http://127.0.0.1:{port}{path}", timeout=5)
        except httpx.TransportError:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)


def stop(proc: subprocess.Popen[str]) -> int:
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=15)
    finally:
        proc.kill()


def one_line_error(proc: subprocess.Popen[str]) -> tuple[int, str]:
    code = proc.wait(timeout=30)
    assert proc.stderr is not None
    err = proc.stderr.read()
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"expected one line, got: {err!r}"
    return code, lines[0]


def test_serves_module_app(app_dir):
    port = free_port()
    proc = cli(app_dir, "main:app", "--port", str(port))
    try:
        assert wait_serving(proc, port).text.startswith("pid=")
    finally:
        assert stop(proc) == 0


def test_serves_a_factory(app_dir):
    port = free_port()
    proc = cli(app_dir, "main:create_app", "--factory", "--port", str(port))
    try:
        assert wait_serving(proc, port).text.startswith("pid=")
    finally:
        assert stop(proc) == 0


def test_flask_app_is_served_through_wsgi(app_dir):
    port = free_port()
    proc = cli(app_dir, "flaskapp:app", "--port", str(port))
    try:
        assert wait_serving(proc, port).text == "flask here"
    finally:
        assert stop(proc) == 0


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["nosuchmodule:app"], "cannot import module 'nosuchmodule': no such module"),
        (["broken:app"], "cannot import module 'broken': ModuleNotFoundError: No module named 'no_such_dependency_xyz'"),
        (["main:missing"], "module 'main' has no attribute 'missing'"),
        (["main"], "the app must be given as MODULE:ATTRIBUTE"),
        (["main:not_an_app"], "neither a pyo3_hyper.App nor callable"),
        (["main:app", "--factory"], "--factory: main:app() raised TypeError"),
        (["main:app", "--interface", "grpc"], "argument --interface: invalid choice: 'grpc'"),
        (["main:app", "--processes", "0"], "argument --processes: must be at least 1"),
    ],
    ids=[
        "no-module",
        "broken-import",
        "no-attribute",
        "no-colon",
        "not-callable",
        "factory-fails",
        "bad-interface",
        "bad-processes",
    ],
)
def test_mistakes_are_one_line(app_dir, args, expected):
    code, line = one_line_error(cli(app_dir, *args, "--port", str(free_port())))
    assert code != 0
    assert line.startswith(("pyo3_hyper: error:", "python -m pyo3_hyper: error:")), line
    assert expected in line, line


@pytest.mark.parametrize("processes", [None, 2], ids=["single", "supervised"])
def test_busy_port_is_one_line(app_dir, processes):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        extra = ["--processes", str(processes)] if processes else []
        code, line = one_line_error(cli(app_dir, "main:app", "--port", str(port), *extra))
    assert code == 1 and f"127.0.0.1:{port} is already in use (EADDRINUSE)" in line


def test_failed_startup_exits_with_the_apps_message(app_dir):
    code, line = one_line_error(cli(app_dir, "main:app", "--port", str(free_port()), env={"FAIL_STARTUP": "1"}))
    assert code == 3
    assert line == "pyo3_hyper: error: application startup failed: cannot reach the database"


def test_failed_startup_of_supervised_workers_stops_the_supervisor(app_dir):
    proc = cli(app_dir, "main:app", "--port", str(free_port()), "--processes", "3", env={"FAIL_STARTUP": "1"})
    assert proc.wait(timeout=30) == 3
    err = proc.stderr.read() if proc.stderr else ""
    assert "pyo3_hyper: error: application startup failed: cannot reach the database" in err, err
    assert "before serving; stopping" in err, err


def pids_serving(port: int, want: int, tries: int = 400) -> set[int]:
    """The worker pids seen on fresh connections (SO_REUSEPORT spreads them)."""
    pids: set[int] = set()
    for _ in range(tries):
        with httpx.Client() as client:
            text = client.get(f"http://127.0.0.1:{port}/", headers={"Connection": "close"}, timeout=5).text
        pids.add(int(text.split()[0].removeprefix("pid=")))
        if len(pids) >= want:
            break
    return pids


def test_supervised_workers_share_the_port_and_come_back(app_dir):
    port = free_port()
    proc = cli(app_dir, "main:app", "--port", str(port), "--processes", "2")
    try:
        wait_serving(proc, port)
        supervisor = psutil.Process(proc.pid)
        # The first worker serves before the second is started.
        deadline = time.monotonic() + 30
        while len(workers := {p.pid for p in supervisor.children()}) < 2:
            assert time.monotonic() < deadline, "the second worker never started"
            time.sleep(0.05)
        assert len(workers) == 2
        while pids_serving(port, 2, tries=50) != workers:
            assert time.monotonic() < deadline, "both workers never served"
        victim = min(workers)
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while True:
            now = {p.pid for p in supervisor.children() if p.status() != psutil.STATUS_ZOMBIE}
            if len(now) == 2 and victim not in now:
                break
            assert time.monotonic() < deadline, f"no replacement worker: {now}"
            time.sleep(0.05)
        replacement = (now - workers).pop()
        deadline = time.monotonic() + 30
        while replacement not in pids_serving(port, 2, tries=50):
            assert time.monotonic() < deadline, "the replacement worker never served"
    finally:
        code = stop(proc)
    assert code == 0
    log = proc.stderr.read() if proc.stderr else ""
    assert f"(pid {victim}) ended with signal SIGKILL; restarting" in log, log
    assert not [p for p in psutil.process_iter(["ppid"]) if p.info["ppid"] == proc.pid]


def test_sigterm_stops_every_worker(app_dir):
    port = free_port()
    proc = cli(app_dir, "main:app", "--port", str(port), "--processes", "2")
    wait_serving(proc, port)
    deadline = time.monotonic() + 30
    while len(workers := [psutil.Process(p.pid) for p in psutil.Process(proc.pid).children()]) < 2:
        assert time.monotonic() < deadline, "the second worker never started"
        time.sleep(0.05)
    assert stop(proc) == 0
    gone, alive = psutil.wait_procs(workers, timeout=10)
    assert not alive


def supervised(app_dir: Path, port: int) -> tuple[subprocess.Popen[str], list[psutil.Process]]:
    """A supervisor with two workers, both serving, and its workers."""
    proc = cli(app_dir, "main:app", "--port", str(port), "--processes", "2")
    wait_serving(proc, port)
    deadline = time.monotonic() + 30
    while len(workers := [psutil.Process(p.pid) for p in psutil.Process(proc.pid).children()]) < 2:
        assert time.monotonic() < deadline, "the second worker never started"
        time.sleep(0.05)
    # Both serve, so the supervisor's start is over (a worker that dies during
    # the start ends it).
    while pids_serving(port, 2, tries=50) != {w.pid for w in workers}:
        assert time.monotonic() < deadline, "both workers never served"
    return proc, workers


def test_workers_end_with_a_killed_supervisor(app_dir):
    """SIGKILL leaves the supervisor no chance to stop its workers: they must
    not go on serving (and holding the port) for nobody."""
    proc, workers = supervised(app_dir, free_port())
    try:
        proc.kill()
        proc.wait(timeout=10)
        # A bound for a hang, not a speed: the stop itself gets the shutdown timeout.
        gone, alive = psutil.wait_procs(workers, timeout=30)
        assert not alive, f"workers outlived their supervisor: {[p.pid for p in alive]}"
    finally:
        for worker in workers:
            try:
                worker.kill()
            except psutil.NoSuchProcess:
                pass


def test_sigterm_to_one_worker_stops_it_and_it_comes_back(app_dir):
    port = free_port()
    proc, workers = supervised(app_dir, port)
    try:
        victim = workers[0]
        victim.send_signal(signal.SIGTERM)
        gone, alive = psutil.wait_procs([victim], timeout=30)
        assert not alive, "a worker ignored SIGTERM"
        deadline = time.monotonic() + 30
        while len([p for p in psutil.Process(proc.pid).children() if p.status() != psutil.STATUS_ZOMBIE]) < 2:
            assert time.monotonic() < deadline, "the stopped worker was not replaced"
            time.sleep(0.05)
        wait_serving(proc, port)
    finally:
        assert stop(proc) == 0


@pytest.mark.parametrize("processes", [(), ("--processes", "1")])
def test_sigterm_stops_a_blocked_wsgi_worker(app_dir, processes):
    """A request stuck in the app must not keep the process alive after
    SIGTERM: the stop is bounded by the shutdown timeout."""
    port = free_port()
    args = ("blocking:app", "--interface", "wsgi", "--port", str(port), "--shutdown-timeout", "1", *processes)
    proc = cli(app_dir, *args)
    stuck = None
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            try:
                stuck = socket.create_connection(("127.0.0.1", port), timeout=5)
                break
            except OSError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.05)
        stuck.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        everyone = [psutil.Process(proc.pid)]
        while len(everyone) < 1 + (1 if processes else 0):
            everyone = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children()]
            assert time.monotonic() < deadline, "the worker never started"
        time.sleep(0.5)  # the request reaches the app
        proc.send_signal(signal.SIGTERM)
        # A bound for a hang (the app sleeps 600 s), not a speed.
        gone, alive = psutil.wait_procs(everyone, timeout=30)
        assert not alive, f"still running after SIGTERM: {[p.pid for p in alive]}"
    finally:
        if stuck is not None:
            stuck.close()
        proc.kill()
        proc.wait()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc (utime and stime)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_idle_supervised_processes_do_not_spin(app_dir):
    """Not a speed test: an idle worker or supervisor sleeps in the kernel,
    so over 2 s it uses a few ms of CPU; one that polls in a loop uses a
    good part of a core."""
    proc, workers = supervised(app_dir, free_port())
    try:
        time.sleep(0.5)  # what start-up still does
        pids = [proc.pid, *(w.pid for w in workers)]
        before = {pid: cpu_seconds(pid) for pid in pids}
        time.sleep(2.0)
        used = {pid: cpu_seconds(pid) - before[pid] for pid in pids}
        assert all(seconds < 0.4 for seconds in used.values()), f"CPU seconds over 2 s idle: {used}"
    finally:
        assert stop(proc) == 0


# --- memory while streaming ---------------------------------------------------------------------

LIMIT = 64 * 1024 * 1024
SIZE = 100 * 1024 * 1024


class PeakRss:
    """The largest RSS of a process while a transfer runs (sampled)."""

    def __init__(self, pid: int):
        self.proc, self.peak = psutil.Process(pid), 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._sample)

    def _sample(self):
        while not self.done.is_set():
            self.peak = max(self.peak, self.proc.memory_info().rss)
            self.done.wait(0.02)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.done.set()
        self.thread.join()


def test_100mb_streamed_response_keeps_the_server_small(app_dir):
    port = free_port()
    proc = cli(app_dir, "main:app", "--port", str(port))
    try:
        wait_serving(proc, port)
        received = 0
        with PeakRss(proc.pid) as rss, httpx.stream("GET", f"http://127.0.0.1:{port}/download", timeout=60) as resp:
            for chunk in resp.iter_raw(1024 * 1024):
                received += len(chunk)
        assert received == SIZE
        assert rss.peak < LIMIT, f"server RSS peaked at {rss.peak / 2**20:.1f} MiB"
    finally:
        stop(proc)


def test_100mb_streamed_request_keeps_the_server_small(app_dir):
    port = free_port()
    proc = cli(app_dir, "main:app", "--port", str(port))
    try:
        wait_serving(proc, port)

        def body():
            chunk = b"u" * (1024 * 1024)
            for _ in range(SIZE // len(chunk)):
                yield chunk

        with PeakRss(proc.pid) as rss:
            resp = httpx.post(f"http://127.0.0.1:{port}/upload", content=body(), timeout=60)
        assert resp.text.endswith(f"size={SIZE}")
        assert rss.peak < LIMIT, f"server RSS peaked at {rss.peak / 2**20:.1f} MiB"
    finally:
        stop(proc)
