"""The request-smuggling corpus (issue 11): message shapes on which two HTTP
implementations can disagree about where a request ends, grouped by class.

Each case hides something whose answer betrays a wrong reading:

- the *sentinel* `GET /users/777` (tests/hostile/cases.py), placed where the
  reading a strict front proxy would not use makes it a request of its own;
  answering it is a smuggled request;
- or, for shapes whose lenient reading is allowed, a *legitimate* follow-up
  `GET /plaintext` (verdict FOLLOWUP): both answers, or one refusal and a
  close; the first answer without the second is a request swallowed into the
  first message (as body bytes or trailer lines).

Most sentinels ride in one of three carriers:

- `carry(...)`: a `GET /plaintext` whose declared body (Content-Length) is the
  sentinel. The right reading answers Hello, World! and never the sentinel;
  a server that drops the body or refuses the head but then parses the body
  bytes as a request answers it.
- `echo_then(...)` / `sentinel_body(...)`: a POST /echo whose framing field is
  the shape under test, with `{"a":1}` and/or the sentinel as the bytes after
  the head; reading the field short, as 0, or wrapped finds the sentinel.
- the chunked payload `7\\r\\n{"a":1}\\r\\n0\\r\\n\\r\\n` followed by the sentinel,
  under `Content-Length` covering all of it (CL.TE) or alone (TE only), and
  the other direction (TE.CL): a short `Content-Length` with the sentinel as
  chunk data.

The classes and the rules they check:

- Content-Length (RFC 9110 §8.6, RFC 9112 §6.3): `1*DIGIT` only; no sign,
  list, duplicate, whitespace inside, hex, or empty value; an invalid or
  overflowing length is 400 and a close. Leading zeros and surrounding OWS
  are valid. Lists of equal values and equal duplicates, which RFC 9110 lets
  a recipient collapse, the arena refuses: one length, on one field line.
- Transfer-Encoding (RFC 9112 §6.1, §6.3, §7): chunked must be the final
  coding and applied once; an unknown coding is 501 (or 400) and a close;
  coding names are case-insensitive; with Content-Length too, Transfer-Encoding
  wins and the server closes after the response; in HTTP/1.0, framing by
  Transfer-Encoding is faulty and the connection is closed.
- Chunked framing (RFC 9112 §7.1): `chunk-size = 1*HEXDIG`, extensions,
  `last-chunk` then a trailer section then CRLF; bare LF is not a line end
  in chunked framing here (400 and close), trailer fields never re-frame.
- Expect (RFC 9110 §10.1.1): a body sent without waiting for `100 Continue`
  is read and answered at once; HTTP/1.0 ignores the expectation; an unknown
  expectation may be refused with 417.
- Host (RFC 9112 §3.2, RFC 9110 §7.2, RFC 3986 §3.2.2): an HTTP/1.1 request
  without Host, any request with two Host lines, or an invalid Host value is
  400; HTTP/1.0 without Host is served. The rule: api_model::head::is_valid_host.
- Head shapes (RFC 9112 §2.2, §3, §5, §9.6): whitespace before a colon, a tab
  or NUL in a name, bare CR or NUL in a value, obs-fold, absolute-form, extra
  spaces in the request line, and a request pipelined after `Connection: close`.

Ids are deviation keys: `test_smuggling[<id>]`.
"""

from __future__ import annotations

from dataclasses import replace

from .cases import (
    ANSWER,
    CHUNKED_ECHO,
    ECHO_BODY,
    EXACT,
    FOLLOW,
    FOLLOWUP,
    PLAINTEXT,
    REJECT,
    SENTINEL,
    TE_PAYLOAD,
    TOLERATE,
    Case,
    echo,
    head,
)

SENTINEL_LEN = len(SENTINEL)  # 44 = 0x2c
BOTH = (ECHO_BODY, PLAINTEXT)

CL_RULE = "RFC 9110 §8.6, RFC 9112 §6.3 (5)"
TE_RULE = "RFC 9112 §6.1, §6.3 (4)"
CLTE_RULE = "RFC 9112 §6.1, §6.3 (3)"
CHUNK_RULE = "RFC 9112 §7.1"
HOST_RULE = "RFC 9112 §3.2"


# ---------------------------------------------------------------- carriers


def carry(*fields: str | bytes, line: str = "GET /plaintext HTTP/1.1", host: bool = True) -> bytes:
    """A GET /plaintext whose body, by a proper Content-Length, is the sentinel."""
    return head(line, *fields, f"Content-Length: {SENTINEL_LEN}", host=host) + SENTINEL


def plain(*fields: str | bytes) -> bytes:
    """A GET /plaintext with `fields` (the framing under test), then the sentinel."""
    return head("GET /plaintext HTTP/1.1", *fields) + SENTINEL


def echo_then(*fields: str | bytes) -> bytes:
    """POST /echo with `fields`, `{"a":1}`, then the sentinel: a reader that takes
    the length as 7 answers the echo and then the sentinel."""
    return echo(*fields) + ECHO_BODY + SENTINEL


def sentinel_body(*fields: str | bytes) -> bytes:
    """POST /echo with `fields`, then the sentinel: a reader that takes the length
    as 0 answers 400 for the empty body and then the sentinel."""
    return echo(*fields) + SENTINEL


