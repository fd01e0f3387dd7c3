use std::convert::Infallible;

use api_model::db::{self, Endpoint, Fortune};
use api_model::{echo, ApiError, Message, Route, User, BODY_LIMIT, BODY_READ_TIMEOUT};
use arena_postgres::Pool;
use askama::Template;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Body, Incoming};
use hyper::header::{HeaderValue, ALLOW, CONTENT_TYPE};
use hyper::{Method, Request, Response};

use crate::error::error;
use crate::response::{respond, HTML, JSON, TEXT};

pub async fn handle(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let Some((route, id)) = Route::match_path(req.uri().path()) else {
        return Ok(match Endpoint::match_path(req.uri().path()) {
            Some(endpoint) => database(endpoint, req).await,
            None => error(ApiError::NotFound),
        });
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

/// Checks in the contract's order: the head (media type, declared length),
/// then reads at most `BODY_LIMIT` bytes and re-serializes them.
async fn echo_body(req: Request<Incoming>) -> Result<Vec<u8>, ApiError> {
    debug_assert_eq!(req.method(), Method::POST);
    // hyper's size hint is exact only for a body it frames by Content-Length:
    // the declared length, as hyper parsed and validated it.
    let content_type = req.headers().get(CONTENT_TYPE).map(HeaderValue::as_bytes);
    echo::check_head(content_type, req.body().size_hint().exact())?;
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

/// The database routes, on this worker's connections (`arena_postgres`).
async fn database(endpoint: Endpoint, req: Request<Incoming>) -> Response<Full<Bytes>> {
    if req.method() != Method::GET {
        let mut res = error(ApiError::MethodNotAllowed);
        res.headers_mut()
            .insert(ALLOW, HeaderValue::from_static(Endpoint::ALLOW));
        return res;
    }
    let count = db::queries_count(req.uri().query());
    let pool = Pool::for_this_worker();
    let answer = match endpoint {
        Endpoint::World => pool.world().await.map(|row| json(&row)),
        Endpoint::Queries => pool.worlds(count).await.map(|rows| json(&rows)),
        Endpoint::Updates => pool.updates(count).await.map(|rows| json(&rows)),
        Endpoint::Fortunes => pool.fortunes().await.and_then(|fortunes| {
            let page = FortunesPage {
                fortunes: &fortunes,
            };
            let html = page.render().map_err(|_| ApiError::Internal)?;
            Ok(respond(HTML, html.into()))
        }),
    };
    answer.unwrap_or_else(error)
}

fn json(value: &impl serde::Serialize) -> Response<Full<Bytes>> {
    let body = serde_json::to_vec(value).expect("rows always serialize");
    respond(JSON, body.into())
}

/// templates/fortunes.html; askama escapes every `{{ }}` of an .html template.
#[derive(Template)]
#[template(path = "fortunes.html")]
struct FortunesPage<'a> {
    fortunes: &'a [Fortune],
}
