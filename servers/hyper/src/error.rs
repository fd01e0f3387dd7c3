use api_model::ApiError;
use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderValue, CONNECTION};
use hyper::{Response, StatusCode};
use hyper_workers::guard::Refusal;

use crate::response::{respond, with_server, JSON};

/// The contract's error response for `e`.
pub fn error(e: ApiError) -> Response<Full<Bytes>> {
    let mut res = respond(JSON, e.body().into());
    *res.status_mut() = status(e.status());
    if e == ApiError::RequestTimeout {
        // The rest of the body may still be on its way: the connection cannot be reused.
        res.headers_mut()
            .insert(CONNECTION, HeaderValue::from_static("close"));
    }
    res
}

/// A request the guard refused before routing: a contract error with its
/// body, or a bare status with an empty body, like hyper's own 431.
pub fn refusal(r: Refusal) -> Response<Full<Bytes>> {
    match r {
        Refusal::Api(e) => error(e),
        Refusal::Status(code) => {
            let mut res = with_server(Response::new(Full::default()));
            *res.status_mut() = status(code);
            res
        }
    }
}

fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).expect("contract statuses are valid")
}
