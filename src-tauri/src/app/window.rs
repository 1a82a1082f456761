//! The wallboard window: sized to the monitor (X11 without a window manager ignores
//! `fullscreen`), undecorated, no devtools, no context menu, no cursor, and no navigation away
//! from the gateway. Its webview reports a terminated web process to the healing loop.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use kiosk_gateway::Handle;
use tauri::{AppHandle, LogicalPosition, LogicalSize, Manager, WebviewUrl, WebviewWindowBuilder};
use tokio::sync::mpsc::UnboundedSender;
use webkit2gtk::{WebProcessTerminationReason, WebViewExt};

/// Injected into every frame, Grafana's included: `set_cursor_visible(false)` does not reach
/// into the webview, CSS does. The style goes in as soon as the document has a root element.
const HIDE_CURSOR: &str = r#"(() => {
  const add = () => {
    const style = document.createElement('style');
    style.textContent = '*, *::before, *::after { cursor: none !important; }';
    document.documentElement.appendChild(style);
  };
  if (document.documentElement) return add();
  new MutationObserver((_, observer) => {
    if (document.documentElement) { observer.disconnect(); add(); }
  }).observe(document, { childList: true });
})();"#;

/// The one window, across recreations. Cheap to clone into closures.
#[derive(Clone)]
pub struct Wall {
    pub gateway: Handle,
    crashes: UnboundedSender<()>,
    generation: Arc<AtomicU32>,
}

impl Wall {
    pub fn new(gateway: Handle, crashes: UnboundedSender<()>) -> Wall {
        Wall {
            gateway,
            crashes,
            generation: Arc::new(AtomicU32::new(0)),
        }
    }

    fn label(generation: u32) -> String {
        format!("wall-{generation}")
    }

    /// Opens a new window on a fresh session link, then closes the previous one (if any): in
    /// that order, so the app never has zero windows (which would end it).
    pub fn open(&self, app: &AppHandle) -> tauri::Result<()> {
        let previous = self.generation.fetch_add(1, Ordering::SeqCst);
        let label = Wall::label(previous + 1);
        let url = self.shell_url();
        let origin = url.origin();
        let mut builder = WebviewWindowBuilder::new(app, &label, WebviewUrl::External(url))
            .title("kiosk")
            .decorations(false)
            .resizable(false)
            .fullscreen(true)
            .devtools(false)
            .initialization_script_for_all_frames(HIDE_CURSOR)
            .on_navigation(move |to| {
                let allowed = to.origin() == origin || to.scheme() == "about";
                if !allowed {
                    // The origin only: a query could carry anything.
                    tracing::warn!(to = %to.origin().ascii_serialization(), "navigation refused");
                }
                allowed
            });
        if let Some((size, position)) = monitor_bounds(app) {
            builder = builder
                .inner_size(size.width, size.height)
                .position(position.x, position.y);
        }
        let window = builder.build()?;
        // Until WebKit handles a pointer motion over the page, the pointer shows the window's
        // own cursor: the X default arrow, where the pointer sat when the window appeared.
        window.set_cursor_visible(false)?;
        let crashes = self.crashes.clone();
        window.with_webview(move |platform| {
            let view = platform.inner();
            view.connect_web_process_terminated(move |_, reason| {
                // Terminations the app asked for (recreating the webview) are not crashes.
                if reason != WebProcessTerminationReason::TerminatedByApi {
                    let _ = crashes.send(());
                }
            });
            // No context menu: a long press on a touchscreen would otherwise open one.
            view.connect_context_menu(|_, _, _, _| true);
            // WebKit's own word on devtools (its developer extras), for the log and the tests.
            let devtools = WebViewExt::settings(&view)
                .is_some_and(|s| webkit2gtk::SettingsExt::enables_developer_extras(&s));
            tracing::info!(devtools, "webview created");
        })?;
        if previous > 0
            && let Some(old) = app.get_webview_window(&Wall::label(previous))
        {
            // Kill its web process first: a frozen (stopped) one would not exit by itself.
            let _ = old.with_webview(|platform| platform.inner().terminate_web_process());
            old.destroy()?;
        }
        Ok(())
    }

    /// Loads the shell again in the current webview, which starts a new web process after a
    /// crash. On a fresh session link, not a plain reload: the session cookie may have gone
    /// with the crash (it does when WebDriver's session ends with the page).
    pub fn reload(&self, app: &AppHandle) -> tauri::Result<()> {
        let label = Wall::label(self.generation.load(Ordering::SeqCst));
        match app.get_webview_window(&label) {
            Some(window) => window.navigate(self.shell_url()),
            None => self.open(app),
        }
    }

    fn shell_url(&self) -> tauri::Url {
        tauri::Url::parse(&self.gateway.shell_url()).expect("the gateway's URL parses")
    }
}

/// The primary monitor's bounds in logical pixels (the first monitor when none is primary).
fn monitor_bounds(app: &AppHandle) -> Option<(LogicalSize<f64>, LogicalPosition<f64>)> {
    let monitor = match app.primary_monitor() {
        Ok(Some(monitor)) => monitor,
        _ => app.available_monitors().ok()?.into_iter().next()?,
    };
    let scale = monitor.scale_factor();
    Some((
        monitor.size().to_logical(scale),
        monitor.position().to_logical(scale),
    ))
}
