//! Checks on the request head before routing, as an ntex middleware, for
//! what ntex's HTTP/1 codec does not check itself or has no setting for:
//!
//! - the contract's request-target bound: ntex bounds only the whole head
//!   (`set_max_buf_size`, config.rs), so a long URI within it is refused
//!   here, 414 with an empty body; the head size is checked here too, with
//!   the sizes as on the wire, the same rule as every other server;
//! - the `Host` rule of RFC 9112 §3.2 (a missing Host on HTTP/1.1, two Host
//!   lines, an invalid value): ntex serves all of these; refused here with
//!   the contract's JSON 400.
//!
//! Every refusal closes the connection: a client that sent a head we will
//! not serve may already be sending a body we will not read.
//!
//! The same middleware stamps the `Server` header on every response it
//! passes or makes (ntex's `DefaultHeaders` did that as a second layer; one
//! layer fewer saves a `ready`/`call` hop per request, README "Against
//! TechEmpower's entry").

use api_model::head;
use ntex::http::header::{HeaderValue, HOST, SERVER};
use ntex::http::{StatusCode, Uri, Version};
use ntex::service::{Middleware, Service, ServiceCtx};
use ntex::web::{HttpResponse, WebRequest, WebResponse};
use ntex::SharedCfg;

use crate::error::Error;
use crate::runtime::SERVER_NAME;

const SERVER_VALUE: HeaderValue = HeaderValue::from_static(SERVER_NAME);

/// The middleware (`App::middleware`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Guard;

impl<S> Middleware<S, SharedCfg> for Guard {
    type Service = GuardService<S>;

    fn create(&self, service: S, _: SharedCfg) -> Self::Service {
        GuardService { service }
    }
}

#[derive(Debug)]
pub struct GuardService<S> {
    service: S,
}

impl<S, E> Service<WebRequest<E>> for GuardService<S>
where
    S: Service<WebRequest<E>, Response = WebResponse>,
{
    type Response = WebResponse;
    type Error = S::Error;

    ntex::forward_poll!(service);
    ntex::forward_ready!(service);
    ntex::forward_shutdown!(service);

    async fn call(
        &self,
        req: WebRequest<E>,
        ctx: ServiceCtx<'_, Self>,
    ) -> Result<WebResponse, S::Error> {
        let mut res = match refusal(
            req.method().as_str(),
            req.uri(),
            req.version(),
            req.headers(),
        ) {
            Some(res) => req.into_response(res),
            None => ctx.call(&self.service, req).await?,
        };
        res.headers_mut().insert(SERVER, SERVER_VALUE);
        Ok(res)
    }
}

/// The request target's length as it was on the wire: ntex parses it into a
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
fn refusal(
    method: &str,
    uri: &Uri,
    version: Version,
    headers: &ntex::http::HeaderMap,
) -> Option<HttpResponse> {
    let fields = headers
        .iter()
        .map(|(name, value)| (name.as_str().len(), value.len()));
    if let Some(refusal) = head::size_refusal(method, target_len(uri), fields) {
        let status = StatusCode::from_u16(refusal.status()).expect("refusal statuses are valid");
        return Some(HttpResponse::build(status).force_close().finish());
    }
    let hosts = headers.get_all(HOST).map(HeaderValue::as_bytes);
    head::check_host(version == Version::HTTP_11, hosts)
        .err()
        .map(|e| Error(e).closing_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ntex::http::HeaderMap;

    fn status(target: &str, version: Version, fields: &[(&'static str, &str)]) -> Option<u16> {
        let mut headers = HeaderMap::new();
        for (name, value) in fields {
            headers.append(
                ntex::http::header::HeaderName::from_static(name),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        let uri = target.parse().unwrap();
        refusal("GET", &uri, version, &headers).map(|res| res.status().as_u16())
    }

    #[test]
    fn host_rule() {
        let v11 = Version::HTTP_11;
        assert_eq!(status("/", v11, &[("host", "localhost:8080")]), None);
        for bad in ["a b", "a/b", "a@b"] {
            assert_eq!(status("/", v11, &[("host", bad)]), Some(400), "{bad}");
        }
        assert_eq!(status("/", v11, &[]), Some(400));
        assert_eq!(status("/", Version::HTTP_10, &[]), None);
        let two = [("host", "a"), ("host", "a")];
        assert_eq!(status("/", v11, &two), Some(400));
        assert_eq!(status("/", Version::HTTP_10, &two), Some(400));
    }

    #[test]
    fn sizes() {
        let long = format!(
            "/plaintext?{}",
            "a".repeat(api_model::limits::MAX_URI_BYTES)
        );
        assert_eq!(status(&long, Version::HTTP_11, &[("host", "x")]), Some(414));
        let big = "v".repeat(api_model::limits::MAX_HEAD_BYTES);
        let fields = [("host", "x"), ("x-big", big.as_str())];
        assert_eq!(status("/", Version::HTTP_11, &fields), Some(431));
    }
}
