//! One request/response exchange, shared by the tokio side (the request body
//! pump, the response body hyper polls, the service future) and the
//! interpreter side (`HttpCycle`). Tokio never touches a Python object: it
//! flips flags under the lock and posts a wake-up; the interpreter resolves
//! the asyncio futures it parked in `waiters`.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use pyo3::prelude::*;
use tokio_tungstenite::tungstenite::Message;

use super::queue::Queue;
use super::Event;

/// Request body bytes the pump reads ahead of the app: enough for one
/// receive() to find its chunk waiting, small enough that a 100 MB upload
/// costs a few buffers, not the upload.
pub const READ_AHEAD: usize = 64 * 1024;
/// Response bytes queued before send() makes the app wait, and the level
/// hyper must drain them to before it wakes the app again.
pub const HIGH_WATER: usize = 64 * 1024;
pub const LOW_WATER: usize = 16 * 1024;

#[derive(Default)]
pub struct Inner {
    // The request body, filled by the pump.
    pub body: VecDeque<Bytes>,
    pub body_queued: usize,
    /// The body ended (or broke: `body_failed`); nothing more will come.
    pub body_end: bool,
    pub body_failed: bool,
    /// The app asked for body bytes (the pump starts reading on demand when
    /// the client waits for `100 Continue`).
    pub body_wanted: bool,
    pub pump: Option<Waker>,
    pub recv_waiting: bool,
    // The streamed response, drained by hyper.
    pub out: VecDeque<Bytes>,
    pub out_queued: usize,
    pub out_end: bool,
    /// The app failed mid-stream: hyper must cut the connection rather than
    /// end the body as if it were whole.
    pub out_abort: bool,
    pub out_waker: Option<Waker>,
    pub send_waiting: bool,
    /// The response is complete: a receive() waiting for more now gets
    /// `http.disconnect`, and the pump stops.
    pub complete: bool,
    /// The client went away (or hyper dropped the exchange).
    pub disconnected: bool,
    // WebSocket, after the upgrade: whole messages each way.
    pub ws_in: VecDeque<Message>,
    pub ws_out: VecDeque<Message>,
    pub ws_out_queued: usize,
    /// The WebSocket ended: the close code and reason for `websocket.disconnect`.
    pub ws_closed: Option<(u16, String)>,
}

/// Asyncio futures of the app waiting in receive() or send(); only the
/// interpreter thread (holding the GIL) stores or takes them.
#[derive(Default)]
pub struct Waiters {
    pub recv: Option<Py<PyAny>>,
    pub send: Option<Py<PyAny>>,
}

/// Who waits on an exchange: tasks on the asyncio loop (ASGI), woken
/// through the event queue, or blocked threads (WSGI), woken by the condvar.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Waiting {
    Loop,
    Threads,
}

pub struct Exchange {
    inner: Mutex<Inner>,
    pub waiters: Mutex<Waiters>,
    events: Arc<Queue<Event>>,
    waiting: Waiting,
    cond: Condvar,
}

impl Exchange {
    /// Releases the loop futures a cycle left parked. Futures are Python
    /// objects: the cycle calls this from its Drop, with the GIL, rather than
    /// leave them to a tokio thread that may drop the exchange last.
    pub fn release_waiters(&self) {
        let mut waiters = self.waiters.lock().unwrap_or_else(|e| e.into_inner());
        waiters.recv = None;
        waiters.send = None;
    }

    pub fn new(events: Arc<Queue<Event>>, waiting: Waiting) -> Arc<Self> {
        Arc::new(Exchange {
            inner: Mutex::new(Inner::default()),
            waiters: Mutex::new(Waiters::default()),
            events,
            waiting,
            cond: Condvar::new(),
        })
    }

    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Blocks a WSGI thread until a wake-up (call without the GIL).
    pub fn wait<'a>(&self, guard: MutexGuard<'a, Inner>) -> MutexGuard<'a, Inner> {
        self.cond.wait(guard).unwrap_or_else(|e| e.into_inner())
    }

    /// Tells the waiting side to look at this exchange again.
    pub fn post_wake(self: &Arc<Self>) {
        match self.waiting {
            Waiting::Loop => {
                let _ = self.events.push(Event::Wake(self.clone()));
            }
            Waiting::Threads => self.cond.notify_all(),
        }
    }

    /// The client is gone: wake whatever the app waits on.
    pub fn disconnect(self: &Arc<Self>) {
        let mut inner = self.lock();
        if inner.disconnected {
            return;
        }
        inner.disconnected = true;
        let wake =
            std::mem::take(&mut inner.recv_waiting) | std::mem::take(&mut inner.send_waiting);
        if let Some(pump) = inner.pump.take() {
            pump.wake();
        }
        drop(inner);
        if wake {
            self.post_wake();
        }
    }
}