def cl_te(*fields: str | bytes) -> bytes:
    """CL.TE: Content-Length covers the chunked payload and the sentinel."""
    n = str(len(TE_PAYLOAD))
    return echo(*[f.replace("{N}", n) if isinstance(f, str) else f for f in fields]) + TE_PAYLOAD


def te_only(*fields: str | bytes) -> bytes:
    """The chunked payload with the sentinel right after it, no Content-Length."""
    return echo(*fields) + TE_PAYLOAD


def te_follow(*fields: str | bytes) -> bytes:
    """The chunked echo, then a legitimate GET /plaintext."""
    return echo(*fields) + CHUNKED_ECHO + FOLLOW


def te_cl(te: str | bytes) -> bytes:
    """TE.CL: Content-Length covers only the chunk-size line; the chunk data is
    the sentinel, which a reader that uses the length finds as a request."""
    return head("GET /plaintext HTTP/1.1", te, "Content-Length: 4") + b"2c\r\n" + SENTINEL + b"\r\n0\r\n\r\n"


def chunks(body: bytes, then: bytes = SENTINEL, te: str = "Transfer-Encoding: chunked") -> bytes:
    """POST /echo with a hand-written chunked body, then `then`."""
    return echo(te) + body + then


def cases_of(rfc: str, *cases: Case) -> list[Case]:
    """Stamps each case with its class's RFC rule unless it names its own."""
    return [c if c.rfc else replace(c, rfc=rfc) for c in cases]


# ---------------------------------------------------------------- Content-Length

