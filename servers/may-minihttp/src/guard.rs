//! The checks a request head must pass before routing. may_minihttp makes
//! none of them: it takes any head httparse completes, has no `Host` rule,
//! parses `Content-Length` with `unwrap()` (a malformed value panics the
//! connection's coroutine), knows no `Transfer-Encoding` and ignores
//! `Connection`. A refused head is answered and the connection closed; the
//! patched library parses nothing after that answer.

use api_model::head::{self, HeadRefusal};
use api_model::ApiError;
use may_minihttp::Request;

/// Why a head is refused. Either way the connection ends with the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// 414 or 431, with the framework's own empty body.
    Size(HeadRefusal),
    /// A contract error: a `Host` that breaks RFC 9112 §3.2, or a body whose
    /// end cannot be found (RFC 9112 §6.3).
    Error(ApiError),
}

/// What an accepted head says about its body and its connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Framing {
    /// The declared `Content-Length`, exactly what the library will compute
    /// itself (its own parse is `usize::from_str` on the first such field).
    pub length: Option<usize>,
    /// The client asked for the connection to end after this response.
    pub close: bool,
}

pub fn check(req: &Request) -> Result<Framing, Refusal> {
    check_parts(
        req.method(),
        req.path(),
        req.version(),
        req.headers().iter().map(|h| (h.name, h.value)),
    )
}

fn check_parts<'a, I>(
    method: &str,
    target: &str,
    version: u8,
    fields: I,
) -> Result<Framing, Refusal>
where
    I: Iterator<Item = (&'a str, &'a [u8])> + Clone,
{
    let sizes = fields
        .clone()
        .map(|(name, value)| (name.len(), value.len()));
    if let Some(refusal) = head::size_refusal(method, target.len(), sizes) {
        return Err(Refusal::Size(refusal));
    }
    // httparse gives 1 for HTTP/1.1, 0 for HTTP/1.0.
    let hosts = fields
        .clone()
        .filter(|(name, _)| name.eq_ignore_ascii_case("host"))
        .map(|(_, value)| value);
    head::check_host(version == 1, hosts).map_err(Refusal::Error)?;
    framing(version, fields).map_err(Refusal::Error)
}

fn framing<'a>(
    version: u8,
    fields: impl Iterator<Item = (&'a str, &'a [u8])>,
) -> Result<Framing, ApiError> {
    let mut length = None;
    let mut connection: Option<&[u8]> = None;
    for (name, value) in fields {
        if name.eq_ignore_ascii_case("content-length") {
            // The library reads the first field and ignores any other; a
            // second one, even an equal one, leaves a proxy free to use it.
            if length.is_some() {
                return Err(ApiError::BadRequest);
            }
            length = Some(parse_length(value).ok_or(ApiError::BadRequest)?);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            // No decoding in the library: the body's end cannot be found.
            return Err(ApiError::BadRequest);
        } else if name.eq_ignore_ascii_case("connection") {
            connection = Some(value);
        }
    }
    let has_token = |token: &str| {
        connection.is_some_and(|v| {
            v.split(|&b| b == b',')
                .any(|t| t.trim_ascii().eq_ignore_ascii_case(token.as_bytes()))
        })
    };
    // HTTP/1.0 closes unless asked to keep alive; HTTP/1.1 persists unless asked to close.
    let close = if version == 0 {
        !has_token("keep-alive")
    } else {
        has_token("close")
    };
    Ok(Framing { length, close })
}

/// `1*DIGIT` (RFC 9110 §8.6): `usize::from_str`, the library's own parse,
/// also takes a leading `+`, which a proxy may read differently; a list,
/// even of equal values, is refused too.
fn parse_length(value: &[u8]) -> Option<usize> {
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(value).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(version: u8, fields: &[(&'static str, &'static str)]) -> Result<Framing, Refusal> {
        let fields = fields.iter().map(|(n, v)| (*n, v.as_bytes()));
        check_parts("POST", "/echo", version, fields)
    }

    fn with_host(fields: &[(&'static str, &'static str)]) -> Result<Framing, Refusal> {
        let mut all = vec![("Host", "localhost")];
        all.extend_from_slice(fields);
        check(1, &all)
    }

    const BAD: Result<Framing, Refusal> = Err(Refusal::Error(ApiError::BadRequest));

    #[test]
    fn lengths() {
        assert_eq!(with_host(&[]).unwrap().length, None);
        assert_eq!(
            with_host(&[("Content-Length", "12")]).unwrap().length,
            Some(12)
        );
        assert_eq!(
            with_host(&[("content-length", "007")]).unwrap().length,
            Some(7)
        );
        // Over the body limit is still well framed: the handler refuses it.
        assert_eq!(
            with_host(&[("content-length", "1048577")]).unwrap().length,
            Some(1048577)
        );
    }

    #[test]
    fn malformed_or_ambiguous_length_is_refused() {
        for value in [
            "",
            "abc",
            "-1",
            "-0",
            "+7",
            "0x7",
            "3, 3",
            "3\t3",
            "99999999999999999999999",
        ] {
            assert_eq!(with_host(&[("Content-Length", value)]), BAD, "{value:?}");
        }
        assert_eq!(
            with_host(&[("Content-Length", "3"), ("Content-Length", "3")]),
            BAD
        );
    }

    #[test]
    fn any_transfer_encoding_is_refused() {
        for value in ["chunked", "identity", "gzip, chunked"] {
            assert_eq!(with_host(&[("Transfer-Encoding", value)]), BAD, "{value:?}");
        }
        assert_eq!(
            with_host(&[("Content-Length", "7"), ("Transfer-Encoding", "chunked")]),
            BAD
        );
    }

    #[test]
    fn host_rule() {
        assert_eq!(check(1, &[]), BAD);
        assert_eq!(check(1, &[("Host", "a"), ("host", "a")]), BAD);
        assert_eq!(check(0, &[("Host", "a"), ("Host", "b")]), BAD);
        assert_eq!(check(1, &[("Host", "a b")]), BAD);
        assert!(check(0, &[]).is_ok());
        assert!(check(1, &[("HOST", "localhost:8080")]).is_ok());
    }

    #[test]
    fn sizes_come_first() {
        let long = "a".repeat(api_model::limits::MAX_URI_BYTES + 1);
        let got = check_parts("GET", &long, 1, std::iter::empty());
        assert_eq!(got, Err(Refusal::Size(HeadRefusal::UriTooLong)));
    }

    #[test]
    fn connection_tokens() {
        assert!(!with_host(&[]).unwrap().close);
        assert!(with_host(&[("Connection", "Close")]).unwrap().close);
        assert!(
            with_host(&[("Connection", "keep-alive, close")])
                .unwrap()
                .close
        );
        assert!(check(0, &[]).unwrap().close);
        assert!(!check(0, &[("Connection", "Keep-Alive")]).unwrap().close);
    }
}
