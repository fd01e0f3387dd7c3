//! xitca-web's `HttpServer` settings, each one explained in README.md.

use std::time::Duration;

/// Header fields parsed per request: xitca's own default, a stack array.
pub const MAX_HEADERS: usize = 64;
/// Largest request head (and largest body chunk read in one go) a
/// connection buffers: xitca's default, 1 MiB.
pub const READ_BUF_LIMIT: usize = 1024 * 1024;
/// Write buffer high-water mark before a forced flush: xitca's default.
pub const WRITE_BUF_LIMIT: usize = 8192 + 4096 * 100;
/// An idle keep-alive connection is closed after this.
pub const KEEP_ALIVE: Duration = Duration::from_secs(5);
/// A request head must arrive within this; slow-loris guard, as the other
/// arena servers' header read timeout.
pub const REQUEST_HEAD_TIMEOUT: Duration = Duration::from_secs(10);
