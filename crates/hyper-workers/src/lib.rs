//! The serving loop shared by the hyper-based servers (hyper, axum).
//!
//! The fastest public hyper and axum setups avoid tokio's work-stealing
//! scheduler: each worker thread runs its own current-thread runtime and
//! accepts on its own `SO_REUSEPORT` listener, so a connection lives on one
//! core from accept to close and no task ever migrates. What differs between
//! the hyper and axum servers is the service, not this loop.

use std::error::Error as StdError;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use api_model::cli::ServerArgs;
use hyper::body::{Body, Incoming};
use hyper::server::conn::http1;
use hyper::service::Service;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;

/// A client must send a request's whole header block within this time;
/// it also bounds how long hyper waits for the next request on an idle
/// keep-alive connection.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Requests with more headers than this get 431 from hyper.
pub const MAX_HEADERS: usize = 100;
/// hyper's read buffer cap, which is also its only bound on a request head:
/// a head that does not fit gets 431. 16 KiB is ample for real clients and
/// keeps a hostile head from pinning ~400 KiB (hyper's default) per connection.
pub const MAX_HEAD_BYTES: usize = 16 * 1024;

/// Serves `service` on `args.workers()` runtimes and blocks until SIGTERM or
/// SIGINT, then returns `Ok(())` so the process exits 0.
pub fn serve<S, B>(args: &ServerArgs, service: S) -> io::Result<()>
where
    S: Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn StdError + Send + Sync>>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
{
    let addr = args.addr()?;
    for worker in 0..args.workers() {
        // Bind on this thread so a taken port fails the process at start-up.
        let listener = api_model::listener::bind(addr, true)?;
        let service = service.clone();
        std::thread::Builder::new()
            .name(format!("worker-{worker}"))
            .spawn(move || run_worker(listener, service))?;
    }
    wait_for_shutdown_signal()
}

/// The HTTP/1 settings of every hyper-based server in the arena (hyper, axum,
/// pyo3-hyper): the header timeout and head limits above, keep-alive on.
pub fn http1_builder() -> http1::Builder {
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .max_headers(MAX_HEADERS)
        .max_buf_size(MAX_HEAD_BYTES)
        .keep_alive(true);
    // No `pipeline_flush(true)`, although hyper's TechEmpower entry sets it:
    // with it hyper keeps buffering responses while pipelined input is
    // pending, so a client that pipelines and never reads grows server
    // memory without bound (tests/hostile: unread responses).
    http
}

fn run_worker<S, B>(listener: std::net::TcpListener, service: S)
where
    S: Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn StdError + Send + Sync>>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime always builds");
    runtime.block_on(async move {
        let listener = TcpListener::from_std(listener).expect("listener is non-blocking");
        let http = http1_builder();
        loop {
            let (stream, _peer): (_, SocketAddr) = match listener.accept().await {
                Ok(accepted) => accepted,
                // EMFILE and friends: back off instead of spinning.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            };
            let connection = http.serve_connection(TokioIo::new(stream), service.clone());
            tokio::spawn(async move {
                // A client that misbehaves or disconnects only ends its own
                // connection; nothing to report per connection.
                let _ = connection.await;
            });
        }
    });
}

fn wait_for_shutdown_signal() -> io::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?;
    runtime.block_on(async {
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        tokio::select! {
            _ = term.recv() => {},
            _ = int.recv() => {},
        }
        Ok(())
    })
}
