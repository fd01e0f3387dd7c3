//! The endpoints and the two fallbacks, as ntex handlers. The database
//! handlers are the same on every runtime; only `postgres::Pool`'s wiring
//! differs (src/postgres.rs).

use api_model::db::{self, Endpoint, Fortune};
use api_model::{
    echo as echo_rules, ApiError, Message, Route, User, BODY_LIMIT, BODY_READ_TIMEOUT,
};
use ntex::http::header::{HeaderValue, ALLOW, CONTENT_LENGTH, CONTENT_TYPE};
use ntex::http::Payload;
use ntex::util::Bytes;
use ntex::web::types::State;
use ntex::web::{self, FromRequest, HttpRequest, HttpResponse};
use yarte::Template;

use crate::error::{Contract, Error};
use crate::postgres::Pool;

const JSON: HeaderValue = HeaderValue::from_static(api_model::JSON_CONTENT_TYPE);
const TEXT: HeaderValue = HeaderValue::from_static(api_model::TEXT_CONTENT_TYPE);
const HTML: HeaderValue = HeaderValue::from_static(db::HTML_CONTENT_TYPE);

pub async fn plaintext() -> HttpResponse {
    HttpResponse::Ok()
        .header(CONTENT_TYPE, TEXT)
        .body(Bytes::from_static(api_model::PLAINTEXT_BODY))
}

pub async fn json() -> HttpResponse {
    HttpResponse::Ok()
        .header(CONTENT_TYPE, JSON)
        .body(Message::hello().to_json())
}

/// `Path<String>` rather than `Path<u64>`: the contract, not serde, decides
/// what an id is.
pub async fn user(id: ntex::web::types::Path<String>) -> Result<HttpResponse, Error> {
    let user = User::lookup(&id)?;
    Ok(HttpResponse::Ok()
        .header(CONTENT_TYPE, JSON)
        .body(user.to_json()))
}

pub async fn echo(JsonBody(body): JsonBody) -> Result<HttpResponse, Error> {
    let out = echo_rules::echo(&body)?;
    Ok(HttpResponse::Ok().header(CONTENT_TYPE, JSON).body(out))
}

/// `GET /db`.
pub async fn world(pool: State<Pool>) -> Result<HttpResponse, Error> {
    Ok(json_body(pool.world().await?.to_json()))
}

/// `GET /queries?queries=N`: `N` by the contract's rules, from the raw query string.
pub async fn queries(req: HttpRequest, pool: State<Pool>) -> Result<HttpResponse, Error> {
    let n = db::queries_count(req.uri().query());
    Ok(json_body(db::worlds_json(&pool.worlds(n).await?)))
}

/// `GET /updates?queries=N`: the rows as written back.
pub async fn updates(req: HttpRequest, pool: State<Pool>) -> Result<HttpResponse, Error> {
    let n = db::queries_count(req.uri().query());
    Ok(json_body(db::worlds_json(&pool.updates(n).await?)))
}

/// The fortunes page, rendered by yarte from `templates/fortunes.hbs`; yarte
/// HTML-escapes every `{{ }}` value.
#[derive(Template)]
#[template(path = "fortunes.hbs")]
struct FortunesPage<'a> {
    fortunes: &'a [Fortune],
}

/// `GET /fortunes`.
pub async fn fortunes(pool: State<Pool>) -> Result<HttpResponse, Error> {
    let rows = pool.fortunes().await?;
    let page = FortunesPage { fortunes: &rows }
        .call()
        .map_err(|_| ApiError::Internal)?;
    Ok(HttpResponse::Ok().header(CONTENT_TYPE, HTML).body(page))
}

fn json_body(body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok().header(CONTENT_TYPE, JSON).body(body)
}

/// The app's default service: no resource matched the path.
pub async fn not_found(body: web::types::Payload) -> HttpResponse {
    drain(body.into_inner()).await;
    Error(ApiError::NotFound).response()
}

/// Each resource's default service: the path matched, the method did not.
pub async fn method_not_allowed(req: HttpRequest, body: web::types::Payload) -> HttpResponse {
    drain(body.into_inner()).await;
    let mut res = Error(ApiError::MethodNotAllowed).response();
    let allow = Route::match_path(req.path())
        .map(|(route, _)| route.allow())
        .or_else(|| Endpoint::match_path(req.path()).map(|_| Endpoint::ALLOW));
    if let Some(allow) = allow {
        res.headers_mut()
            .insert(ALLOW, HeaderValue::from_static(allow));
    }
    res
}

/// A JSON request body read up to the contract's limit: the contract's head
/// checks first (415 on another media type, 413 on a declared length past the
/// limit, before a byte is read), then ntex's own `Bytes` extractor (limited
/// by the app's `PayloadConfig`), which stops a streamed body at the limit.
pub struct JsonBody(Bytes);

impl FromRequest<Contract> for JsonBody {
    type Error = Error;

    async fn from_request(req: &HttpRequest, payload: &mut Payload) -> Result<Self, Error> {
        let headers = req.headers();
        // ntex's codec has refused a malformed Content-Length before routing.
        let declared = headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        let content_type = headers.get(CONTENT_TYPE).map(|v| v.as_bytes());
        if let Err(e) = echo_rules::check_head(content_type, declared) {
            // A body past the limit (413) is left unread: ntex then closes.
            if e == ApiError::UnsupportedMediaType {
                drain(payload.take()).await;
            }
            return Err(e.into());
        }
        // ntex has no body read timeout of its own: a trickled or stalled body
        // would hold the connection forever. On timeout the body is left
        // unread, so ntex closes the connection after the 408.
        let read = <Bytes as FromRequest<Contract>>::from_request(req, payload);
        match ntex::time::timeout(BODY_READ_TIMEOUT, read).await {
            Ok(body) => Ok(JsonBody(body?)),
            Err(()) => Err(ApiError::RequestTimeout.into()),
        }
    }
}

/// Reads and discards a body the answer does not need, up to the contract's
/// limit, so that ntex can keep the connection open: it closes a connection
/// whose request body was left unread. A body past the limit is left unread
/// and the connection is closed, as after a 413.
async fn drain(mut body: Payload) {
    let mut seen = 0;
    while seen <= BODY_LIMIT {
        match body.recv().await {
            Some(Ok(chunk)) => seen += chunk.len(),
            _ => return,
        }
    }
}
