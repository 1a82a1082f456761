//! The display schedule: inside the configured off window the app runs the off command (a
//! script here; on the Pi `wlopm`, on X11 `xset dpms`), once, and keeps the page alive.

use std::time::Duration;

use super::harness::{App, Launch, enabled};
use super::wall_world;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inside_the_off_window_the_off_command_runs_once() {
    if !enabled() {
        return;
    }
    let world = wall_world("30s").await;
    let log = world.path("screen.log");
    // The app runs with TZ=UTC: a window from one minute ago to an hour from now.
    let now = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC);
    let at = |minutes: i64| {
        let t = now.checked_add(jiff::Span::new().minutes(minutes)).unwrap();
        format!("{:02}:{:02}", t.hour(), t.minute())
    };
    let tables = format!(
        "\n[screen]\noff_at = \"{}\"\non_at = \"{}\"\noff_command = \"echo off >> '{}'\"\non_command = \"echo on >> '{}'\"\n",
        at(-1),
        at(60),
        log.display(),
        log.display()
    );
    let app = App::start(
        world,
        App::display(true).await,
        Launch {
            tables: &tables,
            ..Launch::default()
        },
    )
    .await;
    app.wait_for("the off command", Duration::from_secs(10), || async {
        std::fs::read_to_string(&log).ok()
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        "off\n",
        "once, and only off"
    );
    assert!(
        app.log_contains("switching the screen"),
        "{}",
        app.log_tail(10)
    );
    app.close().await;
}
