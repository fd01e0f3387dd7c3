"""`python -m harness`: list, build and serve the registered servers."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from typing import NoReturn

from . import builder, registry
from .errors import ArenaError
from .process import ServerProcess
from .versions import framework_version


def _cpus(text: str) -> set[int]:
    return {int(c) for c in text.split(",") if c.strip()}


def cmd_list(args: argparse.Namespace) -> int:
    specs = registry.discover()
    rows = [
        (
            s.name,
            f"{s.framework} {framework_version(s)}",
            s.runtime,
            s.io_model,
            "" if s.contender else "(calibration, not a contender)",
        )
        for s in specs.values()
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + ("  " + row[4] if row[4] else ""))
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    specs = registry.select(registry.discover(), args.names)
    timings = builder.build(specs, echo=not args.quiet)
    for what, seconds in timings.items():
        print(f"built {what} in {seconds:.1f}s")
    return 0


def cmd_test(args: argparse.Namespace) -> int:
    specs = registry.select(registry.discover(), None)
    for package, seconds in builder.run_crate_tests(specs, echo=not args.quiet).items():
        print(f"cargo test {package}: passed in {seconds:.1f}s")
    return 0


def _interrupt_once(*_: object) -> NoReturn:
    """SIGTERM to the harness stops the server like Ctrl-C does; a repeated
    signal must not interrupt the stop itself."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


def cmd_serve(args: argparse.Namespace) -> int:
    spec = registry.select(registry.discover(), [args.name])[0]
    server = ServerProcess(spec, host=args.host, port=args.port, workers=args.workers, cpus=args.cpus)
    signal.signal(signal.SIGTERM, _interrupt_once)
    with server:
        print(f"{spec.name} serving on {server.url} (pid {server.pid}, log {server.log}); Ctrl-C stops it", flush=True)
        try:
            while True:
                server.check_alive()
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m harness", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="one registered server per line").set_defaults(func=cmd_list)
    b = sub.add_parser("build", help="build servers (all when none is named)")
    b.add_argument("names", nargs="*")
    b.add_argument("--quiet", action="store_true", help="do not echo compiler output")
    b.set_defaults(func=cmd_build)
    t = sub.add_parser("test-crates", help="cargo test every workspace crate that has Rust tests")
    t.add_argument("--quiet", action="store_true", help="do not echo compiler and test output")
    t.set_defaults(func=cmd_test)
    s = sub.add_parser("serve", help="run one server in the foreground")
    s.add_argument("name")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8080)
    s.add_argument("--workers", type=int, default=1)
    s.add_argument("--cpus", type=_cpus, default=None, help="pin to these CPUs, e.g. 0 or 0,1")
    s.set_defaults(func=cmd_serve)
    from . import db, readiness, soak
    from .bench.cli import register as register_bench

    soak.add_parser(sub)
    db.add_parser(sub)
    readiness.add_parser(sub)
    register_bench(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        status: int = args.func(args)
        return status
    except ArenaError as exc:
        print(f"error: {exc.line}", file=sys.stderr)
        return 2
