//! A Grafana simulator for kiosk's end-to-end tests: an in-memory Grafana 11.6 with one org that
//! keeps Grafana's HTTP API contract (status codes and body shapes), dashboard pages that load and
//! draw like Grafana's, plus fault injection, request logs, and a `/__sim/` control plane.

mod api;
mod auth;
mod control;
mod faults;
mod journal;
mod pages;
mod state;

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::routing::get;
use serde_json::Value;

pub use journal::{Request, Write};
pub use state::{Origin, StoredDashboard};

use crate::server::{self, Running};
use auth::Credentials;
use faults::{FailNext, Faults};
use journal::Journal;
use state::Store;

/// Longest wait for the configured Prometheus to answer one query.
const PROMETHEUS_TIMEOUT: Duration = Duration::from_secs(10);

/// How the simulated Grafana is set up at start.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Reported by `/api/health`.
    pub version: String,
    /// Valid service-account tokens (`Authorization: Bearer ...`).
    pub tokens: Vec<String>,
    /// Valid basic-auth users as (user, password).
    pub basic: Vec<(String, String)>,
    /// Anonymous viewers allowed: requests without credentials may GET (and query data), never
    /// write.
    pub anonymous: bool,
    /// A real Prometheus (`http://127.0.0.1:PORT`) that `/api/ds/query` runs each expr on; `None`
    /// answers synthetic series instead.
    pub prometheus: Option<String>,
    /// Grafana's `allow_embedding`: when false (its default) pages carry `X-Frame-Options: deny`.
    pub allow_embedding: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            version: "11.6.0".into(),
            tokens: vec!["glsa_test_token".into()],
            basic: vec![("admin".into(), "admin".into())],
            anonymous: false,
            prometheus: None,
            allow_embedding: false,
        }
    }
}

/// Handle to a running simulator; clones share the same server and state.
#[derive(Clone)]
pub struct GrafanaSim {
    shared: SharedState,
    addr: SocketAddr,
    server: Arc<Mutex<Option<Running>>>,
}

/// State shared by the handle and every request handler; it outlives stop/restart.
pub(crate) struct Shared {
    version: String,
    prometheus: Option<String>,
    allow_embedding: bool,
    /// For the calls to `prometheus`.
    http: reqwest::Client,
    store: Mutex<Store>,
    credentials: Mutex<Credentials>,
    faults: Mutex<Faults>,
    journal: Mutex<Journal>,
}

pub(crate) type SharedState = Arc<Shared>;

impl Shared {
    fn revoke_token(&self, token: &str) {
        lock(&self.credentials).tokens.remove(token);
    }

    fn restore_token(&self, token: &str) {
        lock(&self.credentials).tokens.insert(token.to_owned());
    }
}

/// A panic in one handler must not wedge the simulator for the rest of a test.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn app(shared: SharedState) -> Router {
    let recorded = Router::new()
        .route("/healthz", get(|| async { "Ok" }))
        .nest("/api", api::router(shared.clone()))
        .merge(pages::router())
        .fallback(|| async { (StatusCode::NOT_FOUND, "Not found") })
        .layer(from_fn_with_state(shared.clone(), journal::record));
    // Added after the journal layer so control-plane calls stay out of the logs.
    recorded
        .nest("/__sim", control::router())
        .with_state(shared)
}

