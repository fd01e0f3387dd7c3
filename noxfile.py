"""Sessions of the arena. Each one is thin: the work is in `harness/`.

    nox -s build bench     build every server, then run the load suite
    nox -s tests           harness unit tests, shared-crate tests, conformance
    nox -s conformance -- --server axum
    nox -s lint
    nox -s soak -- hyper --duration 300   mixed load per server: errors, RSS growth, leaked fds
"""

from __future__ import annotations

import itertools
from pathlib import Path

import nox

ROOT = Path(__file__).parent
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
CONSTRAINTS = ROOT / "constraints.txt"

nox.options.sessions = ["tests"]
nox.options.reuse_venv = "yes"
nox.options.error_on_missing_interpreters = True


def install(session: nox.Session, *groups: str) -> None:
    deps = [dep for group in groups for dep in nox.project.dependency_groups(PYPROJECT, group)]
    session.install("-c", str(CONSTRAINTS), *deps)


@nox.session
def build(session: nox.Session) -> None:
    """Build every registered server (release profile, incremental)."""
    # build: maturin for the pyo3-hyper wheel, installed into this venv; servers: granian, uvicorn.
    install(session, "harness", "build", "servers")
    session.run("python", "-m", "harness", "build", *session.posargs)


@nox.session
def tests(session: nox.Session) -> None:
    """Everything CI runs: harness unit tests, api-model tests, conformance on every server."""
    install(session, "test", "build", "servers")
    session.run("cargo", "test", "--locked", "-p", "api-model", external=True)
    session.run("python", "-m", "harness", "build", "--quiet")
    session.run("pytest", "tests", *session.posargs)


@nox.session
def conformance(session: nox.Session) -> None:
    """The conformance suite alone: `nox -s conformance -- --server axum`."""
    install(session, "test", "build", "servers")
    session.run("python", "-m", "harness", "build", "--quiet")
    session.run("pytest", "tests/conformance", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff on the Python side; rustfmt and clippy on the Rust side."""
    install(session, "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("cargo", "fmt", "--all", "--check", external=True)
    session.run("cargo", "clippy", "--locked", "--workspace", "--all-targets", "--", "-D", "warnings", external=True)


@nox.session
def soak(session: nox.Session) -> None:
    """Mixed load through wrk for a long stretch per server (default 300 s):
    `nox -s soak -- axum --duration 60`. Writes results/soak-<timestamp>/soak.json."""
    install(session, "harness")
    names = list(itertools.takewhile(lambda a: not a.startswith("-"), session.posargs))
    session.run("python", "-m", "harness", "build", "--quiet", *names)
    session.run("python", "-m", "harness", "soak", *session.posargs)
