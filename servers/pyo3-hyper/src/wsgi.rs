//! WSGI (PEP 3333) on hyper: `pyo3_hyper.wsgi` drives it.
//!
//! The tokio side is the ASGI one (`crate::asgi::service`): a request
//! becomes a job with its body streamed through an exchange. Here the jobs
//! go to a fixed pool of Python threads (a blocking app holds one thread,
//! never a tokio worker); a thread blocks, with the GIL released, for its
//! next job, for body bytes (`wsgi.input`) and while the client reads the
//! response slower than the app writes it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use hyper::header::{HeaderName, HeaderValue, CONTENT_LENGTH, SERVER, TRANSFER_ENCODING};
use hyper::{Response, StatusCode};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString};

use crate::asgi::cycle::{internal_error, ClientDisconnected};
use crate::asgi::exchange::{AsgiBody, Exchange, Streamed, Waiting, HIGH_WATER, READ_AHEAD};
use crate::asgi::queue::Queue;
use crate::asgi::reply::ReplyTo;
use crate::asgi::service::Job;
use crate::asgi::{start_workers, Config, Event};
use crate::server;

/// A running WSGI server; `pyo3_hyper.wsgi` runs its thread pool.
#[pyclass(frozen, module = "pyo3_hyper._core")]
pub struct WsgiServer {
    running: Mutex<Option<server::Running>>,
    port: u16,
    jobs: Arc<Queue<Event>>,
    config: Arc<Config>,
    root_path: String,
    multiprocess: bool,
}

#[pymethods]
impl WsgiServer {
    #[new]
    #[allow(clippy::too_many_arguments)] // Python's keyword arguments
    #[pyo3(signature = (host, port, workers, shutdown_timeout, server_header, root_path, multiprocess, fd=None))]
    fn new(
        py: Python<'_>,
        host: &str,
        port: u16,
        workers: usize,
        shutdown_timeout: f64,
        server_header: Option<&str>,
        root_path: String,
        multiprocess: bool,
        fd: Option<i32>,
    ) -> PyResult<Self> {
        let started = start_workers(
            py,
            host,
            port,
            workers,
            shutdown_timeout,
            server_header,
            fd,
            Waiting::Threads,
        )?;
        Ok(WsgiServer {
            port: started.port,
            running: Mutex::new(Some(started.running)),
            jobs: started.events,
            config: started.config,
            root_path,
            multiprocess,
        })
    }

    #[getter]
    fn port(&self) -> u16 {
        self.port
    }

    /// The next request for a pool thread, or None after `timeout` seconds
    /// or once the server is stopped (`closed`).
    #[pyo3(signature = (timeout=0.1))]
    fn next_request(&self, py: Python<'_>, timeout: f64) -> PyResult<Option<WsgiRequest>> {
        let wait = Duration::from_secs_f64(timeout.max(0.0));
        let event = py.detach(|| self.jobs.next_blocking(wait));
        let Some(Event::Request(job)) = event else {
            return Ok(None);
        };
        let Job {
            head,
            peer,
            local,
            body,
            more_body,
            exchange,
            reply,
            websocket: _,
        } = *job;
        Ok(Some(WsgiRequest {
            head,
            peer,
            local,
            pending: BytesMut::from(&body[..]),
            body_done: !more_body,
            exchange,
            reply: Some(reply),
            config: self.config.clone(),
            root_path: self.root_path.clone(),
            multiprocess: self.multiprocess,
            start: None,
            state: Sent::Nothing,
        }))
    }

    #[getter]
    fn closed(&self) -> bool {
        self.jobs.is_closed()
    }

    /// Stops accepting, waits for in-flight requests (up to the shutdown
    /// timeout) with the GIL released, then refuses new jobs.
    fn stop(&self, py: Python<'_>) -> PyResult<()> {
        let running = self
            .running
            .lock()
            .map_err(|_| PyRuntimeError::new_err("poisoned"))?
            .take();
        if let Some(mut running) = running {
            py.detach(|| running.stop());
        }
        self.jobs.close();
        Ok(())
    }
}

enum Sent {
    Nothing,
    /// Head and a streamed body handed to hyper.
    Streaming,
    Done,
}

