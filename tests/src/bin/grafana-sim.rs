//! `grafana-sim`: runs the Grafana simulator (and optionally the grafana.com catalog) on
//! 127.0.0.1 for scripts and the demo, printing one `<name> <url>` line per server on stdout.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Parser;
use kiosk_tests::grafana_com::GrafanaCom;
use kiosk_tests::grafana_sim::{GrafanaSim, SimConfig};
use tracing_subscriber::EnvFilter;

/// Simulated Grafana (and grafana.com) for kiosk tests and demos.
#[derive(Parser)]
#[command(version)]
struct Cli {
    /// Port for the Grafana simulator on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Serve a grafana.com catalog from this directory (`<id>/<revision>.json`) on its own port.
    #[arg(long, value_name = "DIR")]
    catalog: Option<PathBuf>,
    /// A valid service-account token; repeatable. Defaults to `glsa_test_token`. Test tool only:
    /// real tokens never belong on a command line.
    #[arg(long = "token", value_name = "TOKEN")]
    tokens: Vec<String>,
    /// Let requests without credentials read, as Grafana's anonymous viewer.
    #[arg(long)]
    anonymous: bool,
    /// Version reported by /api/health.
    #[arg(long, default_value = "11.6.0")]
    grafana_version: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    run(Cli::parse()).await
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut cfg = SimConfig {
        version: cli.grafana_version,
        anonymous: cli.anonymous,
        ..SimConfig::default()
    };
    if !cli.tokens.is_empty() {
        cfg.tokens = cli.tokens;
    }
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, cli.port));
    let grafana = GrafanaSim::start_on(cfg, addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    // stdout is line-buffered, so a script reading these lines sees each one at once.
    println!("grafana {}", grafana.url());
    let catalog = match cli.catalog {
        Some(dir) => {
            let catalog = GrafanaCom::start(dir.clone())
                .await
                .with_context(|| format!("cannot serve catalog {}", dir.display()))?;
            println!("grafana.com {}", catalog.url());
            Some(catalog)
        }
        None => None,
    };

    kiosk_tests::shutdown_signal()
        .await
        .context("cannot listen for SIGINT/SIGTERM")?;
    tracing::info!("shutting down");
    grafana.stop().await;
    if let Some(catalog) = catalog {
        catalog.stop().await;
    }
    Ok(())
}
