"""The verdicts themselves, on hand-made outcomes: a judge that lets a smuggled
answer or a hang through would make every server look safe."""

from __future__ import annotations

from tests.support.rawhttp import Outcome, RawResponse

from .cases import ECHO_BODY, PLAINTEXT, SMUGGLING, Case, judge
from .smuggling import CORPUS

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


# The corpus verdicts (tests/hostile/smuggling.py).
CORPUS_CASES = {c.id: c for c in CORPUS}
PLAIN = RawResponse("HTTP/1.1", 200, "OK", body=PLAINTEXT)
CONTINUE = RawResponse("HTTP/1.1", 100, "Continue")


def test_followup_both_answered_or_refused_and_closed():
    case = CORPUS_CASES["chunk_last_bare_lf_end"]
    assert judge(case, Outcome([ECHOED, PLAIN], closed=False)) == []
    assert judge(case, Outcome([BAD], closed=True)) == []
    assert judge(case, Outcome([], closed=True)) == []
    assert any("left the connection open" in p for p in judge(case, Outcome([BAD], closed=False)))


def test_followup_swallowed_or_dropped_fails():
    case = CORPUS_CASES["chunk_last_bare_lf_end"]
    assert any("swallowed" in p for p in judge(case, Outcome([ECHOED], closed=False, elapsed=1)))
    assert any("without answering" in p for p in judge(case, Outcome([ECHOED], closed=True)))
    assert any("hang" in p for p in judge(case, Outcome([], closed=False, elapsed=4)))
    assert judge(case, Outcome([BAD, BAD], closed=True))


def test_answer_requires_the_one_response_in_the_window():
    case = CORPUS_CASES["expect_body_already_sent"]
    assert judge(case, Outcome([CONTINUE, ECHOED], closed=False)) == []
    assert judge(case, Outcome([CONTINUE], closed=False, elapsed=4))
    assert judge(case, Outcome([BAD], closed=True))


def test_answer_after_connection_close_must_not_answer_the_sentinel():
    case = CORPUS_CASES["head_pipelined_after_close"]
    assert judge(case, Outcome([PLAIN], closed=True)) == []
    assert any("smuggled" in p for p in judge(case, Outcome([PLAIN, SMUGGLED], closed=True)))
    assert any("left open" in p for p in judge(case, Outcome([PLAIN], closed=False)))


def test_close_on_reject():
    case = CORPUS_CASES["cl_leading_zeros"]
    assert judge(case, Outcome([PLAIN], closed=False)) == []
    assert judge(case, Outcome([BAD], closed=True)) == []
    assert any("§6.3" in p for p in judge(case, Outcome([BAD], closed=False)))


def test_corpus_is_large_and_cited():
    assert len(CORPUS) >= 100
    assert all(c.rfc.startswith("RFC ") for c in CORPUS)
    assert all(c.exact for c in CORPUS if c.verdict in ("exact", "followup"))
