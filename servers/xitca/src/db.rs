//! The database endpoints' queries on xitca-postgres, xitca's own client, in
//! its idiom: a `Pool` per worker (built by `App::with_async_state`, so each
//! worker's connections and their driver tasks stay on its thread), prepared
//! statements cached per connection, and the queries of one request written
//! before any answer is awaited, with the connection handed back to the pool
//! at once so other requests pipeline on it too.
//!
//! The pool opens its connections on first use (up to
//! `CONNECTIONS_PER_WORKER`) and skips one whose driver has ended, so the
//! server starts while PostgreSQL is down and reconnects when it is back.
//! Every call, connecting included, is bounded by `DB_TIMEOUT`; past it, or on
//! any database error, the answer is 503.

use std::convert::Infallible;
use std::future::Future;

use api_model::db::{self, sql, Fortune, World, CONNECTIONS_PER_WORKER, DB_TIMEOUT};
use api_model::ApiError;
use xitca_postgres::iter::AsyncLendingIterator;
use xitca_postgres::pool::Pool;
use xitca_postgres::types::Type;
use xitca_postgres::{Execute, Statement};

/// A database call that did not give the contract's answer: PostgreSQL
/// unreachable, refusing, erring, or a row the table should have but lacks.
struct Unavailable;

impl From<xitca_postgres::Error> for Unavailable {
    fn from(_: xitca_postgres::Error) -> Self {
        Unavailable
    }
}

/// One worker's state: its pool, or none when `ARENA_DATABASE_URL` is unset
/// or unusable (every database route then answers 503).
pub struct Db {
    pool: Option<Pool>,
}

impl Db {
    /// Runs once on each worker; nothing is connected yet.
    pub async fn for_worker() -> Result<Db, Infallible> {
        let pool = std::env::var(db::DATABASE_URL_ENV).ok().and_then(|url| {
            Pool::builder(url.as_str())
                .capacity(CONNECTIONS_PER_WORKER)
                .build()
                .inspect_err(|e| eprintln!("{}: {e}", db::DATABASE_URL_ENV))
                .ok()
        });
        Ok(Db { pool })
    }

    /// `GET /db`: one row by a random id.
    pub async fn world(&self) -> Result<World, ApiError> {
        let pool = self.pool()?;
        bounded(async {
            let mut conn = pool.get().await?;
            let stmt = select_world().execute(&mut conn).await?;
            let mut rows = stmt.bind([db::random_id()]).query(&conn.consume()).await?;
            world(rows.try_next().await?)
        })
        .await
    }

    /// `GET /queries`: `n` rows, each by its own query, all written before
    /// the first answer is read.
    pub async fn worlds(&self, n: usize) -> Result<Vec<World>, ApiError> {
        let pool = self.pool()?;
        bounded(async {
            let mut conn = pool.get().await?;
            let stmt = select_world().execute(&mut conn).await?;
            let conn = conn.consume();
            let pending: Vec<_> = (0..n)
                .map(|_| stmt.bind([db::random_id()]).query(&conn))
                .collect();
            drop(conn);
            let mut rows = Vec::with_capacity(n);
            for answer in pending {
                rows.push(world(answer.await?.try_next().await?)?);
            }
            Ok(rows)
        })
        .await
    }

    /// `GET /fortunes`: every row plus the one added at request time, sorted
    /// by message; the caller renders them.
    pub async fn fortunes(&self) -> Result<Vec<Fortune>, ApiError> {
        let pool = self.pool()?;
        bounded(async {
            let mut conn = pool.get().await?;
            let stmt = Statement::named(sql::SELECT_FORTUNES, &[])
                .execute(&mut conn)
                .await?;
            let mut rows = stmt.bind_none().query(&conn.consume()).await?;
            let mut fortunes = Vec::with_capacity(16);
            while let Some(row) = rows.try_next().await? {
                fortunes.push(Fortune {
                    id: row.try_get(0)?,
                    message: row.try_get::<String>(1)?,
                });
            }
            Ok(db::fortunes_page_rows(fortunes))
        })
        .await
    }

    /// `GET /updates`: `n` random rows, each read by its own query and written
    /// back with a new random number by its own UPDATE (the shared statement,
    /// one per row: xitca-postgres has no batching of its own). The reads and
    /// then the updates go out in one pipeline on one connection; PostgreSQL
    /// runs them in order, each row's read before its write, and every
    /// answer is in before this returns.
    pub async fn updates(&self, n: usize) -> Result<Vec<World>, ApiError> {
        let pool = self.pool()?;
        bounded(async {
            let mut conn = pool.get().await?;
            let select = select_world().execute(&mut conn).await?;
            let update = Statement::named(sql::UPDATE_WORLD, &[Type::INT4, Type::INT4])
                .execute(&mut conn)
                .await?;
            let conn = conn.consume();
            let ids: Vec<i32> = (0..n).map(|_| db::random_id()).collect();
            let reads: Vec<_> = ids
                .iter()
                .map(|&id| select.bind([id]).query(&conn))
                .collect();
            let rows: Vec<World> = ids
                .iter()
                .map(|&id| World {
                    id,
                    random_number: db::random_id(),
                })
                .collect();
            let writes: Vec<_> = rows
                .iter()
                .map(|row| update.bind([row.random_number, row.id]).execute(&conn))
                .collect();
            drop(conn);
            for (read, row) in reads.into_iter().zip(&rows) {
                let read = world(read.await?.try_next().await?)?;
                if read.id != row.id {
                    return Err(Unavailable);
                }
            }
            for write in writes {
                if write.await? != 1 {
                    return Err(Unavailable);
                }
            }
            Ok(rows)
        })
        .await
    }

    fn pool(&self) -> Result<&Pool, ApiError> {
        self.pool.as_ref().ok_or(ApiError::ServiceUnavailable)
    }
}

fn select_world() -> xitca_postgres::statement::StatementNamed<'static> {
    Statement::named(sql::SELECT_WORLD, &[Type::INT4])
}

fn world(row: Option<xitca_postgres::row::Row<'_>>) -> Result<World, Unavailable> {
    let row = row.ok_or(Unavailable)?;
    Ok(World {
        id: row.try_get(0)?,
        random_number: row.try_get(1)?,
    })
}

/// The whole call within the database timeout. Dropping an unfinished call
/// drops its pending answers (the driver discards them when they arrive)
/// and hands its connection back: a frozen database costs a request its
/// timeout, never a worker.
async fn bounded<T>(work: impl Future<Output = Result<T, Unavailable>>) -> Result<T, ApiError> {
    match tokio::time::timeout(DB_TIMEOUT, work).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(Unavailable)) | Err(_) => Err(ApiError::ServiceUnavailable),
    }
}
