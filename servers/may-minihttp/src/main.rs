//! API v1 on may_minihttp, a minimal HTTP/1.1 server on the `may` stackful
//! coroutine runtime: an `HttpServiceFactory` that gives each connection its
//! own service, routing by hand through `api_model::Route`.
//!
//! Server code guards the library's gaps it can reach (see README.md): heads
//! are checked before the library touches a body, every body is drained, and
//! a patched library (vendor/may_minihttp-0.1.11) ends a connection after a
//! response that asks for it.

mod config;
mod conn;
mod db;
mod error;
mod guard;
mod handlers;
mod pg;
mod signals;
mod watchdog;

use may_minihttp::HttpServiceFactory;
use mimalloc::MiMalloc;

#[global_allocator]
static GLOBAL: MiMalloc = MiMalloc;

fn main() -> std::io::Result<()> {
    let args = api_model::cli::ServerArgs::from_env();
    // Before any may thread exists, so that they all inherit the mask.
    let signals = signals::Shutdown::block()?;
    config::runtime(&args);
    // The pool's slots only: nothing connects before a request needs it.
    db::init(args.workers());
    let _server = handlers::ApiFactory.start(args.addr()?)?;
    signals.wait();
    // may has no graceful stop; the coroutines end with the process.
    Ok(())
}
