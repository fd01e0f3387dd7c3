//! The API as a may_minihttp `HttpService`: one instance per connection,
//! routing by `api_model::Route::match_path`.

use std::io::{self, Read};

use api_model::{echo, media, ApiError, Message, Route, User};
use may_minihttp::{HttpService, HttpServiceFactory, Request, Response};

use crate::conn::Conn;
use crate::framing::{Body, Framing};
use crate::reply::Reply;
use crate::watchdog::Watchdog;

/// A request target longer than this is answered 414 and the connection closed.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// A request head larger than this is answered 431 and the connection closed.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

pub struct Api {
    conn: Conn,
    watchdog: Watchdog,
}

/// Hands every connection its own `Api`, built around the connection's fd.
pub struct ApiFactory;

impl HttpServiceFactory for ApiFactory {
    type Service = Api;

    fn new_service(&self, id: usize) -> Api {
        Api {
            conn: Conn::from_service_id(id),
            watchdog: Watchdog::spawn(id as std::os::fd::RawFd),
        }
    }
}

impl HttpService for Api {
    /// Never returns `Err`: the library would answer it with a text 500.
    fn call(&mut self, req: Request, rsp: &mut Response) -> io::Result<()> {
        // The body, if any, must now arrive within the watchdog's timeout.
        self.watchdog.progress();
        let framing = Framing::of(&req);
        let mut close = framing.close;
        let routed = match oversized(&req) {
            Some(refusal) => {
                close = true;
                Routed::Done(refusal)
            }
            None => route(&req),
        };
        let reply = match framing.body {
            Body::Length(n) => {
                // Taken for every request: the reader drains what is not read
                // when it drops, or the library would parse the body as the
                // next request.
                let mut body = req.body();
                match routed {
                    Routed::Done(reply) => reply,
                    Routed::Echo => {
                        let mut bytes = Vec::with_capacity(n);
                        match body.read_to_end(&mut bytes) {
                            Ok(read) if read == n => {
                                echo::echo(&bytes).map_or_else(Reply::from, Reply::Json)
                            }
                            // The client went away or sent less than it declared.
                            _ => {
                                close = true;
                                ApiError::BadRequest.into()
                            }
                        }
                    }
                }
            }
            // Too much to read: take only what has already arrived (reads stop
            // waiting once the read side is shut), answer, close.
            Body::TooLarge => {
                self.conn.stop_reading();
                drop(req.body());
                close = true;
                match routed {
                    Routed::Done(reply) => reply,
                    Routed::Echo => ApiError::PayloadTooLarge.into(),
                }
            }
            // Where the body ends is unknown, so the connection cannot go on;
            // the library must not see this Content-Length either.
            Body::Unframed => {
                close = true;
                match routed {
                    Routed::Done(reply) => reply,
                    Routed::Echo => ApiError::BadRequest.into(),
                }
            }
        };
        reply.write(rsp);
        if close {
            self.conn.stop_reading();
        }
        // The next request's head is due within the timeout from here.
        self.watchdog.progress();
        Ok(())
    }
}

/// A head that the library accepted but that is past the arena's bounds.
/// The library has already buffered it whole (its read buffer has no bound
/// of its own), so this refuses it rather than preventing the buffering.
fn oversized(req: &Request) -> Option<Reply> {
    let uri = req.path().len();
    if uri > MAX_URI_BYTES {
        return Some(Reply::Refused(414));
    }
    let line = req.method().len() + uri + " HTTP/1.1\r\n ".len();
    let fields: usize = req
        .headers()
        .iter()
        .map(|h| h.name.len() + h.value.len() + 4)
        .sum();
    (line + fields > MAX_HEADER_BYTES).then_some(Reply::Refused(431))
}

/// Where a request goes: a reply already decided from its head, or the echo
/// endpoint, whose reply needs the body.
enum Routed {
    Done(Reply),
    Echo,
}

fn route(req: &Request) -> Routed {
    // A query string is ignored by every endpoint.
    let path = req
        .path()
        .split_once('?')
        .map_or(req.path(), |(path, _)| path);
    let Some((route, id)) = Route::match_path(path) else {
        return Routed::Done(ApiError::NotFound.into());
    };
    if !route.allows(req.method()) {
        return Routed::Done(Reply::MethodNotAllowed(route));
    }
    Routed::Done(match route {
        Route::Plaintext => Reply::Plaintext,
        Route::Json => Reply::Json(Message::hello().to_json()),
        Route::User => {
            User::lookup(id).map_or_else(Reply::from, |user| Reply::Json(user.to_json()))
        }
        Route::Echo => {
            let content_type = req
                .headers()
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case("content-type"));
            if !content_type.is_some_and(|h| media::is_json(h.value)) {
                return Routed::Done(ApiError::UnsupportedMediaType.into());
            }
            return Routed::Echo;
        }
    })
}
