//! One request, on a tokio thread: route, enforce the contract's errors,
//! answer native routes, or hand the request to Python (`handoff.rs`) and
//! await its reply.

use std::collections::HashSet;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use api_model::{echo, ApiError, BODY_READ_TIMEOUT};
use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::{Body as _, Incoming};
use hyper::header::{HeaderValue, ALLOW, CONNECTION, CONTENT_TYPE, SERVER};
use hyper::{Request, Response, StatusCode};
use hyper_workers::guard::Refusal;
use pyo3::prelude::*;
use serde::de::IgnoredAny;

use crate::body::{Body, Stream};
use crate::handler::{BodyRule, Handler, PyRoute};
use crate::handoff::{Call, Handoff};
use crate::reply::{Reply, ReplyBody, JSON};
use crate::response::Origin;
use crate::router::{Match, Params, Router};

/// Everything a request needs, shared read-only by every worker.
pub struct Shared {
    pub router: Router,
    pub server_name: HeaderValue,
    pub body_limit: usize,
    pub handoff: Arc<Handoff>,
    /// `report(method, path, exception)`: logs a handler's exception (in an
    /// Arc: cloning it for a request needs no GIL).
    pub report: Arc<Py<PyAny>>,
}

pub async fn handle(
    shared: Arc<Shared>,
    req: Request<Incoming>,
    client: Option<SocketAddr>,
) -> Result<Response<Body>, Infallible> {
    let reply = route(&shared, req, client).await;
    Ok(response(&shared, reply))
}

/// A request the guard (`hyper_workers::guard`) refused before routing: a
/// contract error with its body, or a bare status with an empty body, like
/// hyper's own 431.
pub fn refusal(shared: &Shared, r: Refusal) -> Response<Body> {
    let reply = match r {
        Refusal::Api(e) => Reply::error(e),
        Refusal::Status(code) => {
            Reply::empty(StatusCode::from_u16(code).expect("guard statuses are valid"))
        }
    };
    response(shared, reply)
}

/// The defaults (`Server`, the body's `Content-Type`) first; a header the
/// handler sets replaces its default, and a name it sets twice is sent twice.
fn response(shared: &Shared, reply: Reply) -> Response<Body> {
    let body = match reply.body {
        ReplyBody::Full(bytes) => Body::full(bytes),
        ReplyBody::Stream(generator) => {
            Body::Stream(Stream::new(generator, shared.handoff.clone()))
        }
    };
    let mut res = Response::new(body);
    *res.status_mut() = reply.status;
    let headers = res.headers_mut();
    headers.insert(SERVER, shared.server_name.clone());
    if let Some(content_type) = reply.content_type {
        headers.insert(CONTENT_TYPE, content_type);
    }
    match reply.headers.len() {
        0 => {}
        1 => {
            let (name, value) = reply.headers.into_iter().next().expect("one");
            headers.insert(name, value);
        }
        _ => {
            let mut seen = HashSet::new();
            for (name, value) in reply.headers {
                if seen.insert(name.clone()) {
                    headers.insert(name, value);
                } else {
                    headers.append(name, value);
                }
            }
        }
    }
    res
}

async fn route(shared: &Shared, req: Request<Incoming>, client: Option<SocketAddr>) -> Reply {
    let handler = match shared.router.find(req.method(), req.uri().path()) {
        None => return Reply::error(ApiError::NotFound),
        Some(Match::Error(e)) => return Reply::error(e),
        Some(Match::WrongMethod(allow)) => {
            let allow = HeaderValue::from_str(allow).expect("method names are valid header values");
            return Reply::error(ApiError::MethodNotAllowed).with_header(ALLOW, allow);
        }
        Some(Match::Found(handler, params)) => (handler.clone(), params),
    };
    let (handler, params) = handler;
    if let Handler::Python(route) = &*handler {
        return python(shared, route, params, req, client)
            .await
            .unwrap_or_else(body_error);
    }
    let query = match &*handler {
        Handler::Database(_) => req.uri().query().map(str::to_owned),
        _ => None,
    };
    // Bodies are always drained, even where nothing reads them.
    if !req.body().is_end_stream() {
        if let Err(e) = read_body(shared, req).await {
            return body_error(e);
        }
    }
    match &*handler {
        Handler::Static { body, content_type } => Reply::ok(content_type.clone(), body.clone()),
        Handler::NativeJson { value } => Reply::ok(
            JSON,
            serde_json::to_vec(value)
                .expect("a JSON value serializes")
                .into(),
        ),
        Handler::Database(endpoint) => crate::database::answer(*endpoint, query.as_deref()).await,
        Handler::Python(_) => unreachable!("answered above"),
    }
}

/// Why a body read ended without a body.
enum BodyError {
    Api(ApiError),
    TimedOut,
}

