mod last_stream_id;
mod reset_counter;
mod size;
mod stream;
mod threshold;

pub(super) mod error;
pub(super) mod flow;
pub(super) mod frame;
pub(super) mod hpack;
pub(super) mod ping_pong;
pub(super) mod window;
