//! The calibration row of the load suite, not an HTTP server: it answers
//! every `\r\n\r\n` it reads with the same canned response and never parses
//! a request, a header or a body. What it reaches is the ceiling of this
//! machine, kernel and load generator; every real server is reported as a
//! share of it. It is excluded from the conformance suite on purpose.

use mimalloc::MiMalloc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[global_allocator]
static GLOBAL: MiMalloc = MiMalloc;

const RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\nServer: baseline\r\nContent-Type: text/plain\r\n\
Content-Length: 13\r\nDate: Thu, 01 Jan 1970 00:00:00 GMT\r\n\r\nHello, World!";
const REQUEST_END: &[u8] = b"\r\n\r\n";

fn main() -> std::io::Result<()> {
    let args = api_model::cli::ServerArgs::from_env();
    let addr = args.addr()?;
    for _ in 0..args.workers() {
        let listener = api_model::listener::bind(addr, true)?;
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_io()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = TcpListener::from_std(listener).unwrap();
                while let Ok((stream, _)) = listener.accept().await {
                    tokio::spawn(answer(stream));
                }
            });
        });
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?;
    rt.block_on(async {
        use tokio::signal::unix::{signal, SignalKind};
        let (mut term, mut int) = (
            signal(SignalKind::terminate())?,
            signal(SignalKind::interrupt())?,
        );
        tokio::select! { _ = term.recv() => {}, _ = int.recv() => {} }
        Ok(())
    })
}

/// Counts request ends in what was read (keeping a 3-byte tail so an end
/// split across reads is still seen) and writes one canned response each.
async fn answer(mut stream: TcpStream) {
    let mut buf = vec![0u8; 64 * 1024];
    let mut out = Vec::with_capacity(64 * 1024);
    let mut carry = 0;
    loop {
        let n = match stream.read(&mut buf[carry..]).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        let filled = carry + n;
        let ends = memchr::memmem::find_iter(&buf[..filled], REQUEST_END).count();
        for _ in 0..ends {
            out.extend_from_slice(RESPONSE);
        }
        let keep = (REQUEST_END.len() - 1).min(filled);
        let last_end = memchr::memmem::rfind(&buf[..filled], REQUEST_END).map(|i| i + 4);
        let tail_from = last_end.unwrap_or(0).max(filled - keep);
        buf.copy_within(tail_from..filled, 0);
        carry = filled - tail_from;
        if !out.is_empty() {
            if stream.write_all(&out).await.is_err() {
                return;
            }
            out.clear();
        }
    }
}
