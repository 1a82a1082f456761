//! Nothing passes the gateway without the session a one-time secret opens.

use kiosk_tests::grafana_sim::{GrafanaSim, SimConfig};
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};

use crate::support::{TOKEN, no_redirects, start, with_token};

#[tokio::test]
async fn requests_without_the_session_cookie_get_403_and_reach_nothing() {
    let sim = GrafanaSim::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let gateway = start(with_token(&sim.url(), TOKEN), dir.path()).await;
    let http = no_redirects();
    let paths = [
        "/api/search",
        "/api/dashboards/uid/fleet-overview",
        "/d/fleet-overview",
        "/public/build/app.js",
        "/__kiosk/",
        "/__kiosk/api/state",
        "/__kiosk/api/plan",
        "/__kiosk/events",
        "/__kiosk/metrics",
        "/__kiosk/waiting",
        "/__kiosk/ui/agent.js",
    ];
    for cookie in [
        None,
        Some("kiosk_session=forged"),
        Some("grafana_session=x"),
    ] {
        for path in paths {
            let mut request = http.get(gateway.url(path));
            if let Some(cookie) = cookie {
                request = request.header(COOKIE, cookie);
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 403, "{path} with {cookie:?}");
            assert!(
                response.headers()[CONTENT_TYPE]
                    .to_str()
                    .unwrap()
                    .starts_with("text/plain")
            );
            assert_eq!(response.text().await.unwrap(), "kiosk: no session");
        }
    }
    let posted = http
        .post(gateway.url("/api/ds/query"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 403);

    let reached: Vec<_> = sim
        .requests()
        .into_iter()
        .filter(|r| r.path != "/api/health")
        .collect();
    assert!(reached.is_empty(), "proxied without a session: {reached:?}");
    gateway.stop().await;
}

#[tokio::test]
async fn the_secret_opens_one_session_once() {
    let sim = GrafanaSim::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let gateway = start(with_token(&sim.url(), TOKEN), dir.path()).await;
    let http = no_redirects();

    let url = gateway.handle.shell_url();
    assert!(url.starts_with(&format!(
        "http://127.0.0.1:{}/__kiosk/?session=",
        gateway.addr.port()
    )));
    let first = http.get(&url).send().await.unwrap();
    assert_eq!(first.status(), 303);
    assert_eq!(first.headers()[LOCATION], "/__kiosk/");
    let set_cookie = first.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(set_cookie.starts_with("kiosk_session="), "{set_cookie}");
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Strict"), "{set_cookie}");
    assert!(set_cookie.contains("Path=/"), "{set_cookie}");
    let secret = url.split("session=").nth(1).unwrap();
    assert!(!set_cookie.contains(secret), "the cookie is not the secret");

    let again = http.get(&url).send().await.unwrap();
    assert_eq!(again.status(), 403, "a secret works once");
    assert!(again.headers().get(SET_COOKIE).is_none());
    let made_up = http
        .get(gateway.url("/__kiosk/?session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"))
        .send()
        .await
        .unwrap();
    assert_eq!(made_up.status(), 403);

    let cookie = set_cookie.split(';').next().unwrap();
    let state = http
        .get(gateway.url("/__kiosk/api/state"))
        .header(COOKIE, cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(state.status(), 200, "the cookie opens the gateway");
    let proxied = http
        .get(gateway.url("/api/search"))
        .header(COOKIE, format!("grafana_session=g; {cookie}"))
        .send()
        .await
        .unwrap();
    assert_eq!(proxied.status(), 200, "among other cookies too");

    // Each shell URL is a new secret; both stay usable once.
    let a = gateway.handle.shell_url();
    let b = gateway.handle.shell_url();
    assert_ne!(a, b);
    assert_eq!(http.get(&b).send().await.unwrap().status(), 303);
    assert_eq!(http.get(&a).send().await.unwrap().status(), 303);
    gateway.stop().await;
}
