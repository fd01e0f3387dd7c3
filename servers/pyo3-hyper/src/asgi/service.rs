//! One ASGI request on a tokio thread: the arena's guard in front, then the
//! request goes to the interpreter as Rust data and the response comes back
//! as a hyper response (whole, or a body streamed from the exchange).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;

use api_model::ApiError;
use bytes::{Bytes, BytesMut};
use hyper::body::{Body, Incoming};
use hyper::header::{HeaderValue, CONTENT_TYPE, EXPECT, SERVER};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_workers::guard::{Guard, Refusal};
use tokio::sync::oneshot;

use super::exchange::{self, AsgiBody, Exchange, Waiting, READ_AHEAD};
use super::queue::Queue;
use super::reply::ReplyTo;
use super::{Config, Event};

/// What the interpreter needs to run the app on one request.
pub struct Job {
    pub head: hyper::http::request::Parts,
    pub peer: Option<SocketAddr>,
    pub local: Option<SocketAddr>,
    /// The body bytes that were already there, and whether more follow.
    pub body: Bytes,
    pub more_body: bool,
    pub exchange: Arc<Exchange>,
    pub reply: ReplyTo,
    /// An `Upgrade: websocket` request: the upgrade future and the key.
    pub websocket: Option<super::ws::Upgrade>,
}

pub struct Shared {
    pub config: Arc<Config>,
    pub events: Arc<Queue<Event>>,
    /// ASGI (the asyncio loop) or WSGI (a pool of threads) takes the jobs.
    pub waiting: Waiting,
}

type Reply = Response<AsgiBody>;

/// Serves `shared` on `listener`: the arena's guard in front of every
/// request.
pub fn start(
    shared: Arc<Shared>,
    listener: std::net::TcpListener,
    workers: usize,
    grace: std::time::Duration,
) -> std::io::Result<crate::server::Running> {
    let shared_events = shared.events.clone();
    let make = move |peer, local| {
        let (for_service, for_refusal) = (shared.clone(), shared.clone());
        Guard::new(
            service_fn(move |req| handle(for_service.clone(), peer, local, req)),
            move |r| refusal(&for_refusal.config, r),
        )
    };
    // Requests queued while a worker ran wake the interpreter once, when
    // the worker has nothing left to do.
    let on_park: crate::server::OnPark = Arc::new(move || shared_events.flush());
    crate::server::start(
        Arc::new(make),
        Some(listener),
        workers,
        grace,
        Some(on_park),
    )
}

/// The guard's refusals carry the arena's error bodies, as on the native
/// routes: they come before the app sees anything.
fn refusal(config: &Config, r: Refusal) -> Reply {
    let (status, body) = match r {
        Refusal::Api(e) => (e.status(), Bytes::from(e.body())),
        Refusal::Status(code) => (code, Bytes::new()),
    };
    let mut res = Response::new(AsgiBody::full(body.clone()));
    *res.status_mut() = StatusCode::from_u16(status).expect("guard statuses are valid");
    if !body.is_empty() {
        res.headers_mut().insert(
            CONTENT_TYPE,
            HeaderValue::from_static(api_model::JSON_CONTENT_TYPE),
        );
    }
    if let Some(server) = &config.server_header {
        res.headers_mut().insert(SERVER, server.clone());
    }
    res
}

/// Marks the exchange disconnected if hyper drops the request before the
/// app answered (the client closed the connection).
struct Answering {
    exchange: Arc<Exchange>,
    armed: bool,
}

impl Drop for Answering {
    fn drop(&mut self) {
        if self.armed {
            self.exchange.disconnect();
        }
    }
}

async fn handle(
    shared: Arc<Shared>,
    peer: Option<SocketAddr>,
    local: Option<SocketAddr>,
    mut req: Request<Incoming>,
) -> Result<Reply, Infallible> {
    let exchange = Exchange::new(shared.events.clone(), shared.waiting);
    let (websocket, on_upgrade) = match shared.waiting {
        Waiting::Loop => super::ws::upgrade_of(&mut req).unzip(),
        Waiting::Threads => (None, None),
    };
    let (head, mut body) = req.into_parts();
    let expects_continue = head
        .headers
        .get(EXPECT)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    // The body bytes that came with the head: a small request is handed over
    // whole, so the app's first receive() needs no second trip. hyper moves
    // body bytes from its read buffer into `body` only after this future
    // yields once (in the same connection task): yield once, look again,
    // and then go with what is there (a slow client's body streams later).
    let mut first = Bytes::new();
    let mut more_body = !body.is_end_stream();
    if more_body && !expects_continue {
        let mut taken = BytesMut::new();
        let mut ended = false;
        let mut yielded = false;
        let mut failed = false;
        std::future::poll_fn(|cx| {
            while taken.len() < READ_AHEAD {
                match Pin::new(&mut body).poll_frame(cx) {
                    Poll::Ready(Some(Ok(frame))) => {
                        if let Ok(data) = frame.into_data() {
                            taken.extend_from_slice(&data);
                        }
                    }
                    Poll::Ready(Some(Err(_))) => {
                        failed = true;
                        break;
                    }
                    Poll::Ready(None) => {
                        ended = true;
                        break;
                    }
                    Poll::Pending if !yielded => {
                        yielded = true;
                        cx.waker().wake_by_ref();
                        return Poll::Pending;
                    }
                    Poll::Pending => break,
                }
            }
            Poll::Ready(())
        })
        .await;
        first = taken.freeze();
        more_body = !(ended || body.is_end_stream());
        if failed {
            // A broken body (bad chunked framing): the app gets what came,
            // then `http.disconnect`, never a body that looks whole.
            let mut inner = exchange.lock();
            inner.body_end = true;
            inner.body_failed = true;
            more_body = true;
        }
    }
    if more_body && !exchange.lock().body_end {
        tokio::spawn(exchange::pump(exchange.clone(), body, expects_continue));
    }
    let (tx, rx) = oneshot::channel();
    let job = Job {
        head,
        peer,
        local,
        body: first,
        more_body,
        exchange: exchange.clone(),
        reply: ReplyTo::new(tx, super::reply::inbox()),
        websocket,
    };
    if !shared.events.push(Event::Request(Box::new(job))) {
        return Ok(unavailable(&shared.config));
    }
    let mut answering = Answering {
        exchange: exchange.clone(),
        armed: true,
    };
    let res = rx.await;
    // Answered: from here on, hyper's drop of a streamed body tells of a
    // client that leaves mid-stream.
    answering.armed = false;
    // An error: the interpreter dropped the exchange unanswered (it stopped).
    let res = res.unwrap_or_else(|_| unavailable(&shared.config));
    if let Some(on_upgrade) = on_upgrade {
        if res.status() == StatusCode::SWITCHING_PROTOCOLS {
            // hyper hands over the connection once it has sent the 101.
            tokio::spawn(super::ws::session(on_upgrade, exchange));
        }
    }
    Ok(res)
}

fn unavailable(config: &Config) -> Reply {
    let e = ApiError::ServiceUnavailable;
    refusal(config, Refusal::Api(e))
}
