//! `kiosk serve`: the wallboard for any browser. Starts the gateway on loopback, keeps the
//! rotation plan current (config changes apply live, new synced dashboards appear within a
//! minute), and prints the URL to open.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use kiosk_config::{Config, Loaded};
use kiosk_display::Plan;
use kiosk_gateway::{Gateway, Options};
use tokio::sync::watch;

use super::{EXIT_CONFIG, chain, print_error};
use crate::cli::Global;
use crate::settings;

/// How often the plan is resolved again without a config change (playlists and the synced set
/// change in Grafana, not in kiosk.toml).
const REFRESH: Duration = Duration::from_secs(60);

pub async fn run(global: &Global, loaded: Loaded, listen: Option<SocketAddr>) -> u8 {
    let gateway = match start(global, loaded, listen).await {
        Ok(gateway) => gateway,
        Err(status) => return status,
    };
    // stdout carries only the URL: scripts read it.
    println!("{}", gateway.shell_url());
    match gateway.serve(super::watch::shutdown_signal()).await {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {}", chain(&e));
            1
        }
    }
}

/// Binds the gateway, restores the saved plan and starts keeping the plan current: what
/// `kiosk serve` and `kiosk run` share. An error has been printed; its exit status is returned.
pub async fn start(
    global: &Global,
    loaded: Loaded,
    listen: Option<SocketAddr>,
) -> Result<Gateway, u8> {
    let config = &loaded.config;
    let options = Options::from_config(config);
    let gateway = Gateway::bind(listen.unwrap_or(config.gateway.listen), options)
        .await
        .map_err(|e| {
            print_error(&e);
            EXIT_CONFIG
        })?;
    let saved = saved_plan_path(config);
    if let Some(plan) = kiosk_display::load_saved(&saved) {
        gateway.plan().send_replace(plan);
    }
    tokio::spawn(keep_plan_current(
        global.clone(),
        loaded,
        gateway.plan(),
        saved,
    ));
    Ok(gateway)
}

fn saved_plan_path(config: &Config) -> PathBuf {
    config.cache.dir.join("plan.json")
}

/// Resolves the plan now, every [`REFRESH`], and whenever a config file that was read changes.
/// A failure keeps the last plan: the wall goes on rotating what it knew.
async fn keep_plan_current(
    global: Global,
    mut loaded: Loaded,
    plan: watch::Sender<Plan>,
    mut saved: PathBuf,
) {
    let dirs: Vec<PathBuf> = loaded
        .files
        .iter()
        .filter_map(|f| f.parent().map(|p| p.to_path_buf()))
        .collect();
    let files = loaded.files.clone();
    let watching = super::watch::changes(&dirs, move |path| files.iter().any(|f| f == path));
    let (_watch, mut changed) = match watching {
        Ok((watch, changed)) => (Some(watch), changed),
        Err(message) => {
            tracing::warn!("{message}; configuration changes need a restart");
            (None, tokio::sync::mpsc::channel(1).1)
        }
    };
    loop {
        resolve_once(&loaded.config, &plan, &saved).await;
        tokio::select! {
            Some(()) = changed.recv() => match settings::load(&global) {
                Ok(new) => {
                    tracing::info!("configuration changed; updating the plan");
                    loaded = new;
                    saved = saved_plan_path(&loaded.config);
                }
                Err(e) => tracing::error!("configuration not applied: {}", chain(&e)),
            },
            () = tokio::time::sleep(REFRESH) => {}
        }
    }
}

async fn resolve_once(config: &Config, plan: &watch::Sender<Plan>, saved: &std::path::Path) {
    let client = match grafana_client::Client::new(&config.grafana) {
        Ok(client) => client,
        Err(e) => return tracing::error!("cannot resolve the plan: {}", chain(&e)),
    };
    match kiosk_display::resolve(&config.display, &client).await {
        Ok(new) => {
            if let Err(e) = kiosk_display::save(&new, saved) {
                tracing::warn!("cannot save the plan to {}: {e}", saved.display());
            }
            plan.send_if_modified(|current| {
                let changed = *current != new;
                *current = new;
                changed
            });
        }
        Err(e) => tracing::warn!("keeping the last plan: {}", chain(&e)),
    }
}
