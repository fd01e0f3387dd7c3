//! Pipelined responses leave in one write, with memory bounded.
//!
//! hyper flushes after every response. A client that pipelines 16 requests
//! in one packet therefore costs 16 `write` system calls, which is most of
//! hyper's cost per request on pipelined plaintext. hyper's own remedy,
//! `http1::Builder::pipeline_flush`, skips the flush while its read buffer
//! holds unparsed bytes and stops looking at its write-buffer cap: a client
//! that pipelines without ever reading, and never lets a read end on a
//! request boundary, makes the server buffer responses without bound.
//!
//! [`Coalesce`] sits between hyper and the socket instead. Writes go into a
//! buffer of at most [`COALESCE_BYTES`]; the buffer goes to the socket
//!
//! - when hyper flushes and its last read found no new bytes (`Pending`, or
//!   end of stream): nothing of a pipelined batch can be left unanswered in
//!   hyper's read buffer, the client waits for these answers. While the last
//!   read did return bytes, a flush is deferred: more answers are coming;
//! - when a write would take the buffer past the cap. If the socket cannot
//!   take the buffer then, the write is `Pending`, hyper's flush with it, and
//!   hyper reads no further request until the client reads: backpressure, as
//!   without coalescing;
//! - at end of stream and on shutdown.
//!
//! hyper waits for its client only through a read that finds nothing, and
//! then flushes in the same turn (it reads ahead for the end of stream while
//! it answers the last request of a batch) or has already flushed; in that
//! second case the read wakes the task once more, so that the deferred flush
//! comes before hyper waits. The batch's answers leave in one write.
//!
//! A write larger than the cap (a big echo body) goes straight to the socket
//! once the buffer is empty, so it is never copied.
//!
//! The bound, per connection: this buffer (at most `COALESCE_BYTES`, its
//! capacity too) plus what hyper holds itself, its read buffer (capped by
//! `max_buf_size`, `config::http1_builder`) and the one response it is
//! writing. A client that never reads cannot grow it.

use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The most response bytes held back per connection. Pipelined plaintext 16
/// deep is ~2.3 KiB of responses, so the cap is not what limits coalescing;
/// it bounds what a client that never reads can make the server hold.
pub const COALESCE_BYTES: usize = 16 * 1024;

/// An I/O object whose writes are coalesced until the peer's input is drained
/// (see the module docs).
#[derive(Debug)]
pub struct Coalesce<T> {
    io: T,
    /// Bytes written by hyper, not yet by the socket: `buf[sent..]`.
    buf: Vec<u8>,
    sent: usize,
    /// The last read returned bytes: hyper may hold more pipelined requests
    /// than it has answered, so a flush can wait for their answers.
    more_input: bool,
    /// The last send was `Pending`: the socket's writability wakes the task.
    send_blocked: bool,
}

impl<T> Coalesce<T> {
    pub fn new(io: T) -> Self {
        Coalesce {
            io,
            buf: Vec::new(),
            sent: 0,
            more_input: false,
            send_blocked: false,
        }
    }

    /// Bytes held back, not yet written to the underlying I/O.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.sent
    }

    pub fn get_ref(&self) -> &T {
        &self.io
    }

    fn append(&mut self, bufs: &[IoSlice<'_>], len: usize) {
        if self.sent > 0 {
            self.buf.drain(..self.sent);
            self.sent = 0;
        }
        let needed = self.buf.len() + len;
        if needed > self.buf.capacity() {
            // Grow in powers of two as Vec would, but never past the cap, so
            // the capacity is bounded as well as the contents.
            let capacity = needed.next_power_of_two().min(COALESCE_BYTES);
            self.buf.reserve_exact(capacity - self.buf.len());
        }
        for b in bufs {
            self.buf.extend_from_slice(b);
        }
    }
}

impl<T: AsyncWrite + Unpin> Coalesce<T> {
    /// Writes out everything held back.
    fn poll_send(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.sent < self.buf.len() {
            let written = Pin::new(&mut self.io).poll_write(cx, &self.buf[self.sent..]);
            self.send_blocked = written.is_pending();
            let n = ready!(written)?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.sent += n;
        }
        self.buf.clear();
        self.sent = 0;
        Poll::Ready(Ok(()))
    }

