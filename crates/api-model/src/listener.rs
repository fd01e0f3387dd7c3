use std::net::{SocketAddr, TcpListener};

use socket2::{Domain, Protocol, Socket, Type};

/// Backlog of every listener; the kernel caps it at `net.core.somaxconn`.
/// Large so that a burst of thousands of connects is queued, not refused.
pub const BACKLOG: i32 = 4096;

/// A non-blocking TCP listener with `SO_REUSEADDR`, `TCP_NODELAY` (inherited
/// by accepted sockets on Linux) and, when `reuse_port` is set,
/// `SO_REUSEPORT`, so that one listener per worker can share the port and the
/// kernel spreads connections across workers without a shared accept queue.
pub fn bind(addr: SocketAddr, reuse_port: bool) -> std::io::Result<TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    if reuse_port {
        socket.set_reuse_port(true)?;
    }
    socket.set_tcp_nodelay(true)?;
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    socket.listen(BACKLOG)?;
    Ok(socket.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_reuseport_listeners_share_a_port() {
        let first = bind("127.0.0.1:0".parse().unwrap(), true).unwrap();
        let addr = first.local_addr().unwrap();
        let second = bind(addr, true).unwrap();
        assert_eq!(second.local_addr().unwrap(), addr);
    }

    #[test]
    fn without_reuseport_the_port_is_taken() {
        let first = bind("127.0.0.1:0".parse().unwrap(), false).unwrap();
        assert!(bind(first.local_addr().unwrap(), false).is_err());
    }
}
