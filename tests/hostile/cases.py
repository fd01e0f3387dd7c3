"""The raw-socket hostile cases and how each outcome is judged.

Every case is a byte string sent on a fresh connection; what comes back is an
`Outcome` (responses, whether the server closed). The verdicts:

- `REJECT`: the server refuses: at most one response, a rejection (4xx, 501 or
  505), or a close with no response. No answer and no close within the window
  is a hang.
- `TOLERATE`: the RFC lets the server either accept (then the one response is
  the correct 200) or refuse; either is safe.
- `EXACT`: well-framed input, pipelined: exactly these responses, in order.
- `PREFIX`: a valid request followed by junk: its answer may or may not come,
  then a rejection or a close; never anything else.

Every smuggling case carries a *sentinel* request, `GET /users/777`, placed
where one reading of the framing makes it a request of its own and another
makes it body bytes. A response with user 777 means the server chose the
reading a front proxy using the other one would not see: a smuggled request.
The sentinel is never sent as a proper request, so it must never be answered.
`must_close` marks framing errors after which RFC 9112 §6.1/§6.3 requires the
server to close: it cannot know where the next request starts.

Two verdicts serve the request-smuggling corpus (tests/hostile/smuggling.py):

- `ANSWER`: a valid request the server must serve: exactly one correct 200
  within the window. A stall (waiting for bytes the client never sends) fails.
- `FOLLOWUP`: a message whose framing one reading accepts, followed by a
  legitimate request (`exact` holds both bodies): either both are answered, or
  the first is refused and the connection closed. Answering the first and
  never the second is a *swallowed* request: the follow-up was eaten as part
  of the first message (as trailer lines, body bytes, ...).

Interim 1xx responses (`100 Continue`) are not counted.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace

from harness.limits import effective
from tests.support.rawhttp import Outcome, RawResponse

REJECT, TOLERATE, EXACT, PREFIX = "reject", "tolerate", "exact", "prefix"
ANSWER, FOLLOWUP = "answer", "followup"

SENTINEL_ID = 777
SENTINEL = b"GET /users/777 HTTP/1.1\r\nHost: localhost\r\n\r\n"
ECHO_BODY = b'{"a":1}'
PLAINTEXT = b"Hello, World!"
# A legitimate request sent after a case's message, for FOLLOWUP cases.
FOLLOW = b"GET /plaintext HTTP/1.1\r\nHost: localhost\r\n\r\n"


@dataclass(frozen=True)
class Case:
    id: str
    data: bytes | Callable[[object], bytes]
    verdict: str
    # TOLERATE / PREFIX / smuggling: the body a 200 must carry when accepted.
    ok_body: bytes | None = None
    must_close: bool = False
    # EXACT, FOLLOWUP: the bodies of the expected 200 responses, in order.
    exact: tuple[bytes, ...] = ()
    # The rule the expected outcome rests on (RFC section).
    rfc: str = ""
    # A refusal of this case is a framing error: the server cannot know where the
    # next request starts, so a rejection must be followed by a close.
    close_on_reject: bool = False

    def bytes_for(self, spec: object) -> bytes:
        return self.data(spec) if callable(self.data) else self.data


def is_rejection(resp: RawResponse) -> bool:
    return 400 <= resp.status < 500 or resp.status in (501, 505)


def is_sentinel(resp: RawResponse) -> bool:
    try:
        return json.loads(resp.body).get("id") == SENTINEL_ID
    except (ValueError, AttributeError):
        return False


def is_ok(resp: RawResponse, body: bytes | None) -> bool:
    if body is None or resp.status != 200:
        return False
    if body == PLAINTEXT:
        return resp.body == body
    try:
        return json.loads(resp.body) == json.loads(body)
    except ValueError:
        return False


def judge(case: Case, out: Outcome) -> list[str]:
    """What is wrong with `out` for `case`; empty when the server behaved."""
    problems = []
    got = [f"{r.status} {r.body[:60]!r}" for r in out.responses]
    seen = f"responses {got}, closed={out.closed}"
    rs = [r for r in out.responses if not 100 <= r.status < 200]
    if case.verdict != EXACT and any(is_sentinel(r) for r in rs):
        problems.append(f"answered the smuggled sentinel request GET /users/{SENTINEL_ID}: {seen}")
    if any(r.status >= 500 and r.status not in (501, 505) for r in rs):
        problems.append(f"server error: {seen}")
    if case.verdict == REJECT:
        if len(rs) > 1 or (rs and not is_rejection(rs[0])):
            problems.append(f"expected one rejection (4xx/501/505) or a close: {seen}")
    elif case.verdict == TOLERATE:
        if len(rs) > 1 or (rs and not (is_rejection(rs[0]) or is_ok(rs[0], case.ok_body))):
            problems.append(f"expected the correct 200 or one rejection: {seen}")
    elif case.verdict == PREFIX:
        allowed = [[], [True], [True, False], [False]]
        shape = [is_ok(r, case.ok_body) if i == 0 else False for i, r in enumerate(rs)]
        valid = shape in allowed and all(is_rejection(r) for r, ok in zip(rs, shape, strict=True) if not ok)
        if not valid:
            problems.append(f"expected the first request's 200, then a rejection or close: {seen}")
        elif not out.closed and not (rs and is_rejection(rs[-1])):
            problems.append(f"neither rejected nor closed after the junk: {seen}")
    elif case.verdict == EXACT:
        if len(rs) != len(case.exact) or not all(is_ok(r, b) for r, b in zip(rs, case.exact, strict=False)):
            problems.append(f"expected exactly {len(case.exact)} 200 responses {list(case.exact)}: {seen}")
    elif case.verdict == ANSWER:
        if len(rs) != 1 or not is_ok(rs[0], case.ok_body):
            problems.append(f"expected exactly one 200 with {case.ok_body[:40]!r} within {out.elapsed:.1f}s: {seen}")
    elif case.verdict == FOLLOWUP:
        both = len(rs) == len(case.exact) and all(is_ok(r, b) for r, b in zip(rs, case.exact, strict=False))
        refused = len(rs) <= 1 and all(is_rejection(r) for r in rs)
        if rs and is_ok(rs[0], case.exact[0]) and len(rs) < len(case.exact):
            if out.closed:
                problems.append(f"answered the first request, then closed without answering the one sent after it: {seen}")
            else:
                problems.append(f"swallowed the follow-up request into the first message (never answered, still open): {seen}")
        elif not (both or refused):
            problems.append(f"expected both requests answered {list(case.exact)}, or one rejection and a close: {seen}")
        elif rs and refused and not out.closed:
            problems.append(f"refused the framing but left the connection open: {seen}")
    if case.verdict in (REJECT, TOLERATE, FOLLOWUP) and not rs and not out.closed:
        problems.append(f"no response and no close within {out.elapsed:.1f}s: a hang")
    if case.close_on_reject and rs and is_rejection(rs[-1]) and not out.closed:
        problems.append(f"refused as bad framing but left the connection open (RFC 9112 §6.3 requires a close): {seen}")
    if out.garbage:
        problems.append(f"bytes that are no HTTP response: {out.garbage[:80]!r}; {seen}")
    if case.must_close and not out.closed:
        problems.append(f"connection left open after ambiguous framing (RFC 9112 requires a close): {seen}")
    return problems


# ---------------------------------------------------------------- builders


def head(request_line: str | bytes, *fields: str | bytes, host: bool = True) -> bytes:
    line = request_line.encode("latin-1") if isinstance(request_line, str) else request_line
    out = [line]
    if host:
        out.append(b"Host: localhost")
    out += [f.encode("latin-1") if isinstance(f, str) else f for f in fields]
    return b"\r\n".join(out) + b"\r\n\r\n"


def get(*fields: str | bytes, target: str = "/plaintext") -> bytes:
    return head(f"GET {target} HTTP/1.1", *fields)


def echo(*fields: str | bytes) -> bytes:
    """Head of a POST /echo; the caller adds the framing fields and the body."""
    return head("POST /echo HTTP/1.1", "Content-Type: application/json", *fields)


CHUNKED_ECHO = b"7\r\n" + ECHO_BODY + b"\r\n0\r\n\r\n"
# Under chunked framing: the echo body, then the sentinel as a request of its own.
# Under Content-Length framing (length of all of it): one body, invalid JSON.
TE_PAYLOAD = CHUNKED_ECHO + SENTINEL


def cl_te(*framing: str) -> bytes:
    return echo(*[f.replace("{N}", str(len(TE_PAYLOAD))) for f in framing]) + TE_PAYLOAD


def chunked(first_chunk_line: bytes) -> bytes:
    """A chunked echo whose first chunk-size line is `first_chunk_line`; a lenient
    parser that skips or misreads it finds the sentinel as the next request."""
    return echo("Transfer-Encoding: chunked") + first_chunk_line + b"\r\n" + ECHO_BODY + b"\r\n0\r\n\r\n" + SENTINEL


def _uri_too_long(spec) -> bytes:
    size = int(max(effective(spec, "max_uri_bytes"), 8192)) + 1024
    return get(target="/plaintext?" + "a" * size)


def _header_block_too_large(spec) -> bytes:
    size = int(max(effective(spec, "max_header_bytes"), 16384)) + 4096
    count = 32  # well under any header count limit: the size is what is probed
    value = "v" * (size // count + 1)
    return get(*[f"X-Pad-{i}: {value}" for i in range(count)])


def _one_huge_header(spec) -> bytes:
    size = int(max(effective(spec, "max_header_bytes"), 16384)) + 4096
    return get("X-Huge: " + "v" * size)


def _too_many_headers(spec) -> bytes:
    # Host is one of them: max_headers + 1 fields in all.
    return get(*[f"X-F{i}: v" for i in range(int(effective(spec, "max_headers")))])


REQUEST_LINE = [
    Case("missing_version", b"GET /plaintext\r\n\r\n", REJECT),
    Case("bad_method_token", get().replace(b"GET", b"G{T", 1), REJECT),
    Case("nul_in_method", get().replace(b"GET", b"GE\x00T", 1), REJECT),
    Case("space_in_target", get(target="/plain text"), REJECT),
    Case("control_byte_in_target", get(target="/plain\x01text"), REJECT),
    Case("double_space", get().replace(b"GET ", b"GET  ", 1), TOLERATE, ok_body=PLAINTEXT),
    Case("lowercase_version", get().replace(b"HTTP/1.1", b"http/1.1", 1), REJECT),
    Case("unknown_version", get().replace(b"HTTP/1.1", b"HTTP/9.9", 1), REJECT),
    Case("absolute_form", get(target="http://localhost/plaintext"), TOLERATE, ok_body=PLAINTEXT),
    Case("absolute_form_other_host", get(target="http://other.example/plaintext"), TOLERATE, ok_body=PLAINTEXT),
    Case("uri_too_long", _uri_too_long, REJECT),
]

HEADERS = [
    Case("no_colon", get("X-Foo bar"), REJECT),
    Case("space_before_colon", get("X-Foo : bar"), REJECT),
    Case("empty_name", get(": bar"), REJECT),
    Case("obs_fold", get("X-Foo: a", " b"), TOLERATE, ok_body=PLAINTEXT),
    Case("nul_in_value", get(b"X-Foo: a\x00b"), REJECT),
    Case("cr_in_value", get(b"X-Foo: a\rb"), REJECT),
    Case("ctl_in_value", get(b"X-Foo: a\x01b"), TOLERATE, ok_body=PLAINTEXT),
    Case("ctl_in_name", get(b"X-F\x01oo: a"), REJECT),
    Case("bare_lf", get().replace(b"\r\n", b"\n"), TOLERATE, ok_body=PLAINTEXT),
    Case("header_block_too_large", _header_block_too_large, REJECT),
    Case("one_huge_header", _one_huge_header, REJECT),
    Case("too_many_headers", _too_many_headers, REJECT),
]

SMUGGLING = [
    # RFC 9112 §6.1: with both, Transfer-Encoding wins (or 400), and the server MUST close.
    Case("cl_then_te", cl_te("Content-Length: {N}", "Transfer-Encoding: chunked"), TOLERATE, ok_body=ECHO_BODY, must_close=True),
    Case("te_then_cl", cl_te("Transfer-Encoding: chunked", "Content-Length: {N}"), TOLERATE, ok_body=ECHO_BODY, must_close=True),
    Case(
        "two_content_lengths",
        echo("Content-Length: 7", f"Content-Length: {len(ECHO_BODY + SENTINEL)}") + ECHO_BODY + SENTINEL,
        REJECT,
        must_close=True,
    ),
    Case(
        "content_length_list",
        echo(f"Content-Length: 7, {len(ECHO_BODY + SENTINEL)}") + ECHO_BODY + SENTINEL,
        REJECT,
        must_close=True,
    ),
    Case("content_length_non_numeric", echo("Content-Length: 7a") + ECHO_BODY + SENTINEL, REJECT, must_close=True),
    Case("content_length_negative", echo("Content-Length: -7") + ECHO_BODY + SENTINEL, REJECT, must_close=True),
    Case("content_length_plus_sign", echo("Content-Length: +7") + ECHO_BODY + SENTINEL, REJECT, must_close=True),
    Case("content_length_hex", echo("Content-Length: 0x7") + ECHO_BODY + SENTINEL, REJECT, must_close=True),
    Case("content_length_overflow", echo("Content-Length: 18446744073709551623") + ECHO_BODY + SENTINEL, REJECT, must_close=True),
    # chunked not the final coding: RFC 9112 §6.3 requires 400 and a close.
    Case("te_chunked_identity", cl_te("Content-Length: {N}", "Transfer-Encoding: chunked, identity"), REJECT, must_close=True),
    Case(
        "te_two_fields",
        cl_te("Transfer-Encoding: chunked", "Transfer-Encoding: identity", "Content-Length: {N}"),
        REJECT,
        must_close=True,
    ),
    Case("te_xchunked", cl_te("Content-Length: {N}", "Transfer-Encoding: xchunked"), REJECT, must_close=True),
    Case("te_quoted", cl_te("Content-Length: {N}", 'Transfer-Encoding: "chunked"'), REJECT, must_close=True),
    Case("te_space_before_colon", cl_te("Content-Length: {N}", "Transfer-Encoding : chunked"), REJECT, must_close=True),
    # Either refused, or read as chunked (then the CL+TE rule: TE wins, close).
    Case(
        "te_vertical_tab",
        cl_te("Content-Length: {N}", "Transfer-Encoding:\x0bchunked"),
        TOLERATE,
        ok_body=ECHO_BODY,
        must_close=True,
    ),
    Case(
        "te_obs_fold",
        cl_te("Content-Length: {N}", "Transfer-Encoding:", " chunked"),
        TOLERATE,
        ok_body=ECHO_BODY,
        must_close=True,
    ),
    Case("chunk_size_not_hex", chunked(b"zz"), REJECT, must_close=True),
    Case("chunk_size_negative", chunked(b"-7"), REJECT, must_close=True),
    Case("chunk_size_0x_prefix", chunked(b"0x7"), REJECT, must_close=True),
    Case("chunk_size_overflow", chunked(b"1" + b"0" * 16 + b"7"), REJECT, must_close=True),
    Case(
        "chunk_data_overrun",
        echo("Transfer-Encoding: chunked") + b"3\r\n" + ECHO_BODY + b"\r\n0\r\n\r\n" + SENTINEL,
        REJECT,
        must_close=True,
    ),
    Case(
        "chunk_ext_bare_lf",
        echo("Transfer-Encoding: chunked") + b"7;x\n" + ECHO_BODY + b"\r\n0\r\n\r\n" + SENTINEL,
        REJECT,
        must_close=True,
    ),
    # A 1-byte body framed by 4 MiB of chunk extension: extension bytes must be
    # bounded, or the body limit is bypassed by framing.
    Case("chunk_ext_unbounded", echo("Transfer-Encoding: chunked") + b"1;x=" + b"a" * (4 << 20) + b"\r\n1\r\n0\r\n\r\n", REJECT),
    # The body ends where Content-Length says: what follows is the next request.
    Case(
        "cl_exact_then_pipelined",
        echo("Content-Length: 7") + ECHO_BODY + get(target="/users/778"),
        EXACT,
        exact=(
            ECHO_BODY,
            json.dumps(
                {"id": 778, "name": "user-778", "email": "user-778@example.com", "active": True, "score": 778 * 7919 % 1000}
            ).encode(),
        ),
    ),
    # Junk after the body is a broken request line, not a prefix to skip.
    Case("cl_then_junk_then_request", echo("Content-Length: 7") + ECHO_BODY + b"junk\r\n" + SENTINEL, PREFIX, ok_body=ECHO_BODY),
    # Content-Length covering the sentinel: it is body, invalid JSON, one 400.
    Case("cl_covers_request", echo(f"Content-Length: {len(ECHO_BODY + SENTINEL)}") + ECHO_BODY + SENTINEL, REJECT),
]


# The rule each of the original shapes rests on, shown in its failure message.
_SMUGGLING_RFC = {
    "cl_then_te": "RFC 9112 §6.1, §6.3 (3)",
    "te_then_cl": "RFC 9112 §6.1, §6.3 (3)",
    "two_content_lengths": "RFC 9110 §8.6, RFC 9112 §6.3 (5)",
    "content_length_list": "RFC 9110 §8.6, RFC 9112 §6.3 (5)",
    "content_length_non_numeric": "RFC 9110 §8.6, RFC 9112 §6.3 (5)",
    "content_length_negative": "RFC 9110 §8.6, RFC 9112 §6.3 (5)",
    "content_length_plus_sign": "RFC 9110 §8.6, RFC 9112 §6.3 (5)",
    "content_length_hex": "RFC 9110 §8.6, RFC 9112 §6.3 (5)",
    "content_length_overflow": "RFC 9110 §8.6, RFC 9112 §6.3 (5)",
    "te_chunked_identity": "RFC 9112 §6.3 (4)",
    "te_two_fields": "RFC 9112 §6.3 (4)",
    "te_xchunked": "RFC 9112 §6.1, §6.3 (4)",
    "te_quoted": "RFC 9112 §6.1, §6.3 (4)",
    "te_space_before_colon": "RFC 9112 §5.1",
    "te_vertical_tab": "RFC 9112 §5.1, §6.1",
    "te_obs_fold": "RFC 9112 §5.2",
    "chunk_size_not_hex": "RFC 9112 §7.1",
    "chunk_size_negative": "RFC 9112 §7.1",
    "chunk_size_0x_prefix": "RFC 9112 §7.1",
    "chunk_size_overflow": "RFC 9112 §7.1",
    "chunk_data_overrun": "RFC 9112 §7.1",
    "chunk_ext_bare_lf": "RFC 9112 §7.1.1, §2.2",
    "chunk_ext_unbounded": "RFC 9112 §7.1.1",
    "cl_exact_then_pipelined": "RFC 9112 §6.3 (6), §9.3.2",
    "cl_then_junk_then_request": "RFC 9112 §2.2, §3",
    "cl_covers_request": "RFC 9112 §6.3 (6)",
}
SMUGGLING = [replace(c, rfc=_SMUGGLING_RFC[c.id]) for c in SMUGGLING]


def _chunked_past_limit(spec) -> bytes:
    # One JSON string of twice the limit: valid if read whole, so only the limit
    # (413), not a JSON error (400), can refuse it honestly.
    body = b'"' + b"a" * (2 * int(effective(spec, "body_limit_bytes"))) + b'"'
    step = 1 << 16
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (body[i : i + step] for i in range(0, len(body), step)))
    return echo("Transfer-Encoding: chunked") + chunks + b"0\r\n\r\n"


BODY_LIMITS = [
    Case("declared_10_gib", echo("Content-Length: 10737418240"), REJECT),
    Case("chunked_past_limit", _chunked_past_limit, REJECT),
    Case(
        "content_length_past_limit",
        lambda spec: (
            echo(f"Content-Length: {int(effective(spec, 'body_limit_bytes')) + 2}")
            + b'"'
            + b"a" * int(effective(spec, "body_limit_bytes"))
            + b'"'
        ),
        REJECT,
    ),
]
