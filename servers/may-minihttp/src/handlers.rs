//! The API as a may_minihttp `HttpService`: one instance per connection,
//! routing by `api_model::Route::match_path`.

use std::io::{self, Read};

use api_model::db::{queries_count, worlds_json, Endpoint, Fortune};
use api_model::head::HeadRefusal;
use api_model::{echo, ApiError, Message, Route, User};
use bytes::BufMut;
use may_minihttp::{HttpService, HttpServiceFactory, Request, Response};
use yarte::Template;

use crate::guard::{self, Refusal};
use crate::watchdog::Watchdog;
use crate::{config, conn, db, error};

const CONTENT_TYPE_TEXT: &str = "Content-Type: text/plain; charset=utf-8";
const CONTENT_TYPE_HTML: &str = "Content-Type: text/html; charset=utf-8";
const PLAINTEXT: &str = match std::str::from_utf8(api_model::PLAINTEXT_BODY) {
    Ok(s) => s,
    Err(_) => panic!("the plaintext body is UTF-8"),
};

pub struct Api {
    watchdog: Watchdog,
}

/// Hands every connection its own `Api`, built around the connection's fd.
pub struct ApiFactory;

impl HttpServiceFactory for ApiFactory {
    type Service = Api;

    fn new_service(&self, id: usize) -> Api {
        let fd = conn::from_service_id(id);
        conn::set_nodelay(fd);
        Api {
            watchdog: Watchdog::spawn(fd),
        }
    }
}

impl HttpService for Api {
    /// Never returns `Err`: the library would answer it with a text 500.
    fn call(&mut self, req: Request, rsp: &mut Response) -> io::Result<()> {
        let (reply, close) = answer(req, &self.watchdog);
        reply.write(rsp);
        if close {
            // The library parses nothing after this response: bytes behind a
            // refused head may be a smuggled request.
            rsp.close_connection();
        }
        // The next request's head is due within the head timeout from here.
        self.watchdog.request_ended();
        Ok(())
    }

    fn server_name(&self) -> &'static str {
        config::SERVER_NAME
    }
}

/// The reply, and whether the connection must end with it.
fn answer(req: Request, watchdog: &Watchdog) -> (Reply, bool) {
    let framing = match guard::check(&req) {
        Ok(framing) => framing,
        Err(Refusal::Size(refusal)) => return (Reply::Refused(refusal), true),
        Err(Refusal::Error(e)) => return (e.into(), true),
    };
    let routed = route(&req, framing.length, watchdog);
    let declared = framing.length.unwrap_or(0);
    if !echo::declared_length_allowed(declared as u64) {
        // Never read: the library's reader would wait for every declared byte.
        let reply = match routed {
            Routed::Done(reply) => reply,
            Routed::Echo => ApiError::PayloadTooLarge.into(),
        };
        return (reply, true);
    }
    if declared == 0 {
        // No body: the library's reader would take no byte (the head is
        // already consumed), so it is not built.
        let reply = match routed {
            Routed::Done(reply) => reply,
            Routed::Echo => echo::echo(&[]).map_or_else(Reply::from, Reply::Json),
        };
        return (reply, framing.close);
    }
    // The body must now arrive within the body timeout.
    watchdog.request_waits();
    // Taken for every request with a body: the reader drains what is not
    // read when it drops, or the library would parse the body as the next
    // request.
    let mut body = req.body();
    match routed {
        Routed::Done(reply) => (reply, framing.close),
        Routed::Echo => {
            let mut bytes = Vec::with_capacity(declared);
            match body.read_to_end(&mut bytes) {
                Ok(read) if read == declared => {
                    let reply = echo::echo(&bytes).map_or_else(Reply::from, Reply::Json);
                    (reply, framing.close)
                }
                // The client went away or sent less than it declared.
                _ => (ApiError::BadRequest.into(), true),
            }
        }
    }
}

/// Where a request goes: a reply already decided from its head, or the echo
/// endpoint, whose reply needs the body.
enum Routed {
    Done(Reply),
    Echo,
}

