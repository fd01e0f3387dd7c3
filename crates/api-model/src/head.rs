//! Checks on a parsed request head that every adapter runs before routing,
//! for the frameworks that do not make them themselves: the head-size bounds,
//! the `Host` rule of RFC 9112 §3.2 and the body-framing fields.

use crate::limits::{MAX_HEAD_BYTES, MAX_URI_BYTES};
use crate::ApiError;

/// Why a head is refused before routing. The status goes on the wire with
/// the framework's own (empty) body and a closed connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadRefusal {
    /// 414: the request target is longer than [`MAX_URI_BYTES`].
    UriTooLong,
    /// 431: request line and header lines exceed [`MAX_HEAD_BYTES`].
    HeadTooLarge,
}

impl HeadRefusal {
    pub const fn status(self) -> u16 {
        match self {
            HeadRefusal::UriTooLong => 414,
            HeadRefusal::HeadTooLarge => 431,
        }
    }
}

/// The length a request target had on the wire, from the parts a parsed URI
/// keeps (frameworks keep no copy of the raw target): `scheme://authority`
/// then path and query for the absolute form, the authority alone for the
/// authority form, path and query for the origin form.
pub fn target_len(
    scheme: Option<&str>,
    authority: Option<&str>,
    path_and_query: Option<&str>,
) -> usize {
    let scheme = scheme.map_or(0, |s| s.len() + "://".len());
    scheme + authority.map_or(0, str::len) + path_and_query.map_or(0, str::len)
}

/// The size refusal a parsed head earns, if any. Sizes are those of the head
/// as it was on the wire: `METHOD target HTTP/1.1\r\n`, then `name: value\r\n`
/// per field (`fields` yields name and value lengths).
pub fn size_refusal(
    method: &str,
    target_len: usize,
    fields: impl IntoIterator<Item = (usize, usize)>,
) -> Option<HeadRefusal> {
    if target_len > MAX_URI_BYTES {
        return Some(HeadRefusal::UriTooLong);
    }
    let line = method.len() + 1 + target_len + " HTTP/1.1\r\n".len();
    let fields: usize = fields
        .into_iter()
        .map(|(n, v)| n + ": \r\n".len() + v)
        .sum();
    (line + fields > MAX_HEAD_BYTES).then_some(HeadRefusal::HeadTooLarge)
}

/// RFC 9112 §3.2: a server must answer 400 to an HTTP/1.1 request without a
/// `Host` field, to any request with more than one `Host` field line, and to
/// a `Host` whose value is not `uri-host [ ":" port ]` (RFC 3986). `hosts`
/// yields the value of every `Host` field line of the request.
pub fn check_host<'a>(
    http11: bool,
    hosts: impl IntoIterator<Item = &'a [u8]>,
) -> Result<(), ApiError> {
    let mut hosts = hosts.into_iter();
    match (hosts.next(), hosts.next()) {
        (None, _) if http11 => Err(ApiError::BadRequest),
        (None, _) => Ok(()),
        (Some(_), Some(_)) => Err(ApiError::BadRequest),
        (Some(value), None) if is_valid_host(value) => Ok(()),
        (Some(_), None) => Err(ApiError::BadRequest),
    }
}

/// Why a request's body framing is refused before routing. Either way the
/// connection closes after the answer: where the next request starts is
/// unknown (RFC 9112 §6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FramingRefusal {
    /// 400 `bad_request`: framing fields two readers may take differently.
    Ambiguous,
    /// 501, with the framework's own (empty) body: a transfer coding besides
    /// `chunked`, which no server of the arena implements.
    UnknownCoding,
}

impl FramingRefusal {
    pub const fn status(self) -> u16 {
        match self {
            FramingRefusal::Ambiguous => 400,
            FramingRefusal::UnknownCoding => 501,
        }
    }
}

/// The framing rules of docs/API.md, for the frameworks that parse
/// `Content-Length` and `Transfer-Encoding` more leniently than the arena
/// (`content_lengths` and `transfer_encodings` yield the value of every
/// field line of that name):
///
/// - `Content-Length` (RFC 9110 §8.6): one field line, `1*DIGIT`. Lists and
///   duplicates, even of equal values, which RFC 9110 lets a recipient
///   collapse, are refused: a proxy may pick another one.
/// - `Transfer-Encoding` (RFC 9112 §6.1, §6.3): `chunked` exactly once and
///   last, over all field lines; not beside `Content-Length`. Any other
///   coding with a final `chunked` is 501.
pub fn check_framing<'a>(
    content_lengths: impl IntoIterator<Item = &'a [u8]>,
    transfer_encodings: impl IntoIterator<Item = &'a [u8]>,
) -> Result<(), FramingRefusal> {
    let mut lengths = content_lengths.into_iter();
    let length = lengths.next();
    if lengths.next().is_some() {
        return Err(FramingRefusal::Ambiguous);
    }
    if let Some(value) = length {
        let value = value.trim_ascii();
        if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
            return Err(FramingRefusal::Ambiguous);
        }
    }
    let mut codings = transfer_encodings
        .into_iter()
        .flat_map(|line| line.split(|&b| b == b','))
        .map(<[u8]>::trim_ascii)
        .peekable();
    if codings.peek().is_none() {
        return Ok(());
    }
    if length.is_some() {
        return Err(FramingRefusal::Ambiguous);
    }
    let (mut chunked, mut unknown, mut last_chunked) = (0, false, false);
    for coding in codings {
        last_chunked = coding.eq_ignore_ascii_case(b"chunked");
        if last_chunked {
            chunked += 1;
        } else if coding.is_empty() {
            return Err(FramingRefusal::Ambiguous);
        } else {
            unknown = true;
        }
    }
    match (chunked, last_chunked, unknown) {
        (1, true, false) => Ok(()),
        (1, true, true) => Err(FramingRefusal::UnknownCoding),
        _ => Err(FramingRefusal::Ambiguous),
    }
}

