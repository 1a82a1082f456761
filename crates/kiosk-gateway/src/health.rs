//! Is Grafana there? [`Health`] is the online / degraded / offline state machine of the
//! contract, fed with [`Outcome`]s from `/api/health` polling and from proxied requests, with
//! time passed in so it is tested with fake clocks; [`run`] is the polling task.

use std::sync::Arc;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::{Shared, lock};

/// Failed checks in a row that make Grafana `offline`.
const OFFLINE_AFTER: u32 = 3;

/// The `state` of the contract's `State` JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Online,
    Degraded,
    Offline,
}

impl Status {
    pub const ALL: [Status; 3] = [Status::Online, Status::Degraded, Status::Offline];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Online => "online",
            Status::Degraded => "degraded",
            Status::Offline => "offline",
        }
    }
}

/// Something learnt about Grafana.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// `/api/health` answered 200 after `elapsed`.
    HealthOk {
        version: Option<String>,
        elapsed: Duration,
    },
    /// `/api/health` failed; `refused` when the connection was refused (Grafana is not running).
    HealthFailed { reason: String, refused: bool },
    /// A proxied request got an answer from Grafana.
    ProxyOk,
    /// A proxied request got no usable answer (connection error, timeout, 502–504).
    ProxyFailed { reason: String, refused: bool },
    /// Grafana refused our credentials (401, or 403 on what a viewer may read). Sticks until
    /// [`Outcome::AuthOk`], since `/api/health` needs no credentials and cannot clear it.
    AuthRejected { reason: String },
    /// An authenticated API request succeeded.
    AuthOk,
}

/// The state machine. `now` is wall-clock time because `since` is reported in unix seconds.
#[derive(Debug, Clone)]
pub struct Health {
    status: Status,
    reason: Option<String>,
    since: SystemTime,
    /// Failed checks and proxy errors in a row.
    failures: u32,
    /// The last health check was answered quickly and with 200.
    health_fine: bool,
    auth_problem: Option<String>,
    version: Option<String>,
    /// A health answer slower than this makes Grafana `degraded`.
    slow_after: Duration,
    /// Time spent offline before the current offline spell.
    offline_before: Duration,
}

impl Health {
    /// Starts `degraded` until the first check: nothing is known yet, and requests are still
    /// tried live.
    pub fn new(now: SystemTime, slow_after: Duration) -> Health {
        Health {
            status: Status::Degraded,
            reason: Some("waiting for the first health check".to_owned()),
            since: now,
            failures: 0,
            health_fine: false,
            auth_problem: None,
            version: None,
            slow_after,
            offline_before: Duration::ZERO,
        }
    }

    pub fn status(&self) -> Status {
        self.status
    }

    pub fn reason(&self) -> Option<&str> {
        self.reason.as_deref()
    }

    pub fn since(&self) -> SystemTime {
        self.since
    }

    /// Grafana's version from the last health answer that carried one.
    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    /// Total time spent offline up to `now`.
    pub fn offline_time(&self, now: SystemTime) -> Duration {
        let current = if self.status == Status::Offline {
            now.duration_since(self.since).unwrap_or_default()
        } else {
            Duration::ZERO
        };
        self.offline_before + current
    }

    /// Applies one outcome; returns whether status or reason changed.
    pub fn observe(&mut self, outcome: Outcome, now: SystemTime) -> bool {
        let before = (self.status, self.reason.clone());
        match outcome {
            Outcome::HealthOk { version, elapsed } => {
                self.failures = 0;
                if version.is_some() {
                    self.version = version;
                }
                self.health_fine = elapsed <= self.slow_after;
                if !self.health_fine {
                    let reason = format!(
                        "slow: /api/health answered in {:.1} s",
                        elapsed.as_secs_f64()
                    );
                    self.set(Status::Degraded, Some(reason), now);
                } else if let Some(reason) = self.auth_problem.clone() {
                    self.set(Status::Degraded, Some(reason), now);
                } else {
                    self.set(Status::Online, None, now);
                }
            }
            Outcome::HealthFailed { reason, refused } => {
                self.health_fine = false;
                self.fail(reason, refused, now);
            }
            // A refused connection means Grafana is gone. A timed-out or failed answer (a slow
            // panel query, a 502 from a proxy in front) only says it is struggling:
            // `/api/health` decides offline, or one slow query would blank the whole wall.
            Outcome::ProxyFailed {
                reason,
                refused: true,
            } => self.fail(reason, true, now),
            Outcome::ProxyFailed {
                reason,
                refused: false,
            } => {
                if self.status == Status::Online {
                    self.set(Status::Degraded, Some(reason), now);
                }
            }
            Outcome::ProxyOk => self.failures = 0,
            Outcome::AuthRejected { reason } => {
                self.auth_problem = Some(reason.clone());
                if self.status != Status::Offline {
                    self.set(Status::Degraded, Some(reason), now);
                }
            }
            Outcome::AuthOk => {
                let had = self.auth_problem.take();
                if had.is_some() && self.status == Status::Degraded && self.health_fine {
                    self.set(Status::Online, None, now);
                }
            }
        }
        before != (self.status, self.reason.clone())
    }

