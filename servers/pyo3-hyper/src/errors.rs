//! Exceptions a handler raises, as answers: `HTTPError` (status, detail,
//! headers) in the documented shape, anything else a logged 500.

use api_model::ApiError;
use hyper::StatusCode;
use pyo3::exceptions::asyncio::CancelledError;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

use crate::reply::Reply;
use crate::response::{dumps, header_list};

static HTTP_ERROR: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// `pyo3_hyper._errors.HTTPError`, the class the core re-exports.
pub fn http_error_class(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    HTTP_ERROR.import(py, "pyo3_hyper._errors", "HTTPError")
}

/// `HTTPError(status, detail)` as a `PyErr`.
pub fn http_error(py: Python<'_>, status: u16, detail: &str) -> PyErr {
    match http_error_class(py).and_then(|class| class.call1((status, detail))) {
        Ok(err) => PyErr::from_value(err),
        Err(e) => e,
    }
}

/// The answer to an exception a handler raised. `report(method, path, exc)`
/// logs the ones that are the server's fault.
pub fn fail(py: Python<'_>, report: &Py<PyAny>, method: &str, path: &str, err: PyErr) -> Reply {
    let is_http_error =
        http_error_class(py).is_ok_and(|class| err.value(py).is_instance(class).unwrap_or(false));
    if is_http_error {
        match http_error_reply(err.value(py)) {
            Ok(reply) => return reply,
            Err(bad) => return log(py, report, method, path, bad),
        }
    }
    // The client left, or the server is stopping: nothing to log.
    if err.is_instance_of::<CancelledError>(py) {
        return Reply::error(ApiError::ServiceUnavailable);
    }
    log(py, report, method, path, err)
}

fn log(py: Python<'_>, report: &Py<PyAny>, method: &str, path: &str, err: PyErr) -> Reply {
    // into_value keeps the traceback on the exception for `logging`.
    if let Err(log_err) = report.call1(py, (method, path, err.into_value(py))) {
        log_err.print(py);
    }
    Reply::error(ApiError::Internal)
}

fn http_error_reply(err: &Bound<'_, pyo3::exceptions::PyBaseException>) -> PyResult<Reply> {
    let status: u16 = err.getattr("status")?.extract()?;
    let status = StatusCode::from_u16(status)
        .map_err(|_| PyTypeError::new_err(format!("HTTPError: bad status {status}")))?;
    let detail = err.getattr("detail")?;
    let detail = if detail.is_none() {
        None
    } else {
        let text = dumps(&detail)?;
        Some(String::from_utf8(text.to_vec()).expect("json.dumps writes UTF-8"))
    };
    let mut reply = Reply::status_error(status, detail.as_deref());
    let headers = err.getattr("headers")?;
    if !headers.is_none() {
        reply.headers = header_list(&headers)?;
    }
    Ok(reply)
}
