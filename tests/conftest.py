"""Shared fixtures: the registered servers, each started once per session.

Any test that takes the `server` fixture runs once per selected server.
`--server a,b` (or ARENA_SERVERS=a,b) narrows the selection; by default every
contender runs. A test named in a server's `[deviations]` is expected to fail
for that server, strictly: if it passes, the deviation is stale and the run fails.

Every server the suites start reaches the session's PostgreSQL cluster
(harness/db.py) through ARENA_DATABASE_URL: the `database` fixture starts it
once (or reuses a running one) and stops at the end what it started.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import db, registry  # noqa: E402
from harness.errors import ToolError  # noqa: E402
from harness.manifest import ServerSpec  # noqa: E402
from harness.process import ServerProcess  # noqa: E402

# Workers per server under test: more than one, so requests cross workers.
TEST_WORKERS = 2


def pytest_configure(config: pytest.Config) -> None:
    # Outcomes per server for the readiness matrix (tests/support/results.py).
    from tests.support.results import ResultRecorder

    config.pluginmanager.register(ResultRecorder(), "arena-results")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--server", action="append", default=[], help="run server tests against these servers only (comma-separated, repeatable)"
    )


def _selected(config: pytest.Config) -> list[ServerSpec]:
    names = [n for opt in config.getoption("server") for n in opt.split(",") if n]
    if not names and os.environ.get("ARENA_SERVERS"):
        names = [n for n in os.environ["ARENA_SERVERS"].split(",") if n]
    return registry.select(registry.discover(), names, contenders_only=not names)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "server_spec" in metafunc.fixturenames:
        specs = _selected(metafunc.config)
        metafunc.parametrize("server_spec", specs, ids=[s.name for s in specs], scope="session")


class NoDatabase(NamedTuple):
    """Why the session has no PostgreSQL: the database tests skip with this reason."""

    reason: str


@pytest.fixture(scope="session")
def database() -> db.ClusterState | NoDatabase:
    """The session's PostgreSQL cluster, its URL in the environment every server started from
    here inherits (harness/process.py passes os.environ on). A running cluster of this checkout
    (`python -m harness db start`, or nox's tests session) is reused and left running; one
    started here is stopped at the end. Where PostgreSQL cannot be had (not installed, not
    root) the servers start without a database and the database tests skip, naming why."""
    was_running = db.is_running()
    try:
        state = db.start()
    except ToolError as exc:
        yield NoDatabase(str(exc))
        return
    before = os.environ.get(db.DATABASE_URL_ENV)
    os.environ[db.DATABASE_URL_ENV] = state.url
    yield state
    if before is None:
        os.environ.pop(db.DATABASE_URL_ENV, None)
    else:
        os.environ[db.DATABASE_URL_ENV] = before
    if not was_running:
        db.stop()


@pytest.fixture(autouse=True)
def _database_for_servers(request: pytest.FixtureRequest) -> None:
    """Tests that start a server themselves (the soak) get the database as `server_process` does."""
    if "server_spec" in request.fixturenames:
        request.getfixturevalue("database")


@pytest.fixture(scope="session")
def server_process(server_spec: ServerSpec, database: object, tmp_path_factory: pytest.TempPathFactory) -> ServerProcess:
    """The server under test, started once per session and shared by its tests."""
    proc = ServerProcess(server_spec, workers=TEST_WORKERS, log_dir=tmp_path_factory.mktemp(server_spec.name))
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture
def server(server_process: ServerProcess, request: pytest.FixtureRequest) -> ServerProcess:
    """The running server; a test after which it is dead fails, naming the log.
    The crashed process is restarted so the tests after it still run."""
    server_process.check_alive(step="before test")
    yield server_process
    if not server_process.running():
        try:
            server_process.check_alive(step=f"test {request.node.name}")
        finally:
            server_process.start()


def deviation_keys(item: pytest.Item, server_name: str) -> list[str]:
    """The names under which a deviation can name this test: the bare test
    function name, or the name with its other parameters, e.g. `test_x[abc]`."""
    keys = [item.originalname]
    full = item.callspec.id
    for rest in (full.removeprefix(server_name + "-"), full.removesuffix("-" + server_name)):
        if rest != full:
            keys.append(f"{item.originalname}[{rest}]")
    return keys


def _server_name(item: pytest.Item) -> str | None:
    spec = getattr(item, "callspec", None) and item.callspec.params.get("server_spec")
    return spec.name if spec is not None else None


# After pytest's own fixture reordering, which leaves the servers interleaved
# (hundreds of server restarts in tests/hostile): each server's tests together,
# module by module in their collected order, so each server starts once and a
# module-scoped fixture (the slow clients) is set up once per server.
@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    servers: dict[str | None, int] = {None: -1}
    modules: dict[object, int] = {}
    for item in items:
        servers.setdefault(_server_name(item), len(servers))
        modules.setdefault(item.path, len(modules))
    items.sort(key=lambda item: (servers[_server_name(item)], modules[item.path]))
    used: set[tuple[str, str]] = set()
    specs: dict[str, ServerSpec] = {}
    for item in items:
        spec = getattr(item, "callspec", None) and item.callspec.params.get("server_spec")
        if spec is None:
            continue
        specs[spec.name] = spec
        for key in deviation_keys(item, spec.name):
            if key in spec.deviations:
                used.add((spec.name, key))
                strict = key not in spec.intermittent
                reason = f"declared deviation of {spec.name}: {spec.deviations[key]}"
                item.add_marker(pytest.mark.xfail(strict=strict, reason=reason))
                break
    config.stash[_UNUSED] = [(name, key) for name, spec in specs.items() for key in spec.deviations if (name, key) not in used]


_UNUSED = pytest.StashKey[list]()


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    unused = config.stash.get(_UNUSED, [])
    if unused and not config.option.keyword and not config.option.markexpr:
        terminalreporter.section("deviations that matched no collected test")
        for name, key in unused:
            terminalreporter.line(f"{name}: {key}")