/// One request on a pool thread: its environ, its body, its response.
#[pyclass(module = "pyo3_hyper._core")]
pub struct WsgiRequest {
    head: hyper::http::request::Parts,
    peer: Option<std::net::SocketAddr>,
    local: Option<std::net::SocketAddr>,
    /// Body bytes read from the exchange and not yet given to the app.
    pending: BytesMut,
    /// The exchange has no more body bytes (or the job came whole).
    body_done: bool,
    exchange: Arc<Exchange>,
    reply: Option<ReplyTo>,
    config: Arc<Config>,
    root_path: String,
    multiprocess: bool,
    /// `start_response`'s status and headers, until sent.
    start: Option<Response<()>>,
    state: Sent,
}

#[pymethods]
impl WsgiRequest {
    /// The environ of PEP 3333, less `wsgi.input` and `wsgi.errors`. Strings
    /// are "bytes as latin-1" (PEP 3333's native strings).
    fn environ<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let env = PyDict::new(py);
        let head = &self.head;
        env.set_item(intern!(py, "REQUEST_METHOD"), head.method.as_str())?;
        let path = crate::asgi::scope::decode_path_bytes(head.uri.path());
        let path = match path.strip_prefix(self.root_path.as_bytes()) {
            Some(rest) if !self.root_path.is_empty() => rest.to_vec(),
            _ => path,
        };
        env.set_item(intern!(py, "SCRIPT_NAME"), &self.root_path)?;
        env.set_item(intern!(py, "PATH_INFO"), latin1(py, &path))?;
        let query = head.uri.query().unwrap_or_default();
        env.set_item(intern!(py, "QUERY_STRING"), latin1(py, query.as_bytes()))?;
        // An in-process connection (no socket) reads as the test servers'
        // usual names.
        let (server_name, server_port) = self
            .local
            .map_or(("testserver".to_owned(), "80".to_owned()), |a| {
                (a.ip().to_string(), a.port().to_string())
            });
        env.set_item(intern!(py, "SERVER_NAME"), server_name)?;
        env.set_item(intern!(py, "SERVER_PORT"), server_port)?;
        if let Some(peer) = self.peer {
            env.set_item(intern!(py, "REMOTE_ADDR"), peer.ip().to_string())?;
            env.set_item(intern!(py, "REMOTE_PORT"), peer.port().to_string())?;
        }
        let protocol = match head.version {
            hyper::Version::HTTP_10 => "HTTP/1.0",
            _ => "HTTP/1.1",
        };
        env.set_item(intern!(py, "SERVER_PROTOCOL"), protocol)?;
        for name in head.headers.keys() {
            let mut joined = Vec::new();
            let separator: &[u8] = if name == hyper::header::COOKIE {
                b"; "
            } else {
                b","
            };
            for (i, value) in head.headers.get_all(name).iter().enumerate() {
                if i > 0 {
                    joined.extend_from_slice(separator);
                }
                joined.extend_from_slice(value.as_bytes());
            }
            let key = match name.as_str() {
                "content-type" => "CONTENT_TYPE".to_owned(),
                "content-length" => "CONTENT_LENGTH".to_owned(),
                other => format!("HTTP_{}", other.to_ascii_uppercase().replace('-', "_")),
            };
            env.set_item(key, latin1(py, &joined))?;
        }
        env.set_item(intern!(py, "wsgi.version"), (1, 0))?;
        env.set_item(intern!(py, "wsgi.url_scheme"), intern!(py, "http"))?;
        env.set_item(intern!(py, "wsgi.multithread"), true)?;
        env.set_item(intern!(py, "wsgi.multiprocess"), self.multiprocess)?;
        env.set_item(intern!(py, "wsgi.run_once"), false)?;
        // The server de-chunks and ends the stream: reading to EOF is safe
        // without a Content-Length (the mod_wsgi extension werkzeug reads).
        env.set_item(intern!(py, "wsgi.input_terminated"), true)?;
        Ok(env)
    }

    /// `wsgi.input.read(size)`: at most `size` bytes (all with -1); b"" at
    /// the end. Blocks, GIL released, until bytes come.
    #[pyo3(signature = (size=-1))]
    fn read<'py>(&mut self, py: Python<'py>, size: isize) -> Bound<'py, PyBytes> {
        let want = usize::try_from(size).unwrap_or(usize::MAX);
        while self.pending.len() < want && self.fill(py) {}
        let n = want.min(self.pending.len());
        PyBytes::new(py, &self.pending.split_to(n))
    }

    /// `wsgi.input.readline(size)`: up to and including b"\n".
    #[pyo3(signature = (size=-1))]
    fn readline<'py>(&mut self, py: Python<'py>, size: isize) -> Bound<'py, PyBytes> {
        let limit = usize::try_from(size).unwrap_or(usize::MAX);
        let mut searched = 0;
        loop {
            if let Some(i) = self.pending[searched..].iter().position(|&b| b == b'\n') {
                let n = (searched + i + 1).min(limit);
                return PyBytes::new(py, &self.pending.split_to(n));
            }
            searched = self.pending.len();
            if searched >= limit || !self.fill(py) {
                let n = limit.min(self.pending.len());
                return PyBytes::new(py, &self.pending.split_to(n));
            }
        }
    }

    /// `start_response`: the status (its code) and headers, kept until the
    /// first body bytes (PEP 3333: the app may call it again with
    /// `exc_info` until then).
    fn start(&mut self, py: Python<'_>, status: u16, headers: &Bound<'_, PyAny>) -> PyResult<()> {
        if !matches!(self.state, Sent::Nothing) {
            return Err(PyRuntimeError::new_err("the response head is already sent"));
        }
        let mut res = Response::new(());
        *res.status_mut() = StatusCode::from_u16(status)
            .map_err(|_| PyValueError::new_err(format!("invalid HTTP status {status}")))?;
        let map = res.headers_mut();
        for pair in headers.try_iter()? {
            let pair = pair?;
            let name = pair.get_item(0)?;
            let value = pair.get_item(1)?;
            let name = name.cast::<PyString>()?.to_str()?;
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|e| PyValueError::new_err(format!("invalid header name {name:?}: {e}")))?;
            if name == TRANSFER_ENCODING {
                continue;
            }
            let value = value.cast::<PyString>()?;
            let value = HeaderValue::from_bytes(&latin1_bytes(py, value)?)
                .map_err(|e| PyValueError::new_err(format!("invalid header value: {e}")))?;
            map.append(name, value);
        }
        if let Some(server) = &self.config.server_header {
            if !map.contains_key(SERVER) {
                map.insert(SERVER, server.clone());
            }
        }
        self.start = Some(res);
        Ok(())
    }

    #[getter]
    fn head_sent(&self) -> bool {
        !matches!(self.state, Sent::Nothing)
    }

    /// A body block: sends the head first. A block that fills the declared
    /// Content-Length is sent whole (no streaming); otherwise the body is
    /// streamed, chunked without a length. Blocks, GIL released, while more
    /// than the high-water mark waits for the client.
    fn write(&mut self, py: Python<'_>, data: &[u8]) -> PyResult<()> {
        match self.state {
            Sent::Done => {
                if data.is_empty() {
                    return Ok(());
                }
                return Err(PyRuntimeError::new_err(
                    "the app wrote more than its Content-Length",
                ));
            }
            Sent::Nothing => {
                let head = self
                    .start
                    .take()
                    .ok_or_else(|| PyRuntimeError::new_err("write() before start_response()"))?;
                let whole = declared_length(&head) == Some(data.len() as u64);
                let body = if whole {
                    self.state = Sent::Done;
                    AsgiBody::full(Bytes::copy_from_slice(data))
                } else {
                    self.state = Sent::Streaming;
                    self.push(data, false);
                    AsgiBody::Stream(Streamed(self.exchange.clone()))
                };
                self.send(head.map(|()| body))?;
                if whole {
                    self.complete();
                }
            }
            Sent::Streaming => self.push(data, false),
        }
        self.wait_drained(py)
    }

    /// The app's iterable is exhausted: the rest of the response, whole if
    /// nothing was sent yet.
    #[pyo3(signature = (tail=None))]
    fn finish(&mut self, tail: Option<&[u8]>) -> PyResult<()> {
        let tail = tail.unwrap_or_default();
        match self.state {
            Sent::Nothing => {
                let head = self.start.take().ok_or_else(|| {
                    PyRuntimeError::new_err("the app never called start_response()")
                })?;
                self.state = Sent::Done;
                self.send(head.map(|()| AsgiBody::full(Bytes::copy_from_slice(tail))))?;
            }
            Sent::Streaming => {
                self.state = Sent::Done;
                self.push(tail, true);
            }
            Sent::Done => {}
        }
        self.complete();
        Ok(())
    }

    /// The app failed: 500 if nothing was sent, else the connection is cut
    /// (a truncated body must not look whole).
    fn fail(&mut self) {
        match std::mem::replace(&mut self.state, Sent::Done) {
            Sent::Nothing => {
                if let Some(reply) = self.reply.take() {
                    let _ = reply.send(internal_error(&self.config));
                }
            }
            Sent::Streaming => {
                let mut inner = self.exchange.lock();
                inner.out_abort = true;
                if let Some(waker) = inner.out_waker.take() {
                    waker.wake();
                }
            }
            Sent::Done => {}
        }
        self.complete();
    }
}