/// `Host = uri-host [ ":" port ]`, where `uri-host` is an IP-literal in
/// brackets, or a reg-name / IPv4 address (unreserved, pct-encoded and
/// sub-delims characters; possibly empty, RFC 9110 §7.2). Surrounding
/// whitespace is not part of the value (RFC 9110 §5.5).
pub fn is_valid_host(value: &[u8]) -> bool {
    let value = value.trim_ascii();
    let rest = if value.first() == Some(&b'[') {
        let Some(end) = value.iter().position(|&b| b == b']') else {
            return false;
        };
        let literal = &value[1..end];
        let literal_ok = !literal.is_empty()
            && literal
                .iter()
                .all(|&b| b.is_ascii_hexdigit() || b":.".contains(&b) || is_ipvfuture_char(b));
        if !literal_ok {
            return false;
        }
        &value[end + 1..]
    } else {
        // One pass: a reg-name holds no ':', so it runs up to the first one
        // and the port follows it.
        match reg_name_len(value) {
            Some(len) => &value[len..],
            None => return false,
        }
    };
    match rest {
        [] => true,
        [b':', port @ ..] => port.iter().all(u8::is_ascii_digit),
        _ => false,
    }
}

fn is_ipvfuture_char(b: u8) -> bool {
    REG_NAME_CHARS[b as usize]
}

/// unreserved / sub-delims (RFC 3986 §2.2, §2.3) as a table: every request's
/// `Host` passes through `is_reg_name`, and one indexed load per byte costs
/// a tenth of the alphanumeric test and scan of the delimiter list it stands for.
const REG_NAME_CHARS: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    let delims = b"-._~!$&'()*+,;=";
    let mut i = 0;
    while i < delims.len() {
        table[delims[i] as usize] = true;
        i += 1;
    }
    table
};

