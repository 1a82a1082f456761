//! Runs the real Prometheus and node_exporter binaries (Debian's `prometheus` and
//! `prometheus-node-exporter`) on 127.0.0.1 for end-to-end data tests: a generated scrape config,
//! a throw-away TSDB, bounded waits until targets are up, and PromQL query helpers. Each process
//! is killed when its handle is dropped.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::File;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, anyhow, bail};
use serde::Deserialize;
use serde_json::Value;
use tempfile::TempDir;
use url::Url;

/// How often Prometheus scrapes every target.
pub const SCRAPE_INTERVAL: Duration = Duration::from_secs(1);
/// Longest wait for Prometheus to be ready and every target up.
pub const START_TIMEOUT: Duration = Duration::from_secs(30);

const PROMETHEUS_BIN: (&str, &str, &str) =
    ("KIOSK_PROMETHEUS_BIN", "/usr/bin/prometheus", "prometheus");
const NODE_EXPORTER_BIN: (&str, &str, &str) = (
    "KIOSK_NODE_EXPORTER_BIN",
    "/usr/bin/prometheus-node-exporter",
    "prometheus-node-exporter",
);
/// Collectors the fleet dashboards read; the others are slow or noisy and stay off.
const NODE_COLLECTORS: &[&str] = &[
    "cpu",
    "meminfo",
    "filesystem",
    "netdev",
    "diskstats",
    "loadavg",
    "time",
    "stat",
    "uname",
    "hwmon",
    "thermal_zone",
];
/// Attempts at starting a binary on a free port, in case another process takes the port between
/// our finding it free and the binary binding it.
const ATTEMPTS: usize = 3;

/// One thing for Prometheus to scrape at `http://<address>/metrics`, under `job`, with `instance`
/// set to how the fleet names it (`ook:9400`) rather than the loopback address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScrapeTarget {
    pub job: String,
    pub instance: String,
    pub address: SocketAddr,
}

/// One series of a query result: its labels and its `(unix seconds, value)` samples (one for an
/// instant query).
#[derive(Clone, Debug)]
pub struct Series {
    pub labels: BTreeMap<String, String>,
    pub values: Vec<(f64, f64)>,
}

/// A running Prometheus scraping a set of targets; killed on drop.
pub struct Prometheus {
    process: Process,
    url: String,
    http: reqwest::Client,
    targets: Vec<ScrapeTarget>,
    // Dropped after `process`: the TSDB outlives the server writing it.
    _dir: TempDir,
}

/// A running node_exporter; killed on drop.
pub struct NodeExporter {
    _process: Process,
    address: SocketAddr,
    _dir: TempDir,
}

