use actix_web::http::header::{HeaderValue, ALLOW, CONTENT_TYPE};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, HttpResponseBuilder, ResponseError};
use api_model::ApiError;

/// The contract's errors as an actix `ResponseError`; a newtype because both
/// `ApiError` and `ResponseError` live in other crates. Every error actix
/// itself would render (extractor rejections, unmatched routes) is turned
/// into one of these, so no built-in text error page reaches a client.
#[derive(Debug)]
pub struct Error(pub ApiError);

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        Error(e)
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl ResponseError for Error {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.0.status()).expect("contract statuses are valid")
    }

    fn error_response(&self) -> HttpResponse {
        self.builder().body(self.0.body())
    }
}

impl Error {
    fn builder(&self) -> HttpResponseBuilder {
        let mut res = HttpResponse::build(self.status_code());
        res.insert_header((
            CONTENT_TYPE,
            HeaderValue::from_static(api_model::JSON_CONTENT_TYPE),
        ));
        res
    }

    /// The error's response, after which actix closes the connection.
    pub fn closing_response(&self) -> HttpResponse {
        self.builder().force_close().body(self.0.body())
    }
}

/// 405 naming the one method the resource answers.
pub fn method_not_allowed(allow: &'static str) -> HttpResponse {
    let mut res = Error(ApiError::MethodNotAllowed).error_response();
    res.headers_mut()
        .insert(ALLOW, HeaderValue::from_static(allow));
    res
}
