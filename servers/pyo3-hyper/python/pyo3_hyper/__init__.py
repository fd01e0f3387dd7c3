"""A hyper HTTP server embedded in Python.

    app = pyo3_hyper.App()

    @app.get("/users/{id:int}")
    def user(request):
        return {"id": request.path_params["id"]}

    pyo3_hyper.serve(app, port=8000)

Routing, body limits and the contract's error answers (404, 405 + Allow,
413, 415, 400) happen in Rust on tokio threads. Python handlers run on one
interpreter thread with an asyncio loop; `static` and `static_json` routes
never touch the interpreter.

`serve` and `start` also take the apps people already have: an ASGI 3 app
(FastAPI, Starlette, Django's ASGI handler; `pyo3_hyper.asgi`) or a WSGI app
(Flask, Django's WSGI handler; `pyo3_hyper.wsgi`). From the shell:
`python -m pyo3_hyper main:app`.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import os
import signal
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from . import _core
from ._core import HTTPError, Request, Response

# A handler, returned unchanged by the route decorators so it keeps its own type.
_H = TypeVar("_H", bound=Callable[..., Any])

__all__ = ["App", "HTTPError", "INTERFACES", "Request", "Response", "Server", "interface_of", "serve", "start"]

logger = logging.getLogger("pyo3_hyper")

TEXT_PLAIN = "text/plain; charset=utf-8"


class App(_core.App):
    """Routes and settings. `App(server_name="pyo3-hyper", body_limit=1 MiB)`."""

    def route(self, method: str, path: str, handler: Callable[[Request], Any], *, body: str | None = None) -> None:
        """Registers `handler` (plain function or `async def`) for `method path`.
        Path parameters: `{name}` (str) or `{name:int}` (digits only, else 400).
        `body="json"`: a JSON Content-Type (else 415) and a valid JSON body
        (else 400) are checked in Rust before the handler runs."""
        self._add_python(method, path, handler, inspect.iscoroutinefunction(handler), body)

    def _decorator(self, method: str, path: str, body: str | None) -> Callable[[_H], _H]:
        def register(handler: _H) -> _H:
            self.route(method, path, handler, body=body)
            return handler

        return register

    def get(self, path: str, *, body: str | None = None) -> Callable[[_H], _H]:
        return self._decorator("GET", path, body)

    def post(self, path: str, *, body: str | None = None) -> Callable[[_H], _H]:
        return self._decorator("POST", path, body)

    def put(self, path: str, *, body: str | None = None) -> Callable[[_H], _H]:
        return self._decorator("PUT", path, body)

    def patch(self, path: str, *, body: str | None = None) -> Callable[[_H], _H]:
        return self._decorator("PATCH", path, body)

    def delete(self, path: str, *, body: str | None = None) -> Callable[[_H], _H]:
        return self._decorator("DELETE", path, body)

    def static(self, path: str, body: bytes | str, content_type: str = TEXT_PLAIN, method: str = "GET") -> None:
        """A constant body answered in Rust; Python never runs for it."""
        self._add_static(path, body.encode() if isinstance(body, str) else bytes(body), content_type, method)

    def static_json(self, path: str, value: Any, method: str = "GET") -> None:
        """A constant JSON value kept in Rust and serialized per request."""
        self._add_json(path, json.dumps(value, allow_nan=False), method)


def _report(method: str, path: str, exc: BaseException) -> None:
    logger.error("handler for %s %s raised", method, path, exc_info=(type(exc), exc, exc.__traceback__))


def _run_loop(dispatcher: _core.Dispatcher, started: threading.Event) -> None:
    """The interpreter thread: an asyncio loop woken by the dispatcher's fd."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)

    def spawn(coro: Any, pending: _core.Pending) -> None:
        loop.create_task(coro).add_done_callback(pending.task_done)

    def ready() -> None:
        if dispatcher.run_ready(spawn):
            loop.stop()

    loop.add_reader(dispatcher.fileno(), ready)
    started.set()
    try:
        loop.run_forever()
    finally:
        tasks = asyncio.all_tasks(loop)
        for task in tasks:
            task.cancel()
        if tasks:
            loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
        loop.close()


