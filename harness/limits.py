"""The `[limits]` keys of a manifest: what each means, the value assumed when a
server documents none, and the most the hostile suite will wait or send.

Tests derive their waits and sizes from `effective(spec, key)`: the documented
value, or the default, clipped to the cap. A server whose documented limit is
above the cap fails the case that probes it and declares a deviation: a
header timeout of minutes, or a header block of megabytes, is not a defence.
The size caps are the hostile brief's: a URI over 8 KiB and a head over
16 KiB must be refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Limit:
    key: str
    meaning: str
    default: float
    cap: float
    unit: str


LIMITS: dict[str, Limit] = {
    lim.key: lim
    for lim in (
        Limit(
            "header_read_timeout_s",
            "a request head (first or next) must be complete within this time, counted from "
            "connection open or the first byte; also bounds a connection that never sends anything",
            10,
            20,
            "s",
        ),
        Limit("idle_timeout_s", "a keep-alive connection with no request in flight is closed after this time", 10, 20, "s"),
        Limit("body_read_timeout_s", "a request body must arrive whole within this time after its head", 10, 20, "s"),
        Limit("max_headers", "more header fields than this are rejected (431 or 400)", 100, 256, "fields"),
        Limit("max_header_bytes", "a request head (request line + headers) larger than this is rejected", 16384, 16384, "bytes"),
        Limit("max_uri_bytes", "a request target longer than this is rejected (414, 431 or 400)", 8192, 8192, "bytes"),
        Limit("body_limit_bytes", "request bodies over this are answered 413", 1048576, 1048576, "bytes"),
    )
}


def documented(spec: Any, key: str) -> float | None:
    value = spec.limits.get(key)
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def effective(spec: Any, key: str) -> float:
    """The documented value (or the default), never above the suite's cap."""
    lim = LIMITS[key]
    value = documented(spec, key)
    return min(lim.default if value is None else value, lim.cap)


def describe(spec: Any, key: str) -> str:
    """For reports: the documented value with its unit, or `undocumented`."""
    value = documented(spec, key)
    if value is None:
        return "undocumented"
    unit = LIMITS[key].unit
    if unit == "bytes" and value >= 1024:
        return f"{value / 1048576:g} MiB" if value >= 1048576 else f"{value / 1024:g} KiB"
    return f"{value:g} {unit}"
