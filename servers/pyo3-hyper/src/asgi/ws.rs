//! ASGI WebSocket over hyper's upgrade and tokio-tungstenite.
//!
//! The handshake request reaches the app as a `websocket` scope; the app's
//! `websocket.accept` becomes hyper's 101 response, after which a tokio task
//! ([`session`]) runs the WebSocket on the upgraded connection: whole
//! messages cross in the exchange (`ws_in`, `ws_out`), each way bounded.
//! tungstenite answers pings and reassembles fragments; the session pings
//! an idle client and ends a connection that stops answering.

use std::net::SocketAddr;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use hyper::body::Incoming;
use hyper::header::{
    HeaderName, HeaderValue, CONNECTION, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY,
    SEC_WEBSOCKET_PROTOCOL, SEC_WEBSOCKET_VERSION, SERVER, UPGRADE,
};
use hyper::http::request::Parts;
use hyper::upgrade::OnUpgrade;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString};
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use super::cycle::{internal_error, ready, ClientDisconnected};
use super::exchange::{AsgiBody, Exchange, HIGH_WATER, LOW_WATER};
use super::reply::ReplyTo;
use super::scope::{self, Kind};
use super::{Config, PyCtx};

/// Messages from the client queued before the session stops reading
/// (TCP then holds the client back).
const INBOX: usize = 16;
/// uvicorn's defaults: a message of at most 16 MiB, a ping every 20 s, and
/// a client that has sent nothing for two pings is gone.
const MAX_MESSAGE: usize = 16 * 1024 * 1024;
const PING_EVERY: Duration = Duration::from_secs(20);
/// No close code in the client's Close frame (RFC 6455 §7.1.5).
const NO_STATUS: u16 = 1005;
/// The connection ended without a Close frame (RFC 6455 §7.1.5).
const ABNORMAL: u16 = 1006;

/// What the app needs of a WebSocket handshake request; the upgrade
/// itself stays on the tokio side.
pub struct Upgrade {
    key: HeaderValue,
}

/// An RFC 6455 §4.2.1 opening handshake: hyper's upgrade future (kept by the
/// service) and the key the app's accept answers.
pub fn upgrade_of(req: &mut Request<Incoming>) -> Option<(Upgrade, OnUpgrade)> {
    let headers = req.headers();
    let has_token = |name: HeaderName, token: &str| {
        headers.get_all(name).iter().any(|v| {
            v.to_str()
                .is_ok_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
        })
    };
    if req.method() != Method::GET
        || !has_token(UPGRADE, "websocket")
        || !has_token(CONNECTION, "upgrade")
        || headers
            .get(SEC_WEBSOCKET_VERSION)
            .map(HeaderValue::as_bytes)
            != Some(b"13")
    {
        return None;
    }
    let key = headers.get(SEC_WEBSOCKET_KEY)?.clone();
    Some((Upgrade { key }, hyper::upgrade::on(req)))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// `websocket.connect` not yet received by the app.
    Connecting,
    Handshake,
    Accepted,
    /// The app sent `websocket.close` (or was refused before accepting).
    Closed,
}

#[pyclass(module = "pyo3_hyper._core")]
pub struct WsCycle {
    exchange: Arc<Exchange>,
    ctx: Arc<PyCtx>,
    config: Arc<Config>,
    key: HeaderValue,
    reply: Option<ReplyTo>,
    state: State,
}

#[allow(clippy::too_many_arguments)]
pub fn start(
    py: Python<'_>,
    ctx: &Arc<PyCtx>,
    config: &Arc<Config>,
    head: Parts,
    peer: Option<SocketAddr>,
    local: Option<SocketAddr>,
    exchange: Arc<Exchange>,
    reply: ReplyTo,
    upgrade: Upgrade,
) -> PyResult<()> {
    let scope = scope::build(py, ctx, Kind::WebSocket, &head, peer, local)?;
    let cycle = WsCycle {
        exchange,
        ctx: ctx.clone(),
        config: config.clone(),
        key: upgrade.key,
        reply: Some(reply),
        state: State::Connecting,
    };
    let coro = ctx
        .runner
        .bind(py)
        .call1((ctx.app.bind(py), scope, cycle))?;
    ctx.create_task.bind(py).call1((coro,))?;
    Ok(())
}

fn dict<'py>(py: Python<'py>, kind: &Bound<'py, PyString>) -> PyResult<Bound<'py, PyDict>> {
    let msg = PyDict::new(py);
    msg.set_item(intern!(py, "type"), kind)?;
    Ok(msg)
}

