"""Sessions of the arena. Each one is thin: the work is in `harness/`.

nox -s build bench     build every server and the load generators, then run the load suite
nox -s bench -- --profile quick --servers hyper --scenarios plaintext
nox -s report -- results/RUN [--compare results/OTHER]
nox -s tests           every crate's Rust tests, harness unit tests, conformance, hostile input, soak, bench pipeline
nox -s conformance -- --server axum
nox -s soak -- axum --duration 60
nox -s lint
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import nox

ROOT = Path(__file__).parent
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
CONSTRAINTS = ROOT / "constraints.txt"
# The Python servers' shared rules, a package of its own (python/arena-api).
ARENA_API = ROOT / "python" / "arena-api"
# Same rule as harness/paths.py: ARENA_TARGET_DIR may keep cargo's state outside the clone.
TARGET_DIR = Path(os.environ.get("ARENA_TARGET_DIR", ROOT / "target"))

nox.options.sessions = ["tests"]
nox.options.reuse_venv = "yes"
nox.options.error_on_missing_interpreters = True


def install(session: nox.Session, *groups: str) -> None:
    deps = [dep for group in groups for dep in nox.project.dependency_groups(PYPROJECT, group)]
    if "servers" in groups:
        deps.append(str(ARENA_API))
    session.install("-c", str(CONSTRAINTS), *deps)


def install_servers(session: nox.Session) -> None:
    """What running every server needs in this venv: granian, uvicorn, the shared
    `arena_api` rules, and the pyo3-hyper wheel that `harness build` wrote (built
    once, installed per venv)."""
    install(session, "servers")
    wheels = sorted(TARGET_DIR.glob("wheels/*/*.whl"))
    if not wheels:
        session.error(f"no pyo3-hyper wheel under {TARGET_DIR / 'wheels'}: run `nox -s build` first")
    session.install("--no-deps", "--force-reinstall", *map(str, wheels))


def server_names(session: nox.Session) -> list[str]:
    """Leading positional arguments name servers; options after them belong to the command."""
    return list(itertools.takewhile(lambda a: not a.startswith("-"), session.posargs))


@nox.session
def build(session: nox.Session) -> None:
    """Build every registered server (release, incremental) and install the load generators."""
    # build: maturin for the pyo3-hyper wheel, installed into this venv; servers: granian, uvicorn.
    install(session, "harness", "build", "servers")
    # `nox -s build bench -- --profile quick` hands bench's options to this session too: then build all.
    names = [] if any(arg.startswith("-") for arg in session.posargs) else session.posargs
    session.run("python", "-m", "harness", "build", *names)
    session.run("python", "-m", "harness", "tools")


@nox.session
def bench(session: nox.Session) -> None:
    """The load suite and its report: `nox -s bench -- --servers a,b --scenarios x,y --profile quick`."""
    install(session, "bench")
    install_servers(session)
    session.run("python", "-m", "harness", "bench", *session.posargs)


@nox.session
def report(session: nox.Session) -> None:
    """Rebuild a saved run's report: `nox -s report -- results/RUN [--compare results/OTHER]`."""
    install(session, "bench")
    session.run("python", "-m", "harness", "report", *session.posargs)


def pytest_with_database(session: nox.Session, *args: str) -> None:
    """pytest with the private PostgreSQL cluster running (harness/db.py): started here, so a machine
    without PostgreSQL gets it installed (as root) or named before any test runs, and stopped after."""
    session.run("python", "-m", "harness", "db", "start")
    try:
        session.run("pytest", *args)
    finally:
        session.run("python", "-m", "harness", "db", "stop")


@nox.session
def tests(session: nox.Session) -> None:
    """Everything CI runs: every crate's Rust tests, then (pytest) harness unit tests, conformance (the database
    endpoints and the fault test included), hostile input, a short soak and the bench pipeline against every server,
    built once."""
    install(session, "test", "build", "servers")
    session.run("python", "-m", "harness", "test-crates")
    session.run("python", "-m", "harness", "build", "--quiet")
    session.run("python", "-m", "harness", "tools")
    pytest_with_database(session, "tests", *session.posargs)


@nox.session
def conformance(session: nox.Session) -> None:
    """The conformance suite alone: `nox -s conformance -- --server axum`."""
    install(session, "test", "build", "servers")
    session.run("python", "-m", "harness", "build", "--quiet")
    pytest_with_database(session, "tests/conformance", *session.posargs)


@nox.session
def soak(session: nox.Session) -> None:
    """Mixed load through wrk for a long stretch per server (default 300 s):
    `nox -s soak -- axum --duration 60`. Writes results/soak-<timestamp>/soak.json."""
    install(session, "harness", "build", "servers")
    session.run("python", "-m", "harness", "build", "--quiet", *server_names(session))
    session.run("python", "-m", "harness", "tools")
    session.run("python", "-m", "harness", "soak", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff and mypy (strict, over harness/: pyproject's [tool.mypy]) on the Python side; rustfmt and
    clippy on the Rust side."""
    install(session, "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")
    session.run("cargo", "fmt", "--all", "--check", external=True)
    session.run("cargo", "clippy", "--locked", "--workspace", "--all-targets", "--", "-D", "warnings", external=True)
