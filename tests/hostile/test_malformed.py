"""Malformed request lines and headers, framing ambiguities (smuggling shapes,
tests/hostile/smuggling.py) and oversized bodies: each case on a fresh
connection, judged by `cases.judge`. Deviations name `test_<group>[<case id>]`.

The cases are independent, so the first test for a server sends all of them at
once over a pool of connections, checks that the server is still alive and
answering, and each test judges its own outcome: the windows that a hanging
case needs overlap instead of adding up. If the server dies or stops answering
during that run, every case is sent again on its own, with a liveness check
after each, so the failure names the case that caused it.
"""

from __future__ import annotations

import warnings
from concurrent.futures import ThreadPoolExecutor

import pytest

from harness.process import answers_plaintext
from tests.support.rawhttp import Outcome, exchange

from .cases import BODY_LIMITS, HEADERS, REQUEST_LINE, SMUGGLING, Case, judge
from .conftest import assert_still_serving
from .smuggling import CORPUS

# Long enough for a loaded machine to answer; a case that needs the whole
# window is one where the server neither answered nor closed.
WINDOW_S = 4.0
# After a response, how long to wait for another one (a smuggled answer comes at
# once on loopback) or for the close.
GRACE_S = 1.0
# Connections in flight at once; each holds its socket for at most the window.
PARALLEL = 64

GROUPS = {
    "request_line": REQUEST_LINE,
    "headers": HEADERS,
    "smuggling": SMUGGLING + CORPUS,
    "body_limit": BODY_LIMITS,
}
ALL_CASES = [case for cases in GROUPS.values() for case in cases]
assert len({c.id for c in ALL_CASES}) == len(ALL_CASES), "case ids must be unique: they are deviation keys"

# Per server name: the outcome (or the exception) of every case from the
# concurrent run, or None when cases must be sent one by one.
_OUTCOMES: dict[str, dict[str, Outcome | BaseException] | None] = {}


def _send(server, case: Case) -> Outcome:
    return exchange(server.host, server.port, case.bytes_for(server.spec), window=WINDOW_S, grace=GRACE_S)


def _send_all(server) -> dict[str, Outcome | BaseException] | None:
    def one(case: Case) -> Outcome | BaseException:
        try:
            return _send(server, case)
        except Exception as exc:  # re-raised by the case's own test
            return exc

    with ThreadPoolExecutor(PARALLEL) as pool:
        outcomes = dict(zip((c.id for c in ALL_CASES), pool.map(one, ALL_CASES), strict=True))
    if not server.running():
        warnings.warn(f"{server.spec.name} exited during the concurrent run: restarted, cases sent one by one", stacklevel=1)
        server.start()
        return None
    if not answers_plaintext(server.host, server.port, timeout=5.0):
        warnings.warn(f"{server.spec.name} stopped answering after the concurrent run: cases sent one by one", stacklevel=1)
        return None
    return outcomes


def run_case(server, case: Case) -> None:
    name = server.spec.name
    if name not in _OUTCOMES:
        _OUTCOMES[name] = _send_all(server)
    batch = _OUTCOMES[name]
    if batch is None:
        out = _send(server, case)
        assert_still_serving(server)
    else:
        # The concurrent run ended with the server alive and answering.
        out = batch[case.id]
    if isinstance(out, BaseException):
        raise out
    problems = judge(case, out)
    assert not problems, f"{case.id} ({case.rfc or 'see cases.py'}): " + "; ".join(problems)


def _ids(cases: list[Case]) -> list[str]:
    return [c.id for c in cases]


@pytest.mark.parametrize("case", REQUEST_LINE, ids=_ids(REQUEST_LINE))
def test_request_line(server, case):
    run_case(server, case)


@pytest.mark.parametrize("case", HEADERS, ids=_ids(HEADERS))
def test_headers(server, case):
    run_case(server, case)


@pytest.mark.parametrize("case", GROUPS["smuggling"], ids=_ids(GROUPS["smuggling"]))
def test_smuggling(server, case):
    run_case(server, case)


@pytest.mark.parametrize("case", BODY_LIMITS, ids=_ids(BODY_LIMITS))
def test_body_limit(server, case):
    run_case(server, case)
