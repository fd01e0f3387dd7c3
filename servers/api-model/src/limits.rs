use std::time::Duration;

/// Largest request body any endpoint accepts, in bytes (1 MiB).
/// A declared or streamed body past this gets `413 payload_too_large`.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// Smallest user id that exists.
pub const USER_ID_MIN: u64 = 1;
/// Largest user id that exists.
pub const USER_ID_MAX: u64 = 1_000_000;

/// A request body must arrive whole within this time after its head; a
/// client that trickles or stalls its body gets 408 and a closed connection
/// instead of holding a connection and a task forever.
pub const BODY_READ_TIMEOUT: Duration = Duration::from_secs(10);
