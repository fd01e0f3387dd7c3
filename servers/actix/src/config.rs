//! actix's settings, each mapped from the contract's limits
//! (`api_model::limits`) under the name of the actix setting it feeds; the
//! reasons are listed in README.md. The head and request-target bounds have
//! no actix setting: guard.rs applies them.

use std::time::Duration;

use actix_web::web;
use api_model::limits;

/// `HttpServer::keep_alive`: an idle keep-alive connection is closed after this.
pub const KEEP_ALIVE: Duration = limits::IDLE_TIMEOUT;

/// `HttpServer::client_request_timeout`: the first head of a connection must
/// be whole within this (then 408 and close).
pub const CLIENT_REQUEST_TIMEOUT: Duration = limits::HEADER_READ_TIMEOUT;

/// `HttpServer::backlog`: the arena-wide listen backlog (actix's is 1024).
pub const BACKLOG: u32 = api_model::listener::BACKLOG as u32;

/// `HttpServer::shutdown_timeout`: after SIGTERM, in-flight requests get this
/// long (s) before workers stop; well below the harness's 5 s SIGKILL deadline.
pub const SHUTDOWN_TIMEOUT_S: u64 = 2;

/// App data for actix's `Bytes` extractor: a streamed body is cut at the
/// contract's limit (a declared length past it is refused by
/// `echo::check_head` before the extractor runs).
pub fn payload() -> web::PayloadConfig {
    web::PayloadConfig::new(limits::BODY_LIMIT)
}
