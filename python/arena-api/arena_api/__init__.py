"""API v1 (docs/API.md) for the arena's Python servers, in one place.

Stdlib only. pyo3-hyper takes the user and echo rules from here (its
contract errors come from Rust); granian and uvicorn also route with
`dispatch`, so no Python server re-types a rule.
"""

from __future__ import annotations

import argparse
import json
import os
import tomllib
from importlib import resources
from typing import NamedTuple

# The contract's numbers and error codes have one home, crates/api-model/contract.toml,
# which this package carries as data (python/arena-api/pyproject.toml).
_CONTRACT = tomllib.loads(resources.files(__name__).joinpath("contract.toml").read_text())

PLAINTEXT = b"Hello, World!"
TEXT_CONTENT_TYPE = "text/plain; charset=utf-8"
JSON_CONTENT_TYPE = "application/json"
LIMITS: dict[str, int] = _CONTRACT["limits"]
BODY_LIMIT: int = LIMITS["body_limit_bytes"]
# Neither granian nor uvicorn bounds the time a request body takes once its
# head is in; the apps wrap their body read in this deadline (408, then close).
BODY_READ_TIMEOUT_S = float(LIMITS["body_read_timeout_s"])
USER_ID_MIN: int = _CONTRACT["users"]["id_min"]
USER_ID_MAX: int = _CONTRACT["users"]["id_max"]
ERROR_CODES: dict[int, str] = {int(status): code for status, code in _CONTRACT["errors"].items()}
# Path -> the one method it allows (for 405 and Allow); /users/{id} is a prefix.
ROUTES = {"/plaintext": "GET", "/json": "GET", "/echo": "POST"}
USERS_PREFIX = "/users/"


class Reply(NamedTuple):
    status: int
    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


def message() -> dict:
    return {"message": "Hello, World!"}


def to_json(value: object) -> bytes:
    """Compact JSON, key order kept; NaN/Infinity refused (they are not JSON)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def error(status: int, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    return Reply(status, JSON_CONTENT_TYPE, to_json({"error": ERROR_CODES[status]}), headers)


def user(uid: int) -> dict:
    return {
        "id": uid,
        "name": f"user-{uid}",
        "email": f"user-{uid}@example.com",
        "active": uid % 2 == 0,
        "score": (uid * 7919) % 1000,
    }


def user_in_range(uid: int) -> bool:
    return USER_ID_MIN <= uid <= USER_ID_MAX


def parse_user_id(segment: str) -> int | None:
    """ASCII digits that fit 64 bits, else None (a 400)."""
    if not segment or not (segment.isascii() and segment.isdigit()):
        return None
    uid = int(segment)
    return uid if uid < 2**64 else None


def user_reply(segment: str) -> Reply:
    uid = parse_user_id(segment)
    if uid is None:
        return error(400)
    if not user_in_range(uid):
        return error(404)
    return Reply(200, JSON_CONTENT_TYPE, to_json(user(uid)))


def is_json(content_type: str | None) -> bool:
    return (content_type or "").split(";", 1)[0].strip().lower() == JSON_CONTENT_TYPE


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def echo_value(body: bytes) -> object:
    """The parsed document; ValueError for anything not one valid UTF-8 JSON value."""
    return json.loads(body.decode("utf-8"), parse_constant=_no_constant)


def echo_reply(body: bytes) -> Reply:
    try:
        return Reply(200, JSON_CONTENT_TYPE, to_json(echo_value(body)))
    except ValueError:  # also UnicodeDecodeError and json's decode errors
        return error(400)


class NeedBody(NamedTuple):
    """`dispatch` answer for POST /echo: read at most BODY_LIMIT bytes, then `echo_reply`."""


def dispatch(method: str, path: str, content_type: str | None, content_length: str | None) -> Reply | NeedBody:
    """Everything decided before the body is read, in the contract's order."""
    if path.startswith(USERS_PREFIX):
        segment = path[len(USERS_PREFIX) :]
        if not segment or "/" in segment:
            return error(404)
        return user_reply(segment) if method == "GET" else error(405, (("allow", "GET"),))
    allowed = ROUTES.get(path)
    if allowed is None:
        return error(404)
    if method != allowed:
        return error(405, (("allow", allowed),))
    if path == "/plaintext":
        return Reply(200, TEXT_CONTENT_TYPE, PLAINTEXT)
    if path == "/json":
        return Reply(200, JSON_CONTENT_TYPE, to_json(message()))
    if not is_json(content_type):
        return error(415)
    if content_length is not None and content_length.isdigit() and int(content_length) > BODY_LIMIT:
        return too_large()
    return NeedBody()


# RFC 3986 unreserved and sub-delims: the characters of a reg-name besides pct-encoded.
_REG_NAME = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=")
_HEX = frozenset("0123456789abcdefABCDEF")
# What Rust's `<[u8]>::trim_ascii` strips (not \x0b, which str.strip would take too).
_ASCII_WS = " \t\n\x0c\r"


def is_valid_host(value: str | bytes) -> bool:
    """`Host = uri-host [ ":" port ]` (RFC 9112 §3.2, RFC 3986 §3.2.2): the rule of
    api_model::head::is_valid_host, byte for byte. An IP-literal in brackets, or a
    possibly empty reg-name / IPv4 address; the port, if any, digits (maybe none)."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    value = value.strip(_ASCII_WS)
    if not value.isascii():
        return False
    port: str | None
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return False
        literal = value[1:end]
        if not literal or not all(c in _HEX or c in ":." or c in _REG_NAME for c in literal):
            return False
        rest = value[end + 1 :]
        if not rest:
            return True
        if not rest.startswith(":"):
            return False
        host, port = "", rest[1:]
    else:
        host, colon, port = value.rpartition(":")
        if not colon:
            host, port = value, None
    if port is not None and not all(c in "0123456789" for c in port):
        return False
    return _is_reg_name(host)


def _is_reg_name(host: str) -> bool:
    i = 0
    while i < len(host):
        if host[i] == "%":
            if len(host) < i + 3 or not (host[i + 1] in _HEX and host[i + 2] in _HEX):
                return False
            i += 3
        elif host[i] in _REG_NAME:
            i += 1
        else:
            return False
    return True


def check_host(http_version: str, host_values: list[str] | list[bytes]) -> Reply | None:
    """RFC 9112 §3.2, as api_model::head::check_host: 400 for an HTTP/1.1 request
    without Host, for more than one Host field line, or for an invalid value.
    `host_values` holds the value of every Host field line, repeats included."""
    if len(host_values) > 1 or (not host_values and http_version == "1.1"):
        return bad_head()
    if host_values and not is_valid_host(host_values[0]):
        return bad_head()
    return None


def bad_head() -> Reply:
    """A refused head: the framing of what follows may not be what the client
    meant either, so the connection closes."""
    return error(400, (("connection", "close"),))


def body_timed_out() -> Reply:
    """The body did not arrive in time; its rest may still come: close."""
    return error(408, (("connection", "close"),))


def too_large() -> Reply:
    # The unread rest of the body cannot be skipped: close the connection.
    return error(413, (("connection", "close"),))


def server_args(description: str | None) -> argparse.Namespace:
    """The flags every arena server takes (docs/API.md, "Running a server")."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    return p.parse_args()
