//! The one handle server code has on a may_minihttp connection: its file
//! descriptor. `HttpServiceFactory::start` of may_minihttp 0.1.11 creates one
//! service per accepted connection and passes the stream's raw fd as the
//! service id (`new_service(stream.as_raw_fd())`); the service lives inside
//! that connection's coroutine and is dropped before the stream, so the fd is
//! this connection's for the service's whole life. That detail is why the
//! version is pinned exactly.

use std::os::fd::RawFd;

/// The fd may_minihttp passed as the service id.
pub fn from_service_id(id: usize) -> RawFd {
    id as RawFd
}

/// may_minihttp never sets `TCP_NODELAY` (the call is commented out in its
/// accept loop): without it the tail segment of a response can wait for the
/// client's delayed ACK. The library writes each batch of responses with one
/// write already, so Nagle buys nothing.
pub fn set_nodelay(fd: RawFd) {
    let on: libc::c_int = 1;
    // SAFETY: a valid option pointer and length for this fd's lifetime; a
    // failure only leaves Nagle on.
    unsafe {
        libc::setsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_NODELAY,
            (&on as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
    }
}
