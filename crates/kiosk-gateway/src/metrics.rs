//! The kiosk's own Prometheus metrics (`/__kiosk/metrics`, names from the contract). Counters
//! move as things happen; gauges that mirror other state (health, cache size, heartbeat age)
//! are refreshed when scraped.

use std::sync::Mutex;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::health::Status;
use crate::lock;

type Labels = Vec<(&'static str, String)>;

/// How a proxied request was answered, for `kiosk_proxy_requests_total{outcome}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProxyOutcome {
    /// Grafana answered.
    Live,
    /// Replayed from the offline cache.
    Cached,
    /// Neither: the waiting page or a 503.
    Failed,
}

impl ProxyOutcome {
    fn as_str(self) -> &'static str {
        match self {
            ProxyOutcome::Live => "live",
            ProxyOutcome::Cached => "cached",
            ProxyOutcome::Failed => "failed",
        }
    }
}

/// What a scrape needs from the rest of the gateway.
pub(crate) struct Refresh {
    pub status: Status,
    pub offline_time: Duration,
    pub cache_bytes: u64,
}

pub(crate) struct Metrics {
    registry: Registry,
    state: Family<Labels, Gauge>,
    page_info: Family<Labels, Gauge>,
    swaps: Counter,
    swap_wait: Histogram,
    offline_seconds: Counter<f64, AtomicU64>,
    cache_bytes: Gauge,
    heartbeat_age: Gauge<f64, AtomicU64>,
    errors: Family<Labels, Counter>,
    proxy: Family<Labels, Counter>,
    recoveries: Family<Labels, Counter>,
    last_heartbeat: Mutex<Option<Instant>>,
    /// A heartbeat reported a painted page or a designed message on screen.
    shown: std::sync::atomic::AtomicBool,
    /// Serializes scrapes: the offline counter is advanced by the difference since the last one.
    scrape: Mutex<()>,
}

impl Metrics {
    pub(crate) fn new() -> Metrics {
        let mut registry = Registry::default();
        let state = Family::<Labels, Gauge>::default();
        let page_info = Family::<Labels, Gauge>::default();
        let swaps = Counter::default();
        // From an instant swap to a page that took most of a minute to paint.
        let swap_wait = Histogram::new([0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0]);
        let offline_seconds = Counter::<f64, AtomicU64>::default();
        let cache_bytes = Gauge::default();
        let heartbeat_age = Gauge::<f64, AtomicU64>::default();
        let errors = Family::<Labels, Counter>::default();
        let proxy = Family::<Labels, Counter>::default();
        let recoveries = Family::<Labels, Counter>::default();
        registry.register(
            "kiosk_state",
            "Grafana's state as the gateway sees it (1 for the current state)",
            state.clone(),
        );
        registry.register(
            "kiosk_page_info",
            "The page the wallboard shows (1 for the current page)",
            page_info.clone(),
        );
        registry.register("kiosk_swaps", "Page swaps the shell made", swaps.clone());
        registry.register(
            "kiosk_swap_wait_seconds",
            "How long the shell waited for the next page to paint before swapping",
            swap_wait.clone(),
        );
        registry.register(
            "kiosk_offline_seconds",
            "Time Grafana was offline",
            offline_seconds.clone(),
        );
        registry.register(
            "kiosk_cache_bytes",
            "Size of the offline cache on disk",
            cache_bytes.clone(),
        );
        registry.register(
            "kiosk_heartbeat_age_seconds",
            "Time since the shell's last heartbeat (-1 before the first)",
            heartbeat_age.clone(),
        );
        registry.register(
            "kiosk_errors",
            "Problems the shell reported, by kind",
            errors.clone(),
        );
        registry.register(
            "kiosk_proxy_requests",
            "Proxied requests by how they were answered",
            proxy.clone(),
        );
        registry.register(
            "kiosk_recoveries",
            "Steps of the app's self-healing ladder (reload, recreate, exit) by reason",
            recoveries.clone(),
        );
        for outcome in [
            ProxyOutcome::Live,
            ProxyOutcome::Cached,
            ProxyOutcome::Failed,
        ] {
            // Created up front so every outcome is exported, at 0 until it happens.
            drop(proxy.get_or_create(&vec![("outcome", outcome.as_str().to_owned())]));
        }
        Metrics {
            registry,
            state,
            page_info,
            swaps,
            swap_wait,
            offline_seconds,
            cache_bytes,
            heartbeat_age,
            errors,
            proxy,
            recoveries,
            last_heartbeat: Mutex::new(None),
            shown: std::sync::atomic::AtomicBool::new(false),
            scrape: Mutex::new(()),
        }
    }

    pub(crate) fn proxied(&self, outcome: ProxyOutcome) {
        self.proxy
            .get_or_create(&vec![("outcome", outcome.as_str().to_owned())])
            .inc();
    }

