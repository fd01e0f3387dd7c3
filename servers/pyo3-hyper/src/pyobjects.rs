//! The Python-facing `Request` and `Response`, and turning whatever a
//! handler returned into a [`Reply`].

use std::sync::Arc;

use bytes::Bytes;
use hyper::header::{HeaderName, HeaderValue};
use hyper::{HeaderMap, Method, StatusCode};
use pyo3::exceptions::{PyException, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyList, PyString};

use crate::reply::{Reply, JSON, OCTETS, TEXT};
use crate::router::ParamValue;

/// A request as the handler sees it. Fields stay Rust data until the handler
/// reads them: a handler that only needs `path_params` builds no header dict.
#[pyclass(frozen, module = "pyo3_hyper")]
pub struct Request {
    pub method: Method,
    pub path: String,
    pub query: String,
    pub params: Vec<(Arc<str>, ParamValue)>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

#[pymethods]
impl Request {
    #[getter]
    fn method(&self) -> &str {
        self.method.as_str()
    }

    #[getter]
    fn path(&self) -> &str {
        &self.path
    }

    /// The raw query string, without `?`.
    #[getter]
    fn query_string(&self) -> &str {
        &self.query
    }

    /// The query as a dict (the last value wins for a repeated key).
    #[getter]
    fn query<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        static PARSE_QSL: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
        let pairs = PARSE_QSL
            .import(py, "urllib.parse", "parse_qsl")?
            .call1((&self.query, true))?;
        let dict = PyDict::new(py);
        for pair in pairs.try_iter()? {
            let (k, v): (Bound<PyAny>, Bound<PyAny>) = pair?.extract()?;
            dict.set_item(k, v)?;
        }
        Ok(dict)
    }

    #[getter]
    fn path_params<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for (name, value) in &self.params {
            match value {
                ParamValue::Str(s) => dict.set_item(&**name, s)?,
                ParamValue::Int(i) => dict.set_item(&**name, i)?,
            }
        }
        Ok(dict)
    }

    /// Lower-case header names; repeated headers joined with ", ".
    #[getter]
    fn headers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for name in self.headers.keys() {
            dict.set_item(name.as_str(), self.joined(name))?;
        }
        Ok(dict)
    }

    /// One header by case-insensitive name, or `default`.
    #[pyo3(signature = (name, default=None))]
    fn header(&self, name: &str, default: Option<String>) -> Option<String> {
        match HeaderName::from_bytes(name.as_bytes()) {
            Ok(n) if self.headers.contains_key(&n) => Some(self.joined(&n)),
            _ => default,
        }
    }

    #[getter]
    fn body<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.body)
    }

    /// The body parsed with the standard `json` module.
    fn json<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        static LOADS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
        LOADS
            .import(py, "json", "loads")?
            .call1((PyBytes::new(py, &self.body),))
    }

    fn __repr__(&self) -> String {
        format!("<Request {} {}>", self.method, self.path)
    }
}

impl Request {
    fn joined(&self, name: &HeaderName) -> String {
        let values: Vec<String> = self
            .headers
            .get_all(name)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect();
        values.join(", ")
    }
}

/// A full response. `body` may be bytes, str (text/plain), or a dict/list
/// (JSON); use `Response.json(value)` for any JSON value, scalars included.
#[pyclass(frozen, module = "pyo3_hyper")]
pub struct Response {
    status: StatusCode,
    content_type: Option<HeaderValue>,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Bytes,
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
        let (default_type, body) = match body {
            None => (None, Bytes::new()),
            Some(b) => {
                let (t, bytes) = body_of(b)?;
                (Some(t), bytes)
            }
        };
        Self::build(status, body, content_type, default_type, headers)
    }

    /// Any JSON value (also a str, number, bool or None) as `application/json`.
    #[staticmethod]
    #[pyo3(signature = (value, status=200, headers=None))]
    fn json(
        value: &Bound<'_, PyAny>,
        status: u16,
        headers: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        Self::build(status, dumps(value)?, None, Some(JSON), headers)
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

    #[getter]
    fn body<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.body)
    }

    fn __repr__(&self) -> String {
        format!(
            "<Response {} {} bytes>",
            self.status.as_u16(),
            self.body.len()
        )
    }
}

impl Response {
    fn build(
        status: u16,
        body: Bytes,
        content_type: Option<&str>,
        default_type: Option<HeaderValue>,
        headers: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let status = StatusCode::from_u16(status)
            .map_err(|_| PyValueError::new_err(format!("bad status {status}")))?;
        let content_type = match content_type {
            Some(t) => {
                Some(HeaderValue::from_str(t).map_err(|e| PyValueError::new_err(e.to_string()))?)
            }
            None => default_type,
        };
        let mut list = Vec::new();
        if let Some(h) = headers {
            let items = match h.cast::<PyDict>() {
                Ok(d) => d.items().into_any(),
                Err(_) => h.clone(),
            };
            for item in items.try_iter()? {
                let (name, value): (String, String) = item?.extract()?;
                let name = HeaderName::from_bytes(name.as_bytes())
                    .map_err(|e| PyValueError::new_err(e.to_string()))?;
                let value = HeaderValue::from_str(&value)
                    .map_err(|e| PyValueError::new_err(e.to_string()))?;
                list.push((name, value));
            }
        }
        Ok(Response {
            status,
            content_type,
            headers: list,
            body,
        })
    }