    fn fail(&mut self, reason: String, refused: bool, now: SystemTime) {
        self.failures = self.failures.saturating_add(1);
        let status = if refused || self.failures >= OFFLINE_AFTER {
            Status::Offline
        } else if self.status == Status::Offline {
            // Already offline: one more failure does not make it better.
            Status::Offline
        } else {
            Status::Degraded
        };
        self.set(status, Some(reason), now);
    }

    fn set(&mut self, status: Status, reason: Option<String>, now: SystemTime) {
        if status != self.status {
            if self.status == Status::Offline {
                self.offline_before += now.duration_since(self.since).unwrap_or_default();
            }
            self.status = status;
            self.since = now;
        }
        self.reason = reason;
    }
}

/// What SSE subscribers are told changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Snapshot {
    pub status: Status,
    pub reason: Option<String>,
    pub since: SystemTime,
    pub version: Option<String>,
}

/// The shared machine plus a watch channel that wakes SSE streams on every change.
pub(crate) struct Monitor {
    machine: Mutex<Health>,
    changes: watch::Sender<Snapshot>,
}

impl Monitor {
    pub(crate) fn new(slow_after: Duration) -> Monitor {
        let machine = Health::new(SystemTime::now(), slow_after);
        let changes = watch::Sender::new(snapshot(&machine));
        Monitor {
            machine: Mutex::new(machine),
            changes,
        }
    }

    pub(crate) fn observe(&self, outcome: Outcome) {
        let mut machine = lock(&self.machine);
        let old = machine.status();
        let version_before = machine.version().map(str::to_owned);
        let changed = machine.observe(outcome, SystemTime::now());
        if changed && machine.status() != old {
            let reason = machine.reason().unwrap_or("");
            match machine.status() {
                Status::Online => tracing::info!("Grafana is online"),
                status => tracing::warn!(state = status.as_str(), reason, "Grafana is not online"),
            }
        }
        if changed || machine.version() != version_before.as_deref() {
            self.changes.send_replace(snapshot(&machine));
        }
    }

    pub(crate) fn snapshot(&self) -> Snapshot {
        snapshot(&lock(&self.machine))
    }

    pub(crate) fn status(&self) -> Status {
        lock(&self.machine).status()
    }

    pub(crate) fn offline_time(&self) -> Duration {
        lock(&self.machine).offline_time(SystemTime::now())
    }

    pub(crate) fn has_auth_problem(&self) -> bool {
        lock(&self.machine).auth_problem.is_some()
    }

    /// Tells state subscribers (the shell's SSE) to send the state again: something outside
    /// the health machine, such as the age of the data on screen, changed.
    pub(crate) fn republish(&self) {
        self.changes.send_modify(|_| ());
    }

    pub(crate) fn subscribe(&self) -> watch::Receiver<Snapshot> {
        self.changes.subscribe()
    }
}

fn snapshot(machine: &Health) -> Snapshot {
    Snapshot {
        status: machine.status(),
        reason: machine.reason().map(str::to_owned),
        since: machine.since(),
        version: machine.version().map(str::to_owned),
    }
}

/// How long a health check may take before it counts as slow: half its timeout.
pub(crate) fn slow_after(interval: Duration, grafana_timeout: Duration) -> Duration {
    probe_timeout(interval, grafana_timeout) / 2
}

/// A check is given two intervals (at least 1 s, at most Grafana's request timeout), so a hung
/// Grafana is noticed within a few intervals rather than a few request timeouts.
fn probe_timeout(interval: Duration, grafana_timeout: Duration) -> Duration {
    (interval * 2)
        .max(Duration::from_secs(1))
        .min(grafana_timeout.max(Duration::from_millis(100)))
}