CONTENT_LENGTH = cases_of(
    CL_RULE,
    # Invalid values: 400 and a close; a lenient parse finds the sentinel.
    Case("cl_minus_zero", plain("Content-Length: -0"), REJECT, must_close=True),
    Case("cl_plus_body_length", plain(f"Content-Length: +{SENTINEL_LEN}"), REJECT, must_close=True),
    Case("cl_space_inside", echo_then("Content-Length: 7 7"), REJECT, must_close=True),
    Case("cl_tab_inside", echo_then("Content-Length: 7\t7"), REJECT, must_close=True),
    Case("cl_empty", plain("Content-Length: "), REJECT, must_close=True),
    Case("cl_hex_0x2c", plain("Content-Length: 0x2c"), REJECT, must_close=True),
    Case("cl_decimal_point", plain(f"Content-Length: {SENTINEL_LEN}.0"), REJECT, must_close=True),
    Case("cl_exponent", plain("Content-Length: 4.4e1"), REJECT, must_close=True),
    Case("cl_digits_then_letters", echo_then("Content-Length: 7bytes"), REJECT, must_close=True),
    Case("cl_digits_then_space_junk", echo_then("Content-Length: 7 x"), REJECT, must_close=True),
    Case("cl_nul_after_digits", plain(b"Content-Length: 44\x00"), REJECT, must_close=True),
    Case("cl_bare_cr_after_digits", echo_then(b"Content-Length: 7\rX: y"), REJECT, must_close=True),
    # Overflow: 2^64 wraps to 0 in u64 (the sentinel is the next request), 2^64+44
    # to the body length (a 400 for invalid JSON on a live connection); the 20 nines
    # overflow u64: invalid, so 400 (or 413) and a close. 2^63 (a negative i64) and
    # 2^32+44 (44 in u32) are valid lengths past the body limit: 413, and the
    # sentinel is body either way.
    Case("cl_2_pow_64", sentinel_body("Content-Length: 18446744073709551616"), REJECT, must_close=True),
    Case("cl_2_pow_64_plus_44", sentinel_body(f"Content-Length: {2**64 + SENTINEL_LEN}"), REJECT, must_close=True),
    Case("cl_2_pow_63", sentinel_body("Content-Length: 9223372036854775808"), REJECT),
    Case("cl_20_nines", sentinel_body("Content-Length: 99999999999999999999"), REJECT, must_close=True),
    Case("cl_2_pow_32_plus_44", sentinel_body(f"Content-Length: {2**32 + SENTINEL_LEN}"), REJECT),
    # Lists and duplicates. RFC 9110 §8.6 lets a recipient collapse equal values;
    # the arena refuses them all (one length, one field line).
    Case("cl_list_equal", plain(f"Content-Length: {SENTINEL_LEN}, {SENTINEL_LEN}"), REJECT, must_close=True),
    Case("cl_list_equal_no_space", plain(f"Content-Length: {SENTINEL_LEN},{SENTINEL_LEN}"), REJECT, must_close=True),
    Case("cl_list_trailing_comma", plain(f"Content-Length: {SENTINEL_LEN},"), REJECT, must_close=True),
    Case("cl_list_leading_comma", plain(f"Content-Length: ,{SENTINEL_LEN}"), REJECT, must_close=True),
    Case("cl_list_different_no_space", echo_then(f"Content-Length: 7,{len(ECHO_BODY + SENTINEL)}"), REJECT, must_close=True),
    Case(
        "cl_two_equal_fields",
        plain(f"Content-Length: {SENTINEL_LEN}", f"Content-Length: {SENTINEL_LEN}"),
        REJECT,
        must_close=True,
    ),
    Case(
        "cl_two_fields_name_case",
        plain(f"content-length: {SENTINEL_LEN}", f"CONTENT-LENGTH: {SENTINEL_LEN}"),
        REJECT,
        must_close=True,
    ),
    Case(
        "cl_two_different_long_first",
        echo_then(f"Content-Length: {len(ECHO_BODY + SENTINEL)}", "Content-Length: 7"),
        REJECT,
        must_close=True,
    ),
    Case("cl_two_fields_zero_first", plain("Content-Length: 0", f"Content-Length: {SENTINEL_LEN}"), REJECT, must_close=True),
    # RFC 9112 §5.1: whitespace between name and colon is a 400; a parser that
    # ignores the field sees no length and the sentinel as the next request.
    Case("cl_space_before_colon", plain(f"Content-Length : {SENTINEL_LEN}"), REJECT, must_close=True, rfc="RFC 9112 §5.1"),
    Case("cl_tab_before_colon", plain(f"Content-Length\t: {SENTINEL_LEN}"), REJECT, must_close=True, rfc="RFC 9112 §5.1"),
    Case("cl_tab_in_name", plain(f"Content\tLength: {SENTINEL_LEN}"), REJECT, rfc="RFC 9112 §5.1, RFC 9110 §5.1"),
    # obs-fold: reject or unfold to SP (RFC 9112 §5.2). "7" + fold "7" unfolds to
    # "7 7" (invalid); a parser that drops the fold line reads 7.
    Case("cl_obs_fold_split", echo_then("Content-Length: 7", " 7"), REJECT, must_close=True, rfc="RFC 9112 §5.2"),
    Case(
        "cl_obs_fold_whole_value",
        plain("Content-Length:", f" {SENTINEL_LEN}"),
        TOLERATE,
        ok_body=PLAINTEXT,
        close_on_reject=True,
        rfc="RFC 9112 §5.2",
    ),
    # Valid: leading zeros (1*DIGIT) and OWS around the value. Accepted, the
    # sentinel is body; a parser that refuses them must close.
    Case("cl_leading_zeros", plain(f"Content-Length: 00{SENTINEL_LEN}"), TOLERATE, ok_body=PLAINTEXT, close_on_reject=True),
    Case(
        "cl_many_leading_zeros",
        plain(f"Content-Length: {'0' * 24}{SENTINEL_LEN}"),
        TOLERATE,
        ok_body=PLAINTEXT,
        close_on_reject=True,
    ),
    Case("cl_trailing_ows", plain(f"Content-Length: {SENTINEL_LEN} \t"), TOLERATE, ok_body=PLAINTEXT, close_on_reject=True),
    Case("cl_tab_ows", plain(f"Content-Length:\t{SENTINEL_LEN}"), TOLERATE, ok_body=PLAINTEXT, close_on_reject=True),
    # A GET with a body: the sentinel is body bytes, never a request (RFC 9110 §9.3.1).
    Case("cl_on_get_hides_sentinel", carry(), TOLERATE, ok_body=PLAINTEXT, rfc="RFC 9112 §6.3 (6), RFC 9110 §9.3.1"),
    Case("cl_on_unknown_path", carry(line="GET /nope HTTP/1.1"), TOLERATE, ok_body=None, rfc="RFC 9112 §6.3 (6)"),
    Case("cl_on_405", carry(line="PUT /plaintext HTTP/1.1"), TOLERATE, ok_body=None, rfc="RFC 9112 §6.3 (6)"),
)

# ---------------------------------------------------------------- Transfer-Encoding

