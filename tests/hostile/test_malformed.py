"""Malformed request lines and headers, framing ambiguities (smuggling shapes)
and oversized bodies: each case on a fresh connection, judged by `cases.judge`,
then a liveness check. Deviations name `test_<group>[<case id>]`."""

from __future__ import annotations

import pytest

from tests.support.rawhttp import exchange

from .cases import BODY_LIMITS, HEADERS, REQUEST_LINE, SMUGGLING, Case, judge
from .conftest import assert_still_serving

# Long enough for a loaded machine to answer; a case that needs the whole
# window is one where the server neither answered nor closed.
WINDOW_S = 3.0


def run_case(server, case: Case) -> None:
    out = exchange(server.host, server.port, case.bytes_for(server.spec), window=WINDOW_S)
    assert_still_serving(server)
    problems = judge(case, out)
    assert not problems, f"{case.id}: " + "; ".join(problems)


def _ids(cases: list[Case]) -> list[str]:
    return [c.id for c in cases]


@pytest.mark.parametrize("case", REQUEST_LINE, ids=_ids(REQUEST_LINE))
def test_request_line(server, case):
    run_case(server, case)


@pytest.mark.parametrize("case", HEADERS, ids=_ids(HEADERS))
def test_headers(server, case):
    run_case(server, case)


@pytest.mark.parametrize("case", SMUGGLING, ids=_ids(SMUGGLING))
def test_smuggling(server, case):
    run_case(server, case)


@pytest.mark.parametrize("case", BODY_LIMITS, ids=_ids(BODY_LIMITS))
def test_body_limit(server, case):
    run_case(server, case)
