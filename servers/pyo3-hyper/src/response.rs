//! The Python-facing `Response`, and turning whatever a handler returned
//! into a [`Reply`].

use std::sync::Arc;

use bytes::Bytes;
use hyper::header::{HeaderName, HeaderValue, CONTENT_LENGTH, CONTENT_TYPE, TRANSFER_ENCODING};
use hyper::StatusCode;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};

use crate::body::Report;
use crate::errors::fail;
use crate::handoff::Kind;
use crate::reply::{Generator, Reply, ReplyBody, JSON, OCTETS, TEXT};

/// A response. `body` may be bytes (application/octet-stream), str
/// (text/plain), a dict or list (JSON), or an iterator / async iterator of
/// bytes or str chunks (streamed, chunked); `Response.json(value)` takes any
/// JSON value. A `content-type` in `headers` replaces the default.
#[pyclass(frozen, module = "pyo3_hyper")]
pub struct Response {
    status: StatusCode,
    content_type: Option<HeaderValue>,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Bytes,
    stream: Option<(Py<PyAny>, Kind)>,
}

#[pymethods]
impl Response {
    #[new]
    #[pyo3(signature = (body=None, status=200, headers=None, content_type=None))]
    fn new(
        body: Option<&Bound<'_, PyAny>>,
        status: u16,
        headers: Option<&Bound<'_, PyAny>>,
        content_type: Option<&str>,
    ) -> PyResult<Self> {
        let body = match body {
            None => Body::Bytes(None, Bytes::new()),
            Some(b) => body_of(b)?,
        };
        Self::build(status, body, content_type, headers)
    }

    /// Any JSON value (also a str, number, bool or None) as `application/json`.
    #[staticmethod]
    #[pyo3(signature = (value, status=200, headers=None))]
    fn json(
        value: &Bound<'_, PyAny>,
        status: u16,
        headers: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        Self::build(
            status,
            Body::Bytes(Some(JSON), dumps(value)?),
            None,
            headers,
        )
    }

    #[getter]
    fn status(&self) -> u16 {
        self.status.as_u16()
    }

    #[getter]
    fn content_type(&self) -> Option<&str> {
        self.content_type.as_ref().and_then(|v| v.to_str().ok())
    }

    #[getter]
    fn headers(&self) -> Vec<(String, String)> {
        self.headers
            .iter()
            .map(|(n, v)| {
                (
                    n.to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect()
    }

    /// The body's bytes (empty for a streamed body).
    #[getter]
    fn body<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.body)
    }

    fn __repr__(&self) -> String {
        match self.stream {
            Some(_) => format!("<Response {} streamed>", self.status.as_u16()),
            None => format!(
                "<Response {} {} bytes>",
                self.status.as_u16(),
                self.body.len()
            ),
        }
    }
}

/// A body as a handler gave it, with its default content type.
enum Body {
    Bytes(Option<HeaderValue>, Bytes),
    Stream(Py<PyAny>, Kind),
}

impl Response {
    fn build(
        status: u16,
        body: Body,
        content_type: Option<&str>,
        headers: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let status = StatusCode::from_u16(status)
            .map_err(|_| PyValueError::new_err(format!("bad status {status}")))?;
        let (default_type, body, stream) = match body {
            Body::Bytes(t, b) => (t, b, None),
            Body::Stream(iterator, kind) => (Some(OCTETS), Bytes::new(), Some((iterator, kind))),
        };
        let mut content_type = match content_type {
            Some(t) => Some(HeaderValue::from_str(t).map_err(value_error)?),
            None => default_type,
        };
        let mut list = match headers {
            Some(h) => header_list(h)?,
            None => Vec::new(),
        };
        // A content-type among the headers is the content type.
        if let Some(i) = list.iter().rposition(|(n, _)| n == CONTENT_TYPE) {
            content_type = Some(list.remove(i).1);
            list.retain(|(n, _)| n != CONTENT_TYPE);
        }
        Ok(Response {
            status,
            content_type,
            headers: list,
            body,
            stream,
        })
    }

