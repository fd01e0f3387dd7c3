"""results.json: the versioned record of one bench run, checked against results.schema.json.

`document()` assembles it at the end of a bench run, `write()` saves it and `load()` reads it back
as a `RunDocument`: plain JSON values, except runs and aggregates, which are typed records."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NotRequired, TypedDict

from ..errors import ResultsError
from ..manifest import ServerSpec
from ..paths import ROOT
from . import measure, pgbench, plan, runner, stats, tfb
from .database import redact, url_host
from .environment import Environment
from .records import Aggregate, Failure, RunRecord
from .scenarios import Scenario

SCHEMA_VERSION = 1
SCHEMA_FILE = Path(__file__).with_name("results.schema.json")
RESULTS_NAME = "results.json"


class HostPlace(TypedDict):
    """Where one side of the run was: "local" or an ssh destination, and for the server the
    address it listened on (the one the load generator sent to)."""

    host: str
    address: NotRequired[str]


class DatabaseInfo(TypedDict):
    """The PostgreSQL of the database scenarios: where it ran, whether the bench started it, its
    CPUs (None: elsewhere, unmeasured), the ceiling's connection count and its pipelines' depth."""

    host: str  # "local" or the host of --database-url
    url: str  # password hidden
    started: bool
    cpus: list[int] | None
    cpu_measured: bool
    ceiling_clients: int
    database_bound_share: float
    # HTTP connections of a database cell -> requests per pipeline of its ceiling (pgbench.depth).
    # Older runs lack it: their ceiling ran the statements one by one.
    ceiling_depth: NotRequired[dict[str, int]]


class Config(TypedDict):
    profile: str
    duration_s: float
    warmup_s: float
    repeats: int  # rounds every cell runs
    server_cpus: list[int]
    client_cpus: list[int]
    workers: int
    scenarios_file: str
    client_bound_share: NotRequired[float]
    # Older runs did not record these: they ran `repeats` rounds, everything on one machine.
    max_rounds: NotRequired[int]
    spread_bound: NotRequired[float]
    stolen_share: NotRequired[float]
    hosts: NotRequired[dict[str, HostPlace]]  # "server", "client", "database"
    database: NotRequired[DatabaseInfo]


class ScenarioInfo(TypedDict):
    description: str
    method: str
    path: str
    pipeline: int
    headline: int | None
    # A database scenario: only servers with database endpoints, and the ceiling row. Older runs lack it.
    database: NotRequired[bool]


class Plan(TypedDict):
    servers: list[str]
    cells: list[plan.CellJson]
    scenarios: NotRequired[dict[str, ScenarioInfo]]
    runs: int  # the profile's rounds for every server and cell
    estimated_s: float
    max_runs: NotRequired[int]  # every cell at its cap
    max_estimated_s: NotRequired[float]
    budget_s: NotRequired[float | None]  # the profile's wall budget
    refused_by_budget: NotRequired[int]  # extra rounds and re-measures it did not start


class ReferenceInfo(TypedDict):
    """What a reference row is (harness/bench/tfb.py): where it came from, how it was built, what
    it is compared with."""

    source: str
    counterparts: list[str]
    build: str
    port: int | None


class DatabaseUse(TypedDict):
    """How a server talks to PostgreSQL (its manifest's [database]), shown beside its figures."""

    client: str
    template: str
    pipelining: bool
    batched_updates: bool
    notes: str | None


class ServerStatus(TypedDict):
    name: str
    contender: bool
    status: str  # "ok" | "unavailable"
    error: str | None
    # None: no database endpoints (the database scenarios leave the server out). Older runs lack it.
    database: NotRequired[DatabaseUse | None]
    reference: NotRequired[ReferenceInfo]


class SkippedReference(TypedDict):
    name: str
    reason: str


class ReferencesInfo(TypedDict):
    """`--reference-tfb`: the checkout, its commit, and the entries that are not in the run."""

    checkout: str
    commit: str | None
    skipped: list[SkippedReference]


class RunDocument(TypedDict):
    schema_version: int
    run_id: str
    started_at: str
    finished_at: str
    environment: Environment
    config: Config
    plan: Plan
    servers: list[ServerStatus]
    runs: list[RunRecord]
    failures: list[Failure]
    aggregates: list[Aggregate]
    references: NotRequired[ReferencesInfo]


def document(
    cfg: runner.BenchConfig,
    outcome: runner.Outcome,
    *,
    run_id: str,
    started: dt.datetime,
    environment: Environment,
    scenarios_file: Path,
    estimate: plan.Estimate,
    references: tfb.References | None = None,
) -> RunDocument:
    """The record of a finished bench run: what was asked, on what machine, every run, every failure
    and the aggregates of the runs."""
    profile, chosen, specs = cfg.profile, cfg.scenarios, cfg.specs
    config: Config = {
        "profile": profile.name,
        "duration_s": profile.duration_s,
        "warmup_s": profile.warmup_s,
        "repeats": profile.repeats,
        "server_cpus": sorted(cfg.server_cpus),
        "client_cpus": sorted(cfg.client_cpus),
        "workers": cfg.workers,
        "scenarios_file": str(scenarios_file.relative_to(ROOT) if scenarios_file.is_relative_to(ROOT) else scenarios_file),
        "client_bound_share": measure.CLIENT_BOUND_SHARE,
        "max_rounds": profile.cap,
        "spread_bound": profile.spread_bound,
        "stolen_share": stats.STOLEN_SHARE,
        "hosts": {
            "server": {"host": "local", "address": cfg.server_address},
            "client": {"host": cfg.load_client.host.name},
        },
    }
    if cfg.database is not None:
        d = cfg.database
        # Where it ran: this machine, its ssh host, or (unmeasured) the URL's host; and the address the servers reached.
        config["hosts"]["database"] = {"host": d.machine or ("local" if d.measured else d.host), "address": url_host(d.url)}
        config["database"] = {
            "host": d.host,
            "url": redact(d.url),
            "started": d.started,
            "cpus": sorted(d.cpus) if d.cpus else None,
            "cpu_measured": d.measured,
            "ceiling_clients": pgbench.connections(cfg.workers),
            "database_bound_share": measure.DATABASE_BOUND_SHARE,
            "ceiling_depth": {
                str(c.connections): pgbench.depth(c.connections, pgbench.connections(cfg.workers))
                for c in plan.cells([s for s in chosen if s.database], profile.name)
            },
        }
    doc: RunDocument = {
        "schema_version": SCHEMA_VERSION,
        "run_id": run_id,
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": runner.now(),
        "environment": environment,
        "config": config,
        "plan": {
            "servers": [s.name for s in specs],
            "cells": [c.to_json() for c in plan.cells(chosen, profile.name)],
            "scenarios": {s.name: _scenario_info(s) for s in chosen},
            "runs": estimate.runs,
            "estimated_s": estimate.seconds,
            "max_runs": estimate.max_runs,
            "max_estimated_s": estimate.max_seconds,
            "budget_s": profile.budget_s,
            "refused_by_budget": outcome.refused_by_budget,
        },
        "servers": [_server_status(s, outcome) for s in specs],
        "runs": outcome.runs,
        "failures": outcome.failures,
        "aggregates": stats.aggregate(
            outcome.runs, {s.name: s.contender for s in specs}, references={s.name for s in specs if s.reference}
        ),
    }
    if references is not None:
        doc["references"] = {
            "checkout": references.checkout,
            "commit": references.commit,
            "skipped": [{"name": s.name, "reason": s.reason} for s in references.skipped],
        }
    return doc


def _scenario_info(s: Scenario) -> ScenarioInfo:
    return {
        "description": s.description,
        "method": s.method,
        "path": s.path,
        "pipeline": s.pipeline,
        "headline": s.headline,
        "database": s.database,
    }


def _server_status(spec: ServerSpec, outcome: runner.Outcome) -> ServerStatus:
    d = spec.database
    status: ServerStatus = {
        "name": spec.name,
        "contender": spec.contender,
        "status": "unavailable" if spec.name in outcome.unavailable else "ok",
        "error": outcome.unavailable.get(spec.name),
        "database": None
        if d is None
        else {
            "client": d.client,
            "template": d.template,
            "pipelining": d.pipelining,
            "batched_updates": d.batched_updates,
            "notes": d.notes,
        },
    }
    if spec.reference is not None:
        status["reference"] = {
            "source": spec.reference.source,
            "counterparts": list(spec.reference.counterparts),
            "build": spec.reference.build,
            "port": spec.port,
        }
    return status


def reference_names(doc: RunDocument) -> set[str]:
    """The run's reference rows (never contenders, never ranked)."""
    return {s["name"] for s in doc["servers"] if "reference" in s}


def to_json(doc: RunDocument) -> dict[str, Any]:
    return {
        **doc,
        "runs": [r.to_json() for r in doc["runs"]],
        "aggregates": [a.to_json() for a in doc["aggregates"]],
    }


def from_json(data: Mapping[str, Any]) -> RunDocument:
    """A document as json.loads gave it (checked against the schema) into a RunDocument."""
    doc: RunDocument = {
        "schema_version": data["schema_version"],
        "run_id": data["run_id"],
        "started_at": data["started_at"],
        "finished_at": data["finished_at"],
        "environment": data["environment"],
        "config": data["config"],
        "plan": data["plan"],
        "servers": data["servers"],
        "runs": [RunRecord.from_json(r) for r in data["runs"]],
        "failures": data["failures"],
        "aggregates": [Aggregate.from_json(a) for a in data["aggregates"]],
    }
    if "references" in data:
        doc["references"] = data["references"]
    return doc


def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_FILE.read_text())
    return loaded


def validate(doc: Mapping[str, Any]) -> None:
    """Raises jsonschema.ValidationError when `doc` (JSON values) does not follow the schema."""
    import jsonschema

    jsonschema.validate(doc, schema())


def write(run_dir: Path, doc: RunDocument) -> Path:
    data = to_json(doc)
    validate(data)
    path = run_dir / RESULTS_NAME
    path.write_text(json.dumps(data, indent=1) + "\n")
    return path


def load(run_dir: Path) -> RunDocument:
    path = run_dir / RESULTS_NAME if run_dir.is_dir() else run_dir
    data = json.loads(path.read_text())
    if data.get("schema_version") != SCHEMA_VERSION:
        raise ResultsError(f"{path}: schema_version {data.get('schema_version')!r}, this harness reads {SCHEMA_VERSION}")
    validate(data)
    return from_json(data)
