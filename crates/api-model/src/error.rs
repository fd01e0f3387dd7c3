use serde::Serialize;

/// Every error the contract knows, with its status and wire code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiError {
    BadRequest,
    NotFound,
    MethodNotAllowed,
    RequestTimeout,
    PayloadTooLarge,
    UnsupportedMediaType,
    Internal,
    /// The database did not answer in time or is unreachable.
    ServiceUnavailable,
}

#[derive(Serialize)]
struct ErrorBody {
    error: &'static str,
}

impl ApiError {
    pub const ALL: [ApiError; 8] = [
        ApiError::BadRequest,
        ApiError::NotFound,
        ApiError::MethodNotAllowed,
        ApiError::RequestTimeout,
        ApiError::PayloadTooLarge,
        ApiError::UnsupportedMediaType,
        ApiError::Internal,
        ApiError::ServiceUnavailable,
    ];

    pub const fn status(self) -> u16 {
        match self {
            ApiError::BadRequest => 400,
            ApiError::NotFound => 404,
            ApiError::MethodNotAllowed => 405,
            ApiError::RequestTimeout => 408,
            ApiError::PayloadTooLarge => 413,
            ApiError::UnsupportedMediaType => 415,
            ApiError::Internal => 500,
            ApiError::ServiceUnavailable => 503,
        }
    }

    pub const fn code(self) -> &'static str {
        match self {
            ApiError::BadRequest => "bad_request",
            ApiError::NotFound => "not_found",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::RequestTimeout => "request_timeout",
            ApiError::PayloadTooLarge => "payload_too_large",
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::Internal => "internal_error",
            ApiError::ServiceUnavailable => "service_unavailable",
        }
    }

    /// The JSON body `{"error":"CODE"}`, serialized on each call.
    pub fn body(self) -> Vec<u8> {
        serde_json::to_vec(&ErrorBody { error: self.code() })
            .expect("a struct of one string always serializes")
    }

    /// Maps a status a framework produced on its own (its router's 404, its
    /// extractor's 413, ...) onto the contract's error, if it is one of ours.
    pub const fn from_status(status: u16) -> Option<ApiError> {
        match status {
            400 => Some(ApiError::BadRequest),
            404 => Some(ApiError::NotFound),
            405 => Some(ApiError::MethodNotAllowed),
            408 => Some(ApiError::RequestTimeout),
            413 => Some(ApiError::PayloadTooLarge),
            415 => Some(ApiError::UnsupportedMediaType),
            500 => Some(ApiError::Internal),
            503 => Some(ApiError::ServiceUnavailable),
            _ => None,
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_is_compact_json_with_code() {
        assert_eq!(ApiError::NotFound.body(), br#"{"error":"not_found"}"#);
    }

    /// `contract.toml`'s `[errors]` is the table the Python servers and the
    /// docs use: the enum must say the same.
    #[test]
    fn codes_match_the_contract_file() {
        let text = include_str!("../contract.toml");
        let table = text
            .split("[errors]")
            .nth(1)
            .expect("contract.toml has [errors]");
        let mut listed = 0;
        for line in table.lines().map(str::trim) {
            if line.starts_with('[') {
                break;
            }
            let Some((status, code)) = line.split_once('=') else {
                continue;
            };
            let status: u16 = status.trim().parse().expect("a status");
            let e = ApiError::from_status(status).expect("a status the enum knows");
            assert_eq!(code.trim().trim_matches('"'), e.code(), "{status}");
            listed += 1;
        }
        assert_eq!(listed, ApiError::ALL.len());
    }

    #[test]
    fn status_round_trips() {
        for e in ApiError::ALL {
            assert_eq!(ApiError::from_status(e.status()), Some(e));
        }
        assert_eq!(ApiError::from_status(200), None);
    }
}