TRANSFER_ENCODING = cases_of(
    TE_RULE,
    # chunked not final, unknown codings, chunked twice: 400/501 and a close,
    # with or without Content-Length.
    Case("te_chunked_identity_no_cl", te_only("Transfer-Encoding: chunked, identity"), REJECT, must_close=True),
    Case(
        "te_chunked_then_identity_fields_no_cl",
        te_only("Transfer-Encoding: chunked", "Transfer-Encoding: identity"),
        REJECT,
        must_close=True,
    ),
    Case("te_xchunked_no_cl", te_only("Transfer-Encoding: xchunked"), REJECT, must_close=True),
    Case("te_chunked_false", cl_te("Content-Length: {N}", "Transfer-Encoding: chunked-false"), REJECT, must_close=True),
    Case("te_chunked_false_no_cl", te_only("Transfer-Encoding: chunked-false"), REJECT, must_close=True),
    Case("te_quoted_no_cl", te_only('Transfer-Encoding: "chunked"'), REJECT, must_close=True),
    Case("te_chunked_chunked", cl_te("Content-Length: {N}", "Transfer-Encoding: chunked, chunked"), REJECT, must_close=True),
    Case(
        "te_chunked_twice_fields",
        cl_te("Content-Length: {N}", "Transfer-Encoding: chunked", "Transfer-Encoding: chunked"),
        REJECT,
        must_close=True,
    ),
    Case(
        "te_chunked_twice_fields_no_cl",
        te_only("Transfer-Encoding: chunked", "Transfer-Encoding: chunked"),
        REJECT,
        must_close=True,
    ),
    Case("te_gzip_chunked", cl_te("Content-Length: {N}", "Transfer-Encoding: gzip, chunked"), REJECT, must_close=True),
    Case("te_gzip_chunked_no_cl", te_only("Transfer-Encoding: gzip, chunked"), REJECT, must_close=True),
    Case("te_unknown_only_no_cl", te_only("Transfer-Encoding: foo"), REJECT, must_close=True),
    Case("te_empty", cl_te("Content-Length: {N}", "Transfer-Encoding: "), REJECT, must_close=True),
    Case("te_empty_no_cl", te_only("Transfer-Encoding: "), REJECT, must_close=True),
    Case("te_identity_only", cl_te("Content-Length: {N}", "Transfer-Encoding: identity"), REJECT, must_close=True),
    # NUL in a value: refused, as everywhere in this suite (RFC 9110 §5.5 also allows SP in its place).
    Case(
        "te_chunked_nul",
        cl_te("Content-Length: {N}", b"Transfer-Encoding: chunked\x00"),
        REJECT,
        must_close=True,
        rfc="RFC 9110 §5.5",
    ),
    Case("te_space_before_colon_no_cl", te_only("Transfer-Encoding : chunked"), REJECT, must_close=True, rfc="RFC 9112 §5.1"),
    Case("te_tab_in_name", te_only("Transfer\tEncoding: chunked"), REJECT, rfc="RFC 9112 §5.1"),
    # Valid spellings of chunked as the final coding. With Content-Length too,
    # TE wins and the server closes (CL.TE); without, the message is chunked and
    # a following request is answered, or the coding is refused with a close.
    Case(
        "te_uppercase",
        cl_te("Content-Length: {N}", "Transfer-Encoding: CHUNKED"),
        TOLERATE,
        ok_body=ECHO_BODY,
        must_close=True,
        rfc=CLTE_RULE + ", RFC 9112 §7",
    ),
    Case("te_uppercase_no_cl", te_follow("Transfer-Encoding: CHUNKED"), FOLLOWUP, exact=BOTH, rfc="RFC 9112 §7"),
    Case("te_mixed_case_no_cl", te_follow("Transfer-Encoding: cHuNkEd"), FOLLOWUP, exact=BOTH, rfc="RFC 9112 §7"),
    Case(
        "te_identity_chunked",
        cl_te("Content-Length: {N}", "Transfer-Encoding: identity, chunked"),
        TOLERATE,
        ok_body=ECHO_BODY,
        must_close=True,
        rfc=CLTE_RULE,
    ),
    Case("te_identity_chunked_no_cl", te_follow("Transfer-Encoding: identity, chunked"), FOLLOWUP, exact=BOTH),
    Case(
        "te_chunked_param",
        cl_te("Content-Length: {N}", "Transfer-Encoding: chunked;q=1"),
        TOLERATE,
        ok_body=ECHO_BODY,
        must_close=True,
        rfc=CLTE_RULE + ", RFC 9112 §7",
    ),
    Case("te_chunked_param_no_cl", te_follow("Transfer-Encoding: chunked;q=1"), FOLLOWUP, exact=BOTH, rfc="RFC 9112 §7"),
    Case("te_leading_space_no_cl", te_follow("Transfer-Encoding:   chunked"), FOLLOWUP, exact=BOTH, rfc="RFC 9112 §5.1"),
    Case("te_trailing_space_no_cl", te_follow("Transfer-Encoding: chunked  "), FOLLOWUP, exact=BOTH, rfc="RFC 9112 §5.1"),
    Case("te_tab_ows_no_cl", te_follow("Transfer-Encoding:\tchunked\t"), FOLLOWUP, exact=BOTH, rfc="RFC 9112 §5.1"),
    Case("te_empty_list_elements_no_cl", te_follow("Transfer-Encoding: , chunked"), FOLLOWUP, exact=BOTH, rfc="RFC 9110 §5.6.1"),
    Case(
        "te_trailing_space_with_cl",
        cl_te("Content-Length: {N}", "Transfer-Encoding: chunked "),
        TOLERATE,
        ok_body=ECHO_BODY,
        must_close=True,
        rfc=CLTE_RULE,
    ),
    # \x0b is no OWS: the value is no known coding, unless a parser strips it.
    Case("te_vertical_tab_no_cl", te_follow("Transfer-Encoding: \x0bchunked"), FOLLOWUP, exact=BOTH, rfc="RFC 9112 §5.1, §6.1"),
    Case("te_obs_fold_no_cl", te_follow("Transfer-Encoding:", " chunked"), FOLLOWUP, exact=BOTH, rfc="RFC 9112 §5.2"),
    Case(
        "te_obs_fold_second_coding",
        te_only("Transfer-Encoding: chunked", " , identity"),
        REJECT,
        must_close=True,
        rfc="RFC 9112 §5.2, §6.3 (4)",
    ),
    # TE.CL: the short Content-Length puts the sentinel where a length reader looks for a request.
    Case("te_cl_short_length", te_cl("Transfer-Encoding: chunked"), TOLERATE, ok_body=PLAINTEXT, must_close=True, rfc=CLTE_RULE),
    Case(
        "te_cl_short_length_uppercase",
        te_cl("Transfer-Encoding: Chunked"),
        TOLERATE,
        ok_body=PLAINTEXT,
        must_close=True,
        rfc=CLTE_RULE,
    ),
    Case("te_cl_short_length_xchunked", te_cl("Transfer-Encoding: xchunked"), REJECT, must_close=True, rfc=CLTE_RULE),
    Case(
        "cl_zero_then_te",
        cl_te("Content-Length: 0", "Transfer-Encoding: chunked"),
        TOLERATE,
        ok_body=ECHO_BODY,
        must_close=True,
        rfc=CLTE_RULE,
    ),
    # HTTP/1.0 with Transfer-Encoding: faulty framing, close after processing (RFC 9112 §6.1).
    Case(
        "te_http10",
        head("POST /echo HTTP/1.0", "Content-Type: application/json", "Transfer-Encoding: chunked") + TE_PAYLOAD,
        TOLERATE,
        ok_body=ECHO_BODY,
        must_close=True,
        rfc="RFC 9112 §6.1",
    ),
    Case(
        "te_http10_keep_alive",
        head("POST /echo HTTP/1.0", "Content-Type: application/json", "Connection: keep-alive", "Transfer-Encoding: chunked")
        + TE_PAYLOAD,
        TOLERATE,
        ok_body=ECHO_BODY,
        must_close=True,
        rfc="RFC 9112 §6.1",
    ),
    Case(
        "te_http10_with_cl",
        head(
            "POST /echo HTTP/1.0",
            "Content-Type: application/json",
            "Connection: keep-alive",
            f"Content-Length: {len(TE_PAYLOAD)}",
            "Transfer-Encoding: chunked",
        )
        + TE_PAYLOAD,
        TOLERATE,
        ok_body=ECHO_BODY,
        must_close=True,
        rfc="RFC 9112 §6.1",
    ),
)

