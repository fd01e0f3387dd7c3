//! hyper as the arena runs it (`config::http1_builder`, the guard, the
//! vendored hyper patch, the coalescing socket wrapper), fed raw bytes over
//! an in-memory stream. In `exchange` the client sends everything and then
//! ends its side, so each exchange finishes on its own: what hyper wrote
//! before closing is the whole answer.

use std::convert::Infallible;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_workers::coalesce::COALESCE_BYTES;
use hyper_workers::config::http1_builder;
use hyper_workers::connection_io;
use hyper_workers::guard::{Guard, Refusal};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, DuplexStream, ReadBuf};

/// Answers 200 with the request body, or 400 when the body cannot be read.
async fn echo(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(match req.into_body().collect().await {
        Ok(body) => Response::new(Full::new(body.to_bytes())),
        Err(_) => status(StatusCode::BAD_REQUEST),
    })
}

fn status(code: StatusCode) -> Response<Full<Bytes>> {
    let mut res = Response::new(Full::default());
    *res.status_mut() = code;
    res
}

fn render(r: Refusal) -> Response<Full<Bytes>> {
    status(StatusCode::from_u16(r.status()).unwrap())
}

/// Everything hyper writes for `input`, until it closes the connection.
fn exchange(input: &[u8]) -> String {
    let input = input.to_vec();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let (mut client, server) = tokio::io::duplex(1 << 20);
        let service = Guard::new(service_fn(echo), render);
        let mut http = http1_builder();
        // The client's end of input must not cut the exchange short.
        http.half_close(true);
        let connection = http.serve_connection(connection_io(server), service);
        let server = tokio::spawn(connection);
        client.write_all(&input).await.unwrap();
        client.shutdown().await.unwrap();
        let mut out = Vec::new();
        client.read_to_end(&mut out).await.unwrap();
        let _ = server.await;
        String::from_utf8_lossy(&out).into_owned()
    })
}

fn statuses(out: &str) -> Vec<&str> {
    out.split("\r\n")
        .filter(|line| line.starts_with("HTTP/1."))
        .map(|line| &line[9..12])
        .collect()
}

const CHUNKED_ECHO: &[u8] = b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
const NEXT: &[u8] = b"GET /next HTTP/1.1\r\nHost: x\r\n\r\n";

#[test]
fn well_framed_chunked_bodies_are_read() {
    for framing in [
        &b"7\r\n{\"a\":1}\r\n0\r\n\r\n"[..],
        b"3;ext=1\r\n{\"a\r\n4\r\n\":1}\r\n0\r\nX: y\r\n\r\n",
    ] {
        let out = exchange(&[CHUNKED_ECHO, framing].concat());
        let shown = String::from_utf8_lossy(framing);
        assert_eq!(statuses(&out), ["200"], "{shown:?}: {out}");
        assert!(out.ends_with("\r\n\r\n{\"a\":1}"), "{shown:?}: {out}");
    }
}

/// Unpatched hyper 1.12 reads a bare LF after the last chunk as the start
/// of a trailer field, so the next request becomes trailer lines: a 200 for
/// the body, and the next request silently swallowed.
#[test]
fn bare_lf_in_chunked_framing_is_refused() {
    for framing in [
        &b"7\r\n{\"a\":1}\r\n0\r\n\n"[..],
        b"7\r\n{\"a\":1}\r\n0\r\nX: y\n\r\n",
        b"7\n{\"a\":1}\r\n0\r\n\r\n",
        b"7\r\n{\"a\":1}\n0\r\n\r\n",
    ] {
        let out = exchange(&[CHUNKED_ECHO, framing, NEXT].concat());
        let shown = String::from_utf8_lossy(framing);
        assert_eq!(statuses(&out), ["400"], "{shown:?}: {out}");
    }
}

#[test]
fn host_rule_refuses_and_closes() {
    for head in [
        &b"GET / HTTP/1.1\r\n\r\n"[..],
        b"GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n",
        b"GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: a b\r\n\r\n",
    ] {
        let out = exchange(&[head, NEXT].concat());
        let shown = String::from_utf8_lossy(head);
        assert_eq!(statuses(&out), ["400"], "{shown:?}: {out}");
        assert!(out.contains("connection: close"), "{shown:?}: {out}");
    }
    let out = exchange(&[&b"GET / HTTP/1.0\r\n\r\n"[..], NEXT].concat());
    assert_eq!(statuses(&out), ["200"], "{out}");
}

