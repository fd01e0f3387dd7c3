//! `pyo3_hyper._core`: a hyper server whose routes are Python callables or
//! native Rust answers. The Python face is `pyo3_hyper/__init__.py`.

mod asgi;
mod database;
mod dispatch;
mod handler;
mod pyobjects;
mod reply;
mod router;
mod server;
mod service;
mod wsgi;

use std::net::{SocketAddr, ToSocketAddrs};
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

use crate::dispatch::Dispatcher;
use crate::handler::{BodyRule, Handler, PyRoute};
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

    /// Registers a Python handler; `body="json"` makes Rust enforce a JSON
    /// Content-Type (415) and a valid JSON body (400) first.
    #[pyo3(signature = (method, path, handler, is_async, body=None))]
    fn _add_python(
        &mut self,
        method: &str,
        path: &str,
        handler: Py<PyAny>,
        is_async: bool,
        body: Option<&str>,
    ) -> PyResult<()> {
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
            is_async,
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

/// A running server; `pyo3_hyper.start` wraps it.
#[pyclass(frozen, module = "pyo3_hyper._core")]
pub struct Server {
    running: Mutex<Option<server::Running>>,
    port: u16,
    dispatcher: Py<Dispatcher>,
}

#[pymethods]
impl Server {
    /// Binds and starts the workers; the caller then runs `dispatcher` on an
    /// event-loop thread. `report(method, path, exc)` logs handler errors.
    #[new]
    #[pyo3(signature = (app, host, port, workers, shutdown_timeout, report))]
    fn new(
        py: Python<'_>,
        app: PyRef<'_, App>,
        host: &str,
        port: u16,
        workers: usize,
        shutdown_timeout: f64,
        report: Py<PyAny>,
    ) -> PyResult<Self> {
        if workers == 0 {
            return Err(value_error("workers must be at least 1"));
        }
        let addr: SocketAddr = (host, port)
            .to_socket_addrs()
            .map_err(|e| PyOSError::new_err(e.to_string()))?
            .next()
            .ok_or_else(|| PyOSError::new_err(format!("{host} resolves to no address")))?;
        let (bridge, dispatcher) =
            dispatch::channel(report).map_err(|e| PyOSError::new_err(e.to_string()))?;
        let shared = Arc::new(Shared {
            router: app.router.clone(),
            server_name: app.server_name.clone(),
            body_limit: app.body_limit,
            bridge,
        });
        let grace = Duration::from_secs_f64(shutdown_timeout.max(0.0));
        // The service of one connection: the arena's pre-routing guard (as
        // for its hyper and axum servers) in front of the routes.
        let make = move |_peer, _local| {
            let (for_service, for_refusal) = (shared.clone(), shared.clone());
            Guard::new(
                service_fn(move |req| service::handle(for_service.clone(), req)),
                move |r| service::refusal(&for_refusal, r),
            )
        };
        let running = py
            .detach(|| server::start(Arc::new(make), addr, workers, grace, None))
            .map_err(|e| PyOSError::new_err(format!("cannot serve on {addr}: {e}")))?;
        Ok(Server {
            port: running.port,
            running: Mutex::new(Some(running)),
            dispatcher: Py::new(py, dispatcher)?,
        })
    }

    #[getter]
    fn port(&self) -> u16 {
        self.port
    }

    #[getter]
    fn dispatcher(&self, py: Python<'_>) -> Py<Dispatcher> {
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
        self.dispatcher.get().close();
        Ok(())
    }
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<App>()?;
    m.add_class::<Server>()?;
    m.add_class::<Dispatcher>()?;
    m.add_class::<dispatch::Pending>()?;
    m.add_class::<pyobjects::Request>()?;
    m.add_class::<pyobjects::Response>()?;
    pyobjects::add_http_error(m)?;
    asgi::register(m)?;
    wsgi::register(m)?;
    Ok(())
}
