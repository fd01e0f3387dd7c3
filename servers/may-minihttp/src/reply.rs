//! Writing a contract response into may_minihttp's `Response`, whose header
//! lines are `&'static str` and whose `Server`, `Date` and `Content-Length`
//! lines the library writes itself.

use api_model::{ApiError, Route};
use may_minihttp::Response;

pub const CONTENT_TYPE_JSON: &str = "Content-Type: application/json";
pub const CONTENT_TYPE_TEXT: &str = "Content-Type: text/plain; charset=utf-8";
const PLAINTEXT: &str = match std::str::from_utf8(api_model::PLAINTEXT_BODY) {
    Ok(s) => s,
    Err(_) => panic!("the plaintext body is UTF-8"),
};

/// What a request is answered with, decided before the body is drained.
pub enum Reply {
    Plaintext,
    Json(Vec<u8>),
    Error(ApiError),
    /// 405 naming the one method the route answers.
    MethodNotAllowed(Route),
    /// A head refused before routing (414, 431), with no body.
    Refused(u16),
}

impl From<ApiError> for Reply {
    fn from(e: ApiError) -> Self {
        Reply::Error(e)
    }
}

impl Reply {
    pub fn write(self, rsp: &mut Response) {
        match self {
            Reply::Plaintext => {
                rsp.header(CONTENT_TYPE_TEXT).body(PLAINTEXT);
            }
            Reply::Json(body) => {
                rsp.header(CONTENT_TYPE_JSON).body_vec(body);
            }
            Reply::Error(e) => error(rsp, e),
            Reply::MethodNotAllowed(route) => {
                error(rsp, ApiError::MethodNotAllowed);
                rsp.header(allow_header(route.allow()));
            }
            Reply::Refused(status) => {
                rsp.status_code(status.into(), reason(status));
            }
        }
    }
}

fn error(rsp: &mut Response, e: ApiError) {
    let status = e.status();
    rsp.status_code(status.into(), reason(status))
        .header(CONTENT_TYPE_JSON)
        .body_vec(e.body());
}

/// The `Allow` line for the method name `Route::allow` returns.
fn allow_header(method: &str) -> &'static str {
    match method {
        "POST" => "Allow: POST",
        _ => "Allow: GET",
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Payload Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        431 => "Request Header Fields Too Large",
        _ => "Internal Server Error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_lines_match_the_shared_constants() {
        assert_eq!(
            CONTENT_TYPE_JSON,
            format!("Content-Type: {}", api_model::JSON_CONTENT_TYPE)
        );
        assert_eq!(
            CONTENT_TYPE_TEXT,
            format!("Content-Type: {}", api_model::TEXT_CONTENT_TYPE)
        );
        for route in [Route::Plaintext, Route::Json, Route::User, Route::Echo] {
            assert_eq!(
                allow_header(route.allow()),
                format!("Allow: {}", route.allow())
            );
        }
    }

    #[test]
    fn every_error_has_its_own_reason() {
        let reasons: std::collections::HashSet<_> =
            ApiError::ALL.iter().map(|e| reason(e.status())).collect();
        assert_eq!(reasons.len(), ApiError::ALL.len());
    }
}
