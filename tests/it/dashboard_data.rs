//! The Fleet Overview shows data: a real Prometheus scrapes, on loopback, a real node_exporter
//! (playing eek) and fixture exporters for the rest of the fleet (node_exporter, dcgm-exporter,
//! jetson-stats-node-exporter, intel-gpu-exporter, rpi_exporter with their real metric names and
//! labels); every query of every panel of `dashboards/fleet-overview.json`, with Grafana's
//! variables and macros substituted, must return at least one series as an instant and as a range
//! query. Needs the Debian packages `prometheus` and `prometheus-node-exporter`, so it runs only
//! with `KIOSK_TEST_PROMETHEUS=1` (CI sets it).

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use kiosk_tests::exporters::{self, Family, Fleet};
use kiosk_tests::prometheus::{NodeExporter, Prometheus, SCRAPE_INTERVAL, Series};
use serde_json::Value;

const GATE: &str = "KIOSK_TEST_PROMETHEUS";
/// The host the real node_exporter plays: the one running Prometheus in the fleet.
const REAL_NODE_HOST: &str = "eek";
/// Scrapes of every target before querying, so `rate()` has samples everywhere.
const SCRAPES: usize = 5;
/// What Grafana's macros become: `$__rate_interval` spans ten scrapes (Grafana uses at least four).
const MACROS: &[(&str, &str)] = &[
    ("__rate_interval", "10s"),
    ("__interval", "2s"),
    ("__interval_ms", "2000"),
    ("__range", "60s"),
    ("__range_s", "60"),
    ("__range_ms", "60000"),
];
const RANGE: Duration = Duration::from_secs(60);
const STEP: Duration = Duration::from_secs(2);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fleet_overview_query_returns_data() {
    if std::env::var(GATE).as_deref() != Ok("1") {
        println!(
            "skipped dashboard_data: {GATE} is not 1; it needs the Debian packages prometheus and \
             prometheus-node-exporter (CI sets {GATE}=1)"
        );
        return;
    }
    let began = Instant::now();
    let node = NodeExporter::start()
        .await
        .unwrap_or_else(|err| panic!("{GATE}=1 but node_exporter cannot run: {err:#}"));
    let fleet = Fleet::start_except(&[(REAL_NODE_HOST, Family::Node)])
        .await
        .expect("fixture exporters listen on 127.0.0.1");
    let real_instance = exporters::instance(REAL_NODE_HOST, Family::Node);
    let mut targets = fleet.targets();
    targets.push(node.target(Family::Node.job(), &real_instance));
    let prometheus = Prometheus::start(&targets)
        .await
        .unwrap_or_else(|err| panic!("{GATE}=1 but Prometheus cannot run: {err:#}"));
    prometheus
        .wait_for_scrapes(SCRAPES, Duration::from_secs(20))
        .await
        .unwrap_or_else(|err| panic!("{err:#}"));

    // The real binary is one of the hosts: only it exposes its build info.
    let real = prometheus
        .instant(&format!(
            r#"up{{job="node", instance="{real_instance}"}} == 1 and on (instance) node_exporter_build_info"#
        ))
        .await
        .expect("query up of the real node_exporter");
    assert_eq!(
        real.len(),
        1,
        "no `up` series of the real node_exporter ({real_instance} at {})",
        node.address()
    );

    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../dashboards/fleet-overview.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
    let dashboard: Value = serde_json::from_str(&text)
        .unwrap_or_else(|err| panic!("{} is not JSON: {err}", path.display()));
    let variables = variables(&dashboard);
    let queries = queries(&dashboard);
    assert!(
        queries.len() > 10,
        "only {} Prometheus queries (panel targets) in {}: too few for this test to prove anything",
        queries.len(),
        path.display()
    );

    let end = SystemTime::now();
    let start = end - RANGE;
    let mut failures = Vec::new();
    for query in &queries {
        let expr = match substitute(&query.expr, &variables) {
            Ok(expr) => expr,
            Err(why) => {
                failures.push(format!("{query}: {why}"));
                continue;
            }
        };
        let instant = prometheus.instant(&expr).await;
        let range = prometheus.range(&expr, start, end, STEP).await;
        if let Ok(series) = &instant {
            println!("{:>3} series from {}: {query}", series.len(), hosts(series));
        }
        for (kind, result) in [("instant", instant), ("range", range)] {
            match result {
                Ok(series) if !series.is_empty() => {}
                Ok(_) => failures.push(format!("{query}: {kind} returned 0 series")),
                Err(err) => failures.push(format!("{query}: {kind} failed ({expr}): {err:#}")),
            }
        }
    }
    println!(
        "dashboard_data: {} queries of {} ran against {} targets in {:.1}s",
        queries.len(),
        path.display(),
        targets.len(),
        began.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} of {} Fleet Overview queries (instant and range) failed:\n  {}",
        failures.len(),
        queries.len() * 2,
        failures.join("\n  ")
    );
}

