//! Connection and buffer tuning, shared by every worker. Each value and the
//! reason for it is listed in README.md.

use ntex::http::{HttpServiceConfig, KeepAlive};
use ntex::io::IoConfig;
use ntex::time::Seconds;
use ntex::SharedCfg;

use crate::runtime::SERVER_NAME;

/// Read/write buffer high watermark: one read syscall takes up to 64 KiB,
/// enough for a deep pipeline of small requests.
const BUF_HIGH: usize = 64 * 1024 - 1;
/// Below this much free space the read buffer is grown before reading.
const BUF_LOW: usize = 2048;
/// Buffers kept per worker for reuse instead of freed after each connection.
const BUF_CACHE: usize = 128;

/// Idle time a keep-alive connection is kept open between requests: the
/// arena's idle timeout (ntex's TechEmpower entry uses longer; under load a
/// connection is never idle, so this costs no throughput).
const KEEP_ALIVE: Seconds = Seconds(10);
/// Time a client gets to send a complete request head, then 408 and close;
/// the arena's common header read timeout. ntex would extend the first
/// timeout while bytes keep coming; first and maximum are equal, so the
/// limit is absolute as in the other servers.
const HEAD_TIMEOUT: Seconds = Seconds(10);
/// Bytes per timeout period that would earn an extension (none here).
const HEAD_RATE: u32 = 256;
/// ntex's own default (96) raised to the arena's limit of 100 (then 431).
const MAX_HEADERS: usize = 100;
/// Largest request head (then 431): the arena's 16 KiB rather than ntex's
/// 64 KiB default, so a hostile head cannot pin 64 KiB per connection.
/// Bodies are not bound by it (the app's `PayloadConfig` limits them).
const MAX_HEAD: usize = 16 * 1024;
/// Time a worker gives open connections after SIGTERM; below the harness's
/// 5 s stop timeout so a graceful stop still ends in exit status 0.
pub const SHUTDOWN_TIMEOUT: Seconds = Seconds(2);

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
                .set_max_headers(MAX_HEADERS)
                .set_max_buf_size(MAX_HEAD),
        )
        .into()
}
