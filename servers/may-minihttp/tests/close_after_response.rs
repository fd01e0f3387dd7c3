//! The server binary on a loopback port, fed requests with a second one
//! pipelined behind them. Where the first must end the connection (the client
//! asked, or its framing is refused), the second must never be answered: the
//! patched library's close flag, seen end to end.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::Duration;

/// A request that is only answered if the server reads past the end of the
/// one before it.
const SENTINEL: &str = "GET /users/777 HTTP/1.1\r\nHost: localhost\r\n\r\n";

struct Server {
    child: Child,
    port: u16,
}

impl Server {
    fn start() -> Server {
        // A port that was free a moment ago; the server binds it itself.
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(env!("CARGO_BIN_EXE_may-minihttp-server"))
            .args(["--port", &port.to_string(), "--workers", "1"])
            .stdout(Stdio::null())
            .spawn()
            .expect("the server starts");
        let server = Server { child, port };
        for _ in 0..200 {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return server;
            }
            sleep(Duration::from_millis(25));
        }
        panic!("the server never accepted a connection on port {port}");
    }

    /// Everything the server sends on one connection until it closes it.
    fn exchange(&self, request: &str) -> String {
        let mut conn = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        // A bound on a broken server, not a timing assertion: a server that
        // keeps the connection open fails on the read error below.
        conn.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        conn.write_all(request.as_bytes()).expect("send");
        let mut out = Vec::new();
        conn.read_to_end(&mut out).unwrap_or_else(|e| {
            panic!("the server did not close the connection ({e}); got {out:?}")
        });
        String::from_utf8(out).expect("an ASCII response")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn echo_head(framing: &str) -> String {
    format!(
        "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n{framing}\r\n"
    )
}

fn statuses(out: &str) -> Vec<&str> {
    out.match_indices("HTTP/1.1 ")
        .map(|(i, _)| &out[i + 9..i + 12])
        .collect()
}

#[test]
fn nothing_is_answered_after_a_closing_response() {
    let server = Server::start();
    let cases = [
        (
            "client's Connection: close".to_owned(),
            format!(
                "GET /plaintext HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n{SENTINEL}"
            ),
            "200",
        ),
        (
            "HTTP/1.0 without keep-alive".to_owned(),
            format!("GET /plaintext HTTP/1.0\r\n\r\n{SENTINEL}"),
            "200",
        ),
        (
            "a signed zero length".to_owned(),
            echo_head("Content-Length: -0\r\n") + SENTINEL,
            "400",
        ),
        (
            "a tab inside the length".to_owned(),
            echo_head("Content-Length: 3\t3\r\n") + "[1]" + SENTINEL,
            "400",
        ),
        (
            "a list of equal lengths".to_owned(),
            echo_head("Content-Length: 3, 3\r\n") + "[1]" + SENTINEL,
            "400",
        ),
        (
            "two equal lengths".to_owned(),
            echo_head("Content-Length: 3\r\nContent-Length: 3\r\n") + "[1]" + SENTINEL,
            "400",
        ),
        (
            "a chunked body".to_owned(),
            echo_head("Transfer-Encoding: chunked\r\n") + "7\r\n{\"a\":1}\r\n0\r\n\r\n" + SENTINEL,
            "400",
        ),
        (
            "no Host in HTTP/1.1".to_owned(),
            format!("GET /plaintext HTTP/1.1\r\n\r\n{SENTINEL}"),
            "400",
        ),
        (
            "two Host lines".to_owned(),
            format!("GET /plaintext HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n{SENTINEL}"),
            "400",
        ),
        (
            "a declared body past the limit".to_owned(),
            echo_head(&format!(
                "Content-Length: {}\r\n",
                api_model::BODY_LIMIT + 1
            )),
            "413",
        ),
    ];
    for (what, request, status) in cases {
        let out = server.exchange(&request);
        assert_eq!(statuses(&out), [status], "{what}: {out}");
        assert!(out.contains("\r\nConnection: close\r\n"), "{what}: {out}");
        assert!(
            !out.contains("user-777"),
            "{what}: the pipelined request was answered: {out}"
        );
    }
}

#[test]
fn pipelined_requests_are_all_answered_in_order() {
    let server = Server::start();
    let request = "GET /users/1 HTTP/1.1\r\nHost: localhost\r\n\r\n".to_owned()
        + &echo_head("Content-Length: 7\r\n")
        + "{\"a\":1}"
        + "GET /plaintext HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    let out = server.exchange(&request);
    assert_eq!(statuses(&out), ["200", "200", "200"], "{out}");
    let user = out.find("user-1@").expect("the user");
    let echo = out.find("{\"a\":1}").expect("the echo");
    let text = out.find("Hello, World!").expect("the plaintext");
    assert!(user < echo && echo < text, "{out}");
    assert!(out.contains("\r\nServer: may-minihttp\r\n"), "{out}");
}
