//! `fixture-exporters`: serves the fleet's fixture exporters on 127.0.0.1 for demos and manual
//! checks, printing one `<job> <instance> <url>` line per exporter on stdout, and optionally the
//! Prometheus configuration that scrapes them.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Parser;
use kiosk_tests::exporters::Fleet;
use kiosk_tests::prometheus::{SCRAPE_INTERVAL, config_yaml};
use tracing_subscriber::EnvFilter;

/// Fixture node_exporter, dcgm-exporter, jetson, Intel GPU and rpi exporters for the fleet
/// (eek, ook, oop, hog, ojo, rpi1, rpi2), each on its own 127.0.0.1 port.
#[derive(Parser)]
#[command(version)]
struct Cli {
    /// Write a Prometheus configuration scraping every exporter (as its fleet instance) here.
    #[arg(long, value_name = "FILE")]
    prometheus_config: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let fleet = Fleet::start().await.context("cannot listen on 127.0.0.1")?;
    let targets = fleet.targets();
    if let Some(path) = &cli.prometheus_config {
        std::fs::write(path, config_yaml(&targets, SCRAPE_INTERVAL))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    for target in &targets {
        println!(
            "{} {} http://{}/metrics",
            target.job, target.instance, target.address
        );
    }
    kiosk_tests::shutdown_signal()
        .await
        .context("cannot listen for SIGINT/SIGTERM")?;
    tracing::info!("shutting down");
    drop(fleet);
    Ok(())
}
