//! xitca-web's `HttpServer` settings, each one explained in README.md.

use std::time::Duration;

/// Header fields parsed per request: xitca's own default, a stack array.
pub const MAX_HEADERS: usize = 64;
/// A request head still incomplete once this much is buffered is refused
/// with 431. xitca has no separate request-target limit, so this one bound
/// is both the head limit and the URI limit (8 KiB, the arena's URI cap).
/// xitca's default is 1 MiB.
pub const READ_BUF_LIMIT: usize = 8 * 1024;
/// Write buffer high-water mark before a forced flush: xitca's default.
pub const WRITE_BUF_LIMIT: usize = 8192 + 4096 * 100;
/// An idle keep-alive connection is closed after this.
pub const KEEP_ALIVE: Duration = Duration::from_secs(5);
/// A request head must arrive within this; slow-loris guard, as the other
/// arena servers' header read timeout.
pub const REQUEST_HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// A request body must arrive whole within this after the handler starts
/// reading it. xitca-http times only heads and idle connections, so the
/// body extractor enforces it (src/body.rs).
pub const BODY_READ_TIMEOUT: Duration = Duration::from_secs(10);