class Server:
    """A server running in the background; see `start`."""

    def __init__(self, app: App, host: str, port: int, workers: int, shutdown_timeout: float):
        self._core = _core.Server(app, host, port, workers, shutdown_timeout, _report)
        self.host, self.port = host, self._core.port
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        started = threading.Event()
        self._thread = threading.Thread(
            target=_run_loop, args=(self._core.dispatcher, started), name="pyo3-hyper-python", daemon=True
        )
        self._thread.start()
        started.wait()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        """Stops accepting, finishes in-flight requests (up to the shutdown
        timeout), then ends the interpreter thread. Idempotent."""
        with self._lock:
            if self._stopped.is_set():
                return
            self._core.stop()
            if threading.current_thread() is not self._thread:
                self._thread.join()
            self._stopped.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Blocks (GIL released, signals still handled) until stopped."""
        return self._stopped.wait(timeout)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


INTERFACES = ("auto", "native", "asgi", "wsgi")


def interface_of(app: object) -> str:
    """`native` for an `App`, `asgi` for an ASGI 3 callable (an `async def`
    function or an object whose `__call__` is one), `wsgi` for any other
    callable."""
    if isinstance(app, App):
        return "native"
    call = type(app).__call__ if callable(app) and not inspect.isroutine(app) else None
    if inspect.iscoroutinefunction(app) or inspect.iscoroutinefunction(call):
        return "asgi"
    if callable(app):
        return "wsgi"
    raise TypeError(f"not an app: {type(app).__name__} is neither a pyo3_hyper.App nor callable (ASGI or WSGI)")


def start(
    app: Any,
    host: str = "127.0.0.1",
    port: int = 0,
    workers: int | None = None,
    shutdown_timeout: float = 5.0,
    *,
    interface: str = "auto",
    **options: Any,
) -> Any:
    """Serves `app` in the background; `port=0` picks a free port (`server.port`).
    `interface`: `auto` (from the app's type, `interface_of`), `native`, `asgi`
    or `wsgi`; `options` go to the ASGI server (`lifespan`, `root_path`,
    `server_header`, `loop`) or the WSGI server (`threads`, `root_path`,
    `server_header`)."""
    if interface not in INTERFACES:
        raise ValueError(f"interface must be one of {', '.join(INTERFACES)}, not {interface!r}")
    kind = interface_of(app) if interface == "auto" else interface
    workers = workers or _default_workers()
    if kind == "asgi":
        from .asgi import AsgiServer

        return AsgiServer(app, host, port, workers, shutdown_timeout, **options)
    if kind == "wsgi":
        from .wsgi import WsgiServer

        return WsgiServer(app, host, port, workers, shutdown_timeout, **options)
    if options:
        raise TypeError(f"the native interface takes no {', '.join(sorted(options))}")
    if not isinstance(app, App):
        raise TypeError(f"interface 'native' needs a pyo3_hyper.App, not {type(app).__name__}")
    return Server(app, host, port, workers, shutdown_timeout)


class _Terminated(Exception):
    pass


def _raise_terminated(signum: int, frame: object) -> None:
    raise _Terminated


def serve(
    app: Any,
    host: str = "127.0.0.1",
    port: int = 8080,
    workers: int | None = None,
    shutdown_timeout: float = 5.0,
    *,
    interface: str = "auto",
    on_ready: Callable[[Any], None] | None = None,
    **options: Any,
) -> None:
    """Serves until Ctrl-C or SIGTERM, then stops cleanly and returns. Takes
    what `start` takes; `on_ready(server)` runs once it serves."""
    server = start(app, host, port, workers, shutdown_timeout, interface=interface, **options)
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _raise_terminated) if main else None
    try:
        if on_ready is not None:
            on_ready(server)
        while not server.wait(1.0):
            pass
    except (KeyboardInterrupt, _Terminated):
        pass
    finally:
        server.stop()
        if main:
            signal.signal(signal.SIGTERM, previous)
