use api_model::db::{queries_count, worlds_json, Fortune};
use api_model::{echo as echo_rules, ApiError, Message, User, BODY_LIMIT, BODY_READ_TIMEOUT};
use sailfish::TemplateOnce;
use xitca_web::body::BodyStream;
use xitca_web::bytes::{Bytes, BytesMut};
use xitca_web::error::{BodyOverFlow, Error};
use xitca_web::handler::body::Limit;
use xitca_web::handler::params::ParamsRef;
use xitca_web::handler::state::StateRef;
use xitca_web::handler::uri::UriRef;
use xitca_web::handler::FromRequest;
use xitca_web::http::header::{HeaderName, HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use xitca_web::http::StatusCode;
use xitca_web::WebContext;

use crate::db::Db;
use crate::error::{ApiErr, JSON};

const TEXT: HeaderValue = HeaderValue::from_static(api_model::TEXT_CONTENT_TYPE);
const HTML: HeaderValue = HeaderValue::from_static(api_model::db::HTML_CONTENT_TYPE);

/// Header first: a tuple responder takes its error type from its first element.
type Typed<T> = ((HeaderName, HeaderValue), T);

pub async fn plaintext() -> Typed<Bytes> {
    (
        (CONTENT_TYPE, TEXT),
        Bytes::from_static(api_model::PLAINTEXT_BODY),
    )
}

pub async fn json() -> Typed<Vec<u8>> {
    ((CONTENT_TYPE, JSON), Message::hello().to_json())
}

/// The raw `{id}` segment: the contract, not a serde parse, decides what an id is.
pub async fn user(params: ParamsRef<'_>) -> Result<Typed<Vec<u8>>, ApiErr> {
    let id = params.get("id").ok_or(ApiErr(ApiError::NotFound))?;
    let user = User::lookup(id)?;
    Ok(((CONTENT_TYPE, JSON), user.to_json()))
}

pub async fn db(StateRef(db): StateRef<'_, Db>) -> Result<Typed<Vec<u8>>, ApiErr> {
    Ok(((CONTENT_TYPE, JSON), db.world().await?.to_json()))
}

/// `queries=N` from the raw query string: the contract's count, not a
/// serde parse, decides what N is.
pub async fn queries(
    StateRef(db): StateRef<'_, Db>,
    UriRef(uri): UriRef<'_>,
) -> Result<Typed<Vec<u8>>, ApiErr> {
    let rows = db.worlds(queries_count(uri.query())).await?;
    Ok(((CONTENT_TYPE, JSON), worlds_json(&rows)))
}

pub async fn updates(
    StateRef(db): StateRef<'_, Db>,
    UriRef(uri): UriRef<'_>,
) -> Result<Typed<Vec<u8>>, ApiErr> {
    let rows = db.updates(queries_count(uri.query())).await?;
    Ok(((CONTENT_TYPE, JSON), worlds_json(&rows)))
}

/// The fortunes page through sailfish (templates/fortunes.stpl), whose
/// `<%= %>` escapes `&`, `<`, `>`, `"` and `'`.
#[derive(TemplateOnce)]
#[template(path = "fortunes.stpl", rm_whitespace = true)]
struct FortunesPage {
    rows: Vec<Fortune>,
}

pub async fn fortunes(StateRef(db): StateRef<'_, Db>) -> Result<Typed<Vec<u8>>, ApiErr> {
    let rows = db.fortunes().await?;
    let page = FortunesPage { rows }
        .render_once()
        .map_err(|_| ApiErr(ApiError::Internal))?;
    Ok(((CONTENT_TYPE, HTML), page.into_bytes()))
}

pub async fn echo(JsonBody(body): JsonBody) -> Result<Typed<Vec<u8>>, ApiErr> {
    Ok(((CONTENT_TYPE, JSON), echo_rules::echo(&body)?))
}

/// A JSON request body read up to the contract's limit: the head checks
/// first (`echo::check_head`: 415, then 413 on a declared length past the
/// limit before a byte is read), then 413 when a streamed body grows past
/// it (xitca-web's `Limit` extractor stops reading there but calls it a
/// 400, so its error is re-mapped).
///
/// Two more things xitca-http leaves to the application: a body that does
/// not arrive whole within `BODY_READ_TIMEOUT` is answered 408, and a body
/// the HTTP layer cannot decode (a malformed chunk size, chunk data longer
/// than its size) is answered 400 where xitca-web would render its stream
/// error as a 500. Either way the body is dropped unfinished, and xitca-http
/// closes a connection whose request body was not read to its end.
pub struct JsonBody(pub BytesMut);

impl<'a, 'r, C, B> FromRequest<'a, WebContext<'r, C, B>> for JsonBody
where
    B: BodyStream + Default,
{
    type Type<'b> = JsonBody;
    type Error = Error;

    async fn from_request(ctx: &'a WebContext<'r, C, B>) -> Result<Self, Self::Error> {
        let headers = ctx.req().headers();
        // xitca-http has refused a malformed Content-Length before routing.
        let declared = headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        let content_type = headers.get(CONTENT_TYPE).map(HeaderValue::as_bytes);
        echo_rules::check_head(content_type, declared).map_err(ApiErr)?;
        let read = <(BytesMut, Limit<BODY_LIMIT>)>::from_request(ctx);
        match tokio::time::timeout(BODY_READ_TIMEOUT, read).await {
            Ok(Ok((bytes, _))) => Ok(JsonBody(bytes)),
            Ok(Err(e)) if e.upcast().is::<BodyOverFlow>() => {
                Err(ApiErr(ApiError::PayloadTooLarge).into())
            }
            Ok(Err(_)) => Err(ApiErr(ApiError::BadRequest).into()),
            Err(_elapsed) => Err(StatusCode::REQUEST_TIMEOUT.into()),
        }
    }
}
