//! The tokio side: one current-thread runtime per worker thread, all
//! accepting from one listening socket, and a stop bounded by the grace
//! period.
//!
//! One socket, bound once without `SO_REUSEPORT` and shared by the workers
//! (each watches a duplicate of its descriptor), rather than one
//! `SO_REUSEPORT` socket per worker: with `SO_REUSEPORT` on, a second server
//! of the same user binds the same port without an error and the kernel
//! splits connections between the two. Without it a port anyone holds is
//! `EADDRINUSE`, and only this server's workers share the accept queue (a
//! worker process forked later inherits the socket the same way).

use std::io;
use std::net::{SocketAddr, TcpListener as StdListener};
use std::os::unix::net::UnixStream as StdUnixStream;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use hyper::service::service_fn;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_workers::guard::Guard;
use tokio::net::{TcpListener, UnixStream};
use tokio::sync::{mpsc, watch};

use crate::handoff::KeptThreadState;
use crate::service::{handle, refusal, Shared};

/// Binds the server's one listening socket: `SO_REUSEADDR` (a restart need
/// not wait out TIME_WAIT) but no `SO_REUSEPORT`, so a taken port fails.
pub fn bind(addr: SocketAddr) -> io::Result<StdListener> {
    api_model::listener::bind(addr, false)
}

/// Where a worker's connections come from.
enum Source {
    Listener(StdListener),
    /// In-process connections (`Running::connect`, the test client).
    Channel(mpsc::UnboundedReceiver<StdUnixStream>),
}

pub struct Running {
    stop: watch::Sender<bool>,
    /// Workers still running, and the condition `stop` waits on.
    left: Arc<(Mutex<usize>, Condvar)>,
    connect: Option<mpsc::UnboundedSender<StdUnixStream>>,
    grace: Duration,
}

/// Starts `workers` threads serving `listener`, or (without one) a single
/// worker serving connections made by [`Running::connect`].
pub fn start(
    shared: Arc<Shared>,
    listener: Option<StdListener>,
    workers: usize,
    grace: Duration,
) -> io::Result<Running> {
    let (stop, stopped) = watch::channel(false);
    let mut sources = Vec::new();
    let mut connect = None;
    match listener {
        Some(listener) => {
            for _ in 1..workers {
                sources.push(Source::Listener(listener.try_clone()?));
            }
            sources.push(Source::Listener(listener));
        }
        None => {
            let (tx, rx) = mpsc::unbounded_channel();
            connect = Some(tx);
            sources.push(Source::Channel(rx));
        }
    }
    let left = Arc::new((Mutex::new(sources.len()), Condvar::new()));
    for (i, source) in sources.into_iter().enumerate() {
        let (shared, stopped, left) = (shared.clone(), stopped.clone(), left.clone());
        std::thread::Builder::new()
            .name(format!("pyo3-hyper-{i}"))
            .spawn(move || {
                run_worker(source, shared, stopped, grace);
                let (count, done) = &*left;
                *count.lock().expect("not poisoned") -= 1;
                done.notify_all();
            })?;
    }
    Ok(Running {
        stop,
        left,
        connect,
        grace,
    })
}

impl Running {
    /// Stops accepting, lets in-flight requests finish up to the grace
    /// period, then returns: a worker still held past it (a handler that
    /// blocks its thread) is left behind. Blocking: call without the GIL.
    pub fn stop(&mut self) {
        let _ = self.stop.send(true);
        self.connect = None;
        // The workers' own graceful stop ends at `grace`; a little more for
        // them to drop their connections.
        let deadline = Instant::now() + self.grace + Duration::from_millis(200);
        let (count, done) = &*self.left;
        let mut left = count.lock().expect("not poisoned");
        while *left > 0 {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            left = done
                .wait_timeout(left, deadline - now)
                .expect("not poisoned")
                .0;
        }
    }

    /// A new in-process connection; the other end is returned.
    pub fn connect(&self) -> io::Result<StdUnixStream> {
        let Some(connect) = &self.connect else {
            return Err(io::Error::other("this server serves a listening socket"));
        };
        let (ours, theirs) = StdUnixStream::pair()?;
        theirs.set_nonblocking(true)?;
        connect
            .send(theirs)
            .map_err(|_| io::Error::other("the server is stopped"))?;
        Ok(ours)
    }
}

fn run_worker(
    source: Source,
    shared: Arc<Shared>,
    mut stopped: watch::Receiver<bool>,
    grace: Duration,
) {
    // This thread attaches to the interpreter for every eager step.
    let _kept = KeptThreadState::new();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime always builds");
    runtime.block_on(async move {
        // The same HTTP/1 settings and pre-routing guard as the arena's hyper
        // and axum servers.
        let http = hyper_workers::config::http1_builder();
        let graceful = GracefulShutdown::new();
        let mut source = match source {
            Source::Listener(l) => {
                Accept::Tcp(TcpListener::from_std(l).expect("non-blocking listener"))
            }
            Source::Channel(rx) => Accept::Channel(rx),
        };
        loop {
            let (io, client) = tokio::select! {
                biased;
                _ = stopped.changed() => break,
                next = source.next() => match next {
                    Some(Ok(conn)) => conn,
                    Some(Err(_)) => {
                        // EMFILE and friends: back off instead of spinning.
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    }
                    None => break,
                },
            };
            let service = {
                let (for_service, for_refusal) = (shared.clone(), shared.clone());
                Guard::new(
                    service_fn(move |req| handle(for_service.clone(), req, client)),
                    move |r| refusal(&for_refusal, r),
                )
            };
            match io {
                Conn::Tcp(stream) => {
                    let conn = graceful.watch(
                        http.serve_connection(hyper_workers::connection_io(stream), service),
                    );
                    tokio::spawn(async move {
                        let _ = conn.await;
                    });
                }
                Conn::Unix(stream) => {
                    let conn = graceful.watch(
                        http.serve_connection(hyper_workers::connection_io(stream), service),
                    );
                    tokio::spawn(async move {
                        let _ = conn.await;
                    });
                }
            }
        }
        drop(source);
        let _ = tokio::time::timeout(grace, graceful.shutdown()).await;
    });
    // Dropping the runtime drops the connections still open, and with them
    // their requests: Python work still waiting is cancelled.
    drop(runtime);
}

enum Accept {
    Tcp(TcpListener),
    Channel(mpsc::UnboundedReceiver<StdUnixStream>),
}

enum Conn {
    Tcp(tokio::net::TcpStream),
    Unix(UnixStream),
}

impl Accept {
    async fn next(&mut self) -> Option<io::Result<(Conn, Option<SocketAddr>)>> {
        match self {
            Accept::Tcp(l) => Some(l.accept().await.map(|(s, peer)| (Conn::Tcp(s), Some(peer)))),
            Accept::Channel(rx) => {
                let stream = rx.recv().await?;
                Some(UnixStream::from_std(stream).map(|s| (Conn::Unix(s), None)))
            }
        }
    }
}
