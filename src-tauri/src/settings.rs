//! Turns the global flags into a loaded configuration (flags > `KIOSK_*` env > files >
//! defaults) and sets up logging to stderr.

use kiosk_config::{ConfigError, LoadOptions, Loaded};
use tracing_subscriber::EnvFilter;

use crate::cli::Global;

/// Loads the configuration with the command-line flags as the top layer.
pub fn load(global: &Global) -> Result<Loaded, ConfigError> {
    let mut overrides = Vec::new();
    let mut set = |key: &str, value: Option<String>| {
        if let Some(value) = value {
            overrides.push((key.to_owned(), value));
        }
    };
    set("grafana.url", global.grafana_url.clone());
    set(
        "provision.dashboards_dir",
        global
            .dashboards_dir
            .as_ref()
            .map(|p| p.display().to_string()),
    );
    set(
        "cache.dir",
        global.cache_dir.as_ref().map(|p| p.display().to_string()),
    );
    kiosk_config::load(&LoadOptions {
        config_file: global.config.clone(),
        env: std::env::vars().collect(),
        overrides,
        ..LoadOptions::default()
    })
}

/// Logs go to stderr (journald under systemd); stdout carries only the command's output.
pub fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colour codes only for a person at a terminal, never into the journal or a file.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .init();
}
