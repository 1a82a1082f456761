//! The healing loop: once a second it reads the shell's heartbeat age (from the gateway), the
//! web process's memory (every ten seconds) and the clock, feeds them to the ladder, keeps
//! systemd informed, switches the screen on schedule, and carries out the ladder's decisions
//! on the main thread.

use std::time::{Duration, Instant};

use kiosk_supervisor::{Decision, Ladder, Notifier, Observation, Rung, Screen, memory, screen};
use tauri::AppHandle;
use tokio::sync::mpsc::UnboundedReceiver;

use super::Wall;

const TICK: Duration = Duration::from_secs(1);
/// /proc is walked this often for the memory guard, not every tick.
const MEMORY_EVERY: u32 = 10;
/// A screen command that hangs is abandoned after this long.
const SCREEN_COMMAND_LIMIT: Duration = Duration::from_secs(10);
/// The exit status when the ladder gives up: systemd restarts the app (and cage).
const EXIT_UNHEALED: i32 = 1;

pub async fn run(
    app: AppHandle,
    wall: Wall,
    mut ladder: Ladder,
    mut screen: Option<Screen>,
    mut crashes: UnboundedReceiver<()>,
) {
    let mut notifier = Notifier::new();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let pid = std::process::id() as i32;
    let mut ticks: u32 = 0;
    loop {
        let decision = tokio::select! {
            Some(()) = crashes.recv() => Some(ladder.web_process_gone(Instant::now())),
            _ = tick.tick() => {
                ticks = ticks.wrapping_add(1);
                let minute = screen::minute_of_day();
                if let Some(screen) = &mut screen
                    && let Some((power, command)) = screen.due(minute)
                {
                    tokio::spawn(switch_screen(format!("{power:?}"), command.to_owned()));
                }
                let heartbeat_age = wall.gateway.heartbeat_age();
                if ladder.alive(heartbeat_age) {
                    if wall.gateway.shown() {
                        notifier.ready("showing the wallboard");
                    }
                    if notifier.is_ready() {
                        // Through the main loop: a hung GTK main loop starves the watchdog too.
                        let _ = app.run_on_main_thread(|| Notifier::new().watchdog());
                    }
                }
                let web_rss = ticks.is_multiple_of(MEMORY_EVERY)
                    .then(|| memory::web_process_rss(pid))
                    .flatten();
                ladder.tick(Observation {
                    now: Instant::now(),
                    heartbeat_age,
                    web_rss,
                    minute_of_day: minute,
                })
            }
        };
        if let Some(decision) = decision {
            act(&app, &wall, &notifier, decision);
        }
    }
}

fn act(app: &AppHandle, wall: &Wall, notifier: &Notifier, decision: Decision) {
    let (rung, reason) = (decision.rung.as_str(), decision.reason.as_str());
    tracing::warn!(rung, reason, "healing the wallboard");
    wall.gateway.count_recovery(rung, reason);
    notifier.status(&format!("healing: {rung} ({reason})"));
    let (app, wall) = (app.clone(), wall.clone());
    match decision.rung {
        Rung::Reload | Rung::Recreate => {
            let handle = app.clone();
            let done = handle.run_on_main_thread(move || {
                let done = if decision.rung == Rung::Reload {
                    wall.reload(&app)
                } else {
                    wall.open(&app)
                };
                if let Err(e) = done {
                    tracing::error!("cannot {rung} the webview: {e}; exiting");
                    app.exit(EXIT_UNHEALED);
                }
            });
            if let Err(e) = done {
                tracing::error!("the main loop is gone: {e}");
            }
        }
        Rung::Exit => {
            notifier.stopping(&format!("cannot heal the wallboard ({reason}); exiting"));
            tracing::error!(
                reason,
                "cannot heal the wallboard; exiting for systemd to restart"
            );
            app.exit(EXIT_UNHEALED);
        }
    }
}

async fn switch_screen(power: String, command: String) {
    tracing::info!(power, command, "switching the screen");
    let run = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(&command)
        .kill_on_drop(true)
        .status();
    match tokio::time::timeout(SCREEN_COMMAND_LIMIT, run).await {
        Ok(Ok(status)) if status.success() => {}
        Ok(Ok(status)) => tracing::warn!(command, %status, "the screen command failed"),
        Ok(Err(e)) => tracing::warn!(command, "cannot run the screen command: {e}"),
        Err(_) => tracing::warn!(command, "the screen command did not finish in time"),
    }
}
