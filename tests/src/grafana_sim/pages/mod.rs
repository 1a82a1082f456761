//! Grafana's pages as a wallboard sees them: the app shell served for `/d/:uid`, the script and
//! stylesheet under `/public/build/` that load the dashboard and draw its panels with Grafana's
//! e2e selectors, and the login page browsers are sent to without a session.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use super::{SharedState, auth};

const DOCUMENT: &str = include_str!("index.html");
const LOGIN: &str = include_str!("login.html");
const APP_JS: &str = include_str!("app.js");
const APP_CSS: &str = include_str!("app.css");

/// What Grafana sends for its build assets, so a proxy may keep them.
const ASSET_CACHE_CONTROL: &str = "public, max-age=31536000";

pub(crate) fn router() -> Router<SharedState> {
    Router::new()
        .route("/d/{uid}", get(document))
        .route("/d/{uid}/{slug}", get(document))
        .route("/login", get(login).post(login_attempt))
        .route("/public/build/{file}", get(asset))
}

/// The app shell for any dashboard uid (the script finds out whether it exists), or, without
/// credentials Grafana accepts, a redirect to the login page remembering where to come back to.
async fn document(State(shared): State<SharedState>, headers: HeaderMap, uri: Uri) -> Response {
    if auth::identify(&shared, &headers).is_err() {
        let back = uri.path_and_query().map_or("/", |pq| pq.as_str());
        let cookie = format!(
            "redirect_to={}; Path=/; HttpOnly; SameSite=Lax",
            query_escape(back)
        );
        return (
            StatusCode::FOUND,
            [
                (header::LOCATION, "/login".to_owned()),
                (header::SET_COOKIE, cookie),
                (header::CACHE_CONTROL, "no-store".to_owned()),
            ],
        )
            .into_response();
    }
    html(DOCUMENT, shared.allow_embedding)
}

async fn login(State(shared): State<SharedState>) -> Response {
    html(LOGIN, shared.allow_embedding)
}

/// The simulator has no sessions: every form login fails as a wrong password does in Grafana.
async fn login_attempt() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        axum::Json(json!({ "message": "Invalid username or password" })),
    )
        .into_response()
}

/// Headers Grafana puts on every page it renders.
fn html(body: &'static str, allow_embedding: bool) -> Response {
    let mut response = (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        body,
    )
        .into_response();
    if !allow_embedding {
        response
            .headers_mut()
            .insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("deny"));
    }
    response
}

/// `sim-app.js` and `sim-app.css`, cacheable for a year, with an ETag for revalidation.
async fn asset(Path(file): Path<String>, headers: HeaderMap) -> Response {
    let (body, content_type) = match file.as_str() {
        "sim-app.js" => (APP_JS, "text/javascript; charset=utf-8"),
        "sim-app.css" => (APP_CSS, "text/css; charset=utf-8"),
        _ => return (StatusCode::NOT_FOUND, "Not found").into_response(),
    };
    let etag = format!("\"{:016x}\"", fnv1a(body.as_bytes()));
    let headers_out = [
        (header::CONTENT_TYPE, content_type.to_owned()),
        (header::CACHE_CONTROL, ASSET_CACHE_CONTROL.to_owned()),
        (header::ETAG, etag.clone()),
    ];
    let revalidated = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag));
    if revalidated {
        return (StatusCode::NOT_MODIFIED, headers_out).into_response();
    }
    (headers_out, body).into_response()
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Go's `url.QueryEscape`, which Grafana uses for its `redirect_to` cookie.
fn query_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(byte));
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::query_escape;

    #[test]
    fn redirect_cookie_escapes_like_go() {
        assert_eq!(
            query_escape("/d/fleet?kiosk&var-host=All"),
            "%2Fd%2Ffleet%3Fkiosk%26var-host%3DAll"
        );
    }
}
