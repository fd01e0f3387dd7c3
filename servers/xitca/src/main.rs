//! API v1 in xitca-web's idiom: an `App` of `handler_service` routes with
//! extractors (`ParamsRef`, a `JsonBody` `FromRequest` enforcing media type
//! and body limit), errors as typed values rendered by one `enclosed_fn`
//! middleware into the contract's JSON, served by xitca-web's `HttpServer`
//! (one single-threaded runtime per worker). The database routes take the
//! worker's xitca-postgres pool as `App` state (`StateRef`, src/db.rs).

mod config;
mod db;
mod error;
mod guard;
mod handlers;
mod shutdown;

use api_model::db::Endpoint;
use mimalloc::MiMalloc;
use xitca_web::handler::handler_service;
use xitca_web::route::{get, post};
use xitca_web::App;

#[global_allocator]
static GLOBAL: MiMalloc = MiMalloc;

fn main() -> std::io::Result<()> {
    let args = api_model::cli::ServerArgs::from_env();
    let app = App::new()
        // One pool per worker, made when the worker starts; no connection yet.
        .with_async_state(db::Db::for_worker)
        .at("/plaintext", get(handler_service(handlers::plaintext)))
        .at("/json", get(handler_service(handlers::json)))
        .at("/users/{id}", get(handler_service(handlers::user)))
        .at("/echo", post(handler_service(handlers::echo)))
        .at(Endpoint::World.path(), get(handler_service(handlers::db)))
        .at(
            Endpoint::Queries.path(),
            get(handler_service(handlers::queries)),
        )
        .at(
            Endpoint::Fortunes.path(),
            get(handler_service(handlers::fortunes)),
        )
        .at(
            Endpoint::Updates.path(),
            get(handler_service(handlers::updates)),
        )
        .enclosed_fn(error::contract_errors)
        // Outside the router: a refused head is never routed.
        .enclosed_fn(guard::head)
        .enclosed_fn(config::server_header);
    let server = config::limits(app.serve())
        .worker_threads(args.workers())
        .disable_signal();
    #[cfg(feature = "io-uring")]
    let server = server.enable_io_uring();
    // The shared listener: TCP_NODELAY (inherited by accepted sockets) and
    // the arena's backlog; all workers accept from it, as xitca-server does.
    let listener = api_model::listener::bind(args.addr()?, false)?;
    let mut running = server.listen(listener)?.run();
    let handle = running.handle()?;
    shutdown::stop_on_signal(move || handle.stop(false))?;
    running.wait()
}
