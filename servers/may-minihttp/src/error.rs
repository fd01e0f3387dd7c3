//! Contract errors and head refusals as may_minihttp responses, whose header
//! lines are `&'static str` and whose `Server`, `Date` and `Content-Length`
//! lines the library writes itself.

use api_model::head::HeadRefusal;
use api_model::ApiError;
use may_minihttp::Response;

pub const CONTENT_TYPE_JSON: &str = "Content-Type: application/json";

/// `{"error":"CODE"}` with the error's status.
pub fn write(rsp: &mut Response, e: ApiError) {
    let status = e.status();
    rsp.status_code(status.into(), reason(status))
        .header(CONTENT_TYPE_JSON)
        .body_vec(e.body());
}

/// 405 with the `Allow` line naming the one method the route answers
/// (`Route::allow`, `Endpoint::ALLOW`).
pub fn method_not_allowed(rsp: &mut Response, allow: &str) {
    write(rsp, ApiError::MethodNotAllowed);
    rsp.header(allow_header(allow));
}

/// A head refused before routing (414, 431): the status alone, no body.
pub fn refused(rsp: &mut Response, refusal: HeadRefusal) {
    let status = refusal.status();
    rsp.status_code(status.into(), reason(status));
}

/// The `Allow` line for a method name `Route::allow` or `Endpoint::ALLOW` gives.
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
        408 => "Request Timeout",
        413 => "Payload Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "Internal Server Error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use api_model::db::Endpoint;
    use api_model::Route;

    #[test]
    fn header_lines_match_the_shared_constants() {
        assert_eq!(
            CONTENT_TYPE_JSON,
            format!("Content-Type: {}", api_model::JSON_CONTENT_TYPE)
        );
        for route in [Route::Plaintext, Route::Json, Route::User, Route::Echo] {
            assert_eq!(
                allow_header(route.allow()),
                format!("Allow: {}", route.allow())
            );
        }
        assert_eq!(
            allow_header(Endpoint::ALLOW),
            format!("Allow: {}", Endpoint::ALLOW)
        );
    }

    #[test]
    fn every_error_and_refusal_has_its_own_reason() {
        let statuses: Vec<u16> = ApiError::ALL
            .iter()
            .map(|e| e.status())
            .chain([HeadRefusal::UriTooLong, HeadRefusal::HeadTooLarge].map(HeadRefusal::status))
            .collect();
        let reasons: std::collections::HashSet<_> = statuses.iter().map(|&s| reason(s)).collect();
        assert_eq!(reasons.len(), statuses.len());
    }
}
