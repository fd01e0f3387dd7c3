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
//!
//! What serves a connection (the native routes, an ASGI or a WSGI app) is
//! the caller's [`MakeService`]; connections keep hyper's upgrades
//! (WebSocket).

use std::error::Error as StdError;
use std::io;
use std::net::{SocketAddr, TcpListener as StdListener};
use std::os::unix::net::UnixStream as StdUnixStream;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use hyper::body::{Body, Incoming};
use hyper::rt::{Read, Write};
use hyper::service::Service;
use hyper::{Request, Response};
use tokio::net::{TcpListener, UnixStream};
use tokio::sync::{mpsc, watch};

use crate::handoff::KeptThreadState;

/// What a worker needs of the caller: `make(client, local)` builds the
/// service of one connection (`client`, `local`: an ASGI scope's `client`
/// and `server`; None for an in-process connection).
pub trait MakeService<S>:
    Fn(Option<SocketAddr>, Option<SocketAddr>) -> S + Send + Sync + 'static
{
}
impl<F, S> MakeService<S> for F where
    F: Fn(Option<SocketAddr>, Option<SocketAddr>) -> S + Send + Sync + 'static
{
}

/// Runs on a worker thread each time its runtime is about to sleep: where
/// the ASGI server wakes the interpreter once for everything queued
/// meanwhile, instead of once per request.
pub type OnPark = Arc<dyn Fn() + Send + Sync>;

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
pub fn start<M, S, B>(
    make: Arc<M>,
    listener: Option<StdListener>,
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
        let (make, stopped, left) = (make.clone(), stopped.clone(), left.clone());
        let on_park = on_park.clone();
        std::thread::Builder::new()
            .name(format!("pyo3-hyper-{i}"))
            .spawn(move || {
                run_worker(source, make, stopped, grace, on_park);
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

fn run_worker<M, S, B>(
    source: Source,
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
    // This thread attaches to the interpreter for every eager step.
    let _kept = KeptThreadState::new();
    let mut builder = tokio::runtime::Builder::new_current_thread();
    builder.enable_all();
    if let Some(on_park) = on_park {
        builder.on_thread_park(move || on_park());
    }
    let runtime = builder
        .build()
        .expect("a current-thread runtime always builds");
    runtime.block_on(async move {
        // The same HTTP/1 settings as the arena's hyper and axum servers.
        let http = hyper_workers::config::http1_builder();
        let mut source = match source {
            Source::Listener(l) => {
                Accept::Tcp(TcpListener::from_std(l).expect("non-blocking listener"))
            }
            Source::Channel(rx) => Accept::Channel(rx),
        };
        let local = source.local_addr();
        // Every connection task holds a clone; once all are dropped the
        // connections are drained. (hyper-util's GracefulShutdown does not
        // take the upgradeable connections WebSocket needs.)
        let (open, mut drained) = mpsc::channel::<()>(1);
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
            let service = make(client, local);
            let (open, stopping) = (open.clone(), stopped.clone());
            match io {
                Conn::Tcp(stream) => {
                    tokio::spawn(serve(
                        &http,
                        hyper_workers::connection_io(stream),
                        service,
                        stopping,
                        open,
                    ));
                }
                Conn::Unix(stream) => {
                    tokio::spawn(serve(
                        &http,
                        hyper_workers::connection_io(stream),
                        service,
                        stopping,
                        open,
                    ));
                }
            }
        }
        drop(source);
        drop(open);
        let _ = tokio::time::timeout(grace, drained.recv()).await;
    });
    // Dropping the runtime drops the connections still open, and with them
    // their requests: Python work still waiting is cancelled.
    drop(runtime);
}

/// One connection, until it ends or the stop: then the request in flight is
/// finished and an idle keep-alive connection closes at once. `open` is
/// held until then.
fn serve<I, S, B>(
    http: &hyper::server::conn::http1::Builder,
    io: I,
    service: S,
    mut stopping: watch::Receiver<bool>,
    open: mpsc::Sender<()>,
) -> impl std::future::Future<Output = ()> + Send + 'static
where
    I: Read + Write + Unpin + Send + 'static,
    S: Service<Request<Incoming>, Response = Response<B>, Future: Send + 'static> + Send + 'static,
    S::Error: Into<Box<dyn StdError + Send + Sync>>,
    B: Body<Data: Send, Error: Into<Box<dyn StdError + Send + Sync>>> + Send + 'static,
{
    let connection = http.serve_connection(io, service).with_upgrades();
    async move {
        let mut connection = std::pin::pin!(connection);
        tokio::select! {
            _ = connection.as_mut() => {}
            _ = stopping.changed() => {
                connection.as_mut().graceful_shutdown();
                let _ = connection.await;
            }
        }
        drop(open);
    }
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
    fn local_addr(&self) -> Option<SocketAddr> {
        match self {
            Accept::Tcp(l) => l.local_addr().ok(),
            Accept::Channel(_) => None,
        }
    }

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
