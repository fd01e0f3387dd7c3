//! The contract's errors as ntex's error-rendering type.
//!
//! ntex lets an `App` choose its `ErrorRenderer`; every error an extractor,
//! handler or the router raises is converted into that renderer's container
//! and rendered by it. With `App::with(Contract)` no built-in text error page
//! can reach the wire: each error type that can occur has to be mapped onto
//! an `ApiError` here or the code does not compile.

use std::fmt;

use api_model::ApiError;
use ntex::http::header::{HeaderValue, CONTENT_TYPE};
use ntex::http::StatusCode;
use ntex::web::error::{
    ErrorContainer, ErrorRenderer, PathError, PayloadError, StateExtractorError,
};
use ntex::web::{HttpRequest, HttpResponse, HttpResponseBuilder};

/// The `ErrorRenderer` of the app: renders every error as `{"error":"CODE"}`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Contract;

impl ErrorRenderer for Contract {
    type Container = Error;
}

/// The container every web error is converted into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Error(pub ApiError);

impl Error {
    fn builder(self) -> HttpResponseBuilder {
        let status = StatusCode::from_u16(self.0.status()).expect("contract statuses are valid");
        let mut res = HttpResponse::build(status);
        res.header(
            CONTENT_TYPE,
            HeaderValue::from_static(api_model::JSON_CONTENT_TYPE),
        );
        res
    }

    pub fn response(self) -> HttpResponse {
        self.builder().body(self.0.body())
    }

    /// The error's response, after which ntex closes the connection.
    pub fn closing_response(self) -> HttpResponse {
        self.builder().force_close().body(self.0.body())
    }
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        Error(e)
    }
}

/// A path segment that is no valid UTF-8 after percent-decoding.
impl From<PathError> for Error {
    fn from(_: PathError) -> Self {
        Error(ApiError::BadRequest)
    }
}

/// A handler asked for app state the app was not built with (the database
/// pool is added in main.rs): a fault of the server, not of the request.
impl From<StateExtractorError> for Error {
    fn from(_: StateExtractorError) -> Self {
        Error(ApiError::Internal)
    }
}

/// ntex's body reader: a declared or streamed body past the limit is
/// `Overflow`; anything else (bad chunked framing, an unparsable
/// Content-Length, a connection closed mid-body) is the client's fault.
impl From<PayloadError> for Error {
    fn from(e: PayloadError) -> Self {
        match e {
            PayloadError::Payload(ntex::http::error::PayloadError::Overflow) => {
                Error(ApiError::PayloadTooLarge)
            }
            _ => Error(ApiError::BadRequest),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for Error {}

impl ErrorContainer for Error {
    fn error_response(&self, _: &HttpRequest) -> HttpResponse {
        self.response()
    }
}

/// Used where ntex renders an error outside a web request's context.
impl ntex::http::ResponseError for Error {
    fn error_response(&self) -> HttpResponse {
        self.response()
    }
}
