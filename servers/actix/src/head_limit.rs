//! Bounds on the request head that actix-http does not offer as settings: its
//! decoder buffers up to 128 KiB of head (`MAX_BUFFER_SIZE`, a constant in
//! actix-http's h1/decoder.rs) before refusing it. Heads that fit in that
//! buffer but exceed the arena's bounds are refused here, before routing, and
//! the connection is closed.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use std::future::Future;
use std::pin::Pin;

/// A request target longer than this is answered 414.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// A request head (request line and header lines) larger than this is answered 431.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

/// The refusal a head earns, if any. Sizes are those of the parsed head as
/// it was on the wire: `name: value\r\n` per field, `METHOD target HTTP/1.1\r\n`.
fn refusal(req: &ServiceRequest) -> Option<StatusCode> {
    let uri = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    if uri > MAX_URI_BYTES {
        return Some(StatusCode::URI_TOO_LONG);
    }
    let line = req.method().as_str().len() + uri + " HTTP/1.1\r\n ".len();
    let fields: usize = req
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    (line + fields > MAX_HEADER_BYTES).then_some(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE)
}

type Reply<B> =
    Pin<Box<dyn Future<Output = Result<ServiceResponse<EitherBody<B>>, actix_web::Error>>>>;

/// For `App::wrap_fn`: refuse an oversized head, or pass the request on.
pub fn check<S, B>(req: ServiceRequest, srv: &S) -> Reply<B>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    S::Future: 'static,
    B: MessageBody + 'static,
{
    match refusal(&req) {
        Some(status) => {
            let res = HttpResponse::build(status).force_close().finish();
            let res = req.into_response(res).map_into_right_body();
            Box::pin(async move { Ok(res) })
        }
        None => {
            let fut = srv.call(req);
            Box::pin(async move { fut.await.map(ServiceResponse::map_into_left_body) })
        }
    }
}
