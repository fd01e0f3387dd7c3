use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::http::StatusCode;
use actix_web::web::{self, Bytes};
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use api_model::{echo as echo_rules, media, ApiError, Message, User};

use crate::error::Error;

pub async fn plaintext() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(api_model::TEXT_CONTENT_TYPE)
        .body(api_model::PLAINTEXT_BODY)
}

pub async fn json() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(api_model::JSON_CONTENT_TYPE)
        .body(Message::hello().to_json())
}

/// `Path<String>` rather than `Path<u64>`: the contract, not serde, decides
/// what an id is. actix has already percent-decoded the segment.
pub async fn user(id: web::Path<String>) -> Result<HttpResponse, Error> {
    let user = User::lookup(&id)?;
    Ok(HttpResponse::Ok()
        .content_type(api_model::JSON_CONTENT_TYPE)
        .body(user.to_json()))
}

pub async fn echo(JsonBody(body): JsonBody) -> Result<HttpResponse, Error> {
    Ok(HttpResponse::Ok()
        .content_type(api_model::JSON_CONTENT_TYPE)
        .body(echo_rules::echo(&body)?))
}

pub async fn not_found() -> Result<HttpResponse, Error> {
    Err(ApiError::NotFound.into())
}

/// A JSON request body: 415 on another media type, checked before the body
/// is touched; then actix's own `Bytes` extractor, whose `PayloadConfig`
/// limit (set on the `App`) rejects a declared `Content-Length` over 1 MiB
/// before reading and cuts a streamed body at 1 MiB.
pub struct JsonBody(Bytes);

impl FromRequest for JsonBody {
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = req
            .headers()
            .get(CONTENT_TYPE)
            .is_some_and(|ct| media::is_json(ct.as_bytes()));
        let body = is_json.then(|| Bytes::from_request(req, payload));
        Box::pin(async move {
            let body = body.ok_or(ApiError::UnsupportedMediaType)?;
            body.await.map(JsonBody).map_err(|e| {
                if e.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE {
                    Error(ApiError::PayloadTooLarge)
                } else {
                    Error(ApiError::BadRequest)
                }
            })
        })
    }
}
