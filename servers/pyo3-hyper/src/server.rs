//! The tokio side: one current-thread runtime per worker thread, each with
//! its own SO_REUSEPORT listener (the layout of the arena's hyper server),
//! and a graceful stop that lets in-flight requests finish. What serves a
//! connection (native routes or an ASGI/WSGI app) is the caller's
//! [`MakeService`].

use std::error::Error as StdError;
use std::io;
use std::net::{SocketAddr, TcpListener as StdListener};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use hyper::body::{Body, Incoming};
use hyper::service::Service;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};

/// What a worker needs of the caller: `make(peer, local)` builds the service
/// of one connection (`peer`, `local`: an ASGI scope's `client` and `server`).
pub trait MakeService<S>: Fn(SocketAddr, SocketAddr) -> S + Send + Sync + 'static {}
impl<F, S> MakeService<S> for F where F: Fn(SocketAddr, SocketAddr) -> S + Send + Sync + 'static {}

pub struct Running {
    pub port: u16,
    stop: watch::Sender<bool>,
    threads: Vec<JoinHandle<()>>,
}

/// Runs on a worker thread each time its runtime is about to sleep: where
/// the ASGI server wakes the interpreter once for everything queued
/// meanwhile, instead of once per request.
pub type OnPark = Arc<dyn Fn() + Send + Sync>;

pub fn start<M, S, B>(
    make: Arc<M>,
    addr: SocketAddr,
    workers: usize,
    grace: Duration,
    on_park: Option<OnPark>,
) -> io::Result<Running>
where
    M: MakeService<S>,
    S: Service<Request<Incoming>, Response = Response<B>, Future: Send + 'static> + Send + 'static,
    S::Error: Into<Box<dyn StdError + Send + Sync>>,
    B: Body<Data: Send, Error: Into<Box<dyn StdError + Send + Sync>>> + Send + 'static,
{
    // Bind every listener before spawning so a taken port fails here; port 0
    // becomes the first listener's port, shared by the others.
    let first = api_model::listener::bind(addr, true)?;
    let bound = first.local_addr()?;
    let mut listeners = vec![first];
    for _ in 1..workers {
        listeners.push(api_model::listener::bind(bound, true)?);
    }
    let (stop, stopped) = watch::channel(false);
    let mut threads = Vec::new();
    for (i, listener) in listeners.into_iter().enumerate() {
        let (make, stopped, on_park) = (make.clone(), stopped.clone(), on_park.clone());
        threads.push(
            std::thread::Builder::new()
                .name(format!("pyo3-hyper-{i}"))
                .spawn(move || run_worker(listener, make, stopped, grace, on_park))?,
        );
    }
    Ok(Running {
        port: bound.port(),
        stop,
        threads,
    })
}

impl Running {
    /// Stops accepting, lets in-flight requests finish (up to the grace
    /// period), then joins the workers. Blocking: call without the GIL.
    pub fn stop(&mut self) {
        let _ = self.stop.send(true);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

fn run_worker<M, S, B>(
    listener: StdListener,
    make: Arc<M>,
    mut stopped: watch::Receiver<bool>,
    grace: Duration,
    on_park: Option<OnPark>,
) where
    M: MakeService<S>,
    S: Service<Request<Incoming>, Response = Response<B>, Future: Send + 'static> + Send + 'static,
    S::Error: Into<Box<dyn StdError + Send + Sync>>,
    B: Body<Data: Send, Error: Into<Box<dyn StdError + Send + Sync>>> + Send + 'static,
{
    let mut builder = tokio::runtime::Builder::new_current_thread();
    builder.enable_all();
    if let Some(on_park) = on_park {
        builder.on_thread_park(move || on_park());
    }
    let runtime = builder
        .build()
        .expect("a current-thread runtime always builds");
    runtime.block_on(async move {
        let listener = TcpListener::from_std(listener).expect("listener is non-blocking");
        let local = listener
            .local_addr()
            .expect("a bound listener has an address");
        // The same HTTP/1 settings as the arena's hyper and axum servers.
        let http = hyper_workers::config::http1_builder();
        // Every connection task holds a clone; once all are dropped the
        // connections are drained. (hyper-util's GracefulShutdown does not
        // take the upgradeable connections WebSocket needs.)
        let (open, mut drained) = mpsc::channel::<()>(1);
        loop {
            let (stream, peer) = tokio::select! {
                biased;
                _ = stopped.changed() => break,
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(_) => {
                        // EMFILE and friends: back off instead of spinning.
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    }
                },
            };
            let service = make(peer, local);
            // Upgrades (WebSocket) are handed back to the service; without one
            // this is the plain HTTP/1 connection.
            let connection = http
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades();
            let (open, mut stopping) = (open.clone(), stopped.clone());
            tokio::spawn(async move {
                let mut connection = std::pin::pin!(connection);
                tokio::select! {
                    _ = connection.as_mut() => {}
                    _ = stopping.changed() => {
                        // Finish the request in flight, then close; an idle
                        // keep-alive connection closes at once.
                        connection.as_mut().graceful_shutdown();
                        let _ = connection.await;
                    }
                }
                drop(open);
            });
        }
        drop(listener);
        drop(open);
        let _ = tokio::time::timeout(grace, drained.recv()).await;
    });
}
