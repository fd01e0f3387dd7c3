//! The timeouts may_minihttp does not have: its connection loop waits on a
//! read without any deadline (http_server.rs, `each_connection_loop` and
//! `BodyReader`), so a silent, idle or trickling client would hold its
//! coroutine forever. A watchdog coroutine per connection closes the socket
//! (`shutdown(SHUT_RDWR)`, which makes the library's pending read return
//! end-of-file and end the connection) once no request has started or ended
//! for `TIMEOUT`.
//!
//! One deadline covers three limits because they are equal here: the first
//! head must arrive within `TIMEOUT` of the connection opening, the next one
//! within `TIMEOUT` of the previous response (idle keep-alive and header
//! read), and a request's body within `TIMEOUT` of its head.

use std::os::fd::RawFd;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

pub const TIMEOUT: Duration = Duration::from_secs(10);
/// The watchdog only sleeps and makes two syscalls: may's default stack (in words).
const STACK_WORDS: usize = 0x1000;

fn now_ms() -> u64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    EPOCH.get_or_init(Instant::now).elapsed().as_millis() as u64
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
            deadline_ms: AtomicU64::new(now_ms() + TIMEOUT.as_millis() as u64),
            open: Mutex::new(true),
        });
        let watched = shared.clone();
        let builder = may::coroutine::Builder::new().stack_size(STACK_WORDS);
        // A failed spawn only leaves this connection without a timeout.
        let _ = may::go!(builder, move || watch(fd, &watched));
        Watchdog { shared }
    }

    /// A request started or ended: the client gets `TIMEOUT` from now for its
    /// body or its next request.
    pub fn progress(&self) {
        self.shared
            .deadline_ms
            .store(now_ms() + TIMEOUT.as_millis() as u64, Ordering::Relaxed);
    }
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
