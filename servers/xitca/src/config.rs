//! xitca-web's `HttpServer` settings, mapped from the contract's limits
//! (`api_model::limits`); README.md explains each one.

use api_model::limits::{HEADER_READ_TIMEOUT, IDLE_TIMEOUT, MAX_HEADERS, MAX_HEAD_BYTES};
use xitca_web::error::Error;
use xitca_web::http::header::{HeaderValue, SERVER};
use xitca_web::http::WebResponse;
use xitca_web::service::Service;
use xitca_web::{HttpServer, WebContext};

/// The contract's head and connection limits in xitca's idiom: header count
/// and head size are const generics of the server (stack arrays and buffer
/// bounds in xitca-http), the timeouts are durations. The write buffer keeps
/// xitca's default high-water mark.
pub fn limits<S>(server: HttpServer<S>) -> HttpServer<S, MAX_HEADERS, MAX_HEAD_BYTES>
where
    S: Send + Sync + 'static,
{
    server
        // httparse parses into a stack array of this many fields; one more is 431.
        .max_request_headers::<MAX_HEADERS>()
        // A head still incomplete once this much is buffered is 431; a head
        // that arrives whole past it is refused by the guard (src/guard.rs).
        .max_read_buf_size::<MAX_HEAD_BYTES>()
        .keep_alive_timeout(IDLE_TIMEOUT)
        .request_head_timeout(HEADER_READ_TIMEOUT)
}

/// The registered name of the variant this build is (server.toml).
const SERVER_NAME: HeaderValue = HeaderValue::from_static(if cfg!(feature = "io-uring") {
    "xitca-uring"
} else {
    "xitca"
});

/// `Server: <name>` on every response: xitca has no server-name setting.
pub async fn server_header<S, C>(next: &S, ctx: WebContext<'_, C>) -> Result<WebResponse, Error>
where
    S: for<'r> Service<WebContext<'r, C>, Response = WebResponse, Error = Error>,
{
    let mut res = next.call(ctx).await?;
    res.headers_mut().insert(SERVER, SERVER_NAME);
    Ok(res)
}