#[test]
fn long_target_is_414() {
    let target = format!("/{}", "a".repeat(api_model::limits::MAX_URI_BYTES));
    let head = format!("GET {target} HTTP/1.1\r\nHost: x\r\n\r\n");
    let out = exchange(&[head.as_bytes(), NEXT].concat());
    assert_eq!(statuses(&out), ["414"], "{out}");
    assert!(out.contains("connection: close"), "{out}");
}

/// Each shape carries the next request as the bytes after the body a lenient
/// reading finds: refused with a close, it is never answered.
#[test]
fn ambiguous_framing_is_refused() {
    let echo = |fields: &str, body: &str| {
        format!("POST /echo HTTP/1.1\r\nHost: x\r\n{fields}\r\n{body}").into_bytes()
    };
    let chunked = "7\r\n{\"a\":1}\r\n0\r\n\r\n";
    for (input, status) in [
        // Unpatched hyper 1.12 collapses the equal second line out of sight.
        (
            echo("Content-Length: 7\r\nContent-Length: 7\r\n", "{\"a\":1}"),
            "400",
        ),
        (
            echo("Transfer-Encoding: chunked, chunked\r\n", chunked),
            "400",
        ),
        (
            echo(
                "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
                chunked,
            ),
            "400",
        ),
        (echo("Transfer-Encoding: gzip, chunked\r\n", chunked), "501"),
    ] {
        let out = exchange(&[&input[..], NEXT].concat());
        let shown = String::from_utf8_lossy(&input);
        assert_eq!(statuses(&out), [status], "{shown:?}: {out}");
    }
}

/// A stream that counts the writes that reached it.
struct Counted {
    io: DuplexStream,
    writes: Arc<AtomicUsize>,
}

impl Counted {
    fn count<T>(&self, r: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        if let Poll::Ready(Ok(_)) = r {
            self.writes.fetch_add(1, Ordering::Relaxed);
        }
        r
    }
}

impl AsyncRead for Counted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl AsyncWrite for Counted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.io).poll_write(cx, data);
        self.count(r)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        self.count(r)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

/// A current-thread runtime whose clock only moves when every task waits:
/// a `timeout` there ends exactly when nothing can make progress any more,
/// and hyper's header read timeout ends a connection nobody serves.
fn paused_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap()
}

/// Reads until `n` more responses without bodies have arrived.
async fn read_heads(client: &mut DuplexStream, n: usize) -> String {
    let mut out = Vec::new();
    let mut chunk = [0u8; 4096];
    while String::from_utf8_lossy(&out).matches("\r\n\r\n").count() < n {
        let read = client.read(&mut chunk).await.unwrap();
        let so_far = String::from_utf8_lossy(&out).into_owned();
        assert!(read > 0, "connection closed after {so_far:?}");
        out.extend_from_slice(&chunk[..read]);
    }
    String::from_utf8(out).unwrap()
}

/// Serves `echo` behind the guard on `io` with the arena's settings.
fn spawn_server<T>(io: T, half_close: bool) -> tokio::task::JoinHandle<hyper::Result<()>>
where
    T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let mut http = http1_builder();
    http.half_close(half_close);
    let service = Guard::new(service_fn(echo), render);
    tokio::spawn(http.serve_connection(connection_io(io), service))
}

/// The point of coalescing: 16 pipelined requests, 16 responses, one write.
/// Without it hyper writes once per response.
#[test]
fn a_pipelined_batch_is_answered_in_one_write() {
    paused_runtime().block_on(async {
        let (mut client, server) = tokio::io::duplex(1 << 20);
        let writes = Arc::new(AtomicUsize::new(0));
        let server = Counted {
            io: server,
            writes: writes.clone(),
        };
        let server = spawn_server(server, false);
        client.write_all(&NEXT.repeat(16)).await.unwrap();
        let out = read_heads(&mut client, 16).await;
        assert_eq!(statuses(&out), ["200"; 16], "{out}");
        assert_eq!(writes.load(Ordering::Relaxed), 1, "{out}");
        server.abort();
    });
}

