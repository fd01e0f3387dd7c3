//! A response as Rust data: what crosses from Python back to tokio (a
//! streamed body is the one Python object that does, inside [`Generator`]),
//! and the error bodies.

use api_model::ApiError;
use bytes::Bytes;
use hyper::header::{HeaderName, HeaderValue};
use hyper::StatusCode;
use pyo3::prelude::*;

use crate::handoff::Kind;

pub const JSON: HeaderValue = HeaderValue::from_static(api_model::JSON_CONTENT_TYPE);
pub const TEXT: HeaderValue = HeaderValue::from_static(api_model::TEXT_CONTENT_TYPE);
pub const OCTETS: HeaderValue = HeaderValue::from_static("application/octet-stream");

pub struct Reply {
    pub status: StatusCode,
    /// The default `Content-Type`; a `content-type` in `headers` replaces it.
    pub content_type: Option<HeaderValue>,
    /// The handler's own headers: each name replaces the server's default.
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub body: ReplyBody,
}

pub enum ReplyBody {
    Full(Bytes),
    Stream(Generator),
}

/// A (sync or async) iterator whose items are the chunks of a body.
pub struct Generator {
    pub iterator: Py<PyAny>,
    /// `Blocking` for `__next__` (pool threads), `Async` for `__anext__` (the loop).
    pub kind: Kind,
    /// Logs an exception raised while streaming.
    pub report: crate::body::Report,
}

impl Reply {
    pub fn ok(content_type: HeaderValue, body: Bytes) -> Self {
        Reply {
            status: StatusCode::OK,
            content_type: Some(content_type),
            headers: Vec::new(),
            body: ReplyBody::Full(body),
        }
    }

    /// A status with an empty body and no `Content-Type`.
    pub fn empty(status: StatusCode) -> Self {
        Reply {
            status,
            content_type: None,
            headers: Vec::new(),
            body: ReplyBody::Full(Bytes::new()),
        }
    }

    /// The contract's error body for `e`, from `api-model`.
    pub fn error(e: ApiError) -> Self {
        Reply {
            status: StatusCode::from_u16(e.status()).expect("contract statuses are valid"),
            content_type: Some(JSON),
            headers: Vec::new(),
            body: ReplyBody::Full(e.body().into()),
        }
    }

    /// An error status with the body `{"error": CODE}`, or
    /// `{"error": CODE, "detail": DETAIL}` when `detail` (JSON text) is given.
    /// CODE is the contract's for its statuses (so the arena's bodies stay
    /// the contract's), else the status's reason phrase in snake case
    /// (`im_a_teapot`), else `http_NNN`.
    pub fn status_error(status: StatusCode, detail: Option<&str>) -> Self {
        if detail.is_none() {
            if let Some(e) = ApiError::from_status(status.as_u16()) {
                return Self::error(e);
            }
        }
        let code = serde_json::to_string(&error_code(status)).expect("a str serializes");
        let body = match detail {
            None => format!("{{\"error\":{code}}}"),
            Some(detail) => format!("{{\"error\":{code},\"detail\":{detail}}}"),
        };
        Reply {
            status,
            content_type: Some(JSON),
            headers: Vec::new(),
            body: ReplyBody::Full(body.into()),
        }
    }

    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }
}

/// The `error` code of a status: the contract's, else its reason phrase in
/// snake case, else `http_NNN`.
pub fn error_code(status: StatusCode) -> String {
    if let Some(e) = ApiError::from_status(status.as_u16()) {
        return e.code().to_owned();
    }
    let Some(reason) = status.canonical_reason() else {
        return format!("http_{}", status.as_u16());
    };
    let mut code = String::new();
    for c in reason.chars().filter(|c| *c != '\'') {
        if c.is_ascii_alphanumeric() {
            code.push(c.to_ascii_lowercase());
        } else if !code.is_empty() && !code.ends_with('_') {
            code.push('_');
        }
    }
    code.trim_end_matches('_').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes() {
        let code = |n| error_code(StatusCode::from_u16(n).unwrap());
        assert_eq!(code(404), "not_found");
        assert_eq!(code(418), "im_a_teapot");
        assert_eq!(code(429), "too_many_requests");
        assert_eq!(code(505), "http_version_not_supported");
        assert_eq!(code(499), "http_499");
    }
}
