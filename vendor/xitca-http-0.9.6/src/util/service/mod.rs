pub mod handler;

#[cfg(feature = "router")]
pub mod route;
#[cfg(feature = "router")]
pub mod router;
#[cfg(feature = "router")]
pub use router::{Router, RouterError};
