//! The database endpoints (docs/API.md, "Database endpoints") over
//! tokio-postgres, the client TechEmpower's hyper, axum and actix entries use,
//! for every arena server whose workers run a tokio runtime (hyper, axum,
//! actix, ntex on tokio, pyo3-hyper's native routes).
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
//! tokio-postgres pipelines the queries that are in flight on one connection
//! at once; `worlds` and `updates` issue theirs concurrently on one
//! connection, which is that client's idiom (the manifest says
//! `pipelining = true`). Updates are one statement per row, not batched.

mod slot;

use std::cell::OnceCell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Once};

use api_model::db::{self, Fortune, World, CONNECTIONS_PER_WORKER, DB_TIMEOUT};
use api_model::ApiError;
use futures_util::future::try_join_all;
use tokio::time::{timeout_at, Instant};
use tokio_postgres::Config;

use slot::{Connection, Slot};

/// One worker's connections. Cheap to clone; `Pool::for_this_worker()` hands
/// every handler on a worker thread the same one.
#[derive(Clone)]
pub struct Pool {
    inner: Arc<Inner>,
}

struct Inner {
    config: Option<Config>,
    slots: Box<[Slot]>,
    next: AtomicUsize,
}

thread_local! {
    static WORKER_POOL: OnceCell<Pool> = const { OnceCell::new() };
}

impl Pool {
    /// This worker thread's pool, made on first use from `ARENA_DATABASE_URL`.
    /// Without that variable every call answers 503: the routes exist, the
    /// database does not.
    pub fn for_this_worker() -> Pool {
        WORKER_POOL.with(|cell| {
            cell.get_or_init(|| {
                Pool::new(
                    std::env::var(db::DATABASE_URL_ENV).ok(),
                    CONNECTIONS_PER_WORKER,
                )
            })
            .clone()
        })
    }

    /// A pool of `connections` lazily opened connections to `url`. A URL
    /// that does not parse is reported once on stderr and, like no URL,
    /// makes every call answer 503.
    pub fn new(url: Option<String>, connections: usize) -> Pool {
        let config = url.and_then(|url| match url.parse::<Config>() {
            Ok(config) => Some(config),
            Err(e) => {
                static REPORTED: Once = Once::new();
                REPORTED.call_once(|| {
                    eprintln!("arena-postgres: the database URL does not parse ({e}); the database routes answer 503");
                });
                None
            }
        });
        Pool {
            inner: Arc::new(Inner {
                config,
                slots: (0..connections.max(1)).map(|_| Slot::default()).collect(),
                next: AtomicUsize::new(0),
            }),
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
        Fut: std::future::Future<Output = Result<T, tokio_postgres::Error>>,
    {
        let Some(config) = &self.inner.config else {
            return Err(ApiError::ServiceUnavailable);
        };
        let deadline = Instant::now() + DB_TIMEOUT;
        let slot = &self.inner.slots
            [self.inner.next.fetch_add(1, Ordering::Relaxed) % self.inner.slots.len()];
        let conn = match timeout_at(deadline, slot.connection(config)).await {
            Ok(Ok(conn)) => conn,
            Ok(Err(_)) | Err(_) => return Err(ApiError::ServiceUnavailable),
        };
        match timeout_at(deadline, work(conn.clone())).await {
            Ok(Ok(value)) => Ok(value),
            // An error on a live connection (a statement the database refused)
            // says nothing about the connection: it stays.
            Ok(Err(_)) if !conn.is_closed() => Err(ApiError::ServiceUnavailable),
            // Broken, or silent past the timeout: whatever is still queued on
            // it finishes or fails there; new calls go to a new connection.
            Ok(Err(_)) | Err(_) => {
                slot.forget(&conn);
                Err(ApiError::ServiceUnavailable)
            }
        }
    }
}
