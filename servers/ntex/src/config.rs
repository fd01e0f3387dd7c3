//! ntex's settings, shared by every worker: the contract's limits
//! (`api_model::limits`) mapped into `HttpServiceConfig`, and ntex's own
//! buffer tuning. Each value and the reason for it is listed in README.md.
//! The request-target bound has no ntex setting: guard.rs applies it.

use std::time::Duration;

use api_model::limits;
use ntex::http::{HttpServiceConfig, KeepAlive};
use ntex::io::IoConfig;
use ntex::time::Seconds;
use ntex::web::types::PayloadConfig;
use ntex::SharedCfg;

use crate::runtime::SERVER_NAME;

/// Read/write buffer high watermark: one read syscall takes up to 64 KiB,
/// enough for a deep pipeline of small requests.
const BUF_HIGH: usize = 64 * 1024 - 1;
/// Below this much free space the read buffer is grown before reading.
const BUF_LOW: usize = 2048;
/// Buffers kept per worker for reuse instead of freed after each connection.
const BUF_CACHE: usize = 128;

/// Idle time a keep-alive connection is kept open between requests (ntex's
/// TechEmpower entry uses longer; under load a connection is never idle, so
/// this costs no throughput).
const KEEP_ALIVE: Seconds = seconds(limits::IDLE_TIMEOUT);
/// Time a client gets to send a complete request head, then 408 and close.
/// ntex would extend the first timeout while bytes keep coming; first and
/// maximum are equal, so the limit is absolute as in the other servers.
const HEAD_TIMEOUT: Seconds = seconds(limits::HEADER_READ_TIMEOUT);
/// Bytes per timeout period that would earn an extension (none here).
const HEAD_RATE: u32 = 256;
/// Largest buffered request head, for ntex's `max_buf_size` (431 at or past
/// it): just above the contract's head limit, whose rule counts the request
/// and field lines but not the empty line that ends the head, so that
/// guard.rs decides with the same sizes as every other server. Far below
/// ntex's 64 KiB default, so a hostile head cannot pin 64 KiB per
/// connection. Bodies are not bound by it (the app's `PayloadConfig` is).
const MAX_BUF_SIZE: usize = limits::MAX_HEAD_BYTES + "\r\n".len() + 1;
/// Time a worker gives open connections after SIGTERM; below the harness's
/// 5 s stop timeout so a graceful stop still ends in exit status 0.
pub const SHUTDOWN_TIMEOUT: Seconds = Seconds(2);

/// A contract timeout in ntex's whole seconds (saturating at u16::MAX).
const fn seconds(d: Duration) -> Seconds {
    Seconds::checked_new(d.as_secs() as usize)
}

pub fn shared() -> SharedCfg {
    SharedCfg::new(SERVER_NAME)
        .add(
            IoConfig::new()
                .set_read_buf(BUF_HIGH, BUF_LOW, BUF_CACHE)
                .set_write_buf(BUF_HIGH, BUF_LOW, BUF_CACHE),
        )
        .add(
            HttpServiceConfig::new()
                .set_keepalive(KeepAlive::Timeout(KEEP_ALIVE))
                .set_headers_read_rate(HEAD_TIMEOUT, HEAD_TIMEOUT, HEAD_RATE)
                // ntex's default is 96; more than this is answered 431.
                .set_max_headers(limits::MAX_HEADERS)
                .set_max_buf_size(MAX_BUF_SIZE),
        )
        .into()
}

/// App state for ntex's `Bytes` extractor: a streamed body is cut at the
/// contract's limit (a declared length past it is refused by
/// `echo::check_head` before the extractor runs).
pub fn payload() -> PayloadConfig {
    PayloadConfig::new(limits::BODY_LIMIT)
}

/// The settings of the sockets to PostgreSQL on ntex's own drivers
/// (src/postgres.rs): the server's buffer tuning, so a pipelined batch of
/// answers is read in one go. One per worker thread: an ntex config is built
/// once and shared by reference.
#[cfg(not(feature = "tokio"))]
pub fn postgres() -> SharedCfg {
    thread_local! {
        static POSTGRES: SharedCfg = SharedCfg::new("postgres")
            .add(
                IoConfig::new()
                    .set_read_buf(BUF_HIGH, BUF_LOW, BUF_CACHE)
                    .set_write_buf(BUF_HIGH, BUF_LOW, BUF_CACHE),
            )
            .into();
    }
    POSTGRES.with(Clone::clone)
}
