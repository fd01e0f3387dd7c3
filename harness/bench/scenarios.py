"""`bench/scenarios.toml` into typed scenarios and profiles (format at the top of that file)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomlkit

from ..errors import ScenarioError
from ..paths import ROOT

SCENARIOS_FILE = ROOT / "bench" / "scenarios.toml"
KINDS = ("throughput", "latency")
# The profile `nox -s build bench` and `python -m harness bench` run when none is named.
DEFAULT_PROFILE = "standard"


# A cell whose rounds spread (max - min over median, of server CPU µs/request or of req/s) by more
# than this gets another round, up to the profile's max_rounds.
SPREAD_BOUND = 0.05


@dataclass(frozen=True)
class Profile:
    """How long and how often each server is measured in each cell. `repeats` rounds always run;
    a cell whose spread is still above `spread_bound` gets more, and a round that lost CPU to the
    hypervisor is measured again, as long as the cell has run fewer than `max_rounds` times."""

    name: str
    duration_s: float
    warmup_s: float
    repeats: int
    description: str = ""
    max_rounds: int = 0  # 0: as many as `repeats`
    spread_bound: float = SPREAD_BOUND
    # Wall seconds the load suite may take: an extra round or a re-measure starts only while it and
    # the planned rounds still owed fit (None: no bound).
    budget_s: float | None = None

    @property
    def cap(self) -> int:
        """Measured runs per server and cell at most, re-measured ones included."""
        return max(self.repeats, self.max_rounds)


@dataclass(frozen=True)
class Scenario:
    name: str
    kind: str
    path: str
    description: str = ""
    method: str = "GET"
    body: bytes | None = None
    body_file: Path | None = None
    content_type: str | None = None
    pipeline: int = 1
    ids: tuple[int, int] = (1, 1_000_000)
    connections: dict[str, tuple[int, ...]] = field(default_factory=dict)
    rates: dict[str, tuple[int, ...]] = field(default_factory=dict)
    headline: int | None = None
    # A pgbench script running the statements one request of this scenario runs: it makes this a
    # database scenario (only servers with [database] run it; pgbench with it gives the ceiling).
    pgbench: Path | None = None

    @property
    def varies_id(self) -> bool:
        return "{id}" in self.path

    @property
    def database(self) -> bool:
        return self.pgbench is not None

    def cells(self, profile: str) -> list[tuple[int, int | None]]:
        """(connections, rate) pairs this scenario runs under `profile`."""
        conns = self.connections.get(profile, ())
        if self.kind == "latency":
            return [(c, r) for c in conns for r in self.rates.get(profile, ())]
        return [(c, None) for c in conns]


@dataclass(frozen=True)
class Suite:
    profiles: dict[str, Profile]
    scenarios: dict[str, Scenario]
    source: Path
    default_profile: str = DEFAULT_PROFILE


def load(path: Path = SCENARIOS_FILE) -> Suite:
    try:
        doc = tomlkit.parse(path.read_text()).unwrap()
    except (OSError, tomlkit.exceptions.TOMLKitError) as exc:
        raise ScenarioError(path, "<file>", str(exc)) from exc
    profiles = {}
    for name, p in doc.get("profiles", {}).items():
        try:
            profiles[name] = Profile(
                name,
                float(p["duration_s"]),
                float(p["warmup_s"]),
                int(p["repeats"]),
                p.get("description", ""),
                int(p.get("max_rounds", 0)),
                float(p.get("spread_bound", SPREAD_BOUND)),
                float(p["budget_min"]) * 60 if "budget_min" in p else None,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ScenarioError(path, f"profiles.{name}", f"needs duration_s, warmup_s, repeats ({exc})") from exc
        if profiles[name].repeats < 1 or profiles[name].duration_s <= 0:
            raise ScenarioError(path, f"profiles.{name}", "repeats must be >= 1 and duration_s > 0")
        if profiles[name].spread_bound <= 0:
            raise ScenarioError(path, f"profiles.{name}", "spread_bound must be > 0")
        budget = profiles[name].budget_s
        if budget is not None and budget <= 0:
            raise ScenarioError(path, f"profiles.{name}", "budget_min must be > 0")
    scenarios = {}
    for i, s in enumerate(doc.get("scenarios", [])):
        sc = _scenario(path, i, s)
        if sc.name in scenarios:
            raise ScenarioError(path, f"scenarios[{i}]", f"duplicate name {sc.name!r}")
        scenarios[sc.name] = sc
    if not scenarios:
        raise ScenarioError(path, "scenarios", "no [[scenarios]] defined")
    default = str(doc.get("default_profile", DEFAULT_PROFILE))
    if profiles and default not in profiles:
        raise ScenarioError(path, "default_profile", f"{default!r} is not a profile; defined: {', '.join(profiles)}")
    return Suite(profiles, scenarios, path, default)


def _scenario(path: Path, i: int, s: dict[str, Any]) -> Scenario:
    where = f"scenarios[{i}]"
    try:
        name, kind, req_path = s["name"], s["kind"], s["path"]
    except KeyError as exc:
        raise ScenarioError(path, where, f"missing {exc}") from exc
    where = f"scenario {name!r}"
    if kind not in KINDS:
        raise ScenarioError(path, where, f"kind must be one of {KINDS}, not {kind!r}")
    body, body_file = None, None
    if "body" in s:
        body_file = (path.parent / s["body"]).resolve()
        try:
            body = body_file.read_bytes()
        except OSError as exc:
            raise ScenarioError(path, where, f"body file: {exc}") from exc
    pipeline = int(s.get("pipeline", 1))
    if pipeline < 1:
        raise ScenarioError(path, where, "pipeline must be >= 1")
    if kind == "latency" and pipeline != 1:
        raise ScenarioError(path, where, "latency scenarios cannot be pipelined")
    connections = {k: tuple(int(c) for c in v) for k, v in s.get("connections", {}).items()}
    rates = {k: tuple(int(r) for r in v) for k, v in s.get("rates", {}).items()}
    if kind == "latency" and not rates:
        raise ScenarioError(path, where, "a latency scenario needs rates = { PROFILE = [...] }")
    pgbench = None
    if "pgbench" in s:
        pgbench = (path.parent / s["pgbench"]).resolve()
        if not pgbench.is_file():
            raise ScenarioError(path, where, f"pgbench script {pgbench} does not exist")
        if kind != "throughput":
            raise ScenarioError(path, where, "a database scenario (pgbench = ...) must be a throughput scenario")
    ids = tuple(int(x) for x in s.get("ids", (1, 1_000_000)))
    if len(ids) != 2 or ids[0] > ids[1]:
        raise ScenarioError(path, where, "ids must be [low, high]")
    return Scenario(
        name=name,
        kind=kind,
        path=req_path,
        description=s.get("description", ""),
        method=s.get("method", "GET").upper(),
        body=body,
        body_file=body_file,
        content_type=s.get("content_type"),
        pipeline=pipeline,
        ids=ids,
        connections=connections,
        rates=rates,
        headline=s.get("headline"),
        pgbench=pgbench,
    )
