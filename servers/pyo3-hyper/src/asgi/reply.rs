//! Responses back to the tokio worker that read the request, in batches.
//!
//! On a shared core, every cross-thread wake-up is a context switch: the
//! woken thread preempts the waker, so waking a tokio worker once per
//! response would hand the core back and forth once per request. Instead the
//! interpreter queues each response in its worker's [`Inbox`] and wakes each
//! worker once per event-loop turn ([`Flush`], scheduled with `call_soon`);
//! a task on the worker ([`drain`]) completes the requests from there, on
//! its own thread.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use hyper::Response;
use pyo3::prelude::*;
use tokio::sync::{oneshot, Notify};

use super::exchange::AsgiBody;

type Reply = Response<AsgiBody>;

/// A worker's queue of answered requests.
#[derive(Default)]
pub struct Inbox {
    items: Mutex<Vec<(oneshot::Sender<Reply>, Reply)>>,
    notify: Notify,
}

thread_local! {
    static INBOX: RefCell<Option<Arc<Inbox>>> = const { RefCell::new(None) };
}

/// This worker's inbox, made (with its draining task) on first use; call
/// on a tokio worker thread, inside its runtime.
pub fn inbox() -> Arc<Inbox> {
    INBOX.with(|cell| {
        cell.borrow_mut()
            .get_or_insert_with(|| {
                let inbox = Arc::new(Inbox::default());
                tokio::spawn(drain(inbox.clone()));
                inbox
            })
            .clone()
    })
}

async fn drain(inbox: Arc<Inbox>) {
    loop {
        inbox.notify.notified().await;
        let items = std::mem::take(&mut *inbox.items.lock().unwrap_or_else(|e| e.into_inner()));
        for (tx, res) in items {
            let _ = tx.send(res);
        }
    }
}

/// Where one request's response goes.
pub struct ReplyTo {
    tx: oneshot::Sender<Reply>,
    inbox: Arc<Inbox>,
}

impl ReplyTo {
    pub fn new(tx: oneshot::Sender<Reply>, inbox: Arc<Inbox>) -> Self {
        ReplyTo { tx, inbox }
    }

    /// At once (WSGI's threads, which are not on the loop); Err when the
    /// client has gone.
    pub fn send(self, res: Reply) -> Result<(), ()> {
        self.tx.send(res).map_err(|_| ())
    }

    /// Queued until the loop's turn ends (`Flush`); Err when the client
    /// has gone.
    pub fn defer(self, py: Python<'_>, res: Reply, flush: &Py<Flush>) -> PyResult<Result<(), ()>> {
        if self.tx.is_closed() {
            return Ok(Err(()));
        }
        self.inbox
            .items
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((self.tx, res));
        flush.get().mark(py, flush, &self.inbox)?;
        Ok(Ok(()))
    }
}

/// Wakes the workers with queued responses, once per loop turn.
#[pyclass(frozen, module = "pyo3_hyper._core")]
pub struct Flush {
    dirty: Mutex<Vec<Arc<Inbox>>>,
    scheduled: AtomicBool,
    call_soon: Py<PyAny>,
}

impl Flush {
    pub fn new(call_soon: Py<PyAny>) -> Self {
        Flush {
            dirty: Mutex::new(Vec::new()),
            scheduled: AtomicBool::new(false),
            call_soon,
        }
    }

    fn mark(&self, py: Python<'_>, this: &Py<Flush>, inbox: &Arc<Inbox>) -> PyResult<()> {
        {
            let mut dirty = self.dirty.lock().unwrap_or_else(|e| e.into_inner());
            if !dirty.iter().any(|d| Arc::ptr_eq(d, inbox)) {
                dirty.push(inbox.clone());
            }
        }
        if !self.scheduled.swap(true, Ordering::AcqRel) {
            self.call_soon.bind(py).call1((this.clone_ref(py),))?;
        }
        Ok(())
    }
}

#[pymethods]
impl Flush {
    fn __call__(&self) {
        self.scheduled.store(false, Ordering::Release);
        let dirty = std::mem::take(&mut *self.dirty.lock().unwrap_or_else(|e| e.into_inner()));
        for inbox in dirty {
            inbox.notify.notify_one();
        }
    }
}
