//! `receive` and `send` of one HTTP request, on the interpreter thread.
//!
//! Both return an awaitable that is done at once when nothing has to wait
//! (the common case: no asyncio future, no trip through the loop); only a
//! receive() with no body bytes yet, or a send() past the high-water mark,
//! parks an asyncio future that the tokio side's wake-up resolves.

use std::sync::Arc;

use bytes::Bytes;
use hyper::header::{HeaderName, HeaderValue, SERVER, TRANSFER_ENCODING};
use hyper::{Response, StatusCode};
use pyo3::exceptions::{PyOSError, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyString};

use super::exchange::{AsgiBody, Exchange, Streamed, HIGH_WATER, READ_AHEAD};
use super::reply::ReplyTo;
use super::scope::{self, Kind};
use super::service::Job;
use super::{Config, PyCtx};

pyo3::create_exception!(
    pyo3_hyper,
    ClientDisconnected,
    PyOSError,
    "send() on a connection the client has closed (ASGI HTTP spec 2.4)."
);

/// An awaitable that is already done: `await` returns `value` without
/// suspending.
#[pyclass(frozen, module = "pyo3_hyper._core")]
pub struct Ready {
    value: Option<Py<PyAny>>,
}

#[pymethods]
impl Ready {
    fn __await__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        if let Some(value) = &self.value {
            // `StopIteration(value)` without making the exception object:
            // CPython takes a raised non-tuple value as the await's result
            // as it is (`_PyGen_FetchStopIterationValue`); values here are
            // message dicts.
            debug_assert!(!value.bind(py).is_instance_of::<pyo3::types::PyTuple>());
            // SAFETY: called with the GIL held (a pymethod); the value is a
            // live object the error indicator takes its own reference to.
            unsafe { pyo3::ffi::PyErr_SetObject(pyo3::ffi::PyExc_StopIteration, value.as_ptr()) };
        }
        // NULL: exhausted, with the value above if any (None otherwise).
        None
    }

    fn send(&self, py: Python<'_>, value: &Bound<'_, PyAny>) -> Option<Py<PyAny>> {
        let _ = value;
        self.__next__(py)
    }
}

pub fn ready<'py>(
    py: Python<'py>,
    value: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    // Done with None: one shared, stateless object (every send() returns it).
    static DONE: PyOnceLock<Py<Ready>> = PyOnceLock::new();
    let Some(value) = value else {
        let done = DONE.get_or_try_init(py, || Py::new(py, Ready { value: None }))?;
        return Ok(done.bind(py).clone().into_any());
    };
    Ok(Bound::new(
        py,
        Ready {
            value: Some(value.unbind()),
        },
    )?
    .into_any())
}

enum State {
    /// Before `http.response.start`.
    Init,
    /// Started; nothing handed to hyper yet, so a failure can still be a 500.
    Started(Response<()>),
    /// Head and first bytes handed to hyper, more to come.
    Streaming,
    Done,
}

#[pyclass(module = "pyo3_hyper._core")]
pub struct HttpCycle {
    exchange: Arc<Exchange>,
    ctx: Arc<PyCtx>,
    config: Arc<Config>,
    /// The body bytes that came with the job, until the first receive().
    first: Option<(Bytes, bool)>,
    /// `more_body: False` was delivered: receive() now waits for the end.
    body_done: bool,
    reply: Option<ReplyTo>,
    state: State,
}

/// A new request: scope, cycle, and the app's task on the loop.
pub fn start(py: Python<'_>, ctx: &Arc<PyCtx>, config: &Arc<Config>, job: Job) -> PyResult<()> {
    let Job {
        head,
        peer,
        local,
        body,
        more_body,
        exchange,
        reply,
        websocket,
    } = job;
    if let Some(upgrade) = websocket {
        return super::ws::start(py, ctx, config, head, peer, local, exchange, reply, upgrade);
    }
    let scope = scope::build(py, ctx, Kind::Http, &head, peer, local)?;
    let cycle = HttpCycle {
        exchange,
        ctx: ctx.clone(),
        config: config.clone(),
        // Nothing yet but more to come: the first receive() waits for bytes
        // (and asks for them, which sends a `100 Continue` the client waits
        // for) instead of handing out an empty chunk.
        first: (!(body.is_empty() && more_body)).then_some((body, more_body)),
        body_done: false,
        reply: Some(reply),
        state: State::Init,
    };
    let coro = ctx
        .runner
        .bind(py)
        .call1((ctx.app.bind(py), scope, cycle))?;
    ctx.create_task.bind(py).call1((coro,))?;
    Ok(())
}

