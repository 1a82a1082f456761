//! Test support for kiosk's end-to-end tests: a Grafana simulator that follows Grafana's HTTP API
//! contract, a grafana.com catalog simulator serving fixture revisions, fixture exporters that
//! serve the real metric names of a simulated fleet, and a harness for the real Prometheus and
//! node_exporter binaries.

pub mod exporters;
pub mod grafana_com;
pub mod grafana_sim;
pub mod grafana_vars;
pub mod prometheus;
mod server;

/// Resolves on SIGINT or SIGTERM: how the helper binaries (`grafana-sim`, `fixture-exporters`)
/// know to stop.
pub async fn shutdown_signal() -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    tokio::select! {
        result = tokio::signal::ctrl_c() => result,
        _ = term.recv() => Ok(()),
    }
}
