//! may's and may_minihttp's settings. The contract's numbers come from
//! `api_model::limits`; what is left is this runtime's own tuning (see the
//! README for each reason).

use std::time::Duration;

use api_model::limits::{BODY_READ_TIMEOUT, HEADER_READ_TIMEOUT, IDLE_TIMEOUT};

/// The `Server` header of every response (the patched may_minihttp takes it
/// from the service; upstream 0.1.11 writes `M`).
pub const SERVER_NAME: &str = "may-minihttp";

/// Coroutine stack, in words (`may::config().set_stack_size` counts `usize`s):
/// 128 KiB, four times may's default, so that serde_json's recursion over a
/// deeply nested echo body (up to its 128-level limit) cannot overflow it.
const STACK_WORDS: usize = 0x4000;

/// What the watchdog (src/watchdog.rs) allows while no request is in flight:
/// it sees when requests start and end, not when head bytes arrive, so the
/// time for the next head and the idle time are one deadline, the shorter.
pub const HEAD_TIMEOUT: Duration = shorter(HEADER_READ_TIMEOUT, IDLE_TIMEOUT);
/// What the watchdog allows a request's body, from the end of its head.
pub const BODY_TIMEOUT: Duration = BODY_READ_TIMEOUT;

const fn shorter(a: Duration, b: Duration) -> Duration {
    if a.as_nanos() <= b.as_nanos() {
        a
    } else {
        b
    }
}

/// Sets up may before its first coroutine starts.
pub fn runtime(args: &api_model::cli::ServerArgs) {
    may::config()
        .set_workers(args.workers())
        .set_stack_size(STACK_WORDS);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_deadline_meets_both_limits() {
        assert!(HEAD_TIMEOUT <= HEADER_READ_TIMEOUT && HEAD_TIMEOUT <= IDLE_TIMEOUT);
        assert!(HEAD_TIMEOUT == HEADER_READ_TIMEOUT || HEAD_TIMEOUT == IDLE_TIMEOUT);
    }
}