/// The hosts a result covers, from `instance` (`ook:9400`) or a `host` label.
fn hosts(series: &[Series]) -> String {
    let hosts: BTreeSet<&str> = series
        .iter()
        .filter_map(|s| s.labels.get("instance").or_else(|| s.labels.get("host")))
        .map(|instance| instance.split(':').next().unwrap_or(instance))
        .collect();
    if hosts.is_empty() {
        "the fleet".to_owned()
    } else {
        hosts.into_iter().collect::<Vec<_>>().join(",")
    }
}

/// One Prometheus query of a panel.
#[derive(Debug, PartialEq)]
struct Query {
    panel: String,
    ref_id: String,
    expr: String,
}

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "panel {} target {}: {}",
            self.panel, self.ref_id, self.expr
        )
    }
}

/// Every Prometheus target with an `expr` of every panel, including panels inside rows (and
/// legacy `rows[].panels`).
fn queries(dashboard: &Value) -> Vec<Query> {
    let mut queries = Vec::new();
    walk(&dashboard["panels"], &mut queries);
    for row in dashboard["rows"].as_array().into_iter().flatten() {
        walk(&row["panels"], &mut queries);
    }
    queries
}

fn walk(panels: &Value, queries: &mut Vec<Query>) {
    for panel in panels.as_array().into_iter().flatten() {
        let title = match panel["title"].as_str() {
            Some(title) if !title.is_empty() => title.to_owned(),
            _ => format!("#{}", panel["id"]),
        };
        for target in panel["targets"].as_array().into_iter().flatten() {
            let Some(expr) = target["expr"].as_str() else {
                continue;
            };
            if expr.trim().is_empty() || !is_prometheus(panel, target) {
                continue;
            }
            queries.push(Query {
                panel: title.clone(),
                ref_id: target["refId"].as_str().unwrap_or("?").to_owned(),
                expr: expr.to_owned(),
            });
        }
        walk(&panel["panels"], queries);
    }
}

/// Whether a target goes to Prometheus: its datasource (or its panel's) says so, or says nothing
/// (a `${datasource}` string, or none, is the dashboard's Prometheus).
fn is_prometheus(panel: &Value, target: &Value) -> bool {
    let datasource = match &target["datasource"] {
        Value::Null => &panel["datasource"],
        datasource => datasource,
    };
    datasource["type"]
        .as_str()
        .is_none_or(|kind| kind == "prometheus")
}

/// What each name Grafana would interpolate becomes: the macros, then the dashboard's variables
/// (query and multi-value ones match everything, others take their current or first value).
fn variables(dashboard: &Value) -> HashMap<String, String> {
    let mut values: HashMap<String, String> = MACROS
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect();
    for variable in dashboard["templating"]["list"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let Some(name) = variable["name"].as_str() else {
            continue;
        };
        let current = match &variable["current"]["value"] {
            Value::String(value) => Some(value.clone()),
            Value::Array(values) => values.first().and_then(Value::as_str).map(str::to_owned),
            _ => None,
        };
        let first_option = variable["options"][0]["value"].as_str().map(str::to_owned);
        let query = variable["query"].as_str().map(str::to_owned);
        let all = variable["includeAll"] == true || variable["multi"] == true;
        let value = match variable["type"].as_str().unwrap_or("query") {
            "query" => Some(".*".to_owned()),
            "custom" if all => Some(".*".to_owned()),
            "custom" => current
                .or(first_option)
                .or_else(|| query.and_then(|q| q.split(',').next().map(|v| v.trim().to_owned()))),
            "interval" => current
                .or(first_option)
                .or_else(|| query.and_then(|q| q.split(',').next().map(|v| v.trim().to_owned())))
                .map(|v| {
                    if v.starts_with("$__auto") || v == "auto" {
                        "10s".to_owned()
                    } else {
                        v
                    }
                }),
            "constant" | "textbox" => current.or(query),
            "datasource" => Some("prometheus".to_owned()),
            // Ad hoc filters and group-bys never appear in an expression.
            _ => None,
        };
        if let Some(value) = value {
            let value = if value == "$__all" {
                ".*".to_owned()
            } else {
                value
            };
            values.insert(name.to_owned(), value);
        }
    }
    values
}

