#[macro_use]
extern crate log;

mod date;
mod http_server;
mod request;
mod response;

pub use http_server::{HttpServer, HttpService, HttpServiceFactory};
pub use request::{BodyReader, Request};
pub use response::Response;
