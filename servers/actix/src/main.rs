//! API v1 in actix-web's idiom: an `App` of resources with method routes and
//! extractors, a `ResponseError` type over `api_model::ApiError`, default
//! services that replace actix's own 404/405, extractor configs that replace
//! its 400/413 pages, and `DefaultHeaders` for the `Server` header.

mod error;
mod handlers;
mod head_limit;

use std::time::Duration;

use actix_web::http::header::SERVER;
use actix_web::{middleware, web, App, HttpServer, Resource};
use api_model::{ApiError, Route, BODY_LIMIT};
use mimalloc::MiMalloc;

use crate::error::Error;

#[global_allocator]
static GLOBAL: MiMalloc = MiMalloc;

/// A client must send a request's whole head within this time (actix: 408).
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// An idle keep-alive connection is closed after this time.
const KEEP_ALIVE: Duration = Duration::from_secs(10);
/// After SIGTERM, in-flight requests get this long (s) before workers stop;
/// well below the harness's 5 s SIGKILL deadline.
const SHUTDOWN_TIMEOUT_S: u64 = 2;

/// A resource whose other methods get the contract's 405 with `Allow`
/// (a resource does not inherit the app's default service).
fn resource(path: &str, route: Route) -> Resource {
    web::resource(path).default_service(web::to(
        move || async move { error::method_not_allowed(route) },
    ))
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let args = api_model::cli::ServerArgs::from_env();
    HttpServer::new(|| {
        App::new()
            .app_data(web::PayloadConfig::new(BODY_LIMIT))
            // A segment that does not decode to UTF-8 is a bad id, not actix's 404.
            .app_data(
                web::PathConfig::default().error_handler(|_, _| Error(ApiError::BadRequest).into()),
            )
            .wrap_fn(head_limit::check)
            .wrap(middleware::DefaultHeaders::new().add((SERVER, "actix")))
            .service(
                resource(Route::PLAINTEXT_PATH, Route::Plaintext)
                    .route(web::get().to(handlers::plaintext)),
            )
            .service(resource(Route::JSON_PATH, Route::Json).route(web::get().to(handlers::json)))
            .service(resource("/users/{id}", Route::User).route(web::get().to(handlers::user)))
            .service(resource(Route::ECHO_PATH, Route::Echo).route(web::post().to(handlers::echo)))
            .default_service(web::to(handlers::not_found))
    })
    .workers(args.workers())
    .backlog(api_model::listener::BACKLOG as u32)
    .tcp_nodelay(true)
    .keep_alive(KEEP_ALIVE)
    .client_request_timeout(HEADER_READ_TIMEOUT)
    .shutdown_timeout(SHUTDOWN_TIMEOUT_S)
    .bind(args.addr()?)?
    .run()
    .await
}