/// The tokio side posted a wake-up: resolve whatever the app waits on; the
/// awaiting code looks at the exchange again.
pub fn wake(py: Python<'_>, exchange: &Exchange) {
    let (recv, send) = {
        let mut waiters = exchange.waiters.lock().unwrap_or_else(|e| e.into_inner());
        (waiters.recv.take(), waiters.send.take())
    };
    for future in [recv, send].into_iter().flatten() {
        resolve(py, future.bind(py));
    }
}

/// A future the app stopped waiting for (its task was cancelled) is
/// already done: leave it.
pub fn resolve(py: Python<'_>, future: &Bound<'_, PyAny>) {
    let done = future
        .call_method0(intern!(py, "done"))
        .and_then(|d| d.is_truthy())
        .unwrap_or(true);
    if !done {
        let _ = future.call_method1(intern!(py, "set_result"), (py.None(),));
    }
}

fn message<'py>(py: Python<'py>, body: &[u8], more_body: bool) -> PyResult<Bound<'py, PyAny>> {
    let msg = PyDict::new(py);
    msg.set_item(intern!(py, "type"), intern!(py, "http.request"))?;
    msg.set_item(intern!(py, "body"), PyBytes::new(py, body))?;
    msg.set_item(intern!(py, "more_body"), more_body)?;
    Ok(msg.into_any())
}

fn disconnect_message(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    let msg = PyDict::new(py);
    msg.set_item(intern!(py, "type"), intern!(py, "http.disconnect"))?;
    Ok(msg.into_any())
}

