//! http/2 specific module for types and protocol utilities.

#![allow(dead_code, unused_imports)]

mod body;
mod body_v2;
mod builder;
mod error;
mod proto;
mod service;

pub(crate) use self::proto::{Dispatcher, DispatcherV2};

pub use self::body::RequestBody;
pub use self::body_v2::RequestBodyV2;
pub use self::builder::{H3ServiceBuilder, H3ServiceBuilderV2};
pub use self::error::Error;
pub use self::service::{H3Service, H3ServiceV2};
