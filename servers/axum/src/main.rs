//! API v1 in axum's idiom: a `Router` of handlers with extractors, a typed
//! error that is `IntoResponse`, and fallbacks that replace axum's own
//! 404/405 with the contract's JSON errors. In front of the router, the
//! arena's pre-routing guard (`Host`, request-target size).

mod error;
mod handlers;

use api_model::db::Endpoint;
use axum::http::header::SERVER;
use axum::http::HeaderValue;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use hyper_workers::guard::Guard;
use mimalloc::MiMalloc;

#[global_allocator]
static GLOBAL: MiMalloc = MiMalloc;

fn app() -> Router {
    Router::new()
        .route("/plaintext", get(handlers::plaintext))
        .route("/json", get(handlers::json))
        .route("/users/{id}", get(handlers::user))
        .route("/echo", post(handlers::echo))
        .route(Endpoint::World.path(), get(handlers::db))
        .route(Endpoint::Queries.path(), get(handlers::queries))
        .route(Endpoint::Fortunes.path(), get(handlers::fortunes))
        .route(Endpoint::Updates.path(), get(handlers::updates))
        .fallback(handlers::not_found)
        .method_not_allowed_fallback(handlers::method_not_allowed)
        .layer(axum::middleware::map_response(server_header))
}

async fn server_header(res: Response) -> Response {
    with_server(res)
}

fn with_server(mut res: Response) -> Response {
    res.headers_mut()
        .insert(SERVER, HeaderValue::from_static("axum"));
    res
}

fn main() -> std::io::Result<()> {
    let args = api_model::cli::ServerArgs::from_env();
    let service = hyper_util::service::TowerToHyperService::new(app());
    hyper_workers::serve(&args, Guard::new(service, error::refusal))
}
