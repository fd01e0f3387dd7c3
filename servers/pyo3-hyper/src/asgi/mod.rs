//! ASGI 3.0 (HTTP, WebSocket) on hyper: `pyo3_hyper.asgi` drives it.
//!
//! Tokio threads never take the GIL: a request becomes a [`service::Job`]
//! (Rust data) on the event queue; the interpreter thread, woken by the
//! queue's descriptor in its asyncio loop, builds the scope, and runs the app
//! as an asyncio task with an [`cycle::HttpCycle`] as its `receive`/`send`.
//! The request body and a streamed response body cross in an
//! [`exchange::Exchange`] (bytes and flags under a lock, bounded both ways).

pub mod cycle;
pub mod exchange;
pub mod queue;
pub mod reply;
pub mod scope;
pub mod service;
pub mod ws;

use std::net::{SocketAddr, TcpListener as StdListener, ToSocketAddrs};
use std::os::fd::FromRawFd;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use hyper::header::HeaderValue;
use pyo3::exceptions::{PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::server;
use exchange::Exchange;
use queue::Queue;

/// Events handled per wake-up before the event loop gets a turn, so that
/// running tasks are not starved by a flood of new requests.
const BATCH: usize = 256;

pub enum Event {
    Request(Box<service::Job>),
    /// Look at the exchange's waiters again: body bytes came, the response
    /// drained, or the client left.
    Wake(Arc<Exchange>),
}

/// What the tokio side needs of the server's settings.
pub struct Config {
    /// The `Server` header added to responses that lack one; None: none.
    pub server_header: Option<HeaderValue>,
}

/// The Python objects every request needs, set once the loop runs.
pub struct PyCtx {
    pub app: Py<PyAny>,
    /// `pyo3_hyper.asgi._run(app, scope, cycle)`: the task's coroutine.
    pub runner: Py<PyAny>,
    /// `_receive_later(future, cycle)`: waits for the future, then receives.
    pub receive_later: Py<PyAny>,
    pub create_future: Py<PyAny>,
    pub create_task: Py<PyAny>,
    /// The lifespan state, shallow-copied into every scope; None: no state.
    pub state: Option<Py<PyDict>>,
    pub asgi: Py<PyDict>,
    pub root_path: Py<PyString>,
    pub root_path_raw: Vec<u8>,
    /// Wakes the tokio workers for the responses of one loop turn.
    pub flush: Py<reply::Flush>,
    /// The `server` tuple of the last local address seen (there is one per
    /// listener, so this nearly always hits).
    pub server: Mutex<Option<(SocketAddr, Py<PyAny>)>>,
}

impl PyCtx {
    /// A `receive()` with nothing to give yet (HTTP or WebSocket): a loop
    /// future the exchange resolves when the next message arrives, and
    /// `_receive_later`, which the caller calls with it once it has let go
    /// of its cycle.
    pub fn park_receive<'py>(
        &self,
        py: Python<'py>,
        exchange: &Exchange,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        let future = self.create_future.bind(py).call0()?;
        exchange
            .waiters
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .recv = Some(future.clone().unbind());
        Ok((future, self.receive_later.bind(py).clone()))
    }

    /// A `send()` that must wait for the client to drain the response
    /// (HTTP body or WebSocket frames past the high-water mark): a loop
    /// future the exchange resolves once the queue is below it.
    pub fn park_send<'py>(
        &self,
        py: Python<'py>,
        exchange: &Exchange,
    ) -> PyResult<Bound<'py, PyAny>> {
        let future = self.create_future.bind(py).call0()?;
        exchange
            .waiters
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .send = Some(future.clone().unbind());
        Ok(future)
    }
}

/// The interpreter side: drains the event queue on the asyncio loop thread.
#[pyclass(frozen, module = "pyo3_hyper._core")]
pub struct AsgiDispatcher {
    events: Arc<Queue<Event>>,
    config: Arc<Config>,
    ctx: OnceLock<Arc<PyCtx>>,
}

#[pymethods]
impl AsgiDispatcher {
    /// The descriptor the event loop watches (`loop.add_reader`).
    fn fileno(&self) -> i32 {
        self.events.fd()
    }