/// Polls `/api/health` every `interval` until `token` is cancelled. While Grafana rejects the
/// credentials, also asks an authenticated endpoint, so fixing the token is noticed without
/// waiting for a page to make a request.
pub(crate) async fn run(shared: Arc<Shared>, interval: Duration, token: CancellationToken) {
    let interval = interval.max(Duration::from_millis(10));
    let timeout = probe_timeout(interval, shared.upstream.timeout());
    let mut first = true;
    loop {
        if !first {
            tokio::select! {
                () = token.cancelled() => return,
                () = tokio::time::sleep(next_check(shared.health.status(), interval)) => {}
            }
        }
        first = false;
        let checked = tokio::select! {
            () = token.cancelled() => return,
            outcome = check(&shared, timeout) => outcome,
        };
        let healthy = matches!(checked, Outcome::HealthOk { .. });
        shared.health.observe(checked);
        if healthy && shared.health.has_auth_problem() {
            let outcome = tokio::select! {
                () = token.cancelled() => return,
                outcome = check_auth(&shared, timeout) => outcome,
            };
            if let Some(outcome) = outcome {
                shared.health.observe(outcome);
            }
        }
    }
}

/// While offline, Grafana is asked four times as often (a refused connection costs nothing), so
/// the wall is live again within a fraction of the interval after Grafana returns. A degraded
/// Grafana is struggling: it is not asked more often.
fn next_check(status: Status, interval: Duration) -> Duration {
    match status {
        Status::Offline => (interval / 4).max(Duration::from_millis(100)).min(interval),
        _ => interval,
    }
}

#[derive(Deserialize)]
struct HealthBody {
    version: Option<String>,
}

async fn check(shared: &Shared, timeout: Duration) -> Outcome {
    let started = Instant::now();
    let url = shared.target.upstream_url("/api/health");
    let response = shared
        .upstream
        .plain()
        .get(&url)
        .timeout(timeout)
        .send()
        .await;
    let response = match response {
        Ok(response) => response,
        Err(err) => {
            let (reason, refused) = crate::proxy::describe_error(&err, timeout);
            return Outcome::HealthFailed { reason, refused };
        }
    };
    let status = response.status();
    if !status.is_success() {
        return Outcome::HealthFailed {
            reason: format!("HTTP {} from /api/health", status.as_u16()),
            refused: false,
        };
    }
    let version = match response.bytes().await {
        Ok(body) => serde_json::from_slice::<HealthBody>(&body)
            .ok()
            .and_then(|b| b.version),
        Err(err) => {
            let (reason, refused) = crate::proxy::describe_error(&err, timeout);
            return Outcome::HealthFailed { reason, refused };
        }
    };
    Outcome::HealthOk {
        version,
        elapsed: started.elapsed(),
    }
}

