//! The database endpoints' pool: `CONNECTIONS_PER_WORKER` connections for
//! each may worker thread. may's scheduler moves coroutines between its
//! workers, so the connections are one pool of workers × that count rather
//! than per-thread sets; the count per worker is the contract's.
//!
//! The pool is a may channel of slots: a slot is a connection or the room
//! for one, opened by the request that takes the slot while it is empty
//! (so nothing connects at start-up, and a failed connection is replaced
//! by the next request). Waiting for a slot is bounded like the rest of
//! the call: everything a request does with the database, the wait
//! included, ends by its deadline, `DB_TIMEOUT` after it started; past it,
//! or on any database error, the answer is 503.

use std::sync::OnceLock;
use std::time::Instant;

use api_model::db::url::ConnectParams;
use api_model::db::{self, Fortune, World, CONNECTIONS_PER_WORKER, DB_TIMEOUT};
use api_model::ApiError;
use may::sync::mpmc::{channel, Receiver, Sender};

use crate::pg::{self, Connection};

type Slot = Option<Connection>;

pub struct Pool {
    params: Option<ConnectParams>,
    give: Sender<Slot>,
    take: Receiver<Slot>,
}

static POOL: OnceLock<Pool> = OnceLock::new();

/// Makes the pool for `workers` worker threads, from `ARENA_DATABASE_URL`.
/// Without a usable URL every database route answers 503.
pub fn init(workers: usize) {
    let params = std::env::var(db::DATABASE_URL_ENV).ok().and_then(|url| {
        ConnectParams::from_url(&url)
            .inspect_err(|e| eprintln!("{}: {e}", db::DATABASE_URL_ENV))
            .ok()
    });
    let (give, take) = channel();
    for _ in 0..workers * CONNECTIONS_PER_WORKER {
        let _ = give.send(None);
    }
    let _ = POOL.set(Pool { params, give, take });
}

pub fn pool() -> &'static Pool {
    POOL.get().expect("db::init runs before the server starts")
}

impl Pool {
    /// `GET /db`: one row by a random id.
    pub fn world(&self) -> Result<World, ApiError> {
        self.with_connection(|conn, deadline| {
            let mut rows = conn.worlds(&[db::random_id()], deadline)?;
            rows.pop().ok_or_else(|| pg::Error::Server("no row".into()))
        })
    }

    /// `GET /queries`: `n` rows, each by its own query, pipelined.
    pub fn worlds(&self, n: usize) -> Result<Vec<World>, ApiError> {
        let ids: Vec<i32> = (0..n).map(|_| db::random_id()).collect();
        self.with_connection(|conn, deadline| conn.worlds(&ids, deadline))
    }

    /// `GET /fortunes`: every row plus the one added at request time, sorted
    /// by message; the caller renders them.
    pub fn fortunes(&self) -> Result<Vec<Fortune>, ApiError> {
        self.with_connection(|conn, deadline| conn.fortunes(deadline))
            .map(db::fortunes_page_rows)
    }

    /// `GET /updates`: `n` random rows read (pipelined), each given a new
    /// random number and written back (one UPDATE per row, pipelined); every
    /// write has completed when this returns.
    pub fn updates(&self, n: usize) -> Result<Vec<World>, ApiError> {
        let ids: Vec<i32> = (0..n).map(|_| db::random_id()).collect();
        self.with_connection(|conn, deadline| {
            let mut rows = conn.worlds(&ids, deadline)?;
            for row in &mut rows {
                row.random_number = db::random_id();
            }
            conn.update(&rows, deadline)?;
            Ok(rows)
        })
    }

    /// Runs `work` on a pooled connection (opened now if its slot is empty
    /// or its connection died while idle), all of it by the deadline. A
    /// connection whose call failed is closed, never handed back.
    fn with_connection<T>(
        &self,
        work: impl FnOnce(&mut Connection, Instant) -> Result<T, pg::Error>,
    ) -> Result<T, ApiError> {
        let deadline = Instant::now() + DB_TIMEOUT;
        let params = self.params.as_ref().ok_or(ApiError::ServiceUnavailable)?;
        let slot = self
            .take
            .recv_timeout(DB_TIMEOUT)
            .map_err(|_| ApiError::ServiceUnavailable)?;
        // Whatever happens below, the slot goes back, full or empty.
        let mut lease = Lease {
            pool: self,
            slot: slot.filter(Connection::is_usable),
        };
        if lease.slot.is_none() {
            lease.slot = Some(Connection::open(params, deadline).map_err(unavailable)?);
        }
        let conn = lease.slot.as_mut().expect("filled above");
        match work(conn, deadline) {
            Ok(value) => Ok(value),
            Err(e) => {
                // One line per connection lost, not per refused request.
                eprintln!("{e}; the connection is closed and reopened on a later request");
                lease.slot = None;
                Err(unavailable(e))
            }
        }
    }
}

struct Lease<'p> {
    pool: &'p Pool,
    slot: Slot,
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        // The receiver lives in the same static pool: this cannot fail.
        let _ = self.pool.give.send(self.slot.take());
    }
}

fn unavailable(_: pg::Error) -> ApiError {
    ApiError::ServiceUnavailable
}
