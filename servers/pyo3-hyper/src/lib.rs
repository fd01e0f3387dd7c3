//! `pyo3_hyper._core`: a hyper server whose routes are Python callables or
//! native Rust answers. The Python face is `pyo3_hyper/__init__.py`.

mod asgi;
mod body;
mod database;
mod errors;
mod handler;
mod handoff;
mod json;
mod reply;
mod request;
mod response;
mod router;
mod server;
mod service;
mod wsgi;

use std::net::{SocketAddr, ToSocketAddrs};
use std::os::fd::IntoRawFd;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use hyper::header::HeaderValue;
use hyper::service::service_fn;
use hyper::Method;
use hyper_workers::guard::Guard;
use mimalloc::MiMalloc;
use pyo3::exceptions::{PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;

use crate::handler::{BodyRule, Handler, PyRoute};
use crate::handoff::{Dispatcher, Handoff, Kind};
use crate::router::Router;
use crate::service::Shared;

// Only Rust allocations (hyper buffers, bodies) go through mimalloc; Python
// keeps its own allocator.
#[global_allocator]
static GLOBAL: MiMalloc = MiMalloc;

fn value_error(e: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(e.to_string())
}

/// The route table and settings; `pyo3_hyper.App` subclasses it.
#[pyclass(subclass, module = "pyo3_hyper._core")]
pub struct App {
    router: Router,
    server_name: HeaderValue,
    body_limit: usize,
}

#[pymethods]
impl App {
    #[new]
    #[pyo3(signature = (server_name="pyo3-hyper", body_limit=api_model::BODY_LIMIT))]
    fn new(server_name: &str, body_limit: usize) -> PyResult<Self> {
        Ok(App {
            router: Router::default(),
            server_name: HeaderValue::from_str(server_name).map_err(value_error)?,
            body_limit,
        })
    }

    #[getter]
    fn server_name(&self) -> &str {
        self.server_name.to_str().unwrap_or_default()
    }

    #[getter]
    fn body_limit(&self) -> usize {
        self.body_limit
    }

    /// Registers a Python handler. `kind`: "async" (called where the request
    /// is, awaited on the loop) or "blocking" (called on the blocking pool).
    /// `body="json"` makes Rust enforce a JSON Content-Type (415) and a valid
    /// JSON body (400) first.
    #[pyo3(signature = (method, path, handler, kind, body=None))]
    fn _add_python(
        &mut self,
        method: &str,
        path: &str,
        handler: Py<PyAny>,
        kind: &str,
        body: Option<&str>,
    ) -> PyResult<()> {
        let kind = match kind {
            "async" => Kind::Async,
            "blocking" => Kind::Blocking,
            other => {
                return Err(value_error(format!(
                    "kind={other:?}: \"async\" or \"blocking\""
                )))
            }
        };
        let body = match body {
            None => BodyRule::Any,
            Some("json") => BodyRule::Json,
            Some(other) => {
                return Err(value_error(format!(
                    "body={other:?}: only None or \"json\""
                )))
            }
        };
        let route = PyRoute {
            func: handler,
            kind,
            body,
        };
        self.add(method, path, Handler::Python(Arc::new(route)))
    }

    /// A constant body answered in Rust, without the interpreter.
    #[pyo3(signature = (path, body, content_type, method="GET"))]
    fn _add_static(
        &mut self,
        path: &str,
        body: Vec<u8>,
        content_type: &str,
        method: &str,
    ) -> PyResult<()> {
        let content_type = HeaderValue::from_str(content_type).map_err(value_error)?;
        self.add(
            method,
            path,
            Handler::Static {
                body: Bytes::from(body),
                content_type,
            },
        )
    }

    /// A constant JSON document (given as text), serialized per request in Rust.
    #[pyo3(signature = (path, json_text, method="GET"))]
    fn _add_json(&mut self, path: &str, json_text: &str, method: &str) -> PyResult<()> {
        let value: serde_json::Value = serde_json::from_str(json_text).map_err(value_error)?;
        self.add(method, path, Handler::NativeJson { value })
    }

    /// The arena's four database routes (`/db`, `/queries`, `/fortunes`,
    /// `/updates`) answered in Rust over tokio-postgres, each worker with its
    /// own connections to `ARENA_DATABASE_URL`.
    fn arena_database(&mut self) -> PyResult<()> {
        for endpoint in api_model::db::Endpoint::ALL {
            self.add("GET", endpoint.path(), Handler::Database(endpoint))?;
        }
        Ok(())
    }

    /// `(method, path)` of every route, in registration order.
    fn routes(&self) -> Vec<(String, String)> {
        self.router.routes()
    }
}

impl App {
    fn add(&mut self, method: &str, path: &str, handler: Handler) -> PyResult<()> {
        let method =
            Method::from_bytes(method.to_ascii_uppercase().as_bytes()).map_err(value_error)?;
        self.router.add(method, path, handler).map_err(value_error)
    }
}

/// A server; `pyo3_hyper.start` wraps it. Made bound (a taken port fails
/// here) but not yet serving: the caller starts the loop thread on
/// `dispatcher`, runs the startup hooks, then calls `begin`.
#[pyclass(frozen, module = "pyo3_hyper._core")]
pub struct Server {
    state: Mutex<State>,
    port: Option<u16>,
    dispatcher: Py<Dispatcher>,
}

enum State {
    Bound {
        shared: Arc<Shared>,
        listener: Option<std::net::TcpListener>,
        workers: usize,
        grace: Duration,
    },
    Serving(server::Running),
    Stopped,
}

fn os_error(e: std::io::Error, what: &str) -> PyErr {
    let message = match e.kind() {
        std::io::ErrorKind::AddrInUse => {
            format!("{what}: the address is in use (EADDRINUSE): another socket holds the port")
        }
        _ => format!("{what}: {e}"),
    };
    match e.raw_os_error() {
        Some(errno) => PyOSError::new_err((errno, message)),
        None => PyOSError::new_err(message),
    }
}

#[pymethods]
impl Server {
    /// Binds `host:port` (no listening socket when `host` is None: the
    /// server then serves `connect()`'s connections only). `report(method,
    /// path, exc)` logs handler errors.
    #[new]
    #[pyo3(signature = (app, host, port, workers, shutdown_timeout, blocking_threads, report))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        app: PyRef<'_, App>,
        host: Option<&str>,
        port: u16,
        workers: usize,
        shutdown_timeout: f64,
        blocking_threads: usize,
        report: Py<PyAny>,
    ) -> PyResult<Self> {
        if workers == 0 {
            return Err(value_error("workers must be at least 1"));
        }
        if blocking_threads == 0 {
            return Err(value_error("blocking_threads must be at least 1"));
        }
        let listener = match host {
            None => None,
            Some(host) => {
                let addr: SocketAddr = (host, port)
                    .to_socket_addrs()
                    .map_err(|e| os_error(e, host))?
                    .next()
                    .ok_or_else(|| PyOSError::new_err(format!("{host} resolves to no address")))?;
                let listener = py
                    .detach(|| server::bind(addr))
                    .map_err(|e| os_error(e, &format!("cannot serve on {addr}")))?;
                Some(listener)
            }
        };
        let port = match &listener {
            Some(l) => Some(
                l.local_addr()
                    .map_err(|e| os_error(e, "local address"))?
                    .port(),
            ),
            None => None,
        };
        let handoff = Handoff::new(blocking_threads).map_err(|e| os_error(e, "socketpair"))?;
        let shared = Arc::new(Shared {
            router: app.router.clone(),
            server_name: app.server_name.clone(),
            body_limit: app.body_limit,
            handoff: handoff.clone(),
            report: Arc::new(report),
        });
        Ok(Server {
            state: Mutex::new(State::Bound {
                shared,
                listener,
                workers,
                grace: Duration::from_secs_f64(shutdown_timeout.max(0.0)),
            }),
            port,
            dispatcher: Py::new(py, Dispatcher { handoff })?,
        })
    }

    #[getter]
    fn port(&self) -> Option<u16> {
        self.port
    }

    #[getter]
    fn dispatcher(&self, py: Python<'_>) -> Py<Dispatcher> {
        self.dispatcher.clone_ref(py)
    }

    /// Starts the workers: connections are accepted from here on.
    fn begin(&self, py: Python<'_>) -> PyResult<()> {
        let mut state = self.lock()?;
        let State::Bound { .. } = &*state else {
            return Err(PyRuntimeError::new_err("the server has already begun"));
        };
        let State::Bound {
            shared,
            listener,
            workers,
            grace,
        } = std::mem::replace(&mut *state, State::Stopped)
        else {
            unreachable!("matched above")
        };
        // The service of one connection: the arena's pre-routing guard (as
        // for its hyper and axum servers) in front of the routes.
        let make = move |client, _local| {
            let (for_service, for_refusal) = (shared.clone(), shared.clone());
            Guard::new(
                service_fn(move |req| service::handle(for_service.clone(), req, client)),
                move |r| service::refusal(&for_refusal, r),
            )
        };
        let running = py
            .detach(|| server::start(Arc::new(make), listener, workers, grace, None))
            .map_err(|e| os_error(e, "cannot start the workers"))?;
        *state = State::Serving(running);
        Ok(())
    }

    /// A new in-process connection (a server made without a host): the file
    /// descriptor of the client's end of a socket pair.
    fn connect(&self) -> PyResult<i32> {
        match &*self.lock()? {
            State::Serving(running) => running
                .connect()
                .map(|s| s.into_raw_fd())
                .map_err(|e| os_error(e, "connect")),
            _ => Err(PyRuntimeError::new_err("the server is not serving")),
        }
    }

    /// Stops accepting, lets in-flight requests finish up to the shutdown
    /// timeout (with the GIL released), then closes the hand-off. Returns
    /// within the timeout even while a blocking handler still runs.
    fn stop(&self, py: Python<'_>) -> PyResult<()> {
        let previous = std::mem::replace(&mut *self.lock()?, State::Stopped);
        if let State::Serving(mut running) = previous {
            py.detach(|| running.stop());
        }
        self.dispatcher.get().handoff.close();
        Ok(())
    }
}

impl Server {
    fn lock(&self) -> PyResult<std::sync::MutexGuard<'_, State>> {
        self.state
            .lock()
            .map_err(|_| PyRuntimeError::new_err("poisoned"))
    }
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<App>()?;
    m.add_class::<Server>()?;
    m.add_class::<Dispatcher>()?;
    m.add_class::<request::Request>()?;
    m.add_class::<response::Response>()?;
    m.add("HTTPError", errors::http_error_class(m.py())?)?;
    asgi::register(m)?;
    wsgi::register(m)?;
    Ok(())
}
