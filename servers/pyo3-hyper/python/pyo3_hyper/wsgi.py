"""WSGI (PEP 3333) on pyo3-hyper: Flask and Django (WSGI) apps unchanged.

    server = pyo3_hyper.start(flask_app, port=8000)   # found to be WSGI
    pyo3_hyper.serve(flask_app, port=8000, threads=16)

hyper parses and frames HTTP/1.1 on tokio threads; the app runs on a fixed
pool of threads (`threads`), so a blocking app holds one of them, never the
server. `wsgi.input` streams the request body (chunked bodies too:
`wsgi.input_terminated`); the response streams as the app yields it, chunked
when the app gives no Content-Length, the app's thread waiting while the
client reads slower than it writes.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from . import _core
from ._core import ClientDisconnected

# Seconds an idle pool thread waits for a request before it looks whether
# the server stopped.
POLL = 0.05
# What the pool's threads get to end after the server's stop (in-flight
# requests had the shutdown timeout already): a few polls.
POOL_EXIT = 1.0

__all__ = ["WsgiServer"]

logger = logging.getLogger("pyo3_hyper")

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def default_threads() -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(4, 2 * cores)


class _Input:
    """`wsgi.input`: a read-only binary stream over the request body."""

    def __init__(self, request: _core.WsgiRequest) -> None:
        self._request = request

    def read(self, size: int | None = -1) -> bytes:
        return self._request.read(-1 if size is None else size)

    def readline(self, size: int | None = -1) -> bytes:
        return self._request.readline(-1 if size is None else size)

    def readlines(self, hint: int = -1) -> list[bytes]:
        lines, total = [], 0
        while line := self.readline():
            lines.append(line)
            total += len(line)
            if 0 < hint <= total:
                break
        return lines

    def __iter__(self) -> Iterator[bytes]:
        while line := self.readline():
            yield line


def _status_code(status: str) -> int:
    code = status.split(" ", 1)[0]
    if len(code) != 3 or not code.isdigit():
        raise ValueError(f"invalid WSGI status {status!r}: it must start with a three-digit code")
    return int(code)


def handle(app: WSGIApp, request: _core.WsgiRequest) -> None:
    """One request, PEP 3333's way, on a pool thread."""
    environ = request.environ()
    environ["wsgi.input"] = _Input(request)
    environ["wsgi.errors"] = sys.stderr
    started = False

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
        nonlocal started
        if exc_info is not None:
            try:
                if request.head_sent:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        elif started:
            raise AssertionError("start_response() called a second time without exc_info")
        request.start(_status_code(status), headers)
        started = True
        return request.write

    result: Iterable[bytes] | None = None
    try:
        result = app(environ, start_response)
        if isinstance(result, list | tuple) and not request.head_sent:
            # A whole body in hand: one response with its length.
            request.finish(b"".join(result))
        else:
            for block in result:
                if block:
                    request.write(block)
            request.finish()
    except ClientDisconnected:
        request.fail()
    except Exception as exc:
        request.fail()
        logger.error("Exception in WSGI application", exc_info=exc)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            try:
                close()
            except Exception as exc:
                logger.error("Exception in the WSGI iterable's close()", exc_info=exc)


class WsgiServer:
    """A WSGI app served in the background; `pyo3_hyper.start(app)` makes one.
    Same face as `pyo3_hyper.Server`: `port`, `url`, `stop()`, `wait()`, `with`."""

    def __init__(
        self,
        app: WSGIApp,
        host: str,
        port: int,
        workers: int,
        shutdown_timeout: float,
        *,
        threads: int | None = None,
        root_path: str = "",
        server_header: str | None = "pyo3-hyper",
        multiprocess: bool = False,
        fd: int | None = None,
    ) -> None:
        self.app = app
        threads = threads or default_threads()
        if threads < 1:
            raise ValueError("threads must be at least 1")
        self._core = _core.WsgiServer(host, port, workers, shutdown_timeout, server_header, root_path, multiprocess, fd)
        self.host, self.port = host, self._core.port
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._work, name=f"pyo3-hyper-wsgi-{i}", daemon=True) for i in range(threads)]
        for thread in self._threads:
            thread.start()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _work(self) -> None:
        core = self._core
        while not core.closed:
            request = core.next_request(POLL)
            if request is not None:
                handle(self.app, request)

    def stop(self) -> None:
        """Stops accepting, finishes in-flight requests (up to the shutdown
        timeout), then ends the pool. Idempotent."""
        with self._lock:
            if self._stopped.is_set():
                return
            self._core.stop()
            # An idle pool thread sees the stop within its poll; one still in
            # the app after the shutdown timeout is left to finish on its own
            # (a daemon), as the native server leaves a blocking handler.
            deadline = time.monotonic() + POOL_EXIT
            for thread in self._threads:
                if thread is not threading.current_thread():
                    thread.join(max(0.0, deadline - time.monotonic()))
            self._stopped.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Blocks (GIL released, signals still handled) until stopped."""
        return self._stopped.wait(timeout)

    def __enter__(self) -> WsgiServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