/// Reads the request body into the exchange, at most `READ_AHEAD` bytes
/// ahead of the app, until it ends, the response is complete, or the client
/// goes away. `on_demand`: wait for the app's first receive() (the client
/// sent `Expect: 100-continue`, which hyper answers on the first read).
pub async fn pump(exchange: Arc<Exchange>, mut body: Incoming, on_demand: bool) {
    let mut started = !on_demand;
    loop {
        let frame = std::future::poll_fn(|cx| {
            {
                let mut inner = exchange.lock();
                if inner.disconnected || inner.complete {
                    // Dropping the body tells hyper nobody reads it: with the
                    // response complete, hyper can close or go on.
                    return Poll::Ready(None);
                }
                // Woken by the app's demand, by its draining the read-ahead,
                // and by the response's end, also while the socket is read.
                inner.pump = Some(cx.waker().clone());
                if !((started || inner.body_wanted) && inner.body_queued < READ_AHEAD) {
                    return Poll::Pending;
                }
            }
            Pin::new(&mut body).poll_frame(cx).map(Some)
        })
        .await;
        let Some(frame) = frame else { return };
        started = true;
        let mut inner = exchange.lock();
        match frame {
            Some(Ok(frame)) => match frame.into_data() {
                Ok(data) if !data.is_empty() => {
                    inner.body_queued += data.len();
                    inner.body.push_back(data);
                }
                // Trailers are not part of the ASGI request.
                _ => continue,
            },
            Some(Err(_)) => {
                inner.body_end = true;
                inner.body_failed = true;
            }
            None => inner.body_end = true,
        }
        let end = inner.body_end;
        let wake = std::mem::take(&mut inner.recv_waiting);
        drop(inner);
        if wake {
            exchange.post_wake();
        }
        if end {
            return;
        }
    }
}

/// Why a streamed response did not end normally: hyper then closes the
/// connection instead of ending the chunked body (a truncated response
/// must not look whole).
#[derive(Debug)]
pub struct Aborted;

impl std::fmt::Display for Aborted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the ASGI app did not finish its response")
    }
}

impl std::error::Error for Aborted {}

/// A response body: whole (one `http.response.body`), or streamed from the
/// exchange (`more_body`), chunked on the wire when the app gave no length.
pub enum AsgiBody {
    Full(Option<Bytes>),
    Stream(Streamed),
}

impl AsgiBody {
    pub fn full(bytes: Bytes) -> Self {
        AsgiBody::Full((!bytes.is_empty()).then_some(bytes))
    }
}

pub struct Streamed(pub Arc<Exchange>);

impl Drop for Streamed {
    fn drop(&mut self) {
        // hyper drops the body when the connection ends: if the app had
        // not finished, the client is gone.
        let finished = {
            let inner = self.0.lock();
            inner.out_end && inner.out.is_empty()
        };
        if !finished {
            self.0.disconnect();
        }
    }
}

impl Body for AsgiBody {
    type Data = Bytes;
    type Error = Aborted;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Aborted>>> {
        match &mut *self {
            AsgiBody::Full(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            AsgiBody::Stream(Streamed(exchange)) => {
                let mut inner = exchange.lock();
                if let Some(chunk) = inner.out.pop_front() {
                    inner.out_queued -= chunk.len();
                    let wake = inner.send_waiting && inner.out_queued <= LOW_WATER;
                    if wake {
                        inner.send_waiting = false;
                    }
                    drop(inner);
                    if wake {
                        exchange.post_wake();
                    }
                    return Poll::Ready(Some(Ok(Frame::data(chunk))));
                }
                if inner.out_abort {
                    return Poll::Ready(Some(Err(Aborted)));
                }
                if inner.out_end {
                    return Poll::Ready(None);
                }
                inner.out_waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, AsgiBody::Full(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            AsgiBody::Full(bytes) => {
                SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64))
            }
            AsgiBody::Stream(_) => SizeHint::default(),
        }
    }
}
