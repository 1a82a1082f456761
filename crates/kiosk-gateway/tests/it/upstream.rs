//! A tiny stand-in for Grafana for the cases the simulator does not shape on purpose: exact
//! headers as received, frame-blocking headers, gzip-compressed HTML, redirects, a websocket
//! echo. It records every request's headers.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Map, Value, json};
use tokio::sync::oneshot;

pub const PAGE: &str =
    "<!DOCTYPE html><html><head><title>Dashboard</title></head><body>panels</body></html>";

/// One request as the upstream received it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub headers: HeaderMap,
}

#[derive(Default)]
struct Log {
    seen: Mutex<Vec<Seen>>,
}

pub struct Upstream {
    pub addr: SocketAddr,
    log: Arc<Log>,
    _stop: oneshot::Sender<()>,
}

impl Upstream {
    pub async fn start() -> Upstream {
        let log = Arc::new(Log::default());
        let app = Router::new()
            .route("/api/health", get(health))
            .route("/page", get(page))
            .route("/sub/page", get(page))
            .route("/page-gz", get(page_gz))
            .route("/nohead", get(no_head))
            .route("/go-login", get(go_login))
            .route("/go-away", get(go_away))
            .route("/api/live/ws", get(websocket))
            .fallback(echo)
            .layer(axum::middleware::from_fn_with_state(log.clone(), record))
            .with_state(log.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await;
        });
        Upstream {
            addr,
            log,
            _stop: stop,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.log.seen.lock().unwrap().clone()
    }

    /// The last request for `path` (path without query).
    pub fn last(&self, path: &str) -> Seen {
        self.seen()
            .into_iter()
            .rev()
            .find(|seen| seen.path.split('?').next() == Some(path))
            .unwrap_or_else(|| panic!("no request for {path} reached the upstream"))
    }
}

async fn record(
    State(log): State<Arc<Log>>,
    request: Request,
    next: axum::middleware::Next,
) -> Response {
    let seen = Seen {
        method: request.method().to_string(),
        path: request
            .uri()
            .path_and_query()
            .map_or("/", |pq| pq.as_str())
            .to_owned(),
        headers: request.headers().clone(),
    };
    log.seen.lock().unwrap().push(seen);
    next.run(request).await
}

async fn health() -> Response {
    axum::Json(json!({ "database": "ok", "version": "12.1.0", "commit": "up" })).into_response()
}

/// Headers Grafana sends on its pages when `allow_embedding` is off, plus a session cookie.
fn page_headers() -> [(header::HeaderName, &'static str); 4] {
    [
        (header::CONTENT_TYPE, "text/html; charset=UTF-8"),
        (header::X_FRAME_OPTIONS, "deny"),
        (
            header::CONTENT_SECURITY_POLICY,
            "script-src 'self' 'unsafe-eval'; frame-ancestors 'none'; object-src 'none'",
        ),
        (
            header::SET_COOKIE,
            "grafana_session=abc; Path=/; HttpOnly; SameSite=Lax",
        ),
    ]
}

async fn page() -> Response {
    (page_headers(), PAGE).into_response()
}

async fn page_gz() -> Response {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(PAGE.as_bytes()).unwrap();
    let body = encoder.finish().unwrap();
    (page_headers(), [(header::CONTENT_ENCODING, "gzip")], body).into_response()
}

async fn no_head() -> Response {
    (
        [(header::CONTENT_TYPE, "text/html")],
        "<html><body><p>no head</p></body></html>",
    )
        .into_response()
}

async fn go_login(headers: HeaderMap) -> Response {
    let host = headers[header::HOST].to_str().unwrap().to_owned();
    (
        StatusCode::FOUND,
        [(
            header::LOCATION,
            format!("http://{host}/login?redirectTo=%2Fd%2Fx"),
        )],
    )
        .into_response()
}

async fn go_away() -> Response {
    (
        StatusCode::FOUND,
        [(header::LOCATION, "https://example.invalid/elsewhere")],
    )
        .into_response()
}

/// Method, path and headers as received, as JSON.
async fn echo(request: Request) -> Response {
    let mut headers = Map::new();
    for (name, value) in request.headers() {
        headers.insert(
            name.as_str().to_owned(),
            Value::String(String::from_utf8_lossy(value.as_bytes()).into_owned()),
        );
    }
    axum::Json(json!({
        "method": request.method().as_str(),
        "path": request.uri().path_and_query().map_or("/", |pq| pq.as_str()),
        "headers": headers,
    }))
    .into_response()
}

async fn websocket(upgrade: WebSocketUpgrade) -> Response {
    upgrade.on_upgrade(echo_frames)
}

async fn echo_frames(mut socket: WebSocket) {
    while let Some(Ok(message)) = socket.recv().await {
        let reply = match message {
            Message::Text(text) => Message::Text(format!("echo: {text}").into()),
            Message::Binary(bytes) => Message::Binary(bytes),
            Message::Close(_) => return,
            _ => continue,
        };
        if socket.send(reply).await.is_err() {
            return;
        }
    }
}