    fn to_reply(&self) -> Reply {
        Reply {
            status: self.status,
            content_type: self.content_type.clone(),
            headers: self.headers.clone(),
            body: self.body.clone(),
        }
    }
}

/// bytes → octet-stream, str → text/plain, dict/list → JSON.
fn body_of(value: &Bound<'_, PyAny>) -> PyResult<(HeaderValue, Bytes)> {
    if let Ok(b) = value.cast::<PyBytes>() {
        Ok((OCTETS, Bytes::copy_from_slice(b.as_bytes())))
    } else if let Ok(s) = value.cast::<PyString>() {
        Ok((TEXT, Bytes::copy_from_slice(s.to_str()?.as_bytes())))
    } else if value.is_instance_of::<PyDict>() || value.is_instance_of::<PyList>() {
        Ok((JSON, dumps(value)?))
    } else {
        Err(PyTypeError::new_err(format!(
            "a handler must return Response, str, bytes, dict, list or None, not {}",
            value.get_type().name()?
        )))
    }
}

/// Compact JSON with the standard `json` module (its C encoder); NaN and
/// infinities are refused because they are not JSON.
fn dumps(value: &Bound<'_, PyAny>) -> PyResult<Bytes> {
    static DUMPS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let py = value.py();
    let dumps = DUMPS.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        let kwargs = PyDict::new(py);
        kwargs.set_item("separators", (",", ":"))?;
        kwargs.set_item("ensure_ascii", false)?;
        kwargs.set_item("allow_nan", false)?;
        let partial = py.import("functools")?.getattr("partial")?;
        Ok(partial
            .call((py.import("json")?.getattr("dumps")?,), Some(&kwargs))?
            .unbind())
    })?;
    let text = dumps.bind(py).call1((value,))?;
    Ok(Bytes::copy_from_slice(
        text.cast::<PyString>()?.to_str()?.as_bytes(),
    ))
}

/// Whatever a handler returned, as a reply.
pub fn reply_of(value: &Bound<'_, PyAny>) -> PyResult<Reply> {
    if let Ok(r) = value.cast::<Response>() {
        return Ok(r.get().to_reply());
    }
    if value.is_none() {
        return Ok(Reply {
            status: StatusCode::NO_CONTENT,
            content_type: None,
            headers: Vec::new(),
            body: Bytes::new(),
        });
    }
    let (content_type, body) = body_of(value)?;
    Ok(Reply::ok(content_type, body))
}

pyo3::create_exception!(
    pyo3_hyper,
    HTTPError,
    PyException,
    "Raise in a handler to answer `status` with the body `{\"error\": CODE}` (the API's codes: \
     400 bad_request, 404 not_found, ...): `HTTPError(status, detail=None)`."
);

// `status` and `detail` are read from the exception's args, so subclasses that call
// `super().__init__(status, detail)` behave as they would with a Python-defined class. The
// class is made here (beside the code that answers it) rather than in the Python package,
// and the limited API this wheel is built for cannot give an exception pyclass fields.
#[pyfunction]
fn http_error_status_of(err: &Bound<'_, PyAny>) -> PyResult<u16> {
    err.getattr("args")?.get_item(0)?.extract()
}

#[pyfunction]
fn http_error_detail_of(err: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
    let args = err.getattr("args")?;
    if args.len()? < 2 {
        return Ok(None);
    }
    args.get_item(1)?.extract()
}

/// Adds `HTTPError`, with its `status` and `detail` properties, to the module.
pub fn add_http_error(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let class = py.get_type::<HTTPError>();
    let property = py.import("builtins")?.getattr("property")?;
    for (name, getter) in [
        ("status", wrap_pyfunction!(http_error_status_of, m)?),
        ("detail", wrap_pyfunction!(http_error_detail_of, m)?),
    ] {
        class.setattr(name, property.call1((getter,))?)?;
    }
    m.add("HTTPError", class)
}

/// The status of an `HTTPError`, if `err` is one.
pub fn http_error_status(py: Python<'_>, err: &PyErr) -> Option<StatusCode> {
    if !err.is_instance_of::<HTTPError>(py) {
        return None;
    }
    let status: u16 = err.value(py).getattr("status").ok()?.extract().ok()?;
    StatusCode::from_u16(status).ok()
}
