"""`python -m pyo3_hyper module:app`: serve an ASGI, WSGI or native app.

    python -m pyo3_hyper main:app                       # FastAPI / Starlette (ASGI)
    python -m pyo3_hyper main:app --interface wsgi      # Flask (found by itself too)
    python -m pyo3_hyper main:create_app --factory --port 9000 --processes 4

`--workers N`: tokio threads in each process (HTTP parsing, framing, I/O).
`--processes M`: M worker processes under a supervisor that restarts one that
dies; Python code uses one core per process, so this is how an app uses more
cores. Without `--processes` the app is served in this process.

Every error a user can fix (an app that does not import, a busy port, a bad
flag, a failed lifespan startup) is one line on stderr and a non-zero exit.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import logging
import os
import signal
import socket
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from . import INTERFACES, interface_of, serve

logger = logging.getLogger("pyo3_hyper")

# uvicorn's exit status when the app's lifespan startup fails.
STARTUP_FAILURE = 3


class UsageError(Exception):
    """A one-line error for the user; the CLI prints it and exits 1."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, not argparse's usage block.
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m pyo3_hyper", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("app", help="the app as MODULE:ATTRIBUTE (ATTRIBUTE may be dotted)")
    p.add_argument("--interface", choices=INTERFACES, default="auto", help="auto: from the app's type (default)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="TCP port (default 8000; 0 picks a free one)")
    p.add_argument("--workers", type=_positive, default=1, help="tokio threads per process (default 1)")
    p.add_argument("--processes", type=_positive, default=None, help="worker processes under a supervisor (default: serve here)")
    p.add_argument("--factory", action="store_true", help="APP is a function that returns the app")
    p.add_argument("--app-dir", default=".", help="directory put first on sys.path to import the app (default .)")
    p.add_argument("--lifespan", choices=("auto", "on", "off"), default="auto", help="ASGI lifespan protocol (default auto)")
    p.add_argument("--root-path", default="", help="ASGI root_path / WSGI SCRIPT_NAME the app is mounted at")
    p.add_argument("--loop", choices=("auto", "asyncio", "uvloop"), default="auto", help="ASGI loop (auto: uvloop if there)")
    p.add_argument("--threads", type=_positive, default=None, help="WSGI thread pool size (default 2 x cores, at least 4)")
    p.add_argument("--shutdown-timeout", type=float, default=5.0, help="seconds in-flight requests get at a stop (default 5)")
    header = p.add_mutually_exclusive_group()
    header.add_argument("--server-header", default="pyo3-hyper", help="Server header added when the app sets none")
    header.add_argument("--no-server-header", dest="server_header", action="store_const", const=None)
    p.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"))
    # A worker process of a supervisor: writes one byte to this descriptor once it serves,
    # and serves the supervisor's listening socket, inherited as this descriptor.
    p.add_argument("--ready-fd", type=int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--socket-fd", type=int, default=None, help=argparse.SUPPRESS)
    # ... and ends when the process of this pid (its supervisor) is gone.
    p.add_argument("--supervisor-pid", type=int, default=None, help=argparse.SUPPRESS)
    return p


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def load_app(target: str, *, factory: bool = False, app_dir: str = ".") -> Any:
    """The object named by `module:attribute`, imported with `app_dir` first on
    sys.path; called first with `factory`. UsageError for every way it fails."""
    module_name, colon, attribute = target.partition(":")
    if not colon or not module_name or not attribute:
        raise UsageError(f"the app must be given as MODULE:ATTRIBUTE (main:app), not {target!r}")
    sys.path.insert(0, os.path.abspath(app_dir))
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and module_name.startswith(exc.name):
            where = os.path.abspath(app_dir)
            raise UsageError(f"cannot import module {module_name!r}: no such module (app dir {where})") from None
        raise UsageError(f"cannot import module {module_name!r}: {type(exc).__name__}: {exc}") from exc
    except Exception as exc:
        raise UsageError(f"cannot import module {module_name!r}: {type(exc).__name__}: {exc}") from exc
    app: Any = module
    for part in attribute.split("."):
        try:
            app = getattr(app, part)
        except AttributeError:
            raise UsageError(f"module {module_name!r} has no attribute {attribute!r}") from None
    if factory:
        if not callable(app):
            raise UsageError(f"--factory: {target} is not callable")
        try:
            app = app()
        except Exception as exc:
            raise UsageError(f"--factory: {target}() raised {type(exc).__name__}: {exc}") from exc
    return app


def bind(host: str, port: int) -> socket.socket:
    """The socket the supervisor's workers share (they inherit it, as
    uvicorn's and granian's do): no SO_REUSEPORT, so a port another socket
    holds is EADDRINUSE."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UsageError(f"cannot resolve host {host!r}: {exc}") from None
    family, _, _, _, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(4096)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            busy = f"{host}:{port} is already in use (EADDRINUSE): stop what listens there or pick another --port"
            raise UsageError(busy) from None
        raise UsageError(f"cannot bind {host}:{port}: {exc.strerror or exc}") from None
    return sock


def _options(args: argparse.Namespace, interface: str) -> dict[str, Any]:
    if interface == "asgi":
        options = {"lifespan": args.lifespan, "root_path": args.root_path, "server_header": args.server_header}
        options.update(loop=args.loop, fd=args.socket_fd)
        return options
    if interface == "wsgi":
        multiprocess = args.processes is not None and args.processes > 1
        options = {"root_path": args.root_path, "server_header": args.server_header, "multiprocess": multiprocess}
        options["fd"] = args.socket_fd
        if args.threads:
            options["threads"] = args.threads
        return options
    if args.socket_fd is not None:
        raise UsageError("--processes serves ASGI and WSGI apps; a native pyo3_hyper.App takes --workers")
    return {}


# prctl(2) option: the signal this process gets when its parent ends.
PR_SET_PDEATHSIG = 1


def follow_supervisor(supervisor: int) -> None:
    """A worker must not outlive its supervisor, however the supervisor ends
    (SIGKILL, or its own parent killed with it): nobody would stop the worker
    then. The kernel sends it SIGTERM (a graceful stop) when its parent
    ends; a parent that ended before this call is seen by getppid()."""
    if sys.platform == "linux":
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG)")
    if os.getppid() != supervisor:
        raise UsageError(f"the supervisor (pid {supervisor}) is gone; not serving")


def run_here(args: argparse.Namespace) -> None:
    """Serves in this process until SIGTERM/SIGINT."""
    app = load_app(args.app, factory=args.factory, app_dir=args.app_dir)
    try:
        interface = interface_of(app) if args.interface == "auto" else args.interface
    except TypeError as exc:
        raise UsageError(f"{args.app}: {exc}") from None
    ready = _on_ready(args, interface)
    serve(
        app,
        host=args.host,
        port=args.port,
        workers=args.workers,
        shutdown_timeout=args.shutdown_timeout,
        interface=interface,
        on_ready=ready,
        **_options(args, interface),
    )


def _on_ready(args: argparse.Namespace, interface: str) -> Any:
    def ready(server: Any) -> None:
        logger.info("serving %s (%s) on %s with %d tokio thread(s)", args.app, interface, server.url, args.workers)
        if args.ready_fd is not None:
            os.write(args.ready_fd, b"1")
            os.close(args.ready_fd)

    return ready


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="pyo3_hyper[%(process)d] %(levelname)s: %(message)s")
    try:
        if args.ready_fd is not None or args.processes is None:
            # Alone, or a supervisor's worker serving its socket (--socket-fd).
            if args.supervisor_pid is not None:
                follow_supervisor(args.supervisor_pid)
            run_here(args)
        else:
            from .supervisor import supervise

            with bind(args.host, args.port) as sock:
                args.port = sock.getsockname()[1]
                return supervise(args, argv if argv is not None else sys.argv[1:], sock)
    except UsageError as exc:
        print(f"pyo3_hyper: error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:
        from .asgi import LifespanFailed

        if isinstance(exc, LifespanFailed):
            print(f"pyo3_hyper: error: application startup failed: {exc}", file=sys.stderr)
            return STARTUP_FAILURE
        if isinstance(exc, OSError) and exc.errno == errno.EADDRINUSE:
            busy = f"{args.host}:{args.port} is already in use (EADDRINUSE): stop what listens there or pick another --port"
            print(f"pyo3_hyper: error: {busy}", file=sys.stderr)
            return 1
        raise
    return 0
