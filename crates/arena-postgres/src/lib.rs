//! The database endpoints (docs/API.md, "Database endpoints") over
//! tokio-postgres, the client TechEmpower's hyper, axum, actix and ntex
//! entries use, for every arena server that runs it (hyper, axum, actix, ntex
//! on each of its runtimes, pyo3-hyper's native routes).
//!
//! Pool policy, the same for every server: each worker thread keeps
//! `api_model::db::CONNECTIONS_PER_WORKER` connections, opened on first use on
//! that worker's runtime (so a connection's task never leaves its core),
//! picked round-robin, and reopened after a failure. Nothing is connected at
//! start-up: a server starts while the database is down and serves these
//! routes as soon as it is back. Every call, connecting included, is bounded
//! by `api_model::db::DB_TIMEOUT`; past it, or on any database error, the
//! answer is `ApiError::ServiceUnavailable` (503). A connection that broke,
//! or that let a call run past the timeout, is dropped from its slot: the
//! next call there opens a new one, so a peer that went silent (a hung or
//! unplugged database) is left behind instead of queueing every later query.
//!
//! The pool, its reconnects and its timeout are written once, over a
//! [`Runtime`]: how a worker opens a connection and runs its I/O, and how it
//! bounds time. [`Tokio`] (feature `tokio`, on by default) is tokio-postgres's
//! own connect on the worker's tokio runtime; a server on another runtime
//! opens the socket with its own I/O and hands it to
//! `tokio_postgres::Config::connect_raw` (ntex on its epoll and io_uring
//! drivers does), so the protocol code is tokio-postgres's on every runtime.
//!
//! tokio-postgres pipelines the queries that are in flight on one connection
//! at once; `worlds` and `updates` issue theirs concurrently on one
//! connection, which is that client's idiom (the manifest says
//! `pipelining = true`). Updates are one statement per row, not batched.

mod slot;
#[cfg(feature = "tokio")]
mod tokio_runtime;

use std::future::Future;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Once};
use std::time::{Duration, Instant};

use api_model::db::{self, Fortune, World, CONNECTIONS_PER_WORKER, DB_TIMEOUT};
use api_model::ApiError;
use futures_util::future::try_join_all;

use slot::{Connection, Slot};

/// The client itself, for a [`Runtime`] that opens its own connections (one
/// version of it in the whole build).
pub use tokio_postgres;
#[cfg(feature = "tokio")]
pub use tokio_runtime::Tokio;

/// Why a connection could not be opened. Only ever answered as 503; kept
/// whole for whoever debugs a runtime.
pub type ConnectError = Box<dyn std::error::Error + Send + Sync>;

/// What a pool needs from the runtime its worker runs: opening a connection
/// whose I/O is a task of that runtime, and a timer.
pub trait Runtime: 'static {
    /// Opens a connection to `config` and starts its I/O task on the calling
    /// worker's runtime; the task ends when the server closes the socket or
    /// the last `Client` is dropped.
    fn connect(
        config: &tokio_postgres::Config,
    ) -> impl Future<Output = Result<tokio_postgres::Client, ConnectError>>;

    /// `work`'s output, or `None` when it has not finished within `limit`
    /// (then `work` is dropped).
    fn timeout<F: Future>(limit: Duration, work: F) -> impl Future<Output = Option<F::Output>>;
}

/// One worker's connections, opened by runtime `R`. Cheap to clone.
pub struct PoolOn<R> {
    inner: Arc<Inner>,
    runtime: PhantomData<fn() -> R>,
}

/// The pool of a worker on tokio; `Pool::for_this_worker()` hands every
/// handler on a worker thread the same one.
#[cfg(feature = "tokio")]
pub type Pool = PoolOn<Tokio>;

struct Inner {
    /// `None`: no usable `ARENA_DATABASE_URL`; every call answers 503.
    config: Option<tokio_postgres::Config>,
    slots: Box<[Slot]>,
    next: AtomicUsize,
}

impl<R> Clone for PoolOn<R> {
    fn clone(&self) -> Self {
        PoolOn {
            inner: self.inner.clone(),
            runtime: PhantomData,
        }
    }
}

#[cfg(feature = "tokio")]
thread_local! {
    static WORKER_POOL: std::cell::OnceCell<Pool> = const { std::cell::OnceCell::new() };
}

#[cfg(feature = "tokio")]
impl Pool {
    /// This worker thread's pool, made on first use from `ARENA_DATABASE_URL`.
    /// Without that variable every call answers 503: the routes exist, the
    /// database does not.
    pub fn for_this_worker() -> Pool {
        WORKER_POOL.with(|cell| cell.get_or_init(Pool::from_env).clone())
    }
}

impl<R: Runtime> PoolOn<R> {
    /// A pool of the contract's `CONNECTIONS_PER_WORKER` connections to
    /// `ARENA_DATABASE_URL`, for one worker: make it on that worker's thread.
    pub fn from_env() -> Self {
        Self::new(
            std::env::var(db::DATABASE_URL_ENV).ok(),
            CONNECTIONS_PER_WORKER,
        )
    }

