//! The wallboard's loopback gateway (contract: docs/wallboard.md): serves the shell under
//! `/__kiosk/`, reverse-proxies everything else to Grafana with the credentials injected and
//! the frame-blocking headers stripped, replays cached answers while Grafana is unreachable,
//! and tracks Grafana's health as online / degraded / offline.

mod api;
mod error;
mod health;
mod metrics;
mod offline;
mod proxy;
mod session;
mod shell;
mod target;
mod waiting;

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use kiosk_display::Plan;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

pub use api::{Report, State};
pub use error::Error;
pub use health::{Health, Outcome, Status};

use health::Monitor;
use metrics::Metrics;
use proxy::Upstream;
use session::Sessions;
use target::Target;

/// What the gateway needs to run; [`Options::from_config`] fills it from `kiosk.toml`.
#[derive(Debug, Clone)]
pub struct Options {
    pub grafana: kiosk_config::GrafanaConfig,
    /// The gateway stores its cache under `<cache_dir>/gateway`.
    pub cache_dir: PathBuf,
    pub cache_max_bytes: u64,
    /// How often `/api/health` is polled.
    pub health_interval: Duration,
    /// Listening on a non-loopback address is refused unless this is set: the gateway holds
    /// Grafana's credentials and hands them to anyone holding a session.
    pub allow_remote: bool,
    /// A second listener serving only `GET /metrics`, without a session.
    pub metrics_listen: Option<SocketAddr>,
}

impl Options {
    /// The options `kiosk.toml` describes (`[grafana]`, `[cache]`, `[gateway]`).
    pub fn from_config(config: &kiosk_config::Config) -> Options {
        Options {
            grafana: config.grafana.clone(),
            cache_dir: config.cache.dir.clone(),
            cache_max_bytes: config.cache.max_bytes,
            health_interval: config.gateway.health_interval,
            allow_remote: config.gateway.allow_remote,
            metrics_listen: config.gateway.metrics_listen,
        }
    }
}

/// A bound gateway, not yet serving. [`Gateway::handle`] keeps working after
/// [`Gateway::serve`] has taken the gateway.
pub struct Gateway {
    listener: TcpListener,
    metrics_listener: Option<TcpListener>,
    handle: Handle,
    health_interval: Duration,
}

/// A cheap, cloneable view of a gateway: session URLs, the plan, the state, the metrics.
#[derive(Clone)]
pub struct Handle {
    shared: Arc<Shared>,
}

/// Everything the request handlers and the health task share.
pub(crate) struct Shared {
    pub(crate) addr: SocketAddr,
    pub(crate) target: Target,
    pub(crate) upstream: Upstream,
    pub(crate) cache: kiosk_cache::Cache,
    pub(crate) sessions: Sessions,
    pub(crate) health: Monitor,
    pub(crate) plan: watch::Sender<Plan>,
    pub(crate) metrics: Metrics,
    /// When the last live `/api/ds/query` answer arrived.
    pub(crate) last_live: Mutex<Option<SystemTime>>,
    /// Cancelled when serving stops: ends the SSE streams, websocket pipes and health task, which
    /// would otherwise keep graceful shutdown waiting forever.
    pub(crate) shutdown: CancellationToken,
}

