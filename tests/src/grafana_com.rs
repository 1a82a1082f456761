//! A grafana.com catalog simulator on its own listener, serving dashboard revisions from a
//! fixtures directory laid out as `<dashboard id>/<revision>.json`, so tests can take the catalog
//! away while Grafana stays up.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path as FsPath, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Path, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use tower_http::compression::CompressionLayer;

use crate::server::{self, Running};

/// Handle to a running catalog; clones share the same server.
#[derive(Clone)]
pub struct GrafanaCom {
    inner: Arc<Inner>,
    addr: SocketAddr,
}

struct Inner {
    fixtures: PathBuf,
    requests: AtomicUsize,
    server: Mutex<Option<Running>>,
}

type Shared = Arc<Inner>;

impl GrafanaCom {
    /// Starts on a free port of 127.0.0.1, serving the revisions under `fixtures_dir`.
    pub async fn start(fixtures_dir: PathBuf) -> io::Result<GrafanaCom> {
        let inner = Arc::new(Inner {
            fixtures: fixtures_dir,
            requests: AtomicUsize::new(0),
            server: Mutex::new(None),
        });
        let (addr, running) = server::serve(
            app(inner.clone()),
            SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        )
        .await?;
        *lock(&inner.server) = Some(running);
        Ok(GrafanaCom { inner, addr })
    }

    /// `http://127.0.0.1:PORT`: stands for `https://grafana.com`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// How many requests the catalog has answered.
    pub fn requests(&self) -> usize {
        self.inner.requests.load(Ordering::SeqCst)
    }

    /// Takes the catalog off the network: further connections are refused.
    pub async fn stop(&self) {
        let running = lock(&self.inner.server).take();
        if let Some(running) = running {
            running.stop().await;
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn app(inner: Shared) -> Router {
    Router::new()
        .route("/api/dashboards/{id}", get(dashboard))
        .route("/api/dashboards/{id}/revisions", get(revisions))
        .route(
            "/api/dashboards/{id}/revisions/{revision}/download",
            get(download),
        )
        .fallback(|| async { not_found() })
        // Gzip only when the client asks, which is how grafana.com behaves.
        .layer(CompressionLayer::new())
        .layer(from_fn_with_state(inner.clone(), count))
        .with_state(inner)
}

async fn count(State(inner): State<Shared>, req: Request, next: Next) -> Response {
    inner.requests.fetch_add(1, Ordering::SeqCst);
    next.run(req).await
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({ "code": "NotFound", "message": "Not found" })),
    )
        .into_response()
}

/// Ids and revisions are numbers on grafana.com; anything else never reaches the file system.
fn number(segment: &str) -> Option<u64> {
    if segment.is_empty() || !segment.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    segment.parse().ok()
}

/// Revision numbers present for a dashboard id, ascending.
async fn revision_numbers(fixtures: &FsPath, id: u64) -> Option<Vec<u64>> {
    let mut dir = tokio::fs::read_dir(fixtures.join(id.to_string()))
        .await
        .ok()?;
    let mut revisions = Vec::new();
    while let Ok(Some(entry)) = dir.next_entry().await {
        let name = entry.file_name();
        if let Some(revision) = name
            .to_str()
            .and_then(|n| n.strip_suffix(".json"))
            .and_then(number)
        {
            revisions.push(revision);
        }
    }
    revisions.sort_unstable();
    Some(revisions)
}

/// `GET /api/dashboards/:id`: the catalog entry, with the latest revision and its title.
async fn dashboard(State(inner): State<Shared>, Path(id): Path<String>) -> Response {
    let Some(id) = number(&id) else {
        return not_found();
    };
    let Some(latest) = revision_numbers(&inner.fixtures, id)
        .await
        .and_then(|r| r.last().copied())
    else {
        return not_found();
    };
    let path = inner
        .fixtures
        .join(id.to_string())
        .join(format!("{latest}.json"));
    let name = tokio::fs::read(&path)
        .await
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
        .and_then(|json| json.get("title").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_default();
    Json(json!({ "id": id, "name": name, "revision": latest, "downloads": 0 })).into_response()
}

/// `GET /api/dashboards/:id/revisions`: `items[].revision`, ascending.
async fn revisions(State(inner): State<Shared>, Path(id): Path<String>) -> Response {
    let Some(id) = number(&id) else {
        return not_found();
    };
    let Some(revisions) = revision_numbers(&inner.fixtures, id).await else {
        return not_found();
    };
    let items: Vec<Value> = revisions
        .iter()
        .map(|revision| {
            json!({
                "dashboardId": id,
                "revision": revision,
                "downloads": 0,
                "links": [{
                    "rel": "download",
                    "href": format!("/dashboards/{id}/revisions/{revision}/download"),
                }],
            })
        })
        .collect();
    Json(json!({ "items": items, "orderBy": "revision", "direction": "asc", "total": revisions.len() })).into_response()
}

/// `GET /api/dashboards/:id/revisions/:rev/download`: the fixture's bytes, untouched.
async fn download(
    State(inner): State<Shared>,
    Path((id, revision)): Path<(String, String)>,
) -> Response {
    let (Some(id), Some(revision)) = (number(&id), number(&revision)) else {
        return not_found();
    };
    let path = inner
        .fixtures
        .join(id.to_string())
        .join(format!("{revision}.json"));
    match tokio::fs::read(&path).await {
        Ok(bytes) => ([(header::CONTENT_TYPE, "application/json")], bytes).into_response(),
        Err(_) => not_found(),
    }
}
