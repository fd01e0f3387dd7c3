//! What a route does: answer natively in Rust, or hand the request to Python.

use std::sync::Arc;

use bytes::Bytes;
use hyper::header::HeaderValue;
use pyo3::prelude::*;

use crate::handoff::Kind;

pub enum Handler {
    /// A constant body; the response around it is still built per request.
    Static {
        body: Bytes,
        content_type: HeaderValue,
    },
    /// A constant JSON value, serialized on every request.
    NativeJson {
        value: serde_json::Value,
    },
    Python(Arc<PyRoute>),
    /// One of the arena's database routes, answered in Rust (database.rs).
    Database(api_model::db::Endpoint),
}

pub struct PyRoute {
    pub func: Py<PyAny>,
    /// `Async` for `async def` (and generator functions, whose call runs no
    /// code): called on the submitting thread, awaited on the loop;
    /// `Blocking` for a plain `def`: called on the blocking pool.
    pub kind: Kind,
    pub body: BodyRule,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyRule {
    Any,
    /// `Content-Type` must be JSON (else 415) and the body one valid JSON
    /// document (else 400), both checked in Rust before Python runs.
    Json,
}
