//! API v1 in ntex's idiom: a `web::App` of resources and routes with
//! extractors, an app-wide `ErrorRenderer` that renders every error as the
//! contract's JSON, a middleware for the pre-routing head checks (sizes,
//! Host) that also sets the Server header, and `HttpServer` running one single-threaded runtime per worker. One source, three servers: the runtime (tokio, ntex's own epoll
//! driver, ntex's own io_uring driver) is chosen by a cargo feature.

mod config;
mod error;
mod guard;
mod handlers;
mod postgres;
mod runtime;

use mimalloc::MiMalloc;
use ntex::web::{self, App, HttpServer};

use crate::error::Contract;
use crate::runtime::SERVER_NAME;

#[global_allocator]
static GLOBAL: MiMalloc = MiMalloc;

/// Threads in ntex-rt's blocking pool, one per process (not per worker).
/// ntex's own epoll driver closes every socket on that pool; left at its
/// default (256 threads, each alive 60 s after its last job) the process's
/// thread count would follow recent connection churn instead of the worker
/// count. One thread does the closes, which are non-blocking syscalls.
const BLOCKING_THREADS: usize = 1;

/// `#[ntex::main]` spelled out, because the macro cannot size the pool.
fn main() -> std::io::Result<()> {
    ntex::rt::System::build()
        .name(SERVER_NAME)
        .thread_pool_limit(BLOCKING_THREADS)
        .build(ntex::rt::DefaultRuntime)
        .block_on(serve())
}

async fn serve() -> std::io::Result<()> {
    let args = api_model::cli::ServerArgs::from_env();
    // api-model's listener: the arena-wide backlog and TCP_NODELAY. One
    // listener, no SO_REUSEPORT: ntex's accept thread hands connections to
    // the workers itself.
    let listener = api_model::listener::bind(args.addr()?, false)?;

    HttpServer::new(async || {
        App::with(Contract)
            .state(config::payload())
            // Made per worker: ntex calls this factory on each worker thread,
            // so each worker has its own connections on its own runtime,
            // opened on first use.
            .state(postgres::Pool::from_env())
            // Head checks and the Server header, in one layer.
            .middleware(guard::Guard)
            .service(
                web::resource("/plaintext")
                    .route(web::get().to(handlers::plaintext))
                    .default_service(web::to(handlers::method_not_allowed)),
            )
            .service(
                web::resource("/json")
                    .route(web::get().to(handlers::json))
                    .default_service(web::to(handlers::method_not_allowed)),
            )
            .service(
                web::resource("/users/{id}")
                    .route(web::get().to(handlers::user))
                    .default_service(web::to(handlers::method_not_allowed)),
            )
            .service(
                web::resource("/echo")
                    .route(web::post().to(handlers::echo))
                    .default_service(web::to(handlers::method_not_allowed)),
            )
            .service(
                web::resource("/db")
                    .route(web::get().to(handlers::world))
                    .default_service(web::to(handlers::method_not_allowed)),
            )
            .service(
                web::resource("/queries")
                    .route(web::get().to(handlers::queries))
                    .default_service(web::to(handlers::method_not_allowed)),
            )
            .service(
                web::resource("/fortunes")
                    .route(web::get().to(handlers::fortunes))
                    .default_service(web::to(handlers::method_not_allowed)),
            )
            .service(
                web::resource("/updates")
                    .route(web::get().to(handlers::updates))
                    .default_service(web::to(handlers::method_not_allowed)),
            )
            .default_service(web::to(handlers::not_found))
    })
    .workers(args.workers())
    // One worker per core of the process's CPU mask, each pinned to its core
    // (as ntex's TechEmpower entry runs); workers past the mask stay unpinned.
    .enable_affinity()
    .config(config::shared())
    .shutdown_timeout(config::SHUTDOWN_TIMEOUT)
    .listen(listener)?
    .run()
    .await
}