/// `None` when the answer says nothing about credentials (an error, a 5xx).
async fn check_auth(shared: &Shared, timeout: Duration) -> Option<Outcome> {
    let url = shared.target.upstream_url("/api/search?limit=1");
    let response = shared
        .upstream
        .authorized(shared.upstream.plain().get(&url))
        .timeout(timeout)
        .send()
        .await
        .ok()?;
    crate::proxy::auth_outcome(
        shared.upstream.credentials_kind(),
        response.status(),
        "/api/search",
        true,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_764_000_000 + secs)
    }

    fn ok() -> Outcome {
        Outcome::HealthOk {
            version: Some("11.6.0".into()),
            elapsed: Duration::from_millis(20),
        }
    }

    fn failed(reason: &str) -> Outcome {
        Outcome::HealthFailed {
            reason: reason.into(),
            refused: false,
        }
    }

    fn machine() -> Health {
        Health::new(at(0), Duration::from_secs(1))
    }

    #[test]
    fn one_good_check_is_online() {
        let mut h = machine();
        assert_eq!(h.status(), Status::Degraded);
        assert!(h.observe(ok(), at(1)));
        assert_eq!(h.status(), Status::Online);
        assert_eq!(h.reason(), None);
        assert_eq!(h.since(), at(1));
        assert_eq!(h.version(), Some("11.6.0"));
        assert!(!h.observe(ok(), at(2)), "no change, no news");
        assert_eq!(h.since(), at(1));
    }

    #[test]
    fn three_failures_in_a_row_are_offline() {
        let mut h = machine();
        h.observe(ok(), at(0));
        h.observe(failed("HTTP 503 from /api/health"), at(2));
        assert_eq!(h.status(), Status::Degraded);
        assert_eq!(h.reason(), Some("HTTP 503 from /api/health"));
        h.observe(failed("HTTP 503 from /api/health"), at(4));
        assert_eq!(h.status(), Status::Degraded);
        h.observe(failed("HTTP 503 from /api/health"), at(6));
        assert_eq!(h.status(), Status::Offline);
        assert_eq!(h.since(), at(6));
        h.observe(ok(), at(8));
        assert_eq!(h.status(), Status::Online);
        assert_eq!(h.offline_time(at(100)), Duration::from_secs(2));
    }

    #[test]
    fn a_success_breaks_the_run_of_failures() {
        let mut h = machine();
        h.observe(failed("x"), at(1));
        h.observe(failed("x"), at(2));
        h.observe(Outcome::ProxyOk, at(3));
        h.observe(failed("x"), at(4));
        assert_eq!(h.status(), Status::Degraded);
    }

    #[test]
    fn connection_refused_is_offline_at_once() {
        let mut h = machine();
        h.observe(ok(), at(0));
        h.observe(
            Outcome::HealthFailed {
                reason: "connection refused".into(),
                refused: true,
            },
            at(5),
        );
        assert_eq!(h.status(), Status::Offline);
        assert_eq!(h.reason(), Some("connection refused"));
        assert_eq!(h.offline_time(at(15)), Duration::from_secs(10));
    }

    #[test]
    fn offline_is_checked_more_often() {
        let interval = Duration::from_secs(2);
        assert_eq!(
            next_check(Status::Offline, interval),
            Duration::from_millis(500)
        );
        assert_eq!(next_check(Status::Degraded, interval), interval);
        assert_eq!(next_check(Status::Online, interval), interval);
        let tiny = Duration::from_millis(50);
        assert_eq!(
            next_check(Status::Offline, tiny),
            tiny,
            "never slower than the interval"
        );
    }

    #[test]
    fn slow_or_failed_answers_degrade_but_only_refusal_takes_it_offline() {
        let mut h = machine();
        h.observe(ok(), at(0));
        for second in 1..=5 {
            h.observe(
                Outcome::ProxyFailed {
                    reason: "no answer within 10 s".into(),
                    refused: false,
                },
                at(second),
            );
        }
        // Regression: four slow panel queries used to flip a healthy Grafana to offline.
        assert_eq!(h.status(), Status::Degraded);
        assert_eq!(h.reason(), Some("no answer within 10 s"));
        h.observe(ok(), at(6));
        assert_eq!(h.status(), Status::Online, "a good health check clears it");
        h.observe(
            Outcome::ProxyFailed {
                reason: "connection refused".into(),
                refused: true,
            },
            at(7),
        );
        assert_eq!(h.status(), Status::Offline);
    }

    #[test]
    fn slow_answers_are_degraded() {
        let mut h = machine();
        h.observe(
            Outcome::HealthOk {
                version: None,
                elapsed: Duration::from_millis(2500),
            },
            at(1),
        );
        assert_eq!(h.status(), Status::Degraded);
        assert_eq!(h.reason(), Some("slow: /api/health answered in 2.5 s"));
    }

    #[test]
    fn rejected_credentials_stay_degraded_until_an_authenticated_success() {
        let mut h = machine();
        h.observe(ok(), at(0));
        let reason = "token revoked or invalid (401 from Grafana)";
        h.observe(
            Outcome::AuthRejected {
                reason: reason.into(),
            },
            at(1),
        );
        assert_eq!(h.status(), Status::Degraded);
        h.observe(ok(), at(2));
        assert_eq!(h.status(), Status::Degraded, "health needs no credentials");
        assert_eq!(h.reason(), Some(reason));
        h.observe(Outcome::AuthOk, at(3));
        assert_eq!(h.status(), Status::Online);
    }

    #[test]
    fn offline_wins_over_an_auth_problem() {
        let mut h = machine();
        h.observe(
            Outcome::HealthFailed {
                reason: "connection refused".into(),
                refused: true,
            },
            at(1),
        );
        h.observe(
            Outcome::AuthRejected {
                reason: "401".into(),
            },
            at(2),
        );
        assert_eq!(h.status(), Status::Offline);
        h.observe(ok(), at(3));
        assert_eq!(h.status(), Status::Degraded);
        assert_eq!(h.reason(), Some("401"));
    }

    #[test]
    fn probe_timeout_is_bounded() {
        let ten = Duration::from_secs(10);
        assert_eq!(
            probe_timeout(Duration::from_secs(2), ten),
            Duration::from_secs(4)
        );
        assert_eq!(
            probe_timeout(Duration::from_millis(200), ten),
            Duration::from_secs(1)
        );
        assert_eq!(
            probe_timeout(Duration::from_secs(60), ten),
            Duration::from_secs(10)
        );
    }
}