impl WsgiRequest {
    /// Moves body bytes from the exchange into `pending`; false at the end.
    fn fill(&mut self, py: Python<'_>) -> bool {
        if self.body_done {
            return false;
        }
        let exchange = self.exchange.clone();
        let got = py.detach(|| {
            let mut inner = exchange.lock();
            loop {
                if let Some(chunk) = inner.body.pop_front() {
                    let before = inner.body_queued;
                    inner.body_queued -= chunk.len();
                    if before >= READ_AHEAD && inner.body_queued < READ_AHEAD {
                        if let Some(pump) = inner.pump.take() {
                            pump.wake();
                        }
                    }
                    return Some(chunk);
                }
                if inner.body_end || inner.disconnected || inner.complete {
                    return None;
                }
                inner.body_wanted = true;
                inner.recv_waiting = true;
                if let Some(pump) = inner.pump.take() {
                    pump.wake();
                }
                inner = exchange.wait(inner);
            }
        });
        match got {
            Some(chunk) => {
                self.pending.extend_from_slice(chunk.chunk());
                true
            }
            None => {
                self.body_done = true;
                false
            }
        }
    }

    fn send(&mut self, res: Response<AsgiBody>) -> PyResult<()> {
        let reply = self
            .reply
            .take()
            .ok_or_else(|| PyRuntimeError::new_err("the response is already sent"))?;
        if reply.send(res).is_err() {
            self.state = Sent::Done;
            self.exchange.disconnect();
            return Err(ClientDisconnected::new_err("the client has disconnected"));
        }
        Ok(())
    }

