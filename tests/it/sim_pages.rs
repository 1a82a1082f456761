//! The simulator's dashboard pages keep what a wallboard relies on in Grafana's frontend contract:
//! documents need credentials (else a redirect to the login page), the app shell loads cacheable
//! assets, `/api/ds/query` answers Grafana-shaped frames per refId (synthetic, or from a real
//! Prometheus with `KIOSK_TEST_PROMETHEUS=1`), Grafana Live's websocket is there to proxy, and the
//! page script parses and reads those frames (checked with `node` when it is installed).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_util::{SinkExt, StreamExt};
use kiosk_tests::grafana_sim::{GrafanaSim, Origin, SimConfig};
use kiosk_tests::prometheus::{NodeExporter, Prometheus};
use reqwest::header;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message};

const TOKEN: &str = "glsa_test_token";
const PROMETHEUS_GATE: &str = "KIOSK_TEST_PROMETHEUS";

/// Does not follow redirects, so a test sees the 302 itself.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

async fn start(cfg: SimConfig) -> GrafanaSim {
    GrafanaSim::start(cfg).await.unwrap()
}

fn now_ms() -> i64 {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    i64::try_from(since.as_millis()).unwrap()
}

/// A Grafana-shaped `/api/ds/query` body over the last `span`.
fn query_body(targets: &[(&str, &str)], span: Duration) -> (Value, i64, i64) {
    let to = now_ms();
    let from = to - i64::try_from(span.as_millis()).unwrap();
    let queries: Vec<Value> = targets
        .iter()
        .map(|(ref_id, expr)| {
            json!({
                "refId": ref_id,
                "expr": expr,
                "datasource": { "type": "prometheus", "uid": "prom" },
                "intervalMs": 1000,
                "maxDataPoints": 200,
            })
        })
        .collect();
    let body = json!({ "queries": queries, "from": from.to_string(), "to": to.to_string() });
    (body, from, to)
}

async fn post_query(sim: &GrafanaSim, body: &Value, token: Option<&str>) -> (u16, Value) {
    let mut req = client()
        .post(format!("{}/api/ds/query", sim.url()))
        .json(body);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// Checks one result is Grafana's shape (time and number fields, equal lengths, times ascending
/// inside the range) and returns its frames.
fn frames_of<'a>(body: &'a Value, ref_id: &str, from: i64, to: i64) -> &'a Vec<Value> {
    let result = &body["results"][ref_id];
    assert_eq!(result["status"], 200, "{ref_id}: {result}");
    let frames = result["frames"].as_array().expect("frames");
    assert!(!frames.is_empty(), "{ref_id}: no frames in {result}");
    for frame in frames {
        let schema = &frame["schema"];
        assert_eq!(schema["refId"], ref_id);
        assert!(schema["name"].is_string(), "{schema}");
        let fields = schema["fields"].as_array().unwrap();
        assert_eq!(fields[0]["name"], "Time");
        assert_eq!(fields[0]["type"], "time");
        assert_eq!(fields[1]["name"], "Value");
        assert_eq!(fields[1]["type"], "number");
        assert!(fields[1]["labels"].is_object(), "{schema}");
        let times = frame["data"]["values"][0].as_array().unwrap();
        let values = frame["data"]["values"][1].as_array().unwrap();
        assert!(times.len() >= 2, "{ref_id}: fewer than 2 points: {frame}");
        assert_eq!(times.len(), values.len());
        let times: Vec<i64> = times.iter().map(|t| t.as_i64().unwrap()).collect();
        assert!(times.windows(2).all(|w| w[0] < w[1]), "{times:?}");
        assert!(
            times[0] >= from && times[times.len() - 1] <= to,
            "{times:?}"
        );
        assert!(values.iter().all(Value::is_number), "{values:?}");
    }
    frames
}