    pub(crate) fn recovery(&self, rung: &'static str, reason: &'static str) {
        self.recoveries
            .get_or_create(&vec![
                ("rung", rung.to_owned()),
                ("reason", reason.to_owned()),
            ])
            .inc();
    }

    pub(crate) fn swap(&self, page: &str, wait: Duration) {
        self.swaps.inc();
        self.swap_wait.observe(wait.as_secs_f64());
        self.showing(page);
    }

    /// The shell is alive; `shown`: it has a page or a designed message on screen.
    pub(crate) fn heartbeat(&self, page: &str, shown: bool) {
        *lock(&self.last_heartbeat) = Some(Instant::now());
        if shown {
            self.shown.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        self.showing(page);
    }

    pub(crate) fn shown(&self) -> bool {
        self.shown.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub(crate) fn problem(&self, kind: &str) {
        // Only known kinds become labels, so a confused client cannot grow the series count.
        let kind = match kind {
            "login" | "error" | "blank" => kind,
            _ => "other",
        };
        self.errors
            .get_or_create(&vec![("kind", kind.to_owned())])
            .inc();
    }

    pub(crate) fn heartbeat_age(&self) -> Option<Duration> {
        lock(&self.last_heartbeat).map(|at| at.elapsed())
    }

    fn showing(&self, page: &str) {
        if page.is_empty() {
            return;
        }
        let labels = vec![("page", page.to_owned())];
        if self.page_info.get(&labels).is_none() {
            self.page_info.clear();
        }
        self.page_info.get_or_create(&labels).set(1);
    }

    /// The text exposition (OpenMetrics), after bringing the mirrored gauges up to date.
    pub(crate) fn render(&self, refresh: Refresh) -> String {
        let _scrape = lock(&self.scrape);
        for status in Status::ALL {
            self.state
                .get_or_create(&vec![("state", status.as_str().to_owned())])
                .set(i64::from(status == refresh.status));
        }
        let offline = refresh.offline_time.as_secs_f64();
        let reported = self.offline_seconds.get();
        if offline > reported {
            self.offline_seconds.inc_by(offline - reported);
        }
        self.cache_bytes
            .set(i64::try_from(refresh.cache_bytes).unwrap_or(i64::MAX));
        self.heartbeat_age
            .set(self.heartbeat_age().map_or(-1.0, |age| age.as_secs_f64()));
        let mut text = String::new();
        if let Err(err) = encode(&mut text, &self.registry) {
            tracing::warn!(%err, "cannot encode metrics");
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposes_the_contract_names() {
        let metrics = Metrics::new();
        metrics.swap("fleet-overview", Duration::from_millis(840));
        metrics.heartbeat("fleet-overview", true);
        metrics.problem("login");
        metrics.problem("<script>");
        metrics.proxied(ProxyOutcome::Cached);
        metrics.recovery("reload", "web_process_gone");
        let text = metrics.render(Refresh {
            status: Status::Offline,
            offline_time: Duration::from_secs(12),
            cache_bytes: 1234,
        });
        for needle in [
            "kiosk_state{state=\"offline\"} 1",
            "kiosk_state{state=\"online\"} 0",
            "kiosk_page_info{page=\"fleet-overview\"} 1",
            "kiosk_swaps_total 1",
            "kiosk_swap_wait_seconds_bucket{le=\"1.0\"} 1",
            "kiosk_offline_seconds_total 12.0",
            "kiosk_cache_bytes 1234",
            "kiosk_heartbeat_age_seconds 0.",
            "kiosk_errors_total{kind=\"login\"} 1",
            "kiosk_errors_total{kind=\"other\"} 1",
            "kiosk_proxy_requests_total{outcome=\"cached\"} 1",
            "kiosk_proxy_requests_total{outcome=\"live\"} 0",
            "kiosk_recoveries_total{rung=\"reload\",reason=\"web_process_gone\"} 1",
        ] {
            assert!(text.contains(needle), "{needle} missing from\n{text}");
        }
    }

    #[test]
    fn only_the_current_page_is_shown() {
        let metrics = Metrics::new();
        metrics.heartbeat("a", true);
        metrics.heartbeat("b", true);
        let text = metrics.render(Refresh {
            status: Status::Online,
            offline_time: Duration::ZERO,
            cache_bytes: 0,
        });
        assert!(text.contains("kiosk_page_info{page=\"b\"} 1"));
        assert!(!text.contains("page=\"a\""));
    }

    #[test]
    fn offline_seconds_only_grow() {
        let metrics = Metrics::new();
        let at = |secs| Refresh {
            status: Status::Offline,
            offline_time: Duration::from_secs(secs),
            cache_bytes: 0,
        };
        metrics.render(at(5));
        let text = metrics.render(at(7));
        assert!(text.contains("kiosk_offline_seconds_total 7.0"), "{text}");
    }
}
