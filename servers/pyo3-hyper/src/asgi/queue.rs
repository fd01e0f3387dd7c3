//! Tokio threads → the interpreter thread, without the GIL: items go onto
//! an mpsc queue and one byte on a socketpair wakes the asyncio loop that
//! watches the other end, only when it may be asleep (the same scheme as
//! `crate::dispatch::Bridge`, for the ASGI and WSGI events).

use std::io::{Read, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Mutex};

pub struct Queue<T> {
    tx: mpsc::Sender<T>,
    rx: Mutex<mpsc::Receiver<T>>,
    wake: UnixStream,
    waker: UnixStream,
    /// Set once a wake byte is in flight; the interpreter clears it before draining.
    notified: AtomicBool,
    /// Items pushed by tokio workers since the last wake-up.
    deferred: AtomicUsize,
    closed: AtomicBool,
}

/// Items a tokio worker queues before it wakes the interpreter anyway,
/// even if it has not parked yet.
const DEFER_AT_MOST: usize = 64;

impl<T> Queue<T> {
    pub fn new() -> std::io::Result<Self> {
        let (wake, waker) = UnixStream::pair()?;
        wake.set_nonblocking(true)?;
        waker.set_nonblocking(true)?;
        let (tx, rx) = mpsc::channel();
        Ok(Queue {
            tx,
            rx: Mutex::new(rx),
            wake,
            waker,
            notified: AtomicBool::new(false),
            deferred: AtomicUsize::new(0),
            closed: AtomicBool::new(false),
        })
    }

    /// Queues an item; false once the interpreter side is closed. On a
    /// tokio worker the wake-up waits for `flush` (the worker about to
    /// park): one wake-up, so one switch of a shared core, per batch.
    pub fn push(&self, item: T) -> bool {
        if self.closed.load(Ordering::Acquire) {
            return false;
        }
        if self.tx.send(item).is_err() {
            return false;
        }
        if tokio::runtime::Handle::try_current().is_ok() {
            if self.deferred.fetch_add(1, Ordering::AcqRel) + 1 >= DEFER_AT_MOST {
                self.flush();
            }
        } else {
            self.wake();
        }
        true
    }

    /// Wakes the interpreter if items wait since the last wake-up.
    pub fn flush(&self) {
        if self.deferred.swap(0, Ordering::AcqRel) > 0 {
            self.wake();
        }
    }

    pub fn wake(&self) {
        if !self.notified.swap(true, Ordering::AcqRel) {
            // Non-blocking: a full socket buffer already means "wake up".
            let _ = (&self.wake).write(&[1]);
        }
    }

    /// The descriptor the event loop watches.
    pub fn fd(&self) -> RawFd {
        self.waker.as_raw_fd()
    }

    /// Up to `max` items; call on the interpreter thread after its wake-up.
    /// When more remain, the loop is woken again so it comes back after its
    /// other callbacks.
    pub fn drain(&self, max: usize) -> Vec<T> {
        let mut sink = [0u8; 64];
        while matches!((&self.waker).read(&mut sink), Ok(n) if n > 0) {}
        self.notified.store(false, Ordering::Release);
        let rx = self.rx.lock().expect("only the loop thread drains");
        let mut items = Vec::new();
        while items.len() < max {
            match rx.try_recv() {
                Ok(item) => items.push(item),
                Err(_) => return items,
            }
        }
        self.wake();
        items
    }

    /// The next item for a blocked thread (WSGI's pool), waiting at most
    /// `timeout`; call without the GIL.
    pub fn next_blocking(&self, timeout: std::time::Duration) -> Option<T> {
        let rx = self.rx.lock().unwrap_or_else(|e| e.into_inner());
        rx.recv_timeout(timeout).ok()
    }

    pub fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.notified.store(false, Ordering::Release);
        self.wake();
    }

    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }
}