#[pymethods]
impl HttpCycle {
    /// `await receive()`: the next `http.request` chunk, or `http.disconnect`
    /// once the response is complete or the client has gone.
    fn receive<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let mut this = slf.borrow_mut();
        if let Some((body, more)) = this.first.take() {
            this.body_done = !more;
            return ready(py, Some(message(py, &body, more)?));
        }
        let exchange = this.exchange.clone();
        let mut inner = exchange.lock();
        if inner.disconnected || inner.complete {
            drop(inner);
            return ready(py, Some(disconnect_message(py)?));
        }
        if !this.body_done {
            if let Some(chunk) = inner.body.pop_front() {
                let before = inner.body_queued;
                inner.body_queued -= chunk.len();
                let more = !(inner.body.is_empty() && inner.body_end);
                if before >= READ_AHEAD && inner.body_queued < READ_AHEAD {
                    if let Some(pump) = inner.pump.take() {
                        pump.wake();
                    }
                }
                drop(inner);
                this.body_done = !more;
                return ready(py, Some(message(py, &chunk, more)?));
            }
            if inner.body_failed {
                // A body the client broke off (bad chunked framing): the
                // connection is done for.
                drop(inner);
                return ready(py, Some(disconnect_message(py)?));
            }
            if inner.body_end {
                drop(inner);
                this.body_done = true;
                return ready(py, Some(message(py, b"", false)?));
            }
            inner.body_wanted = true;
            if let Some(pump) = inner.pump.take() {
                pump.wake();
            }
        }
        inner.recv_waiting = true;
        drop(inner);
        let (future, later) = this.ctx.park_receive(py, &exchange)?;
        drop(this);
        later.call1((future, slf))
    }

    /// `await send(message)`: `http.response.start`, then
    /// `http.response.body` messages.
    fn send<'py>(
        &mut self,
        py: Python<'py>,
        message: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let kind = message.get_item(intern!(py, "type"))?;
        let kind = kind.cast::<PyString>()?.to_str()?;
        if matches!(self.state, State::Done) {
            return Err(PyRuntimeError::new_err(format!(
                "Unexpected ASGI message '{kind}' sent, after response already completed."
            )));
        }
        if self.exchange.lock().disconnected {
            return Err(ClientDisconnected::new_err("the client has disconnected"));
        }
        match (kind, &mut self.state) {
            ("http.response.start", State::Init) => {
                let res = response_head(py, message, &self.config)?;
                self.state = State::Started(res);
                ready(py, None)
            }
            ("http.response.body", State::Started(_)) => {
                let (body, more) = body_of(py, message)?;
                let State::Started(head) = std::mem::replace(&mut self.state, State::Done) else {
                    unreachable!("matched above")
                };
                let body = if more {
                    self.state = State::Streaming;
                    self.push(body, false);
                    AsgiBody::Stream(Streamed(self.exchange.clone()))
                } else {
                    AsgiBody::full(body)
                };
                let reply = self.reply.take().expect("one reply per request");
                if reply.defer(py, head.map(|()| body), &self.ctx.flush)?.is_err() {
                    self.exchange.disconnect();
                    return Err(ClientDisconnected::new_err("the client has disconnected"));
                }
                if !more {
                    self.complete(py);
                }
                self.after_push(py)
            }
            ("http.response.body", State::Streaming) => {
                let (body, more) = body_of(py, message)?;
                self.push(body, !more);
                if !more {
                    self.state = State::Done;
                    self.complete(py);
                }
                self.after_push(py)
            }
            ("http.response.start", _) => Err(PyRuntimeError::new_err(
                "Unexpected ASGI message 'http.response.start' sent, after response already started.",
            )),
            (other, State::Init) => Err(PyRuntimeError::new_err(format!(
                "Expected ASGI message 'http.response.start', but got '{other}'."
            ))),
            (other, _) => Err(PyRuntimeError::new_err(format!(
                "Expected ASGI message 'http.response.body', but got '{other}'."
            ))),
        }
    }

    /// The app's task ended (`error`: it raised). Answers 500 if nothing was
    /// sent yet; cuts a half-sent streamed response.
    #[pyo3(signature = (error=None))]
    fn finish(&mut self, py: Python<'_>, error: Option<&Bound<'_, PyAny>>) -> bool {
        let _ = error;
        // An app that stops answering a client that has gone is no error.
        let unfinished = !matches!(self.state, State::Done) && !self.exchange.lock().disconnected;
        match std::mem::replace(&mut self.state, State::Done) {
            State::Init | State::Started(_) => {
                if let Some(reply) = self.reply.take() {
                    let _ = reply.defer(py, internal_error(&self.config), &self.ctx.flush);
                }
            }
            State::Streaming => {
                let mut inner = self.exchange.lock();
                inner.out_abort = true;
                if let Some(waker) = inner.out_waker.take() {
                    waker.wake();
                }
            }
            State::Done => {}
        }
        self.complete(py);
        unfinished
    }
}

impl HttpCycle {
    /// The response is complete: the pump stops, a receive() waiting for
    /// body bytes gets `http.disconnect`.
    fn complete(&mut self, py: Python<'_>) {
        let mut inner = self.exchange.lock();
        inner.complete = true;
        inner.recv_waiting = false;
        if let Some(pump) = inner.pump.take() {
            pump.wake();
        }
        drop(inner);
        let recv = self
            .exchange
            .waiters
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .recv
            .take();
        if let Some(future) = recv {
            resolve(py, future.bind(py));
        }
    }

    fn push(&mut self, body: Bytes, end: bool) {
        let mut inner = self.exchange.lock();
        if !body.is_empty() {
            inner.out_queued += body.len();
            inner.out.push_back(body);
        }
        inner.out_end |= end;
        if let Some(waker) = inner.out_waker.take() {
            waker.wake();
        }
    }

