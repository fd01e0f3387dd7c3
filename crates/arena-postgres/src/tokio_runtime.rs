//! The pool on tokio: tokio-postgres's own connect (TCP_NODELAY, host
//! resolution), each connection's I/O a task of the worker's runtime, and
//! tokio's timer.

use std::future::Future;
use std::time::Duration;

use tokio_postgres::{Client, Config, NoTls};

use crate::{ConnectError, Runtime};

/// The runtime of a worker that runs tokio (a current-thread runtime per
/// worker, or a worker thread of a multi-threaded one).
pub struct Tokio;

impl Runtime for Tokio {
    async fn connect(config: &Config) -> Result<Client, ConnectError> {
        let (client, connection) = config.connect(NoTls).await?;
        tokio::spawn(connection);
        Ok(client)
    }

    async fn timeout<F: Future>(limit: Duration, work: F) -> Option<F::Output> {
        tokio::time::timeout(limit, work).await.ok()
    }
}
