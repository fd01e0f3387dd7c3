//! One request, on a tokio thread: route, enforce the contract's errors,
//! answer native routes, or queue the request for Python and await its reply.

use std::convert::Infallible;
use std::sync::Arc;

use api_model::{echo, ApiError, BODY_READ_TIMEOUT};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Body, Incoming};
use hyper::header::{HeaderValue, ALLOW, CONNECTION, CONTENT_TYPE, SERVER};
use hyper::{Request, Response, StatusCode};
use hyper_workers::guard::Refusal;
use serde::de::IgnoredAny;
use tokio::sync::oneshot;

use crate::dispatch::{Bridge, Job};
use crate::handler::{BodyRule, Handler, PyRoute};
use crate::reply::{Reply, JSON};
use crate::router::{Match, ParamValue, Router};

/// Everything a request needs, shared read-only by every worker.
pub struct Shared {
    pub router: Router,
    pub server_name: HeaderValue,
    pub body_limit: usize,
    pub bridge: Arc<Bridge>,
}

pub async fn handle(
    shared: Arc<Shared>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let reply = route(&shared, req).await;
    Ok(response(&shared, reply))
}

/// A request the guard (`hyper_workers::guard`) refused before routing: a
/// contract error with its body, or a bare status with an empty body, like
/// hyper's own 431.
pub fn refusal(shared: &Shared, r: Refusal) -> Response<Full<Bytes>> {
    let reply = match r {
        Refusal::Api(e) => Reply::error(e),
        Refusal::Status(code) => {
            Reply::empty(StatusCode::from_u16(code).expect("guard statuses are valid"))
        }
    };
    response(shared, reply)
}

fn response(shared: &Shared, reply: Reply) -> Response<Full<Bytes>> {
    let mut res = Response::new(Full::new(reply.body));
    *res.status_mut() = reply.status;
    let headers = res.headers_mut();
    headers.insert(SERVER, shared.server_name.clone());
    if let Some(content_type) = reply.content_type {
        headers.insert(CONTENT_TYPE, content_type);
    }
    for (name, value) in reply.headers {
        headers.append(name, value);
    }
    res
}

async fn route(shared: &Shared, req: Request<Incoming>) -> Reply {
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
        return python(shared, route, params, req)
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
        BodyError::TimedOut => Reply::status_error(StatusCode::REQUEST_TIMEOUT)
            .with_header(CONNECTION, HeaderValue::from_static("close")),
    }
}

async fn python(
    shared: &Shared,
    route: &Arc<PyRoute>,
    params: Vec<(Arc<str>, ParamValue)>,
    req: Request<Incoming>,
) -> Result<Reply, BodyError> {
    if route.body == BodyRule::Json {
        // The contract's echo head checks, against the App's own body limit.
        let content_type = req.headers().get(CONTENT_TYPE).map(HeaderValue::as_bytes);
        echo::check_head_within(content_type, declared_length(&req), shared.body_limit)?;
    }
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().unwrap_or_default().to_owned();
    let headers = req.headers().clone();
    let body = read_body(shared, req).await?;
    // Skipping a document (IgnoredAny) does not check the bytes inside its
    // strings, so UTF-8 is validated first.
    if route.body == BodyRule::Json && !is_json_document(&body) {
        return Err(ApiError::BadRequest.into());
    }
    let request = crate::pyobjects::Request {
        method,
        path,
        query,
        params,
        headers,
        body,
    };
    let (tx, rx) = oneshot::channel();
    if !shared.bridge.submit(Job {
        route: route.clone(),
        request,
        reply: tx,
    }) {
        return Ok(Reply::status_error(StatusCode::SERVICE_UNAVAILABLE));
    }
    // A dropped sender means the interpreter side went away mid-request.
    Ok(rx
        .await
        .unwrap_or_else(|_| Reply::error(ApiError::Internal)))
}

/// The declared length is checked before reading; a streamed body is read
/// only up to the limit, and must arrive whole within `BODY_READ_TIMEOUT`.
async fn read_body(shared: &Shared, req: Request<Incoming>) -> Result<Bytes, BodyError> {
    if declared_length(&req).is_some_and(|len| len > shared.body_limit as u64) {
        return Err(ApiError::PayloadTooLarge.into());
    }
    let collect = Limited::new(req.into_body(), shared.body_limit).collect();
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
