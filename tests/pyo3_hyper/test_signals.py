"""`serve` in a subprocess: Ctrl-C and SIGTERM end it within a second,
with the request in flight answered."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from harness.process import answers_plaintext, free_port

SCRIPT = textwrap.dedent("""
    import sys, time
    import pyo3_hyper
    app = pyo3_hyper.App()
    app.static("/plaintext", "ok")
    @app.get("/slow")
    def slow(request):
        open(sys.argv[2], "w").close()  # tells the test the request is in flight
        time.sleep(0.5)
        return "done"
    pyo3_hyper.serve(app, port=int(sys.argv[1]), workers=2)
    print("served", flush=True)
""")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_signal_stops_serve_cleanly(sig, tmp_path):
    port, marker = free_port(), tmp_path / "in-flight"
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(port), str(marker)], stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while not answers_plaintext("127.0.0.1", port):
            assert proc.poll() is None and time.monotonic() < deadline, "server did not start"
            time.sleep(0.05)
        with ThreadPoolExecutor(1) as pool:
            inflight = pool.submit(lambda: httpx.get(f"http://127.0.0.1:{port}/slow", timeout=5))
            while not marker.exists():
                assert time.monotonic() < deadline, "the slow request never reached its handler"
                time.sleep(0.01)
            sent = time.monotonic()
            proc.send_signal(sig)
            assert proc.wait(timeout=5) == 0
            assert time.monotonic() - sent < 1.0
            resp = inflight.result()
        assert resp.status_code == 200 and resp.text == "done"
        assert "served" in proc.stdout.read()
    finally:
        proc.kill()
        proc.wait()


BLOCKING_SCRIPT = textwrap.dedent("""
    import logging, sys, time
    import pyo3_hyper
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    app = pyo3_hyper.App()
    app.static("/plaintext", "ok")
    @app.get("/block")
    def block(request):
        open(sys.argv[2], "w").close()
        time.sleep(60)
        return "never"
    pyo3_hyper.serve(app, port=int(sys.argv[1]), workers=1, shutdown_timeout=float(sys.argv[3]))
    print("served", flush=True)
""")


def _serve_blocked(tmp_path, shutdown_timeout: float):
    port, marker = free_port(), tmp_path / "in-flight"
    proc = subprocess.Popen(
        [sys.executable, "-c", BLOCKING_SCRIPT, str(port), str(marker), str(shutdown_timeout)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 20
    while not answers_plaintext("127.0.0.1", port):
        assert proc.poll() is None and time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    pool = ThreadPoolExecutor(1)
    inflight = pool.submit(lambda: httpx.get(f"http://127.0.0.1:{port}/block", timeout=90))
    while not marker.exists():
        assert time.monotonic() < deadline, "the blocking request never reached its handler"
        time.sleep(0.01)
    return proc, pool, inflight


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_shutdown_timeout_bounds_a_blocking_handler(sig, tmp_path):
    """The handler sleeps 60 s; shutdown_timeout=1 ends the process long before."""
    proc, pool, inflight = _serve_blocked(tmp_path, 1.0)
    try:
        proc.send_signal(sig)
        assert proc.wait(timeout=20) == 0
        out, err = proc.communicate()
        assert "served" in out and "Traceback" not in err, err
        with pytest.raises(httpx.HTTPError):
            inflight.result()
    finally:
        proc.kill()
        proc.wait()
        pool.shutdown(wait=False, cancel_futures=True)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_second_signal_exits_at_once_and_quietly(sig, tmp_path):
    proc, pool, _ = _serve_blocked(tmp_path, 60.0)
    try:
        proc.send_signal(sig)
        assert proc.stderr is not None
        # The first signal was taken: the server logs that it is stopping.
        while "stopping" not in proc.stderr.readline():
            assert proc.poll() is None
        proc.send_signal(sig)
        assert proc.wait(timeout=20) == 128 + sig
        err = proc.stderr.read()
        assert "Traceback" not in err, err
    finally:
        proc.kill()
        proc.wait()
        pool.shutdown(wait=False, cancel_futures=True)
