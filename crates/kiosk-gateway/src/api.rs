//! The gateway's own surface under `/__kiosk/`: the route table and session guard, the `State`
//! and `Plan` JSON, the SSE event stream, shell reports and the metrics endpoint.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State as AxumState};
use axum::http::Uri;
use axum::middleware::{Next, from_fn_with_state, map_response};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{any, get, post};
use futures_util::Stream;
use http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION, SET_COOKIE};
use http::{HeaderValue, StatusCode};
use kiosk_display::Plan;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::health::{Snapshot, Status};
use crate::metrics::Refresh;
use crate::{Shared, lock, offline, proxy, session, shell, waiting};

/// `GET /__kiosk/api/state`: how Grafana looks from here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    pub state: Status,
    /// Why not online, for the operator; `None` when online.
    pub reason: Option<String>,
    /// Grafana's base URL; never carries credentials.
    pub grafana: String,
    pub grafana_version: Option<String>,
    /// Unix seconds the state began.
    pub since: u64,
    /// Unix seconds of the last live `/api/ds/query` answer.
    pub last_live: Option<u64>,
    pub cache_bytes: u64,
    /// kiosk's own version.
    pub version: String,
}

/// `POST /__kiosk/api/report`: what the shell tells the gateway. Unknown types are accepted
/// and ignored, so a newer shell works with an older gateway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Report {
    Swap {
        #[serde(default)]
        page: String,
        #[serde(default)]
        wait_ms: u64,
    },
    Heartbeat {
        #[serde(default)]
        page: String,
        #[serde(default)]
        painted_at: u64,
        /// `page`, `message` or `loading`; older shells sent heartbeats for painted pages only.
        #[serde(default)]
        showing: String,
    },
    Problem {
        #[serde(default)]
        page: String,
        #[serde(default)]
        kind: String,
        #[serde(default)]
        detail: String,
    },
    #[serde(other)]
    Other,
}

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let own = Router::new()
        .route("/__kiosk/", get(shell_or_redeem))
        .route("/__kiosk/ui/{*file}", get(shell::file))
        .route("/__kiosk/api/state", get(state))
        .route("/__kiosk/api/plan", get(plan))
        .route("/__kiosk/api/report", post(report))
        .route("/__kiosk/events", get(events))
        .route("/__kiosk/metrics", get(metrics))
        .route("/__kiosk/waiting", get(waiting::page))
        .route("/__kiosk/{*rest}", any(not_found))
        .layer(map_response(no_store_by_default));
    // The fallback is added after the layer so proxied answers keep Grafana's caching headers.
    own.fallback(proxy::handle)
        .layer(from_fn_with_state(shared.clone(), guard))
        .with_state(shared)
}

/// The `/metrics`-only listener: the same text as `/__kiosk/metrics`, no session, nothing else.
pub(crate) fn metrics_router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .fallback(not_found)
        .with_state(shared)
}

/// Nothing passes without a session, except the one request that opens a session.
async fn guard(
    AxumState(shared): AxumState<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let redeeming = request.uri().path() == "/__kiosk/" && session_param(request.uri()).is_some();
    if redeeming || shared.sessions.admits(request.headers()) {
        next.run(request).await
    } else {
        offline::plain(StatusCode::FORBIDDEN, "kiosk: no session")
    }
}

fn session_param(uri: &Uri) -> Option<String> {
    url::form_urlencoded::parse(uri.query()?.as_bytes())
        .find(|(key, _)| key == "session")
        .map(|(_, value)| value.into_owned())
}

async fn shell_or_redeem(AxumState(shared): AxumState<Arc<Shared>>, uri: Uri) -> Response {
    let Some(secret) = session_param(&uri) else {
        return shell::index(shared.plan.borrow().pages.first());
    };
    match shared.sessions.redeem(&secret) {
        Some(cookie) => {
            let mut response = Response::new(Body::empty());
            *response.status_mut() = StatusCode::SEE_OTHER;
            let headers = response.headers_mut();
            headers.insert(LOCATION, HeaderValue::from_static("/__kiosk/"));
            headers.insert(
                SET_COOKIE,
                HeaderValue::from_str(&session::set_cookie(&cookie))
                    .expect("base64url is a header value"),
            );
            response
        }
        None => offline::plain(
            StatusCode::FORBIDDEN,
            "kiosk: this session link is invalid or was used already",
        ),
    }
}

async fn not_found() -> Response {
    offline::plain(StatusCode::NOT_FOUND, "kiosk: not found")
}