# ---------------------------------------------------------------- chunked framing

CHUNKED_FRAMING = cases_of(
    CHUNK_RULE,
    # Bare LF inside chunked framing: refused with a close. RFC 9112 §2.2 lets a
    # recipient take a bare LF as the end of the start-line and field lines only.
    Case("chunk_size_bare_lf", chunks(b"7\n" + ECHO_BODY + b"\r\n0\r\n\r\n"), REJECT, must_close=True),
    Case("chunk_data_bare_lf", chunks(b"7\r\n" + ECHO_BODY + b"\n0\r\n\r\n"), REJECT, must_close=True),
    Case("chunk_last_bare_lf_size", chunks(b"7\r\n" + ECHO_BODY + b"\r\n0\n\r\n"), REJECT, must_close=True),
    # `0\r\n\n`: the class some parsers swallow (they keep reading trailer lines,
    # eating the next request). A legitimate request follows; see FOLLOWUP.
    Case("chunk_last_bare_lf_end", chunks(CHUNKED_ECHO[:-2] + b"\n", then=FOLLOW), FOLLOWUP, exact=BOTH),
    Case("chunk_last_all_bare_lf", chunks(b"7\r\n" + ECHO_BODY + b"\r\n0\n\n", then=FOLLOW), FOLLOWUP, exact=BOTH),
    Case("chunk_trailer_bare_lf", chunks(CHUNKED_ECHO[:-2] + b"X-T: 1\n\r\n", then=FOLLOW), FOLLOWUP, exact=BOTH),
    Case("chunk_trailer_bare_lf_end", chunks(CHUNKED_ECHO[:-2] + b"X-T: 1\r\n\n", then=FOLLOW), FOLLOWUP, exact=BOTH),
    # Missing final CRLF: the follow-up's head becomes the trailer section; the
    # request line is no field line, so the only right answer is a refusal.
    Case("chunk_missing_final_crlf", chunks(CHUNKED_ECHO[:-2], then=FOLLOW), REJECT, must_close=True),
    Case("chunk_missing_data_crlf", chunks(b"7\r\n" + ECHO_BODY + b"0\r\n\r\n"), REJECT, must_close=True),
    # chunk-size = 1*HEXDIG (then BWS only before ";").
    Case("chunk_size_leading_space", chunks(b" 7\r\n" + ECHO_BODY + b"\r\n0\r\n\r\n"), REJECT, must_close=True),
    Case("chunk_size_leading_tab", chunks(b"\t7\r\n" + ECHO_BODY + b"\r\n0\r\n\r\n"), REJECT, must_close=True),
    Case("chunk_size_plus", chunks(b"+7\r\n" + ECHO_BODY + b"\r\n0\r\n\r\n"), REJECT, must_close=True),
    Case("chunk_size_empty", chunks(b"\r\n" + ECHO_BODY + b"\r\n0\r\n\r\n"), REJECT, must_close=True),
    Case("chunk_size_0X_prefix", chunks(b"0X7\r\n" + ECHO_BODY + b"\r\n0\r\n\r\n"), REJECT, must_close=True),
    Case("chunk_size_underscore", chunks(b"0_7\r\n" + ECHO_BODY + b"\r\n0\r\n\r\n"), REJECT, must_close=True),
    # 2^64 wraps to 0, a last chunk: its CRLF ends the message and the sentinel follows.
    Case("chunk_size_wraps_to_zero", chunks(b"10000000000000000\r\n\r\n"), REJECT, must_close=True),
    Case(
        "chunk_size_wraps_to_length", chunks(b"1" + b"0" * 15 + b"7\r\n" + ECHO_BODY + b"\r\n0\r\n\r\n"), REJECT, must_close=True
    ),
    Case("chunk_size_trailing_space", chunks(b"7 \r\n" + ECHO_BODY + b"\r\n0\r\n\r\n", then=FOLLOW), FOLLOWUP, exact=BOTH),
    Case("chunk_last_trailing_space", chunks(b"7\r\n" + ECHO_BODY + b"\r\n0 \r\n\r\n", then=FOLLOW), FOLLOWUP, exact=BOTH),
    # Valid shapes: both requests answered (or a refusal and a close).
    Case("chunk_size_leading_zeros", chunks(b"0007\r\n" + ECHO_BODY + b"\r\n0\r\n\r\n", then=FOLLOW), FOLLOWUP, exact=BOTH),
    Case(
        "chunk_size_20_digits",
        chunks(b"0" * 19 + b"7\r\n" + ECHO_BODY + b"\r\n0\r\n\r\n", then=FOLLOW),
        FOLLOWUP,
        exact=BOTH,
    ),
    Case(
        "chunk_size_uppercase_hex",
        chunks(b'A\r\n{"ab":123}\r\n0\r\n\r\n', then=FOLLOW),
        FOLLOWUP,
        exact=(b'{"ab":123}', PLAINTEXT),
    ),
    Case("chunk_many_small", chunks(b'3\r\n{"a\r\n4\r\n":1}\r\n0\r\n\r\n', then=FOLLOW), FOLLOWUP, exact=BOTH),
    Case("chunk_last_zeros", chunks(b"7\r\n" + ECHO_BODY + b"\r\n000\r\n\r\n", then=FOLLOW), FOLLOWUP, exact=BOTH),
    Case("chunk_ext_no_value", chunks(b"7;foo\r\n" + ECHO_BODY + b"\r\n0\r\n\r\n", then=FOLLOW), FOLLOWUP, exact=BOTH),
    Case("chunk_ext_value", chunks(b"7;foo=bar\r\n" + ECHO_BODY + b"\r\n0\r\n\r\n", then=FOLLOW), FOLLOWUP, exact=BOTH),
    Case("chunk_ext_quoted", chunks(b'7;foo="b;a r"\r\n' + ECHO_BODY + b"\r\n0\r\n\r\n", then=FOLLOW), FOLLOWUP, exact=BOTH),
    Case("chunk_ext_bws", chunks(b"7 ; foo = bar\r\n" + ECHO_BODY + b"\r\n0\r\n\r\n", then=FOLLOW), FOLLOWUP, exact=BOTH),
    Case("chunk_ext_on_last", chunks(b"7\r\n" + ECHO_BODY + b"\r\n0;x=y\r\n\r\n", then=FOLLOW), FOLLOWUP, exact=BOTH),
    Case("chunk_ext_empty_name", chunks(b"7;\r\n" + ECHO_BODY + b"\r\n0\r\n\r\n", then=FOLLOW), FOLLOWUP, exact=BOTH),
    # Invalid extension bytes that leave the line ends where they are: refusing is
    # right, skipping them (the framing is unchanged) is harmless.
    Case("chunk_ext_nul", chunks(b"7;x=\x00\r\n" + ECHO_BODY + b"\r\n0\r\n\r\n", then=FOLLOW), FOLLOWUP, exact=BOTH),
    # A quoted extension may not hold a line end; a parser that lets it reads the
    # sentinel's bytes into the extension or ends the line early.
    Case(
        "chunk_ext_quoted_crlf",
        chunks(b'7;x="a\r\n' + ECHO_BODY + b'"\r\n' + ECHO_BODY + b"\r\n0\r\n\r\n"),
        REJECT,
        must_close=True,
    ),
    Case("chunk_ext_bare_cr", chunks(b"7;x\rb\r\n" + ECHO_BODY + b"\r\n0\r\n\r\n"), REJECT, must_close=True),
    Case("chunk_data_underrun", chunks(b"9\r\n" + ECHO_BODY + b"\r\n0\r\n\r\n"), REJECT, must_close=True),
    # Trailers never re-frame (RFC 9110 §6.5.1: framing fields are not allowed
    # in trailers; RFC 9112 §7.1.2: not merged into the header section).
    Case(
        "chunk_trailer_content_length",
        chunks(CHUNKED_ECHO[:-2] + f"Content-Length: {len(FOLLOW)}\r\n\r\n".encode(), then=FOLLOW),
        FOLLOWUP,
        exact=BOTH,
        rfc="RFC 9112 §7.1.2, RFC 9110 §6.5.1",
    ),
    Case(
        "chunk_trailer_transfer_encoding",
        chunks(CHUNKED_ECHO[:-2] + b"Transfer-Encoding: chunked\r\n\r\n", then=FOLLOW),
        FOLLOWUP,
        exact=BOTH,
        rfc="RFC 9112 §7.1.2, RFC 9110 §6.5.1",
    ),
    Case(
        "chunk_trailer_plain",
        chunks(CHUNKED_ECHO[:-2] + b"X-Checksum: 1\r\n\r\n", then=FOLLOW),
        FOLLOWUP,
        exact=BOTH,
        rfc="RFC 9112 §7.1.2",
    ),
    Case(
        "chunk_trailer_no_colon",
        chunks(CHUNKED_ECHO[:-2] + b"junk\r\n\r\n", then=FOLLOW),
        FOLLOWUP,
        exact=BOTH,
        rfc="RFC 9112 §7.1.2, §5",
    ),
)

