//! Grafana's `/api` surface: the route table, Grafana-shaped error bodies, and request parsing
//! shared by the areas (health, dashboards, search, folders, datasources, data queries, frontend
//! settings, live).

mod dashboards;
mod datasources;
pub(crate) mod folders;
mod frontend;
mod health;
mod live;
mod playlists;
mod query;
mod search;

use axum::Json;
use axum::Router;
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::{SharedState, auth, faults};

pub(crate) use datasources::{DatasourceBody, add as add_datasource};

/// Routes relative to `/api`. Health skips auth, unknown routes get Grafana's JSON 404, and every
/// route (fallback included) goes through fault injection.
pub(crate) fn router(shared: SharedState) -> Router<SharedState> {
    let protected = Router::new()
        .route("/dashboards/db", post(dashboards::save))
        .route(
            "/dashboards/uid/{uid}",
            get(dashboards::get).delete(dashboards::delete),
        )
        .route("/search", get(search::search))
        .route("/folders", get(folders::list).post(folders::create))
        .route("/folders/{uid}", get(folders::get))
        .route(
            "/datasources",
            get(datasources::list).post(datasources::create),
        )
        .route(
            "/datasources/uid/{uid}",
            get(datasources::get_by_uid)
                .put(datasources::update)
                .delete(datasources::delete),
        )
        .route("/datasources/name/{name}", get(datasources::get_by_name))
        .route("/ds/query", post(query::query))
        .route("/playlists", get(playlists::list).post(playlists::create))
        .route(
            "/playlists/{uid}",
            get(playlists::get).delete(playlists::delete),
        )
        .route("/frontend/settings", get(frontend::settings))
        .route("/live/ws", get(live::websocket))
        .route_layer(from_fn_with_state(shared.clone(), auth::require));
    Router::new()
        .route("/health", get(health::health))
        .merge(protected)
        .method_not_allowed_fallback(not_found)
        .fallback(not_found)
        .layer(from_fn_with_state(shared, faults::inject))
}

async fn not_found() -> ApiError {
    ApiError::message(404, "Not found")
}

/// An error response with a Grafana-shaped JSON body; every variant carries `message`.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    body: Value,
}

impl ApiError {
    /// `{"message"}`: what Grafana's `response.Error` writes.
    pub fn message(status: u16, message: impl Into<String>) -> Self {
        Self::with_body(status, json!({ "message": message.into() }))
    }

    /// `{"status","message"}`: Grafana's dashboard errors that carry a machine-readable status.
    pub fn with_status(status: u16, kind: &str, message: impl Into<String>) -> Self {
        Self::with_body(status, json!({ "status": kind, "message": message.into() }))
    }

    /// Grafana's `errutil` shape, used by authentication errors.
    pub fn errutil(status: u16, message_id: &str, message: &str) -> Self {
        Self::with_body(
            status,
            json!({ "message": message, "messageId": message_id, "statusCode": status, "traceID": "" }),
        )
    }

    pub fn with_body(status: u16, body: Value) -> Self {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        Self { status, body }
    }

    pub fn unauthorized() -> Self {
        Self::errutil(401, "auth.unauthorized", "Unauthorized")
    }

    pub fn unauthorized_because(message_id: &str, message: &str) -> Self {
        Self::errutil(401, message_id, message)
    }

    pub fn access_denied(permission: &str) -> Self {
        Self::with_body(
            403,
            json!({
                "accessErrorId": "ACE0000000001",
                "message": format!(
                    "You'll need additional permissions to perform this action. Permissions needed: {permission}"
                ),
                "title": "Access denied",
            }),
        )
    }

    /// What a `fail_next` fault answers in place of the real handler.
    pub fn injected(status: u16) -> Self {
        let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let reason = code.canonical_reason().unwrap_or("error");
        Self::message(code.as_u16(), format!("injected fault: {reason}"))
    }

    pub fn bad_request_data() -> Self {
        Self::message(400, "bad request data")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}

/// Parses a JSON request body the way Grafana's binder does: any failure is 400 "bad request data".
pub(crate) fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|_| ApiError::bad_request_data())
}

/// Query-string pairs in order, keeping repeats (`tag=a&tag=b`), which serde's `Query` cannot.
pub(crate) struct QueryParams(Vec<(String, String)>);

impl QueryParams {
    pub fn parse(raw: Option<&str>) -> Self {
        let pairs = raw
            .unwrap_or_default()
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                (percent_decode(key), percent_decode(value))
            })
            .collect();
        Self(pairs)
    }

    pub fn first(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn all(&self, key: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Like Go's `QueryInt64`: missing or unparsable is 0.
    pub fn int(&self, key: &str) -> i64 {
        self.first(key)
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0)
    }
}

/// `application/x-www-form-urlencoded` decoding; malformed escapes are kept as written.
fn percent_decode(input: &str) -> String {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let high = bytes.get(i + 1).copied().and_then(hex);
                let low = bytes.get(i + 2).copied().and_then(hex);
                match (high, low) {
                    (Some(high), Some(low)) => {
                        out.push(high << 4 | low);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(c: u8) -> Option<u8> {
    char::from(c)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

#[cfg(test)]
mod tests {
    use super::QueryParams;

    #[test]
    fn query_keeps_repeats_and_decodes() {
        let q = QueryParams::parse(Some("tag=a&tag=b%20c&query=Node+Exporter&bad=%zz&empty"));
        assert_eq!(q.all("tag"), ["a", "b c"]);
        assert_eq!(q.first("query"), Some("Node Exporter"));
        assert_eq!(q.first("bad"), Some("%zz"));
        assert_eq!(q.first("empty"), Some(""));
        assert_eq!(q.int("limit"), 0);
    }
}
