//! The proxy's header rules, agent injection, redirects, websocket passthrough, and that the
//! credentials never reach the browser.

use base64::Engine;
use kiosk_tests::grafana_sim::{GrafanaSim, SimConfig};
use reqwest::header::{
    AUTHORIZATION, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_SECURITY_POLICY, CONTENT_TYPE, COOKIE,
    LOCATION, ORIGIN, REFERER, SET_COOKIE,
};
use serde_json::Value;

use crate::support::{
    Browser, Running, TOKEN, grafana, panel_query, start, with_basic, with_token,
};
use crate::upstream::{PAGE, Upstream};
use crate::ws;

const AGENT: &str = r#"<script src="/__kiosk/ui/agent.js"></script>"#;

/// Everything a browser could see from the gateway in a session, as one string per answer.
async fn everything_the_browser_sees(gateway: &Running, browser: &Browser) -> Vec<String> {
    let mut seen = Vec::new();
    let gets = [
        "/api/search",
        "/api/dashboards/uid/fleet-overview",
        "/api/frontend/settings",
        "/d/fleet-overview",
        "/public/build/app.js",
        "/login",
        "/__kiosk/",
        "/__kiosk/api/state",
        "/__kiosk/api/plan",
        "/__kiosk/metrics",
        "/__kiosk/waiting",
    ];
    for path in gets {
        let response = browser.document(path).send().await.unwrap();
        seen.push(format!("{path} {:?}", response.headers()));
        seen.push(response.text().await.unwrap());
    }
    let query = browser
        .post("/api/ds/query?ds_type=prometheus&requestId=SQR1")
        .json(&panel_query("now-1h", "now"))
        .send()
        .await
        .unwrap();
    seen.push(format!("ds/query {} {:?}", query.status(), query.headers()));
    seen.push(query.text().await.unwrap());
    let events = browser.get("/__kiosk/events").send().await.unwrap();
    seen.push(format!("events {:?}", events.headers()));
    let mut events = events;
    let first = tokio::time::timeout(crate::support::PATIENCE, events.chunk())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    seen.push(String::from_utf8_lossy(&first).into_owned());
    seen.push(format!("{:?}", gateway.state()));
    seen.push(gateway.handle.metrics_text());
    seen
}

#[tokio::test]
async fn the_bearer_token_never_reaches_the_browser() {
    let sim = GrafanaSim::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let gateway = start(with_token(&sim.url(), TOKEN), dir.path()).await;
    let browser = gateway.browser().await;
    for text in everything_the_browser_sees(&gateway, &browser).await {
        assert!(!text.contains(TOKEN), "token in: {text}");
    }
    // The requests did authenticate: the simulator refuses /api/search without credentials.
    let search = sim
        .requests()
        .into_iter()
        .find(|r| r.path.starts_with("/api/search"))
        .unwrap();
    assert_eq!(search.status, 200);
    gateway.stop().await;
}