# ---------------------------------------------------------------- Expect

EXPECT_RULE = "RFC 9110 §10.1.1"

EXPECT = cases_of(
    EXPECT_RULE,
    # The body is already on the wire: read it and answer at once, no waiting.
    Case(
        "expect_body_already_sent",
        echo("Expect: 100-continue", "Content-Length: 7") + ECHO_BODY,
        ANSWER,
        ok_body=ECHO_BODY,
    ),
    Case(
        "expect_body_sent_then_pipelined",
        echo("Expect: 100-continue", "Content-Length: 7") + ECHO_BODY + FOLLOW,
        EXACT,
        exact=BOTH,
    ),
    Case(
        "expect_chunked_body_sent",
        echo("Expect: 100-continue", "Transfer-Encoding: chunked") + CHUNKED_ECHO + FOLLOW,
        EXACT,
        exact=BOTH,
    ),
    # An unread body behind Expect: a server that skips sending 100 must still
    # consume or close, never read the body as the next request.
    Case("expect_get_body_is_sentinel", carry("Expect: 100-continue"), ANSWER, ok_body=PLAINTEXT),
    Case(
        "expect_get_no_body",
        head("GET /plaintext HTTP/1.1", "Expect: 100-continue") + FOLLOW,
        EXACT,
        exact=(PLAINTEXT, PLAINTEXT),
    ),
    Case("expect_404_body_is_sentinel", carry("Expect: 100-continue", line="GET /nope HTTP/1.1"), TOLERATE, ok_body=None),
    Case("expect_mixed_case", carry("Expect: 100-Continue"), TOLERATE, ok_body=PLAINTEXT),
    # 417 or served.
    Case("expect_unknown", carry("Expect: 200-ok"), TOLERATE, ok_body=PLAINTEXT),
    # HTTP/1.0: the expectation is ignored, the request served, then a close.
    Case(
        "expect_http10",
        head("POST /echo HTTP/1.0", "Content-Type: application/json", "Expect: 100-continue", "Content-Length: 7")
        + ECHO_BODY
        + SENTINEL,
        ANSWER,
        ok_body=ECHO_BODY,
        must_close=True,
    ),
)