fn disconnect<'py>(py: Python<'py>, code: u16, reason: &str) -> PyResult<Bound<'py, PyAny>> {
    let msg = dict(py, intern!(py, "websocket.disconnect"))?;
    msg.set_item(intern!(py, "code"), code)?;
    msg.set_item(intern!(py, "reason"), reason)?;
    Ok(msg.into_any())
}

#[pymethods]
impl WsCycle {
    /// `websocket.connect`, then each `websocket.receive`, then
    /// `websocket.disconnect` with the close code.
    fn receive<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let mut this = slf.borrow_mut();
        if this.state == State::Connecting {
            this.state = State::Handshake;
            let msg = dict(py, intern!(py, "websocket.connect"))?;
            return ready(py, Some(msg.into_any()));
        }
        let exchange = this.exchange.clone();
        let mut inner = exchange.lock();
        if let Some(message) = inner.ws_in.pop_front() {
            if inner.ws_in.len() + 1 == INBOX {
                if let Some(session) = inner.pump.take() {
                    session.wake();
                }
            }
            drop(inner);
            let msg = dict(py, intern!(py, "websocket.receive"))?;
            match message {
                Message::Text(text) => {
                    msg.set_item(intern!(py, "text"), text.as_str())?;
                    msg.set_item(intern!(py, "bytes"), py.None())?;
                }
                other => {
                    msg.set_item(intern!(py, "bytes"), PyBytes::new(py, &other.into_data()))?;
                    msg.set_item(intern!(py, "text"), py.None())?;
                }
            }
            return ready(py, Some(msg.into_any()));
        }
        if let Some((code, reason)) = &inner.ws_closed {
            let (code, reason) = (*code, reason.clone());
            drop(inner);
            return ready(py, Some(disconnect(py, code, &reason)?));
        }
        if inner.disconnected || (inner.complete && this.state != State::Accepted) {
            // Gone during the handshake, or refused by the app.
            drop(inner);
            return ready(py, Some(disconnect(py, ABNORMAL, "")?));
        }
        inner.recv_waiting = true;
        drop(inner);
        let (future, later) = this.ctx.park_receive(py, &exchange)?;
        drop(this);
        later.call1((future, slf))
    }

    /// `websocket.accept`, `websocket.send`, `websocket.close`.
    fn send<'py>(
        &mut self,
        py: Python<'py>,
        message: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let kind = message.get_item(intern!(py, "type"))?;
        let kind = kind.cast::<PyString>()?.to_str()?;
        {
            let inner = self.exchange.lock();
            if inner.disconnected || inner.ws_closed.is_some() {
                return Err(ClientDisconnected::new_err("the WebSocket is closed"));
            }
        }
        match (kind, self.state) {
            ("websocket.accept", State::Connecting | State::Handshake) => {
                let res = self.accept(py, message)?;
                self.state = State::Accepted;
                self.answer(py, res)?;
                ready(py, None)
            }
            ("websocket.close", State::Connecting | State::Handshake) => {
                // Refused before the handshake completed: 403, no upgrade.
                self.state = State::Closed;
                let mut res = Response::new(AsgiBody::full(Bytes::new()));
                *res.status_mut() = StatusCode::FORBIDDEN;
                if let Some(server) = &self.config.server_header {
                    res.headers_mut().insert(SERVER, server.clone());
                }
                self.answer(py, res)?;
                self.exchange.lock().complete = true;
                ready(py, None)
            }
            ("websocket.send", State::Accepted) => {
                let bytes = optional(message, intern!(py, "bytes"))?;
                let text = optional(message, intern!(py, "text"))?;
                let frame = match (bytes, text) {
                    (Some(b), None) => {
                        Message::Binary(Bytes::copy_from_slice(b.cast::<PyBytes>()?.as_bytes()))
                    }
                    (None, Some(t)) => Message::Text(t.cast::<PyString>()?.to_str()?.into()),
                    _ => {
                        return Err(PyValueError::new_err(
                            "websocket.send needs exactly one of 'bytes' and 'text'",
                        ))
                    }
                };
                if self.push(frame) {
                    return self.wait_drained(py);
                }
                ready(py, None)
            }
            ("websocket.close", State::Accepted) => {
                let code: u16 = match optional(message, intern!(py, "code"))? {
                    Some(code) => code.extract()?,
                    None => 1000,
                };
                let reason: String = match optional(message, intern!(py, "reason"))? {
                    Some(reason) => reason.extract()?,
                    None => String::new(),
                };
                self.state = State::Closed;
                self.push(close_frame(code, reason));
                ready(py, None)
            }
            (other, _) => Err(PyRuntimeError::new_err(format!(
                "Unexpected ASGI message '{other}' in the WebSocket's state"
            ))),
        }
    }

    /// The app's task ended: before the handshake completed, 500 (it
    /// raised) or 403 (it returned); an open WebSocket closes, with 1011
    /// if the app raised.
    #[pyo3(signature = (error=None))]
    fn finish(&mut self, py: Python<'_>, error: Option<&Bound<'_, PyAny>>) -> bool {
        match self.state {
            State::Connecting | State::Handshake => {
                if let Some(reply) = self.reply.take() {
                    let res = if error.is_some() {
                        internal_error(&self.config)
                    } else {
                        let mut res = Response::new(AsgiBody::full(Bytes::new()));
                        *res.status_mut() = StatusCode::FORBIDDEN;
                        res
                    };
                    let _ = reply.defer(py, res, &self.ctx.flush);
                }
                self.exchange.lock().complete = true;
            }
            State::Accepted => {
                let code = if error.is_some() { 1011 } else { 1000 };
                self.push(close_frame(code, String::new()));
            }
            State::Closed => {}
        }
        self.state = State::Closed;
        false
    }
}

