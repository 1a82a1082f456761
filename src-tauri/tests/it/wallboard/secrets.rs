//! What the browser may know: never Grafana's token, never its own session cookie in script
//! reach, never the one-time secret after it was traded; and the one-time URL works once.

use std::time::Duration;

use serde_json::Value;

use super::boards;
use super::browser::{Browser, Wall, enabled};
use crate::support::TOKEN;

/// Everything script in the shell can read about itself and its frames.
const EXPOSED: &str = "
const docs = [['shell', document]];
for (const f of document.querySelectorAll('iframe')) {
  if (f.contentDocument) docs.push([f.id, f.contentDocument]);
}
return docs.map(([name, d]) => ({
  name,
  html: d.documentElement ? d.documentElement.outerHTML : '',
  cookie: d.cookie,
  href: d.location.href,
  resources: (d.defaultView ? d.defaultView.performance.getEntriesByType('resource') : []).map((e) => e.name),
}));";

fn assert_clean(exposed: &Value, secret: &str, origin: &str) {
    let docs = exposed.as_array().expect("documents");
    assert!(docs.len() >= 3, "the shell and both frames: {exposed:.300}");
    for doc in docs {
        let name = doc["name"].as_str().unwrap();
        let text = doc.to_string();
        assert!(
            !text.contains(TOKEN),
            "{name}: Grafana's token is in the browser"
        );
        assert!(
            !text.contains(secret),
            "{name}: the one-time session secret is still in reach"
        );
        let cookie = doc["cookie"].as_str().unwrap();
        assert!(
            !cookie.contains("kiosk_session"),
            "{name}: the session cookie is readable by script: {cookie:?}"
        );
        let href = doc["href"].as_str().unwrap();
        assert!(
            !href.contains("session="),
            "{name}: session in the URL: {href}"
        );
        if name == "shell" {
            assert_eq!(
                href,
                format!("{origin}/__kiosk/"),
                "the shell's URL after the 303"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_the_browser_and_the_link_works_once() {
    if !enabled() {
        return;
    }
    let world = boards::world().await;
    let pages = boards::bright_pages(3, "2s");
    boards::configure(&world, &pages, "2m");
    let wall = Wall::open(world).await;
    let secret = wall
        .url
        .split_once("session=")
        .map(|(_, s)| s.to_owned())
        .expect("the shell URL carries a session secret");
    wall.record_swaps().await;

    // After each of four swaps (every page, both frames loaded), look at everything.
    for n in 1..=4 {
        wall.wait_for("the next page", Duration::from_secs(20), |w| async move {
            (w.swaps().await.len() >= n).then_some(())
        })
        .await;
        assert_clean(&wall.js(EXPOSED).await, &secret, &wall.origin);
    }
    for api in ["state", "plan"] {
        let text = wall.api(api).await;
        assert!(text.starts_with('{'), "/__kiosk/api/{api}: {text:.200}");
        assert!(!text.contains(TOKEN), "/__kiosk/api/{api} holds the token");
    }

    // Someone else with the same link gets the refusal, not the wall.
    let other = Browser::start().await;
    other.goto(&wall.url).await;
    let seen = other
        .js("return {
               status: performance.getEntriesByType('navigation')[0].responseStatus,
               text: document.body ? document.body.innerText : '',
               shell: document.getElementById('frame-a') !== null,
             };")
        .await;
    other.close().await;
    assert_eq!(seen["status"], 403, "a second use of the link: {seen}");
    assert_eq!(
        seen["shell"], false,
        "a second use of the link shows the wall: {seen}"
    );
    assert!(
        seen["text"].as_str().unwrap().contains("kiosk:"),
        "the refusal is the gateway's: {seen}"
    );
    // The first browser is not affected.
    assert!(wall.swaps().await.len() >= 4);
    wall.ours().await.unwrap();
    wall.close().await;
}
