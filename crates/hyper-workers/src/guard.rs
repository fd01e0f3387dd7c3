//! The pre-routing head checks hyper does not make itself, put in front of
//! the service of every hyper-based server (hyper, axum, pyo3-hyper):
//!
//! - the `Host` rule of RFC 9112 §3.2 (`api_model::head::check_host`):
//!   hyper accepts an HTTP/1.1 request without `Host`, with two, or with an
//!   invalid one, and a proxy that picks another `Host` than the server
//!   routes on opens the door to cache poisoning and routing confusion;
//! - the contract's head sizes (`api_model::head::size_refusal`): hyper's
//!   read buffer bounds the whole head, but nothing bounds the request
//!   target below the http crate's 65534 bytes;
//! - the arena's framing rules (`api_model::head::check_framing`): hyper
//!   takes equal duplicate `Content-Length` lines, `chunked` applied twice
//!   and an unknown coding before `chunked` (passing the still-encoded body
//!   on), all of which a proxy may frame otherwise.
//!
//! A refused request is answered at once, with `Connection: close`: its body,
//! if any, is left unread, so the connection cannot carry another request.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use api_model::head::{self, FramingRefusal};
use api_model::ApiError;
use hyper::header::{HeaderValue, CONNECTION, CONTENT_LENGTH, HOST, TRANSFER_ENCODING};
use hyper::service::Service;
use hyper::{Request, Response, Uri, Version};

/// Why the guard refused a request; the adapter renders it in its
/// framework's idiom (its `error.rs`), the guard adds `Connection: close`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// A contract error with its body: 400 `bad_request` for the `Host` rule
    /// and for ambiguous framing.
    Api(ApiError),
    /// A status with an empty body, like hyper's own refusals: 414 or 431
    /// (head sizes), 501 (a transfer coding no arena server implements).
    Status(u16),
}

impl Refusal {
    pub const fn status(self) -> u16 {
        match self {
            Refusal::Api(e) => e.status(),
            Refusal::Status(status) => status,
        }
    }
}

/// The refusal `req`'s head earns, if any: sizes first (a head too large to
/// trust is not looked into further), then `Host`, then the framing fields.
pub fn check<B>(req: &Request<B>) -> Option<Refusal> {
    let fields = req
        .headers()
        .iter()
        .map(|(name, value)| (name.as_str().len(), value.len()));
    if let Some(r) = head::size_refusal(req.method().as_str(), target_len(req.uri()), fields) {
        return Some(Refusal::Status(r.status()));
    }
    let headers = req.headers();
    let hosts = headers.get_all(HOST).iter().map(HeaderValue::as_bytes);
    if let Err(e) = head::check_host(req.version() >= Version::HTTP_11, hosts) {
        return Some(Refusal::Api(e));
    }
    let lengths = headers.get_all(CONTENT_LENGTH).iter();
    let codings = headers.get_all(TRANSFER_ENCODING).iter();
    match head::check_framing(
        lengths.map(HeaderValue::as_bytes),
        codings.map(HeaderValue::as_bytes),
    ) {
        Ok(()) => None,
        Err(FramingRefusal::Ambiguous) => Some(Refusal::Api(ApiError::BadRequest)),
        Err(r @ FramingRefusal::UnknownCoding) => Some(Refusal::Status(r.status())),
    }
}

/// The request target's length as it was on the wire, from the parsed `Uri`
/// (hyper keeps no copy of the raw target).
fn target_len(uri: &Uri) -> usize {
    head::target_len(
        uri.scheme_str(),
        uri.authority().map(|a| a.as_str()),
        uri.path_and_query().map(|pq| pq.as_str()),
    )
}

/// `service` behind the guard: refused requests never reach it and are
/// answered with `render(refusal)` plus `Connection: close`.
#[derive(Debug, Clone)]
pub struct Guard<S, R> {
    service: S,
    render: R,
}

impl<S, R> Guard<S, R> {
    pub fn new(service: S, render: R) -> Self {
        Guard { service, render }
    }
}

impl<S, R, In, B> Service<Request<In>> for Guard<S, R>
where
    S: Service<Request<In>, Response = Response<B>>,
    R: Fn(Refusal) -> Response<B>,
{
    type Response = Response<B>;
    type Error = S::Error;
    type Future = Guarded<S::Future, B>;

    fn call(&self, req: Request<In>) -> Self::Future {
        match check(&req) {
            None => Guarded::Pass {
                future: self.service.call(req),
            },
            Some(refusal) => {
                let mut res = (self.render)(refusal);
                res.headers_mut()
                    .insert(CONNECTION, HeaderValue::from_static("close"));
                Guarded::Refused { res: Some(res) }
            }
        }
    }
}

