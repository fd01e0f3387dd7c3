//! hyper's HTTP/1 settings, mapped from the contract's limits.

use api_model::limits::{HEADER_READ_TIMEOUT, MAX_HEADERS, MAX_HEAD_BYTES};
use hyper::server::conn::http1;
use hyper_util::rt::TokioTimer;

/// The HTTP/1 settings of every hyper-based server in the arena (hyper, axum,
/// pyo3-hyper).
///
/// hyper has no idle timeout of its own: its header read timer also runs
/// while a keep-alive connection waits for its next request, so
/// `HEADER_READ_TIMEOUT` bounds both. Its read buffer cap (`max_buf_size`) is
/// its only bound on a request head; past it hyper answers 431, which also
/// keeps a hostile head from pinning hyper's ~400 KiB default per connection.
/// The request target has no bound in hyper: the guard (`crate::guard`)
/// refuses one over `MAX_URI_BYTES`.
pub fn http1_builder() -> http1::Builder {
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .max_headers(MAX_HEADERS)
        .max_buf_size(MAX_HEAD_BYTES)
        .keep_alive(true);
    // No `pipeline_flush(true)`, although hyper's TechEmpower entry sets it:
    // with it hyper skips its flushes while its read buffer holds unparsed
    // bytes and ignores its write-buffer cap, so a client that pipelines,
    // never reads and never lets a read end on a request boundary grows
    // server memory without bound. Pipelined responses are coalesced below
    // hyper instead, under a cap (`crate::coalesce`).
    http
}
