"""The contract's limits as the harness sees them: each key's meaning, the contract's value (read
from crates/api-model/contract.toml, the one home of these numbers), and the most the hostile
suite will wait or send.

A server's manifest states a limit only where its framework differs from the contract, with the
reason (`[limits] KEY = { value = N | "none", reason = "..." }`, checked in harness/manifest.py).
Tests derive their waits and sizes from `effective(spec, key)`: the server's value, or the
contract's, clipped to the cap. A server whose limit is above the cap fails the case that probes
it and declares a deviation: a header timeout of minutes, or a header block of megabytes, is not a
defence. The size caps are the hostile brief's: a URI over 8 KiB and a head over 16 KiB must be
refused.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Protocol

from .paths import CONTRACT_FILE


@dataclass(frozen=True)
class Limit:
    key: str
    meaning: str
    cap: float
    unit: str

    @property
    def default(self) -> float:
        """The contract's value."""
        return contract_limits()[self.key]


@cache
def contract_limits() -> dict[str, int]:
    with CONTRACT_FILE.open("rb") as f:
        return dict(tomllib.load(f)["limits"])


LIMITS: dict[str, Limit] = {
    lim.key: lim
    for lim in (
        Limit(
            "header_read_timeout_s",
            "a request head (first or next) must be complete within this time, counted from "
            "connection open or the first byte; also bounds a connection that never sends anything",
            20,
            "s",
        ),
        Limit("idle_timeout_s", "a keep-alive connection with no request in flight is closed after this time", 20, "s"),
        Limit("body_read_timeout_s", "a request body must arrive whole within this time after its head", 20, "s"),
        Limit("max_headers", "more header fields than this are rejected (431 or 400)", 256, "fields"),
        Limit("max_header_bytes", "a request head (request line + headers) larger than this is rejected", 16384, "bytes"),
        Limit("max_uri_bytes", "a request target longer than this is rejected (414, 431 or 400)", 8192, "bytes"),
        Limit("body_limit_bytes", "request bodies over this are answered 413", 1048576, "bytes"),
        Limit(
            "db_timeout_ms",
            "a database endpoint whose database does not answer within this time is answered 503 (connecting included)",
            5000,
            "ms",
        ),
        Limit("db_connections_per_worker", "connections each worker keeps to PostgreSQL (the pool policy)", 64, "connections"),
    )
}


@dataclass(frozen=True)
class LimitOverride:
    """A server's own value for one limit, where its framework differs from the contract.
    `value` None: the server has no such bound at all."""

    value: float | None
    reason: str


class HasLimits(Protocol):
    """A server's spec as this module needs it (harness.manifest.ServerSpec): its own limits."""

    @property
    def limits(self) -> Mapping[str, LimitOverride]: ...


def effective(spec: HasLimits, key: str) -> float:
    """The server's value (the contract's where it states none, or where it has no bound at all),
    never above the suite's cap."""
    lim = LIMITS[key]
    override = spec.limits.get(key)
    value = override.value if override is not None and override.value is not None else lim.default
    return min(value, lim.cap)


def describe(spec: HasLimits, key: str) -> str:
    """For reports: the server's real value with its unit, or `none` when it has no such bound."""
    override = spec.limits.get(key)
    if override is not None and override.value is None:
        return "none"
    value = override.value if override is not None else LIMITS[key].default
    assert value is not None
    unit = LIMITS[key].unit
    if unit == "bytes" and value >= 1024:
        return f"{value / 1048576:g} MiB" if value >= 1048576 else f"{value / 1024:g} KiB"
    return f"{value:g} {unit}"
