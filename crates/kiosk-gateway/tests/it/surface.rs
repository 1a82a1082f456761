//! The gateway's own surface: binding rules, shell files, state and plan JSON, SSE, reports
//! and metrics.

use std::time::Duration;

use kiosk_display::{Page, Plan};
use kiosk_gateway::{Error, Gateway, Status};
use kiosk_tests::grafana_sim::{GrafanaSim, SimConfig};
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE};
use serde_json::{Value, json};

use crate::support::{PATIENCE, TOKEN, options, start, with_token};

#[tokio::test]
async fn non_loopback_addresses_are_refused_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let config = with_token("http://127.0.0.1:9", TOKEN);
    for addr in ["0.0.0.0:0", "192.0.2.1:0", "[::]:0"] {
        let refused =
            Gateway::bind(addr.parse().unwrap(), options(config.clone(), dir.path())).await;
        assert!(
            matches!(refused, Err(Error::NotLoopback { .. })),
            "{addr}: {:?}",
            refused.err()
        );
    }
    let err = Gateway::bind(
        "0.0.0.0:0".parse().unwrap(),
        options(config.clone(), dir.path()),
    )
    .await
    .err()
    .unwrap();
    assert!(err.to_string().contains("allow_remote"), "{err}");
    // Allowed on loopback, and with allow_remote the check is skipped (loopback again: tests
    // bind nothing else).
    let mut allowed = options(config, dir.path());
    allowed.allow_remote = true;
    let gateway = Gateway::bind("127.0.0.1:0".parse().unwrap(), allowed)
        .await
        .unwrap();
    assert!(gateway.local_addr().ip().is_loopback());
}

