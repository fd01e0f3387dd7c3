mod extension;
mod logger;

#[cfg(not(target_family = "wasm"))]
#[cfg(feature = "runtime")]
mod socket_config;

pub mod catch_unwind;
pub mod context;

pub use self::{extension::Extension, logger::Logger};

#[cfg(not(target_family = "wasm"))]
#[cfg(feature = "runtime")]
pub use self::socket_config::SocketConfig;
