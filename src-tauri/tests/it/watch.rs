//! `kiosk sync-dashboards --watch` re-syncs when a dashboard file changes.

use std::time::Duration;

use serde_json::json;

use crate::support::{World, eventually};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_resyncs_after_a_file_changes() {
    let world = World::with_product_set().await;
    let mut child = world
        .command(&["sync-dashboards", "--watch"])
        .spawn()
        .expect("kiosk starts");
    assert!(
        eventually(Duration::from_secs(15), || world.sim.dashboards().len()
            == 5)
        .await,
        "first sync happened"
    );
    // Let the watcher settle before the edit.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut ours = world.read_dashboard("fleet-overview.json");
    ours["title"] = json!("Fleet Overview (watched)");
    world.write_dashboard("fleet-overview.json", &ours);
    let synced = eventually(Duration::from_secs(15), || {
        world.sim.dashboard("fleet-overview").unwrap().json["title"] == "Fleet Overview (watched)"
    })
    .await;
    child.start_kill().ok();
    let _ = tokio::time::timeout(Duration::from_secs(5), child.wait()).await;
    assert!(synced, "the change reached Grafana");
}