impl WsCycle {
    fn accept(&self, py: Python<'_>, message: &Bound<'_, PyAny>) -> PyResult<Response<AsgiBody>> {
        let mut res = Response::new(AsgiBody::full(Bytes::new()));
        *res.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
        let headers = res.headers_mut();
        headers.insert(UPGRADE, HeaderValue::from_static("websocket"));
        headers.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
        let accept = derive_accept_key(self.key.as_bytes());
        headers.insert(
            SEC_WEBSOCKET_ACCEPT,
            HeaderValue::from_str(&accept).expect("base64 is a valid header value"),
        );
        if let Some(subprotocol) = optional(message, intern!(py, "subprotocol"))? {
            let subprotocol = subprotocol.cast::<PyString>()?.to_str()?;
            headers.insert(
                SEC_WEBSOCKET_PROTOCOL,
                HeaderValue::from_str(subprotocol)
                    .map_err(|e| PyValueError::new_err(format!("invalid subprotocol: {e}")))?,
            );
        }
        if let Some(extra) = optional(message, intern!(py, "headers"))? {
            for pair in extra.try_iter()? {
                let pair = pair?;
                let name = pair.get_item(0)?;
                let value = pair.get_item(1)?;
                let name = HeaderName::from_bytes(name.cast::<PyBytes>()?.as_bytes())
                    .map_err(|e| PyValueError::new_err(format!("invalid header name: {e}")))?;
                let value = HeaderValue::from_bytes(value.cast::<PyBytes>()?.as_bytes())
                    .map_err(|e| PyValueError::new_err(format!("invalid header value: {e}")))?;
                headers.append(name, value);
            }
        }
        if let Some(server) = &self.config.server_header {
            if !headers.contains_key(SERVER) {
                headers.insert(SERVER, server.clone());
            }
        }
        Ok(res)
    }

    fn answer(&mut self, py: Python<'_>, res: Response<AsgiBody>) -> PyResult<()> {
        let reply = self
            .reply
            .take()
            .ok_or_else(|| PyRuntimeError::new_err("the handshake is already answered"))?;
        if reply.defer(py, res, &self.ctx.flush)?.is_err() {
            self.exchange.disconnect();
            return Err(ClientDisconnected::new_err("the client has disconnected"));
        }
        Ok(())
    }

    /// Queues a frame for the session; true when past the high-water mark.
    fn push(&self, frame: Message) -> bool {
        let mut inner = self.exchange.lock();
        inner.ws_out_queued += frame.len();
        inner.ws_out.push_back(frame);
        if let Some(session) = inner.out_waker.take() {
            session.wake();
        }
        inner.ws_out_queued > HIGH_WATER
    }

    fn wait_drained<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.exchange.lock().send_waiting = true;
        self.ctx.park_send(py, &self.exchange)
    }
}

impl Drop for WsCycle {
    fn drop(&mut self) {
        self.exchange.release_waiters();
    }
}

