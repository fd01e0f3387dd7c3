//! Checks on the request head before routing (`App::wrap_fn`), for what
//! actix-http does not check itself or has no setting for:
//!
//! - the contract's head and request-target bounds: actix-http's decoder
//!   buffers up to 128 KiB of head (`MAX_BUFFER_SIZE`, a constant in its
//!   h1/decoder.rs) before refusing one, so heads within that buffer but past
//!   the contract's bounds are refused here, 414 / 431 with an empty body;
//! - the `Host` rule of RFC 9112 §3.2: actix-http itself refuses a missing
//!   Host on HTTP/1.1 and a second Host line (its own 400, before the app
//!   sees the request); an invalid value reaches the app and is refused here
//!   with the contract's JSON 400.
//!
//! Every refusal closes the connection: a client that sent a head we will
//! not serve may already be sending a body we will not read.
//!
//! The same layer sets the `Server` header on every response it passes or
//! makes: actix's `DefaultHeaders` around it was a second middleware per
//! request for one header (README "Against TechEmpower's entry").

use std::future::Future;
use std::pin::Pin;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderValue, HOST, SERVER};
use actix_web::http::{StatusCode, Uri, Version};
use actix_web::HttpResponse;
use api_model::head;

use crate::error::Error;

/// The `Server` header's value.
const SERVER_NAME: HeaderValue = HeaderValue::from_static("actix");

/// The request target's length as it was on the wire: actix parses it into a
/// `Uri` whose parts, for origin-, absolute- and authority-form, are the text
/// it was parsed from.
fn target_len(uri: &Uri) -> usize {
    head::target_len(
        uri.scheme_str(),
        uri.authority().map(|a| a.as_str()),
        uri.path_and_query().map(|pq| pq.as_str()),
    )
}

/// The response that refuses this head, if any.
fn refusal(req: &ServiceRequest) -> Option<HttpResponse> {
    let fields = req
        .headers()
        .iter()
        .map(|(name, value)| (name.as_str().len(), value.len()));
    if let Some(refusal) = head::size_refusal(req.method().as_str(), target_len(req.uri()), fields)
    {
        let status = StatusCode::from_u16(refusal.status()).expect("refusal statuses are valid");
        return Some(HttpResponse::build(status).force_close().finish());
    }
    let hosts = req.headers().get_all(HOST).map(HeaderValue::as_bytes);
    head::check_host(req.version() == Version::HTTP_11, hosts)
        .err()
        .map(|e| Error(e).closing_response())
}

type Reply<B> =
    Pin<Box<dyn Future<Output = Result<ServiceResponse<EitherBody<B>>, actix_web::Error>>>>;

/// For `App::wrap_fn`: refuse the head, or pass the request on.
pub fn check<S, B>(req: ServiceRequest, srv: &S) -> Reply<B>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    S::Future: 'static,
    B: MessageBody + 'static,
{
    match refusal(&req) {
        Some(res) => {
            let res = with_server(req.into_response(res).map_into_right_body());
            Box::pin(async move { Ok(res) })
        }
        None => {
            let fut = srv.call(req);
            Box::pin(async move { fut.await.map(|res| with_server(res.map_into_left_body())) })
        }
    }
}

fn with_server<B>(mut res: ServiceResponse<B>) -> ServiceResponse<B> {
    res.headers_mut().insert(SERVER, SERVER_NAME);
    res
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn status(req: TestRequest) -> Option<u16> {
        refusal(&req.to_srv_request()).map(|res| res.status().as_u16())
    }

    #[test]
    fn host_rule() {
        let ok = TestRequest::get().insert_header((HOST, "localhost:8080"));
        assert_eq!(status(ok), None);
        for bad in ["a b", "a/b", "a@b"] {
            assert_eq!(
                status(TestRequest::get().insert_header((HOST, bad))),
                Some(400),
                "{bad}"
            );
        }
        assert_eq!(status(TestRequest::get()), Some(400));
        let http10 = TestRequest::get().version(Version::HTTP_10);
        assert_eq!(status(http10), None);
        let two = TestRequest::get()
            .append_header((HOST, "a"))
            .append_header((HOST, "a"));
        assert_eq!(status(two), Some(400));
    }

    #[test]
    fn sizes() {
        let long = format!(
            "/plaintext?{}",
            "a".repeat(api_model::limits::MAX_URI_BYTES)
        );
        let req = TestRequest::get().uri(&long).insert_header((HOST, "x"));
        assert_eq!(status(req), Some(414));
        let big = "v".repeat(api_model::limits::MAX_HEAD_BYTES);
        let req = TestRequest::get()
            .insert_header((HOST, "x"))
            .insert_header(("x-big", big));
        assert_eq!(status(req), Some(431));
    }
}
