"""The JSON pyo3_hyper writes (src/json.rs) is what `json.dumps(value, separators=(",", ":"),
ensure_ascii=False, allow_nan=False)` writes, byte for byte."""

from __future__ import annotations

import enum
import json
import math
from collections import OrderedDict

import pytest
from pyo3_hyper import Response


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
