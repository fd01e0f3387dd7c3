use std::io;

/// SIGTERM and SIGINT stop the server at once, like every other arena
/// server. xitca-server's own handler turns SIGTERM into a graceful stop
/// that waits for every open connection, idle keep-alive ones included (up
/// to the keep-alive timeout, and its 30 s shutdown timeout is not reachable
/// from `HttpServer`), which would outlast the harness's stop deadline.
pub fn stop_on_signal(stop: impl FnOnce() + Send + 'static) -> io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?;
    std::thread::Builder::new()
        .name(String::from("signals"))
        .spawn(move || {
            runtime.block_on(async {
                use tokio::signal::unix::{signal, SignalKind};
                let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
                let mut int = signal(SignalKind::interrupt()).expect("SIGINT handler");
                tokio::select! {
                    _ = term.recv() => {},
                    _ = int.recv() => {},
                }
            });
            stop();
        })?;
    Ok(())
}