    /// Called on the loop thread before the first `run_ready`.
    #[allow(clippy::too_many_arguments)] // Python's keyword arguments
    #[pyo3(signature = (app, runner, receive_later, event_loop, state, root_path))]
    fn bind(
        &self,
        py: Python<'_>,
        app: Py<PyAny>,
        runner: Py<PyAny>,
        receive_later: Py<PyAny>,
        event_loop: &Bound<'_, PyAny>,
        state: Option<Py<PyDict>>,
        root_path: &str,
    ) -> PyResult<()> {
        let asgi = PyDict::new(py);
        asgi.set_item("version", "3.0")?;
        // 2.4: send() on a closed connection raises an OSError
        // (`ClientDisconnected`), which lets Starlette skip its disconnect
        // listener task.
        asgi.set_item("spec_version", "2.4")?;
        let ctx = PyCtx {
            app,
            runner,
            receive_later,
            flush: Py::new(
                py,
                reply::Flush::new(event_loop.getattr("call_soon")?.unbind()),
            )?,
            create_future: event_loop.getattr("create_future")?.unbind(),
            create_task: new_task(py, event_loop)?,
            state,
            asgi: asgi.unbind(),
            root_path: PyString::new(py, root_path).unbind(),
            root_path_raw: root_path.as_bytes().to_vec(),
            server: Mutex::new(None),
        };
        self.ctx
            .set(Arc::new(ctx))
            .map_err(|_| PyRuntimeError::new_err("the dispatcher is bound already"))
    }

    /// Starts the queued requests and wakes waiting tasks. Returns True once
    /// the dispatcher is closed and drained.
    fn run_ready(&self, py: Python<'_>) -> PyResult<bool> {
        let ctx = self
            .ctx
            .get()
            .ok_or_else(|| PyRuntimeError::new_err("bind() first"))?;
        let events = self.events.drain(BATCH);
        // Fewer than a batch: the queue was empty when drained (`drain`
        // wakes the loop again otherwise).
        let drained = events.len() < BATCH;
        for event in events {
            match event {
                Event::Request(job) => cycle::start(py, ctx, &self.config, *job)?,
                Event::Wake(exchange) => cycle::wake(py, &exchange),
            }
        }
        Ok(drained && self.events.is_closed())
    }

    /// Refuses new requests and wakes the loop so it can stop.
    fn close(&self) {
        self.events.close();
    }
}

/// What makes a request's task: `asyncio.Task` itself, named, which spares
/// the loop's `create_task` wrapper and the `Task-N` name every task would
/// format (2 % of an ASGI plaintext request's instructions, callgrind), unless the app
/// set a task factory on the loop, which then keeps making them.
fn new_task(py: Python<'_>, event_loop: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    if !event_loop.call_method0("get_task_factory")?.is_none() {
        return Ok(event_loop.getattr("create_task")?.unbind());
    }
    let kwargs = PyDict::new(py);
    kwargs.set_item("loop", event_loop)?;
    kwargs.set_item("name", crate::handoff::TASK_NAME)?;
    let task = py.import("asyncio")?.getattr("Task")?;
    Ok(py
        .import("functools")?
        .getattr("partial")?
        .call((task,), Some(&kwargs))?
        .unbind())
}

/// A running ASGI server; `pyo3_hyper.asgi` wraps it.
#[pyclass(frozen, module = "pyo3_hyper._core")]
pub struct AsgiServer {
    running: Mutex<Option<server::Running>>,
    port: u16,
    dispatcher: Py<AsgiDispatcher>,
}

#[pymethods]
impl AsgiServer {
    /// Binds and starts the tokio workers; requests queue up until the loop
    /// thread binds the dispatcher and runs it.
    #[new]
    #[pyo3(signature = (host, port, workers, shutdown_timeout, server_header, fd=None))]
    fn new(
        py: Python<'_>,
        host: &str,
        port: u16,
        workers: usize,
        shutdown_timeout: f64,
        server_header: Option<&str>,
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
            exchange::Waiting::Loop,
        )?;
        let dispatcher = AsgiDispatcher {
            events: started.events,
            config: started.config,
            ctx: OnceLock::new(),
        };
        Ok(AsgiServer {
            port: started.port,
            running: Mutex::new(Some(started.running)),
            dispatcher: Py::new(py, dispatcher)?,
        })
    }

    #[getter]
    fn port(&self) -> u16 {
        self.port
    }

    #[getter]
    fn dispatcher(&self, py: Python<'_>) -> Py<AsgiDispatcher> {
        self.dispatcher.clone_ref(py)
    }

    /// Stops accepting, waits for in-flight requests (up to the shutdown
    /// timeout) with the GIL released, then closes the dispatcher.
    fn stop(&self, py: Python<'_>) -> PyResult<()> {
        let running = self
            .running
            .lock()
            .map_err(|_| PyRuntimeError::new_err("poisoned"))?
            .take();
        if let Some(mut running) = running {
            py.detach(|| running.stop());
        }
        self.dispatcher.get().events.close();
        Ok(())
    }
}

