"""The verdicts themselves, on hand-made outcomes: a judge that lets a smuggled
answer or a hang through would make every server look safe."""

from __future__ import annotations

from tests.support.rawhttp import Outcome, RawResponse

from .cases import ECHO_BODY, PLAINTEXT, SMUGGLING, Case, judge

SMUGGLED = RawResponse("HTTP/1.1", 200, "OK", body=b'{"id":777,"name":"user-777"}')
ECHOED = RawResponse("HTTP/1.1", 200, "OK", body=ECHO_BODY)
BAD = RawResponse("HTTP/1.1", 400, "Bad Request", body=b'{"error":"bad_request"}')
CASES = {c.id: c for c in SMUGGLING}


def test_smuggled_answer_fails_even_after_a_valid_one():
    problems = judge(CASES["cl_then_te"], Outcome([ECHOED, SMUGGLED], closed=True))
    assert any("smuggled" in p for p in problems)


def test_cl_te_read_as_chunked_must_close():
    assert judge(CASES["cl_then_te"], Outcome([ECHOED], closed=True)) == []
    assert any("left open" in p for p in judge(CASES["cl_then_te"], Outcome([ECHOED], closed=False)))


def test_reject_accepts_4xx_or_silent_close_but_not_200_or_hang():
    case = CASES["two_content_lengths"]
    assert judge(case, Outcome([BAD], closed=True)) == []
    assert judge(case, Outcome([], closed=True)) == []
    assert judge(case, Outcome([ECHOED], closed=True))
    assert any("hang" in p for p in judge(Case("x", b"", "reject"), Outcome([], closed=False, elapsed=3)))


def test_prefix_allows_first_answer_then_rejection_only():
    case = CASES["cl_then_junk_then_request"]
    assert judge(case, Outcome([ECHOED, BAD], closed=True)) == []
    assert judge(case, Outcome([], closed=True)) == []
    assert judge(case, Outcome([ECHOED, ECHOED], closed=True))


def test_tolerate_checks_the_body():
    case = Case("t", b"", "tolerate", ok_body=PLAINTEXT)
    assert judge(case, Outcome([RawResponse("HTTP/1.1", 200, "OK", body=PLAINTEXT)], closed=False)) == []
    assert judge(case, Outcome([RawResponse("HTTP/1.1", 200, "OK", body=b"other")], closed=False))


def test_unparseable_bytes_fail():
    assert judge(CASES["two_content_lengths"], Outcome([], closed=True, garbage=b"Hello, World!"))