#[tokio::test]
async fn documents_without_credentials_redirect_to_login() {
    let sim = start(SimConfig::default()).await;
    let http = client();
    for (path, token) in [
        ("/d/fleet-overview", None),
        (
            "/d/fleet-overview/fleet-overview?kiosk&_dash.hideTimePicker&from=now-6h&to=now&var-host=All&refresh=30s",
            None,
        ),
        ("/d/fleet-overview", Some("glsa_revoked")),
    ] {
        let mut req = http.get(format!("{}{path}", sim.url()));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 302, "{path}");
        assert_eq!(resp.headers()[header::LOCATION], "/login", "{path}");
        let cookie = resp.headers()[header::SET_COOKIE].to_str().unwrap();
        assert!(
            cookie.starts_with("redirect_to=%2Fd%2Ffleet-overview"),
            "{cookie}"
        );
    }

    let login = http
        .get(format!("{}/login", sim.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    assert_eq!(
        login.headers()[header::CONTENT_TYPE],
        "text/html; charset=utf-8"
    );
    let html = login.text().await.unwrap();
    for needle in [
        r#"data-testid="data-testid Login button""#,
        r#"name="user""#,
        r#"type="password""#,
    ] {
        assert!(html.contains(needle), "login page lacks {needle}");
    }
    let attempt = http
        .post(format!("{}/login", sim.url()))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body("user=admin&password=admin")
        .send()
        .await
        .unwrap();
    assert_eq!(attempt.status(), 401);

    let logged: Vec<(String, u16)> = sim
        .requests()
        .into_iter()
        .map(|r| (r.path, r.status))
        .collect();
    assert_eq!(logged[0], ("/d/fleet-overview".to_owned(), 302));
    assert_eq!(logged[3], ("/login".to_owned(), 200));
}

#[tokio::test]
async fn documents_with_credentials_are_the_app_shell() {
    let sim = start(SimConfig::default()).await;
    assert_eq!(
        sim.page_url("fleet-overview"),
        format!("{}/d/fleet-overview", sim.url())
    );
    let http = client();
    let pages = [
        sim.page_url("fleet-overview"),
        format!(
            "{}/fleet-overview?kiosk&_dash.hideTimePicker&from=now-6h&to=now&var-host=All&refresh=2s",
            sim.page_url("fleet-overview")
        ),
    ];
    for url in &pages {
        for basic in [false, true] {
            let req = http.get(url);
            let req = if basic {
                req.basic_auth("admin", Some("admin"))
            } else {
                req.bearer_auth(TOKEN)
            };
            let resp = req.send().await.unwrap();
            assert_eq!(resp.status(), 200, "{url}");
            let headers = resp.headers();
            assert_eq!(headers[header::CONTENT_TYPE], "text/html; charset=utf-8");
            assert_eq!(headers[header::X_FRAME_OPTIONS], "deny");
            assert_eq!(headers[header::CACHE_CONTROL], "no-store");
            let html = resp.text().await.unwrap();
            assert!(html.starts_with("<!DOCTYPE html>"));
            for needle in [
                "<head>",
                r#"<script src="/public/build/sim-app.js" defer></script>"#,
                r#"<link rel="stylesheet" href="/public/build/sim-app.css" />"#,
                r#"<div id="reactRoot"></div>"#,
            ] {
                assert!(html.contains(needle), "{url}: document lacks {needle}");
            }
        }
    }

    // Anonymous viewers get the page without credentials; allow_embedding drops the frame ban.
    let open = start(SimConfig {
        anonymous: true,
        allow_embedding: true,
        ..SimConfig::default()
    })
    .await;
    let resp = http.get(open.page_url("any")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().get(header::X_FRAME_OPTIONS).is_none());
}

#[tokio::test]
async fn assets_are_cacheable_and_typed() {
    let sim = start(SimConfig::default()).await;
    let http = client();
    for (file, content_type, needle) in [
        (
            "sim-app.js",
            "text/javascript; charset=utf-8",
            "Panel loading bar",
        ),
        ("sim-app.css", "text/css; charset=utf-8", ".panel-header"),
    ] {
        let url = format!("{}/public/build/{file}", sim.url());
        // No credentials: Grafana serves its build without a session.
        let resp = http.get(&url).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{file}");
        assert_eq!(resp.headers()[header::CONTENT_TYPE], content_type);
        let cache = resp.headers()[header::CACHE_CONTROL].to_str().unwrap();
        assert!(
            cache.contains("public") && cache.contains("max-age=31536000"),
            "{cache}"
        );
        let etag = resp.headers()[header::ETAG].clone();
        assert!(resp.text().await.unwrap().contains(needle));

        let again = http
            .get(&url)
            .header(header::IF_NONE_MATCH, etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "{file}");
    }
    let missing = http
        .get(format!("{}/public/build/app.js", sim.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn ds_query_answers_frames_for_every_ref_id() {
    let sim = start(SimConfig::default()).await;
    let (body, from, to) = query_body(
        &[
            (
                "A",
                r#"100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle", instance=~"$host"}[$__rate_interval])))"#,
            ),
            ("B", "node_load1"),
        ],
        Duration::from_secs(3600),
    );
    let (status, answer) = post_query(&sim, &body, Some(TOKEN)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["results"].as_object().unwrap().len(), 2);
    let a = frames_of(&answer, "A", from, to).clone();
    let b = frames_of(&answer, "B", from, to);
    assert_ne!(a[0]["data"], b[0]["data"], "each query has its own series");
    let values: Vec<f64> = a[0]["data"]["values"][1]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert!(
        values.windows(2).any(|w| w[0] != w[1]),
        "synthetic data moves"
    );

    // Deterministic: the same request gets the same data.
    let (_, again) = post_query(&sim, &body, Some(TOKEN)).await;
    assert_eq!(again, answer);

    // A query is logged as a request, never as a write.
    let logged = sim.requests();
    assert!(
        logged
            .iter()
            .all(|r| r.method == "POST" && r.path == "/api/ds/query" && r.status == 200),
        "{logged:?}"
    );
    assert_eq!(logged.len(), 2);
    assert!(sim.writes().is_empty());
}

#[tokio::test]
async fn ds_query_needs_credentials_but_viewers_may_query() {
    let sim = start(SimConfig::default()).await;
    let (body, _, _) = query_body(&[("A", "up")], Duration::from_secs(600));
    let (status, answer) = post_query(&sim, &body, None).await;
    assert_eq!(status, 401, "{answer}");
    assert_eq!(answer["message"], "Unauthorized");
    assert_eq!(post_query(&sim, &body, Some("glsa_wrong")).await.0, 401);
    sim.revoke_token(TOKEN);
    assert_eq!(post_query(&sim, &body, Some(TOKEN)).await.0, 401);

    let open = start(SimConfig {
        anonymous: true,
        ..SimConfig::default()
    })
    .await;
    let (status, answer) = post_query(&open, &body, None).await;
    assert_eq!(status, 200, "{answer}");
    // `up` is 1 for every host, so stat panels with UP/DOWN mappings read UP.
    let frame = &answer["results"]["A"]["frames"][0];
    assert!(
        frame["data"]["values"][1]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v == 1.0)
    );
    // Querying is not a licence to write.
    let save = client()
        .post(format!("{}/api/dashboards/db", open.url()))
        .json(&json!({ "dashboard": { "title": "T" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(save.status(), 403);
}

#[tokio::test]
async fn ds_query_reports_failed_queries_per_ref_id() {
    let sim = start(SimConfig::default()).await;
    let (body, from, to) = query_body(
        &[("A", "node_load1"), ("B", "sum(rate(x[5m])")],
        Duration::from_secs(600),
    );
    let (status, answer) = post_query(&sim, &body, Some(TOKEN)).await;
    assert_eq!(status, 400, "Grafana answers 400 when any query failed");
    frames_of(&answer, "A", from, to);
    let b = &answer["results"]["B"];
    assert_eq!(b["status"], 400);
    assert!(b["error"].as_str().unwrap().contains("parse error"), "{b}");

    for bad in [
        json!({ "queries": [] }),
        json!({ "queries": [{ "refId": "A", "expr": "up" }], "from": "yesterday" }),
        json!("not a request"),
    ] {
        let (status, answer) = post_query(&sim, &bad, Some(TOKEN)).await;
        assert_eq!(status, 400, "{bad}: {answer}");
        assert!(answer["message"].is_string());
    }
}

#[tokio::test]
async fn query_latency_delays_only_data_queries() {
    let sim = start(SimConfig::default()).await;
    sim.seed_dashboard(
        json!({ "uid": "slow", "title": "Slow", "panels": [] }),
        None,
        Origin::Api,
    );
    let latency = Duration::from_millis(800);
    sim.set_query_latency(latency);
    let http = client();

    let started = Instant::now();
    let dash = http
        .get(format!("{}/api/dashboards/uid/slow", sim.url()))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(dash.status(), 200);
    assert!(
        started.elapsed() < latency,
        "the dashboard JSON must not wait"
    );

    let (body, _, _) = query_body(&[("A", "up")], Duration::from_secs(60));
    let started = Instant::now();
    assert_eq!(post_query(&sim, &body, Some(TOKEN)).await.0, 200);
    assert!(started.elapsed() >= latency);

    // The control plane sets it too.
    let faults: Value = http
        .post(format!("{}/__sim/faults", sim.url()))
        .json(&json!({ "query_latency_ms": 0 }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(faults["query_latency_ms"], 0);
    let started = Instant::now();
    assert_eq!(post_query(&sim, &body, Some(TOKEN)).await.0, 200);
    assert!(started.elapsed() < latency);
}

#[tokio::test]
async fn frontend_settings_report_build_info_and_datasources() {
    let sim = start(SimConfig {
        version: "12.1.0".into(),
        ..SimConfig::default()
    })
    .await;
    sim.seed_datasource(json!({
        "name": "Prometheus", "type": "prometheus", "uid": "prom", "url": "http://prom:9090",
        "access": "proxy", "isDefault": true,
    }));
    let http = client();
    let url = format!("{}/api/frontend/settings", sim.url());
    assert_eq!(http.get(&url).send().await.unwrap().status(), 401);
    let settings: Value = http
        .get(&url)
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(settings["buildInfo"]["version"], "12.1.0");
    assert_eq!(settings["defaultDatasource"], "Prometheus");
    assert_eq!(settings["datasources"]["Prometheus"]["uid"], "prom");
    assert_eq!(settings["datasources"]["Prometheus"]["type"], "prometheus");
}

#[tokio::test]
async fn live_websocket_says_hello_and_echoes() {
    let sim = start(SimConfig::default()).await;
    let ws_url = format!("ws://{}/api/live/ws", sim.addr());

    let anonymous = tokio_tungstenite::connect_async(ws_url.as_str()).await;
    match anonymous {
        Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), 401),
        Err(other) => panic!("expected a 401 answer, got {other}"),
        Ok(_) => panic!("connected without credentials"),
    }

    let mut request = ws_url.as_str().into_client_request().unwrap();
    request.headers_mut().insert(
        header::AUTHORIZATION,
        format!("Bearer {TOKEN}").parse().unwrap(),
    );
    let (mut socket, response) = tokio::time::timeout(
        Duration::from_secs(10),
        tokio_tungstenite::connect_async(request),
    )
    .await
    .expect("handshake in time")
    .expect("websocket upgrade");
    assert_eq!(response.status(), 101);

    let Message::Text(hello) = next_message(&mut socket).await else {
        panic!("the hello is a text frame");
    };
    let hello: Value = serde_json::from_str(&hello).unwrap();
    assert_eq!(hello["type"], "hello");
    assert_eq!(hello["version"], "11.6.0");

    for text in [
        "first",
        r#"{"id":1,"subscribe":{"channel":"grafana/dashboard/uid/x"}}"#,
    ] {
        socket.send(Message::text(text)).await.unwrap();
        assert_eq!(next_message(&mut socket).await, Message::text(text));
    }
    socket.close(None).await.unwrap();
    assert!(
        sim.requests()
            .iter()
            .any(|r| r.path == "/api/live/ws" && r.status == 101)
    );
}

/// The next frame, within a bounded wait.
async fn next_message<S>(socket: &mut S) -> Message
where
    S: futures_util::Stream<Item = Result<Message, tungstenite::Error>> + Unpin,
{
    tokio::time::timeout(Duration::from_secs(10), socket.next())
        .await
        .expect("a message in time")
        .expect("the socket stays open")
        .expect("a valid frame")
}

/// `node`, when installed (CI has it); the script checks are skipped without it.
fn node() -> Option<PathBuf> {
    let found = Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    found.then(|| PathBuf::from("node"))
}

fn app_js() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/grafana_sim/pages/app.js")
}

#[tokio::test]
async fn page_script_parses_and_reads_the_simulators_frames() {
    let Some(node) = node() else {
        println!("skipped page_script_parses_and_reads_the_simulators_frames: no `node` on PATH");
        return;
    };
    let check = Command::new(&node)
        .arg("--check")
        .arg(app_js())
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "node --check {}:\n{}",
        app_js().display(),
        String::from_utf8_lossy(&check.stderr)
    );

    // The helpers, fed with a real answer of the simulator. A copy named .cjs stays CommonJS
    // whatever package.json may one day say.
    let sim = start(SimConfig::default()).await;
    let (body, _, _) = query_body(
        &[("A", "node_load1"), ("B", "node_load5")],
        Duration::from_secs(600),
    );
    let (status, answer) = post_query(&sim, &body, Some(TOKEN)).await;
    assert_eq!(status, 200);
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("app.cjs");
    std::fs::copy(app_js(), &script).unwrap();
    let mut child = Command::new(&node)
        .arg("-e")
        .arg(NODE_CHECKS)
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(answer.to_string().as_bytes()).unwrap();
    }
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "page helper checks failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Node checks of the page's pure helpers; argv[1] is the script, stdin a `/api/ds/query` answer
/// with refIds A and B.
const NODE_CHECKS: &str = r#"
const assert = require('node:assert/strict');
const app = require(process.argv[1]);

// Grafana's grid: 24 columns with 8px gaps, rows of 30px.
assert.deepEqual(app.gridBox({ x: 12, y: 2, w: 12, h: 8 }, 1000), { left: 504, top: 76, width: 496, height: 296 });
assert.deepEqual(app.gridBox({ x: 0, y: 0, w: 24, h: 1 }, 1000), { left: 0, top: 0, width: 1000, height: 30 });

// Relative URLs keep a proxy's sub-path.
assert.equal(app.appBasePath('/grafana/d/fleet-overview/fleet-overview'), '/grafana/');
assert.equal(app.appBasePath('/d/fleet-overview'), '/');

assert.equal(app.parseDuration('2s'), 2000);
assert.equal(app.parseDuration('30s'), 30000);
assert.equal(app.parseDuration('soon'), null);
assert.equal(app.parseTime('now-6h', 1e8), 1e8 - 6 * 3600e3);
assert.equal(app.parseTime('1700000000000', 0), 1700000000000);
assert.equal(app.rangeLabel('now-6h', 'now'), 'Last 6 hours');

// Variables from the URL; macros are left for the server.
const dashboard = { templating: { list: [
  { name: 'datasource', type: 'datasource', query: 'prometheus' },
  { name: 'host', type: 'query', includeAll: true, multi: true },
] } };
const datasources = { Prom: { uid: 'prom', name: 'Prom', type: 'prometheus', isDefault: true } };
const all = app.variableValues(dashboard, new URLSearchParams('var-host=All'), datasources);
assert.deepEqual(all.values, { datasource: 'prom', host: '.*' });
const two = app.variableValues(dashboard, new URLSearchParams('var-host=a:9100&var-host=b.lan'), datasources);
assert.equal(two.values.host, '(a:9100|b\\.lan)');
assert.equal(
  app.interpolate('rate(x{instance=~"$host", y="[[host]]"}[$__rate_interval]) and on() $1', all.values),
  'rate(x{instance=~".*", y=".*"}[$__rate_interval]) and on() $1',
);
assert.deepEqual(app.datasourceRef({ type: 'prometheus', uid: '${datasource}' }, all.values, { datasources }), { type: 'prometheus', uid: 'prom' });

// Panels of collapsed rows are not on screen; those of open rows are.
const items = app.layoutItems([
  { type: 'row', collapsed: true, panels: [{ title: 'hidden' }] },
  { type: 'row', collapsed: false, panels: [{ title: 'nested' }] },
  { title: 'top' },
]);
assert.deepEqual(items.filter((p) => p.type !== 'row').map((p) => p.title), ['nested', 'top']);
assert.equal(app.panelsOf({ rows: [{ height: '250px', panels: [{ span: 6 }, { span: 6 }] }] })[1].gridPos.x, 12);

assert.equal(app.formatValue(42.4, 'percent', 0), '42%');
assert.equal(app.formatValue(1536, 'bytes', 1), '1.5 KiB');
const thresholds = { thresholds: { steps: [{ color: 'green', value: null }, { color: 'red', value: 90 }] } };
assert.equal(app.thresholdColour(95, thresholds), '#f2495c');
assert.equal(app.thresholdColour(10, thresholds), '#73bf69');
assert.deepEqual(app.mapValue(0, [{ type: 'value', options: { 0: { text: 'DOWN', color: 'red' } } }]), { text: 'DOWN', color: 'red' });

// The simulator's answer reads as series, in target order, named by the legend.
let input = '';
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const answer = JSON.parse(input);
  const series = app.seriesOf(answer, [{ refId: 'A', legendFormat: '{{host}} now' }, { refId: 'B' }]);
  assert.ok(series.length >= 4, `series: ${series.length}`);
  assert.equal(series[0].refId, 'A');
  assert.match(series[0].name, / now$/);
  assert.ok(series.every((s) => s.times.length >= 2 && s.times.length === s.values.length));
  assert.equal(series[series.length - 1].refId, 'B');
  console.log(`${series.length} series read`);
});
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ds_query_reads_a_real_prometheus() {
    if std::env::var(PROMETHEUS_GATE).as_deref() != Ok("1") {
        println!(
            "skipped ds_query_reads_a_real_prometheus: {PROMETHEUS_GATE} is not 1; it needs the \
             Debian packages prometheus and prometheus-node-exporter (CI sets {PROMETHEUS_GATE}=1)"
        );
        return;
    }
    let node = NodeExporter::start()
        .await
        .unwrap_or_else(|err| panic!("{PROMETHEUS_GATE}=1 but node_exporter cannot run: {err:#}"));
    let prometheus = Prometheus::start(&[node.target("node", "eek:9100")])
        .await
        .unwrap_or_else(|err| panic!("{PROMETHEUS_GATE}=1 but Prometheus cannot run: {err:#}"));
    prometheus
        .wait_for_scrapes(5, Duration::from_secs(20))
        .await
        .unwrap_or_else(|err| panic!("{err:#}"));
    let sim = start(SimConfig {
        prometheus: Some(prometheus.url().to_owned()),
        ..SimConfig::default()
    })
    .await;

    let (mut body, from, to) = query_body(
        &[
            ("A", "up"),
            (
                "B",
                r#"rate(node_cpu_seconds_total{mode="idle", instance=~"$host"}[$__rate_interval])"#,
            ),
            ("C", "node_load1{instance=~\"${host:regex}\"}"),
        ],
        Duration::from_secs(60),
    );
    body["queries"][2]["legendFormat"] = json!("{{instance}} load");
    let (status, answer) = post_query(&sim, &body, Some(TOKEN)).await;
    assert_eq!(status, 200, "{answer}");

    let up = frames_of(&answer, "A", from, to);
    assert_eq!(up.len(), 1, "one target, one `up` series: {up:?}");
    let labels = &up[0]["schema"]["fields"][1]["labels"];
    assert_eq!(labels["job"], "node");
    assert_eq!(labels["instance"], "eek:9100");
    assert_eq!(labels["__name__"], "up");
    assert!(
        up[0]["data"]["values"][1]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v == 1.0)
    );
    let cpus = frames_of(&answer, "B", from, to);
    assert!(
        cpus.iter()
            .all(|f| f["schema"]["fields"][1]["labels"]["mode"] == "idle")
    );
    let load = frames_of(&answer, "C", from, to);
    assert_eq!(
        load[0]["schema"]["fields"][1]["config"]["displayNameFromDS"],
        "eek:9100 load"
    );

    // Prometheus' own parse error comes back on the query's result.
    let (bad, _, _) = query_body(&[("A", "sum(rate(up[1m])")], Duration::from_secs(60));
    let (status, answer) = post_query(&sim, &bad, Some(TOKEN)).await;
    assert_eq!(status, 400);
    let error = answer["results"]["A"]["error"].as_str().unwrap();
    assert!(error.starts_with("bad_data:"), "{error}");
}
