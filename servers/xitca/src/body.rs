use api_model::{echo, media, ApiError, BODY_LIMIT};
use xitca_web::body::BodyStream;
use xitca_web::bytes::BytesMut;
use xitca_web::error::{BodyOverFlow, Error};
use xitca_web::handler::body::Limit;
use xitca_web::handler::FromRequest;
use xitca_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use xitca_web::http::StatusCode;
use xitca_web::WebContext;

use crate::error::ApiErr;
use crate::server::BODY_READ_TIMEOUT;

/// A JSON request body read up to the contract's limit: 415 on another media
/// type, 413 on a declared length past the limit before a byte is read, and
/// 413 when a streamed body grows past it (xitca-web's `Limit` extractor
/// stops reading there but calls it a 400, so its error is re-mapped).
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
