use std::convert::Infallible;
use std::fmt;

use api_model::db::Endpoint;
use api_model::{ApiError, Route};
use xitca_web::error::Error;
use xitca_web::http::header::{HeaderValue, ALLOW, CONTENT_TYPE};
use xitca_web::http::{StatusCode, WebResponse};
use xitca_web::service::Service;
use xitca_web::WebContext;

pub const JSON: HeaderValue = HeaderValue::from_static(api_model::JSON_CONTENT_TYPE);

/// The contract's errors as a xitca-web error: a newtype because xitca-web
/// renders an error by calling it as a `Service`, and both the trait and
/// `ApiError` live in other crates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiErr(pub ApiError);

impl fmt::Display for ApiErr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for ApiErr {}

impl From<ApiError> for ApiErr {
    fn from(e: ApiError) -> Self {
        ApiErr(e)
    }
}

impl From<ApiErr> for Error {
    fn from(e: ApiErr) -> Self {
        Error::from_service(e)
    }
}

impl<'r, C, B> Service<WebContext<'r, C, B>> for ApiErr {
    type Response = WebResponse;
    type Error = Infallible;

    async fn call(&self, mut ctx: WebContext<'r, C, B>) -> Result<Self::Response, Self::Error> {
        Ok(render(self.0, &mut ctx))
    }
}

/// `{"error":"CODE"}` with the error's status, serialized on each call.
pub fn render<C, B>(err: ApiError, ctx: &mut WebContext<'_, C, B>) -> WebResponse {
    let mut res = ctx.as_response(err.body());
    *res.status_mut() = StatusCode::from_u16(err.status()).expect("contract statuses are valid");
    res.headers_mut().insert(CONTENT_TYPE, JSON);
    res
}

/// Replaces xitca-web's own error responses (the router's empty 404/405,
/// an extractor's blank 400) with the contract's JSON errors. Errors are
/// values in xitca-web until something renders them, so this is the one
/// place that decides what every error looks like on the wire.
pub async fn contract_errors<S, C>(
    next: &S,
    mut ctx: WebContext<'_, C>,
) -> Result<WebResponse, Error>
where
    S: for<'r> Service<WebContext<'r, C>, Response = WebResponse, Error = Error>,
    C: 'static,
{
    let err = match next.call(ctx.reborrow()).await {
        Ok(res) => return Ok(res),
        Err(err) => err,
    };
    // Before rendering: a framework error renders by taking the request apart.
    let path = ctx.req().uri().path();
    let allow = Route::match_path(path)
        .map(|(route, _)| route.allow())
        .or_else(|| Endpoint::match_path(path).map(|_| Endpoint::ALLOW));
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
    if let (ApiError::MethodNotAllowed, Some(allow)) = (api, allow) {
        res.headers_mut()
            .insert(ALLOW, HeaderValue::from_static(allow));
    }
    Ok(res)
}