/// The contract's default for the gateway's own answers; `ui/` files set `no-cache` themselves.
async fn no_store_by_default(mut response: Response) -> Response {
    response
        .headers_mut()
        .entry(CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

async fn state(AxumState(shared): AxumState<Arc<Shared>>) -> Json<State> {
    Json(current_state(&shared))
}

async fn plan(AxumState(shared): AxumState<Arc<Shared>>) -> Json<Plan> {
    Json(shared.plan.borrow().clone())
}

pub(crate) fn current_state(shared: &Shared) -> State {
    state_from(shared, shared.health.snapshot())
}

fn state_from(shared: &Shared, snapshot: Snapshot) -> State {
    State {
        state: snapshot.status,
        reason: snapshot.reason,
        grafana: shared.target.shown().to_owned(),
        grafana_version: snapshot.version,
        since: unix_seconds(snapshot.since),
        last_live: lock(&shared.last_live).map(unix_seconds),
        cache_bytes: shared.cache.bytes(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    }
}

fn unix_seconds(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

/// Accepts any content type: `navigator.sendBeacon` posts `text/plain`.
async fn report(AxumState(shared): AxumState<Arc<Shared>>, body: Bytes) -> Response {
    let report: Report = match serde_json::from_slice(&body) {
        Ok(report) => report,
        Err(_) => return offline::plain(StatusCode::BAD_REQUEST, "kiosk: not a report"),
    };
    let metrics = &shared.metrics;
    match &report {
        Report::Swap { page, wait_ms } => {
            metrics.swap(page, Duration::from_millis(*wait_ms));
        }
        Report::Heartbeat { page, showing, .. } => {
            metrics.heartbeat(page, !page.is_empty() || showing == "message");
        }
        Report::Problem { page, kind, detail } => {
            let detail: String = detail.chars().take(300).collect();
            tracing::warn!(page, kind, detail, "the wallboard reports a problem");
            metrics.problem(kind);
        }
        Report::Other => {}
    }
    StatusCode::NO_CONTENT.into_response()
}

async fn metrics(AxumState(shared): AxumState<Arc<Shared>>) -> Response {
    let mut response = Response::new(Body::from(render_metrics(&shared)));
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    response
}

pub(crate) fn render_metrics(shared: &Shared) -> String {
    shared.metrics.render(Refresh {
        status: shared.health.status(),
        offline_time: shared.health.offline_time(),
        cache_bytes: shared.cache.bytes(),
    })
}

/// `GET /__kiosk/events`: `state` and `plan` once on connect, then on every change.
async fn events(
    AxumState(shared): AxumState<Arc<Shared>>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let mut states = shared.health.subscribe();
    let mut plans = shared.plan.subscribe();
    states.borrow_and_update();
    plans.borrow_and_update();
    let mut pending = VecDeque::new();
    pending.push_back(state_event(&shared));
    pending.push_back(plan_event(&plans.borrow()));
    let feed = Feed {
        stop: shared.shutdown.clone(),
        shared,
        states,
        plans,
        pending,
    };
    let stream = futures_util::stream::unfold(feed, |mut feed| async move {
        let event = feed.next().await?;
        Some((Ok(event), feed))
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

struct Feed {
    shared: Arc<Shared>,
    states: watch::Receiver<Snapshot>,
    plans: watch::Receiver<Plan>,
    pending: VecDeque<Event>,
    /// Ends the stream when the gateway stops, so graceful shutdown does not wait on it.
    stop: CancellationToken,
}

impl Feed {
    async fn next(&mut self) -> Option<Event> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Some(event);
            }
            tokio::select! {
                () = self.stop.cancelled() => return None,
                changed = self.states.changed() => {
                    changed.ok()?;
                    let snapshot = self.states.borrow_and_update().clone();
                    let json = serde_json::to_string(&state_from(&self.shared, snapshot))
                        .unwrap_or_default();
                    self.pending.push_back(Event::default().event("state").data(json));
                }
                changed = self.plans.changed() => {
                    changed.ok()?;
                    let event = plan_event(&self.plans.borrow_and_update());
                    self.pending.push_back(event);
                }
            }
        }
    }
}

fn state_event(shared: &Shared) -> Event {
    let json = serde_json::to_string(&current_state(shared)).unwrap_or_default();
    Event::default().event("state").data(json)
}

fn plan_event(plan: &Plan) -> Event {
    Event::default()
        .event("plan")
        .data(serde_json::to_string(plan).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_parse_as_the_contract_writes_them() {
        let swap: Report =
            serde_json::from_str(r#"{"type":"swap","page":"fleet-overview","wait_ms":840}"#)
                .unwrap();
        assert_eq!(
            swap,
            Report::Swap {
                page: "fleet-overview".into(),
                wait_ms: 840
            }
        );
        let problem: Report = serde_json::from_str(
            r#"{"type":"problem","page":"p","kind":"login","detail":"login page"}"#,
        )
        .unwrap();
        assert!(matches!(problem, Report::Problem { kind, .. } if kind == "login"));
        let future: Report = serde_json::from_str(r#"{"type":"telemetry","x":1}"#).unwrap();
        assert_eq!(future, Report::Other);
    }

    #[test]
    fn state_serializes_lowercase() {
        let state = State {
            state: Status::Degraded,
            reason: Some("token revoked or invalid (401 from Grafana)".into()),
            grafana: "http://grafana.lan:3000/".into(),
            grafana_version: None,
            since: 1,
            last_live: None,
            cache_bytes: 0,
            version: "0.1.0".into(),
        };
        let json = serde_json::to_value(&state).unwrap();
        assert_eq!(json["state"], "degraded");
        assert_eq!(json["last_live"], serde_json::Value::Null);
    }
}
