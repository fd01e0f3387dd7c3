//! hyper as the arena runs it (`config::http1_builder`, the guard, the
//! vendored hyper patch), fed raw bytes over an in-memory stream. The client
//! sends everything and then ends its side, so each exchange finishes on its
//! own: what hyper wrote before closing is the whole answer.

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use hyper_workers::config::http1_builder;
use hyper_workers::guard::{Guard, Refusal};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

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
        let connection = http.serve_connection(TokioIo::new(server), service);
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