/// A child process that is killed and reaped when dropped; its output goes to `log`.
struct Process {
    child: Child,
    name: String,
    log: PathBuf,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Process {
    fn spawn(bin: &Path, args: &[String], log: PathBuf) -> anyhow::Result<Process> {
        let out = File::create(&log).with_context(|| format!("cannot create {}", log.display()))?;
        let err = out.try_clone()?;
        let child = Command::new(bin)
            .args(args)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .with_context(|| format!("cannot start {}", bin.display()))?;
        Ok(Process {
            child,
            name: bin.display().to_string(),
            log,
        })
    }

    /// `Some(message)` once the process has exited, with the end of its log.
    fn exited(&mut self) -> Option<String> {
        match self.child.try_wait() {
            Ok(Some(status)) => Some(format!(
                "{} exited ({status}):\n{}",
                self.name,
                self.log_tail()
            )),
            Ok(None) => None,
            Err(err) => Some(format!("cannot wait for {}: {err}", self.name)),
        }
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}

/// The binary named by `env` (or its Debian default), or an error saying how to get it.
fn binary((env, default, package): (&str, &str, &str)) -> anyhow::Result<PathBuf> {
    let path = std::env::var_os(env).map_or_else(|| PathBuf::from(default), PathBuf::from);
    if !path.is_file() {
        bail!(
            "{} not found: install the Debian package `{package}` (apt-get install -y {package}) \
             or point {env} at the binary",
            path.display()
        );
    }
    Ok(path)
}

fn free_port() -> anyhow::Result<u16> {
    let listener =
        TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).context("cannot find a free port")?;
    Ok(listener.local_addr()?.port())
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("an HTTP client without TLS settings builds")
}

/// Prometheus' configuration scraping `targets` every `interval`, one job per distinct `job`.
pub fn config_yaml(targets: &[ScrapeTarget], interval: Duration) -> String {
    let seconds = format!("{}s", interval.as_secs().max(1));
    let mut yaml = String::from(
        "# Generated by kiosk-tests: the fleet's exporters on loopback, labelled as the fleet's hosts.\n",
    );
    let _ = writeln!(
        yaml,
        "global:\n  scrape_interval: {seconds}\n  scrape_timeout: {seconds}\n  evaluation_interval: {seconds}\nscrape_configs:"
    );
    let mut jobs: Vec<&str> = Vec::new();
    for target in targets {
        if !jobs.contains(&target.job.as_str()) {
            jobs.push(&target.job);
        }
    }
    for job in jobs {
        let _ = writeln!(yaml, "  - job_name: {}\n    static_configs:", quote(job));
        for target in targets.iter().filter(|t| t.job == job) {
            let _ = writeln!(
                yaml,
                "      - targets: [{}]\n        labels:\n          instance: {}",
                quote(&target.address.to_string()),
                quote(&target.instance)
            );
        }
    }
    yaml
}

/// A YAML single-quoted scalar.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn unix(time: SystemTime) -> String {
    let seconds = time
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    format!("{seconds:.3}")
}

impl Prometheus {
    /// Starts Prometheus on a free 127.0.0.1 port scraping `targets` every `SCRAPE_INTERVAL`, and
    /// returns once it is ready and every target is up (at most `START_TIMEOUT`).
    pub async fn start(targets: &[ScrapeTarget]) -> anyhow::Result<Prometheus> {
        let bin = binary(PROMETHEUS_BIN)?;
        let dir = tempfile::Builder::new()
            .prefix("kiosk-prometheus-")
            .tempdir()
            .context("cannot create a directory for Prometheus")?;
        let config = dir.path().join("prometheus.yml");
        std::fs::write(&config, config_yaml(targets, SCRAPE_INTERVAL))
            .with_context(|| format!("cannot write {}", config.display()))?;
        let http = client();
        let deadline = Instant::now() + START_TIMEOUT;
        let mut attempt = 0;
        let (process, url) = loop {
            attempt += 1;
            let port = free_port()?;
            let args = vec![
                format!("--config.file={}", config.display()),
                format!("--storage.tsdb.path={}", dir.path().join("data").display()),
                format!("--web.listen-address=127.0.0.1:{port}"),
                "--storage.tsdb.retention.time=1h".to_owned(),
            ];
            let mut process = Process::spawn(&bin, &args, dir.path().join("prometheus.log"))?;
            let url = format!("http://127.0.0.1:{port}");
            match wait_ready(&http, &format!("{url}/-/ready"), &mut process, deadline).await {
                Ok(()) => break (process, url),
                Err(err)
                    if attempt < ATTEMPTS
                        && process.log_tail().contains("address already in use") =>
                {
                    tracing::debug!(%err, "port taken, trying another");
                }
                Err(err) => return Err(err),
            }
        };
        let prometheus = Prometheus {
            process,
            url,
            http,
            targets: targets.to_vec(),
            _dir: dir,
        };
        prometheus.wait_targets_up(deadline).await?;
        Ok(prometheus)
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }

