//! The tokio side: one current-thread runtime per worker thread, each with
//! its own SO_REUSEPORT listener (the layout of the arena's hyper server),
//! and a graceful stop that lets in-flight requests finish.

use std::io;
use std::net::{SocketAddr, TcpListener as StdListener};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_workers::guard::Guard;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::service::{handle, refusal, Shared};

pub struct Running {
    pub port: u16,
    stop: watch::Sender<bool>,
    threads: Vec<JoinHandle<()>>,
}

pub fn start(
    shared: Arc<Shared>,
    addr: SocketAddr,
    workers: usize,
    grace: Duration,
) -> io::Result<Running> {
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
        let (shared, stopped) = (shared.clone(), stopped.clone());
        threads.push(
            std::thread::Builder::new()
                .name(format!("pyo3-hyper-{i}"))
                .spawn(move || run_worker(listener, shared, stopped, grace))?,
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

fn run_worker(
    listener: StdListener,
    shared: Arc<Shared>,
    mut stopped: watch::Receiver<bool>,
    grace: Duration,
) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime always builds");
    runtime.block_on(async move {
        let listener = TcpListener::from_std(listener).expect("listener is non-blocking");
        // The same HTTP/1 settings and pre-routing guard as the arena's hyper
        // and axum servers.
        let http = hyper_workers::config::http1_builder();
        let service = {
            let (for_service, for_refusal) = (shared.clone(), shared);
            Guard::new(
                service_fn(move |req| handle(for_service.clone(), req)),
                move |r| refusal(&for_refusal, r),
            )
        };
        let graceful = GracefulShutdown::new();
        loop {
            let stream = tokio::select! {
                biased;
                _ = stopped.changed() => break,
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => stream,
                    Err(_) => {
                        // EMFILE and friends: back off instead of spinning.
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    }
                },
            };
            let connection = graceful.watch(
                http.serve_connection(hyper_workers::connection_io(stream), service.clone()),
            );
            tokio::spawn(async move {
                let _ = connection.await;
            });
        }
        drop(listener);
        let _ = tokio::time::timeout(grace, graceful.shutdown()).await;
    });
}
