"""A hyper HTTP server embedded in Python.

    app = pyo3_hyper.App()

    @app.get("/users/{id:int}")
    async def user(request):
        return {"id": request.path_params["id"]}

    pyo3_hyper.serve(app, port=8000)

Routing, body limits and the contract's error answers (404, 405 + Allow, 413, 415, 400)
happen in Rust on tokio threads. `async def` handlers run on the server's asyncio loop (their
first step right on the tokio thread when the loop is idle), plain `def` handlers on a bounded
thread pool; `static` and `static_json` routes never touch the interpreter. See the README's
"Concurrency model".

`serve` and `start` also take the apps people already have: an ASGI 3 app
(FastAPI, Starlette, Django's ASGI handler; `pyo3_hyper.asgi`) or a WSGI app
(Flask, Django's WSGI handler; `pyo3_hyper.wsgi`). From the shell:
`python -m pyo3_hyper main:app`.
"""

from __future__ import annotations

import inspect
import json
import logging
import os
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import TYPE_CHECKING, Any, TypeVar

from . import _core
from ._core import HTTPError, Request, Response
from ._loop import Hook, LoopThread

if TYPE_CHECKING:
    from .testing import TestClient

# A handler or hook, returned unchanged by the decorators so it keeps its own type.
_H = TypeVar("_H", bound=Callable[..., Any])

__all__ = ["App", "HTTPError", "INTERFACES", "Request", "Response", "Server", "interface_of", "serve", "start"]

logger = logging.getLogger("pyo3_hyper")

TEXT_PLAIN = "text/plain; charset=utf-8"

# Threads for plain `def` handlers, as many as Starlette's (anyio's default limiter): a
# blocking handler mostly waits (a database, a file, another service), so a few dozen
# threads keep a few dozen waits in flight, while CPU-bound Python gains nothing from
# more threads under the GIL and each thread costs a stack.
BLOCKING_THREADS = 40


def _kind(handler: Callable[..., Any]) -> str:
    """ "async": called where the request is and awaited on the loop (`async def`, and
    generator functions, whose call runs no code yet); "blocking": the thread pool."""
    call = getattr(handler, "__call__", None)  # noqa: B004 (a callable object's own method)
    for f in (handler, call):
        if f is not None and (inspect.iscoroutinefunction(f) or inspect.isasyncgenfunction(f) or inspect.isgeneratorfunction(f)):
            return "async"
    return "blocking"


class App(_core.App):
    """Routes and settings. `App(server_name="pyo3-hyper", body_limit=1 MiB)`."""

    def route(self, method: str, path: str, handler: Callable[[Request], Any], *, body: str | None = None) -> None:
        """Registers `handler` (plain function or `async def`) for `method path`.
        Path parameters: `{name}` (str), `{name:int}` (digits only, else 400),
        `{name:path}` (the rest of the path, last segment only); percent-decoded.
        `body="json"`: a JSON Content-Type (else 415) and a valid JSON body
        (else 400) are checked in Rust before the handler runs."""
        self._add_python(method, path, handler, _kind(handler), body)

    def _decorator(self, method: str, path: str, body: str | None) -> Callable[[_H], _H]:
        def register(handler: _H) -> _H:
            self.route(method, path, handler, body=body)
            return handler

        return register

    def get(self, path: str, *, body: str | None = None) -> Callable[[_H], _H]:
        """GET (and HEAD, answered by the same handler without the body)."""
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

    def _hooks(self, name: str) -> list[Hook]:
        hooks: list[Hook] = self.__dict__.setdefault(name, [])
        return hooks

    def on_startup(self, hook: _H) -> _H:
        """Runs `hook()` (plain or `async def`) on the server's event loop before the first
        request is accepted; an exception fails `start`/`serve`. Usable as a decorator."""
        self._hooks("_on_startup").append(hook)
        return hook

    def on_shutdown(self, hook: _H) -> _H:
        """Runs `hook()` on the server's event loop after the last request, within the
        shutdown timeout. Usable as a decorator."""
        self._hooks("_on_shutdown").append(hook)
        return hook

    def test_client(self, **httpx_options: Any) -> TestClient:
        """An `httpx.Client` served by this app in-process, without a port (needs httpx):
        `with app.test_client() as client: client.get("/")`."""
        from .testing import TestClient

        return TestClient(self, **httpx_options)