# ---------------------------------------------------------------- Host

# Every Host case is a GET /plaintext whose body is the sentinel: a server that
# refuses the head must still skip the body (or close), never parse it as a request.
HOST = cases_of(
    HOST_RULE,
    Case("host_missing", carry(host=False), REJECT),
    Case("host_two_equal", carry("Host: localhost", "Host: localhost", host=False), REJECT),
    Case("host_two_different", carry("Host: localhost", "Host: other.example", host=False), REJECT),
    Case("host_two_name_case", carry("Host: localhost", "host: localhost", host=False), REJECT),
    Case("host_list", carry("Host: localhost, other.example", host=False), REJECT),
    Case("host_space", carry("Host: a b", host=False), REJECT),
    Case("host_slash", carry("Host: a/b", host=False), REJECT),
    Case("host_userinfo", carry("Host: a@b", host=False), REJECT),
    Case("host_port_letters", carry("Host: localhost:80x", host=False), REJECT),
    Case("host_ipv6_unclosed", carry("Host: [::1", host=False), REJECT),
    Case("host_bad_pct", carry("Host: local%zzhost", host=False), REJECT),
    Case("host_nul", carry(b"Host: local\x00host", host=False), REJECT, rfc="RFC 9112 §3.2, RFC 9110 §5.5"),
    Case("host_bare_cr", carry(b"Host: localhost\rX-Injected: 1", host=False), REJECT, rfc="RFC 9112 §3.2, §2.2"),
    Case("host_space_before_colon", carry("Host : localhost", host=False), REJECT, rfc="RFC 9112 §3.2, §5.1"),
    Case("host_missing_absolute_form", carry(line="GET http://localhost/plaintext HTTP/1.1", host=False), REJECT),
    Case("host_two_http10", carry("Host: a", "Host: b", line="GET /plaintext HTTP/1.0", host=False), REJECT),
    Case("host_missing_http10", carry(line="GET /plaintext HTTP/1.0", host=False), ANSWER, ok_body=PLAINTEXT, must_close=True),
    # Valid values (RFC 3986 §3.2.2 reg-name may be empty; the port may be empty).
    Case("host_empty_port", carry("Host: localhost:", host=False), TOLERATE, ok_body=PLAINTEXT),
    Case("host_empty", carry("Host: ", host=False), TOLERATE, ok_body=PLAINTEXT),
    Case("host_ipv6", carry("Host: [::1]:8080", host=False), TOLERATE, ok_body=PLAINTEXT),
    Case("host_pct_encoded_crlf", carry("Host: localhost%0d%0aX-Injected%3a%201", host=False), TOLERATE, ok_body=PLAINTEXT),
    Case("host_obs_fold", carry("Host:", " localhost", host=False), TOLERATE, ok_body=PLAINTEXT, rfc="RFC 9112 §3.2, §5.2"),
    # Absolute-form: the target's authority wins over Host (RFC 9112 §3.2.2).
    Case(
        "host_absolute_form_other",
        carry(line="GET http://other.example/plaintext HTTP/1.1"),
        TOLERATE,
        ok_body=PLAINTEXT,
        rfc="RFC 9112 §3.2.2",
    ),
)

