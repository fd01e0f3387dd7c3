/// Whether a `Content-Type` value names JSON: the media type before any
/// parameter must be `application/json`, compared case-insensitively.
pub fn is_json(content_type: &[u8]) -> bool {
    let media = content_type
        .split(|&b| b == b';')
        .next()
        .unwrap_or_default();
    media.trim_ascii().eq_ignore_ascii_case(b"application/json")
}

#[cfg(test)]
mod tests {
    use super::is_json;

    #[test]
    fn accepts_json_with_params() {
        assert!(is_json(b"application/json"));
        assert!(is_json(b"Application/JSON; charset=utf-8"));
        assert!(is_json(b" application/json ;x=y"));
    }

    #[test]
    fn rejects_others() {
        for ct in [
            &b""[..],
            b"text/plain",
            b"application/jsonx",
            b"application/json-seq",
            b"json",
        ] {
            assert!(!is_json(ct), "{ct:?}");
        }
    }
}