/// What the ASGI and the WSGI server both start with: tokio workers serving
/// the listening socket, the requests' queue they fill, and the settings.
pub struct Started {
    pub running: server::Running,
    pub port: u16,
    pub config: Arc<Config>,
    pub events: Arc<Queue<Event>>,
}

/// Binds (or inherits `fd`), then starts `workers` tokio workers whose
/// requests wait in the returned queue; `waiting` says who drains it (the
/// ASGI loop thread, or WSGI's pool threads).
#[allow(clippy::too_many_arguments)] // the servers' own keyword arguments, passed on
pub fn start_workers(
    py: Python<'_>,
    host: &str,
    port: u16,
    workers: usize,
    shutdown_timeout: f64,
    server_header: Option<&str>,
    fd: Option<i32>,
    waiting: exchange::Waiting,
) -> PyResult<Started> {
    if workers == 0 {
        return Err(PyValueError::new_err("workers must be at least 1"));
    }
    let listener = listener(py, host, port, fd)?;
    let port = listener
        .local_addr()
        .map_err(|e| PyOSError::new_err(e.to_string()))?
        .port();
    let server_header = server_header
        .map(HeaderValue::from_str)
        .transpose()
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    let config = Arc::new(Config { server_header });
    let events = Arc::new(Queue::new().map_err(|e| PyOSError::new_err(e.to_string()))?);
    let shared = Arc::new(service::Shared {
        config: config.clone(),
        events: events.clone(),
        waiting,
    });
    let grace = Duration::from_secs_f64(shutdown_timeout.max(0.0));
    let running = py
        .detach(|| service::start(shared, listener, workers, grace))
        .map_err(|e| PyOSError::new_err(format!("cannot start the workers: {e}")))?;
    Ok(Started {
        running,
        port,
        config,
        events,
    })
}

/// The listening socket: bound here (no `SO_REUSEPORT`: a port another
/// socket holds is `EADDRINUSE`), or inherited from a supervisor (`fd`),
/// whose worker processes then share its accept queue.
pub fn listener(py: Python<'_>, host: &str, port: u16, fd: Option<i32>) -> PyResult<StdListener> {
    match fd {
        Some(fd) => {
            // SAFETY: the supervisor passed this descriptor for this process
            // to own: a bound, listening TCP socket.
            let listener = unsafe { StdListener::from_raw_fd(fd) };
            listener
                .set_nonblocking(true)
                .map_err(|e| PyOSError::new_err(format!("inherited socket {fd}: {e}")))?;
            Ok(listener)
        }
        None => {
            let addr = resolve(host, port)?;
            py.detach(|| crate::server::bind(addr))
                .map_err(|e| bind_error(addr, e))
        }
    }
}

pub fn resolve(host: &str, port: u16) -> PyResult<SocketAddr> {
    (host, port)
        .to_socket_addrs()
        .map_err(|e| PyOSError::new_err(format!("cannot resolve {host}: {e}")))?
        .next()
        .ok_or_else(|| PyOSError::new_err(format!("{host} resolves to no address")))
}

/// An `OSError` with the errno kept (`EADDRINUSE` for a busy port), so the
/// CLI can say which it was.
pub fn bind_error(addr: SocketAddr, e: std::io::Error) -> PyErr {
    let message = match e.kind() {
        std::io::ErrorKind::AddrInUse => {
            format!("cannot serve on {addr}: the address is in use (EADDRINUSE)")
        }
        _ => format!("cannot serve on {addr}: {e}"),
    };
    match e.raw_os_error() {
        Some(errno) => PyOSError::new_err((errno, message)),
        None => PyOSError::new_err(message),
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<AsgiServer>()?;
    m.add_class::<AsgiDispatcher>()?;
    m.add_class::<cycle::HttpCycle>()?;
    m.add_class::<cycle::Ready>()?;
    m.add_class::<ws::WsCycle>()?;
    m.add(
        "ClientDisconnected",
        m.py().get_type::<cycle::ClientDisconnected>(),
    )?;
    Ok(())
}
