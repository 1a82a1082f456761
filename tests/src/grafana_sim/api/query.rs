//! `POST /api/ds/query`: panel data in Grafana's request and response shape (one result per
//! `refId`, one frame per series). Each expr runs as a range query on the simulator's real
//! Prometheus when it has one; otherwise the answer is synthetic series that move with time.

use std::collections::BTreeMap;
use std::f64::consts::TAU;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use url::Url;

use super::{ApiError, parse_body};
use crate::grafana_sim::{SharedState, lock};

/// Prometheus refuses ranges of more points than this per series.
const MAX_POINTS: i64 = 11_000;
const DEFAULT_INTERVAL_MS: i64 = 15_000;
const DEFAULT_RANGE_MS: i64 = 6 * 3_600_000;
/// Hosts the synthetic series are labelled with.
const HOSTS: &[&str] = &["ook", "eek", "jet", "pi4", "nuc", "gpu1"];

#[derive(Deserialize)]
struct QueryRequest {
    #[serde(default)]
    queries: Vec<Query>,
    #[serde(default)]
    from: Value,
    #[serde(default)]
    to: Value,
}

/// One panel target; fields Grafana sends that the simulator has no use for are ignored.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Query {
    #[serde(default)]
    ref_id: String,
    #[serde(default)]
    expr: String,
    legend_format: Option<String>,
    interval_ms: Option<f64>,
    max_data_points: Option<f64>,
}

/// A query's time range in epoch milliseconds, and the step between its points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Window {
    from: i64,
    to: i64,
    step: i64,
}

/// One series: labels and `(epoch ms, value)` samples; non-finite values become JSON null.
struct Series {
    labels: BTreeMap<String, String>,
    points: Vec<(i64, f64)>,
}

/// Why one query failed, and the status Grafana gives its result.
struct QueryError {
    status: u16,
    message: String,
}

pub(super) async fn query(
    State(shared): State<SharedState>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let request: QueryRequest = parse_body(&body)?;
    if request.queries.is_empty() {
        return Err(ApiError::message(400, "No queries found"));
    }
    let now = now_ms();
    let from = parse_time(&request.from, now)
        .or_else(|| request.from.is_null().then_some(now - DEFAULT_RANGE_MS))
        .ok_or_else(|| ApiError::message(400, "invalid from"))?;
    let to = parse_time(&request.to, now)
        .or_else(|| request.to.is_null().then_some(now))
        .ok_or_else(|| ApiError::message(400, "invalid to"))?;
    if from >= to {
        return Err(ApiError::message(400, "from must be before to"));
    }

    let latency = lock(&shared.faults).query_latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }

    let mut results = Map::new();
    let mut failed = false;
    for (index, query) in request.queries.iter().enumerate() {
        let ref_id = if query.ref_id.is_empty() {
            // Grafana names unnamed targets A, B, ...
            char::from(b'A' + u8::try_from(index % 26).unwrap_or(0)).to_string()
        } else {
            query.ref_id.clone()
        };
        let window = window(from, to, query);
        let outcome = match &shared.prometheus {
            Some(url) => prometheus_series(&shared.http, url, &query.expr, window).await,
            None => synthetic_series(&ref_id, &query.expr, window),
        };
        let result = match outcome {
            Ok(series) => {
                let frames: Vec<Value> = series
                    .iter()
                    .map(|s| frame(&ref_id, query, window, s))
                    .collect();
                json!({ "status": 200, "frames": frames })
            }
            Err(err) => {
                failed = true;
                json!({ "status": err.status, "error": err.message, "errorSource": "downstream", "frames": [] })
            }
        };
        results.insert(ref_id, result);
    }
    // Grafana answers 400 when any query failed, with every result in the body.
    let status = if failed {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Ok((status, Json(json!({ "results": results }))))
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Epoch milliseconds as a number or string, or Grafana's relative `now`, `now-6h`, `now-15m/m`.
fn parse_time(value: &Value, now: i64) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => {
            let s = s.trim();
            if let Ok(ms) = s.parse::<i64>() {
                return Some(ms);
            }
            let rest = s.strip_prefix("now")?;
            // Rounding (`/d`) is not simulated.
            let rest = rest.split('/').next().unwrap_or_default();
            if rest.is_empty() {
                return Some(now);
            }
            let (sign, duration) = match rest.split_at(1) {
                ("-", d) => (-1, d),
                ("+", d) => (1, d),
                _ => return None,
            };
            Some(now + sign * duration_ms(duration)?)
        }
        _ => None,
    }
}

/// `15s`, `5m`, `6h`, `7d`, `2w`, `1M`, `1y` in milliseconds.
fn duration_ms(text: &str) -> Option<i64> {
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (count, unit) = text.split_at(split);
    let count: i64 = count.parse().ok()?;
    let unit_ms = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        "w" => 7 * 86_400_000,
        "M" => 30 * 86_400_000,
        "y" => 365 * 86_400_000,
        _ => return None,
    };
    count.checked_mul(unit_ms)
}

