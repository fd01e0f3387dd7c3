use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::error::InternalError;
use actix_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use actix_web::http::StatusCode;
use actix_web::web::{self, Bytes};
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use api_model::db::{self, Fortune};
use api_model::{echo as echo_rules, ApiError, Message, User, BODY_READ_TIMEOUT};
use arena_postgres::Pool;
use askama::Template;

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

pub async fn db(pool: web::Data<Pool>) -> Result<HttpResponse, Error> {
    Ok(HttpResponse::Ok().json(pool.world().await?))
}

/// The raw query string: the contract's `queries_count`, not a
/// deserializer, reads the parameter (a bad value is 1 row, never a 400).
pub async fn queries(pool: web::Data<Pool>, req: HttpRequest) -> Result<HttpResponse, Error> {
    let count = db::queries_count(Some(req.query_string()));
    Ok(HttpResponse::Ok().json(pool.worlds(count).await?))
}

pub async fn updates(pool: web::Data<Pool>, req: HttpRequest) -> Result<HttpResponse, Error> {
    let count = db::queries_count(Some(req.query_string()));
    Ok(HttpResponse::Ok().json(pool.updates(count).await?))
}

pub async fn fortunes(pool: web::Data<Pool>) -> Result<HttpResponse, Error> {
    let fortunes = pool.fortunes().await?;
    let page = FortunesPage {
        fortunes: &fortunes,
    }
    .render()
    .map_err(|_| ApiError::Internal)?;
    Ok(HttpResponse::Ok()
        .content_type(db::HTML_CONTENT_TYPE)
        .body(page))
}

/// templates/fortunes.html; askama escapes every `{{ }}` of an .html template.
#[derive(Template)]
#[template(path = "fortunes.html")]
struct FortunesPage<'a> {
    fortunes: &'a [Fortune],
}

pub async fn not_found() -> Result<HttpResponse, Error> {
    Err(ApiError::NotFound.into())
}

/// A JSON request body: the contract's head checks (415 on another media
/// type, 413 on a declared length past the limit) before the body is
/// touched; then actix's own `Bytes` extractor, whose `PayloadConfig` limit
/// (set on the `App`) cuts a streamed body at the limit. A body that is not
/// whole within `BODY_READ_TIMEOUT` is answered 408 and the connection is
/// closed (actix-http has no body timeout of its own, and the unread rest of
/// the body cannot be skipped without waiting for it).
pub struct JsonBody(Bytes);

impl FromRequest for JsonBody {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let headers = req.headers();
        // actix-http has refused a malformed Content-Length before routing.
        let declared = headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse().ok());
        let content_type = headers.get(CONTENT_TYPE).map(|v| v.as_bytes());
        let body = echo_rules::check_head(content_type, declared)
            .map(|()| Bytes::from_request(req, payload));
        Box::pin(async move {
            let body = body.map_err(Error)?;
            let Ok(read) = actix_web::rt::time::timeout(BODY_READ_TIMEOUT, body).await else {
                let res = HttpResponse::RequestTimeout().force_close().finish();
                return Err(InternalError::from_response("request body timed out", res).into());
            };
            read.map(JsonBody).map_err(|e| {
                if e.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE {
                    Error(ApiError::PayloadTooLarge).into()
                } else {
                    Error(ApiError::BadRequest).into()
                }
            })
        })
    }
}
