use api_model::{echo as echo_rules, ApiError, Message, User};
use xitca_web::bytes::Bytes;
use xitca_web::handler::params::ParamsRef;
use xitca_web::http::header::{HeaderName, HeaderValue, CONTENT_TYPE};

use crate::body::JsonBody;
use crate::error::{ApiErr, JSON};

const TEXT: HeaderValue = HeaderValue::from_static(api_model::TEXT_CONTENT_TYPE);

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

pub async fn echo(JsonBody(body): JsonBody) -> Result<Typed<Vec<u8>>, ApiErr> {
    Ok(((CONTENT_TYPE, JSON), echo_rules::echo(&body)?))
}
