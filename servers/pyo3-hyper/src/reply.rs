//! A response as plain Rust data: what crosses from the interpreter thread
//! back to tokio (no Python object ever does).

use api_model::ApiError;
use bytes::Bytes;
use hyper::header::{HeaderName, HeaderValue};
use hyper::StatusCode;

pub const JSON: HeaderValue = HeaderValue::from_static(api_model::JSON_CONTENT_TYPE);
pub const TEXT: HeaderValue = HeaderValue::from_static(api_model::TEXT_CONTENT_TYPE);
pub const OCTETS: HeaderValue = HeaderValue::from_static("application/octet-stream");

pub struct Reply {
    pub status: StatusCode,
    pub content_type: Option<HeaderValue>,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub body: Bytes,
}

impl Reply {
    pub fn ok(content_type: HeaderValue, body: Bytes) -> Self {
        Reply {
            status: StatusCode::OK,
            content_type: Some(content_type),
            headers: Vec::new(),
            body,
        }
    }

    /// A status with an empty body and no `Content-Type`.
    pub fn empty(status: StatusCode) -> Self {
        Reply {
            status,
            content_type: None,
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }

    /// The contract's error body for `e`, from `api-model`.
    pub fn error(e: ApiError) -> Self {
        Reply {
            status: StatusCode::from_u16(e.status()).expect("contract statuses are valid"),
            content_type: Some(JSON),
            headers: Vec::new(),
            body: e.body().into(),
        }
    }

    /// An error status a handler chose; contract statuses get the contract
    /// body, others `{"error":"http_NNN"}`.
    pub fn status_error(status: StatusCode) -> Self {
        match ApiError::from_status(status.as_u16()) {
            Some(e) => Self::error(e),
            None => Reply {
                status,
                content_type: Some(JSON),
                headers: Vec::new(),
                body: serde_json::to_vec(
                    &serde_json::json!({ "error": format!("http_{}", status.as_u16()) }),
                )
                .expect("a small object serializes")
                .into(),
            },
        }
    }

    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }
}
