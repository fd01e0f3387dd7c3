use crate::{media, ApiError, BODY_LIMIT};

/// The checks of `POST /echo` that need only the head, in the contract's
/// order: the media type (415), then a declared length over the limit (413).
/// `content_length` is the parsed `Content-Length`, if the request has one;
/// the HTTP layer has already refused a malformed one.
pub fn check_head(
    content_type: Option<&[u8]>,
    content_length: Option<u64>,
) -> Result<(), ApiError> {
    check_head_within(content_type, content_length, BODY_LIMIT)
}

/// [`check_head`] against a body limit of the server's own, for a framework
/// whose users may set one (pyo3-hyper's `App(body_limit=)`); the contract's
/// is [`BODY_LIMIT`].
pub fn check_head_within(
    content_type: Option<&[u8]>,
    content_length: Option<u64>,
    body_limit: usize,
) -> Result<(), ApiError> {
    if !content_type.is_some_and(media::is_json) {
        return Err(ApiError::UnsupportedMediaType);
    }
    if content_length.is_some_and(|len| len > body_limit as u64) {
        return Err(ApiError::PayloadTooLarge);
    }
    Ok(())
}

/// Re-serializes a JSON document compactly, keeping object key order and the
/// exact text of numbers (serde_json's `preserve_order` and
/// `arbitrary_precision`). Parsing rejects invalid UTF-8 and trailing bytes.
pub fn echo(body: &[u8]) -> Result<Vec<u8>, ApiError> {
    if body.len() > BODY_LIMIT {
        return Err(ApiError::PayloadTooLarge);
    }
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|_| ApiError::BadRequest)?;
    Ok(serde_json::to_vec(&value).expect("a parsed Value always serializes"))
}

/// Whether a declared `Content-Length` may be read at all: checked before a
/// single body byte is buffered.
pub const fn declared_length_allowed(length: u64) -> bool {
    length <= BODY_LIMIT as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compacts_and_keeps_order() {
        let out =
            echo(br#" { "z" : 1, "a" : [ true, null, "\u00e9" ], "m": {"y":2,"b":1} } "#).unwrap();
        assert_eq!(
            out,
            r#"{"z":1,"a":[true,null,"é"],"m":{"y":2,"b":1}}"#.as_bytes()
        );
    }

    #[test]
    fn numbers_keep_their_value() {
        // Digits pass through untouched; only an exponent gains its sign.
        let out = echo(b"[1.50, 123456789012345678901234567890, -0, 1e400]").unwrap();
        assert_eq!(out, b"[1.50,123456789012345678901234567890,-0,1e+400]");
    }

    #[test]
    fn scalars_are_json_too() {
        assert_eq!(echo(b"\"hi\"").unwrap(), b"\"hi\"");
        assert_eq!(echo(b"3").unwrap(), b"3");
    }

    #[test]
    fn rejects_broken_json() {
        for body in [
            &b""[..],
            b"{",
            b"{\"a\":}",
            b"[1] [2]",
            b"\xff\xfe",
            b"\"\xc3\x28\"",
        ] {
            assert_eq!(echo(body), Err(ApiError::BadRequest), "{body:?}");
        }
    }

    #[test]
    fn head_checks_in_contract_order() {
        let json = Some(&b"application/json"[..]);
        assert_eq!(check_head(json, Some(3)), Ok(()));
        assert_eq!(check_head(json, None), Ok(()));
        assert_eq!(
            check_head(None, Some(3)),
            Err(ApiError::UnsupportedMediaType)
        );
        let too_long = Some(BODY_LIMIT as u64 + 1);
        assert_eq!(
            check_head(Some(b"text/plain"), too_long),
            Err(ApiError::UnsupportedMediaType)
        );
        assert_eq!(check_head(json, too_long), Err(ApiError::PayloadTooLarge));
        assert_eq!(check_head(json, Some(BODY_LIMIT as u64)), Ok(()));
    }

    #[test]
    fn head_checks_within_another_limit() {
        let json = Some(&b"application/json"[..]);
        assert_eq!(check_head_within(json, Some(10), 10), Ok(()));
        assert_eq!(
            check_head_within(json, Some(11), 10),
            Err(ApiError::PayloadTooLarge)
        );
        assert_eq!(
            check_head_within(None, Some(11), 10),
            Err(ApiError::UnsupportedMediaType)
        );
        let past_contract = Some(BODY_LIMIT as u64 + 1);
        assert_eq!(
            check_head_within(json, past_contract, 2 * BODY_LIMIT),
            Ok(())
        );
    }

    #[test]
    fn rejects_over_limit() {
        let big = vec![b' '; BODY_LIMIT + 1];
        assert_eq!(echo(&big), Err(ApiError::PayloadTooLarge));
        assert!(declared_length_allowed(BODY_LIMIT as u64));
        assert!(!declared_length_allowed(BODY_LIMIT as u64 + 1));
    }
}