    async fn wait_targets_up(&self, deadline: Instant) -> anyhow::Result<()> {
        loop {
            let down = self.targets_not_up().await?;
            if down.is_empty() {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "targets not up after {}s: {}",
                    START_TIMEOUT.as_secs(),
                    down.join("; ")
                );
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The expected targets Prometheus does not report as up, with their last error.
    async fn targets_not_up(&self) -> anyhow::Result<Vec<String>> {
        let body = self.get("/api/v1/targets", &[("state", "active")]).await?;
        let active = body["data"]["activeTargets"]
            .as_array()
            .ok_or_else(|| anyhow!("no activeTargets in {body}"))?;
        let mut down = Vec::new();
        for target in &self.targets {
            let found = active.iter().find(|t| {
                t["labels"]["job"] == target.job.as_str()
                    && t["labels"]["instance"] == target.instance.as_str()
            });
            match found {
                Some(t) if t["health"] == "up" => {}
                Some(t) => down.push(format!(
                    "{} {} ({}): {} {}",
                    target.job,
                    target.instance,
                    target.address,
                    t["health"].as_str().unwrap_or("?"),
                    t["lastError"].as_str().unwrap_or("")
                )),
                None => down.push(format!(
                    "{} {} ({}): not among Prometheus' targets",
                    target.job, target.instance, target.address
                )),
            }
        }
        Ok(down)
    }

    /// Waits until every target has been scraped at least `scrapes` times (bounded by `timeout`),
    /// so `rate()` over a few scrape intervals has samples everywhere.
    pub async fn wait_for_scrapes(&self, scrapes: usize, timeout: Duration) -> anyhow::Result<()> {
        let deadline = Instant::now() + timeout;
        let expected = self.targets.len();
        loop {
            let counts = self.instant("count_over_time(up[5m])").await?;
            let fewest = counts
                .iter()
                .map(|s| s.values.first().map_or(0.0, |v| v.1))
                .fold(f64::INFINITY, f64::min);
            if counts.len() >= expected && fewest >= scrapes as f64 {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "fewer than {scrapes} scrapes of every target after {}s ({} of {expected} \
                     targets seen, fewest scrapes {fewest})",
                    timeout.as_secs(),
                    counts.len()
                );
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Evaluates `expr` now.
    pub async fn instant(&self, expr: &str) -> anyhow::Result<Vec<Series>> {
        let body = self.get("/api/v1/query", &[("query", expr)]).await?;
        parse_result(expr, &body)
    }

    /// Evaluates `expr` from `start` to `end` every `step`.
    pub async fn range(
        &self,
        expr: &str,
        start: SystemTime,
        end: SystemTime,
        step: Duration,
    ) -> anyhow::Result<Vec<Series>> {
        let step = format!("{:.3}", step.as_secs_f64());
        let body = self
            .get(
                "/api/v1/query_range",
                &[
                    ("query", expr),
                    ("start", &unix(start)),
                    ("end", &unix(end)),
                    ("step", &step),
                ],
            )
            .await?;
        parse_result(expr, &body)
    }

    /// GETs an API path; errors name the path, and Prometheus' own error when it gave one.
    async fn get(&self, path: &str, params: &[(&str, &str)]) -> anyhow::Result<Value> {
        let mut url = Url::parse(&format!("{}{path}", self.url))?;
        url.query_pairs_mut().extend_pairs(params);
        let response = self
            .http
            .get(url)
            .send()
            .await
            .with_context(|| format!("GET {}{path}", self.url))?;
        let status = response.status();
        let text = response.text().await?;
        let body: Value = serde_json::from_str(&text)
            .with_context(|| format!("GET {path}: {status}: not JSON: {text}"))?;
        if body["status"] != "success" {
            bail!(
                "{} {}",
                body["errorType"].as_str().unwrap_or("error"),
                body["error"].as_str().unwrap_or(&text)
            );
        }
        Ok(body)
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        if let Some(message) = self.process.exited() {
            tracing::warn!("{message}");
        }
    }
}

/// Polls `url` until it answers 200, the process exits, or `deadline` passes.
async fn wait_ready(
    http: &reqwest::Client,
    url: &str,
    process: &mut Process,
    deadline: Instant,
) -> anyhow::Result<()> {
    loop {
        if let Some(message) = process.exited() {
            bail!("{message}");
        }
        if let Ok(response) = http.get(url).send().await
            && response.status().is_success()
        {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!(
                "{} not ready at {url} in time:\n{}",
                process.name,
                process.log_tail()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[derive(Deserialize)]
struct Sample(f64, String);

#[derive(Deserialize)]
struct VectorItem {
    metric: BTreeMap<String, String>,
    value: Sample,
}

#[derive(Deserialize)]
struct MatrixItem {
    metric: BTreeMap<String, String>,
    values: Vec<Sample>,
}

fn value(Sample(time, value): Sample) -> (f64, f64) {
    (time, value.parse().unwrap_or(f64::NAN))
}

/// The series of a successful query response, whatever its result type (a scalar or string
/// counts as one series without labels).
fn parse_result(expr: &str, body: &Value) -> anyhow::Result<Vec<Series>> {
    let data = &body["data"];
    let result = data["result"].clone();
    let parsed = match data["resultType"].as_str() {
        Some("vector") => serde_json::from_value::<Vec<VectorItem>>(result).map(|items| {
            items
                .into_iter()
                .map(|item| Series {
                    labels: item.metric,
                    values: vec![value(item.value)],
                })
                .collect()
        }),
        Some("matrix") => serde_json::from_value::<Vec<MatrixItem>>(result).map(|items| {
            items
                .into_iter()
                .map(|item| Series {
                    labels: item.metric,
                    values: item.values.into_iter().map(value).collect(),
                })
                .collect()
        }),
        Some("scalar" | "string") => serde_json::from_value::<Sample>(result).map(|sample| {
            vec![Series {
                labels: BTreeMap::new(),
                values: vec![value(sample)],
            }]
        }),
        other => bail!("{expr}: unknown result type {other:?}"),
    };
    parsed.with_context(|| format!("{expr}: unexpected result {data}"))
}

impl NodeExporter {
    /// Starts node_exporter on a free 127.0.0.1 port with the collectors the fleet dashboards read,
    /// and returns once it serves `/metrics`.
    pub async fn start() -> anyhow::Result<NodeExporter> {
        let bin = binary(NODE_EXPORTER_BIN)?;
        let dir = tempfile::Builder::new()
            .prefix("kiosk-node-exporter-")
            .tempdir()
            .context("cannot create a directory for node_exporter")?;
        let http = client();
        let deadline = Instant::now() + START_TIMEOUT;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let port = free_port()?;
            let mut args = vec![
                format!("--web.listen-address=127.0.0.1:{port}"),
                "--collector.disable-defaults".to_owned(),
            ];
            args.extend(NODE_COLLECTORS.iter().map(|c| format!("--collector.{c}")));
            let mut process = Process::spawn(&bin, &args, dir.path().join("node_exporter.log"))?;
            let url = format!("http://127.0.0.1:{port}/metrics");
            match wait_ready(&http, &url, &mut process, deadline).await {
                Ok(()) => {
                    return Ok(NodeExporter {
                        _process: process,
                        address: SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
                        _dir: dir,
                    });
                }
                Err(err)
                    if attempt < ATTEMPTS
                        && process.log_tail().contains("address already in use") =>
                {
                    tracing::debug!(%err, "port taken, trying another");
                }
                Err(err) => return Err(err),
            }
        }
    }

    /// `127.0.0.1:PORT`.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// This exporter as a scrape target of `job`, labelled `instance`.
    pub fn target(&self, job: &str, instance: &str) -> ScrapeTarget {
        ScrapeTarget {
            job: job.to_owned(),
            instance: instance.to_owned(),
            address: self.address,
        }
    }
}
