"""The records of results.json as types: one measured run (`RunRecord`), one server in one cell over
its rounds (`Aggregate`, with a `Stat` per number) and a failed step (`Failure`).

Field order is the JSON key order: `to_json()` gives the JSON the harness always wrote, and
`from_json()` reads it back (keys that older runs did not record yet come back empty: None, 0, [])."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Self, TypedDict

# A cell of the plan as (scenario, connections, rate): how runs and aggregates are matched up.
CellKey = tuple[str, int, int | None]


class JsonRecord:
    """A record that reads by its results.json key too: `record[key]` is the field as JSON (the field
    itself, unless it holds `Stat`s: those read as their JSON form), and `record[key] = value` sets
    the field from its JSON value."""

    @classmethod
    def _field_names(cls) -> list[str]:
        assert dataclasses.is_dataclass(cls)
        return [f.name for f in dataclasses.fields(cls)]

    @classmethod
    def _decode(cls, name: str, value: Any) -> Any:
        """A field's value from its JSON value."""
        return value

    def to_json(self) -> dict[str, Any]:
        return {name: _as_json(getattr(self, name)) for name in self._field_names()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        names = cls._field_names()
        return cls(**{k: cls._decode(k, v) for k, v in data.items() if k in names})

    def __getitem__(self, key: str) -> Any:
        if key not in self._field_names():
            raise KeyError(key)
        return _as_json(getattr(self, key))

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self._field_names() else default

    def __setitem__(self, key: str, value: Any) -> None:
        if key not in self._field_names():
            raise KeyError(key)
        setattr(self, key, self._decode(key, value))


def _as_json(value: Any) -> Any:
    if isinstance(value, Stat):
        return value.to_json()
    if isinstance(value, dict) and any(isinstance(v, Stat) for v in value.values()):
        return {k: _as_json(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class Stat:
    """Median with min and max over the rounds of a cell."""

    median: float
    min: float
    max: float

    def to_json(self) -> dict[str, float]:
        return {"median": self.median, "min": self.min, "max": self.max}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Stat | None:
        return None if data is None else cls(data["median"], data["min"], data["max"])

    def __eq__(self, other: object) -> bool:
        # Equal to its JSON form as well: a Stat compares with what results.json holds.
        if isinstance(other, Stat):
            return (self.median, self.min, self.max) == (other.median, other.min, other.max)
        if isinstance(other, Mapping):
            return self.to_json() == dict(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.median, self.min, self.max))


class InCell:
    """A record of one cell of the plan."""

    scenario: str
    connections: int
    rate: int | None

    @property
    def cell_key(self) -> CellKey:
        return (self.scenario, self.connections, self.rate)


@dataclass
class RunRecord(JsonRecord, InCell):
    """One measured run: what the load generator counted, what the server and the client used, and
    whether the run counts (`valid`, else `invalid_reasons`)."""

    run_id: str
    server: str
    scenario: str
    kind: str
    connections: int
    rate: int | None
    round: int
    tool: str
    started_at: str
    duration_s: float | None = None
    requests: int = 0
    requests_per_s: float | None = None
    transfer_bytes: int = 0
    transfer_bytes_per_s: float | None = None
    errors: dict[str, int] = field(default_factory=dict)
    error_total: int = 0
    warmup_errors: dict[str, int] = field(default_factory=dict)
    valid: bool = False
    invalid_reasons: list[str] = field(default_factory=list)
    server_cpu_s: float | None = None
    server_cpu_us_per_request: float | None = None
    server_cpu_share: float | None = None
    loadavg_1m: float | None = None
    # The larger of the two sides' steal shares below (older runs: over all pinned CPUs of the one machine).
    steal_share: float | None = None
    client_cpu_s: float | None = None
    client_wall_s: float | None = None
    client_cpu_share: float | None = None
    client_bound: bool = False
    server_peak_rss_bytes: int | None = None
    latency_ms: dict[str, float | None] | None = None
    target_rate: int | None = None
    achieved_rate: float | None = None
    # Paths of the load generator's own outputs, relative to the run directory: "warmup", "measured".
    raw: dict[str, str] = field(default_factory=dict)
    # The hypervisor's share of the server's pinned CPUs (on the server's host) and of the load
    # generator's (on its host) over the measured window.
    server_steal_share: float | None = None
    client_steal_share: float | None = None
    # Measures of one round: > 1 when the round was measured again; `superseded` marks a measure
    # replaced by a later one (its CPUs were stolen), kept for the record, left out of aggregates.
    attempt: int = 1
    superseded: bool = False
    # Database scenarios (harness/bench/database.py): PostgreSQL's CPU over the measured window (every
    # process of the cluster), per request and as a share of the database's CPUs; None where the
    # database runs elsewhere (unmeasured) or the scenario has none.
    pg_cpu_s: float | None = None
    pg_cpu_us_per_request: float | None = None
    pg_cpu_share: float | None = None
    # How busy the database's CPUs were: PostgreSQL's CPU plus the load generator's when it is pinned to
    # the same CPUs, over their time. `database_bound` when >= measure.DATABASE_BOUND_SHARE.
    db_cpus_busy_share: float | None = None
    database_bound: bool = False
    # Statements PostgreSQL executed per request (pg_stat_statements): above the scenario's own
    # count, a server spends round trips on something else (transactions, checks, re-preparing).
    pg_statements_per_request: float | None = None


@dataclass
class Aggregate(JsonRecord, InCell):
    """One server in one cell over its rounds: medians with min-max, validity, rank, % of baseline."""

    server: str
    scenario: str
    kind: str
    connections: int
    rate: int | None
    contender: bool
    n_runs: int
    n_valid: int
    valid: bool
    requests_per_s: Stat | None
    achieved_rate: Stat | None
    server_cpu_us_per_request: Stat | None
    server_cpu_share: Stat | None
    server_peak_rss_bytes: Stat | None
    latency_ms: dict[str, Stat | None] | None
    client_bound_runs: int
    client_bound: bool
    steal_share: Stat | None
    stolen_runs: int
    invalid_reasons: list[str]
    pct_of_baseline: float | None = None
    rank: int | None = None
    # Measures replaced because their CPUs were stolen (not in n_runs), and the spread the cell's
    # rounds reached (stats.spread).
    remeasured: int = 0
    spread: float | None = None
    # Database scenarios: PostgreSQL per request and how busy the database's CPUs were; a cell is
    # database-bound when any of its runs was; `pct_of_ceiling` is req/s over the ceiling row's
    # (pgbench with the scenario's statements).
    pg_cpu_us_per_request: Stat | None = None
    pg_cpu_share: Stat | None = None
    db_cpus_busy_share: Stat | None = None
    database_bound_runs: int = 0
    database_bound: bool = False
    pg_statements_per_request: Stat | None = None
    pct_of_ceiling: float | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        # Keys that older runs did not record yet.
        defaults: dict[str, Any] = {
            "achieved_rate": None,
            "server_cpu_share": None,
            "steal_share": None,
            "stolen_runs": 0,
            "invalid_reasons": [],
        }
        return super().from_json({**defaults, **data})

    @classmethod
    def _decode(cls, name: str, value: Any) -> Any:
        if name in STAT_FIELDS:
            return Stat.from_json(value)
        if name == "latency_ms" and value is not None:
            return {k: Stat.from_json(v) for k, v in value.items()}
        return value


# The fields of an Aggregate that hold one Stat.
STAT_FIELDS = (
    "requests_per_s",
    "achieved_rate",
    "server_cpu_us_per_request",
    "server_cpu_share",
    "server_peak_rss_bytes",
    "steal_share",
    "pg_cpu_us_per_request",
    "pg_cpu_share",
    "db_cpus_busy_share",
    "pg_statements_per_request",
)


class Failure(TypedDict):
    """A step that failed: a server that did not start, a load generator that broke, a crash."""

    server: str
    run_id: str
    step: str
    message: str
    at: str
