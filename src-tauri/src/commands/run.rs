//! `kiosk run`: the appliance. The gateway and the plan keeper run on the tokio runtime, the
//! Tauri event loop owns the main thread, and the healing loop (`app::healing`) watches the
//! page and climbs the ladder.

use kiosk_config::{Loaded, Renderer};

use crate::app;
use crate::cli::Global;

/// Puts WebKit's renderer switches for `renderer` into the environment.
///
/// Called from `main` before any other thread exists (the tokio runtime is built after it),
/// which is what makes `set_var` sound here.
#[allow(unsafe_code)]
pub fn set_renderer(renderer: Renderer) {
    for (name, value) in renderer.environment() {
        if std::env::var_os(name).is_none() {
            // SAFETY: single-threaded at this point, see above.
            unsafe { std::env::set_var(name, value) };
        }
    }
}

pub fn run(global: &Global, loaded: Loaded, runtime: tokio::runtime::Runtime) -> u8 {
    let config = loaded.config.clone();
    let gateway = match runtime.block_on(super::serve::start(global, loaded, None)) {
        Ok(gateway) => gateway,
        Err(status) => return status,
    };
    let handle = gateway.handle();
    let served = runtime.spawn(async move {
        if let Err(e) = gateway.serve(std::future::pending()).await {
            tracing::error!("the gateway stopped: {}", super::chain(&e));
        }
    });
    // Tauri's own async work runs on the same runtime as the gateway.
    tauri::async_runtime::set(runtime.handle().clone());
    let status = app::run(&config, handle.clone());
    handle.shutdown();
    // Let serve finish (it writes the cache entries still waiting), but never hold up a restart.
    let grace = std::time::Duration::from_secs(2);
    let _ = runtime.block_on(tokio::time::timeout(grace, served));
    runtime.shutdown_timeout(grace);
    status
}
