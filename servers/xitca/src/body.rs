use api_model::{echo, media, ApiError, BODY_LIMIT};
use xitca_web::body::BodyStream;
use xitca_web::bytes::BytesMut;
use xitca_web::error::{BodyOverFlow, Error};
use xitca_web::handler::body::Limit;
use xitca_web::handler::FromRequest;
use xitca_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use xitca_web::WebContext;

use crate::error::ApiErr;

/// A JSON request body read up to the contract's limit: 415 on another media
/// type, 413 on a declared length past the limit before a byte is read, and
/// 413 when a streamed body grows past it (xitca-web's `Limit` extractor
/// stops reading there but calls it a 400, so its error is re-mapped).
pub struct JsonBody(pub BytesMut);

impl<'a, 'r, C, B> FromRequest<'a, WebContext<'r, C, B>> for JsonBody
where
    B: BodyStream + Default,
{
    type Type<'b> = JsonBody;
    type Error = Error;

    async fn from_request(ctx: &'a WebContext<'r, C, B>) -> Result<Self, Self::Error> {
        let headers = ctx.req().headers();
        if !headers
            .get(CONTENT_TYPE)
            .is_some_and(|ct| media::is_json(ct.as_bytes()))
        {
            return Err(ApiErr(ApiError::UnsupportedMediaType).into());
        }
        let declared = headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        if declared.is_some_and(|len| !echo::declared_length_allowed(len)) {
            return Err(ApiErr(ApiError::PayloadTooLarge).into());
        }
        match <(BytesMut, Limit<BODY_LIMIT>)>::from_request(ctx).await {
            Ok((bytes, _)) => Ok(JsonBody(bytes)),
            Err(e) if e.upcast().is::<BodyOverFlow>() => {
                Err(ApiErr(ApiError::PayloadTooLarge).into())
            }
            Err(e) => Err(e),
        }
    }
}
