"""`servers/*/server.toml` into typed, validated server specs.

A manifest describes one server, or several *variants* of one source that
differ in a few keys (ntex on three runtimes): each `[variants.NAME]` table
is merged over the rest of the manifest and registered as server NAME, built
in its own cargo invocation and target directory so cargo never unifies the
variants' features.

Format (every key required unless marked optional):

    name = "axum"                       # registered name = its Server header
    description = "..."
    contender = true                    # optional, default true; false: calibration only
    [framework]  name = "axum"; crate = "axum"  (Rust)  or  pypi = "granian" (Python)
    [runtime]    name = "tokio ..."; io_model = "epoll" | "io_uring" | ...
                 worker_unit = "thread" | "process"   # optional, default "thread"
                 threads_per_worker = 1               # optional: threads one more worker adds
    [build]      kind = "cargo" | "maturin" | "none"
                 package, bin           # cargo: the package and binary
                 features = [...]       # optional
                 no_default_features    # optional bool
    [run]        command = ["{bin}", "--port", "{port}", ...]; env = {...} (optional)
                 placeholders: {bin} {python} {dir} {host} {port} {workers}
    [limits]     optional: only where the server's framework differs from the contract's limits
                 (crates/api-model/contract.toml), each with its reason:
                     KEY = { value = N, reason = "..." }      a bound other than the contract's
                     KEY = { value = "none", reason = "..." } no such bound at all
                 A key that restates the contract's value is an error: the contract is its home.
                 The hostile suite derives its waits and sizes from the result (harness/limits.py):
                 header_read_timeout_s  time to send a whole request head; also a silent new connection
                 idle_timeout_s         a keep-alive connection with no request is closed after this
                 body_read_timeout_s    time to send a whole request body after its head
                 max_headers            more header fields are rejected
                 max_header_bytes       a larger request head is rejected
                 max_uri_bytes          a longer request target is rejected
                 body_limit_bytes       larger bodies get 413
                 db_timeout_ms          the database endpoints answer 503 when PostgreSQL takes longer
                 db_connections_per_worker  connections each worker keeps to PostgreSQL
    [database]   optional while servers gain the database endpoints (docs/API.md); without it the
                 database tests skip the server. How the server talks to PostgreSQL, for the report:
                 client = "tokio-postgres 0.7"          the PostgreSQL client, as its users name it
                 template = "askama 0.14"               what renders /fortunes
                 pipelining = true | false              queries of one request pipelined on one connection
                 batched_updates = true | false         /updates writes its rows in one statement
                 notes = "..."                          optional: anything else a reader must know
    [deviations] optional, test name -> reason the server cannot pass it (a strict xfail);
                 or -> { reason = "...", intermittent = true } for a failure that does not
                 show on every run (a non-strict xfail; the report still lists it)
"""

from __future__ import annotations

import builtins
import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomlkit

from .errors import ManifestError
from .limits import LIMITS, LimitOverride
from .paths import TARGET_DIR

BUILD_KINDS = ("cargo", "maturin", "none")
PLACEHOLDERS = ("bin", "python", "dir", "host", "port", "workers")


@dataclass(frozen=True)
class BuildSpec:
    kind: str
    package: str | None = None
    bin: str | None = None
    features: tuple[str, ...] = ()
    no_default_features: bool = False
    # Variants get a target directory of their own; the rest share one.
    target_dir: Path = TARGET_DIR

    @property
    def binary(self) -> Path | None:
        return self.target_dir / "release" / self.bin if self.kind == "cargo" and self.bin else None


@dataclass(frozen=True)
class DatabaseSpec:
    """How a server talks to PostgreSQL (its manifest's `[database]`), shown beside its figures."""

    client: str
    template: str
    pipelining: bool
    batched_updates: bool
    notes: str | None = None


@dataclass(frozen=True)
class Reference:
    """Another project's implementation measured beside the contenders for comparison (a TechEmpower
    entry: harness/bench/tfb.py). Never registered, never ranked, never put through the suites."""

    source: str  # where it came from, for the report: repository, directory, test, commit
    counterparts: tuple[str, ...]  # the arena's servers it is compared with
    build: str  # the build command as it was run
    framework_version: str  # from the entry's own Cargo.lock


