//! The `http` and `websocket` scopes of the ASGI HTTP spec (asgiref
//! specs/www.rst), built from the request head on the interpreter thread.

use std::borrow::Cow;
use std::net::SocketAddr;

use hyper::http::request::Parts;
use hyper::{Method, Version};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};

use super::PyCtx;

pub enum Kind {
    Http,
    WebSocket,
}

pub fn build<'py>(
    py: Python<'py>,
    ctx: &PyCtx,
    kind: Kind,
    head: &Parts,
    peer: Option<SocketAddr>,
    local: Option<SocketAddr>,
) -> PyResult<Bound<'py, PyDict>> {
    let scope = PyDict::new(py);
    let raw_path = head.uri.path();
    let query = head.uri.query().unwrap_or_default();
    match kind {
        Kind::Http => {
            scope.set_item(intern!(py, "type"), intern!(py, "http"))?;
            scope.set_item(intern!(py, "scheme"), intern!(py, "http"))?;
            scope.set_item(intern!(py, "method"), method(py, &head.method))?;
        }
        Kind::WebSocket => {
            scope.set_item(intern!(py, "type"), intern!(py, "websocket"))?;
            scope.set_item(intern!(py, "scheme"), intern!(py, "ws"))?;
            scope.set_item(intern!(py, "subprotocols"), subprotocols(py, head)?)?;
        }
    }
    scope.set_item(intern!(py, "asgi"), ctx.asgi.bind(py))?;
    scope.set_item(intern!(py, "http_version"), version(py, head.version))?;
    // `path` and `raw_path` include the root path, as uvicorn's do: the app
    // (Starlette's router) strips `root_path` itself.
    let path = decode_path(raw_path);
    if ctx.root_path_raw.is_empty() {
        scope.set_item(intern!(py, "root_path"), intern!(py, ""))?;
        scope.set_item(intern!(py, "path"), PyString::new(py, &path))?;
        scope.set_item(
            intern!(py, "raw_path"),
            PyBytes::new(py, raw_path.as_bytes()),
        )?;
    } else {
        let root = ctx.root_path.bind(py);
        scope.set_item(intern!(py, "root_path"), root)?;
        let full = format!("{}{}", root.to_str()?, path);
        scope.set_item(intern!(py, "path"), PyString::new(py, &full))?;
        let mut raw = ctx.root_path_raw.clone();
        raw.extend_from_slice(raw_path.as_bytes());
        scope.set_item(intern!(py, "raw_path"), PyBytes::new(py, &raw))?;
    }
    scope.set_item(
        intern!(py, "query_string"),
        PyBytes::new(py, query.as_bytes()),
    )?;
    scope.set_item(intern!(py, "headers"), headers(py, head)?)?;
    match peer {
        Some(peer) => scope.set_item(intern!(py, "client"), address(py, peer)?)?,
        None => scope.set_item(intern!(py, "client"), py.None())?,
    }
    match local {
        Some(local) => scope.set_item(intern!(py, "server"), server(py, ctx, local)?)?,
        None => scope.set_item(intern!(py, "server"), py.None())?,
    }
    if let Some(state) = &ctx.state {
        scope.set_item(intern!(py, "state"), state.bind(py).copy()?)?;
    }
    Ok(scope)
}

/// Name and value bytes exactly as received, repeats kept, in hyper's
/// order: every value of one name together, in arrival order (the spec
/// asks for the order of values, not of names). Names are lowercase
/// (hyper's parser).
fn headers<'py>(py: Python<'py>, head: &Parts) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for (name, value) in &head.headers {
        let pair = PyTuple::new(
            py,
            [
                PyBytes::new(py, name.as_str().as_bytes()),
                PyBytes::new(py, value.as_bytes()),
            ],
        )?;
        list.append(pair)?;
    }
    Ok(list)
}

fn method<'py>(py: Python<'py>, method: &Method) -> Bound<'py, PyString> {
    match *method {
        Method::GET => intern!(py, "GET").clone(),
        Method::POST => intern!(py, "POST").clone(),
        Method::HEAD => intern!(py, "HEAD").clone(),
        Method::PUT => intern!(py, "PUT").clone(),
        Method::DELETE => intern!(py, "DELETE").clone(),
        Method::PATCH => intern!(py, "PATCH").clone(),
        Method::OPTIONS => intern!(py, "OPTIONS").clone(),
        ref other => PyString::new(py, other.as_str()),
    }
}

fn version(py: Python<'_>, version: Version) -> &Bound<'_, PyString> {
    match version {
        Version::HTTP_10 => intern!(py, "1.0"),
        Version::HTTP_2 => intern!(py, "2"),
        _ => intern!(py, "1.1"),
    }
}

fn address(py: Python<'_>, addr: SocketAddr) -> PyResult<Bound<'_, PyAny>> {
    Ok((addr.ip().to_string(), addr.port())
        .into_pyobject(py)?
        .into_any())
}

fn server<'py>(py: Python<'py>, ctx: &PyCtx, local: SocketAddr) -> PyResult<Bound<'py, PyAny>> {
    let mut cached = ctx.server.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((addr, tuple)) = &*cached {
        if *addr == local {
            return Ok(tuple.bind(py).clone());
        }
    }
    let tuple = address(py, local)?;
    *cached = Some((local, tuple.clone().unbind()));
    Ok(tuple)
}

/// `Sec-WebSocket-Protocol` values, comma lists split, in order.
fn subprotocols<'py>(py: Python<'py>, head: &Parts) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for value in head.headers.get_all("sec-websocket-protocol") {
        let text = String::from_utf8_lossy(value.as_bytes());
        for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            list.append(item)?;
        }
    }
    Ok(list)
}

/// The path with `%XX` sequences decoded and the bytes read as UTF-8
/// (invalid sequences become U+FFFD, as `urllib.parse.unquote` does).
pub fn decode_path(raw: &str) -> Cow<'_, str> {
    if !raw.contains('%') {
        return Cow::Borrowed(raw);
    }
    Cow::Owned(String::from_utf8_lossy(&decode_path_bytes(raw)).into_owned())
}

/// The path's bytes with `%XX` sequences decoded (WSGI's PATH_INFO); a `%`
/// not followed by two hex digits stays as it is.
pub fn decode_path_bytes(raw: &str) -> Vec<u8> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push(hi << 4 | lo);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::{decode_path, decode_path_bytes};

    #[test]
    fn percent_and_utf8_decoded() {
        assert_eq!(decode_path("/plain"), "/plain");
        assert_eq!(decode_path("/a%20b"), "/a b");
        assert_eq!(decode_path("/caf%C3%A9"), "/café");
        assert_eq!(decode_path("/%2F"), "//");
        // Not an escape: kept as is.
        assert_eq!(decode_path("/100%"), "/100%");
        assert_eq!(decode_path("/%zz%4"), "/%zz%4");
        // Invalid UTF-8 after decoding.
        assert_eq!(decode_path("/%FF"), "/\u{FFFD}");
        assert_eq!(decode_path_bytes("/%FF%41"), b"/\xffA");
        assert_eq!(decode_path_bytes("/end%4"), b"/end%4");
    }
}
