//! The Tauri shell over the core (`kiosk run`): one fullscreen, undecorated window whose
//! webview shows the gateway's shell page, and the healing loop that watches it. Everything
//! that decides lives in `kiosk-supervisor`; this module only carries decisions out on the
//! GTK main thread.

mod healing;
mod window;

use kiosk_config::Config;
use kiosk_gateway::Handle;
use kiosk_supervisor::{Ladder, Policy, Screen, Session};

pub use window::Wall;

/// Runs the app until it exits; the exit status is the process's.
pub fn run(config: &Config, gateway: Handle) -> u8 {
    let (crashes, crashed) = tokio::sync::mpsc::unbounded_channel();
    let wall = Wall::new(gateway, crashes);
    let ladder = Ladder::new(Policy::from_config(&config.app), std::time::Instant::now());
    let session = Session::detect(
        std::env::var("WAYLAND_DISPLAY").ok().as_deref(),
        std::env::var("DISPLAY").ok().as_deref(),
    );
    let screen = Screen::from_config(&config.screen, session);
    if screen.is_none() && !config.screen.off_at.is_empty() {
        tracing::warn!(
            "screen schedule ignored: no display session to pick commands for; set \
             screen.off_command and screen.on_command"
        );
    }
    let built = tauri::Builder::default()
        .setup(move |app| {
            let app = app.handle().clone();
            wall.open(&app)?;
            tauri::async_runtime::spawn(healing::run(app.clone(), wall, ladder, screen, crashed));
            tauri::async_runtime::spawn(async move {
                crate::commands::shutdown_signal().await;
                tracing::info!("stopping on a signal");
                app.exit(0);
            });
            Ok(())
        })
        .build(tauri::generate_context!());
    let app = match built {
        Ok(app) => app,
        Err(e) => {
            eprintln!("error: cannot open the wallboard window: {e}");
            return 1;
        }
    };
    let code = app.run_return(|_, _| {});
    u8::try_from(code).unwrap_or(1)
}
