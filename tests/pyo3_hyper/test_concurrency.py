"""Where handlers run: plain `def` handlers on a bounded thread pool, so a blocking one
stalls neither `async def` handlers nor other `def` handlers (issue 13, defect 1)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pyo3_hyper
from pyo3_hyper import Request

BLOCKED = 5


def test_blocking_def_handlers_run_side_by_side_and_never_stall_others(app):
    entered = threading.Semaphore(0)
    release = threading.Event()

    @app.get("/block")
    def block(request: Request) -> str:
        entered.release()
        release.wait(30)
        return "unblocked"

    @app.get("/async")
    async def fast(request: Request) -> str:
        return "fast"

    @app.get("/sync")
    def sync(request: Request) -> str:
        return "sync"

    with pyo3_hyper.start(app, workers=1) as server, ThreadPoolExecutor(BLOCKED) as pool:
        try:
            blocked = [pool.submit(httpx.get, server.url + "/block", timeout=60) for _ in range(BLOCKED)]
            # All five are inside their handler at once: none waits for another to finish.
            for i in range(BLOCKED):
                assert entered.acquire(timeout=10), f"only {i} blocking handlers ran at once"
            with httpx.Client(base_url=server.url, timeout=10) as client:
                assert client.get("/async").text == "fast"
                assert client.get("/sync").text == "sync"
        finally:
            release.set()
        assert [f.result().text for f in blocked] == ["unblocked"] * BLOCKED


def test_the_blocking_pool_is_bounded(app):
    running, most = [0], [0]
    lock = threading.Lock()
    release = threading.Event()

    @app.get("/block")
    def block(request: Request) -> str:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        release.wait(30)
        with lock:
            running[0] -= 1
        return "done"

    with pyo3_hyper.start(app, workers=1, blocking_threads=2) as server, ThreadPoolExecutor(3) as pool:
        try:
            calls = [pool.submit(httpx.get, server.url + "/block", timeout=60) for _ in range(3)]
            deadline = time.monotonic() + 10
            while running[0] < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
            # The third request waits for a thread instead of starting a new one.
            time.sleep(0.3)
            assert (running[0], most[0]) == (2, 2)
        finally:
            release.set()
        assert [c.result().text for c in calls] == ["done"] * 3
    assert most[0] == 2