    /// Whether `len` more bytes can be held back: when they would take the
    /// buffer past the cap it is sent first (`Pending` while the socket
    /// cannot take it), and bytes that alone exceed the cap are not held.
    fn poll_room(&mut self, cx: &mut Context<'_>, len: usize) -> Poll<io::Result<bool>> {
        if self.buffered() + len <= COALESCE_BYTES {
            return Poll::Ready(Ok(true));
        }
        ready!(self.poll_send(cx))?;
        Poll::Ready(Ok(len <= COALESCE_BYTES))
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin> AsyncRead for Coalesce<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.io).poll_read(cx, buf) {
            Poll::Ready(Ok(())) if buf.filled().len() > before => {
                this.more_input = true;
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Ok(())) => {
                // End of stream. hyper may drop the connection on it without
                // a shutdown (a request cut short), so answers to the
                // complete requests before it go out first; reading again
                // after the send returns the end of stream again.
                this.more_input = false;
                ready!(this.poll_send(cx))?;
                Poll::Ready(Ok(()))
            }
            Poll::Pending => {
                this.more_input = false;
                if this.buffered() > 0 && !this.send_blocked {
                    // The flush that sends them may have come before this
                    // read (see the module docs): make sure another follows.
                    cx.waker().wake_by_ref();
                }
                Poll::Pending
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Coalesce<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if !ready!(this.poll_room(cx, data.len()))? {
            return Pin::new(&mut this.io).poll_write(cx, data);
        }
        this.append(&[IoSlice::new(data)], data.len());
        Poll::Ready(Ok(data.len()))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let len = bufs.iter().map(|b| b.len()).sum();
        if !ready!(this.poll_room(cx, len))? {
            return Pin::new(&mut this.io).poll_write_vectored(cx, bufs);
        }
        this.append(bufs, len);
        Poll::Ready(Ok(len))
    }

    /// Vectored, so that hyper queues a response's head and body instead of
    /// copying the body into its own buffer; only small ones are copied, here.
    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.more_input {
            return Poll::Ready(Ok(()));
        }
        ready!(this.poll_send(cx))?;
        Pin::new(&mut this.io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_send(cx))?;
        Pin::new(&mut this.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::poll_fn;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::task::{Wake, Waker};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
    }

    /// Polls `f` once with a waker that does nothing.
    fn poll_once<R>(f: impl FnOnce(&mut Context<'_>) -> Poll<R>) -> Poll<R> {
        f(&mut Context::from_waker(Waker::noop()))
    }

    /// A waker that records whether it was woken.
    struct Flag(AtomicBool);

    impl Wake for Flag {
        fn wake(self: Arc<Self>) {
            self.0.store(true, Ordering::Relaxed);
        }
    }

    #[test]
    fn flushes_wait_until_the_input_is_drained() {
        runtime().block_on(async {
            let (mut peer, io) = tokio::io::duplex(1 << 16);
            let mut io = Coalesce::new(io);
            peer.write_all(b"two requests").await.unwrap();
            let mut input = [0u8; 64];
            assert_eq!(io.read(&mut input).await.unwrap(), 12);
            io.write_all(b"first answer;").await.unwrap();
            io.flush().await.unwrap();
            io.write_all(b"second answer").await.unwrap();
            io.flush().await.unwrap();
            assert_eq!(io.buffered(), 26, "held back while input may be pending");
            let flag = Arc::new(Flag(AtomicBool::new(false)));
            let waker = Waker::from(flag.clone());
            let mut read = ReadBuf::new(&mut input);
            let pending = Pin::new(&mut io).poll_read(&mut Context::from_waker(&waker), &mut read);
            assert!(pending.is_pending());
            assert!(
                flag.0.load(Ordering::Relaxed),
                "woken for the flush to come"
            );
            io.flush().await.unwrap();
            assert_eq!(io.buffered(), 0, "sent once the input is drained");
            let mut out = [0u8; 26];
            peer.read_exact(&mut out).await.unwrap();
            assert_eq!(&out, b"first answer;second answer");
        });
    }

    #[test]
    fn flush_sends_when_no_input_is_pending() {
        runtime().block_on(async {
            let (mut peer, io) = tokio::io::duplex(1 << 16);
            let mut io = Coalesce::new(io);
            io.write_all(b"unprompted").await.unwrap();
            assert_eq!(io.buffered(), 10);
            io.flush().await.unwrap();
            assert_eq!(io.buffered(), 0);
            let mut out = [0u8; 10];
            peer.read_exact(&mut out).await.unwrap();
        });
    }

    #[test]
    fn end_of_stream_sends_first() {
        runtime().block_on(async {
            let (mut peer, io) = tokio::io::duplex(1 << 16);
            let mut io = Coalesce::new(io);
            peer.write_all(b"request").await.unwrap();
            peer.shutdown().await.unwrap();
            let mut input = [0u8; 64];
            assert_eq!(io.read(&mut input).await.unwrap(), 7);
            io.write_all(b"answer").await.unwrap();
            io.flush().await.unwrap();
            assert_eq!(io.buffered(), 6);
            assert_eq!(io.read(&mut input).await.unwrap(), 0);
            assert_eq!(io.buffered(), 0);
        });
    }

    #[test]
    fn the_cap_bounds_what_is_held_and_pushes_back() {
        runtime().block_on(async {
            // The peer takes 4 KiB and never reads.
            let (_peer, io) = tokio::io::duplex(4096);
            let mut io = Coalesce::new(io);
            io.more_input = true;
            let chunk = [b'x'; 1000];
            let mut accepted = 0;
            loop {
                let r = poll_once(|cx| Pin::new(&mut io).poll_write(cx, &chunk));
                match r {
                    Poll::Ready(n) => accepted += n.unwrap(),
                    Poll::Pending => break,
                }
                assert!(io.buffered() <= COALESCE_BYTES);
                assert!(io.buf.capacity() <= COALESCE_BYTES);
            }
            assert!(
                accepted <= COALESCE_BYTES + 4096,
                "{accepted} bytes accepted"
            );
            let big = vec![b'y'; COALESCE_BYTES + 1];
            let r = poll_once(|cx| Pin::new(&mut io).poll_write(cx, &big));
            assert!(r.is_pending(), "nothing more while the peer does not read");
        });
    }

    #[test]
    fn large_writes_pass_through_uncopied() {
        runtime().block_on(async {
            let (mut peer, io) = tokio::io::duplex(1 << 20);
            let mut io = Coalesce::new(io);
            io.more_input = true;
            io.write_all(b"head").await.unwrap();
            let big = vec![b'b'; COALESCE_BYTES * 2];
            let n = poll_fn(|cx| Pin::new(&mut io).poll_write(cx, &big))
                .await
                .unwrap();
            assert_eq!(n, big.len());
            assert_eq!(io.buffered(), 0);
            let mut out = vec![0u8; 4 + big.len()];
            peer.read_exact(&mut out).await.unwrap();
            assert!(out.starts_with(b"headbb"));
        });
    }
}
