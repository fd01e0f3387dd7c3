"""ASGI 3.0 on pyo3-hyper: FastAPI, Starlette, Django (ASGI) apps unchanged.

    server = pyo3_hyper.start(app, port=8000)      # any ASGI 3 callable
    pyo3_hyper.serve(app, port=8000)               # until Ctrl-C / SIGTERM

hyper parses and frames HTTP/1.1 on tokio threads; the app runs on one
interpreter thread with an asyncio (or uvloop) event loop, one task per
request. `receive()` streams the request body (`more_body`), then gives
`http.disconnect`; `send()` streams the response (chunked when the app gives
no `Content-Length`), waiting while the client reads slower than the app
writes. The lifespan protocol runs on the same loop, with `state`.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from . import _core
from ._core import ClientDisconnected

__all__ = ["AsgiServer", "ClientDisconnected", "LifespanFailed"]

logger = logging.getLogger("pyo3_hyper")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]]

LIFESPAN_MODES = ("auto", "on", "off")
LOOPS = ("auto", "asyncio", "uvloop")


class LifespanFailed(RuntimeError):
    """The app refused to start (`lifespan.startup.failed`, or an error in
    `--lifespan on` mode); the message is the app's."""


async def _run(app: ASGIApp, scope: Scope, cycle: _core.HttpCycle | _core.WsCycle) -> None:
    """One request's task: the app, then the server's side of the ending."""
    try:
        await app(scope, cycle.receive, cycle.send)
    except ClientDisconnected:
        # Raised by send() because the client left: not the app's error
        # (ASGI HTTP spec 2.4), so not logged.
        cycle.finish()
    except Exception as exc:
        cycle.finish(exc)
        logger.error("Exception in ASGI application", exc_info=exc)
    except BaseException as exc:
        # Cancelled at shutdown, KeyboardInterrupt, SystemExit: end the
        # response, let the exception go on.
        cycle.finish(exc)
        raise
    else:
        if cycle.finish():
            logger.error("ASGI callable returned without completing the response")


async def _receive_later(future: asyncio.Future[None], cycle: _core.HttpCycle | _core.WsCycle) -> Message:
    """receive() when nothing was there yet: wait for the tokio side's
    wake-up, then look again."""
    await future
    return await cycle.receive()


