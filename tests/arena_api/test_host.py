"""arena_api's Host rule (RFC 9112 §3.2) against the Rust one it must match:
api_model::head::is_valid_host. The values Rust's own unit test lists are read
from crates/api-model/src/head.rs, so the two test lists cannot drift apart."""

from __future__ import annotations

import ast
import re

import arena_api as api
import pytest

from harness.paths import ROOT

HEAD_RS = ROOT / "crates" / "api-model" / "src" / "head.rs"


def rust_vectors(loop_var: str) -> list[bytes]:
    """The byte strings of `for <loop_var> in [ ... ]` in head.rs's tests."""
    source = HEAD_RS.read_text()
    block = re.search(rf"for {loop_var} in \[(.*?)\]\s*\{{", source, re.S)
    assert block, f"no `for {loop_var} in [...]` in {HEAD_RS}"
    return [ast.literal_eval('b"' + lit + '"') for lit in re.findall(r'b"((?:[^"\\]|\\.)*)"', block.group(1))]


RUST_OK = rust_vectors("ok")
RUST_BAD = rust_vectors("bad")

# Beyond Rust's list: edges of the same grammar, with the answer the Rust code gives.
MORE_OK = [b"a:", b":", b"[v1.x]", b"[::1]:", b"a.b-c_d~e!$&'()*+,;=", b"%41%42", b"\tlocalhost\r\n", b"host:0080"]
MORE_BAD = [
    b"\x0blocalhost",  # \x0b is no ASCII whitespace for Rust's trim_ascii
    b"[]",
    b"[::1]:80x",
    b"[::1]]",
    b"[:/:1]",
    b"local host:80",
    b"%4",
    b"%",
    b"h\xc3\xa9",
    b"a#b",
    b"a?b",
    b"a\\b",
]


def test_rust_lists_were_found():
    assert len(RUST_OK) >= 5 and len(RUST_BAD) >= 5


@pytest.mark.parametrize("value", RUST_OK + MORE_OK, ids=repr)
def test_valid(value):
    assert api.is_valid_host(value)
    assert api.is_valid_host(value.decode("latin-1"))


@pytest.mark.parametrize("value", RUST_BAD + MORE_BAD, ids=repr)
def test_invalid(value):
    assert not api.is_valid_host(value)
    assert not api.is_valid_host(value.decode("latin-1"))


def test_check_host_counts_and_versions():
    assert api.check_host("1.1", ["localhost:8080"]) is None
    assert api.check_host("1.0", []) is None
    for version in ("1.0", "1.1"):
        for hosts in (["a", "a"], ["a", "b"], ["a b"]):
            refused = api.check_host(version, hosts)
            assert refused is not None and refused.status == 400
            assert ("connection", "close") in refused.headers
            assert refused.body == b'{"error":"bad_request"}'
    assert api.check_host("1.1", []).status == 400
    assert api.check_host("1.1", [b"localhost"]) is None