#[tokio::test]
async fn basic_credentials_never_reach_the_browser() {
    let password = "pw-Zq81-not-anywhere";
    let sim = GrafanaSim::start(SimConfig {
        basic: vec![("wall".into(), password.into())],
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let gateway = start(with_basic(&sim.url(), "wall", password), dir.path()).await;
    let browser = gateway.browser().await;
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("wall:{password}"));
    for text in everything_the_browser_sees(&gateway, &browser).await {
        assert!(!text.contains(password), "password in: {text}");
        assert!(!text.contains(&encoded), "basic header in: {text}");
    }
    let search = sim
        .requests()
        .into_iter()
        .find(|r| r.path.starts_with("/api/search"))
        .unwrap();
    assert_eq!(search.status, 200);
    gateway.stop().await;
}

#[tokio::test]
async fn headers_are_rewritten_for_grafana() {
    let upstream = Upstream::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = with_token(&upstream.url(), TOKEN);
    config.org_id = Some(3);
    let gateway = start(config, dir.path()).await;
    let browser = gateway.browser().await;
    let gateway_origin = format!("http://{}", gateway.addr);

    let response = browser
        .post("/api/dashboards/db?x=1")
        .header(ORIGIN, &gateway_origin)
        .header(REFERER, format!("{gateway_origin}/d/fleet?orgId=1"))
        .header(AUTHORIZATION, "Bearer from-the-browser")
        .header("x-grafana-org-id", "7")
        .header(COOKIE, "grafana_session=g1")
        .header("accept-encoding", "br")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let echoed: Value = response.json().await.unwrap();
    let headers = &echoed["headers"];
    assert_eq!(echoed["path"], "/api/dashboards/db?x=1");
    assert_eq!(upstream.last("/api/dashboards/db").method, "POST");
    assert_eq!(headers["host"], upstream.addr.to_string());
    assert_eq!(headers["origin"], upstream.url());
    assert_eq!(
        headers["referer"],
        format!("{}/d/fleet?orgId=1", upstream.url())
    );
    assert_eq!(
        headers["authorization"],
        format!("Bearer {TOKEN}"),
        "the browser's Authorization is replaced"
    );
    assert_eq!(headers["x-grafana-org-id"], "3");
    // The browser's cookies pass, the gateway's own does not.
    let cookie = headers["cookie"].as_str().unwrap();
    assert!(cookie.contains("grafana_session=g1"), "{cookie}");
    assert!(!cookie.contains("kiosk_session"), "{cookie}");
    assert_ne!(headers["accept-encoding"], "br");
    gateway.stop().await;
}

#[tokio::test]
async fn anonymous_config_sends_no_authorization_at_all() {
    let upstream = Upstream::start().await;
    let dir = tempfile::tempdir().unwrap();
    let gateway = start(grafana(&upstream.url()), dir.path()).await;
    let browser = gateway.browser().await;
    let echoed: Value = browser
        .get("/api/anything")
        .header(AUTHORIZATION, "Bearer from-the-browser")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(echoed["headers"].get("authorization").is_none(), "{echoed}");
    assert!(echoed["headers"].get("x-grafana-org-id").is_none());
    gateway.stop().await;
}

#[tokio::test]
async fn the_sub_path_is_kept() {
    let upstream = Upstream::start().await;
    let dir = tempfile::tempdir().unwrap();
    let gateway = start(
        with_token(&format!("{}/sub", upstream.url()), TOKEN),
        dir.path(),
    )
    .await;
    let browser = gateway.browser().await;
    let echoed: Value = browser
        .get("/api/health?x=1")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(echoed["path"], "/sub/api/health?x=1");
    // Grafana's own frontend already asks with the sub-path; it is not doubled.
    let page = browser.document("/sub/page").send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains(AGENT));
    assert_eq!(upstream.last("/sub/page").path, "/sub/page");
    gateway.stop().await;
}

#[tokio::test]
async fn html_gets_the_agent_and_loses_frame_blocking() {
    let upstream = Upstream::start().await;
    let dir = tempfile::tempdir().unwrap();
    let gateway = start(with_token(&upstream.url(), TOKEN), dir.path()).await;
    let browser = gateway.browser().await;

    for path in ["/page", "/page-gz"] {
        let response = browser.document(path).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let headers = response.headers().clone();
        assert!(headers.get("x-frame-options").is_none(), "{path}");
        assert!(headers.get(CONTENT_ENCODING).is_none(), "{path}: decoded");
        assert_eq!(
            headers[CONTENT_SECURITY_POLICY], "script-src 'self' 'unsafe-eval'; object-src 'none'",
            "{path}"
        );
        let cookies: Vec<_> = headers.get_all(SET_COOKIE).iter().collect();
        assert_eq!(cookies.len(), 1);
        assert!(
            cookies[0]
                .to_str()
                .unwrap()
                .starts_with("grafana_session=abc")
        );
        let body = response.text().await.unwrap();
        assert_eq!(
            body,
            PAGE.replace("<head>", &format!("<head>{AGENT}")),
            "{path}"
        );
        assert_eq!(
            headers[CONTENT_LENGTH].to_str().unwrap(),
            body.len().to_string(),
            "{path}: length fixed up"
        );
    }
    // Grafana was asked for gzip (and the gateway decoded it).
    let asked = upstream.last("/page-gz");
    assert_eq!(asked.headers["accept-encoding"], "gzip");

    let body = browser
        .document("/nohead")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        body,
        format!("<html><body>{AGENT}<p>no head</p></body></html>")
    );

    // Not HTML: untouched.
    let json = browser
        .get("/api/search")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!json.contains(AGENT));
    gateway.stop().await;
}

