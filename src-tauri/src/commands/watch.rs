//! What the long-running commands share: "tell me when these files change" (notify, debounced
//! so an editor's save-rename dance is one event) and "stop on SIGINT or SIGTERM".

use std::path::{Path, PathBuf};
use std::time::Duration;

use notify::RecommendedWatcher;
use notify::RecursiveMode;
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};
use tokio::sync::mpsc;

/// Keeps the watch alive; dropping it stops the events.
pub type Watch = Debouncer<RecommendedWatcher, RecommendedCache>;

/// Watches the directories `dirs` (not recursively) and sends `()` whenever a changed path
/// satisfies `relevant`.
pub fn changes(
    dirs: &[PathBuf],
    relevant: impl Fn(&Path) -> bool + Send + 'static,
) -> Result<(Watch, mpsc::Receiver<()>), String> {
    let (tx, rx) = mpsc::channel::<()>(16);
    let handler = move |result: DebounceEventResult| {
        let hit = result.is_ok_and(|events| {
            events
                .iter()
                .flat_map(|e| e.paths.iter())
                .any(|p| relevant(p))
        });
        if hit {
            // A full channel already holds a pending "changed": nothing is lost.
            let _ = tx.try_send(());
        }
    };
    // The debouncer's thread wakes every tick, changes or not: its default tick (a quarter of
    // the delay) is 13 wake-ups a second on an idle wall. A change still lands within 0.6 s.
    let delay = Duration::from_millis(300);
    let mut debouncer = new_debouncer(delay, Some(delay), handler)
        .map_err(|e| format!("cannot watch files: {e}"))?;
    for dir in dirs {
        debouncer
            .watch(dir, RecursiveMode::NonRecursive)
            .map_err(|e| format!("cannot watch {}: {e}", dir.display()))?;
    }
    Ok((debouncer, rx))
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM (systemd stopping the unit).
pub async fn shutdown_signal() {
    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("installing a SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = sigterm.recv() => {}
    }
}