# ---------------------------------------------------------------- head shapes

HEAD_SHAPES = cases_of(
    "RFC 9112 §5",
    Case("head_space_before_colon", carry("X-Foo : bar"), REJECT, rfc="RFC 9112 §5.1"),
    Case("head_tab_in_name", carry("X-Foo\tBar: baz"), REJECT, rfc="RFC 9112 §5.1, RFC 9110 §5.1"),
    Case("head_bare_cr_in_value", carry(b"X-Foo: a\rb"), REJECT, rfc="RFC 9112 §2.2, RFC 9110 §5.5"),
    Case("head_nul_in_value", carry(b"X-Foo: a\x00b"), REJECT, rfc="RFC 9110 §5.5"),
    Case("head_nul_in_name", carry(b"X-F\x00oo: a"), REJECT, rfc="RFC 9110 §5.1"),
    Case("head_obs_fold", carry("X-Foo: a", " b"), TOLERATE, ok_body=PLAINTEXT, rfc="RFC 9112 §5.2"),
    Case("head_obs_fold_tab", carry("X-Foo: a", "\tb"), TOLERATE, ok_body=PLAINTEXT, rfc="RFC 9112 §5.2"),
    # A line that starts with whitespace right after the request line (RFC 9112 §2.2):
    # refuse, or ignore that line; never read it as a field (here: chunked framing
    # the Content-Length reading does not see).
    Case(
        "head_whitespace_first_line",
        carry(" Transfer-Encoding: chunked", "Host: localhost", host=False),
        TOLERATE,
        ok_body=PLAINTEXT,
        rfc="RFC 9112 §2.2",
    ),
    Case("head_request_line_two_spaces", carry(line="GET  /plaintext HTTP/1.1"), TOLERATE, ok_body=PLAINTEXT, rfc="RFC 9112 §3"),
    Case(
        "head_request_line_two_spaces_version",
        carry(line="GET /plaintext  HTTP/1.1"),
        TOLERATE,
        ok_body=PLAINTEXT,
        rfc="RFC 9112 §3",
    ),
    Case("head_request_line_tab", carry(line="GET\t/plaintext HTTP/1.1"), TOLERATE, ok_body=PLAINTEXT, rfc="RFC 9112 §3"),
    # After Connection: close, nothing more is read (RFC 9112 §9.6).
    Case(
        "head_pipelined_after_close",
        head("GET /plaintext HTTP/1.1", "Connection: close") + SENTINEL,
        ANSWER,
        ok_body=PLAINTEXT,
        must_close=True,
        rfc="RFC 9112 §9.6",
    ),
    Case(
        "head_pipelined_after_close_uppercase",
        head("GET /plaintext HTTP/1.1", "Connection: CLOSE") + SENTINEL,
        ANSWER,
        ok_body=PLAINTEXT,
        must_close=True,
        rfc="RFC 9112 §9.6, RFC 9110 §7.6.1",
    ),
    Case(
        "head_pipelined_after_close_list",
        head("GET /plaintext HTTP/1.1", "Connection: keep-alive, close") + SENTINEL,
        ANSWER,
        ok_body=PLAINTEXT,
        must_close=True,
        rfc="RFC 9112 §9.6, RFC 9110 §7.6.1",
    ),
    Case(
        "head_pipelined_after_http10",
        head("GET /plaintext HTTP/1.0") + SENTINEL,
        ANSWER,
        ok_body=PLAINTEXT,
        must_close=True,
        rfc="RFC 9112 §9.3",
    ),
    Case(
        "head_pipelined_after_close_with_body",
        echo("Connection: close", "Content-Length: 7") + ECHO_BODY + SENTINEL,
        ANSWER,
        ok_body=ECHO_BODY,
        must_close=True,
        rfc="RFC 9112 §9.6",
    ),
)

CORPUS: list[Case] = CONTENT_LENGTH + TRANSFER_ENCODING + CHUNKED_FRAMING + EXPECT + HOST + HEAD_SHAPES
CLASSES: dict[str, list[Case]] = {
    "Content-Length": CONTENT_LENGTH,
    "Transfer-Encoding": TRANSFER_ENCODING,
    "chunked framing": CHUNKED_FRAMING,
    "Expect": EXPECT,
    "Host": HOST,
    "head shapes": HEAD_SHAPES,
}
