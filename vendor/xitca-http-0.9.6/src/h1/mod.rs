//! http/1 specific module for types and protocol utilities.

pub mod proto;

mod body;
mod builder;
mod dispatcher;
mod error;
mod io;
mod service;

pub use self::body::RequestBody;
pub use self::dispatcher::Dispatcher;
pub use self::error::Error;
pub use self::service::H1Service;