/// `expr` with Grafana's variable syntaxes (`$name`, `${name}`, `${name:format}`, `[[name]]`)
/// replaced; an error names unknown variables or a `$` left over, so a new variable is noticed.
fn substitute(expr: &str, values: &HashMap<String, String>) -> Result<String, String> {
    let (out, unknown) =
        kiosk_tests::grafana_vars::substitute(expr, |name| values.get(name).cloned());
    if !unknown.is_empty() {
        return Err(format!(
            "unknown variable(s) {}: teach this test what they stand for",
            unknown.join(", ")
        ));
    }
    let stray = out.match_indices('$').any(|(at, _)| {
        let rest = out[at + 1..].trim_start_matches('{');
        !rest.starts_with(|c: char| c.is_ascii_digit())
    });
    if stray {
        return Err(format!("a `$` is left after substitution: {out}"));
    }
    Ok(out)
}

#[test]
fn rate_interval_spans_at_least_four_scrapes() {
    let window = MACROS
        .iter()
        .find(|(name, _)| *name == "__rate_interval")
        .and_then(|(_, value)| value.strip_suffix('s'))
        .and_then(|seconds| seconds.parse::<u64>().ok())
        .expect("$__rate_interval in whole seconds");
    assert!(Duration::from_secs(window) >= 4 * SCRAPE_INTERVAL);
}

#[test]
fn every_grafana_variable_syntax_is_substituted() {
    let dashboard = serde_json::json!({
        "templating": { "list": [
            { "name": "host", "type": "query" },
            { "name": "window", "type": "interval", "current": { "value": "5m" } },
            { "name": "ds", "type": "datasource" },
        ]}
    });
    let values = variables(&dashboard);
    assert_eq!(
        substitute(
            r#"rate(x{instance=~"$host", a=~"${host}", b=~"${host:regex}", c=~"[[host]]"}[$__rate_interval]) / $__range_s + $__interval_ms * on() y[$window]"#,
            &values
        ),
        Ok(
            r#"rate(x{instance=~".*", a=~".*", b=~".*", c=~".*"}[10s]) / 60 + 2000 * on() y[5m]"#
                .to_owned()
        )
    );
    assert_eq!(
        substitute("avg_over_time(x[$__interval])[$__range:]", &values),
        Ok("avg_over_time(x[2s])[60s:]".to_owned())
    );
}

#[test]
fn unknown_variables_and_stray_dollars_are_errors() {
    let values = variables(&serde_json::json!({}));
    let err = substitute(r#"up{instance=~"$hostname", job="[[job]]"}"#, &values).unwrap_err();
    assert!(err.contains("hostname, job"), "{err}");
    assert!(substitute(r#"up{instance=~"eek.*$"}"#, &values).is_err());
}

#[test]
fn label_replace_capture_groups_are_not_variables() {
    let values = variables(&serde_json::json!({}));
    let expr = r#"label_replace(up, "host", "$1", "instance", "(.+):${2}")"#;
    assert_eq!(substitute(expr, &values), Ok(expr.to_owned()));
}

#[test]
fn targets_are_found_in_rows_and_only_for_prometheus() {
    let dashboard = serde_json::json!({
        "panels": [
            { "type": "row", "title": "GPU", "collapsed": true, "panels": [
                { "title": "VRAM", "targets": [{ "refId": "A", "expr": "DCGM_FI_DEV_FB_USED" }] },
            ]},
            { "title": "Logs", "datasource": { "type": "loki" },
              "targets": [{ "refId": "A", "expr": "{job=\"x\"}" }] },
            { "title": "Up", "datasource": { "type": "prometheus", "uid": "${datasource}" },
              "targets": [{ "refId": "B", "expr": "up" }, { "refId": "C", "expr": "" }] },
        ],
        "rows": [{ "panels": [{ "title": "Legacy", "targets": [{ "refId": "A", "expr": "node_load1" }] }] }],
    });
    let found: Vec<String> = queries(&dashboard)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        found,
        [
            "panel VRAM target A: DCGM_FI_DEV_FB_USED",
            "panel Up target B: up",
            "panel Legacy target A: node_load1",
        ]
    );
}
