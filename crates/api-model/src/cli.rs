use std::net::{SocketAddr, ToSocketAddrs};
use std::num::NonZeroUsize;

use clap::Parser;

/// The flags every server binary takes (docs/API.md, "Running a server").
#[derive(Debug, Clone, Parser)]
#[command(about = "An API v1 reference server of the Rust HTTP arena")]
pub struct ServerArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// TCP port to listen on.
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Worker threads or runtimes; default: the cores this process may run on.
    #[arg(long)]
    pub workers: Option<NonZeroUsize>,
}

impl ServerArgs {
    /// Parses `std::env::args`, exiting with clap's usage message on error.
    pub fn from_env() -> Self {
        Self::parse()
    }

    /// The worker count, defaulting to the CPUs in this process's affinity
    /// mask (so `taskset -c 0` gives one worker).
    pub fn workers(&self) -> usize {
        self.workers
            .or_else(|| std::thread::available_parallelism().ok())
            .map_or(1, NonZeroUsize::get)
    }

    /// The socket address to bind, resolving a host name if one was given.
    pub fn addr(&self) -> std::io::Result<SocketAddr> {
        (self.host.as_str(), self.port)
            .to_socket_addrs()?
            .next()
            .ok_or_else(|| std::io::Error::other(format!("{} resolves to no address", self.host)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_all_flags() {
        let a =
            ServerArgs::parse_from(["s", "--host", "0.0.0.0", "--port", "9000", "--workers", "3"]);
        assert_eq!(a.workers(), 3);
        assert_eq!(a.addr().unwrap().to_string(), "0.0.0.0:9000");
    }

    #[test]
    fn defaults_to_available_cores() {
        let a = ServerArgs::parse_from(["s"]);
        assert_eq!(
            a.workers(),
            std::thread::available_parallelism().unwrap().get()
        );
        assert_eq!(a.port, 8080);
    }

    #[test]
    fn zero_workers_is_an_error() {
        assert!(ServerArgs::try_parse_from(["s", "--workers", "0"]).is_err());
    }
}