/// The step is the query's `intervalMs`, widened so the range has at most `maxDataPoints` (and
/// Prometheus' limit of) points, and never under a second.
fn window(from: i64, to: i64, query: &Query) -> Window {
    let interval = query
        .interval_ms
        .filter(|ms| ms.is_finite() && *ms >= 1.0)
        .map_or(DEFAULT_INTERVAL_MS, |ms| ms as i64);
    let points = query
        .max_data_points
        .filter(|n| n.is_finite() && *n >= 1.0)
        .map_or(MAX_POINTS, |n| (n as i64).min(MAX_POINTS));
    let widest = (to - from + points - 1) / points;
    let step = interval.max(widest).max(1_000);
    Window { from, to, step }
}

/// The timestamps of a window: multiples of the step, so a value depends only on its time; at
/// least the two ends when the window is shorter than a step.
fn timestamps(window: Window) -> Vec<i64> {
    let first = window.from.div_euclid(window.step) * window.step;
    let first = if first < window.from {
        first + window.step
    } else {
        first
    };
    let times: Vec<i64> = (0..)
        .map(|i| first + i * window.step)
        .take_while(|t| *t <= window.to)
        .collect();
    if times.len() < 2 {
        vec![window.from, window.to]
    } else {
        times
    }
}

/// FNV-1a: a stable seed from a query, the same in every run.
fn fnv1a(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// Two to four series per query, labelled with hosts, each a slow wave with a faster ripple and a
/// little noise, in 0..100, shaped by the refId and expr; a query of `up` is 1 for every host. An
/// expr Prometheus could not parse (unbalanced brackets) fails as it would there.
fn synthetic_series(ref_id: &str, expr: &str, window: Window) -> Result<Vec<Series>, QueryError> {
    if !brackets_balance(expr) {
        return Err(QueryError {
            status: 400,
            message: format!(
                "bad_data: invalid parameter \"query\": parse error: unbalanced brackets in {expr:?}"
            ),
        });
    }
    let seed = fnv1a(&[ref_id, expr]);
    let count = 2 + (seed % 3) as usize;
    let times = timestamps(window);
    let up = mentions_up(expr);
    let series = (0..count)
        .map(|i| {
            let s = fnv1a(&[ref_id, expr, &i.to_string()]);
            let host = HOSTS[(seed as usize / 7 + i) % HOSTS.len()];
            let labels = BTreeMap::from([
                ("host".to_owned(), host.to_owned()),
                ("instance".to_owned(), format!("{host}:9100")),
            ]);
            let base = 15.0 + (s % 55) as f64;
            let amplitude = 5.0 + (s / 55 % 15) as f64;
            let period = 3_600_000.0 * (1.5 + (s / 825 % 25) as f64 / 10.0);
            let ripple = 300_000.0 * (1.0 + (s / 20_625 % 20) as f64 / 10.0);
            let phase = (s / 412_500 % 628) as f64 / 100.0;
            let points = times
                .iter()
                .map(|&t| {
                    let value = if up {
                        1.0
                    } else {
                        let t = t as f64;
                        let noise = (fnv1a(&[&s.to_string(), &t.to_string()]) % 1_000) as f64
                            / 1_000.0
                            - 0.5;
                        let wave = base
                            + amplitude * (TAU * t / period + phase).sin()
                            + 0.3 * amplitude * (TAU * t / ripple).sin()
                            + 0.15 * amplitude * noise;
                        (wave.clamp(0.0, 100.0) * 100.0).round() / 100.0
                    };
                    (t, value)
                })
                .collect();
            Series { labels, points }
        })
        .collect();
    Ok(series)
}

/// Whether the expr reads the metric `up`.
fn mentions_up(expr: &str) -> bool {
    expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .any(|word| word == "up")
}

/// `()`, `{}` and `[]` nest properly outside string literals.
fn brackets_balance(expr: &str) -> bool {
    let mut open = Vec::new();
    let mut chars = expr.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' | '\'' | '`' => {
                let quote = c;
                loop {
                    match chars.next() {
                        None => return false,
                        Some('\\') if quote != '`' => {
                            chars.next();
                        }
                        Some(c) if c == quote => break,
                        Some(_) => {}
                    }
                }
            }
            '(' | '{' | '[' => open.push(c),
            ')' | '}' | ']' => {
                let expected = match c {
                    ')' => '(',
                    '}' => '{',
                    _ => '[',
                };
                if open.pop() != Some(expected) {
                    return false;
                }
            }
            _ => {}
        }
    }
    open.is_empty()
}