    fn push(&self, data: &[u8], end: bool) {
        let mut inner = self.exchange.lock();
        if !data.is_empty() {
            inner.out_queued += data.len();
            inner.out.push_back(Bytes::copy_from_slice(data));
        }
        inner.out_end |= end;
        if let Some(waker) = inner.out_waker.take() {
            waker.wake();
        }
    }

    fn wait_drained(&self, py: Python<'_>) -> PyResult<()> {
        let exchange = self.exchange.clone();
        let gone = py.detach(|| {
            let mut inner = exchange.lock();
            while inner.out_queued > HIGH_WATER && !inner.disconnected {
                inner.send_waiting = true;
                inner = exchange.wait(inner);
            }
            inner.disconnected
        });
        if gone {
            return Err(ClientDisconnected::new_err("the client has disconnected"));
        }
        Ok(())
    }

    fn complete(&self) {
        let mut inner = self.exchange.lock();
        inner.complete = true;
        if let Some(pump) = inner.pump.take() {
            pump.wake();
        }
    }
}

fn declared_length(head: &Response<()>) -> Option<u64> {
    head.headers()
        .get(CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Bytes as a str of the same code points (PEP 3333's "bytes as latin-1").
fn latin1<'py>(py: Python<'py>, bytes: &[u8]) -> Bound<'py, PyString> {
    if bytes.is_ascii() {
        // ASCII is the same in UTF-8: the common case, without a copy.
        return PyString::new(py, std::str::from_utf8(bytes).expect("ASCII is UTF-8"));
    }
    let text: String = bytes.iter().map(|&b| b as char).collect();
    PyString::new(py, &text)
}

/// A native string back to its bytes; a code point over U+00FF is an error
/// (PEP 3333: header values must be latin-1).
fn latin1_bytes(_py: Python<'_>, value: &Bound<'_, PyString>) -> PyResult<Vec<u8>> {
    value
        .to_str()?
        .chars()
        .map(|c| {
            u8::try_from(u32::from(c)).map_err(|_| {
                PyValueError::new_err(format!("header value has {c:?}, which is not latin-1"))
            })
        })
        .collect()
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<WsgiServer>()?;
    m.add_class::<WsgiRequest>()?;
    Ok(())
}
