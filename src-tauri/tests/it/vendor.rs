//! The pinned grafana.com dashboards: lock, cache, hash verification.

use crate::support::World;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lock_records_a_sha256_per_revision() {
    let world = World::with_product_set().await;
    let lock = std::fs::read_to_string(world.dashboards().join("vendor.lock")).unwrap();
    assert_eq!(lock.matches("[[dashboard]]").count(), 4, "{lock}");
    assert!(
        lock.contains("id = 1860\nrevision = 42\nsha256 = \""),
        "{lock}"
    );
    assert!(world.cache().join("grafana.com/1860-r42.json").is_file());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_revision_is_a_hard_error_naming_the_dashboard() {
    let world = World::with_product_set().await;
    let cached = world.cache().join("grafana.com/12239-r2.json");
    let mut bytes = std::fs::read(&cached).unwrap();
    bytes.extend_from_slice(b"\n ");
    std::fs::write(&cached, bytes).unwrap();
    let run = world.kiosk(&["sync-dashboards"]).await;
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("sha256 mismatch"), "{}", run.stderr);
    assert!(
        run.stderr.contains("12239") && run.stderr.contains("nvidia-dcgm"),
        "{}",
        run.stderr
    );
    assert_eq!(world.sim.writes(), vec![], "nothing half-written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_download_that_differs_from_the_lock_is_refused() {
    let world = World::with_product_set().await;
    let lock_path = world.dashboards().join("vendor.lock");
    let lock = std::fs::read_to_string(&lock_path).unwrap();
    let start = lock.find("sha256 = \"").unwrap() + 10;
    let mut tampered = lock.clone();
    tampered.replace_range(start..start + 8, "00000000");
    std::fs::write(&lock_path, tampered).unwrap();
    std::fs::remove_dir_all(world.cache()).unwrap();

    let run = world.kiosk(&["sync-dashboards"]).await;
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("sha256 mismatch"), "{}", run.stderr);
    assert!(
        run.stderr.contains("/download"),
        "names the URL: {}",
        run.stderr
    );
    let relock = world.kiosk(&["vendor", "lock"]).await;
    assert_eq!(
        relock.code, 2,
        "relocking does not paper over it: {relock:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cached_vendor_dashboards_sync_with_grafana_com_unreachable() {
    let world = World::with_product_set().await;
    world.catalog.stop().await;
    let run = world.kiosk(&["sync-dashboards"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(world.sim.dashboards().len(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_uncached_revision_with_grafana_com_down_exits_4() {
    let world = World::with_product_set().await;
    std::fs::remove_dir_all(world.cache()).unwrap();
    world.catalog.stop().await;
    let run = world.kiosk(&["sync-dashboards"]).await;
    assert_eq!(run.code, 4, "{run:?}");
    assert!(
        run.stderr.contains("not cached and cannot be downloaded"),
        "{}",
        run.stderr
    );
    assert_eq!(world.sim.writes(), vec![]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unlocked_revision_asks_for_kiosk_vendor_lock() {
    let world = World::new().await;
    world.copy_in(&crate::support::fixture("vendor/vendor.toml"));
    let run = world.kiosk(&["sync-dashboards"]).await;
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("run `kiosk vendor lock`"),
        "{}",
        run.stderr
    );
}