/// How many leading bytes of `value` are reg-name characters (unreserved,
/// sub-delims, pct-encoded); `None` at a `%` not followed by two hex digits.
fn reg_name_len(value: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i < value.len() {
        let b = value[i];
        if REG_NAME_CHARS[b as usize] {
            i += 1;
            continue;
        }
        if b != b'%' {
            break;
        }
        let hex = value.get(i + 1..i + 3)?;
        if !hex.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        i += 3;
    }
    Some(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The former two-pass form (split at the last ':', then check each
    /// side), kept as the specification the one-pass form must match.
    fn reference_is_valid_host(value: &[u8]) -> bool {
        let value = value.trim_ascii();
        let (host, port) = if value.first() == Some(&b'[') {
            let Some(end) = value.iter().position(|&b| b == b']') else {
                return false;
            };
            let literal = &value[1..end];
            let literal_ok = !literal.is_empty()
                && literal
                    .iter()
                    .all(|&b| b.is_ascii_hexdigit() || b":.".contains(&b) || is_ipvfuture_char(b));
            if !literal_ok {
                return false;
            }
            match &value[end + 1..] {
                [] => return true,
                [b':', port @ ..] => (&[][..], Some(port)),
                _ => return false,
            }
        } else {
            match value.iter().rposition(|&b| b == b':') {
                Some(colon) => (&value[..colon], Some(&value[colon + 1..])),
                None => (value, None),
            }
        };
        let port_ok = port.is_none_or(|p| p.iter().all(u8::is_ascii_digit));
        port_ok && reference_is_reg_name(host)
    }

    fn reference_is_reg_name(host: &[u8]) -> bool {
        let mut i = 0;
        while i < host.len() {
            let b = host[i];
            if b == b'%' {
                let hex = host.get(i + 1..i + 3);
                if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                    return false;
                }
                i += 3;
                continue;
            }
            if !(b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=".contains(&b)) {
                return false;
            }
            i += 1;
        }
        true
    }

    #[test]
    fn host_table_is_rfc3986_sets() {
        for b in 0..=255u8 {
            let expected = b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=".contains(&b);
            assert_eq!(REG_NAME_CHARS[b as usize], expected, "{b}");
        }
    }

    #[test]
    fn one_pass_host_check_matches_the_two_pass_one() {
        let alphabet = b"a0F:%.[]/ @";
        let mut value = Vec::new();
        for len in 0..=5u32 {
            for mut n in 0..alphabet.len().pow(len) {
                value.clear();
                for _ in 0..len {
                    value.push(alphabet[n % alphabet.len()]);
                    n /= alphabet.len();
                }
                assert_eq!(
                    is_valid_host(&value),
                    reference_is_valid_host(&value),
                    "{:?}",
                    String::from_utf8_lossy(&value)
                );
            }
        }
    }

    #[test]
    fn reg_name_table_is_unreserved_and_sub_delims() {
        for b in 0..=255u8 {
            let expected = b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=".contains(&b);
            assert_eq!(REG_NAME_CHARS[b as usize], expected, "byte {b:#04x}");
        }
        assert!(is_valid_host(b"a%2Fb.example:80"));
        assert!(!is_valid_host(b"a%2"));
        assert!(!is_valid_host(b"a b"));
        assert!(!is_valid_host(b"a/b"));
        assert!(!is_valid_host(b"caf\xc3\xa9"));
    }

    #[test]
    fn sizes() {
        assert_eq!(size_refusal("GET", 10, [(4, 9)]), None);
        assert_eq!(
            size_refusal("GET", MAX_URI_BYTES + 1, []),
            Some(HeadRefusal::UriTooLong)
        );
        assert_eq!(size_refusal("GET", MAX_URI_BYTES, []), None);
        let big = [(1, MAX_HEAD_BYTES)];
        assert_eq!(size_refusal("GET", 1, big), Some(HeadRefusal::HeadTooLarge));
        assert_eq!(HeadRefusal::HeadTooLarge.status(), 431);
    }

    #[test]
    fn target_len_counts_every_form() {
        assert_eq!(target_len(None, None, Some("/plaintext?a=1")), 14);
        assert_eq!(
            target_len(Some("http"), Some("localhost:8080"), Some("/x")),
            23
        );
        assert_eq!(target_len(None, Some("localhost:443"), None), 13);
    }

    #[test]
    fn host_count() {
        assert_eq!(check_host(true, []), Err(ApiError::BadRequest));
        assert_eq!(check_host(false, []), Ok(()));
        let two: [&[u8]; 2] = [b"a", b"a"];
        assert_eq!(check_host(true, two), Err(ApiError::BadRequest));
        assert_eq!(check_host(false, two), Err(ApiError::BadRequest));
        assert_eq!(check_host(true, [&b"localhost:8080"[..]]), Ok(()));
    }

    #[test]
    fn host_values() {
        for ok in [
            &b""[..],
            b"localhost",
            b"127.0.0.1:80",
            b"[::1]:8080",
            b"[::1]",
            b"example.com:",
            b"ex%41mple.com",
            b" localhost ",
        ] {
            assert!(is_valid_host(ok), "{ok:?}");
        }
        for bad in [
            &b"a b"[..],
            b"a/b",
            b"a@b",
            b"host:80x",
            b"[::1",
            b"[::1]x",
            b"a:1:2x",
            b"%zz",
            b"h\x00",
            b"a, b",
        ] {
            assert!(!is_valid_host(bad), "{bad:?}");
        }
    }

    #[test]
    fn framing() {
        let none: [&[u8]; 0] = [];
        let ok = |cl: &[&[u8]], te: &[&[u8]]| check_framing(cl.iter().copied(), te.iter().copied());
        assert_eq!(check_framing(none, none), Ok(()));
        assert_eq!(ok(&[b"7"], &[]), Ok(()));
        assert_eq!(ok(&[b" 007 "], &[]), Ok(()));
        assert_eq!(ok(&[], &[b"chunked"]), Ok(()));
        assert_eq!(ok(&[], &[b" Chunked "]), Ok(()));
        let ambiguous = Err(FramingRefusal::Ambiguous);
        for cl in [&b""[..], b"+7", b"-7", b"0x7", b"7, 7", b"7 7"] {
            assert_eq!(ok(&[cl], &[]), ambiguous, "{cl:?}");
        }
        assert_eq!(ok(&[b"7", b"7"], &[]), ambiguous);
        assert_eq!(ok(&[b"7"], &[b"chunked"]), ambiguous);
        for te in [
            &[&b"chunked, chunked"[..]][..],
            &[b"chunked", b"chunked"],
            &[b"chunked, identity"],
            &[b"chunked", b"identity"],
            &[b""],
            &[b"chunked,"],
            &[b"\"chunked\""],
            &[b"xchunked"],
            &[b"gzip"],
        ] {
            assert_eq!(ok(&[], te), ambiguous, "{te:?}");
        }
        let unknown = Err(FramingRefusal::UnknownCoding);
        assert_eq!(ok(&[], &[b"gzip, chunked"]), unknown);
        assert_eq!(ok(&[], &[b"gzip", b"chunked"]), unknown);
        assert_eq!(FramingRefusal::UnknownCoding.status(), 501);
        assert_eq!(FramingRefusal::Ambiguous.status(), 400);
    }
}