#[tokio::test]
async fn simulator_pages_are_framable_and_carry_the_agent() {
    let sim = GrafanaSim::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let gateway = start(with_token(&sim.url(), TOKEN), dir.path()).await;
    let browser = gateway.browser().await;
    let response = browser
        .document("/d/fleet-overview?kiosk")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("x-frame-options").is_none());
    assert!(
        response.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let body = response.text().await.unwrap();
    let head = body.to_ascii_lowercase().find("<head").unwrap();
    let agent = body.find(AGENT).expect("agent injected");
    assert!(agent > head, "after <head>");
    assert_eq!(body.matches(AGENT).count(), 1);
    gateway.stop().await;
}

#[tokio::test]
async fn redirects_to_grafana_become_relative_and_are_not_followed() {
    let upstream = Upstream::start().await;
    let dir = tempfile::tempdir().unwrap();
    let gateway = start(with_token(&upstream.url(), TOKEN), dir.path()).await;
    let browser = gateway.browser().await;

    let to_login = browser.document("/go-login").send().await.unwrap();
    assert_eq!(to_login.status(), 302);
    assert_eq!(to_login.headers()[LOCATION], "/login?redirectTo=%2Fd%2Fx");
    let away = browser.document("/go-away").send().await.unwrap();
    assert_eq!(away.status(), 302);
    assert_eq!(
        away.headers()[LOCATION],
        "https://example.invalid/elsewhere"
    );
    assert!(
        upstream
            .seen()
            .iter()
            .all(|s| !s.path.starts_with("/login")),
        "the gateway did not follow the redirect"
    );
    gateway.stop().await;
}

#[tokio::test]
async fn the_live_websocket_is_passed_through() {
    let upstream = Upstream::start().await;
    let dir = tempfile::tempdir().unwrap();
    let gateway = start(with_token(&upstream.url(), TOKEN), dir.path()).await;
    let browser = gateway.browser().await;
    let origin = format!("http://{}", gateway.addr);

    let (head, socket) = ws::connect(
        gateway.addr,
        "/api/live/ws",
        &[("Cookie", &browser.cookie), ("Origin", &origin)],
    )
    .await;
    let mut socket = socket.unwrap_or_else(|| panic!("not upgraded: {head}"));
    assert!(
        head.to_ascii_lowercase().contains("sec-websocket-accept"),
        "{head}"
    );
    socket.send_text("ping 1").await;
    assert_eq!(socket.recv_text().await, "echo: ping 1");
    socket.send_text("ping 2").await;
    assert_eq!(socket.recv_text().await, "echo: ping 2");

    let upgrade = upstream.last("/api/live/ws");
    assert_eq!(upgrade.headers["origin"], upstream.url().as_str());
    assert_eq!(
        upgrade.headers["authorization"],
        format!("Bearer {TOKEN}").as_str()
    );
    assert!(
        upgrade.headers.get("cookie").is_none(),
        "no gateway cookie upstream"
    );

    // Without the session: refused before anything reaches Grafana.
    let before = upstream.seen().len();
    let (head, socket) = ws::connect(gateway.addr, "/api/live/ws", &[]).await;
    assert!(head.starts_with("HTTP/1.1 403"), "{head}");
    assert!(socket.is_none());
    assert_eq!(upstream.seen().len(), before);
    drop(socket);
    gateway.stop().await;
}

#[tokio::test]
async fn the_simulators_live_websocket_answers_through_the_gateway() {
    let sim = GrafanaSim::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let gateway = start(with_token(&sim.url(), TOKEN), dir.path()).await;
    let browser = gateway.browser().await;
    let (head, socket) =
        ws::connect(gateway.addr, "/api/live/ws", &[("Cookie", &browser.cookie)]).await;
    let mut socket = socket.unwrap_or_else(|| panic!("not upgraded: {head}"));
    let hello = socket.recv_text().await;
    assert!(hello.contains("hello"), "{hello}");
    socket.send_text(r#"{"id":1}"#).await;
    assert_eq!(socket.recv_text().await, r#"{"id":1}"#);
    gateway.stop().await;
}
