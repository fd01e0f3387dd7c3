//! API v1 on hyper 1.x with nothing between the service and the wire:
//! the route table comes from `api_model::Route`, matched by hand, behind
//! the arena's pre-routing guard (`Host`, request-target size).

mod error;
mod handlers;
mod response;

use hyper_workers::guard::Guard;
use mimalloc::MiMalloc;

#[global_allocator]
static GLOBAL: MiMalloc = MiMalloc;

fn main() -> std::io::Result<()> {
    let args = api_model::cli::ServerArgs::from_env();
    let service = hyper::service::service_fn(handlers::handle);
    hyper_workers::serve(&args, Guard::new(service, error::refusal))
}
