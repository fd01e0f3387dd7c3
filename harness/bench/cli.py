"""`python -m harness bench|report|compare-runs|tools`: the load suite's commands, registered by harness/cli.py."""

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
        max_rounds=args.max_rounds,
        screenshot=not args.no_screenshot,
        client_host=args.client_host,
        server_address=args.server_address,
        ssh_options=tuple(args.ssh_option),
        reference_tfb=args.reference_tfb,
        reference_allow_git=args.reference_tfb_allow_git,
        db_cpus=args.db_cpus,
        database_url=args.database_url,
        database_host=args.database_host,
        **({"scenarios_file": args.scenarios_file} if args.scenarios_file else {}),
    )
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from .report.build import build

    files = build(args.run_dir, compare_dir=args.compare, take_screenshot=not args.no_screenshot)
    print(f"report: {files.markdown}\n        {files.html}" + (f"\nscreenshot: {files.screenshot}" if files.screenshot else ""))
    return 0


def cmd_compare_runs(args: argparse.Namespace) -> int:
    from . import agreement
    from .report.build import load

    result = agreement.compare(load(args.run_a), load(args.run_b), tolerance=args.tolerance)
    print(agreement.render_markdown(result))
    return 0 if result.agrees else 1


def cmd_tools(args: argparse.Namespace) -> int:
    from .. import tools

    found = tools.ensure(install=not args.check)
    for name, version in found.versions().items():
        print(f"{name} {version}: {getattr(found, name)}")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    b = sub.add_parser("bench", help="run the load suite and write results + report")
    b.add_argument(
        "--profile", default=None, help="profile from bench/scenarios.toml: standard (the default, ≤ 30 min), thorough, quick"
    )
    b.add_argument("--servers", type=_names, default=None, help="comma-separated servers (baseline always runs)")
    b.add_argument("--scenarios", type=_names, default=None, help="comma-separated scenarios")
    b.add_argument("--server-cpus", type=_cpus, default=None, help="CPUs for the server, e.g. 0 or 0-3")
    b.add_argument("--client-cpus", type=_cpus, default=None, help="CPUs for the load generator, e.g. 1 or 4-7")
    b.add_argument(
        "--db-cpus",
        type=_cpus,
        default=None,
        help="CPUs for PostgreSQL: the private cluster's (default: the load generator's when it is local, e.g. CPU 1 of 2), "
        "or on --database-host (default: not pinned, all its CPUs watched)",
    )
    b.add_argument(
        "--database-url",
        default=None,
        metavar="URL",
        help="use this PostgreSQL (postgres://USER:PASSWORD@HOST:PORT/DBNAME, seeded with the arena's tables) instead "
        "of starting the private cluster: not started, pinned or CPU-measured by the harness",
    )
    b.add_argument(
        "--database-host",
        default=None,
        metavar="HOST",
        help="the host the --database-url PostgreSQL runs on, reached with ssh (user@address or a ~/.ssh/config Host): "
        "its CPU time and steal are read there, and --db-cpus pins it there",
    )
    b.add_argument("--workers", type=int, default=None, help="server workers (default: number of server CPUs)")
    b.add_argument("--duration", type=float, default=None, help="override the profile's measured seconds per run")
    b.add_argument("--repeats", type=int, default=None, help="override the rounds every cell runs")
    b.add_argument("--max-rounds", type=int, default=None, help="override the runs a cell may take (extra rounds, re-measures)")
    b.add_argument(
        "--client-host",
        default=None,
        help="run the load generator on this host over ssh (user@address or a ~/.ssh/config Host; default: here)",
    )
    b.add_argument(
        "--server-address",
        default="127.0.0.1",
        help="the address of this machine the server listens on and the load generator sends to (default 127.0.0.1)",
    )
    b.add_argument(
        "--ssh-option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="an extra `ssh -o` option for the client and database hosts (repeatable); keys and hosts belong in ~/.ssh/config",
    )
    b.add_argument("--out", type=Path, default=None, help="results directory (default results/<timestamp>)")
    b.add_argument("--scenarios-file", type=Path, default=None, help="another scenarios TOML (default bench/scenarios.toml)")
    b.add_argument("--no-screenshot", action="store_true", help="skip the headless-Chromium screenshot")
    b.add_argument(
        "--reference-tfb",
        type=Path,
        default=None,
        metavar="PATH",
        help="a local checkout of TechEmpower's FrameworkBenchmarks: build its Rust entries of the arena's frameworks "
        "and add them as reference rows (TFB-…) on plaintext and json; never contenders",
    )
    b.add_argument(
        "--reference-tfb-allow-git",
        action="store_true",
        help="let cargo fetch the git sources some TechEmpower entries need (off: those entries are skipped, "
        "the arena fetching only from package registries)",
    )
    b.set_defaults(func=cmd_bench)
    r = sub.add_parser("report", help="rebuild the report of a saved run")
    r.add_argument("run_dir", type=Path)
    r.add_argument("--compare", type=Path, default=None, help="another run directory: per-row ratios")
    r.add_argument("--no-screenshot", action="store_true")
    r.set_defaults(func=cmd_report)
    c = sub.add_parser(
        "compare-runs", help="do two runs agree? ranks on server CPU µs/request and per-cell medians; exit 1 when not"
    )
    c.add_argument("run_a", type=Path)
    c.add_argument("run_b", type=Path)
    c.add_argument("--tolerance", type=float, default=0.05, help="largest median difference that agrees (default 0.05)")
    c.set_defaults(func=cmd_compare_runs)
    t = sub.add_parser("tools", help="install the load generators (wrk, oha) when missing")
    t.add_argument("--check", action="store_true", help="only check; do not install")
    t.set_defaults(func=cmd_tools)
