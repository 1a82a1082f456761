//! The self-healing ladder against real faults of the real web process: killed (reload),
//! stopped (a new webview, or an exit for systemd), grown (the memory guard); and what systemd
//! hears meanwhile through a fake `NOTIFY_SOCKET`.

use std::time::{Duration, Instant};

use super::harness::{App, Launch, enabled};
use super::wall_world;

const FIRST_PAINT: Duration = Duration::from_secs(30);

fn signal(pid: i32, signal: &str) {
    let status = std::process::Command::new("kill")
        .args(["-s", signal, &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -s {signal} {pid}");
}

/// Waits for the shell (in the webview) to report painted again: a heartbeat younger than
/// `since`, read from the metrics.
async fn heartbeat_since(app: &App, since: Instant, limit: Duration, what: &str) {
    app.wait_for(what, limit, || async {
        let age = app.metric("kiosk_heartbeat_age_seconds").await;
        (age >= 0.0 && Duration::from_secs_f64(age) < since.elapsed()).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_web_process_is_replaced_and_the_page_repainted_within_5_s() {
    if !enabled() {
        return;
    }
    let world = wall_world("30s").await;
    let app = App::start(world, App::display(true).await, Launch::default()).await;
    app.wait_painted(FIRST_PAINT, "first page").await;
    app.wait_for("READY=1", FIRST_PAINT, || async {
        (!app.notify.times_of("READY=1").is_empty()).then_some(())
    })
    .await;
    let victims = app.web_processes();
    assert!(!victims.is_empty(), "a web process to kill");

    let killed = Instant::now();
    for pid in &victims {
        signal(*pid, "KILL");
    }
    app.wait_for("a reload counted", Duration::from_secs(5), || async {
        let reloads = app
            .metric("kiosk_recoveries_total{rung=\"reload\",reason=\"web_process_gone\"}")
            .await;
        (reloads == 1.0).then_some(())
    })
    .await;
    let new = app
        .wait_for("a new web process", Duration::from_secs(5), || async {
            let now = app.web_processes();
            (!now.is_empty() && now.iter().all(|p| !victims.contains(p))).then_some(now)
        })
        .await;
    // The page dies with its process: the screen goes blank (WebDriver's session ends too),
    // so a painted frame after that is the reloaded page, not the old one still on screen.
    app.wait_for(
        "the dead page off screen",
        Duration::from_secs(5),
        || async { app.display.screenshot().metrics().bad().map(|_| ()) },
    )
    .await;
    let shot = app
        .wait_painted(Duration::from_secs(5), "repainted after the kill")
        .await;
    let repainted = killed.elapsed();
    assert!(
        repainted < Duration::from_secs(5),
        "repainted after {repainted:?}"
    );
    heartbeat_since(&app, killed, Duration::from_secs(15), "heartbeats again").await;
    println!(
        "killed {victims:?}; new web process {new:?}; repainted in {repainted:?} ({:?})",
        shot.metrics()
    );
    app.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_page_gets_a_new_webview_and_the_watchdog_pauses_meanwhile() {
    if !enabled() {
        return;
    }
    let world = wall_world("30s").await;
    let launch = Launch {
        tables: "\n[app]\nheartbeat_timeout = \"6s\"\n",
        ..Launch::default()
    };
    let app = App::start(world, App::display(true).await, launch).await;
    app.wait_painted(FIRST_PAINT, "first page").await;
    // READY=1 after the first painted page, then WATCHDOG=1 regularly.
    let ready = app
        .wait_for("READY=1", FIRST_PAINT, || async {
            app.notify.times_of("READY=1").first().copied()
        })
        .await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    let pings = app.notify.times_of("WATCHDOG=1");
    assert!(
        pings.len() >= 3,
        "regular WATCHDOG=1: {:?}",
        app.notify.all()
    );
    assert!(
        pings.iter().all(|at| *at >= ready),
        "no WATCHDOG=1 before READY=1"
    );
    let gaps: Vec<Duration> = pings.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(
        gaps.iter().all(|g| *g < Duration::from_secs(3)),
        "WATCHDOG=1 at least every 3 s: {gaps:?}"
    );

    let frozen = app.web_processes();
    assert!(!frozen.is_empty());
    let stopped = Instant::now();
    for pid in &frozen {
        signal(*pid, "STOP");
    }
    let recreate = "kiosk_recoveries_total{rung=\"recreate\",reason=\"frozen\"}";
    app.wait_for("the webview recreated", Duration::from_secs(20), || async {
        (app.metric(recreate).await == 1.0).then_some(())
    })
    .await;
    let recreated = Instant::now();
    // Heartbeats are every 5 s and the timeout is 6 s: from 6 s after the stop at the latest
    // the page is stale, and systemd must hear nothing until the new webview has painted.
    let stale_from = stopped + Duration::from_secs(7);
    let during: Vec<Duration> = app
        .notify
        .times_of("WATCHDOG=1")
        .into_iter()
        .filter(|at| *at > stale_from && *at < recreated)
        .map(|at| at - stopped)
        .collect();
    assert!(
        during.is_empty(),
        "WATCHDOG=1 while frozen, at {during:?} after the stop"
    );
    assert!(
        recreated - stopped < Duration::from_secs(6 + 5),
        "recreated {:?} after the stop (timeout 6 s)",
        recreated - stopped
    );

    // The new webview paints, systemd hears WATCHDOG=1 again, the stopped process is gone.
    app.wait_painted(Duration::from_secs(20), "the new webview")
        .await;
    heartbeat_since(&app, recreated, Duration::from_secs(20), "heartbeats again").await;
    app.wait_for("WATCHDOG=1 again", Duration::from_secs(10), || async {
        app.notify
            .times_of("WATCHDOG=1")
            .iter()
            .any(|at| *at > recreated)
            .then_some(())
    })
    .await;
    app.wait_for(
        "the frozen process gone",
        Duration::from_secs(10),
        || async {
            frozen
                .iter()
                .all(|pid| !std::path::Path::new(&format!("/proc/{pid}")).exists())
                .then_some(())
        },
    )
    .await;
    let now = app.web_processes();
    assert!(
        now.iter().all(|p| !frozen.contains(p)),
        "{now:?} vs {frozen:?}"
    );
    app.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_the_ladder_is_used_up_the_app_exits_non_zero_for_systemd() {
    if !enabled() {
        return;
    }
    let world = wall_world("30s").await;
    let status = world.path("exit-status");
    let launch = Launch {
        tables: "\n[app]\nheartbeat_timeout = \"4s\"\nmax_recreates_per_hour = 0\n",
        keep_status: Some(&status),
        ..Launch::default()
    };
    let app = App::start(world, App::display(true).await, launch).await;
    app.wait_painted(FIRST_PAINT, "first page").await;
    app.wait_for("READY=1", FIRST_PAINT, || async {
        (!app.notify.times_of("READY=1").is_empty()).then_some(())
    })
    .await;
    let stopped = Instant::now();
    for pid in app.web_processes() {
        signal(pid, "STOP");
    }
    let code = app
        .wait_for("the app's exit", Duration::from_secs(20), || async {
            std::fs::read_to_string(&status).ok()
        })
        .await;
    let exited = stopped.elapsed();
    assert_ne!(code.trim(), "0", "exit status");
    assert!(
        exited < Duration::from_secs(4 + 5 + 3),
        "exited {exited:?} after the stop"
    );
    assert!(
        app.notify.all().iter().any(|m| m.contains("STOPPING=1")),
        "systemd is told why: {:?}",
        app.notify.all()
    );
    assert!(
        app.log_contains("cannot heal the wallboard"),
        "{}",
        app.log_tail(10)
    );
    app.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_web_process_above_the_memory_limit_gets_a_new_webview() {
    if !enabled() {
        return;
    }
    let world = wall_world("30s").await;
    // Any real web process is above 1 MiB.
    let launch = Launch {
        tables: "\n[app]\nmemory_limit = 1048576\nmax_recreates_per_hour = 1\n",
        ..Launch::default()
    };
    let app = App::start(world, App::display(true).await, launch).await;
    app.wait_painted(FIRST_PAINT, "first page").await;
    let first = app.web_processes();
    app.wait_for(
        "a recreation for memory",
        Duration::from_secs(25),
        || async {
            let n = app
                .metric("kiosk_recoveries_total{rung=\"recreate\",reason=\"memory\"}")
                .await;
            (n == 1.0).then_some(())
        },
    )
    .await;
    app.wait_for(
        "the old web process gone",
        Duration::from_secs(10),
        || async {
            first
                .iter()
                .all(|pid| !std::path::Path::new(&format!("/proc/{pid}")).exists())
                .then_some(())
        },
    )
    .await;
    app.wait_painted(Duration::from_secs(20), "the new webview")
        .await;
    app.close().await;
}

/// Grafana down at first boot, nothing cached: the designed "waiting for Grafana" screen is what
/// the wall should show, so systemd hears READY=1 and WATCHDOG=1 and the ladder stays put
/// (restarting would not bring Grafana back).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiting_for_grafana_is_a_healthy_wall() {
    if !enabled() {
        return;
    }
    let world = wall_world("30s").await;
    let launch = Launch {
        tables: "\n[app]\nheartbeat_timeout = \"6s\"\n",
        // Nothing listens on the discard port.
        grafana_url: Some("http://127.0.0.1:9"),
        ..Launch::default()
    };
    let app = App::start(world, App::display(true).await, launch).await;
    let ready = app
        .wait_for("READY=1", Duration::from_secs(30), || async {
            app.notify.times_of("READY=1").first().copied()
        })
        .await;
    // Well past the first-paint allowance of a webview (60 s would be the ladder's limit for
    // a page that never reports; heartbeats keep it quiet): 20 s is three heartbeat timeouts.
    tokio::time::sleep(Duration::from_secs(20)).await;
    let pings = app.notify.times_of("WATCHDOG=1");
    assert!(
        pings.len() >= 10,
        "WATCHDOG=1 while waiting: {:?}",
        app.notify.all()
    );
    assert!(pings.iter().all(|at| *at >= ready));
    let metrics = app.metrics().await;
    assert!(!metrics.contains("kiosk_recoveries_total{"), "{metrics}");
    assert!(
        metrics.contains("kiosk_state{state=\"offline\"} 1"),
        "{metrics}"
    );
    app.close().await;
}
