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
# per run over the 504 runs of a full plan on 2 cores).
RUN_OVERHEAD_S = 0.7


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


# Whether a server runs in a cell: every server in every cell, except reference rows, which run
# only where their entry serves the scenario (harness/bench/tfb.py).
Serves = Callable[[str, Cell], bool]


def everywhere(server: str, cell: Cell) -> bool:
    return True


def build(servers: list[str], scenarios: list[Scenario], profile: Profile, serves: Serves = everywhere) -> list[Run]:
    """The rounds every cell runs: round by round, each cell visits every server in turn (A B C,
    A B C), so slow drift of the machine touches every server alike rather than whichever ran last."""
    plan_cells = cells(scenarios, profile.name)
    return [
        Run(server, cell, rnd)
        for rnd in range(1, profile.repeats + 1)
        for cell in plan_cells
        for server in servers
        if serves(server, cell)
    ]


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


def schedule(
    servers: list[str], plan_cells: list[Cell], profile: Profile, history: History, serves: Serves = everywhere
) -> Iterator[Run]:
    """The runs in order, decided as they come: the profile's rounds for every server and cell,
    then rounds up to the cap, interleaved the same way, for each server whose cell is still above
    the spread bound when its turn comes (all its earlier rounds done)."""
    for rnd in range(1, profile.cap + 1):
        for cell in plan_cells:
            for server in servers:
                if not serves(server, cell):
                    continue
                if rnd <= profile.repeats or wants_another_round(*history(server, cell), profile):
                    yield Run(server, cell, rnd)


def run_seconds(profile: Profile) -> float:
    return profile.warmup_s + profile.duration_s + RUN_OVERHEAD_S


def estimate_seconds(runs: list[Run] | int, profile: Profile) -> float:
    return (runs if isinstance(runs, int) else len(runs)) * run_seconds(profile)


@dataclass(frozen=True)
class Estimate:
    """Runs and wall time of a plan: every cell at the profile's rounds, and every cell at its cap."""

    runs: int
    max_runs: int
    seconds: float
    max_seconds: float


def estimate(n_servers: int, n_cells: int, profile: Profile) -> Estimate:
    runs, max_runs = n_servers * n_cells * profile.repeats, n_servers * n_cells * profile.cap
    return Estimate(runs, max_runs, estimate_seconds(runs, profile), estimate_seconds(max_runs, profile))


def estimate_runs(runs: list[Run], profile: Profile) -> Estimate:
    """The estimate of a plan that not every server runs in full (`build` with `serves`)."""
    server_cells = len({(r.server, r.cell) for r in runs})
    max_runs = server_cells * profile.cap
    return Estimate(len(runs), max_runs, estimate_seconds(len(runs), profile), estimate_seconds(max_runs, profile))


def human_duration(seconds: float) -> str:
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}h{m:02d}m" if h else (f"{m}m{s:02d}s" if m else f"{s}s")
