"""Sessions of the arena. Each one is thin: the work is in `harness/`.

    nox -s build bench     build every server, then run the load suite
    nox -s bench -- --profile quick --servers hyper --scenarios plaintext
    nox -s report -- results/RUN [--compare results/OTHER]
    nox -s tests           harness unit tests, shared-crate tests, conformance
    nox -s conformance -- --server axum
    nox -s lint
"""

from __future__ import annotations

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
    """Build every registered server (release profile, incremental) and install the load generators."""
    install(session, "harness")
    # `nox -s build bench -- --profile quick` hands bench's options to this session too: then build all.
    names = [] if any(arg.startswith("-") for arg in session.posargs) else session.posargs
    session.run("python", "-m", "harness", "build", *names)
    session.run("python", "-m", "harness", "tools")


@nox.session
def bench(session: nox.Session) -> None:
    """The load suite and its report: `nox -s bench -- --servers a,b --scenarios x,y --profile quick`."""
    install(session, "bench")
    session.run("python", "-m", "harness", "bench", *session.posargs)


@nox.session
def report(session: nox.Session) -> None:
    """Rebuild a saved run's report: `nox -s report -- results/RUN [--compare results/OTHER]`."""
    install(session, "bench")
    session.run("python", "-m", "harness", "report", *session.posargs)


@nox.session
def tests(session: nox.Session) -> None:
    """Everything CI runs: harness unit tests, api-model tests, conformance on every server."""
    install(session, "test")
    session.run("cargo", "test", "--locked", "-p", "api-model", external=True)
    session.run("python", "-m", "harness", "build", "--quiet")
    session.run("pytest", "tests", *session.posargs)


@nox.session
def conformance(session: nox.Session) -> None:
    """The conformance suite alone: `nox -s conformance -- --server axum`."""
    install(session, "test")
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