def _report(method: str, path: str, exc: BaseException) -> None:
    logger.error("handler for %s %s raised", method, path, exc_info=(type(exc), exc, exc.__traceback__))


class Server:
    """A server running in the background; see `start`."""

    def __init__(
        self, app: App, host: str | None, port: int, workers: int, shutdown_timeout: float, blocking_threads: int
    ) -> None:
        self._core = _core.Server(app, host, port, workers, shutdown_timeout, blocking_threads, _report)
        self.host, self.port = host, self._core.port
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self._loop = LoopThread(self._core.dispatcher, app._hooks("_on_startup"), app._hooks("_on_shutdown"), shutdown_timeout)
        try:
            self._loop.start()
        except BaseException:
            self._core.stop()
            raise
        self._core.begin()

    @property
    def url(self) -> str:
        if self.host is None:
            return "http://testserver"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def stop(self) -> None:
        """Stops accepting, finishes in-flight requests (up to the shutdown timeout: a
        blocking handler still running then is left to finish on its own), runs the
        shutdown hooks, then ends the loop thread. Idempotent."""
        with self._lock:
            if self._stopped.is_set():
                return
            self._core.stop()
            self._loop.finish()
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

# serve()'s stop, beyond the shutdown timeout the in-flight requests get: the
# time the shutdown hooks (or the ASGI lifespan shutdown) and the threads
# get to end before the process exits anyway (less than the supervisor's
# margin before its SIGKILL, supervisor.EXIT_MARGIN).
STOP_MARGIN = 3.0


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
    blocking_threads: int = BLOCKING_THREADS,
    *,
    interface: str = "auto",
    **options: Any,
) -> Any:
    """Serves `app` in the background; `port=0` picks a free port (`server.port`). A port
    another socket holds raises OSError (EADDRINUSE). `interface`: `auto` (from the app's
    type, `interface_of`), `native`, `asgi` or `wsgi`; `options` go to the ASGI server
    (`lifespan`, `root_path`, `server_header`, `loop`, `fd`) or the WSGI server (`threads`,
    `root_path`, `server_header`, `multiprocess`, `fd`)."""
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
    return Server(app, host, port, workers, shutdown_timeout, blocking_threads)


def serve(
    app: Any,
    host: str = "127.0.0.1",
    port: int = 8080,
    workers: int | None = None,
    shutdown_timeout: float = 5.0,
    blocking_threads: int = BLOCKING_THREADS,
    *,
    interface: str = "auto",
    on_ready: Callable[[Any], None] | None = None,
    **options: Any,
) -> None:
    """Serves until Ctrl-C or SIGTERM, then stops within `shutdown_timeout` and returns;
    a second signal while it stops exits at once (status 128 + the signal's number).
    Takes what `start` takes; `on_ready(server)` runs once it serves."""
    server = start(app, host, port, workers, shutdown_timeout, blocking_threads, interface=interface, **options)
    if on_ready is not None:
        on_ready(server)
    if threading.current_thread() is not threading.main_thread():
        server.wait()  # signals are the main thread's; another thread calls server.stop()
        return
    asked = threading.Event()

    def second(signum: int, frame: FrameType | None) -> None:
        os.write(2, f"pyo3_hyper: {signal.Signals(signum).name} again, exiting now\n".encode())
        os._exit(128 + signum)

    def first(signum: int, frame: FrameType | None) -> None:
        signal.signal(signal.SIGINT, second)
        signal.signal(signal.SIGTERM, second)
        logger.info("%s: stopping (in-flight requests get %g s)", signal.Signals(signum).name, shutdown_timeout)
        asked.set()

    previous = {s: signal.signal(s, first) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        # Lock waits are interrupted by signals: the handlers run at once.
        asked.wait()
        # Stopped from another thread, so that this one stays where a second signal can reach it.
        stopper = threading.Thread(target=server.stop, name="pyo3-hyper-stop", daemon=True)
        stopper.start()
        stopper.join(shutdown_timeout + STOP_MARGIN)
        if stopper.is_alive():
            # A handler, hook or app that ignores cancellation must not keep the
            # process alive after a signal: nothing would stop it then.
            os.write(2, f"pyo3_hyper: not stopped within {shutdown_timeout + STOP_MARGIN:g} s, exiting now\n".encode())
            os._exit(1)
    finally:
        server.stop()
        for s, handler in previous.items():
            signal.signal(s, handler)
