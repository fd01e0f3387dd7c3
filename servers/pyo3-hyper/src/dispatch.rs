//! The bridge between tokio and the interpreter thread.
//!
//! Tokio threads never touch the GIL: they push a [`Job`] onto an mpsc queue
//! and, only when the interpreter thread may be asleep, write one byte to a
//! socketpair. The interpreter thread runs an asyncio loop that watches the
//! other end; when it wakes it drains every queued job while holding the GIL,
//! and each reply goes back over a oneshot channel as plain Rust data.

use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};

use api_model::ApiError;
use hyper::{Method, StatusCode};
use pyo3::prelude::*;
use tokio::sync::oneshot;

use crate::handler::PyRoute;
use crate::pyobjects::{http_error_status, reply_of, Request};
use crate::reply::Reply;

/// Jobs handled per wake-up before the event loop gets a turn, so that
/// running coroutines are not starved by a flood of new requests.
const BATCH: usize = 256;

pub struct Job {
    pub route: Arc<PyRoute>,
    pub request: Request,
    pub reply: oneshot::Sender<Reply>,
}

/// The tokio side of the bridge.
pub struct Bridge {
    tx: mpsc::Sender<Job>,
    wake: UnixStream,
    /// Set once a wake byte is in flight; the interpreter clears it before draining.
    notified: AtomicBool,
    closed: AtomicBool,
}

impl Bridge {
    /// Queues a job; false when the interpreter side is gone.
    pub fn submit(&self, job: Job) -> bool {
        if self.closed.load(Ordering::Acquire) || self.tx.send(job).is_err() {
            return false;
        }
        self.wake();
        true
    }

    fn wake(&self) {
        if !self.notified.swap(true, Ordering::AcqRel) {
            // Non-blocking: a full socket buffer already means "wake up".
            let _ = (&self.wake).write(&[1]);
        }
    }
}

/// The interpreter side of the bridge, driven by `pyo3_hyper`'s loop thread.
#[pyclass(frozen, module = "pyo3_hyper._core")]
pub struct Dispatcher {
    bridge: Arc<Bridge>,
    rx: Mutex<mpsc::Receiver<Job>>,
    waker: UnixStream,
    /// `report(method, path, exception)`: logs a handler's exception.
    report: Py<PyAny>,
}

pub fn channel(report: Py<PyAny>) -> std::io::Result<(Arc<Bridge>, Dispatcher)> {
    let (wake, waker) = UnixStream::pair()?;
    wake.set_nonblocking(true)?;
    waker.set_nonblocking(true)?;
    let (tx, rx) = mpsc::channel();
    let bridge = Arc::new(Bridge {
        tx,
        wake,
        notified: AtomicBool::new(false),
        closed: AtomicBool::new(false),
    });
    Ok((
        bridge.clone(),
        Dispatcher {
            bridge,
            rx: Mutex::new(rx),
            waker,
            report,
        },
    ))
}

#[pymethods]
impl Dispatcher {
    /// The descriptor the event loop watches (`loop.add_reader`).
    fn fileno(&self) -> i32 {
        self.waker.as_raw_fd()
    }

    /// Runs the queued jobs; coroutines go to `spawn(coro, pending)`.
    /// Returns True once the dispatcher is closed and drained.
    fn run_ready(&self, py: Python<'_>, spawn: &Bound<'_, PyAny>) -> PyResult<bool> {
        let mut sink = [0u8; 64];
        while matches!((&self.waker).read(&mut sink), Ok(n) if n > 0) {}
        self.bridge.notified.store(false, Ordering::Release);
        let rx = self.rx.lock().expect("only the loop thread locks this");
        for _ in 0..BATCH {
            match rx.try_recv() {
                Ok(job) => self.run(py, job, spawn)?,
                Err(_) => return Ok(self.bridge.closed.load(Ordering::Acquire)),
            }
        }
        // More work than one batch: come back after the loop's other callbacks.
        self.bridge.wake();
        Ok(false)
    }

    /// Refuses new jobs and wakes the loop so it can stop.
    pub fn close(&self) {
        self.bridge.closed.store(true, Ordering::Release);
        self.bridge.notified.store(false, Ordering::Release);
        self.bridge.wake();
    }
}

impl Dispatcher {
    fn run(&self, py: Python<'_>, job: Job, spawn: &Bound<'_, PyAny>) -> PyResult<()> {
        let Job {
            route,
            request,
            reply,
        } = job;
        let method = request.method.clone();
        let path = request.path.clone();
        let request = Bound::new(py, request)?;
        let result = route.func.bind(py).call1((request,));
        match result {
            Err(err) => {
                let _ = reply.send(self.fail(py, &method, &path, err));
            }
            Ok(value) if route.is_async || value.hasattr(pyo3::intern!(py, "__await__"))? => {
                let pending = Pending {
                    reply: Mutex::new(Some(reply)),
                    method,
                    path,
                    report: self.report.clone_ref(py),
                };
                spawn.call1((value, pending))?;
            }
            Ok(value) => {
                let out = reply_of(&value).unwrap_or_else(|err| self.fail(py, &method, &path, err));
                let _ = reply.send(out);
            }
        }
        Ok(())
    }

    fn fail(&self, py: Python<'_>, method: &Method, path: &str, err: PyErr) -> Reply {
        fail(py, &self.report, method, path, err)
    }
}

/// An `HTTPError` answers with its status; anything else is logged and is a 500.
fn fail(py: Python<'_>, report: &Py<PyAny>, method: &Method, path: &str, err: PyErr) -> Reply {
    if let Some(status) = http_error_status(py, &err) {
        return Reply::status_error(status);
    }
    // into_value keeps the traceback on the exception for `logging`.
    if let Err(log_err) = report.call1(py, (method.as_str(), path, err.into_value(py))) {
        log_err.print(py);
    }
    Reply::error(ApiError::Internal)
}

/// The reply slot of a coroutine handler, completed by its task's done-callback.
#[pyclass(frozen, module = "pyo3_hyper._core")]
pub struct Pending {
    reply: Mutex<Option<oneshot::Sender<Reply>>>,
    method: Method,
    path: String,
    report: Py<PyAny>,
}

#[pymethods]
impl Pending {
    /// `task.add_done_callback(pending.task_done)`.
    fn task_done(&self, py: Python<'_>, task: &Bound<'_, PyAny>) -> PyResult<()> {
        let Some(reply) = self.reply.lock().expect("not poisoned").take() else {
            return Ok(());
        };
        let out = if task.call_method0("cancelled")?.is_truthy()? {
            Reply::status_error(StatusCode::SERVICE_UNAVAILABLE)
        } else {
            let exc = task.call_method0("exception")?;
            if exc.is_none() {
                let value = task.call_method0("result")?;
                reply_of(&value)
                    .unwrap_or_else(|err| fail(py, &self.report, &self.method, &self.path, err))
            } else {
                fail(
                    py,
                    &self.report,
                    &self.method,
                    &self.path,
                    PyErr::from_value(exc),
                )
            }
        };
        let _ = reply.send(out);
        Ok(())
    }
}
