//! How every response of this server is built: its `Server` header and
//! content type, shared by the handlers and the error responses.

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderValue, CONTENT_TYPE, SERVER};
use hyper::Response;

const SERVER_NAME: HeaderValue = HeaderValue::from_static("hyper");
pub const JSON: HeaderValue = HeaderValue::from_static(api_model::JSON_CONTENT_TYPE);
pub const TEXT: HeaderValue = HeaderValue::from_static(api_model::TEXT_CONTENT_TYPE);
pub const HTML: HeaderValue = HeaderValue::from_static(api_model::db::HTML_CONTENT_TYPE);

pub fn respond(content_type: HeaderValue, body: Bytes) -> Response<Full<Bytes>> {
    let mut res = with_server(Response::new(Full::new(body)));
    res.headers_mut().insert(CONTENT_TYPE, content_type);
    res
}

pub fn with_server(mut res: Response<Full<Bytes>>) -> Response<Full<Bytes>> {
    res.headers_mut().insert(SERVER, SERVER_NAME);
    res
}