@dataclass(frozen=True)
class ServerSpec:
    name: str
    description: str
    contender: bool
    framework: str
    framework_crate: str | None
    framework_pypi: str | None
    runtime: str
    io_model: str
    build: BuildSpec
    command: tuple[str, ...]
    env: dict[str, str]
    # Only the limits where the server differs from the contract (harness/limits.py).
    limits: dict[str, LimitOverride]
    deviations: dict[str, str]
    # Deviations whose failure does not show on every run: expected, not strictly.
    intermittent: set[str]
    directory: Path
    manifest: Path
    # The whole [runtime] table: also worker_unit ("thread" | "process") and
    # threads_per_worker, which the worker-count test reads.
    runtime_info: dict[str, Any] = field(default_factory=dict)
    variant_of: str | None = None
    # None: the server does not serve the database endpoints (yet).
    database: DatabaseSpec | None = None
    # A server that cannot be told its port listens on this one (reference rows); None: a free port.
    port: int | None = None
    reference: Reference | None = None

    def argv(self, *, host: str, port: int, workers: int, python: str) -> list[str]:
        values = {
            "bin": str(self.build.binary) if self.build.binary else "",
            "python": python,
            "dir": str(self.directory),
            "host": host,
            "port": str(port),
            "workers": str(workers),
        }
        return [part.format(**values) for part in self.command]


def load_manifest(path: Path) -> list[ServerSpec]:
    """One spec, or one per variant, from a server.toml."""
    try:
        doc = tomlkit.parse(path.read_text()).unwrap()
    except OSError as exc:
        raise ManifestError(path, "<file>", f"cannot be read: {exc}") from exc
    except tomlkit.exceptions.TOMLKitError as exc:
        raise ManifestError(path, "<file>", f"is not valid TOML: {exc}") from exc
    variants = doc.pop("variants", None)
    if variants is None:
        return [_spec(path, doc, variant_of=None)]
    if not isinstance(variants, dict) or not variants:
        raise ManifestError(path, "variants", "must be a table of at least one [variants.NAME]")
    specs = []
    for name, overrides in variants.items():
        if not isinstance(overrides, dict):
            raise ManifestError(path, f"variants.{name}", "must be a table")
        merged = _merge(copy.deepcopy(doc), overrides)
        merged["name"] = name
        specs.append(_spec(path, merged, variant_of=doc.get("name")))
    return specs


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = copy.deepcopy(value)
    return base


def _spec(path: Path, doc: dict[str, Any], variant_of: str | None) -> ServerSpec:
    get = _Getter(path, doc)
    name = get.str("name")
    kind = get.str("build.kind")
    if kind not in BUILD_KINDS:
        raise ManifestError(path, "build.kind", f"must be one of {', '.join(BUILD_KINDS)}, not {kind!r}")
    framework_crate = get.opt_str("framework.crate")
    framework_pypi = get.opt_str("framework.pypi")
    if not (framework_crate or framework_pypi):
        raise ManifestError(path, "framework.crate", "missing (or give framework.pypi for a Python framework)")
    build = BuildSpec(
        kind=kind,
        package=get.str("build.package") if kind in ("cargo", "maturin") else get.opt_str("build.package"),
        bin=get.str("build.bin") if kind == "cargo" else None,
        features=tuple(get.str_list("build.features", default=[])),
        no_default_features=get.bool("build.no_default_features", default=False),
        target_dir=TARGET_DIR / "variants" / name if variant_of else TARGET_DIR,
    )
    command = tuple(get.str_list("run.command"))
    if not command:
        raise ManifestError(path, "run.command", "must not be empty")
    for part in command:
        try:
            part.format(**{p: "" for p in PLACEHOLDERS})
        except (KeyError, IndexError, ValueError) as exc:
            raise ManifestError(path, "run.command", f"unknown placeholder in {part!r}: {exc}") from exc
    return ServerSpec(
        name=name,
        description=get.str("description"),
        contender=get.bool("contender", default=True),
        framework=get.str("framework.name"),
        framework_crate=framework_crate,
        framework_pypi=framework_pypi,
        runtime=get.str("runtime.name"),
        io_model=get.str("runtime.io_model"),
        build=build,
        command=command,
        env={k: str(v) for k, v in get.table("run.env").items()},
        limits={k: _limit(path, k, v) for k, v in get.table("limits").items()},
        deviations={k: _reason(path, k, v) for k, v in get.table("deviations").items()},
        intermittent={k for k, v in get.table("deviations").items() if isinstance(v, dict) and v.get("intermittent") is True},
        directory=path.parent,
        manifest=path,
        runtime_info=dict(get.table("runtime")),
        variant_of=variant_of,
        database=_database(get) if get.table("database") else None,
    )


