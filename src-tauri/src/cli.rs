//! The command line, declared with clap: the doc comments are the `--help` text, and every flag
//! that sets a configuration key has its `KIOSK_…` environment twin.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Grafana wallboard appliance: provisions dashboards into Grafana and shows them on a wall.
///
/// Exit codes: 0 ok, 1 something failed (see the report), 2 usage, configuration or source
/// files, 3 Grafana refused the credentials, 4 Grafana (or grafana.com) unreachable.
#[derive(Debug, Parser)]
#[command(name = "kiosk", version, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Args)]
pub struct Global {
    /// Read only this configuration file instead of /etc/kiosk/kiosk.toml and
    /// /boot/firmware/kiosk.toml.
    #[arg(long, global = true, env = "KIOSK_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Grafana base URL (grafana.url), e.g. http://grafana.lan:3000.
    #[arg(long, global = true, env = "KIOSK_GRAFANA_URL", value_name = "URL")]
    pub grafana_url: Option<String>,

    /// Directory with our dashboards (*.json), vendor.toml and vendor.lock
    /// (provision.dashboards_dir).
    #[arg(
        long,
        global = true,
        env = "KIOSK_PROVISION_DASHBOARDS_DIR",
        value_name = "DIR"
    )]
    pub dashboards_dir: Option<PathBuf>,

    /// Cache directory; downloaded grafana.com revisions live in its grafana.com/ (cache.dir).
    #[arg(long, global = true, env = "KIOSK_CACHE_DIR", value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,

    /// More log output on stderr (-v info, -vv debug); RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Push our dashboards and the pinned grafana.com dashboards into Grafana, writing only
    /// what differs.
    SyncDashboards(SyncArgs),
    /// Inspect the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Manage the pinned grafana.com dashboards.
    #[command(subcommand)]
    Vendor(VendorCommand),
    /// Serve the wallboard to any browser: start the gateway on loopback and print the URL
    /// to open (it carries a one-time session secret).
    Serve(ServeArgs),
    /// Show the wallboard fullscreen in its own window (the appliance): the gateway plus a
    /// WebKit webview, healed when WebKit crashes, freezes or grows, with systemd's watchdog
    /// fed while the page is alive.
    #[cfg(feature = "gui")]
    Run,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (gateway.listen); loopback unless gateway.allow_remote.
    #[arg(long, env = "KIOSK_GATEWAY_LISTEN", value_name = "ADDR")]
    pub listen: Option<std::net::SocketAddr>,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Print the plan with a diff of every change; write nothing.
    #[arg(long, env = "KIOSK_DRY_RUN")]
    pub dry_run: bool,

    /// Overwrite dashboards that were edited in Grafana (or not written by kiosk).
    #[arg(long, env = "KIOSK_FORCE")]
    pub force: bool,

    /// Delete managed dashboards that are no longer listed (never unmanaged ones, never ones
    /// edited in Grafana).
    #[arg(long, env = "KIOSK_PRUNE")]
    pub prune: bool,

    /// Report format on stdout.
    #[arg(long, value_enum, default_value_t = Output::Human, env = "KIOSK_OUTPUT")]
    pub output: Output,

    /// Keep running and sync again whenever a file in the dashboards directory changes.
    #[arg(long)]
    pub watch: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Human,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the effective configuration (secrets redacted) and the files it came from.
    Check,
}

#[derive(Debug, Subcommand)]
pub enum VendorCommand {
    /// Download every revision pinned in vendor.toml, cache it, and record its sha256 in
    /// vendor.lock.
    Lock,
}