/// A panic in one handler must not wedge the gateway: the data behind these locks stays valid.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Gateway {
    /// Binds `addr` (port 0 picks a free port), opens the cache and builds the upstream
    /// clients. Nothing is served until [`Gateway::serve`].
    pub async fn bind(addr: SocketAddr, options: Options) -> Result<Gateway, Error> {
        if !options.allow_remote && !addr.ip().to_canonical().is_loopback() {
            return Err(Error::NotLoopback { addr });
        }
        let target = Target::new(&options.grafana.url)?;
        let upstream = Upstream::new(&options.grafana)?;
        let cache_dir = options.cache_dir.join("gateway");
        let cache =
            kiosk_cache::Cache::open(&cache_dir, options.cache_max_bytes).map_err(|source| {
                Error::Cache {
                    dir: cache_dir.clone(),
                    source,
                }
            })?;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| Error::Bind { addr, source })?;
        let local = listener
            .local_addr()
            .map_err(|source| Error::Bind { addr, source })?;
        let metrics_listener = match options.metrics_listen {
            Some(addr) => Some(
                TcpListener::bind(addr)
                    .await
                    .map_err(|source| Error::Bind { addr, source })?,
            ),
            None => None,
        };
        let shared = Shared {
            addr: local,
            target,
            upstream,
            cache,
            sessions: Sessions::default(),
            health: Monitor::new(health::slow_after(
                options.health_interval,
                options.grafana.timeout,
            )),
            plan: watch::Sender::new(Plan::default()),
            metrics: Metrics::new(),
            last_live: Mutex::new(None),
            shutdown: CancellationToken::new(),
        };
        tracing::info!(addr = %local, grafana = %shared.target.shown(), "gateway bound");
        if let Some(metrics) = &metrics_listener {
            tracing::info!(addr = ?metrics.local_addr().ok(), "metrics listener bound");
        }
        Ok(Gateway {
            listener,
            metrics_listener,
            handle: Handle {
                shared: Arc::new(shared),
            },
            health_interval: options.health_interval,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.handle.local_addr()
    }

    /// `http://127.0.0.1:PORT/__kiosk/?session=SECRET` with a fresh one-time secret.
    pub fn shell_url(&self) -> String {
        self.handle.shell_url()
    }

    /// The plan's sender: `send` a new plan and every shell gets it over SSE.
    pub fn plan(&self) -> watch::Sender<Plan> {
        self.handle.plan()
    }

    /// The `State` JSON of the contract, as of now.
    pub fn state(&self) -> State {
        self.handle.state()
    }

    /// A handle that outlives [`Gateway::serve`]'s taking of the gateway.
    pub fn handle(&self) -> Handle {
        self.handle.clone()
    }

    /// Serves until `shutdown` resolves, then lets in-flight requests finish; SSE streams,
    /// websocket pipes and health polling end at once.
    pub async fn serve(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), Error> {
        let shared = self.handle.shared;
        let token = shared.shutdown.clone();
        let checks = tokio::spawn(health::run(
            shared.clone(),
            self.health_interval,
            token.clone(),
        ));
        if let Some(listener) = self.metrics_listener {
            let app = api::metrics_router(shared.clone());
            let stop = token.clone();
            tokio::spawn(async move {
                let served = axum::serve(listener, app)
                    .with_graceful_shutdown(stop.cancelled_owned())
                    .await;
                if let Err(err) = served {
                    tracing::error!(%err, "the metrics listener stopped");
                }
            });
        }
        let app = api::router(shared.clone());
        let addr = shared.addr;
        let stop = token.clone();
        let served = axum::serve(self.listener, app)
            .with_graceful_shutdown(async move {
                tokio::select! {
                    () = shutdown => {}
                    () = stop.cancelled() => {}
                }
                stop.cancel();
            })
            .await;
        token.cancel();
        let _ = checks.await;
        // The last answers may still be on their way to disk: a restart should find them.
        let cache = shared.cache.clone();
        let _ = tokio::task::spawn_blocking(move || cache.flush()).await;
        served.map_err(|source| Error::Serve { addr, source })
    }
}

impl Handle {
    pub fn local_addr(&self) -> SocketAddr {
        self.shared.addr
    }

    /// `http://127.0.0.1:PORT/__kiosk/?session=SECRET`; each call mints a new secret, valid once.
    pub fn shell_url(&self) -> String {
        let secret = self.shared.sessions.issue_secret();
        format!(
            "http://{}/__kiosk/?session={secret}",
            reachable(self.shared.addr)
        )
    }

    pub fn plan(&self) -> watch::Sender<Plan> {
        self.shared.plan.clone()
    }

    pub fn state(&self) -> State {
        api::current_state(&self.shared)
    }

    /// The Prometheus text of `/__kiosk/metrics`, for a separate metrics listener.
    pub fn metrics_text(&self) -> String {
        api::render_metrics(&self.shared)
    }

    /// Counts a step of the app's self-healing ladder in `kiosk_recoveries_total`.
    pub fn count_recovery(&self, rung: &'static str, reason: &'static str) {
        self.shared.metrics.recovery(rung, reason);
    }

    /// Whether the shell has shown a painted page or a designed message (such as "waiting for
    /// Grafana") yet: the wall shows what it should, for systemd's `READY=1`.
    pub fn shown(&self) -> bool {
        self.shared.metrics.shown()
    }

    /// Time since the shell's last heartbeat report (`None` before the first), for a watchdog.
    pub fn heartbeat_age(&self) -> Option<Duration> {
        self.shared.metrics.heartbeat_age()
    }

    /// Stops a running [`Gateway::serve`] as its shutdown future would.
    pub fn shutdown(&self) {
        self.shared.shutdown.cancel();
    }
}

/// The address a local browser can open: an unspecified listen address (`0.0.0.0`, with
/// `allow_remote`) is reached through loopback.
fn reachable(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), addr.port())
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), addr.port())
        }
        _ => addr,
    }
}
