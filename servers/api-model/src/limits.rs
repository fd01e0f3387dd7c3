/// Largest request body any endpoint accepts, in bytes (1 MiB).
/// A declared or streamed body past this gets `413 payload_too_large`.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// Smallest user id that exists.
pub const USER_ID_MIN: u64 = 1;
/// Largest user id that exists.
pub const USER_ID_MAX: u64 = 1_000_000;
