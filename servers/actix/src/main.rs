//! API v1 in actix-web's idiom: an `App` of resources with method routes and
//! extractors, a `ResponseError` type over `api_model::ApiError`, default
//! services that replace actix's own 404/405, extractor configs that replace
//! its 400/413 pages, a `wrap_fn` guard for the pre-routing head checks
//! (sizes, Host) that also sets the `Server` header. Settings
//! mapped from the contract's limits are in config.rs.

mod config;
mod error;
mod guard;
mod handlers;

use actix_web::{web, App, HttpServer, Resource};
use api_model::db::Endpoint;
use api_model::{ApiError, Route};
use arena_postgres::Pool;
use mimalloc::MiMalloc;

use crate::error::Error;

#[global_allocator]
static GLOBAL: MiMalloc = MiMalloc;

/// A resource whose other methods get the contract's 405 with `Allow`
/// (a resource does not inherit the app's default service).
fn resource(path: &str, allow: &'static str) -> Resource {
    web::resource(path).default_service(web::to(
        move || async move { error::method_not_allowed(allow) },
    ))
}

fn database(endpoint: Endpoint) -> Resource {
    resource(endpoint.path(), Endpoint::ALLOW)
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let args = api_model::cli::ServerArgs::from_env();
    HttpServer::new(|| {
        App::new()
            // The factory runs once on each worker's thread: each worker gets
            // its own connections, the contract's pool policy.
            .app_data(web::Data::new(Pool::for_this_worker()))
            .app_data(config::payload())
            // A segment that does not decode to UTF-8 is a bad id, not actix's 404.
            .app_data(
                web::PathConfig::default().error_handler(|_, _| Error(ApiError::BadRequest).into()),
            )
            .wrap_fn(guard::check)
            .service(
                resource(Route::PLAINTEXT_PATH, Route::Plaintext.allow())
                    .route(web::get().to(handlers::plaintext)),
            )
            .service(
                resource(Route::JSON_PATH, Route::Json.allow())
                    .route(web::get().to(handlers::json)),
            )
            .service(
                resource("/users/{id}", Route::User.allow()).route(web::get().to(handlers::user)),
            )
            .service(
                resource(Route::ECHO_PATH, Route::Echo.allow())
                    .route(web::post().to(handlers::echo)),
            )
            .service(database(Endpoint::World).route(web::get().to(handlers::db)))
            .service(database(Endpoint::Queries).route(web::get().to(handlers::queries)))
            .service(database(Endpoint::Fortunes).route(web::get().to(handlers::fortunes)))
            .service(database(Endpoint::Updates).route(web::get().to(handlers::updates)))
            .default_service(web::to(handlers::not_found))
    })
    .workers(args.workers())
    .backlog(config::BACKLOG)
    .tcp_nodelay(true)
    .keep_alive(config::KEEP_ALIVE)
    .client_request_timeout(config::CLIENT_REQUEST_TIMEOUT)
    .shutdown_timeout(config::SHUTDOWN_TIMEOUT_S)
    .bind(args.addr()?)?
    .run()
    .await
}
