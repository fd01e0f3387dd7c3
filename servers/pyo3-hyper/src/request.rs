//! The Python-facing `Request`: Rust data until the handler reads a field.

use std::net::SocketAddr;

use bytes::Bytes;
use hyper::header::HeaderName;
use hyper::{HeaderMap, Method, Uri};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyList};

use crate::errors::http_error;
use crate::router::{ParamValue, Params};

/// A request as the handler sees it. Fields stay Rust data until the handler
/// reads them: a handler that only needs `path_params` builds no header dict.
#[pyclass(frozen, module = "pyo3_hyper")]
pub struct Request {
    pub method: Method,
    pub uri: Uri,
    pub params: Params,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub client: Option<SocketAddr>,
}

fn parse_qsl<'py>(py: Python<'py>, query: &str) -> PyResult<Bound<'py, PyAny>> {
    static PARSE_QSL: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    PARSE_QSL
        .import(py, "urllib.parse", "parse_qsl")?
        .call1((query, true))
}

#[pymethods]
impl Request {
    #[getter]
    fn method(&self) -> &str {
        self.method.as_str()
    }

    #[getter]
    fn path(&self) -> &str {
        self.uri.path()
    }

    /// The raw query string, without `?`.
    #[getter]
    fn query_string(&self) -> &str {
        self.raw_query()
    }

    /// The query as a dict (the last value wins for a repeated key; see `query_all`).
    #[getter]
    fn query<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        if self.raw_query().is_empty() {
            return Ok(dict);
        }
        for pair in parse_qsl(py, self.raw_query())?.try_iter()? {
            let (k, v): (Bound<PyAny>, Bound<PyAny>) = pair?.extract()?;
            dict.set_item(k, v)?;
        }
        Ok(dict)
    }

    /// Every value of a query key, in order (`[]` when absent).
    fn query_all<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        if self.raw_query().is_empty() {
            return Ok(list);
        }
        for pair in parse_qsl(py, self.raw_query())?.try_iter()? {
            let (k, v): (String, Bound<PyAny>) = pair?.extract()?;
            if k == name {
                list.append(v)?;
            }
        }
        Ok(list)
    }

    /// `{name}` and `{name:path}` values are str (percent-decoded), `{name:int}` values int.
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

    /// `(host, port)` of the peer, or None (the test client's connections).
    #[getter]
    fn client(&self) -> Option<(String, u16)> {
        self.client.map(|a| (a.ip().to_string(), a.port()))
    }

    /// The body parsed as JSON (`src/json.rs`: what `json.loads` builds,
    /// from UTF-8 RFC 8259 JSON); a body that is not JSON raises
    /// `HTTPError(400, reason)`, the client's error.
    fn json<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        crate::json::loads(py, &self.body)
            .map_err(|e| http_error(py, 400, &format!("the body is not valid JSON: {e}")))
    }

    fn __repr__(&self) -> String {
        format!("<Request {} {}>", self.method, self.uri.path())
    }
}

impl Request {
    fn raw_query(&self) -> &str {
        self.uri.query().unwrap_or_default()
    }

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
