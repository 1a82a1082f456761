//! The request and write logs tests assert on: what reached the simulator, in order, with the
//! status it got. Auth headers are never kept.

use axum::extract::{Request as HttpRequest, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use serde::Serialize;

use super::{SharedState, lock};

/// A state-changing request under `/api`: anything but GET and HEAD, and but `POST /api/ds/query`,
/// which only reads data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Write {
    pub method: String,
    /// Path with its query string, if any.
    pub path: String,
    pub status: u16,
}

/// Any request the simulator answered, outside the `/__sim/` control plane.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Request {
    pub method: String,
    /// Path with its query string, if any.
    pub path: String,
    pub status: u16,
    /// The `X-Grafana-Org-Id` header as sent.
    pub org_id: Option<String>,
}

#[derive(Default)]
pub(crate) struct Journal {
    pub requests: Vec<Request>,
    pub writes: Vec<Write>,
}

impl Journal {
    pub fn clear(&mut self) {
        self.requests.clear();
        self.writes.clear();
    }
}

/// Records each request once its response exists, so a logged write is already visible in the
/// store when a test reads the log.
pub(crate) async fn record(
    State(shared): State<SharedState>,
    req: HttpRequest,
    next: Next,
) -> Response {
    let method = req.method().clone();
    let path = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.uri().path().to_owned(), |pq| pq.as_str().to_owned());
    let org_id = req
        .headers()
        .get("x-grafana-org-id")
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let response = next.run(req).await;
    let status = response.status().as_u16();
    tracing::debug!(%method, %path, status, "grafana-sim request");

    let is_write = method != Method::GET
        && method != Method::HEAD
        && path.split('?').next() != Some("/api/ds/query");
    let under_api = path == "/api" || path.starts_with("/api/") || path.starts_with("/api?");
    let mut journal = lock(&shared.journal);
    if is_write && under_api {
        journal.writes.push(Write {
            method: method.to_string(),
            path: path.clone(),
            status,
        });
    }
    journal.requests.push(Request {
        method: method.to_string(),
        path,
        status,
        org_id,
    });
    response
}