impl From<ApiError> for BodyError {
    fn from(e: ApiError) -> Self {
        BodyError::Api(e)
    }
}

/// A 413 may leave an unread body behind: close instead of resyncing.
fn error(e: ApiError) -> Reply {
    let reply = Reply::error(e);
    if e == ApiError::PayloadTooLarge {
        reply.with_header(CONNECTION, HeaderValue::from_static("close"))
    } else {
        reply
    }
}

/// A timed-out body is 408 and the connection closes: its rest may still come.
fn body_error(e: BodyError) -> Reply {
    match e {
        BodyError::Api(e) => error(e),
        BodyError::TimedOut => Reply::status_error(StatusCode::REQUEST_TIMEOUT, None)
            .with_header(CONNECTION, HeaderValue::from_static("close")),
    }
}

async fn python(
    shared: &Shared,
    route: &Arc<PyRoute>,
    params: Params,
    req: Request<Incoming>,
    client: Option<SocketAddr>,
) -> Result<Reply, BodyError> {
    if route.body == BodyRule::Json {
        // The contract's echo head checks, against the App's own body limit.
        let content_type = req.headers().get(CONTENT_TYPE).map(HeaderValue::as_bytes);
        echo::check_head_within(content_type, declared_length(&req), shared.body_limit)?;
    }
    // The head moves into the Request as it is: no copy of the headers or the URI.
    let (parts, body) = req.into_parts();
    // Most requests have no body: no read, and no timer for it.
    let body = if body.is_end_stream() {
        Bytes::new()
    } else {
        read_incoming(shared, body).await?
    };
    // Skipping a document (IgnoredAny) does not check the bytes inside its
    // strings, so UTF-8 is validated first.
    if route.body == BodyRule::Json && !is_json_document(&body) {
        return Err(ApiError::BadRequest.into());
    }
    let request = crate::request::Request {
        method: parts.method,
        uri: parts.uri,
        params,
        headers: parts.headers,
        body,
        client,
    };
    let call = HandlerCall {
        route: route.clone(),
        request: Some(request),
        called: None,
        report: shared.report.clone(),
    };
    // None: the interpreter side is closed (the server is stopping).
    Ok(shared
        .handoff
        .submit(route.kind, call)
        .await
        .unwrap_or_else(|| Reply::error(ApiError::ServiceUnavailable)))
}

/// A Python handler's call through the hand-off.
struct HandlerCall {
    route: Arc<PyRoute>,
    request: Option<crate::request::Request>,
    /// The request object handed to Python, for the log line of a failure.
    called: Option<Py<crate::request::Request>>,
    report: Arc<Py<PyAny>>,
}

impl Call for HandlerCall {
    type Output = Reply;

    fn call<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let request = Bound::new(py, self.request.take().expect("called once"))?;
        self.called = Some(request.clone().unbind());
        self.route.func.bind(py).call1((request,))
    }

    fn finish(self, py: Python<'_>, outcome: PyResult<Bound<'_, PyAny>>) -> Reply {
        let request = self.called.as_ref().map(|r| r.get());
        let origin = Origin {
            report: &self.report,
            method: request.map_or("", |r| r.method.as_str()),
            path: request.map_or("", |r| r.uri.path()),
        };
        origin.answer(py, outcome)
    }
}

/// The declared length is checked before reading; a streamed body is read
/// only up to the limit, and must arrive whole within `BODY_READ_TIMEOUT`.
async fn read_body(shared: &Shared, req: Request<Incoming>) -> Result<Bytes, BodyError> {
    read_incoming(shared, req.into_body()).await
}

async fn read_incoming(shared: &Shared, body: Incoming) -> Result<Bytes, BodyError> {
    if body
        .size_hint()
        .exact()
        .is_some_and(|len| len > shared.body_limit as u64)
    {
        return Err(ApiError::PayloadTooLarge.into());
    }
    let collect = Limited::new(body, shared.body_limit).collect();
    match tokio::time::timeout(BODY_READ_TIMEOUT, collect).await {
        Err(_elapsed) => Err(BodyError::TimedOut),
        Ok(Ok(body)) => Ok(body.to_bytes()),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => {
            Err(ApiError::PayloadTooLarge.into())
        }
        Ok(Err(_)) => Err(ApiError::BadRequest.into()),
    }
}

/// hyper's size hint is exact only for a body it frames by Content-Length:
/// the declared length, as hyper parsed and validated it.
fn declared_length(req: &Request<Incoming>) -> Option<u64> {
    req.body().size_hint().exact()
}

fn is_json_document(body: &[u8]) -> bool {
    std::str::from_utf8(body).is_ok_and(|text| serde_json::from_str::<IgnoredAny>(text).is_ok())
}
