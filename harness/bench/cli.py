"""`python -m harness bench|report|tools`: the load suite's commands, registered by harness/cli.py."""

from __future__ import annotations

import argparse
from pathlib import Path


def _names(text: str) -> list[str]:
    return [n.strip() for n in text.split(",") if n.strip()]


def _cpus(text: str) -> set[int]:
    out: set[int] = set()
    for part in _names(text):
        lo, _, hi = part.partition("-")
        out.update(range(int(lo), int(hi or lo) + 1))
    return out


def cmd_bench(args: argparse.Namespace) -> int:
    from .suite import run

    run(
        profile_name=args.profile,
        server_names=args.servers,
        scenario_names=args.scenarios,
        server_cpus=args.server_cpus,
        client_cpus=args.client_cpus,
        workers=args.workers,
        out=args.out,
        duration=args.duration,
        repeats=args.repeats,
        screenshot=not args.no_screenshot,
        **({"scenarios_file": args.scenarios_file} if args.scenarios_file else {}),
    )
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from .report.build import build

    files = build(args.run_dir, compare_dir=args.compare, take_screenshot=not args.no_screenshot)
    print(f"report: {files.markdown}\n        {files.html}" + (f"\nscreenshot: {files.screenshot}" if files.screenshot else ""))
    return 0


def cmd_tools(args: argparse.Namespace) -> int:
    from .. import tools

    found = tools.ensure(install=not args.check)
    for name, version in found.versions().items():
        print(f"{name} {version}: {getattr(found, name)}")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    b = sub.add_parser("bench", help="run the load suite and write results + report")
    b.add_argument("--profile", default="full", help="profile from bench/scenarios.toml (quick, full)")
    b.add_argument("--servers", type=_names, default=None, help="comma-separated servers (baseline always runs)")
    b.add_argument("--scenarios", type=_names, default=None, help="comma-separated scenarios")
    b.add_argument("--server-cpus", type=_cpus, default=None, help="CPUs for the server, e.g. 0 or 0-3")
    b.add_argument("--client-cpus", type=_cpus, default=None, help="CPUs for the load generator, e.g. 1 or 4-7")
    b.add_argument("--workers", type=int, default=None, help="server workers (default: number of server CPUs)")
    b.add_argument("--duration", type=float, default=None, help="override the profile's measured seconds per run")
    b.add_argument("--repeats", type=int, default=None, help="override the profile's rounds")
    b.add_argument("--out", type=Path, default=None, help="results directory (default results/<timestamp>)")
    b.add_argument("--scenarios-file", type=Path, default=None, help="another scenarios TOML (default bench/scenarios.toml)")
    b.add_argument("--no-screenshot", action="store_true", help="skip the headless-Chromium screenshot")
    b.set_defaults(func=cmd_bench)
    r = sub.add_parser("report", help="rebuild the report of a saved run")
    r.add_argument("run_dir", type=Path)
    r.add_argument("--compare", type=Path, default=None, help="another run directory: per-row ratios")
    r.add_argument("--no-screenshot", action="store_true")
    r.set_defaults(func=cmd_report)
    t = sub.add_parser("tools", help="install the load generators (wrk, oha) when missing")
    t.add_argument("--check", action="store_true", help="only check; do not install")
    t.set_defaults(func=cmd_tools)
