//! Runs an axum router on a 127.0.0.1 listener that can be stopped (connections refused) and
//! started again on the same port, which is how the simulators play "server down".

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// How long `stop` waits for in-flight requests before abandoning them, so a test never hangs.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// A listener being served; dropping it without `stop` leaves it running until the runtime ends.
pub(crate) struct Running {
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

/// Binds `addr` and serves `router` on it in a background task.
pub(crate) async fn serve(router: Router, addr: SocketAddr) -> io::Result<(SocketAddr, Running)> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    let (shutdown, signal) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let server = axum::serve(listener, router).with_graceful_shutdown(async move {
            let _ = signal.await;
        });
        if let Err(err) = server.await {
            tracing::warn!(%err, "simulator server failed");
        }
    });
    Ok((local, Running { shutdown, task }))
}

impl Running {
    /// Closes the listener at once, lets in-flight requests finish (bounded), and closes idle
    /// keep-alive connections so clients see the server as gone.
    pub(crate) async fn stop(self) {
        let _ = self.shutdown.send(());
        let mut task = self.task;
        if tokio::time::timeout(STOP_GRACE, &mut task).await.is_err() {
            task.abort();
            let _ = task.await;
        }
    }
}