fn route(req: &Request, content_length: Option<usize>, watchdog: &Watchdog) -> Routed {
    let (path, query) = match req.path().split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (req.path(), None),
    };
    if let Some(endpoint) = Endpoint::match_path(path) {
        if req.method() != Endpoint::ALLOW {
            return Routed::Done(Reply::MethodNotAllowed(Endpoint::ALLOW));
        }
        // Bounded by the database timeout, and within the body timeout too.
        watchdog.request_waits();
        return Routed::Done(database(endpoint, query).unwrap_or_else(Reply::from));
    }
    // A query string is ignored by every other endpoint.
    let Some((route, id)) = Route::match_path(path) else {
        return Routed::Done(ApiError::NotFound.into());
    };
    if !route.allows(req.method()) {
        return Routed::Done(Reply::MethodNotAllowed(route.allow()));
    }
    Routed::Done(match route {
        Route::Plaintext => Reply::Plaintext,
        Route::Json => Reply::Hello,
        Route::User => {
            User::lookup(id).map_or_else(Reply::from, |user| Reply::Json(user.to_json()))
        }
        Route::Echo => {
            let content_type = req
                .headers()
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case("content-type"))
                .map(|h| h.value);
            return match echo::check_head(content_type, content_length.map(|n| n as u64)) {
                Ok(()) => Routed::Echo,
                Err(e) => Routed::Done(e.into()),
            };
        }
    })
}

/// The database routes: the coroutine blocks on PostgreSQL (parking, not
/// the worker thread) for at most the database timeout (src/db.rs).
/// `queries` is parsed from the raw query string by the contract's rule.
fn database(endpoint: Endpoint, query: Option<&str>) -> Result<Reply, ApiError> {
    let pool = db::pool();
    Ok(match endpoint {
        Endpoint::World => Reply::Json(pool.world()?.to_json()),
        Endpoint::Queries => Reply::Json(worlds_json(&pool.worlds(queries_count(query))?)),
        Endpoint::Updates => Reply::Json(worlds_json(&pool.updates(queries_count(query))?)),
        Endpoint::Fortunes => {
            let page = FortunesPage {
                rows: pool.fortunes()?,
            };
            Reply::Html(page.call().map_err(|_| ApiError::Internal)?)
        }
    })
}

/// The fortunes page through yarte (templates/fortunes.hbs), whose `{{ }}`
/// escapes `&`, `<`, `>`, `"`, `'` (and `/`).
#[derive(Template)]
#[template(path = "fortunes")]
struct FortunesPage {
    rows: Vec<Fortune>,
}

// yarte's derive reads the template without telling cargo: this makes an
// edited template rebuild the crate.
const _: &[u8] = include_bytes!("../templates/fortunes.hbs");

/// What a request is answered with, decided before the body is drained.
enum Reply {
    Plaintext,
    /// `GET /json`'s message, serialized when the response is written.
    Hello,
    Json(Vec<u8>),
    Html(String),
    Error(ApiError),
    /// With the one method the route answers.
    MethodNotAllowed(&'static str),
    Refused(HeadRefusal),
}

impl From<ApiError> for Reply {
    fn from(e: ApiError) -> Self {
        Reply::Error(e)
    }
}

impl Reply {
    fn write(self, rsp: &mut Response) {
        match self {
            Reply::Plaintext => {
                rsp.header(CONTENT_TYPE_TEXT).body(PLAINTEXT);
            }
            Reply::Hello => {
                rsp.header(error::CONTENT_TYPE_JSON);
                // Straight into the response buffer: no body allocated per
                // request. Writing into a BytesMut cannot fail.
                let _ = Message::hello().write_json(rsp.body_mut().writer());
            }
            Reply::Json(body) => {
                rsp.header(error::CONTENT_TYPE_JSON).body_vec(body);
            }
            Reply::Html(page) => {
                rsp.header(CONTENT_TYPE_HTML).body_vec(page.into_bytes());
            }
            Reply::Error(e) => error::write(rsp, e),
            Reply::MethodNotAllowed(allow) => error::method_not_allowed(rsp, allow),
            Reply::Refused(refusal) => error::refused(rsp, refusal),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_content_type_is_the_shared_one() {
        assert_eq!(
            CONTENT_TYPE_TEXT,
            format!("Content-Type: {}", api_model::TEXT_CONTENT_TYPE)
        );
        assert_eq!(
            CONTENT_TYPE_HTML,
            format!("Content-Type: {}", api_model::db::HTML_CONTENT_TYPE)
        );
    }
}