    /// A pool of `connections` lazily opened connections to `url`. A URL
    /// that does not parse is reported once on stderr and, like no URL,
    /// makes every call answer 503.
    pub fn new(url: Option<String>, connections: usize) -> Self {
        let config = url.and_then(|url| match url.parse::<tokio_postgres::Config>() {
            Ok(config) => Some(config),
            Err(e) => {
                static REPORTED: Once = Once::new();
                REPORTED.call_once(|| {
                    eprintln!("arena-postgres: the database URL does not parse ({e}); the database routes answer 503");
                });
                None
            }
        });
        PoolOn {
            inner: Arc::new(Inner {
                config,
                slots: (0..connections.max(1)).map(|_| Slot::default()).collect(),
                next: AtomicUsize::new(0),
            }),
            runtime: PhantomData,
        }
    }

    /// `GET /db`: one row by a random id.
    pub async fn world(&self) -> Result<World, ApiError> {
        self.bounded(|conn| async move { conn.world(db::random_id()).await })
            .await
    }

    /// `GET /queries`: `n` rows, each by its own query, pipelined on one connection.
    pub async fn worlds(&self, n: usize) -> Result<Vec<World>, ApiError> {
        self.bounded(|conn| async move {
            try_join_all((0..n).map(|_| conn.world(db::random_id()))).await
        })
        .await
    }

    /// `GET /fortunes`: every row plus the one added at request time, sorted
    /// by message; the caller renders them.
    pub async fn fortunes(&self) -> Result<Vec<Fortune>, ApiError> {
        self.bounded(|conn| async move { conn.fortunes().await })
            .await
            .map(db::fortunes_page_rows)
    }

    /// `GET /updates`: `n` random rows, each read by its own query, given a new
    /// random number and written back (one UPDATE per row, pipelined) before
    /// this returns.
    pub async fn updates(&self, n: usize) -> Result<Vec<World>, ApiError> {
        self.bounded(|conn| async move {
            let mut rows = try_join_all((0..n).map(|_| conn.world(db::random_id()))).await?;
            for row in &mut rows {
                row.random_number = db::random_id();
            }
            try_join_all(rows.iter().map(|row| conn.update(row))).await?;
            Ok(rows)
        })
        .await
    }

    /// Runs `work` on the next connection (opening it if needed), the whole
    /// of it within the database timeout.
    async fn bounded<T, F, Fut>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(Arc<Connection>) -> Fut,
        Fut: Future<Output = Result<T, tokio_postgres::Error>>,
    {
        let Some(config) = self.inner.config.as_ref() else {
            return Err(ApiError::ServiceUnavailable);
        };
        let started = Instant::now();
        let slot = &self.inner.slots
            [self.inner.next.fetch_add(1, Ordering::Relaxed) % self.inner.slots.len()];
        let conn = match R::timeout(DB_TIMEOUT, slot.connection::<R>(config)).await {
            Some(Ok(conn)) => conn,
            Some(Err(_)) | None => return Err(ApiError::ServiceUnavailable),
        };
        let left = DB_TIMEOUT.saturating_sub(started.elapsed());
        match R::timeout(left, work(conn.clone())).await {
            Some(Ok(value)) => Ok(value),
            // An error on a live connection (a statement the database refused)
            // says nothing about the connection: it stays.
            Some(Err(_)) if !conn.is_closed() => Err(ApiError::ServiceUnavailable),
            // Broken, or silent past the timeout: whatever is still queued on
            // it finishes or fails there; new calls go to a new connection.
            Some(Err(_)) | None => {
                slot.forget(&conn);
                Err(ApiError::ServiceUnavailable)
            }
        }
    }
}

#[cfg(all(test, feature = "tokio"))]
mod tests {
    use super::*;

    fn assert_send<T: Send>(_: &T) {}

    /// Servers on a work-stealing runtime (axum, hyper) need `Send` handler
    /// futures: the generic core must not lose that for `Tokio`.
    #[test]
    fn tokio_futures_are_send() {
        let pool = Pool::new(None, 1);
        assert_send(&pool.world());
        assert_send(&pool.worlds(2));
        assert_send(&pool.fortunes());
        assert_send(&pool.updates(2));
    }

    /// A worker's runtime whose clock jumps ahead whenever every task waits,
    /// so the timeout below takes no real time.
    fn run<T>(work: impl Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .unwrap()
            .block_on(work)
    }

    #[test]
    fn without_a_database_every_call_is_503() {
        run(async {
            let pool = Pool::new(None, 2);
            assert_eq!(pool.world().await, Err(ApiError::ServiceUnavailable));
            let pool = Pool::new(Some("not a url".into()), 2);
            assert_eq!(pool.worlds(3).await, Err(ApiError::ServiceUnavailable));
        });
    }

    #[test]
    fn a_refused_connection_is_503_and_retried() {
        // A port nothing listens on: bind one, note it, close it.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        run(async move {
            let pool = Pool::new(Some(format!("postgres://u:p@127.0.0.1:{port}/d")), 1);
            for _ in 0..3 {
                assert_eq!(pool.fortunes().await, Err(ApiError::ServiceUnavailable));
            }
        });
    }

    /// A server that accepts but never answers (a frozen database): the call
    /// gives up at the contract's timeout instead of waiting for it.
    #[test]
    fn a_silent_server_is_503_at_the_timeout() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        run(async move {
            let pool = Pool::new(Some(format!("postgres://u:p@127.0.0.1:{port}/d")), 1);
            assert_eq!(pool.world().await, Err(ApiError::ServiceUnavailable));
        });
        drop(listener);
    }
}
