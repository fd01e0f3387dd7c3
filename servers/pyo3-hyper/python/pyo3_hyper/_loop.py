"""The server's event loop thread: the Python half of the hand-off (src/handoff.rs).

The loop owns a *gate* that it gives up only while it sleeps in `epoll_wait`; a tokio
thread that finds the gate free steps a new handler's task itself, attached to the
interpreter, and wakes the loop only if the task suspended (or scheduled something).
Everything else about the loop is a plain `asyncio.SelectorEventLoop`.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import math
import select
import selectors
import threading
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from . import _core

logger = logging.getLogger("pyo3_hyper")

T = TypeVar("T")


async def _await(awaitable: Awaitable[T]) -> T:
    """A coroutine for any awaitable (`asyncio.Task` takes coroutines only)."""
    return await awaitable


class _GatedSelector(selectors.EpollSelector):
    """epoll, with the gate given up for the wait and taken back before anything else:
    while the loop sleeps, a tokio thread may run the loop's Python code; never while
    the loop runs it."""

    def __init__(self, dispatcher: _core.Dispatcher) -> None:
        super().__init__()
        self._dispatcher = dispatcher

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        # epoll takes seconds; -1 waits for ever, and a positive timeout is rounded up to
        # the millisecond epoll counts in, so the loop never wakes just before a timer.
        wait = -1.0 if timeout is None else 0.0 if timeout <= 0 else math.ceil(timeout * 1e3) * 1e-3
        most = max(len(self._fd_to_key), 1)  # type: ignore[attr-defined]
        self._dispatcher.leave()
        try:
            polled = self._selector.poll(wait, most)  # type: ignore[attr-defined]
        except InterruptedError:
            polled = []
        finally:
            self._dispatcher.enter()
        ready = []
        for fd, flags in polled:
            key = self._fd_to_key.get(fd)  # type: ignore[attr-defined]
            if key is None:
                continue
            mask = 0
            if flags & (select.EPOLLIN | select.EPOLLHUP | select.EPOLLERR):
                mask |= selectors.EVENT_READ
            if flags & (select.EPOLLOUT | select.EPOLLHUP | select.EPOLLERR):
                mask |= selectors.EVENT_WRITE
            ready.append((key, mask & key.events))
        return ready


Hook = Callable[[], Any]


async def _run_hooks(hooks: Sequence[Hook]) -> None:
    for hook in hooks:
        result = hook()
        if inspect.isawaitable(result):
            await result


class LoopThread:
    """Runs the server's loop on its own thread: the startup hooks, then the loop until
    the hand-off closes, then the shutdown hooks."""

    def __init__(
        self, dispatcher: _core.Dispatcher, on_startup: Sequence[Hook], on_shutdown: Sequence[Hook], shutdown_timeout: float
    ) -> None:
        self._dispatcher = dispatcher
        self._on_startup = list(on_startup)
        self._on_shutdown = list(on_shutdown)
        self._started = threading.Event()
        self._failure: BaseException | None = None
        self._closing = False
        self._shutdown_timeout = shutdown_timeout
        self._thread = threading.Thread(target=self._main, name="pyo3-hyper-loop", daemon=True)

    def start(self) -> None:
        """Starts the loop and runs the startup hooks; raises what a hook raised."""
        self._thread.start()
        self._started.wait()
        if self._failure is not None:
            self._thread.join()
            raise self._failure

    def finish(self) -> None:
        """After the hand-off is closed: waits for the loop to stop, cancel what is left
        and run the shutdown hooks, each bounded by the shutdown timeout."""
        if threading.current_thread() is not self._thread:
            # Leftover tasks and the hooks each get the timeout, and a little to wake up.
            self._thread.join(2 * self._shutdown_timeout + 1.0)

    def _main(self) -> None:
        loop = asyncio.SelectorEventLoop(_GatedSelector(self._dispatcher))
        asyncio.set_event_loop(loop)
        self._dispatcher.bind_loop(loop, _await)
        loop.add_reader(self._dispatcher.fileno(), self._ready, loop)
        try:
            loop.run_until_complete(_run_hooks(self._on_startup))
        except BaseException as exc:  # a hook's failure is start()'s
            self._failure = exc
            self._started.set()
            loop.close()
            return
        self._started.set()
        while not self._closing:
            try:
                loop.run_forever()
            except BaseException as exc:
                # SystemExit/KeyboardInterrupt from a handler escape asyncio's Task step;
                # the request's done-callback answers 500 and logs it: the loop goes on.
                logger.warning("%s escaped a handler on the event loop; serving on", type(exc).__name__)
        self._stop(loop)

    def _ready(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._dispatcher.run_ready():
            self._closing = True
            loop.stop()

    def _stop(self, loop: asyncio.AbstractEventLoop) -> None:
        timeout = self._shutdown_timeout
        try:
            tasks = asyncio.all_tasks(loop)
            for task in tasks:
                task.cancel()
            if tasks:
                loop.run_until_complete(asyncio.wait(tasks, timeout=timeout))
            hooks = asyncio.wait_for(_run_hooks(self._on_shutdown), timeout=timeout)
            loop.run_until_complete(hooks)
        except BaseException:
            logger.exception("on_shutdown failed")
        finally:
            loop.remove_reader(self._dispatcher.fileno())
            loop.close()