    fn to_reply(&self, py: Python<'_>, report: impl FnOnce() -> Report) -> Reply {
        Reply {
            status: self.status,
            content_type: self.content_type.clone(),
            headers: self.headers.clone(),
            body: match &self.stream {
                None => ReplyBody::Full(self.body.clone()),
                Some((iterator, kind)) => ReplyBody::Stream(Generator {
                    iterator: iterator.clone_ref(py),
                    kind: *kind,
                    report: report(),
                }),
            },
        }
    }
}

fn value_error(e: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(e.to_string())
}

/// Headers from a mapping or `(name, value)` pairs. The framing headers are
/// the server's: it sets them from the body.
pub fn header_list(headers: &Bound<'_, PyAny>) -> PyResult<Vec<(HeaderName, HeaderValue)>> {
    let items = match headers.cast::<PyDict>() {
        Ok(d) => d.items().into_any(),
        Err(_) => headers.clone(),
    };
    let mut list = Vec::new();
    for item in items.try_iter()? {
        let (name, value): (String, String) = item?.extract()?;
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(value_error)?;
        if name == CONTENT_LENGTH || name == TRANSFER_ENCODING {
            return Err(PyValueError::new_err(format!(
                "{name} is set by the server from the body"
            )));
        }
        list.push((name, HeaderValue::from_str(&value).map_err(value_error)?));
    }
    Ok(list)
}

/// bytes → octet-stream, str → text/plain, dict/list → JSON, an iterator →
/// a streamed body.
fn body_of(value: &Bound<'_, PyAny>) -> PyResult<Body> {
    let py = value.py();
    if let Ok(b) = value.cast::<PyBytes>() {
        Ok(Body::Bytes(
            Some(OCTETS),
            Bytes::copy_from_slice(b.as_bytes()),
        ))
    } else if let Ok(s) = value.cast::<PyString>() {
        Ok(Body::Bytes(
            Some(TEXT),
            Bytes::copy_from_slice(s.to_str()?.as_bytes()),
        ))
    } else if value.is_instance_of::<PyDict>() || value.is_instance_of::<PyList>() {
        Ok(Body::Bytes(Some(JSON), dumps(value)?))
    } else if value.hasattr(intern!(py, "__anext__"))? {
        Ok(Body::Stream(value.clone().unbind(), Kind::Async))
    } else if value.hasattr(intern!(py, "__next__"))? {
        Ok(Body::Stream(value.clone().unbind(), Kind::Blocking))
    } else {
        Err(PyTypeError::new_err(format!(
            "a handler must return Response, str, bytes, dict, list, an iterator or async \
             iterator of chunks, a (body, status[, headers]) tuple or None, not {}",
            value.get_type().name()?
        )))
    }
}

/// Compact JSON, as the standard `json` module writes it (`src/json.rs`);
/// NaN and infinities are refused because they are not JSON.
pub fn dumps(value: &Bound<'_, PyAny>) -> PyResult<Bytes> {
    crate::json::dumps(value).map(Bytes::from)
}

/// Where a handler's outcome is answered, for logging.
pub struct Origin<'a> {
    pub report: &'a Py<PyAny>,
    pub method: &'a str,
    pub path: &'a str,
}

impl Origin<'_> {
    fn stream_report(&self, py: Python<'_>) -> Report {
        let report = self.report.clone_ref(py);
        let (method, path) = (self.method.to_owned(), self.path.to_owned());
        Arc::new(move |py: Python<'_>, err: PyErr| {
            fail(py, &report, &method, &path, err);
        })
    }

    /// The answer to a handler's outcome: its value, or the exception it raised.
    pub fn answer(&self, py: Python<'_>, outcome: PyResult<Bound<'_, PyAny>>) -> Reply {
        match outcome.and_then(|value| self.reply_of(py, &value)) {
            Ok(reply) => reply,
            Err(err) => fail(py, self.report, self.method, self.path, err),
        }
    }

    /// Whatever a handler returned, as a reply.
    fn reply_of(&self, py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<Reply> {
        if let Ok(r) = value.cast::<Response>() {
            return Ok(r.get().to_reply(py, || self.stream_report(py)));
        }
        if value.is_none() {
            return Ok(Reply::empty(StatusCode::NO_CONTENT));
        }
        if let Ok(t) = value.cast::<PyTuple>() {
            return self.reply_of_tuple(py, t);
        }
        let body = body_of(value)?;
        Ok(self.reply(py, StatusCode::OK, body, Vec::new()))
    }

    /// `(body, status)` or `(body, status, headers)`.
    fn reply_of_tuple(&self, py: Python<'_>, t: &Bound<'_, PyTuple>) -> PyResult<Reply> {
        if !(2..=3).contains(&t.len()) {
            return Err(PyTypeError::new_err(
                "a tuple answer is (body, status) or (body, status, headers)",
            ));
        }
        let body = t.get_item(0)?;
        let body = if body.is_none() {
            Body::Bytes(None, Bytes::new())
        } else {
            body_of(&body)?
        };
        let status: u16 = t.get_item(1)?.extract()?;
        let headers = match t.len() {
            3 => Some(t.get_item(2)?),
            _ => None,
        };
        let response = Response::build(status, body, None, headers.as_ref())?;
        Ok(response.to_reply(py, || self.stream_report(py)))
    }

    fn reply(
        &self,
        py: Python<'_>,
        status: StatusCode,
        body: Body,
        headers: Vec<(HeaderName, HeaderValue)>,
    ) -> Reply {
        let (content_type, body) = match body {
            Body::Bytes(t, b) => (t, ReplyBody::Full(b)),
            Body::Stream(iterator, kind) => (
                Some(OCTETS),
                ReplyBody::Stream(Generator {
                    iterator,
                    kind,
                    report: self.stream_report(py),
                }),
            ),
        };
        Reply {
            status,
            content_type,
            headers,
            body,
        }
    }
}
