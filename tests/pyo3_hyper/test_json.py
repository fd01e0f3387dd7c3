"""The JSON pyo3_hyper writes (src/json.rs) is what `json.dumps(value, separators=(",", ":"),
ensure_ascii=False, allow_nan=False)` writes, byte for byte."""

from __future__ import annotations

import enum
import json
import math
from collections import OrderedDict

import pytest
from pyo3_hyper import Request, Response


class Color(enum.IntEnum):
    RED = 1


class Text(str):
    pass


VALUES = [
    None,
    True,
    False,
    0,
    -7,
    2**63 - 1,
    -(2**63),
    2**64,
    -(10**40),
    1.0,
    -0.0,
    1e16,
    1e-5,
    0.1,
    123456.789e300,
    "",
    'a"b\\c\n\r\t\b\f\x00\x1f\x7f é € 🎉 \u2028',
    Text("sub"),
    Color.RED,
    [],
    {},
    [1, [2, [3, {"a": None}]]],
    {"z": 1, "a": 2, "m": [True, False]},
    OrderedDict([("b", 1), ("a", 2)]),
    (1, "two", 3.0),
    {1: "int key", 2.5: "float key", False: "bool key", None: "none key"},
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_same_bytes_as_the_json_module(value):
    expected = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()
    assert Response.json(value).body == expected


@pytest.mark.parametrize("value", [math.nan, math.inf, [-math.inf]])
def test_nan_and_infinity_are_refused(value):
    with pytest.raises(ValueError):
        Response.json(value)


@pytest.mark.parametrize("value", [object(), {"a": {1, 2}}, {(1, 2): "tuple key"}])
def test_what_json_cannot_encode_is_a_type_error(value):
    with pytest.raises(TypeError):
        Response.json(value)


def test_a_value_that_contains_itself_is_refused():
    loop: list = []
    loop.append(loop)
    with pytest.raises(RecursionError):
        Response.json(loop)


def _shape(value: object) -> object:
    """The value with every type spelled out: 1 and 1.0 and True differ, so do 0.0 and -0.0."""
    if isinstance(value, dict):
        return ("dict", [(k, _shape(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [_shape(v) for v in value])
    if isinstance(value, float):
        return ("float", repr(value))
    return (type(value).__name__, value)


DOCUMENTS = [
    b"null",
    b" true ",
    b"false",
    b"0",
    b"-0",
    b"-0.0",
    b"12345678901234567890123456789",
    b"-9223372036854775809",
    b"1.5e3",
    b"1E-7",
    b"0.1",
    b"1e400",
    b'"plain"',
    b'"esc \\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\ud83c\\udf89"',
    '"raw é € 🎉"'.encode(),
    b"[]",
    b"{}",
    b'{"b": 1, "a": [1, 2.0, {"c": null}], "b": 3}',
    b'{"$serde_json::private::Number": 1, "x": 2}',
    b"[[[[[[[[[[1]]]]]]]]]]",
]


@pytest.mark.parametrize("document", DOCUMENTS, ids=repr)
def test_request_json_builds_what_json_loads_builds(app, document):
    @app.post("/parse")
    def parse(request: Request) -> Response:
        return Response.json({"got": repr(_shape(request.json())), "want": repr(_shape(json.loads(request.body)))})

    with app.test_client() as client:
        r = client.post("/parse", content=document)
    assert r.status_code == 200
    assert r.json()["got"] == r.json()["want"]


@pytest.mark.parametrize("document", [b"", b"{", b"[1,]", b"NaN", b'"\\ud800"', b"\xff", b"1 2"], ids=repr)
def test_request_json_refuses_what_is_not_utf8_json(app, document):
    @app.post("/parse")
    def parse(request: Request) -> object:
        return request.json()

    with app.test_client() as client:
        r = client.post("/parse", content=document)
    assert r.status_code == 400 and r.json()["error"] == "bad_request"