/// What Grafana's Prometheus datasource does to an expr before sending it: macros become
/// durations; any dashboard variable the frontend left (`$host`, `${host:regex}`, `[[host]]`)
/// matches everything. `$1` and `${1}` (capture groups of `label_replace`) stay.
fn interpolate(expr: &str, window: Window) -> String {
    let range_s = (window.to - window.from) / 1_000;
    let value = |name: &str| -> Option<String> {
        let value = match name {
            "__rate_interval" => "1m".to_owned(),
            "__interval" => "15s".to_owned(),
            "__interval_ms" => "15000".to_owned(),
            "__range" => format!("{range_s}s"),
            "__range_s" => range_s.to_string(),
            "__range_ms" => (window.to - window.from).to_string(),
            _ => ".*".to_owned(),
        };
        Some(value)
    };
    crate::grafana_vars::substitute(expr, value).0
}

/// Runs `expr` as a range query on Prometheus at `base`.
async fn prometheus_series(
    http: &reqwest::Client,
    base: &str,
    expr: &str,
    window: Window,
) -> Result<Vec<Series>, QueryError> {
    if expr.trim().is_empty() {
        return Ok(Vec::new());
    }
    let seconds = |ms: i64| format!("{:.3}", ms as f64 / 1_000.0);
    let url = format!("{base}/api/v1/query_range");
    let mut request = Url::parse(&url).map_err(|err| QueryError {
        status: 500,
        message: format!("{url}: {err}"),
    })?;
    request.query_pairs_mut().extend_pairs([
        ("query", interpolate(expr, window)),
        ("start", seconds(window.from)),
        ("end", seconds(window.to)),
        ("step", seconds(window.step)),
    ]);
    let response = http.get(request).send().await.map_err(|err| QueryError {
        status: 500,
        message: format!("Post \"{url}\": {err}"),
    })?;
    let status = response.status();
    let body: Value = response.json().await.map_err(|err| QueryError {
        status: 500,
        message: format!("{url}: {status}: not JSON: {err}"),
    })?;
    if body["status"] != "success" {
        return Err(QueryError {
            status: if body["errorType"] == "bad_data" {
                400
            } else {
                500
            },
            message: format!(
                "{}: {}",
                body["errorType"].as_str().unwrap_or("error"),
                body["error"].as_str().unwrap_or("Prometheus query failed")
            ),
        });
    }
    Ok(matrix(&body["data"]))
}

/// The series of a Prometheus `matrix` (or `vector`) result.
fn matrix(data: &Value) -> Vec<Series> {
    let sample = |pair: &Value| -> Option<(i64, f64)> {
        let time = pair.get(0)?.as_f64()?;
        let value = pair.get(1)?.as_str()?.parse().unwrap_or(f64::NAN);
        Some(((time * 1_000.0).round() as i64, value))
    };
    data["result"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|item| Series {
            labels: item["metric"]
                .as_object()
                .into_iter()
                .flatten()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect(),
            points: match item["values"].as_array() {
                Some(values) => values.iter().filter_map(sample).collect(),
                None => sample(&item["value"]).into_iter().collect(),
            },
        })
        .collect()
}

/// A series as Grafana's Prometheus datasource frames it: a time and a number field, the labels on
/// the number field, and the legend (when the target has one) as its display name.
fn frame(ref_id: &str, query: &Query, window: Window, series: &Series) -> Value {
    let times: Vec<i64> = series.points.iter().map(|p| p.0).collect();
    let values: Vec<Value> = series
        .points
        .iter()
        .map(|p| {
            serde_json::Number::from_f64(p.1)
                .map(Value::Number)
                .unwrap_or(Value::Null)
        })
        .collect();
    let name = series_name(&series.labels);
    let mut config = json!({});
    if let Some(legend) = query.legend_format.as_deref()
        && !legend.is_empty()
        && legend != "__auto"
    {
        config["displayNameFromDS"] = legend_name(legend, &series.labels).into();
    }
    json!({
        "schema": {
            "name": name,
            "refId": ref_id,
            "meta": {
                "type": "timeseries-multi",
                "typeVersion": [0, 1],
                "executedQueryString": format!("Expr: {}\nStep: {}ms", query.expr, window.step),
            },
            "fields": [
                {
                    "name": "Time",
                    "type": "time",
                    "typeInfo": { "frame": "time.Time" },
                    "config": { "interval": window.step },
                },
                {
                    "name": "Value",
                    "type": "number",
                    "typeInfo": { "frame": "float64", "nullable": true },
                    "labels": series.labels,
                    "config": config,
                },
            ],
        },
        "data": { "values": [times, values] },
    })
}

