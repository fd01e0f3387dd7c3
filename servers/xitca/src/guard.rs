use api_model::{ApiError, Route};
use xitca_web::error::Error;
use xitca_web::http::header::{HeaderValue, ALLOW, SERVER};
use xitca_web::http::WebResponse;
use xitca_web::service::Service;
use xitca_web::WebContext;

use crate::error::{render, ApiErr};

/// The registered name of the variant this build is (server.toml).
const SERVER_NAME: HeaderValue = HeaderValue::from_static(if cfg!(feature = "io-uring") {
    "xitca-uring"
} else {
    "xitca"
});

/// Replaces xitca-web's own error responses (the router's empty 404/405,
/// an extractor's blank 400) with the contract's JSON errors. Errors are
/// values in xitca-web until something renders them, so this is the one
/// place that decides what every error looks like on the wire.
pub async fn contract_errors<S>(next: &S, mut ctx: WebContext<'_>) -> Result<WebResponse, Error>
where
    S: for<'r> Service<WebContext<'r>, Response = WebResponse, Error = Error>,
{
    let err = match next.call(ctx.reborrow()).await {
        Ok(res) => return Ok(res),
        Err(err) => err,
    };
    // Before rendering: a framework error renders by taking the request apart.
    let route = Route::match_path(ctx.req().uri().path()).map(|(route, _)| route);
    let api = match err.upcast().downcast_ref::<ApiErr>() {
        Some(ApiErr(api)) => *api,
        // The framework's own error picks the status; the contract picks the body.
        None => {
            let res = err.call(ctx.reborrow()).await;
            let res = res.unwrap_or_else(|never| match never {});
            match ApiError::from_status(res.status().as_u16()) {
                Some(api) => api,
                // A protocol-level refusal the contract has no code for (the
                // body timeout's 408): its body is the framework's (API.md).
                None if res.status().is_client_error() => return Ok(res),
                None => ApiError::Internal,
            }
        }
    };
    let mut res = render(api, &mut ctx);
    if let (ApiError::MethodNotAllowed, Some(route)) = (api, route) {
        res.headers_mut()
            .insert(ALLOW, HeaderValue::from_static(route.allow()));
    }
    Ok(res)
}

pub async fn server_header<S>(next: &S, ctx: WebContext<'_>) -> Result<WebResponse, Error>
where
    S: for<'r> Service<WebContext<'r>, Response = WebResponse, Error = Error>,
{
    let mut res = next.call(ctx).await?;
    res.headers_mut().insert(SERVER, SERVER_NAME);
    Ok(res)
}
