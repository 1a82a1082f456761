//! Faults Grafana throws at a sync: revoked token, Grafana down, 500s, bad input.

use std::time::Duration;

use crate::support::{TOKEN, World, fixture};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_token_exits_3_and_says_so() {
    let world = World::with_product_set().await;
    world.sim.revoke_token(TOKEN);
    let run = world.kiosk(&["sync-dashboards"]).await;
    assert_eq!(run.code, 3, "{run:?}");
    assert!(
        run.stderr.contains("rejected the credentials (401)"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("revoked"), "{}", run.stderr);
    assert!(
        !run.stderr.contains(TOKEN) && !run.stdout.contains(TOKEN),
        "the token never shows"
    );
    assert_eq!(world.sim.writes(), vec![]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grafana_down_exits_4() {
    let world = World::with_product_set().await;
    world.sim.stop().await;
    let run = world.kiosk(&["sync-dashboards"]).await;
    assert_eq!(run.code, 4, "{run:?}");
    assert!(
        run.stderr.contains("cannot reach Grafana at"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&world.sim.url()),
        "names the URL: {}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unhealthy_grafana_exits_4() {
    let world = World::with_product_set().await;
    world.sim.set_database_failing(true);
    let run = world.kiosk(&["sync-dashboards"]).await;
    assert_eq!(run.code, 4, "{run:?}");
    assert!(run.stderr.contains("503"), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_500s_are_retried_and_succeed() {
    let world = World::with_product_set().await;
    world.sim.fail_next(3, 500);
    let run = world.kiosk(&["sync-dashboards"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("5 created"), "{}", run.stdout);
    assert_eq!(world.sim.dashboards().len(), 5);
    let failed = world
        .sim
        .requests()
        .iter()
        .filter(|r| r.status == 500)
        .count();
    assert_eq!(failed, 3, "the faults really happened");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_grafana_times_out_and_exits_4() {
    let world = World::with_product_set().await;
    world.write_config("");
    world.sim.set_latency(Duration::from_secs(5));
    let run = world.kiosk(&["sync-dashboards"]).await;
    assert_eq!(run.code, 4, "{run:?}");
    assert!(run.stderr.contains("timed out"), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_dashboard_json_names_file_line_column_and_writes_nothing() {
    let world = World::with_product_set().await;
    world.copy_in(&fixture("dashboards/malformed.json"));
    let run = world.kiosk(&["sync-dashboards"]).await;
    assert_eq!(run.code, 2, "{run:?}");
    let expected = format!("{}:7:", world.dashboards().join("malformed.json").display());
    assert!(
        run.stderr.contains(&expected),
        "wanted {expected} in: {}",
        run.stderr
    );
    assert_eq!(
        world.sim.requests().len(),
        0,
        "nothing was even sent to Grafana"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unresolvable_datasource_input_is_refused_before_any_write() {
    let world = World::new().await;
    world.write_dashboard(
        "bad.json",
        &serde_json::json!({
            "uid": "bad", "title": "Bad",
            "panels": [{"type": "timeseries", "title": "p",
                        "datasource": "${DS_NOWHERE}", "targets": [{"expr": "up"}]}]
        }),
    );
    let run = world.kiosk(&["sync-dashboards"]).await;
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("DS_NOWHERE"), "{}", run.stderr);
    assert!(run.stderr.contains("bad.json"), "{}", run.stderr);
    assert_eq!(world.sim.writes(), vec![]);
}
