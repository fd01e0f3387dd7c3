"""Headers every response carries: Server, Date, Content-Type, Content-Length."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import pytest

from tests.support.rawhttp import RawConnection, request

IMF_FIXDATE = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$"
)

SAMPLES = [
    ("GET", "/plaintext", None, b""),
    ("GET", "/json", None, b""),
    ("GET", "/users/5", None, b""),
    ("GET", "/users/abc", None, b""),
    ("GET", "/nope", None, b""),
    ("DELETE", "/json", None, b""),
    ("POST", "/echo", "application/json", b'{"a":1}'),
    ("POST", "/echo", "text/plain", b"x"),
    ("POST", "/echo", "application/json", b"{"),
]
SAMPLE_IDS = [f"{m}-{p}-{ct or ''}-{len(b)}" for m, p, ct, b in SAMPLES]


def _get_raw(server, method, path, content_type, body):
    headers = {"Content-Type": content_type} if content_type else {}
    with RawConnection(server.host, server.port) as conn:
        conn.send(request(method, path, headers=headers, body=body))
        return conn.read_response()


@pytest.mark.parametrize("method,path,content_type,body", SAMPLES, ids=SAMPLE_IDS)
def test_every_response_has_contract_headers(server, method, path, content_type, body):
    resp = _get_raw(server, method, path, content_type, body)
    assert resp.version == "HTTP/1.1"
    assert resp.header_all("server") == [server.spec.name]
    assert resp.header("content-type")
    assert not resp.chunked, "fixed-size bodies carry Content-Length, not chunked encoding"
    assert resp.header("content-length") == str(len(resp.body))
    assert len(resp.header_all("date")) == 1


def test_date_is_imf_fixdate_and_fresh(server):
    resp = _get_raw(server, "GET", "/plaintext", None, b"")
    date = resp.header("date")
    assert IMF_FIXDATE.match(date), date
    skew = abs((datetime.now(UTC) - parsedate_to_datetime(date)).total_seconds())
    # 1 s of allowed staleness, plus the second the header truncates away.
    assert skew <= 2.0, f"Date {date} is {skew:.1f}s off"


def test_date_changes_over_time(server):
    first = _get_raw(server, "GET", "/plaintext", None, b"").header("date")
    time.sleep(2.1)
    second = _get_raw(server, "GET", "/plaintext", None, b"").header("date")
    assert parsedate_to_datetime(second) > parsedate_to_datetime(first)
