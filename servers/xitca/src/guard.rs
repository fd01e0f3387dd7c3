//! Pre-routing head checks xitca-http does not make: the contract's URI and
//! head-size bounds on a head that arrived whole, and the `Host` rule of
//! RFC 9112 §3.2. Both come from `api_model::head`.

use api_model::head::{check_host, size_refusal};
use xitca_web::body::ResponseBody;
use xitca_web::error::Error;
use xitca_web::http::header::{HeaderValue, CONNECTION, HOST};
use xitca_web::http::{StatusCode, Uri, Version, WebResponse};
use xitca_web::service::Service;
use xitca_web::WebContext;

use crate::error::render;

/// xitca-http honours a response's `Connection: close`: the refused request
/// is the connection's last, so nothing pipelined behind it is read as a
/// request.
const CLOSE: HeaderValue = HeaderValue::from_static("close");

pub async fn head<S, C>(next: &S, mut ctx: WebContext<'_, C>) -> Result<WebResponse, Error>
where
    S: for<'r> Service<WebContext<'r, C>, Response = WebResponse, Error = Error>,
{
    let req = ctx.req();
    let fields = req
        .headers()
        .iter()
        .map(|(name, value)| (name.as_str().len(), value.len()));
    // xitca-http bounds only a head still incomplete at the read buffer's
    // limit; one that arrived whole in a read is measured here.
    if let Some(refusal) = size_refusal(req.method().as_str(), target_len(req.uri()), fields) {
        let status = StatusCode::from_u16(refusal.status()).expect("refusal statuses are valid");
        // The framework's own refusal: an empty body, as xitca-http's 431.
        let mut res = ctx.as_response(ResponseBody::empty());
        *res.status_mut() = status;
        res.headers_mut().insert(CONNECTION, CLOSE);
        return Ok(res);
    }
    let hosts = req
        .headers()
        .get_all(HOST)
        .iter()
        .map(HeaderValue::as_bytes);
    if let Err(err) = check_host(req.version() == Version::HTTP_11, hosts) {
        let mut res = render(err, &mut ctx);
        res.headers_mut().insert(CONNECTION, CLOSE);
        return Ok(res);
    }
    next.call(ctx).await
}

/// The request target's length as sent: xitca-http keeps origin-form
/// targets whole in the path-and-query, an absolute-form one is split into
/// scheme, authority and path-and-query.
fn target_len(uri: &Uri) -> usize {
    api_model::head::target_len(
        uri.scheme_str(),
        uri.authority().map(|a| a.as_str()),
        uri.path_and_query().map(|pq| pq.as_str()),
    )
}