fn close_frame(code: u16, reason: String) -> Message {
    Message::Close(Some(CloseFrame {
        code: CloseCode::from(code),
        reason: reason.into(),
    }))
}

fn optional<'py>(
    message: &Bound<'py, PyAny>,
    key: &Bound<'py, PyString>,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    let value = match message.cast::<PyDict>() {
        Ok(dict) => dict.get_item(key)?,
        Err(_) => Some(message.call_method1("get", (key,))?),
    };
    Ok(value.filter(|v| !v.is_none()))
}

/// The WebSocket ended (`code`, `reason` for `websocket.disconnect`):
/// wake whatever the app waits on.
fn ended(exchange: &Arc<Exchange>, code: u16, reason: String) {
    let mut inner = exchange.lock();
    if inner.ws_closed.is_none() {
        inner.ws_closed = Some((code, reason));
    }
    inner.disconnected = true;
    let wake = std::mem::take(&mut inner.recv_waiting) | std::mem::take(&mut inner.send_waiting);
    drop(inner);
    if wake {
        exchange.post_wake();
    }
}

/// The next frame the app queued; registers the session's waker for both
/// the app's sends and its draining of the inbox.
async fn next_out(exchange: &Arc<Exchange>) -> Message {
    std::future::poll_fn(|cx| {
        let mut inner = exchange.lock();
        if let Some(frame) = inner.ws_out.pop_front() {
            inner.ws_out_queued -= frame.len();
            let wake = inner.send_waiting && inner.ws_out_queued <= LOW_WATER;
            if wake {
                inner.send_waiting = false;
            }
            drop(inner);
            if wake {
                exchange.post_wake();
            }
            return Poll::Ready(frame);
        }
        inner.out_waker = Some(cx.waker().clone());
        inner.pump = Some(cx.waker().clone());
        Poll::Pending
    })
    .await
}

fn inbox_has_room(exchange: &Exchange) -> bool {
    exchange.lock().ws_in.len() < INBOX
}

async fn inbox_room(exchange: &Arc<Exchange>) {
    std::future::poll_fn(|cx| {
        let mut inner = exchange.lock();
        if inner.ws_in.len() < INBOX {
            return Poll::Ready(());
        }
        inner.pump = Some(cx.waker().clone());
        Poll::Pending
    })
    .await
}

/// The WebSocket on the upgraded connection, until either side closes it.
pub async fn session(on_upgrade: OnUpgrade, exchange: Arc<Exchange>) {
    let Ok(upgraded) = on_upgrade.await else {
        return ended(&exchange, ABNORMAL, String::new());
    };
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_MESSAGE));
    let ws =
        WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(config)).await;
    let (mut sink, mut stream) = ws.split();
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + PING_EVERY, PING_EVERY);
    let mut heard = true;
    let mut closing = false;
    loop {
        let room = inbox_has_room(&exchange);
        tokio::select! {
            frame = next_out(&exchange) => {
                let close = matches!(frame, Message::Close(_));
                if sink.send(frame).await.is_err() {
                    return ended(&exchange, ABNORMAL, String::new());
                }
                // Then wait for the client's Close (or its silence).
                closing |= close;
            }
            incoming = stream.next(), if room => match incoming {
                Some(Ok(Message::Close(frame))) => {
                    // tungstenite queued the reply Close: send it, then end.
                    let _ = sink.flush().await;
                    let (code, reason) = frame.map_or((NO_STATUS, String::new()), |f| {
                        (u16::from(f.code), f.reason.as_str().to_owned())
                    });
                    return ended(&exchange, code, reason);
                }
                Some(Ok(message @ (Message::Text(_) | Message::Binary(_)))) => {
                    heard = true;
                    let mut inner = exchange.lock();
                    inner.ws_in.push_back(message);
                    let wake = std::mem::take(&mut inner.recv_waiting);
                    drop(inner);
                    if wake {
                        exchange.post_wake();
                    }
                }
                // Pings are answered by tungstenite; pongs and the rest
                // only show the client is there.
                Some(Ok(_)) => heard = true,
                Some(Err(_)) | None => return ended(&exchange, ABNORMAL, String::new()),
            },
            () = inbox_room(&exchange), if !room => {}
            _ = ping.tick() => {
                if !heard || closing {
                    return ended(&exchange, ABNORMAL, String::new());
                }
                heard = false;
                if sink.send(Message::Ping(Bytes::new())).await.is_err() {
                    return ended(&exchange, ABNORMAL, String::new());
                }
            }
        }
    }
}
