"""arena_api's checks before routing, for the Python servers whose HTTP parser
lets these through: sizes (as api_model::head::size_refusal, plus the field
count), body framing (RFC 9112 §6.1/§6.3, RFC 9110 §8.6) and the order of all
three in check_head."""

from __future__ import annotations

import arena_api as api
import pytest

CLOSE = ("connection", "close")


def status(reply):
    return None if reply is None else reply.status


@pytest.mark.parametrize(
    "te, cl, version, expected",
    [
        (["chunked"], [], "1.1", None),
        (["Chunked"], [], "1.1", None),
        ([" chunked\t"], [], "1.1", None),
        ([", chunked"], [], "1.1", None),
        ([b"chunked"], [], "1.1", None),
        (["chunked"], ["7"], "1.1", 400),
        (["chunked"], [], "1.0", 400),
        (["chunked, identity"], [], "1.1", 400),
        (["chunked", "identity"], [], "1.1", 400),
        (["chunked, chunked"], [], "1.1", 400),
        (["chunked", "chunked"], [], "1.1", 400),
        (["gzip, chunked"], [], "1.1", 501),
        (["identity, chunked"], [], "1.1", 501),
        (["xchunked"], [], "1.1", 400),
        (['"chunked"'], [], "1.1", 400),
        (["chunked;q=1"], [], "1.1", 400),
        (["\x0bchunked"], [], "1.1", 400),
        ([""], [], "1.1", 400),
        ([], ["7"], "1.1", None),
        ([], ["007"], "1.1", None),
        ([], [" 7\t"], "1.1", None),
        ([], [b"7"], "1.1", None),
        ([], ["7", "7"], "1.1", 400),
        ([], ["7, 7"], "1.1", 400),
        ([], ["+7"], "1.1", 400),
        ([], ["-0"], "1.1", 400),
        ([], ["0x7"], "1.1", 400),
        ([], [""], "1.1", 400),
        ([], ["7 7"], "1.1", 400),
        ([], ["\u0667"], "1.1", 400),  # a non-ASCII digit
        ([], [], "1.1", None),
    ],
)
def test_check_framing(te, cl, version, expected):
    reply = api.check_framing(version, te, cl)
    assert status(reply) == expected
    if reply is not None:
        assert CLOSE in reply.headers


def test_size_refusal():
    limit = api.LIMITS["max_uri_bytes"]
    assert api.size_refusal("GET", limit, []) is None
    assert status(api.size_refusal("GET", limit + 1, [])) == 414
    big = [("x", "v" * api.LIMITS["max_header_bytes"])]
    assert status(api.size_refusal("GET", 10, big)) == 431
    many = [(f"x{i}", "v") for i in range(api.LIMITS["max_headers"] + 1)]
    assert status(api.size_refusal("GET", 10, many)) == 431
    assert api.size_refusal("GET", 10, many[:-1]) is None
    refusal = api.size_refusal("GET", limit + 1, [])
    assert refusal.body == b"" and CLOSE in refusal.headers and refusal.content_type


def test_check_head_order_and_field_types():
    host = [("host", "localhost")]
    assert api.check_head("1.1", "GET", 10, host) is None
    assert api.check_head("1.1", "GET", 10, [(b"host", b"localhost")]) is None
    assert status(api.check_head("0.9", "GET", 10, [])) == 400
    assert status(api.check_head("1.1", "GET", 10, [])) == 400
    assert api.check_head("1.0", "GET", 10, []) is None
    # Sizes first, then framing, then Host.
    assert status(api.check_head("1.1", "GET", api.LIMITS["max_uri_bytes"] + 1, [])) == 414
    assert status(api.check_head("1.1", "POST", 10, [("transfer-encoding", "gzip, chunked")])) == 501
    assert status(api.check_head("1.1", "POST", 10, [*host, ("content-length", "1"), ("content-length", "1")])) == 400


def test_refused_bodies():
    assert api.refused(400).body == b'{"error":"bad_request"}'
    assert api.refused(501).body == b""
    assert all(CLOSE in api.refused(s).headers for s in (400, 414, 431, 501))