#[tokio::test]
async fn shell_files_state_and_plan() {
    let sim = GrafanaSim::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let gateway = start(with_token(&sim.url(), TOKEN), dir.path()).await;
    let browser = gateway.browser().await;

    let shell = browser.document("/__kiosk/").send().await.unwrap();
    assert_eq!(shell.status(), 200);
    assert_eq!(shell.headers()[CACHE_CONTROL], "no-store");
    assert!(
        shell.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let index =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../ui/index.html"))
            .unwrap();
    assert_eq!(shell.text().await.unwrap(), index);

    let agent = browser.get("/__kiosk/ui/agent.js").send().await.unwrap();
    assert_eq!(agent.status(), 200);
    assert_eq!(agent.headers()[CACHE_CONTROL], "no-cache");
    assert!(
        agent.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    for missing in [
        "/__kiosk/ui/nope.js",
        "/__kiosk/ui/..%2FCargo.toml",
        "/__kiosk/ui/%2E%2E/Cargo.toml",
    ] {
        let answer = browser.get(missing).send().await.unwrap();
        assert_eq!(answer.status(), 404, "{missing}");
    }
    let unknown = browser.get("/__kiosk/nothing-here").send().await.unwrap();
    assert_eq!(unknown.status(), 404, "not proxied to Grafana");

    gateway.wait_for(Status::Online).await;
    let state = browser.get("/__kiosk/api/state").send().await.unwrap();
    assert_eq!(state.headers()[CACHE_CONTROL], "no-store");
    let state: Value = state.json().await.unwrap();
    assert_eq!(state["state"], "online");
    assert_eq!(state["reason"], Value::Null);
    assert_eq!(state["grafana"], format!("{}/", sim.url()));
    assert_eq!(state["grafana_version"], "11.6.0");
    assert_eq!(state["version"], env!("CARGO_PKG_VERSION"));
    for key in ["since", "last_live", "cache_bytes"] {
        assert!(state.get(key).is_some(), "{key} in {state}");
    }

    let plan = sample_plan("fleet-overview");
    gateway.handle.plan().send_replace(plan.clone());
    let served: Plan = browser
        .get("/__kiosk/api/plan")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(served, plan);
    gateway.stop().await;
}

fn sample_plan(id: &str) -> Plan {
    Plan {
        source: "config".into(),
        pause_resume_ms: 120_000,
        pages: vec![Page {
            id: id.into(),
            title: "Fleet Overview".into(),
            url: format!("/d/{id}?kiosk"),
            dwell_ms: 60_000,
            windows: vec![],
        }],
    }
}

/// Reads SSE text until `needle` shows up (bounded).
async fn read_until(response: &mut reqwest::Response, buffer: &mut String, needle: &str) {
    tokio::time::timeout(PATIENCE, async {
        while !buffer.contains(needle) {
            let chunk = response.chunk().await.unwrap().expect("stream still open");
            buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {needle:?} in {buffer:?}"));
}

#[tokio::test]
async fn events_send_state_and_plan_on_connect_and_on_change() {
    let sim = GrafanaSim::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let gateway = start(with_token(&sim.url(), TOKEN), dir.path()).await;
    gateway.wait_for(Status::Online).await;
    let browser = gateway.browser().await;

    let mut events = browser.get("/__kiosk/events").send().await.unwrap();
    assert!(
        events.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let mut text = String::new();
    read_until(&mut events, &mut text, "event: plan").await;
    assert!(
        text.contains("event: state\ndata: {\"state\":\"online\""),
        "{text}"
    );

    text.clear();
    gateway.handle.plan().send_replace(sample_plan("gpu-board"));
    read_until(&mut events, &mut text, "gpu-board").await;
    assert!(text.contains("event: plan"), "{text}");

    text.clear();
    sim.stop().await;
    read_until(&mut events, &mut text, "\"state\":\"offline\"").await;
    assert!(text.contains("connection refused"), "{text}");

    // An open event stream does not hold up shutdown.
    gateway.stop().await;
}

#[tokio::test]
async fn reports_feed_the_metrics() {
    let sim = GrafanaSim::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let gateway = start(with_token(&sim.url(), TOKEN), dir.path()).await;
    let browser = gateway.browser().await;
    assert_eq!(gateway.handle.heartbeat_age(), None);

    let reports = [
        json!({"type": "swap", "page": "fleet-overview", "wait_ms": 840}),
        json!({"type": "heartbeat", "page": "fleet-overview", "painted_at": 1_764_000_000_123_u64}),
        json!({"type": "problem", "page": "fleet-overview", "kind": "login", "detail": "login page"}),
        json!({"type": "something-newer"}),
    ];
    for report in reports {
        let answer = browser
            .post("/__kiosk/api/report")
            .json(&report)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 204, "{report}");
    }
    // sendBeacon posts text/plain.
    let beacon = browser
        .post("/__kiosk/api/report")
        .header(CONTENT_TYPE, "text/plain;charset=UTF-8")
        .body(r#"{"type":"heartbeat","page":"fleet-overview","painted_at":1}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(beacon.status(), 204);
    let garbage = browser
        .post("/__kiosk/api/report")
        .body("nope")
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status(), 400);
    assert!(gateway.handle.heartbeat_age().unwrap() < Duration::from_secs(5));

    let metrics = browser.get("/__kiosk/metrics").send().await.unwrap();
    assert_eq!(metrics.status(), 200);
    let text = metrics.text().await.unwrap();
    for name in [
        "kiosk_state{state=",
        "kiosk_page_info{page=\"fleet-overview\"} 1",
        "kiosk_swaps_total 1",
        "kiosk_swap_wait_seconds_bucket",
        "kiosk_swap_wait_seconds_sum 0.84",
        "kiosk_offline_seconds_total",
        "kiosk_cache_bytes",
        "kiosk_heartbeat_age_seconds",
        "kiosk_errors_total{kind=\"login\"} 1",
        "kiosk_proxy_requests_total{outcome=\"live\"}",
        "kiosk_proxy_requests_total{outcome=\"cached\"}",
        "kiosk_proxy_requests_total{outcome=\"failed\"}",
    ] {
        assert!(text.contains(name), "{name} missing:\n{text}");
    }
    gateway.stop().await;
}

#[tokio::test]
async fn the_metrics_listener_serves_metrics_without_a_session_and_nothing_else() {
    let sim = GrafanaSim::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    // A free loopback port for the second listener.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut opts = options(with_token(&sim.url(), TOKEN), dir.path());
    opts.metrics_listen = Some(([127, 0, 0, 1], port).into());
    let gateway = crate::support::start_with(opts).await;
    gateway.handle.count_recovery("reload", "web_process_gone");
    let http = crate::support::no_redirects();
    let metrics = http
        .get(format!("http://127.0.0.1:{port}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(metrics.status(), 200);
    let text = metrics.text().await.unwrap();
    assert!(text.contains("kiosk_state{"), "{text}");
    assert!(
        text.contains("kiosk_recoveries_total{rung=\"reload\",reason=\"web_process_gone\"} 1"),
        "{text}"
    );
    // Nothing of the gateway or of Grafana is reachable through it.
    for path in [
        "/__kiosk/",
        "/__kiosk/metrics",
        "/api/health",
        "/d/fleet-overview",
    ] {
        let response = http
            .get(format!("http://127.0.0.1:{port}{path}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{path}");
    }
    assert!(
        sim.requests().iter().all(|r| r.path != "/d/fleet-overview"),
        "the metrics listener proxied a page"
    );
    gateway.stop().await;
}