impl GrafanaSim {
    /// Starts on a free port of 127.0.0.1.
    pub async fn start(cfg: SimConfig) -> io::Result<GrafanaSim> {
        Self::start_on(cfg, SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await
    }

    pub async fn start_on(cfg: SimConfig, addr: SocketAddr) -> io::Result<GrafanaSim> {
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(PROMETHEUS_TIMEOUT)
            .build()
            .map_err(io::Error::other)?;
        let shared = Arc::new(Shared {
            version: cfg.version,
            prometheus: cfg
                .prometheus
                .map(|url| url.trim_end_matches('/').to_owned()),
            allow_embedding: cfg.allow_embedding,
            http,
            store: Mutex::new(Store::default()),
            credentials: Mutex::new(Credentials {
                tokens: cfg.tokens.into_iter().collect(),
                basic: cfg.basic,
                anonymous: cfg.anonymous,
            }),
            faults: Mutex::new(Faults::default()),
            journal: Mutex::new(Journal::default()),
        });
        let (addr, running) = server::serve(app(shared.clone()), addr).await?;
        Ok(GrafanaSim {
            shared,
            addr,
            server: Arc::new(Mutex::new(Some(running))),
        })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The dashboard page of `uid` (`http://127.0.0.1:PORT/d/<uid>`), as a browser opens it.
    pub fn page_url(&self, uid: &str) -> String {
        format!("{}/d/{uid}", self.url())
    }

    /// Every non-GET/HEAD request under `/api`, in the order they were answered.
    pub fn writes(&self) -> Vec<Write> {
        lock(&self.shared.journal).writes.clone()
    }

    pub fn clear_writes(&self) {
        lock(&self.shared.journal).writes.clear();
    }

    /// Every request but the control plane's, in the order they were answered.
    pub fn requests(&self) -> Vec<Request> {
        lock(&self.shared.journal).requests.clone()
    }

    pub fn clear_requests(&self) {
        lock(&self.shared.journal).requests.clear();
    }

    /// Delay before every `/api` response.
    pub fn set_latency(&self, latency: Duration) {
        lock(&self.shared.faults).latency = latency;
    }

    /// Delay before every `/api/ds/query` response, on top of [`GrafanaSim::set_latency`]: the
    /// dashboard arrives, its panels stay loading.
    pub fn set_query_latency(&self, latency: Duration) {
        lock(&self.shared.faults).query_latency = latency;
    }

    /// The next `n` `/api` requests (health included) get `status` and a JSON message, and
    /// change nothing.
    pub fn fail_next(&self, n: usize, status: u16) {
        lock(&self.shared.faults).fail_next = FailNext { n, status };
    }

    /// Further requests with this token get 401 "Invalid API key".
    pub fn revoke_token(&self, token: &str) {
        self.shared.revoke_token(token);
    }

    /// Makes the token valid again; also works to mint a token the config did not list.
    pub fn restore_token(&self, token: &str) {
        self.shared.restore_token(token);
    }

    /// `/api/health` answers 503 with `"database":"failing"` while on.
    pub fn set_database_failing(&self, on: bool) {
        lock(&self.shared.faults).database_failing = on;
    }

    /// "Grafana is down": the port refuses connections until [`GrafanaSim::restart`]. State is kept.
    pub async fn stop(&self) {
        let running = lock(&self.server).take();
        if let Some(running) = running {
            running.stop().await;
        }
    }

    /// Listens again on the same port with the same state; a no-op while running.
    pub async fn restart(&self) -> io::Result<()> {
        if lock(&self.server).is_some() {
            return Ok(());
        }
        let (_, running) = server::serve(app(self.shared.clone()), self.addr).await?;
        let previous = lock(&self.server).replace(running);
        if let Some(previous) = previous {
            // Lost a race with a concurrent restart; keep one server.
            previous.stop().await;
        }
        Ok(())
    }

    /// Puts a dashboard in place as Grafana would have it, for situations the API cannot create
    /// (provisioned, schema v2, plugin). Keeps `version` from the JSON when set (else 1); a
    /// missing folder is created with its uid as title.
    pub fn seed_dashboard(&self, dashboard: Value, folder_uid: Option<&str>, origin: Origin) {
        lock(&self.shared.store).seed_dashboard(dashboard, folder_uid, origin);
    }

    /// Creates a folder directly, bypassing auth, faults and logs.
    pub fn seed_folder(&self, uid: &str, title: &str, parent_uid: Option<&str>) {
        let mut store = lock(&self.shared.store);
        assert!(
            !store.uid_taken(uid),
            "seed_folder: uid {uid} is already used"
        );
        store.create_folder(
            uid.to_owned(),
            title.to_owned(),
            parent_uid.map(str::to_owned),
        );
    }

    /// Creates a datasource from the fields of `POST /api/datasources`; `"readOnly": true` makes it
    /// a file-provisioned one that the API cannot update or delete. Returns it as stored.
    pub fn seed_datasource(&self, datasource: Value) -> Value {
        let body: api::DatasourceBody = serde_json::from_value(datasource)
            .unwrap_or_else(|err| panic!("seed_datasource: not a datasource body: {err}"));
        let read_only = body.read_only.unwrap_or(false);
        let mut store = lock(&self.shared.store);
        match api::add_datasource(&mut store, body, read_only) {
            Ok(stored) => stored.to_json(),
            Err(err) => panic!("seed_datasource: rejected: {err:?}"),
        }
    }

    pub fn dashboard(&self, uid: &str) -> Option<StoredDashboard> {
        lock(&self.shared.store).dashboard(uid).cloned()
    }

    /// All dashboards in creation order.
    pub fn dashboards(&self) -> Vec<StoredDashboard> {
        lock(&self.shared.store).dashboards.clone()
    }

    /// All folders in creation order, in the form of `GET /api/folders/:uid`.
    pub fn folders(&self) -> Vec<Value> {
        let store = lock(&self.shared.store);
        store
            .folders
            .iter()
            .map(|f| api::folders::folder_json(&store, f, true))
            .collect()
    }

    /// All datasources in creation order, in the form of `GET /api/datasources/uid/:uid`.
    pub fn datasources(&self) -> Vec<Value> {
        lock(&self.shared.store)
            .datasources
            .iter()
            .map(|d| d.to_json())
            .collect()
    }
}
