//! API v1 on may_minihttp, a minimal HTTP/1.1 server on the `may` stackful
//! coroutine runtime: an `HttpServiceFactory` that gives each connection its
//! own service, routing by hand through `api_model::Route`.
//!
//! Server code guards the library's gaps it can reach (see README.md):
//! Content-Length is checked before the library parses it, every body is
//! drained, and connections are closed at the socket level when the contract
//! or the client asks for it.

mod conn;
mod framing;
mod reply;
mod service;
mod signals;
mod watchdog;

use may_minihttp::HttpServiceFactory;
use mimalloc::MiMalloc;

#[global_allocator]
static GLOBAL: MiMalloc = MiMalloc;

/// Coroutine stack, in words (`may::config().set_stack_size` counts `usize`s):
/// 128 KiB, four times may's default, so that serde_json's recursion over a
/// deeply nested echo body (up to its 128-level limit) cannot overflow it.
const STACK_WORDS: usize = 0x4000;

fn main() -> std::io::Result<()> {
    let args = api_model::cli::ServerArgs::from_env();
    // Before any may thread exists, so that they all inherit the mask.
    let signals = signals::Shutdown::block()?;
    may::config()
        .set_workers(args.workers())
        .set_stack_size(STACK_WORDS);
    let _server = service::ApiFactory.start(args.addr()?)?;
    signals.wait();
    // may has no graceful stop; the coroutines end with the process.
    Ok(())
}
