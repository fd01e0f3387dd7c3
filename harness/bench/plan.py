"""The order of runs: servers interleaved within each cell, cells within each round; the rounds a
profile always runs, then the extra rounds the cells still too noisy get, up to the profile's cap."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypedDict

from . import stats
from .records import RunRecord
from .scenarios import Profile, Scenario

# Seconds a run costs beyond warm-up and measurement: server start, readiness, stop (measured: 0.6 s
# per run over the 504 runs of a full plan on 2 cores). A database ceiling run (pgbench, no server)
# is counted the same: its connections and the script's parsing cost less, so the estimate errs long.
RUN_OVERHEAD_S = 0.7
# Seconds a plan with database scenarios spends once on the database: start the private cluster
# (initdb on first use), seed it, pin it, stop it; budgeted long (measured on this 2-core VM: 3.2 s to
# initdb, start, seed and pin a new cluster, 0.3 s to stop it).
DATABASE_SETUP_S = 15.0
# The ceiling row of every database cell: pgbench running the scenario's statements.
CEILING = stats.CEILING


class CellJson(TypedDict):
    scenario: str
    kind: str
    connections: int
    rate: int | None


@dataclass(frozen=True)
class Cell:
    """One scenario at one load: a row of the report."""

    scenario: str
    kind: str
    connections: int
    rate: int | None = None

    @property
    def label(self) -> str:
        return f"{self.scenario} @ {self.rate} req/s" if self.rate else f"{self.scenario} @ {self.connections} conns"

    @property
    def key(self) -> str:
        return f"{self.scenario}-r{self.rate}" if self.rate else f"{self.scenario}-c{self.connections}"

    def to_json(self) -> CellJson:
        return {"scenario": self.scenario, "kind": self.kind, "connections": self.connections, "rate": self.rate}


@dataclass(frozen=True)
class Run:
    server: str
    cell: Cell
    round: int  # 1-based
    attempt: int = 1  # > 1: the round measured again after its CPUs were stolen

    @property
    def run_id(self) -> str:
        base = f"{self.server}-{self.cell.key}-{self.round}"
        return base if self.attempt == 1 else f"{base}.{self.attempt}"

    def again(self) -> Run:
        return Run(self.server, self.cell, self.round, self.attempt + 1)


def cells(scenarios: list[Scenario], profile: str) -> list[Cell]:
    return [Cell(s.name, s.kind, c, r) for s in scenarios for c, r in s.cells(profile)]


# Whether a server runs a scenario: every server runs every scenario, except that a database
# scenario runs only on servers with database endpoints, plus its ceiling (CEILING).
Serves = Callable[[str, Scenario], bool]


def everyone(server: str, scenario: Scenario) -> bool:
    return True


def roster(servers: list[str], scenarios: list[Scenario], profile: str, serves: Serves = everyone) -> dict[Cell, list[str]]:
    """Per cell, the servers that run it, in the order they take their turns."""
    return {
        Cell(s.name, s.kind, c, r): [server for server in servers if serves(server, s)]
        for s in scenarios
        for c, r in s.cells(profile)
    }


def build(servers: list[str], scenarios: list[Scenario], profile: Profile, serves: Serves = everyone) -> list[Run]:
    """The rounds every cell runs: round by round, each cell visits every server in turn (A B C,
    A B C), so slow drift of the machine touches every server alike rather than whichever ran last.
    A server that does not serve a scenario (`serves`) has no run in its cells."""
    by_cell = roster(servers, scenarios, profile.name, serves)
    return [Run(server, cell, rnd) for rnd in range(1, profile.repeats + 1) for cell, who in by_cell.items() for server in who]


# What a server has measured in a cell so far: its kept runs and every attempt (re-measured ones too).
History = Callable[[str, Cell], tuple[list[RunRecord], int]]


def wants_another_round(kept: list[RunRecord], attempts: int, profile: Profile) -> bool:
    """A cell gets another round while its spread is above the profile's bound and it has runs left
    under the cap. Never for a cell with an invalid run: it is not ranked, more rounds cannot help."""
    if attempts >= profile.cap or any(not r.valid for r in kept):
        return False
    spread = stats.spread(kept)
    return spread is None or spread > profile.spread_bound


# Measures of one round at most: the hypervisor's bursts last seconds to minutes, so a round stolen
# from twice in a row says more about the hour than a third try would fix; the cap keeps the rest.
MEASURES_PER_ROUND = 2


def may_remeasure(attempts: int, run: Run, profile: Profile) -> bool:
    """A stolen round is measured again (once) while the cell has runs left under the cap beyond the
    rounds it is still owed: re-measuring never costs a cell one of its minimum rounds."""
    owed = max(0, profile.repeats - run.round)
    return run.attempt < MEASURES_PER_ROUND and attempts + owed < profile.cap


def schedule(by_cell: dict[Cell, list[str]], profile: Profile, history: History) -> Iterator[Run]:
    """The runs in order, decided as they come: the profile's rounds for every server and cell,
    then rounds up to the cap, interleaved the same way, for each server whose cell is still above
    the spread bound when its turn comes (all its earlier rounds done)."""
    for rnd in range(1, profile.cap + 1):
        for cell, servers in by_cell.items():
            for server in servers:
                if rnd <= profile.repeats or wants_another_round(*history(server, cell), profile):
                    yield Run(server, cell, rnd)


def run_seconds(profile: Profile) -> float:
    return profile.warmup_s + profile.duration_s + RUN_OVERHEAD_S


def estimate_seconds(runs: list[Run] | int, profile: Profile) -> float:
    return (runs if isinstance(runs, int) else len(runs)) * run_seconds(profile)


@dataclass(frozen=True)
class Estimate:
    """Runs and wall time of a plan: every cell at the profile's rounds, and every cell at its cap;
    `setup_s` (the database's start, seed and stop) is in both times."""

    runs: int
    max_runs: int
    seconds: float
    max_seconds: float
    setup_s: float = 0.0


def estimate(pairs: int, profile: Profile, *, database: bool = False) -> Estimate:
    """`pairs`: (server, cell) pairs of the plan, ceiling rows included (sum of the roster's lengths);
    `database`: the plan has database scenarios, so the cluster is started, seeded and stopped."""
    runs, max_runs = pairs * profile.repeats, pairs * profile.cap
    setup = DATABASE_SETUP_S if database else 0.0
    return Estimate(runs, max_runs, estimate_seconds(runs, profile) + setup, estimate_seconds(max_runs, profile) + setup, setup)


def pairs(by_cell: dict[Cell, list[str]]) -> int:
    return sum(len(servers) for servers in by_cell.values())


def human_duration(seconds: float) -> str:
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}h{m:02d}m" if h else (f"{m}m{s:02d}s" if m else f"{s}s")
