//! The one handle server code has on a may_minihttp connection: its file
//! descriptor. `HttpServiceFactory::start` of may_minihttp 0.1.11 creates one
//! service per accepted connection and passes the stream's raw fd as the
//! service id (`new_service(stream.as_raw_fd())`); the service lives inside
//! that connection's coroutine and is dropped before the stream, so the fd is
//! this connection's for the service's whole life. That detail is why the
//! version is pinned exactly.
//!
//! The library never closes a connection on its own initiative and never
//! sets `TCP_NODELAY`; both are done here at the socket level, without
//! touching its buffers or parser.

use std::os::fd::RawFd;

pub struct Conn {
    fd: RawFd,
}

impl Conn {
    /// Takes the fd may_minihttp passed as the service id.
    pub fn from_service_id(id: usize) -> Self {
        let conn = Conn { fd: id as RawFd };
        conn.set_nodelay();
        conn
    }

    /// Small responses leave at once instead of waiting for Nagle; the
    /// library writes each batch of responses with one write already.
    fn set_nodelay(&self) {
        let on: libc::c_int = 1;
        // SAFETY: a valid option pointer and length for this fd's lifetime;
        // a failure only leaves Nagle on.
        unsafe {
            libc::setsockopt(
                self.fd,
                libc::IPPROTO_TCP,
                libc::TCP_NODELAY,
                (&on as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            );
        }
    }

    /// Makes the connection end after the responses already produced are
    /// written: with the read side shut, the library's next read returns
    /// end-of-file, its connection loop ends and it closes the socket. Reads
    /// also stop waiting: data already queued is returned, then end-of-file
    /// instead of blocking, which lets a refused body be drained without
    /// waiting for bytes the client may never send. Each call wakes the
    /// connection's coroutine again, so calling it once more after draining
    /// is what ends a connection whose reads cleared the first wake-up.
    pub fn stop_reading(&self) {
        // SAFETY: shutdown on a socket fd this connection owns; an error
        // (peer already gone) needs no handling.
        unsafe {
            libc::shutdown(self.fd, libc::SHUT_RD);
        }
    }
}
