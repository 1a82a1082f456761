//! `kiosk sync-dashboards` against the simulated Grafana: idempotence, dry runs, conflicts,
//! prune, and Grafana's special cases.

use kiosk_tests::grafana_sim::Origin;
use serde_json::json;

use crate::support::{DS_UID, World};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_sync_writes_nothing() {
    let world = World::with_product_set().await;

    let first = world.kiosk(&["sync-dashboards"]).await;
    assert_eq!(first.code, 0, "{first:?}");
    assert!(
        first
            .stdout
            .contains("5 dashboards: 5 created, 0 updated, 0 unchanged"),
        "{}",
        first.stdout
    );
    assert!(!world.sim.writes().is_empty());

    world.sim.clear_writes();
    let second = world.kiosk(&["sync-dashboards"]).await;
    assert_eq!(second.code, 0, "{second:?}");
    assert_eq!(world.sim.writes(), vec![], "a second sync must not write");
    assert!(
        second
            .stdout
            .contains("5 dashboards: 0 created, 0 updated, 5 unchanged"),
        "{}",
        second.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_writes_nothing_and_shows_a_diff() {
    let world = World::with_product_set().await;

    let plan = world.kiosk(&["sync-dashboards", "--dry-run"]).await;
    assert_eq!(plan.code, 0, "{plan:?}");
    assert_eq!(world.sim.writes(), vec![]);
    assert!(plan.stdout.contains("would create"), "{}", plan.stdout);
    assert!(world.sim.dashboards().is_empty());

    assert_eq!(world.kiosk(&["sync-dashboards"]).await.code, 0);
    let mut ours = world.read_dashboard("fleet-overview.json");
    ours["title"] = json!("Fleet Overview (renamed)");
    world.write_dashboard("fleet-overview.json", &ours);
    world.sim.clear_writes();

    let plan = world.kiosk(&["sync-dashboards", "--dry-run"]).await;
    assert_eq!(plan.code, 0, "{plan:?}");
    assert_eq!(world.sim.writes(), vec![]);
    assert!(plan.stdout.contains("would update"), "{}", plan.stdout);
    assert!(
        plan.stdout
            .contains(r#"+  "title": "Fleet Overview (renamed)","#),
        "the diff shows the new title:\n{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains(r#"-  "title": "Fleet Overview","#),
        "{}",
        plan.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_source_is_updated_in_place_with_one_write() {
    let world = World::with_product_set().await;
    assert_eq!(world.kiosk(&["sync-dashboards"]).await.code, 0);
    let before = world.sim.dashboard("fleet-overview").unwrap().version;

    let mut ours = world.read_dashboard("fleet-overview.json");
    ours["refresh"] = json!("1m");
    world.write_dashboard("fleet-overview.json", &ours);
    world.sim.clear_writes();
    let run = world.kiosk(&["sync-dashboards"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    let writes = world.sim.writes();
    assert_eq!(writes.len(), 1, "{writes:?}");
    assert_eq!(writes[0].path, "/api/dashboards/db");
    let after = world.sim.dashboard("fleet-overview").unwrap();
    assert_eq!(after.version, before + 1);
    assert_eq!(after.json["refresh"], "1m");
    assert_eq!(after.folder_uid.as_deref(), Some("kiosk"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ui_edit_is_a_conflict_and_force_wins() {
    let world = World::with_product_set().await;
    assert_eq!(world.kiosk(&["sync-dashboards"]).await.code, 0);
    world
        .ui_save("fleet-overview", |d| d["title"] = json!("Edited in the UI"))
        .await;
    world.sim.clear_writes();

    let plain = world.kiosk(&["sync-dashboards"]).await;
    assert_eq!(plain.code, 1, "a conflict is a failure: {plain:?}");
    assert!(plain.stdout.contains("conflict"), "{}", plain.stdout);
    assert!(plain.stdout.contains("--force"), "{}", plain.stdout);
    assert_eq!(world.sim.writes(), vec![], "the UI edit is left alone");
    assert_eq!(world.stored("fleet-overview")["title"], "Edited in the UI");

    let forced = world.kiosk(&["sync-dashboards", "--force"]).await;
    assert_eq!(forced.code, 0, "{forced:?}");
    assert_eq!(world.stored("fleet-overview")["title"], "Fleet Overview");
    world.sim.clear_writes();
    assert_eq!(world.kiosk(&["sync-dashboards"]).await.code, 0);
    assert_eq!(world.sim.writes(), vec![], "after --force, in sync again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dashboard_kiosk_did_not_write_is_not_adopted_without_force() {
    let world = World::with_product_set().await;
    world.sim.seed_dashboard(
        json!({"uid": "fleet-overview", "title": "Someone's own", "panels": []}),
        None,
        Origin::Api,
    );
    let run = world.kiosk(&["sync-dashboards"]).await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stdout.contains("kiosk did not write it"),
        "{}",
        run.stdout
    );
    assert_eq!(world.stored("fleet-overview")["title"], "Someone's own");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prune_deletes_only_managed_dashboards() {
    let world = World::with_product_set().await;
    assert_eq!(world.kiosk(&["sync-dashboards"]).await.code, 0);
    // A user's own dashboard, and a user's edit of a managed one (still tagged).
    world.sim.seed_dashboard(
        json!({"uid": "users-own", "title": "Mine", "tags": ["ops"], "panels": []}),
        None,
        Origin::Api,
    );
    world
        .ui_save("jetson", |d| d["description"] = json!("my notes"))
        .await;
    // The manifest no longer lists the Jetson and Intel dashboards.
    let manifest = std::fs::read_to_string(world.dashboards().join("vendor.toml")).unwrap();
    let kept: String = manifest
        .split("[[dashboard]]")
        .take(3)
        .collect::<Vec<_>>()
        .join("[[dashboard]]");
    std::fs::write(world.dashboards().join("vendor.toml"), kept).unwrap();

    let without = world.kiosk(&["sync-dashboards"]).await;
    assert_eq!(without.code, 0, "{without:?}");
    assert!(
        world.sim.dashboard("intel-gpu").is_some(),
        "no prune without --prune"
    );

    let run = world.kiosk(&["sync-dashboards", "--prune"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        world.sim.dashboard("intel-gpu").is_none(),
        "unlisted managed one pruned"
    );
    assert!(world.sim.dashboard("jetson").is_some(), "edited one kept");
    assert!(
        run.stdout.contains("edited in Grafana; not pruned"),
        "{}",
        run.stdout
    );
    assert!(
        world.sim.dashboard("users-own").is_some(),
        "unmanaged one kept"
    );
    assert!(world.sim.dashboard("fleet-overview").is_some());
    let deletes: Vec<_> = world
        .sim
        .writes()
        .into_iter()
        .filter(|w| w.method == "DELETE")
        .collect();
    assert_eq!(deletes.len(), 1, "{deletes:?}");
    assert_eq!(deletes[0].path, "/api/dashboards/uid/intel-gpu");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provisioned_and_v2_dashboards_are_reported_not_clobbered() {
    let world = World::with_product_set().await;
    world.sim.seed_dashboard(
        json!({"uid": "jetson", "title": "From a file provider", "panels": []}),
        None,
        Origin::Provisioned,
    );
    world.sim.seed_dashboard(
        json!({"uid": "intel-gpu", "title": "Converted to v2", "panels": []}),
        None,
        Origin::SchemaV2,
    );
    let run = world.kiosk(&["sync-dashboards", "--output", "json"]).await;
    assert_eq!(run.code, 1, "{run:?}");
    let report = run.json();
    let entry = |uid: &str| {
        report["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["uid"] == uid && e["kind"] == "dashboard")
            .cloned()
            .unwrap()
    };
    assert_eq!(entry("jetson")["action"], "skipped");
    assert!(
        entry("jetson")["detail"]
            .as_str()
            .unwrap()
            .contains("provisioned")
    );
    assert_eq!(entry("intel-gpu")["action"], "failed");
    assert!(
        entry("intel-gpu")["detail"]
            .as_str()
            .unwrap()
            .contains("schema v2")
    );
    assert_eq!(report["counts"]["created"], 3);
    assert_eq!(world.stored("jetson")["title"], "From a file provider");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_output_reports_every_entry() {
    let world = World::with_product_set().await;
    let run = world.kiosk(&["sync-dashboards", "--output", "json"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    let report = run.json();
    assert_eq!(report["grafana_version"], "11.6.0");
    assert_eq!(report["counts"]["created"], 5);
    let kinds: Vec<_> = report["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}:{}",
                e["kind"].as_str().unwrap(),
                e["uid"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "datasource:kiosk-prometheus",
            "folder:kiosk",
            "folder:kiosk-vendor",
            "dashboard:fleet-overview",
            "dashboard:node-exporter-full",
            "dashboard:nvidia-dcgm",
            "dashboard:jetson",
            "dashboard:intel-gpu",
        ],
        "datasource and folders come before any dashboard"
    );
    assert_eq!(world.sim.datasources()[0]["uid"], DS_UID);
    assert_eq!(
        world.sim.datasources()[0]["jsonData"]["timeInterval"],
        "15s"
    );
    assert_eq!(
        world
            .sim
            .dashboard("nvidia-dcgm")
            .unwrap()
            .folder_uid
            .as_deref(),
        Some("kiosk-vendor")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn org_id_is_sent_with_every_request() {
    let world = World::with_product_set().await;
    world.write_config("org_id = 1");
    world.sim.clear_requests();
    assert_eq!(world.kiosk(&["sync-dashboards"]).await.code, 0);
    let requests = world.sim.requests();
    let api: Vec<_> = requests
        .iter()
        .filter(|r| r.path.starts_with("/api/") && r.path != "/api/health")
        .collect();
    assert!(!api.is_empty());
    assert!(
        api.iter().all(|r| r.org_id.as_deref() == Some("1")),
        "{api:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_datasource_name_taken_by_another_uid_is_a_clear_config_error() {
    let world = World::with_product_set().await;
    let http = reqwest::Client::new();
    let response = http
        .post(format!("{}/api/datasources", world.sim.url()))
        .bearer_auth(crate::support::TOKEN)
        .json(
            &json!({"name": "Prometheus", "type": "prometheus", "uid": "theirs",
                      "url": "http://127.0.0.1:9091", "access": "proxy"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    world.sim.clear_writes();
    let run = world.kiosk(&["sync-dashboards"]).await;
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains(r#"set datasource.uid = "theirs""#),
        "{}",
        run.stderr
    );
    assert!(world.sim.dashboards().is_empty(), "no dashboard written");
}

/// What an operator reads: the table after a sync, and a dry run's diff after a source change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_and_the_dry_run_diff_read_well() {
    let world = World::with_product_set().await;
    let first = world.kiosk(&["sync-dashboards"]).await;
    let mut ours = world.read_dashboard("fleet-overview.json");
    ours["refresh"] = json!("1m");
    world.write_dashboard("fleet-overview.json", &ours);
    let plan = world.kiosk(&["sync-dashboards", "--dry-run"]).await;
    insta::with_settings!({filters => vec![
        (r"http://127\.0\.0\.1:\d+/", "http://127.0.0.1:PORT/"),
        (r#""sha256": "[0-9a-f]{64}""#, r#""sha256": "SHA256""#),
    ]}, {
        insta::assert_snapshot!("first_sync", first.stdout);
        insta::assert_snapshot!("dry_run_after_edit", plan.stdout);
    });
}

/// Regression: the provenance once recorded the absolute path of a source file, so the same
/// files synced from a laptop checkout and from the Pi's /usr/share rewrote each other forever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_files_from_another_directory_write_nothing() {
    let world = World::with_product_set().await;
    assert_eq!(world.kiosk(&["sync-dashboards"]).await.code, 0);
    let elsewhere = world.path("checkout/dashboards");
    std::fs::create_dir_all(&elsewhere).unwrap();
    for entry in std::fs::read_dir(world.dashboards()).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, elsewhere.join(path.file_name().unwrap())).unwrap();
    }
    world.sim.clear_writes();
    let run = world
        .kiosk(&[
            "sync-dashboards",
            "--dashboards-dir",
            elsewhere.to_str().unwrap(),
        ])
        .await;
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(world.sim.writes(), vec![]);
}