    /// Done at once, unless hyper has more than the high-water mark queued:
    /// then a future that hyper's draining resolves.
    fn after_push<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        {
            let mut inner = self.exchange.lock();
            if inner.out_queued <= HIGH_WATER || inner.disconnected {
                return ready(py, None);
            }
            inner.send_waiting = true;
        }
        self.ctx.park_send(py, &self.exchange)
    }
}

impl Drop for HttpCycle {
    fn drop(&mut self) {
        self.exchange.release_waiters();
    }
}

/// `http.response.start` as a hyper response head.
fn response_head(
    py: Python<'_>,
    message: &Bound<'_, PyAny>,
    config: &Config,
) -> PyResult<Response<()>> {
    let status: u16 = message.get_item(intern!(py, "status"))?.extract()?;
    let mut res = Response::new(());
    *res.status_mut() = StatusCode::from_u16(status)
        .map_err(|_| PyValueError::new_err(format!("invalid HTTP status {status}")))?;
    let headers = res.headers_mut();
    if let Some(list) = optional(py, message, intern!(py, "headers"))? {
        for pair in list.try_iter()? {
            let pair = pair?;
            let name = pair.get_item(0)?;
            let value = pair.get_item(1)?;
            let name = HeaderName::from_bytes(bytes_of(&name)?)
                .map_err(|e| PyValueError::new_err(format!("invalid header name: {e}")))?;
            // The server frames the body itself (ASGI: ignore the app's).
            if name == TRANSFER_ENCODING {
                continue;
            }
            let value = HeaderValue::from_bytes(bytes_of(&value)?)
                .map_err(|e| PyValueError::new_err(format!("invalid header value: {e}")))?;
            headers.append(name, value);
        }
    }
    if let Some(server) = &config.server_header {
        if !headers.contains_key(SERVER) {
            headers.insert(SERVER, server.clone());
        }
    }
    Ok(res)
}

fn body_of(py: Python<'_>, message: &Bound<'_, PyAny>) -> PyResult<(Bytes, bool)> {
    let body = match optional(py, message, intern!(py, "body"))? {
        None => Bytes::new(),
        Some(body) => match body.cast::<PyBytes>() {
            Ok(b) => Bytes::copy_from_slice(b.as_bytes()),
            // bytearray, memoryview (Starlette streams those too).
            Err(_) => {
                let b = py.get_type::<PyBytes>().call1((body,))?;
                Bytes::copy_from_slice(b.cast::<PyBytes>()?.as_bytes())
            }
        },
    };
    let more = match optional(py, message, intern!(py, "more_body"))? {
        Some(more) => more.is_truthy()?,
        None => false,
    };
    Ok((body, more))
}

/// `message.get(key)`, None for a missing key or a None value.
fn optional<'py>(
    py: Python<'py>,
    message: &Bound<'py, PyAny>,
    key: &Bound<'py, PyString>,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    let value = match message.cast::<PyDict>() {
        Ok(dict) => dict.get_item(key)?,
        Err(_) => message.call_method1(intern!(py, "get"), (key,)).map(Some)?,
    };
    Ok(value.filter(|v| !v.is_none()))
}

/// Header names and values: byte strings (the spec's type).
fn bytes_of<'a>(value: &'a Bound<'_, PyAny>) -> PyResult<&'a [u8]> {
    if let Ok(b) = value.cast::<PyBytes>() {
        return Ok(b.as_bytes());
    }
    Err(PyTypeError::new_err(format!(
        "expected bytes, not {}",
        value.get_type().name()?
    )))
}

/// What an app that failed before answering gets (uvicorn's answer).
pub fn internal_error(config: &Config) -> Response<AsgiBody> {
    let mut res = Response::new(AsgiBody::full(Bytes::from_static(b"Internal Server Error")));
    *res.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    let headers = res.headers_mut();
    headers.insert(
        hyper::header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    headers.insert(hyper::header::CONNECTION, HeaderValue::from_static("close"));
    if let Some(server) = &config.server_header {
        headers.insert(SERVER, server.clone());
    }
    res
}
