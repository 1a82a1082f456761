//! `/__kiosk/waiting`: the page shown instead of a browser error when Grafana cannot be reached
//! and nothing is cached. Self-contained (inline CSS and script), legible from across a room,
//! and it leaves by itself once Grafana answers.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use http::HeaderValue;
use http::header::CACHE_CONTROL;

use crate::Shared;

pub(crate) async fn page(State(shared): State<Arc<Shared>>) -> Response {
    let mut response = Html(render(shared.target.shown())).into_response();
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The page for Grafana at `grafana` (a URL without credentials).
pub(crate) fn render(grafana: &str) -> String {
    TEMPLATE.replace("{{GRAFANA}}", &escape(grafana))
}

pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `next` (set by the gateway's redirect) is followed only when it is a path on this origin.
const TEMPLATE: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Waiting for Grafana at {{GRAFANA}} — retrying</title>
<noscript><meta http-equiv="refresh" content="10"></noscript>
<style>
  :root { color-scheme: dark; }
  html, body { height: 100%; margin: 0; }
  body {
    display: flex; align-items: center; justify-content: center;
    background: radial-gradient(ellipse at 50% 38%, #1e2330 0%, #111217 68%);
    color: #e8eaf0; cursor: none; overflow: hidden;
    font-family: Inter, "Segoe UI", Roboto, "Helvetica Neue", "DejaVu Sans", Arial, sans-serif;
  }
  main { width: min(86vw, 1600px); text-align: center; }
  .beacon {
    width: 3.4vmin; height: 3.4vmin; margin: 0 auto 5vmin; border-radius: 50%;
    background: #f5b73b; animation: beacon 2.4s ease-out infinite;
  }
  @keyframes beacon {
    0% { box-shadow: 0 0 0 0 rgba(245, 183, 59, .55); }
    70% { box-shadow: 0 0 0 5vmin rgba(245, 183, 59, 0); }
    100% { box-shadow: 0 0 0 0 rgba(245, 183, 59, 0); }
  }
  h1 { margin: 0; font-size: clamp(32px, 6.4vmin, 112px); font-weight: 600; letter-spacing: -.015em; }
  .url {
    margin: 2.2vmin 0 5vmin; font-size: clamp(20px, 3.6vmin, 60px); color: #8ab8ff;
    font-family: "JetBrains Mono", "DejaVu Sans Mono", Menlo, Consolas, monospace;
    overflow-wrap: anywhere;
  }
  .retry { margin: 0; font-size: clamp(18px, 3vmin, 48px); color: #aab2c3; }
  .detail { margin: 1.6vmin 0 0; min-height: 1.3em; font-size: clamp(15px, 2.3vmin, 36px); color: #6f7789; }
  @media (prefers-reduced-motion: reduce) { .beacon { animation: none; } }
</style>
</head>
<body>
<main role="status" aria-live="polite">
  <div class="beacon" aria-hidden="true"></div>
  <h1>Waiting for Grafana at</h1>
  <p class="url">{{GRAFANA}}</p>
  <p class="retry">Retrying — the wallboard comes back by itself as soon as Grafana answers.</p>
  <p class="detail" id="detail"></p>
</main>
<script>
(() => {
  "use strict";
  const asked = new URLSearchParams(location.search).get("next") || "";
  const next = asked.startsWith("/") && !asked.startsWith("//") && !asked.startsWith("/\\")
    && !asked.startsWith("/__kiosk/waiting") ? asked : null;
  let leaving = false;
  const leave = () => {
    if (leaving) return;
    leaving = true;
    if (next) location.replace(next);
    else if (window.top !== window) location.reload();
    else location.replace("/__kiosk/");
  };
  const detail = document.getElementById("detail");
  const show = (state) => {
    if (state.state === "online") return leave();
    const since = new Date(state.since * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    detail.textContent = (state.reason ? state.reason + " · " : "") + state.state + " since " + since;
  };
  try {
    const events = new EventSource("/__kiosk/events");
    events.addEventListener("state", (e) => { try { show(JSON.parse(e.data)); } catch (_) {} });
  } catch (_) {}
  // Tried again every few seconds even without news: the gateway redirects back here while
  // Grafana is still away.
  setTimeout(leave, 10000);
})();
</script>
</body>
</html>
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_grafana_escaped() {
        let html = render("http://grafana.lan:3000/<x>/");
        assert!(html.contains("http://grafana.lan:3000/&lt;x&gt;/"));
        assert!(html.contains("Waiting for Grafana at"));
        assert!(html.contains("retrying"));
        assert!(!html.contains("{{GRAFANA}}"));
    }
}
