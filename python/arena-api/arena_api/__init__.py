"""API v1 (docs/API.md) for the arena's Python servers, in one place.

Stdlib only (but `arena_api.pg`, the database endpoints over asyncpg and
Jinja2). pyo3-hyper takes the user and echo rules from here (its contract
errors come from Rust); granian and uvicorn also route with `dispatch`, so no
Python server re-types a rule. The database endpoints' rules are `arena_api.db`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
from typing import NamedTuple

from . import db
from ._contract import CONTRACT as _CONTRACT

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
ROUTES = {"/plaintext": "GET", "/json": "GET", "/echo": "POST"} | dict.fromkeys(db.PATHS, "GET")
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


class NeedDatabase(NamedTuple):
    """`dispatch` answer for GET on a database route (`db.PATHS`): the app asks PostgreSQL
    (`arena_api.pg`), with `db.queries_count` of the query string for /queries and /updates."""

    path: str


def dispatch(method: str, path: str, content_type: str | None, content_length: str | None) -> Reply | NeedBody | NeedDatabase:
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
    if allowed == "GET":
        return NeedDatabase(path)
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
# The common case, decided at once: a reg-name of unreserved/sub-delims characters, maybe a port.
_PLAIN_HOST = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=]*(?::[0-9]*)?")


def is_valid_host(value: str | bytes) -> bool:
    """`Host = uri-host [ ":" port ]` (RFC 9112 §3.2, RFC 3986 §3.2.2): the rule of
    api_model::head::is_valid_host, byte for byte. An IP-literal in brackets, or a
    possibly empty reg-name / IPv4 address; the port, if any, digits (maybe none)."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if _PLAIN_HOST.fullmatch(value):
        return True
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
        return refused(400)
    if host_values and not is_valid_host(host_values[0]):
        return refused(400)
    return None


def refused(status: int) -> Reply:
    """A refusal before routing (or of a broken body), then a close: what follows
    on the connection may not be framed as the client meant. 400 carries the
    contract's error body; 414, 431 and 501 are protocol answers with an empty
    one (as in Rust, api_model::head::HeadRefusal)."""
    close = (("connection", "close"),)
    if status in ERROR_CODES:
        return error(status, close)
    return Reply(status, TEXT_CONTENT_TYPE, b"", close)


def size_refusal(method: str, target_len: int, fields: list[tuple[str | bytes, str | bytes]]) -> Reply | None:
    """api_model::head::size_refusal, plus the field count: 414 for a target over
    max_uri_bytes, 431 for a head over max_header_bytes (request line and
    `name: value` lines as on the wire) or over max_headers fields."""
    return _size_refusal(method, target_len, sum(len(n) + len(v) for n, v in fields), len(fields))


def _size_refusal(method: str, target_len: int, field_bytes: int, field_count: int) -> Reply | None:
    if target_len > LIMITS["max_uri_bytes"]:
        return refused(414)
    head = len(method) + 1 + target_len + len(" HTTP/1.1\r\n") + field_bytes + len(": \r\n") * field_count
    if head > LIMITS["max_header_bytes"] or field_count > LIMITS["max_headers"]:
        return refused(431)
    return None


def _token_list(values: list[str | bytes]) -> list[str]:
    """The elements of a comma-separated field, every line of it, empty ones
    dropped (RFC 9110 §5.6.1), OWS (SP, HTAB) trimmed, lowercased."""
    out = []
    for value in values:
        text = value.decode("latin-1") if isinstance(value, bytes) else value
        out += [item.strip(" \t").lower() for item in text.split(",") if item.strip(" \t")]
    return out


def check_framing(
    http_version: str, transfer_encodings: list[str] | list[bytes], content_lengths: list[str] | list[bytes]
) -> Reply | None:
    """The body-framing rules a lenient HTTP/1 parser may let through, checked on
    the field lines as they arrived (every repeat), so the app refuses what the
    parser framed on a guess; each refusal closes the connection, which drops
    anything the parser read after this request.

    - Transfer-Encoding (RFC 9112 §6.1, §6.3): the only coding served is chunked,
      once: chunked twice or not last is 400, another coding 501. With
      Content-Length too, or in HTTP/1.0, the framing is faulty: 400.
    - Content-Length (RFC 9110 §8.6): one field line of 1*DIGIT; a list or a
      repeat, even of equal values, is 400 (one length, one line).
    """
    if transfer_encodings:
        codings = _token_list(transfer_encodings)
        if content_lengths or http_version not in ("1.1", "2", "3") or not codings or codings[-1] != "chunked":
            return refused(400)
        if codings.count("chunked") > 1:
            return refused(400)
        if len(codings) > 1:
            return refused(501)
        return None
    if len(content_lengths) > 1:
        return refused(400)
    if content_lengths:
        value = content_lengths[0]
        text = (value.decode("latin-1") if isinstance(value, bytes) else value).strip(" \t")
        if not (text.isascii() and text.isdigit()):
            return refused(400)
    return None


_HOST, _TE, _CL = (
    frozenset(("host", b"host")),
    frozenset(("transfer-encoding", b"transfer-encoding")),
    frozenset(("content-length", b"content-length")),
)


def check_head(
    http_version: str, method: str, target_len: int, fields: list[tuple[str, str]] | list[tuple[bytes, bytes]]
) -> Reply | None:
    """Every check made before routing, in order: sizes, framing, Host. `fields`
    holds every field line of the head, names lowercased; `http_version` is
    "1.0", "1.1" (an HTTP/0.9 request line is refused). One pass over the
    fields: this runs on every request."""
    if http_version == "0.9":
        return refused(400)
    hosts, transfer_encodings, content_lengths = [], [], []
    field_bytes = 0
    for name, value in fields:
        field_bytes += len(name) + len(value)
        if name in _HOST:
            hosts.append(value)
        elif name in _TE:
            transfer_encodings.append(value)
        elif name in _CL:
            content_lengths.append(value)
    refusal = _size_refusal(method, target_len, field_bytes, len(fields))
    if refusal is not None:
        return refusal
    if transfer_encodings or content_lengths:
        framing = check_framing(http_version, transfer_encodings, content_lengths)
        if framing is not None:
            return framing
    return check_host(http_version, hosts)


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
