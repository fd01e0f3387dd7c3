//! Which ntex runtime this binary was built for. The three registered
//! servers share this source and differ only in a cargo feature, so the
//! `Server` header is fixed at compile time from that same feature: a
//! binary cannot claim one runtime while running another.

#[cfg(any(
    all(feature = "tokio", feature = "epoll"),
    all(feature = "tokio", feature = "uring"),
    all(feature = "epoll", feature = "uring"),
))]
compile_error!("enable exactly one of the features `tokio`, `epoll`, `uring`");

#[cfg(not(any(feature = "tokio", feature = "epoll", feature = "uring")))]
compile_error!("enable one of the features `tokio`, `epoll`, `uring`");

/// The registered server name, sent as the `Server` header.
#[cfg(feature = "tokio")]
pub const SERVER_NAME: &str = "ntex-tokio";
#[cfg(feature = "epoll")]
pub const SERVER_NAME: &str = "ntex-epoll";
#[cfg(feature = "uring")]
pub const SERVER_NAME: &str = "ntex-uring";