pin_project_lite::pin_project! {
    /// The inner service's future, or the refusal ready at once.
    #[project = GuardedProj]
    pub enum Guarded<F, B> {
        Pass { #[pin] future: F },
        Refused { res: Option<Response<B>> },
    }
}

impl<F, B, E> Future for Guarded<F, B>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            GuardedProj::Pass { future } => future.poll(cx),
            GuardedProj::Refused { res } => Poll::Ready(Ok(res
                .take()
                .expect("a refusal is polled to completion once"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use api_model::limits::MAX_URI_BYTES;

    fn req(version: Version, target: &str, hosts: &[&str]) -> Request<()> {
        let mut builder = Request::get(target).version(version);
        for host in hosts {
            builder = builder.header(HOST, *host);
        }
        builder.body(()).unwrap()
    }

    #[test]
    fn host_rule() {
        let refused = Refusal::Api(ApiError::BadRequest);
        assert_eq!(refused.status(), 400);
        let bad = Some(refused);
        assert_eq!(check(&req(Version::HTTP_11, "/", &["localhost"])), None);
        assert_eq!(check(&req(Version::HTTP_11, "/", &[])), bad);
        assert_eq!(check(&req(Version::HTTP_11, "/", &["a", "a"])), bad);
        assert_eq!(check(&req(Version::HTTP_11, "/", &["a b"])), bad);
        assert_eq!(check(&req(Version::HTTP_10, "/", &[])), None);
        assert_eq!(check(&req(Version::HTTP_10, "/", &["a", "b"])), bad);
    }

    #[test]
    fn framing_fields() {
        let with = |fields: &[(&str, &str)]| {
            let mut builder = Request::post("/echo").header(HOST, "h");
            for (name, value) in fields {
                builder = builder.header(*name, *value);
            }
            check(&builder.body(()).unwrap())
        };
        let bad = Some(Refusal::Api(ApiError::BadRequest));
        assert_eq!(with(&[("content-length", "7")]), None);
        assert_eq!(with(&[("transfer-encoding", "chunked")]), None);
        assert_eq!(
            with(&[("content-length", "7"), ("content-length", "7")]),
            bad
        );
        assert_eq!(with(&[("transfer-encoding", "chunked, chunked")]), bad);
        let gzip = with(&[
            ("transfer-encoding", "gzip"),
            ("transfer-encoding", "chunked"),
        ]);
        assert_eq!(gzip, Some(Refusal::Status(501)));
    }

    #[test]
    fn target_bound() {
        let at_limit = format!("/{}", "a".repeat(MAX_URI_BYTES - 1));
        assert_eq!(check(&req(Version::HTTP_11, &at_limit, &["h"])), None);
        let over = format!("{at_limit}a");
        let refusal = check(&req(Version::HTTP_11, &over, &[]));
        assert_eq!(refusal, Some(Refusal::Status(414)));
        assert_eq!(refusal.unwrap().status(), 414);
    }

    #[test]
    fn target_len_of_each_form() {
        for target in ["/a?b=c", "http://host:80/a?b", "host:443", "*"] {
            assert_eq!(
                target_len(&target.parse().unwrap()),
                target.len(),
                "{target}"
            );
        }
    }

    #[test]
    fn refused_requests_do_not_reach_the_service() {
        // service_fn wants real bodies: `String` is one.
        let inner = hyper::service::service_fn(|_req: Request<String>| async {
            Ok::<_, std::convert::Infallible>(Response::new(String::from("served")))
        });
        let guard = Guard::new(inner, |r: Refusal| {
            let mut res = Response::new(String::from("refused"));
            *res.status_mut() = hyper::StatusCode::from_u16(r.status()).unwrap();
            res
        });
        let run = |r: Request<()>| {
            let fut = guard.call(r.map(|()| String::new()));
            tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap()
                .block_on(fut)
                .unwrap()
        };
        let res = run(req(Version::HTTP_11, "/", &[]));
        assert_eq!(
            (res.status().as_u16(), res.body().as_str()),
            (400, "refused")
        );
        assert_eq!(res.headers()[CONNECTION], "close");
        let res = run(req(Version::HTTP_11, "/", &["localhost"]));
        assert_eq!(
            (res.status().as_u16(), res.body().as_str()),
            (200, "served")
        );
        assert!(!res.headers().contains_key(CONNECTION));
    }
}
