use api_model::db::{self, Endpoint, Fortune, World};
use api_model::{
    echo as echo_rules, ApiError, Message, Route, User, BODY_LIMIT, BODY_READ_TIMEOUT,
};
use arena_postgres::Pool;
use askama::Template;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, RawQuery, Request};
use axum::http::header::{ALLOW, CONTENT_TYPE};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::error::Error;

const JSON: HeaderValue = HeaderValue::from_static(api_model::JSON_CONTENT_TYPE);
const TEXT: HeaderValue = HeaderValue::from_static(api_model::TEXT_CONTENT_TYPE);
const HTML: HeaderValue = HeaderValue::from_static(db::HTML_CONTENT_TYPE);

pub async fn plaintext() -> impl IntoResponse {
    ([(CONTENT_TYPE, TEXT)], api_model::PLAINTEXT_BODY)
}

pub async fn json() -> impl IntoResponse {
    ([(CONTENT_TYPE, JSON)], Message::hello().to_json())
}

/// `Path<String>` rather than `Path<u64>`: the contract, not axum, decides
/// what an id is; a segment that is not UTF-8 is axum's rejection, mapped to 400.
pub async fn user(id: Result<Path<String>, PathRejection>) -> Result<impl IntoResponse, Error> {
    let Path(id) = id.map_err(|_| ApiError::BadRequest)?;
    let user = User::lookup(&id)?;
    Ok(([(CONTENT_TYPE, JSON)], user.to_json()))
}

pub async fn echo(JsonBody(body): JsonBody) -> Result<impl IntoResponse, Error> {
    Ok(([(CONTENT_TYPE, JSON)], echo_rules::echo(&body)?))
}

pub async fn db(DbPool(pool): DbPool) -> Result<Json<World>, Error> {
    Ok(Json(pool.world().await?))
}

/// `RawQuery`: the contract's `queries_count`, not a deserializer, reads the
/// parameter (a bad value is 1 row, never a 400).
pub async fn queries(
    DbPool(pool): DbPool,
    RawQuery(query): RawQuery,
) -> Result<Json<Vec<World>>, Error> {
    let count = db::queries_count(query.as_deref());
    Ok(Json(pool.worlds(count).await?))
}

pub async fn updates(
    DbPool(pool): DbPool,
    RawQuery(query): RawQuery,
) -> Result<Json<Vec<World>>, Error> {
    let count = db::queries_count(query.as_deref());
    Ok(Json(pool.updates(count).await?))
}

pub async fn fortunes(DbPool(pool): DbPool) -> Result<impl IntoResponse, Error> {
    let fortunes = pool.fortunes().await?;
    let page = FortunesPage {
        fortunes: &fortunes,
    }
    .render()
    .map_err(|_| ApiError::Internal)?;
    Ok(([(CONTENT_TYPE, HTML)], page))
}

/// templates/fortunes.html; askama escapes every `{{ }}` of an .html template.
#[derive(Template)]
#[template(path = "fortunes.html")]
struct FortunesPage<'a> {
    fortunes: &'a [Fortune],
}

/// The connections of the worker serving this request. An extractor rather
/// than `State`: one router is shared by every worker, and the pool policy
/// is per worker (`arena_postgres::Pool::for_this_worker`).
pub struct DbPool(Pool);

impl<S: Send + Sync> FromRequestParts<S> for DbPool {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(_parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(DbPool(Pool::for_this_worker()))
    }
}

pub async fn not_found() -> Error {
    Error(ApiError::NotFound)
}

pub async fn method_not_allowed(uri: Uri) -> Response {
    let mut res = Error(ApiError::MethodNotAllowed).into_response();
    let allow = match Route::match_path(uri.path()) {
        Some((route, _)) => Some(route.allow()),
        None => Endpoint::match_path(uri.path()).map(|_| Endpoint::ALLOW),
    };
    if let Some(allow) = allow {
        res.headers_mut()
            .insert(ALLOW, HeaderValue::from_static(allow));
    }
    res
}

/// A JSON request body read up to the contract's limit: 415 on another media
/// type, 413 on a declared or streamed body past the limit.
pub struct JsonBody(Bytes);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = Error;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        // The body's size hint is exact only for one hyper frames by
        // Content-Length: the declared length, as hyper parsed and validated it.
        let content_type = req.headers().get(CONTENT_TYPE).map(HeaderValue::as_bytes);
        echo_rules::check_head(content_type, req.body().size_hint().exact())?;
        let body: Body = req.into_body();
        match tokio::time::timeout(BODY_READ_TIMEOUT, axum::body::to_bytes(body, BODY_LIMIT)).await
        {
            Ok(Ok(bytes)) => Ok(JsonBody(bytes)),
            Ok(Err(e)) if is_length_limit(&e) => Err(ApiError::PayloadTooLarge.into()),
            Ok(Err(_)) => Err(ApiError::BadRequest.into()),
            Err(_elapsed) => Err(ApiError::RequestTimeout.into()),
        }
    }
}

fn is_length_limit(e: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if err.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = err.source();
    }
    false
}
