//! Health states and offline replay against the simulator stopped, restarted, failing its
//! database, and revoking the token.

use std::time::{Duration, Instant};

use kiosk_gateway::Status;
use kiosk_tests::grafana_sim::{GrafanaSim, SimConfig};
use reqwest::header::{CACHE_CONTROL, LOCATION};
use serde_json::Value;

use crate::support::{Browser, TOKEN, panel_query, start, with_token};

const SEARCH: &str = "/api/search?query=fleet";
const QUERY: &str = "/api/ds/query?ds_type=prometheus&requestId=SQR101";

/// A live search and a live panel query; returns their bodies.
async fn warm(browser: &Browser) -> (String, String) {
    let search = browser.get(SEARCH).send().await.unwrap();
    assert_eq!(search.status(), 200);
    assert!(search.headers().get("x-kiosk-offline").is_none(), "live");
    let search = search.text().await.unwrap();
    let query = browser
        .post(QUERY)
        .json(&panel_query("now-6h", "now"))
        .send()
        .await
        .unwrap();
    assert_eq!(query.status(), 200);
    assert!(query.headers().get("x-kiosk-offline").is_none(), "live");
    (search, query.text().await.unwrap())
}

/// The same search and the same panel query for another time range, answered from the cache.
async fn assert_replayed(browser: &Browser, search: &str, query: &str) {
    let again = browser.get(SEARCH).send().await.unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(again.headers()["x-kiosk-offline"], "1");
    let age: u64 = again.headers()["x-kiosk-cache-age"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(age < 60, "age {age}");
    assert_eq!(again.text().await.unwrap(), search);

    let later = browser
        .post("/api/ds/query?ds_type=prometheus&requestId=SQR202")
        .json(&panel_query("now-3h", "now-1m"))
        .send()
        .await
        .unwrap();
    assert_eq!(later.status(), 200);
    assert_eq!(later.headers()["x-kiosk-offline"], "1");
    assert!(later.headers().contains_key("x-kiosk-cache-age"));
    assert_eq!(later.text().await.unwrap(), query);
}

#[tokio::test]
async fn grafana_down_serves_the_last_answers_and_then_the_waiting_page() {
    let sim = GrafanaSim::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let gateway = start(with_token(&sim.url(), TOKEN), dir.path()).await;
    let browser = gateway.browser().await;
    gateway.wait_for(Status::Online).await;
    let (search, query) = warm(&browser).await;
    let live = gateway.state();
    assert!(live.last_live.is_some(), "a live query answer was seen");
    assert!(live.cache_bytes > 0);

    sim.stop().await;
    // Served from the cache before the health check has even noticed, and after.
    assert_replayed(&browser, &search, &query).await;
    let offline = gateway.wait_for(Status::Offline).await;
    assert_eq!(
        offline.last_live, live.last_live,
        "replays are not live data"
    );
    assert_replayed(&browser, &search, &query).await;

    // Nothing cached: a page load goes to the waiting page, anything else gets a 503.
    let page = browser
        .document("/d/never-seen?kiosk")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 302);
    let location = page.headers()[LOCATION].to_str().unwrap();
    assert!(location.starts_with("/__kiosk/waiting"), "{location}");
    let waiting = browser.document(location).send().await.unwrap();
    assert_eq!(waiting.status(), 200);
    let html = waiting.text().await.unwrap();
    assert!(html.contains("Waiting for Grafana at"));
    assert!(html.contains(&sim.url()));
    assert!(html.contains("retrying"));

    let api = browser
        .get("/api/dashboards/uid/never-seen")
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 503);
    assert_eq!(api.headers()[CACHE_CONTROL], "no-store");
    let body: Value = api.json().await.unwrap();
    assert_eq!(
        body["message"],
        "kiosk: Grafana unreachable and nothing cached"
    );

    let metrics = gateway.handle.metrics_text();
    assert!(
        metrics.contains("kiosk_state{state=\"offline\"} 1"),
        "{metrics}"
    );
    assert!(!metrics.contains("kiosk_proxy_requests_total{outcome=\"cached\"} 0"));
    assert!(!metrics.contains("kiosk_proxy_requests_total{outcome=\"failed\"} 0"));
    gateway.stop().await;
}

#[tokio::test]
async fn state_goes_offline_when_grafana_stops_and_online_when_it_returns() {
    let sim = GrafanaSim::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let gateway = start(with_token(&sim.url(), TOKEN), dir.path()).await;
    let online = gateway.wait_for(Status::Online).await;
    assert_eq!(online.reason, None);
    assert_eq!(online.grafana, format!("{}/", sim.url()));
    assert_eq!(online.grafana_version.as_deref(), Some("11.6.0"));

    sim.stop().await;
    let stopped = Instant::now();
    let offline = gateway.wait_for(Status::Offline).await;
    assert!(
        stopped.elapsed() < Duration::from_secs(3),
        "noticed within a few 200 ms intervals, took {:?}",
        stopped.elapsed()
    );
    assert_eq!(offline.reason.as_deref(), Some("connection refused"));
    assert!(offline.since >= online.since);

    sim.restart().await.unwrap();
    let back = gateway.wait_for(Status::Online).await;
    assert_eq!(back.reason, None);
    let metrics = gateway.handle.metrics_text();
    assert!(metrics.contains("kiosk_offline_seconds_total"), "{metrics}");
    gateway.stop().await;
}