/// A client that pipelines without ever reading: the server stops reading
/// once the responses it holds reach the cap and the stream's buffer toward
/// the client is full, so the client's sending stalls and the responses the
/// server made stay within that bound. Unbounded (hyper's `pipeline_flush`,
/// or this wrapper without its cap) the server reads and answers all of it.
#[test]
fn a_client_that_never_reads_is_pushed_back() {
    const TOWARD_CLIENT: usize = 64 * 1024;
    const REQUESTS: usize = 50_000;
    const BODY: &[u8] = &[b'x'; 64];
    paused_runtime().block_on(async {
        let (mut client, server) = tokio::io::duplex(TOWARD_CLIENT);
        let served = Arc::new(AtomicUsize::new(0));
        let counter = served.clone();
        let service = service_fn(move |_req: Request<Incoming>| {
            counter.fetch_add(1, Ordering::Relaxed);
            async { Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(BODY)))) }
        });
        let connection = http1_builder().serve_connection(connection_io(server), service);
        let server = tokio::spawn(connection);
        let input = NEXT.repeat(REQUESTS);
        let sent = tokio::time::timeout(Duration::from_secs(3600), client.write_all(&input)).await;
        let served = served.load(Ordering::Relaxed);
        assert!(
            sent.is_err(),
            "all {REQUESTS} requests went in unread: nothing pushed back ({served} answered)"
        );
        // Each response is more than its body; two are in flight in hyper.
        let bound = (COALESCE_BYTES + TOWARD_CLIENT) / BODY.len() + 2;
        assert!(served <= bound, "{served} responses made, bound {bound}");
        server.abort();
    });
}

/// Answers to complete requests are not held back for a request the client
/// has only begun: coalescing waits for pipelined input hyper has, never for
/// input the client has not sent. With `half_close` hyper does not read
/// ahead for the end of stream while it answers, but after its flush.
#[test]
fn answers_before_a_partial_request_are_sent() {
    for half_close in [false, true] {
        paused_runtime().block_on(async {
            let (mut client, server) = tokio::io::duplex(1 << 20);
            let server = spawn_server(server, half_close);
            let (begun, rest) = NEXT.split_at(10);
            client.write_all(&[NEXT, begun].concat()).await.unwrap();
            let first = read_heads(&mut client, 1).await;
            assert_eq!(statuses(&first), ["200"], "{first}");
            client.write_all(rest).await.unwrap();
            let second = read_heads(&mut client, 1).await;
            assert_eq!(statuses(&second), ["200"], "{second}");
            client.write_all(NEXT).await.unwrap();
            let third = read_heads(&mut client, 1).await;
            assert_eq!(statuses(&third), ["200"], "{third}");
            server.abort();
        });
    }
}

/// A client that ends its side in the middle of a request still gets the
/// answers to the complete ones before it: hyper drops the connection on a
/// request cut short without flushing, so the wrapper sends first.
#[test]
fn answers_before_a_request_cut_short_are_sent() {
    let out = exchange(&[NEXT, NEXT, &NEXT[..10]].concat());
    assert_eq!(statuses(&out), ["200", "200"], "{out}");
}

/// hyper may read for the next request after its flush (with `half_close`,
/// and without a header read timeout, which otherwise makes it loop once
/// more): the wrapper deferred that flush, so the read must lead to another.
#[test]
fn answers_are_sent_when_hyper_reads_after_its_flush() {
    paused_runtime().block_on(async {
        let (mut client, server) = tokio::io::duplex(1 << 20);
        let mut http = hyper::server::conn::http1::Builder::new();
        http.half_close(true);
        let service = Guard::new(service_fn(echo), render);
        let server = tokio::spawn(http.serve_connection(connection_io(server), service));
        for _ in 0..3 {
            client.write_all(NEXT).await.unwrap();
            let answer =
                tokio::time::timeout(Duration::from_secs(3600), read_heads(&mut client, 1));
            let answer = answer.await.expect("the answer never came");
            assert_eq!(statuses(&answer), ["200"], "{answer}");
        }
        server.abort();
    });
}
