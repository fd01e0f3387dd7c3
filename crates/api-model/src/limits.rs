//! The contract's limits, generated from `contract.toml` (the one home of
//! these numbers) and given their Rust types here. Each adapter maps them
//! into its framework's settings; a framework that cannot meet one says so
//! in its manifest's `[limits]` with the reason.

use std::time::Duration;

/// Every number of contract.toml, as build.rs wrote it (`TABLE_KEY: u64`);
/// typed here and in `crate::db`.
pub(crate) mod generated {
    include!(concat!(env!("OUT_DIR"), "/contract.rs"));
}
use generated::*;

/// Largest request body any endpoint accepts, in bytes (1 MiB).
/// A declared or streamed body past this gets `413 payload_too_large`.
pub const BODY_LIMIT: usize = LIMITS_BODY_LIMIT_BYTES as usize;

/// A client must send a request's whole head within this time, counted from
/// the connection's opening or the end of the previous response.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(LIMITS_HEADER_READ_TIMEOUT_S);

/// A keep-alive connection with no request in flight is closed after this time.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(LIMITS_IDLE_TIMEOUT_S);

/// A request body must arrive whole within this time after its head; a
/// client that trickles or stalls its body gets 408 and a closed connection
/// instead of holding a connection and a task forever.
pub const BODY_READ_TIMEOUT: Duration = Duration::from_secs(LIMITS_BODY_READ_TIMEOUT_S);

/// More header fields than this are refused with 431.
pub const MAX_HEADERS: usize = LIMITS_MAX_HEADERS as usize;

/// A request head (request line and header lines, as on the wire) larger
/// than this is refused with 431.
pub const MAX_HEAD_BYTES: usize = LIMITS_MAX_HEADER_BYTES as usize;

/// A request target longer than this is refused with 414.
pub const MAX_URI_BYTES: usize = LIMITS_MAX_URI_BYTES as usize;

/// Smallest user id that exists.
pub const USER_ID_MIN: u64 = USERS_ID_MIN;
/// Largest user id that exists.
pub const USER_ID_MAX: u64 = USERS_ID_MAX;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contract_values() {
        assert_eq!(BODY_LIMIT, 1024 * 1024);
        assert_eq!(HEADER_READ_TIMEOUT, Duration::from_secs(10));
        assert_eq!(MAX_HEAD_BYTES, 16 * 1024);
        assert_eq!(MAX_URI_BYTES, 8 * 1024);
        assert_eq!(MAX_HEADERS, 100);
        const { assert!(USER_ID_MIN <= USER_ID_MAX) };
    }
}
