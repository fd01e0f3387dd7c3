//! The database routes' connections on the runtime this binary was built for.
//!
//! Every variant runs the same pool (`arena_postgres`: per-worker
//! connections opened on first use, reopened after a failure, every call
//! bounded by the contract's timeout) and the same client, tokio-postgres;
//! only who drives a connection's socket differs:
//!
//! - `ntex-tokio`: each worker is a tokio current-thread runtime, so the pool
//!   is arena-postgres's `Tokio` one, as in the other tokio servers;
//! - `ntex-epoll`, `ntex-uring`: there is no tokio runtime. The socket is an
//!   ntex `Io` opened by ntex's connector on the worker's own driver (epoll or
//!   io_uring), handed to tokio-postgres (`Config::connect_raw`) through
//!   [`Stream`], the connection's task runs on ntex-rt and the timeout is
//!   ntex's timer. This is what ntex's TechEmpower entry does with a fork of
//!   tokio-postgres rewritten on ntex's I/O; the fork is not on crates.io, so
//!   the crates.io client is bridged to ntex's I/O here instead.

#[cfg(feature = "tokio")]
pub type Pool = arena_postgres::Pool;

#[cfg(not(feature = "tokio"))]
pub type Pool = arena_postgres::PoolOn<neon::Neon>;

#[cfg(not(feature = "tokio"))]
mod neon {
    use std::future::Future;
    use std::io;
    use std::pin::Pin;
    use std::task::{ready, Context, Poll};
    use std::time::Duration;

    use arena_postgres::tokio_postgres::config::Host;
    use arena_postgres::tokio_postgres::{Client, Config, NoTls};
    use arena_postgres::{ConnectError, Runtime};
    use ntex::codec::Decoder;
    use ntex::connect::Connect;
    use ntex::io::Io;
    use ntex::time::Millis;
    use ntex::util::{Bytes, BytesMut};
    use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

    use crate::config;

    /// PostgreSQL's default port, when the URL names none.
    const DEFAULT_PORT: u16 = 5432;

    /// A worker of ntex's own runtime (neon: the epoll or io_uring driver).
    pub struct Neon;

    impl Runtime for Neon {
        async fn connect(config: &Config) -> Result<Client, ConnectError> {
            let io = open(config).await?;
            let (client, connection) = config.connect_raw(Stream(io), NoTls).await?;
            // Detached: it ends when the server closes the socket or the
            // last Client is dropped.
            drop(ntex::rt::spawn(connection));
            Ok(client)
        }

        async fn timeout<F: Future>(limit: Duration, work: F) -> Option<F::Output> {
            let limit = Millis(limit.as_millis().try_into().unwrap_or(u32::MAX));
            ntex::time::timeout(limit, work).await.ok()
        }
    }

    /// The socket to the URL's first host (the harness names one), on this
    /// worker's driver: TCP by ntex's connector (which resolves names off
    /// the worker thread), or the Unix socket in a host that is a directory.
    async fn open(config: &Config) -> Result<Io, ConnectError> {
        let port = config.get_ports().first().copied().unwrap_or(DEFAULT_PORT);
        match config.get_hosts().first() {
            Some(Host::Tcp(host)) => {
                let target = Connect::new(host.clone()).set_port(port);
                Ok(ntex::connect::connect_with(target, config::postgres()).await?)
            }
            Some(Host::Unix(dir)) => {
                let socket = dir.join(format!(".s.PGSQL.{port}"));
                Ok(ntex::rt::unix_connect(socket, config::postgres()).await?)
            }
            None => Err("ARENA_DATABASE_URL names no host".into()),
        }
    }

    /// An ntex `Io` through tokio's I/O traits, which tokio-postgres's
    /// connection reads and writes. ntex owns the buffers and does the
    /// syscalls (or io_uring submissions) on its driver; this moves bytes
    /// between its buffers and tokio-postgres's.
    pub struct Stream(Io);

    /// Takes up to `.0` buffered bytes. Reading through ntex's decoder (not a
    /// bare buffer access) also clears the stream's read-ready flag, so the
    /// readiness poll after an empty read registers for the next bytes
    /// instead of reporting the old ones again.
    struct Take(usize);

    impl Decoder for Take {
        type Item = Bytes;
        type Error = io::Error;

        fn decode(&self, src: &mut BytesMut) -> io::Result<Option<Bytes>> {
            let n = self.0.min(src.len());
            Ok((n > 0).then(|| src.split_to(n)))
        }
    }

    impl AsyncRead for Stream {
        fn poll_read(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            if buf.remaining() == 0 {
                return Poll::Ready(Ok(()));
            }
            loop {
                if let Some(bytes) = self.0.decode(&Take(buf.remaining()))? {
                    buf.put_slice(&bytes);
                    return Poll::Ready(Ok(()));
                }
                // Ready(Some) after an empty read: bytes arrived since; take them.
                // Ready(None): the peer closed, which tokio reads as a 0-byte read.
                match ready!(self.0.poll_read_ready(cx)) {
                    Ok(Some(())) => continue,
                    Ok(None) => return Poll::Ready(Ok(())),
                    Err(e) => return Poll::Ready(Err(e)),
                }
            }
        }
    }

    impl AsyncWrite for Stream {
        /// Buffered by ntex, which sends it from its write task;
        /// `poll_flush` applies its back-pressure.
        fn poll_write(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            data: &[u8],
        ) -> Poll<io::Result<usize>> {
            self.0.encode_slice(data)?;
            Poll::Ready(Ok(data.len()))
        }

        fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            self.0.poll_flush(cx, false)
        }

        fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            self.0.poll_shutdown(cx)
        }
    }
}