/// `name{a="b", c="d"}`, as Grafana names a series without a legend.
fn series_name(labels: &BTreeMap<String, String>) -> String {
    let name = labels.get("__name__").map_or("", String::as_str);
    let rest: Vec<String> = labels
        .iter()
        .filter(|(k, _)| k.as_str() != "__name__")
        .map(|(k, v)| format!("{k}=\"{v}\""))
        .collect();
    if rest.is_empty() {
        name.to_owned()
    } else {
        format!("{name}{{{}}}", rest.join(", "))
    }
}

/// A legend format with `{{label}}` replaced by the label's value (empty when missing).
fn legend_name(format: &str, labels: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = format;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start + 2..].find("}}") else {
            break;
        };
        let key = rest[start + 2..start + 2 + end].trim();
        out.push_str(labels.get(key).map_or("", String::as_str));
        rest = &rest[start + 4 + end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const WINDOW: Window = Window {
        from: 0,
        to: 3_600_000,
        step: 15_000,
    };

    #[test]
    fn times_parse_as_grafana_sends_them() {
        let now = 10_000_000;
        assert_eq!(
            parse_time(&json!("1700000000000"), now),
            Some(1_700_000_000_000)
        );
        assert_eq!(parse_time(&json!(1234), now), Some(1234));
        assert_eq!(parse_time(&json!("now"), now), Some(now));
        assert_eq!(parse_time(&json!("now-6h"), now), Some(now - 21_600_000));
        assert_eq!(parse_time(&json!("now-15m/m"), now), Some(now - 900_000));
        assert_eq!(parse_time(&json!("yesterday"), now), None);
        assert_eq!(parse_time(&json!("now-6x"), now), None);
    }

    #[test]
    fn macros_and_leftover_variables_are_substituted_but_capture_groups_stay() {
        assert_eq!(
            interpolate(
                r#"label_replace(rate(x{instance=~"$host", a=~"${host:regex}", b=~"[[host]]"}[$__rate_interval]), "h", "$1", "instance", "(.+):${2}") * $__interval_ms / $__range_s"#,
                WINDOW
            ),
            r#"label_replace(rate(x{instance=~".*", a=~".*", b=~".*"}[1m]), "h", "$1", "instance", "(.+):${2}") * 15000 / 3600"#
        );
        assert_eq!(
            interpolate("avg_over_time(x[$__interval])[5m:]", WINDOW),
            "avg_over_time(x[15s])[5m:]"
        );
    }

    #[test]
    fn steps_respect_interval_and_max_data_points() {
        let query = |interval_ms: Option<f64>, max_data_points: Option<f64>| Query {
            ref_id: "A".into(),
            expr: String::new(),
            legend_format: None,
            interval_ms,
            max_data_points,
        };
        assert_eq!(
            window(0, 3_600_000, &query(Some(2_000.0), None)).step,
            2_000
        );
        assert_eq!(
            window(0, 3_600_000, &query(Some(2_000.0), Some(100.0))).step,
            36_000
        );
        assert_eq!(window(0, 10_000, &query(Some(1.0), None)).step, 1_000);
        let short = Window {
            from: 1_500,
            to: 2_000,
            step: 1_000,
        };
        assert_eq!(timestamps(short), [1_500, 2_000]);
        let times = timestamps(WINDOW);
        assert_eq!((times[0], times.len()), (0, 241));
    }

    #[test]
    fn synthetic_data_is_deterministic_and_unbalanced_exprs_fail() {
        let a = synthetic_series("A", "rate(x[1m])", WINDOW).ok().unwrap();
        let again = synthetic_series("A", "rate(x[1m])", WINDOW).ok().unwrap();
        assert_eq!(a[0].points, again[0].points);
        assert!(a[0].points.iter().all(|p| (0.0..=100.0).contains(&p.1)));
        assert!(
            a[0].points.windows(2).any(|w| w[0].1 != w[1].1),
            "the series moves"
        );
        let up = synthetic_series("A", r#"min by (host) (up{job="node"})"#, WINDOW)
            .ok()
            .unwrap();
        assert!(up.iter().all(|s| s.points.iter().all(|p| p.1 == 1.0)));
        assert!(synthetic_series("A", "sum(rate(x[1m])", WINDOW).is_err());
        assert!(brackets_balance(r#"x{a=")("}"#));
        assert!(!brackets_balance("x{a=\"b}"));
    }

    #[test]
    fn legends_and_names_follow_grafana() {
        let labels = BTreeMap::from([
            ("__name__".to_owned(), "up".to_owned()),
            ("instance".to_owned(), "ook:9100".to_owned()),
            ("job".to_owned(), "node".to_owned()),
        ]);
        assert_eq!(
            series_name(&labels),
            r#"up{instance="ook:9100", job="node"}"#
        );
        assert_eq!(
            legend_name("{{instance}} ({{ job }}) {{nope}}", &labels),
            "ook:9100 (node) "
        );
    }
}