def _database(get: _Getter) -> DatabaseSpec:
    return DatabaseSpec(
        client=get.str("database.client"),
        template=get.str("database.template"),
        pipelining=get.bool("database.pipelining", default=None),
        batched_updates=get.bool("database.batched_updates", default=None),
        notes=get.opt_str("database.notes"),
    )


def _limit(path: Path, key: str, value: Any) -> LimitOverride:
    where = f"limits.{key}"
    if key not in LIMITS:
        raise ManifestError(path, where, f"unknown limit; known: {', '.join(LIMITS)}")
    if not isinstance(value, dict) or set(value) != {"value", "reason"}:
        raise ManifestError(path, where, 'must be { value = N | "none", reason = "..." }')
    reason, number = value["reason"], value["value"]
    if not isinstance(reason, str) or not reason.strip():
        raise ManifestError(path, f"{where}.reason", "must be a non-empty string")
    if number == "none":
        return LimitOverride(None, reason)
    if not isinstance(number, (int, float)) or isinstance(number, bool) or number <= 0:
        raise ManifestError(path, f"{where}.value", 'must be a positive number or "none"')
    if number == LIMITS[key].default:
        raise ManifestError(path, f"{where}.value", f"restates the contract's value {number:g}; remove the key")
    return LimitOverride(float(number), reason)


def _reason(path: Path, test: str, value: Any) -> str:
    reason = value.get("reason") if isinstance(value, dict) else value
    if not isinstance(reason, str) or not reason.strip():
        raise ManifestError(path, f"deviations.{test}", "must be a non-empty reason string (or a table with one)")
    if isinstance(value, dict) and not isinstance(value.get("intermittent", False), bool):
        raise ManifestError(path, f"deviations.{test}.intermittent", "must be true or false")
    return reason


class _Getter:
    """Reads dotted keys, raising ManifestError that names the field."""

    _MISSING = object()

    def __init__(self, path: Path, doc: dict[str, Any]):
        self.path, self.doc = path, doc

    def _raw(self, dotted: str) -> Any:
        node: Any = self.doc
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                return self._MISSING
            node = node[part]
        return node

    def _typed(self, dotted: str, kind: type, what: str, default: Any) -> Any:
        value = self._raw(dotted)
        if value is self._MISSING:
            if default is self._MISSING:
                raise ManifestError(self.path, dotted, "missing")
            return default
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ManifestError(self.path, dotted, f"must be {what}, not {type(value).__name__}")
        return value

    # builtins.*: inside this class `str` and `bool` name the methods below.
    def str(self, dotted: builtins.str) -> builtins.str:
        value: builtins.str = self._typed(dotted, builtins.str, "a string", self._MISSING)
        if not value.strip():
            raise ManifestError(self.path, dotted, "must not be empty")
        return value

    def opt_str(self, dotted: builtins.str) -> builtins.str | None:
        value: builtins.str | None = self._typed(dotted, builtins.str, "a string", None)
        return value

    def bool(self, dotted: builtins.str, default: builtins.bool | None) -> builtins.bool:
        """`default=None`: the key is required."""
        value: builtins.bool = self._typed(dotted, builtins.bool, "true or false", self._MISSING if default is None else default)
        return value

    def table(self, dotted: builtins.str) -> dict[builtins.str, Any]:
        value: dict[builtins.str, Any] = self._typed(dotted, dict, "a table", {})
        return value

    def str_list(self, dotted: builtins.str, default: Any = _MISSING) -> list[builtins.str]:
        value: list[builtins.str] = self._typed(dotted, list, "a list of strings", default)
        if not all(isinstance(v, builtins.str) for v in value):
            raise ManifestError(self.path, dotted, "must be a list of strings")
        return value
