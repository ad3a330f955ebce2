//! The HTTP server loop, ours rather than `axum::serve`, because axum 0.8 exposes no connection settings: hyper's
//! `header_read_timeout` needs a timer on the connection builder, and without it a client that sends half a
//! request line and then nothing holds its connection (and a graceful shutdown) forever.
//!
//! Shutdown: stop accepting, tell every WebSocket to close with 1001 (`AppState::shutdown`), let HTTP connections
//! finish their in-flight requests, and give all of it `--shutdown-timeout` before returning anyway.

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// How long to pause accepting after an `accept` error (out of file descriptors, say) before trying again.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

pub struct Timeouts {
    /// A connection whose request headers take longer than this is closed.
    pub header: Duration,
    /// Drain deadline after the shutdown signal.
    pub shutdown: Duration,
}

/// Serves `router` on `listener` until `signal` completes, then drains (see the module doc). `sockets` is the
/// WebSocket shutdown flag: set to `true` here, and every socket task holds a receiver until it has closed.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    timeouts: Timeouts,
    sockets: watch::Sender<bool>,
    signal: impl Future<Output = ()>,
) {
    let mut builder = Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(timeouts.header);
    builder.http2().timer(TokioTimer::new()).enable_connect_protocol();
    let graceful = GracefulShutdown::new();
    tokio::pin!(signal);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
            () = &mut signal => break,
        };
        let (stream, peer) = stream;
        let _ = stream.set_nodelay(true);
        let builder = builder.clone();
        // The client's address, for what is per address (anonymous clients' rate limits).
        let service = TowerToHyperService::new(
            tower::ServiceBuilder::new()
                .map_request(move |mut req: axum::http::Request<hyper::body::Incoming>| {
                    req.extensions_mut().insert(axum::extract::ConnectInfo(peer));
                    req
                })
                .service(router.clone()),
        );
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
            if let Err(e) = watcher.watch(conn).await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    let started = tokio::time::Instant::now();
    sockets.send_replace(true);
    let open = graceful.count();
    let drained = async {
        tokio::join!(graceful.shutdown(), sockets.closed());
    };
    match tokio::time::timeout(timeouts.shutdown, drained).await {
        Ok(()) => tracing::info!(connections = open, elapsed_ms = started.elapsed().as_millis() as u64, "drained"),
        Err(_) => tracing::warn!(
            deadline_ms = timeouts.shutdown.as_millis() as u64,
            "shutdown deadline reached: exiting with connections still open"
        ),
    }
}
