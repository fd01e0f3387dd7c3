//! What a request head says about its body and its connection, decided by
//! server code before may_minihttp looks at the body: the library parses
//! `Content-Length` with `unwrap()` (a malformed value panics the
//! connection's coroutine), knows no `Transfer-Encoding`, and ignores
//! `Connection`.

use may_minihttp::Request;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// A `Content-Length` body the library can read and drain: exactly the
    /// length it will compute itself (its own parse is `usize::from_str`).
    Length(usize),
    /// A declared length past the contract's limit: never read.
    TooLarge,
    /// A body whose end the library cannot find (chunked, or a
    /// `Content-Length` it would panic on).
    Unframed,
}

#[derive(Debug, Clone, Copy)]
pub struct Framing {
    pub body: Body,
    /// The client asked for the connection to end after this response.
    pub close: bool,
}

impl Framing {
    pub fn of(req: &Request) -> Self {
        Self::from_parts(
            req.version(),
            req.headers().iter().map(|h| (h.name, h.value)),
        )
    }

    fn from_parts<'a>(version: u8, headers: impl Iterator<Item = (&'a str, &'a [u8])>) -> Self {
        let mut length = None;
        let mut repeated_length = false;
        let mut chunked = false;
        let mut connection: Option<&[u8]> = None;
        for (name, value) in headers {
            // The library reads the first Content-Length and ignores any
            // other; a second one makes the framing ambiguous (a proxy may
            // use the other), so it is refused whatever its value.
            if name.eq_ignore_ascii_case("content-length") {
                repeated_length |= length.is_some();
                length = Some(parse_length(value));
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                chunked = true;
            } else if name.eq_ignore_ascii_case("connection") {
                connection = Some(value);
            }
        }
        let body = match length {
            _ if chunked || repeated_length => Body::Unframed,
            None => Body::Length(0),
            Some(None) => Body::Unframed,
            Some(Some(n)) if api_model::echo::declared_length_allowed(n as u64) => Body::Length(n),
            Some(Some(_)) => Body::TooLarge,
        };
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
        Framing { body, close }
    }
}

/// `1*DIGIT` (RFC 9110 §8.6): `usize::from_str`, the library's own parse,
/// also takes a leading `+`, which a proxy may read differently.
fn parse_length(value: &[u8]) -> Option<usize> {
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(value).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framing(version: u8, headers: &[(&'static str, &'static str)]) -> Framing {
        Framing::from_parts(version, headers.iter().map(|(n, v)| (*n, v.as_bytes())))
    }

    #[test]
    fn lengths() {
        assert_eq!(framing(1, &[]).body, Body::Length(0));
        assert_eq!(
            framing(1, &[("Content-Length", "12")]).body,
            Body::Length(12)
        );
        assert_eq!(
            framing(1, &[("content-length", "1048577")]).body,
            Body::TooLarge
        );
        assert_eq!(
            framing(1, &[("content-length", "99999999999999999999999")]).body,
            Body::Unframed
        );
        assert_eq!(
            framing(1, &[("content-length", "abc")]).body,
            Body::Unframed
        );
        assert_eq!(framing(1, &[("content-length", "-1")]).body, Body::Unframed);
        assert_eq!(
            framing(1, &[("Transfer-Encoding", "chunked")]).body,
            Body::Unframed
        );
    }

    #[test]
    fn repeated_or_signed_length_is_unframed() {
        assert_eq!(
            framing(1, &[("Content-Length", "3"), ("Content-Length", "3")]).body,
            Body::Unframed
        );
        assert_eq!(framing(1, &[("Content-Length", "+7")]).body, Body::Unframed);
    }

    #[test]
    fn connection_tokens() {
        assert!(!framing(1, &[]).close);
        assert!(framing(1, &[("Connection", "Close")]).close);
        assert!(framing(1, &[("Connection", "keep-alive, close")]).close);
        assert!(framing(0, &[]).close);
        assert!(!framing(0, &[("Connection", "Keep-Alive")]).close);
    }
}
