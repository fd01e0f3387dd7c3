use std::convert::Infallible;
use std::fmt;

use api_model::ApiError;
use xitca_web::error::Error;
use xitca_web::http::header::{HeaderValue, CONTENT_TYPE};
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
