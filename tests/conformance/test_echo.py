"""POST /echo: media type, body limit, JSON validity, faithful compact round-trips."""

from __future__ import annotations

import json

import pytest

from tests.support.rawhttp import RawConnection, request

from .contract import BODY_LIMIT, compact, media_type, ordered
from .test_endpoints import assert_error

JSON_HEADERS = {"Content-Type": "application/json"}

ROUND_TRIPS = {
    "object": {"b": 1, "a": 2, "z": {"y": [1, 2, {"x": None}]}},
    "key_order": {"zeta": 1, "alpha": 2, "mid": 3, "Beta": 4},
    "array": [1, "two", 3.5, True, False, None, [], {}],
    "nested": {"a": [[[[{"deep": [[["x"]]]}]]]]},
    "unicode": {"é": "ünïcødé", "emoji": "😀 🚀", "cjk": "漢字", "escapes": 'quote" backslash\\ tab\t nl\n'},
    "numbers": {"int": 42, "neg": -7, "float": 3.25, "exp": 1.5e300, "small": -2.5e-300, "zero": 0, "big": 9007199254740993},
    "string": "just a string",
    "number": 12345,
    "null": None,
    "empty_object": {},
}


@pytest.mark.parametrize("name", ROUND_TRIPS)
def test_echo_round_trip(client, name):
    value = ROUND_TRIPS[name]
    # Send it with generous whitespace: the answer must be compact.
    resp = client.post(
        "/echo", content=json.dumps(value, indent=2, ensure_ascii=name != "unicode").encode(), headers=JSON_HEADERS
    )
    assert resp.status_code == 200, resp.text
    assert media_type(resp.headers["content-type"]) == "application/json"
    assert json.loads(resp.content) == value
    assert ordered(resp.content) == ordered(compact(value))
    assert resp.content == compact(value) or not _has_insignificant_whitespace(resp.content)


def _has_insignificant_whitespace(body: bytes) -> bool:
    in_string = escaped = False
    for ch in body.decode():
        if in_string:
            escaped, in_string = (not escaped and ch == "\\"), in_string if (escaped or ch != '"') else False
        elif ch == '"':
            in_string = True
        elif ch in " \t\r\n":
            return True
    return False


def test_echo_output_is_compact(client):
    resp = client.post("/echo", content=b'{ "a" : [ 1 , 2 ] ,\n "b" : { } }', headers=JSON_HEADERS)
    assert resp.content == b'{"a":[1,2],"b":{}}'


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "Application/JSON", "application/json;foo=bar"])
def test_echo_accepts_json_with_parameters(client, content_type):
    resp = client.post("/echo", content=b'{"ok":true}', headers={"Content-Type": content_type})
    assert resp.status_code == 200
    assert resp.json() == {"ok": True}


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/jsonx", "application/json-patch+json"]
)
def test_echo_wrong_media_type_is_415(client, content_type):
    assert_error(client.post("/echo", content=b'{"ok":true}', headers={"Content-Type": content_type}), 415)


def test_echo_missing_media_type_is_415(client):
    assert_error(client.post("/echo", content=b'{"ok":true}'), 415)


@pytest.mark.parametrize(
    "body",
    [b"", b"{", b'{"a":}', b"[1,2", b"nul", b'{"a":1} {"b":2}', b"\xff\xfe{}", b'"\xc3\x28"', b"{'a':1}"],
    ids=["empty", "open", "no_value", "open_array", "bad_literal", "two_docs", "bad_utf8", "bad_utf8_string", "single_quotes"],
)
def test_echo_broken_json_is_400(client, body):
    assert_error(client.post("/echo", content=body, headers=JSON_HEADERS), 400)


def test_echo_exactly_at_limit_is_accepted(client):
    filler = "x" * (BODY_LIMIT - len('{"k":""}'))
    body = json.dumps({"k": filler}, separators=(",", ":")).encode()
    assert len(body) == BODY_LIMIT
    resp = client.post("/echo", content=body, headers=JSON_HEADERS)
    assert resp.status_code == 200
    assert resp.content == body


def test_echo_body_over_limit_is_413(server):
    body = b'"' + b"x" * BODY_LIMIT + b'"'
    with RawConnection(server.host, server.port, timeout=10) as conn:
        conn.send_tolerant(request("POST", "/echo", headers={"Content-Type": "application/json"}, body=body))
        resp = conn.read_response()
    assert resp.status == 413
    assert json.loads(resp.body) == {"error": "payload_too_large"}


def test_echo_declared_oversize_is_413_without_reading(server):
    """Only the head is sent: the server must answer from Content-Length alone."""
    head = request("POST", "/echo", headers={"Content-Type": "application/json", "Content-Length": str(BODY_LIMIT + 1)})
    with RawConnection(server.host, server.port) as conn:
        conn.send(head)
        resp = conn.read_response(timeout=5)
    assert resp.status == 413
    assert json.loads(resp.body) == {"error": "payload_too_large"}


def test_echo_huge_declared_length_is_413(server):
    head = request("POST", "/echo", headers={"Content-Type": "application/json", "Content-Length": str(10 * 1024**3)})
    with RawConnection(server.host, server.port) as conn:
        conn.send(head)
        resp = conn.read_response(timeout=5)
    assert resp.status == 413


def test_echo_chunked_body_round_trips(server):
    chunks = [b'{"a":', b"[1,2,", b"3]}"]
    body = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"
    raw = request("POST", "/echo", headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"}) + body
    with RawConnection(server.host, server.port) as conn:
        conn.send(raw)
        resp = conn.read_response()
    assert resp.status == 200
    assert resp.body == b'{"a":[1,2,3]}'
