use crate::{ApiError, BODY_LIMIT};

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
    fn rejects_over_limit() {
        let big = vec![b' '; BODY_LIMIT + 1];
        assert_eq!(echo(&big), Err(ApiError::PayloadTooLarge));
        assert!(declared_length_allowed(BODY_LIMIT as u64));
        assert!(!declared_length_allowed(BODY_LIMIT as u64 + 1));
    }
}
