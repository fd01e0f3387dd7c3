//! API v1 on hyper 1.x with nothing between the service and the wire:
//! the route table comes from `api_model::Route`, matched by hand.

mod handlers;

use mimalloc::MiMalloc;

#[global_allocator]
static GLOBAL: MiMalloc = MiMalloc;

fn main() -> std::io::Result<()> {
    let args = api_model::cli::ServerArgs::from_env();
    hyper_workers::serve(&args, hyper::service::service_fn(handlers::handle))
}
