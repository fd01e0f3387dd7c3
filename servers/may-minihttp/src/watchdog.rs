//! The timeouts may_minihttp does not have: its connection loop waits on a
//! read without any deadline (http_server.rs, `each_connection_loop` and
//! `BodyReader`), so a silent, idle or trickling client would hold its
//! coroutine forever. A watchdog coroutine per connection closes the socket
//! (`shutdown(SHUT_RDWR)`, which makes the library's pending read or write
//! fail and end the connection) once its one deadline passes.
//!
//! The deadline is the head timeout (`config::HEAD_TIMEOUT`) from the
//! connection's opening and from the end of each request, covering the
//! first head, the next one and an idle keep-alive connection, and the body
//! timeout (`config::BODY_TIMEOUT`) from the end of a head whose request
//! waits for anything (a body, the database).
//!
//! Time is the kernel's coarse monotonic clock: deadlines are seconds long,
//! so its tick (a few milliseconds) is no error worth the full clock's
//! cycle-counter read on every request.

use std::os::fd::RawFd;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::config::{BODY_TIMEOUT, HEAD_TIMEOUT};

/// The watchdog only sleeps and makes two syscalls: may's default stack (in words).
const STACK_WORDS: usize = 0x1000;

fn now_ms() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid timespec to write; CLOCK_MONOTONIC_COARSE exists on
    // every Linux this builds for (2.6.32+), so the call cannot fail.
    unsafe {
        libc::clock_gettime(libc::CLOCK_MONOTONIC_COARSE, &mut ts);
    }
    ts.tv_sec as u64 * 1000 + ts.tv_nsec as u64 / 1_000_000
}

struct Shared {
    deadline_ms: AtomicU64,
    /// Cleared when the connection's service is dropped, which may_minihttp
    /// does before it closes the stream: while this is set and held, the fd
    /// is still this connection's and not a reused number.
    open: Mutex<bool>,
}

/// The connection's side of the watchdog; dropping it retires the watchdog.
pub struct Watchdog {
    shared: Arc<Shared>,
}

impl Watchdog {
    pub fn spawn(fd: RawFd) -> Self {
        let shared = Arc::new(Shared {
            deadline_ms: AtomicU64::new(deadline(HEAD_TIMEOUT)),
            open: Mutex::new(true),
        });
        let watched = shared.clone();
        let builder = may::coroutine::Builder::new().stack_size(STACK_WORDS);
        // A failed spawn only leaves this connection without a timeout.
        let _ = may::go!(builder, move || watch(fd, &watched));
        Watchdog { shared }
    }

    /// A head has arrived whose request will wait (for its body or the
    /// database): it must be done within the body timeout. A request that
    /// never waits skips this; the deadline set when the previous one ended
    /// still covers it.
    pub fn request_waits(&self) {
        self.shared
            .deadline_ms
            .store(deadline(BODY_TIMEOUT), Ordering::Relaxed);
    }

    /// A request has been answered: the next head is due within the head timeout.
    pub fn request_ended(&self) {
        self.shared
            .deadline_ms
            .store(deadline(HEAD_TIMEOUT), Ordering::Relaxed);
    }
}

fn deadline(timeout: Duration) -> u64 {
    now_ms() + timeout.as_millis() as u64
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        *self.shared.open.lock().unwrap_or_else(|e| e.into_inner()) = false;
    }
}

fn watch(fd: RawFd, shared: &Shared) {
    loop {
        let deadline = shared.deadline_ms.load(Ordering::Relaxed);
        let now = now_ms();
        if now < deadline {
            may::coroutine::sleep(Duration::from_millis(deadline - now));
            continue;
        }
        let open = shared.open.lock().unwrap_or_else(|e| e.into_inner());
        if *open && shared.deadline_ms.load(Ordering::Relaxed) <= now_ms() {
            // SAFETY: `open` is held and true, so the fd is still this
            // connection's socket; an error (peer gone) needs no handling.
            unsafe {
                libc::shutdown(fd, libc::SHUT_RDWR);
            }
        }
        if !*open || shared.deadline_ms.load(Ordering::Relaxed) <= now_ms() {
            return;
        }
    }
}
