"""The ordered list of runs: servers interleaved within each cell, cells within each round."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

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

    @property
    def run_id(self) -> str:
        return f"{self.server}-{self.cell.key}-{self.round}"


def cells(scenarios: list[Scenario], profile: str) -> list[Cell]:
    return [Cell(s.name, s.kind, c, r) for s in scenarios for c, r in s.cells(profile)]


def build(servers: list[str], scenarios: list[Scenario], profile: Profile) -> list[Run]:
    """Round by round, each cell visits every server in turn (A B C, A B C), so slow drift of the
    machine touches every server alike rather than whichever ran last."""
    plan_cells = cells(scenarios, profile.name)
    return [Run(server, cell, rnd) for rnd in range(1, profile.repeats + 1) for cell in plan_cells for server in servers]


def run_seconds(profile: Profile) -> float:
    return profile.warmup_s + profile.duration_s + RUN_OVERHEAD_S


def estimate_seconds(runs: list[Run], profile: Profile) -> float:
    return len(runs) * run_seconds(profile)


def human_duration(seconds: float) -> str:
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}h{m:02d}m" if h else (f"{m}m{s:02d}s" if m else f"{s}s")
