use api_model::ApiError;
use axum::http::header::{CONNECTION, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use hyper_workers::guard::Refusal;

/// The contract's errors as an axum response; a newtype because both
/// `ApiError` and `IntoResponse` live in other crates.
#[derive(Debug)]
pub struct Error(pub ApiError);

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        Error(e)
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.status()).expect("contract statuses are valid");
        let json = HeaderValue::from_static(api_model::JSON_CONTENT_TYPE);
        let mut res = (status, [(CONTENT_TYPE, json)], self.0.body()).into_response();
        if self.0 == ApiError::RequestTimeout {
            // The rest of the body may still be on its way: the connection cannot be reused.
            res.headers_mut()
                .insert(CONNECTION, HeaderValue::from_static("close"));
        }
        res
    }
}

/// A request the guard refused before it reached the router: a contract
/// error with its body, or a bare status with an empty body, like hyper's
/// own 431. The router's layers never see it, so the `Server` header is
/// added here.
pub fn refusal(r: Refusal) -> Response {
    let res = match r {
        Refusal::Api(e) => Error(e).into_response(),
        Refusal::Status(code) => StatusCode::from_u16(code)
            .expect("guard statuses are valid")
            .into_response(),
    };
    crate::with_server(res)
}
