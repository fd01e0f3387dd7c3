//! One connection of a worker's pool: opened on first use, shared by every
//! request that lands on it (tokio-postgres pipelines their queries), and
//! forgotten when it breaks so the next request opens a new one.

use std::sync::{Arc, Mutex};

use api_model::db::{sql, Fortune, World};
use tokio_postgres::{Client, Config, Statement};

use crate::{ConnectError, Runtime};

/// A live connection with the endpoints' statements prepared on it.
pub(crate) struct Connection {
    client: Client,
    select_world: Statement,
    select_fortunes: Statement,
    update_world: Statement,
}

impl Connection {
    async fn open<R: Runtime>(config: &Config) -> Result<Connection, ConnectError> {
        let client = R::connect(config).await?;
        let (select_world, select_fortunes, update_world) = tokio::try_join!(
            client.prepare(sql::SELECT_WORLD),
            client.prepare(sql::SELECT_FORTUNES),
            client.prepare(sql::UPDATE_WORLD),
        )?;
        Ok(Connection {
            client,
            select_world,
            select_fortunes,
            update_world,
        })
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.client.is_closed()
    }

    pub(crate) async fn world(&self, id: i32) -> Result<World, tokio_postgres::Error> {
        let row = self.client.query_one(&self.select_world, &[&id]).await?;
        Ok(World {
            id: row.try_get(0)?,
            random_number: row.try_get(1)?,
        })
    }

    pub(crate) async fn fortunes(&self) -> Result<Vec<Fortune>, tokio_postgres::Error> {
        let rows = self.client.query(&self.select_fortunes, &[]).await?;
        rows.iter()
            .map(|row| {
                Ok(Fortune {
                    id: row.try_get(0)?,
                    message: row.try_get(1)?,
                })
            })
            .collect()
    }

    pub(crate) async fn update(&self, row: &World) -> Result<(), tokio_postgres::Error> {
        self.client
            .execute(&self.update_world, &[&row.random_number, &row.id])
            .await
            .map(drop)
    }
}

/// A pool slot: the connection, if one is open, and a gate so that only one
/// request at a time opens it (the others wait for that attempt, within their
/// own timeout, instead of stampeding the database with connects).
#[derive(Default)]
pub(crate) struct Slot {
    current: Mutex<Option<Arc<Connection>>>,
    opening: tokio::sync::Mutex<()>,
}

impl Slot {
    fn live(&self) -> Option<Arc<Connection>> {
        let current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        current.as_ref().filter(|c| !c.is_closed()).cloned()
    }

    pub(crate) async fn connection<R: Runtime>(
        &self,
        config: &Config,
    ) -> Result<Arc<Connection>, ConnectError> {
        if let Some(conn) = self.live() {
            return Ok(conn);
        }
        let _gate = self.opening.lock().await;
        // Another request may have opened it while this one waited.
        if let Some(conn) = self.live() {
            return Ok(conn);
        }
        let conn = Arc::new(Connection::open::<R>(config).await?);
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) = Some(conn.clone());
        Ok(conn)
    }

    /// Drops `conn` from the slot if it is still the slot's connection.
    pub(crate) fn forget(&self, conn: &Arc<Connection>) {
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        if current.as_ref().is_some_and(|c| Arc::ptr_eq(c, conn)) {
            *current = None;
        }
    }
}
