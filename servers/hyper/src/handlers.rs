use std::convert::Infallible;

use api_model::{echo, media, ApiError, Message, Route, User, BODY_LIMIT, BODY_READ_TIMEOUT};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, ALLOW, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, SERVER};
use hyper::{Method, Request, Response, StatusCode};

const SERVER_NAME: HeaderValue = HeaderValue::from_static("hyper");
const JSON: HeaderValue = HeaderValue::from_static(api_model::JSON_CONTENT_TYPE);
const TEXT: HeaderValue = HeaderValue::from_static(api_model::TEXT_CONTENT_TYPE);

pub async fn handle(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let Some((route, id)) = Route::match_path(req.uri().path()) else {
        return Ok(error(ApiError::NotFound));
    };
    if !route.allows(req.method().as_str()) {
        let mut res = error(ApiError::MethodNotAllowed);
        res.headers_mut()
            .insert(ALLOW, HeaderValue::from_static(route.allow()));
        return Ok(res);
    }
    Ok(match route {
        Route::Plaintext => respond(TEXT, Bytes::from_static(api_model::PLAINTEXT_BODY)),
        Route::Json => respond(JSON, Message::hello().to_json().into()),
        Route::User => match User::lookup(id) {
            Ok(user) => respond(JSON, user.to_json().into()),
            Err(e) => error(e),
        },
        Route::Echo => match echo_body(req).await {
            Ok(body) => respond(JSON, body.into()),
            Err(e) => error(e),
        },
    })
}

/// Checks in the contract's order: media type, declared length, then reads at
/// most `BODY_LIMIT` bytes and re-serializes them.
async fn echo_body(req: Request<Incoming>) -> Result<Vec<u8>, ApiError> {
    debug_assert_eq!(req.method(), Method::POST);
    let headers = req.headers();
    let is_json = headers
        .get(CONTENT_TYPE)
        .is_some_and(|ct| media::is_json(ct.as_bytes()));
    if !is_json {
        return Err(ApiError::UnsupportedMediaType);
    }
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|len| !echo::declared_length_allowed(len)) {
        return Err(ApiError::PayloadTooLarge);
    }
    let collect = Limited::new(req.into_body(), BODY_LIMIT).collect();
    let body = tokio::time::timeout(BODY_READ_TIMEOUT, collect)
        .await
        .map_err(|_| ApiError::RequestTimeout)?
        .map_err(|e| {
            if e.is::<http_body_util::LengthLimitError>() {
                ApiError::PayloadTooLarge
            } else {
                ApiError::BadRequest
            }
        })?;
    echo::echo(&body.to_bytes())
}

fn respond(content_type: HeaderValue, body: Bytes) -> Response<Full<Bytes>> {
    let mut res = Response::new(Full::new(body));
    let headers = res.headers_mut();
    headers.insert(SERVER, SERVER_NAME);
    headers.insert(CONTENT_TYPE, content_type);
    res
}

fn error(e: ApiError) -> Response<Full<Bytes>> {
    let mut res = respond(JSON, e.body().into());
    *res.status_mut() = StatusCode::from_u16(e.status()).expect("contract statuses are valid");
    if e == ApiError::RequestTimeout {
        // The rest of the body may still be on its way: the connection cannot be reused.
        res.headers_mut()
            .insert(CONNECTION, HeaderValue::from_static("close"));
    }
    res
}
