//! What the hyper-based servers (hyper, axum, pyo3-hyper) share: the serving
//! loop, hyper's settings mapped from the contract's limits (`config`), the
//! pre-routing head checks (`guard`) and the socket wrapper that sends
//! pipelined responses in one write with bounded memory (`coalesce`).
//!
//! The fastest public hyper and axum setups avoid tokio's work-stealing
//! scheduler: each worker thread runs its own current-thread runtime and
//! accepts on its own `SO_REUSEPORT` listener, so a connection lives on one
//! core from accept to close and no task ever migrates. What differs between
//! the hyper and axum servers is the service, not this loop.

pub mod coalesce;
pub mod config;
pub mod guard;

use std::error::Error as StdError;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use api_model::cli::ServerArgs;
use hyper::body::{Body, Incoming};
use hyper::service::Service;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::coalesce::Coalesce;

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
        let http = config::http1_builder();
        loop {
            let (stream, _peer): (_, SocketAddr) = match listener.accept().await {
                Ok(accepted) => accepted,
                // EMFILE and friends: back off instead of spinning.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            };
            let connection = http.serve_connection(connection_io(stream), service.clone());
            tokio::spawn(async move {
                // A client that misbehaves or disconnects only ends its own
                // connection; nothing to report per connection.
                let _ = connection.await;
            });
        }
    });
}

/// A connection's socket as hyper gets it in every hyper-based server:
/// pipelined responses coalesced under a cap (`coalesce`).
pub fn connection_io<T>(io: T) -> TokioIo<Coalesce<T>> {
    TokioIo::new(Coalesce::new(io))
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
