//! Domain logic of API v1, the contract in `docs/API.md`.
//!
//! Every server in the arena calls into this crate for what the API *means*
//! (which ids exist, what a user looks like, what is too large, which error
//! code goes with which status), so servers differ only in how their
//! framework parses, routes and writes. Nothing here depends on a framework.

pub mod cli;
pub mod db;
pub mod echo;
pub mod error;
pub mod head;
pub mod limits;
pub mod listener;
pub mod media;
pub mod message;
pub mod routes;
pub mod user;

pub use error::ApiError;
pub use head::HeadRefusal;
pub use limits::{BODY_LIMIT, BODY_READ_TIMEOUT};
pub use message::{Message, PLAINTEXT_BODY};
pub use routes::Route;
pub use user::User;

/// `Content-Type` of every JSON body, success or error.
pub const JSON_CONTENT_TYPE: &str = "application/json";
/// `Content-Type` of `GET /plaintext`.
pub const TEXT_CONTENT_TYPE: &str = "text/plain; charset=utf-8";
