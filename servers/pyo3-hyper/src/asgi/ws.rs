//! WebSocket over hyper's upgrade (not yet served: the request reaches the
//! app as plain HTTP).

use std::net::SocketAddr;
use std::sync::Arc;

use hyper::body::Incoming;
use hyper::http::request::Parts;
use hyper::{Request, Response};
use pyo3::prelude::*;
use tokio::sync::oneshot;

use super::exchange::{AsgiBody, Exchange};
use super::PyCtx;

pub struct Upgrade;

pub fn upgrade_of(_req: &mut Request<Incoming>) -> Option<Upgrade> {
    None
}

#[allow(clippy::too_many_arguments)]
pub fn start(
    _py: Python<'_>,
    _ctx: &Arc<PyCtx>,
    _head: Parts,
    _peer: SocketAddr,
    _local: SocketAddr,
    _exchange: Arc<Exchange>,
    _reply: oneshot::Sender<Response<AsgiBody>>,
    _upgrade: Upgrade,
) -> PyResult<()> {
    Ok(())
}