#[tokio::test]
async fn a_failing_database_degrades_then_goes_offline() {
    let sim = GrafanaSim::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let gateway = start(with_token(&sim.url(), TOKEN), dir.path()).await;
    gateway.wait_for(Status::Online).await;
    sim.set_database_failing(true);
    let degraded = gateway.wait_for(Status::Degraded).await;
    assert_eq!(
        degraded.reason.as_deref(),
        Some("HTTP 503 from /api/health")
    );
    let offline = gateway.wait_for(Status::Offline).await;
    assert_eq!(offline.reason.as_deref(), Some("HTTP 503 from /api/health"));
    sim.set_database_failing(false);
    gateway.wait_for(Status::Online).await;
    gateway.stop().await;
}

/// Regression: Grafana answers a page load with a revoked token by redirecting to `/login`;
/// the gateway passed that through, so the wall stopped rotating and the state said online.
#[tokio::test]
async fn a_login_redirect_with_a_revoked_token_is_an_auth_problem_and_the_page_is_replayed() {
    let sim = GrafanaSim::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let gateway = start(with_token(&sim.url(), TOKEN), dir.path()).await;
    let browser = gateway.browser().await;
    gateway.wait_for(Status::Online).await;
    let page = "/d/some-board?kiosk";
    let live = browser
        .get(page)
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), 200);
    let live = live.text().await.unwrap();

    sim.revoke_token(TOKEN);
    let replayed = browser
        .get(page)
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(
        replayed.status(),
        200,
        "the last good page, not the login redirect"
    );
    assert_eq!(replayed.headers()["x-kiosk-offline"], "1");
    assert_eq!(replayed.text().await.unwrap(), live);
    let degraded = gateway.wait_for(Status::Degraded).await;
    assert!(degraded.reason.unwrap().contains("login"));

    sim.restore_token(TOKEN);
    gateway.wait_for(Status::Online).await;
    gateway.stop().await;
}

#[tokio::test]
async fn a_revoked_token_degrades_and_keeps_the_last_data_drawn() {
    let sim = GrafanaSim::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let gateway = start(with_token(&sim.url(), TOKEN), dir.path()).await;
    let browser = gateway.browser().await;
    gateway.wait_for(Status::Online).await;
    let (search, query) = warm(&browser).await;

    sim.revoke_token(TOKEN);
    assert_replayed(&browser, &search, &query).await;
    let degraded = gateway.wait_for(Status::Degraded).await;
    let reason = degraded.reason.unwrap();
    assert!(reason.contains("401"), "{reason}");
    assert!(reason.contains("token"), "{reason}");
    // Health answers without credentials; that does not make the token good again.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(gateway.state().state, Status::Degraded);

    // Nothing cached for this one: Grafana's 401 goes through.
    let uncached = browser.get("/api/search?query=other").send().await.unwrap();
    assert_eq!(uncached.status(), 401);

    sim.restore_token(TOKEN);
    gateway.wait_for(Status::Online).await;
    gateway.stop().await;
}

#[tokio::test]
async fn the_cache_survives_a_gateway_restart() {
    let sim = GrafanaSim::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let first = start(with_token(&sim.url(), TOKEN), dir.path()).await;
    let browser = first.browser().await;
    first.wait_for(Status::Online).await;
    let (search, query) = warm(&browser).await;
    first.stop().await;
    assert!(
        dir.path().join("gateway").is_dir(),
        "stored under <cache_dir>/gateway"
    );

    sim.stop().await;
    let second = start(with_token(&sim.url(), TOKEN), dir.path()).await;
    let browser = second.browser().await;
    assert!(second.state().cache_bytes > 0);
    assert_eq!(
        second.state().last_live,
        None,
        "nothing live, nothing shown yet"
    );
    assert_replayed(&browser, &search, &query).await;
    // Regression: the badge said "no live data yet" while the wall showed cached data.
    assert!(
        second.state().last_live.is_some(),
        "the replayed answer dates the data on screen"
    );
    second.wait_for(Status::Offline).await;
    assert_replayed(&browser, &search, &query).await;
    second.stop().await;
}

#[tokio::test]
async fn a_grafana_error_is_answered_from_the_cache() {
    let sim = GrafanaSim::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let gateway = start(with_token(&sim.url(), TOKEN), dir.path()).await;
    let browser = gateway.browser().await;
    gateway.wait_for(Status::Online).await;
    let (search, _) = warm(&browser).await;

    // The health poller may take some of these; the search right after gets one.
    sim.fail_next(3, 500);
    let failed = browser.get(SEARCH).send().await.unwrap();
    assert_eq!(failed.status(), 200);
    assert_eq!(failed.headers()["x-kiosk-offline"], "1");
    assert_eq!(failed.text().await.unwrap(), search);
    gateway.wait_for(Status::Online).await;
    gateway.stop().await;
}

#[tokio::test]
async fn slow_health_answers_degrade() {
    let sim = GrafanaSim::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let gateway = start(with_token(&sim.url(), TOKEN), dir.path()).await;
    gateway.wait_for(Status::Online).await;
    // With a 200 ms interval a check may take 1 s and counts as slow after 0.5 s.
    sim.set_latency(Duration::from_millis(700));
    let degraded = gateway.wait_for(Status::Degraded).await;
    let reason = degraded.reason.unwrap();
    assert!(
        reason.starts_with("slow: /api/health answered in"),
        "{reason}"
    );
    sim.set_latency(Duration::ZERO);
    gateway.wait_for(Status::Online).await;
    gateway.stop().await;
}