class _Lifespan:
    """The lifespan protocol (asgiref specs/lifespan.rst), as uvicorn runs it:
    `auto` tolerates an app that does not speak it; a `startup.failed` stops
    the server in every mode."""

    def __init__(self, app: ASGIApp, mode: str) -> None:
        self.app, self.mode = app, mode
        self.state: dict[str, Any] = {}
        self.failed: str | None = None
        self.error: BaseException | None = None
        self.inbox: asyncio.Queue[Message] = asyncio.Queue()
        self.started = asyncio.Event()
        self.stopped = asyncio.Event()
        self.task: asyncio.Task[None] | None = None
        self.running = False

    async def startup(self) -> None:
        if self.mode == "off":
            return
        self.task = asyncio.get_running_loop().create_task(self._main())
        await self.inbox.put({"type": "lifespan.startup"})
        await self.started.wait()
        if self.failed is not None:
            raise LifespanFailed(self.failed)
        if self.error is not None and self.mode == "on":
            raise LifespanFailed(f"lifespan startup raised {self.error!r}")

    async def shutdown(self) -> None:
        if self.task is None or not self.running:
            return
        await self.inbox.put({"type": "lifespan.shutdown"})
        await self.stopped.wait()
        if self.failed is not None:
            logger.error("lifespan shutdown failed: %s", self.failed)

    async def _main(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": self.state}
        try:
            await self.app(scope, self.receive, self.send)
        except BaseException as exc:
            self.error = exc
            if self.started.is_set():
                logger.error("Exception in the ASGI lifespan", exc_info=exc)
            elif self.mode == "on":
                logger.error("Exception in the ASGI lifespan startup", exc_info=exc)
            else:
                logger.info("ASGI 'lifespan' protocol appears unsupported.")
        finally:
            # An app that returns (or raises) without answering: serve anyway.
            self.started.set()
            self.stopped.set()

    async def receive(self) -> Message:
        return await self.inbox.get()

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "lifespan.startup.complete" and not self.started.is_set():
            self.running = True
            self.started.set()
        elif kind == "lifespan.startup.failed" and not self.started.is_set():
            self.failed = message.get("message") or "lifespan.startup.failed"
            self.started.set()
        elif kind == "lifespan.shutdown.complete" and self.running:
            self.stopped.set()
        elif kind == "lifespan.shutdown.failed" and self.running:
            self.failed = message.get("message") or "lifespan.shutdown.failed"
            self.stopped.set()
        else:
            raise RuntimeError(f"Unexpected ASGI lifespan message {kind!r}")


def new_event_loop(kind: str = "auto") -> asyncio.AbstractEventLoop:
    """uvloop when asked for, or when `auto` and it is installed."""
    if kind not in LOOPS:
        raise ValueError(f"loop must be one of {', '.join(LOOPS)}, not {kind!r}")
    if kind != "asyncio":
        try:
            import uvloop
        except ImportError:
            if kind == "uvloop":
                raise
        else:
            return uvloop.new_event_loop()
    return asyncio.new_event_loop()


class AsgiServer:
    """An ASGI app served in the background; `pyo3_hyper.start(app)` makes one.
    Same face as `pyo3_hyper.Server`: `port`, `url`, `stop()`, `wait()`, `with`."""

    def __init__(
        self,
        app: ASGIApp,
        host: str,
        port: int,
        workers: int,
        shutdown_timeout: float,
        *,
        lifespan: str = "auto",
        root_path: str = "",
        server_header: str | None = "pyo3-hyper",
        loop: str = "auto",
        fd: int | None = None,
    ) -> None:
        if lifespan not in LIFESPAN_MODES:
            raise ValueError(f"lifespan must be one of {', '.join(LIFESPAN_MODES)}, not {lifespan!r}")
        self.app, self._lifespan_mode, self._root_path, self._loop_kind = app, lifespan, root_path, loop
        # Binds now, so a busy port fails here; requests wait in the queue
        # until the lifespan startup is complete.
        self._core = _core.AsgiServer(host, port, workers, shutdown_timeout, server_header, fd)
        self.host, self.port = host, self._core.port
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._startup_error: BaseException | None = None
        self._thread = threading.Thread(target=self._run_loop, name="pyo3-hyper-python", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._startup_error is not None:
            self._core.stop()
            self._thread.join()
            self._stopped.set()
            raise self._startup_error

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _run_loop(self) -> None:
        loop = new_event_loop(self._loop_kind)
        asyncio.set_event_loop(loop)
        lifespan = _Lifespan(self.app, self._lifespan_mode)
        try:
            loop.run_until_complete(lifespan.startup())
        except BaseException as exc:
            self._startup_error = exc
            self._ready.set()
            loop.run_until_complete(_cancel_all(loop))
            loop.close()
            return
        dispatcher = self._core.dispatcher
        dispatcher.bind(self.app, _run, _receive_later, loop, lifespan.state, self._root_path)

        def ready() -> None:
            if dispatcher.run_ready():
                loop.stop()

        loop.add_reader(dispatcher.fileno(), ready)
        self._ready.set()
        try:
            loop.run_forever()
            loop.remove_reader(dispatcher.fileno())
            loop.run_until_complete(lifespan.shutdown())
        finally:
            loop.run_until_complete(_cancel_all(loop))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    def stop(self) -> None:
        """Stops accepting, finishes in-flight requests (up to the shutdown
        timeout), runs the lifespan shutdown, then ends the loop thread.
        Idempotent."""
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

    def __enter__(self) -> AsgiServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


async def _cancel_all(loop: asyncio.AbstractEventLoop) -> None:
    tasks = [t for t in asyncio.all_tasks(loop) if t is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.gather(*tasks, return_exceptions=True)
