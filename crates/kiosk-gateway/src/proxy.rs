//! The reverse proxy to Grafana: request and response header rules, the agent `<script>`
//! injected into HTML, the Grafana Live websocket passthrough, and the choice between a live
//! answer and a cached one (contract: docs/wallboard.md, "Proxy" and "Offline cache").

use std::collections::HashSet;
use std::error::Error as _;
use std::io;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use http::header::{
    ACCEPT, ACCEPT_ENCODING, AUTHORIZATION, CONNECTION, CONTENT_ENCODING, CONTENT_LENGTH,
    CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY_REPORT_ONLY, CONTENT_TYPE, COOKIE, HOST,
    IF_MODIFIED_SINCE, IF_NONE_MATCH, LOCATION, ORIGIN, PROXY_AUTHORIZATION, REFERER, SET_COOKIE,
    UPGRADE, X_FRAME_OPTIONS,
};
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use hyper_util::rt::TokioIo;
use kiosk_cache::Entry;
use kiosk_config::{AuthMethod, GrafanaConfig};

use crate::health::{Outcome, Status};
use crate::metrics::ProxyOutcome;
use crate::offline::{self, Cacheable};
use crate::session;
use crate::target::Target;
use crate::{Error, Shared, lock};

/// The agent, inserted into every HTML page Grafana serves through the gateway.
pub(crate) const AGENT_TAG: &str = r#"<script src="/__kiosk/ui/agent.js"></script>"#;

/// Browsers send small bodies to Grafana (queries, preferences); this only stops abuse.
const MAX_REQUEST_BODY: usize = 32 * 1024 * 1024;

/// Hop-by-hop headers (RFC 9110 §7.6.1): they describe one connection, not the message.
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
];

/// Which credential the gateway sends, for explaining a 401.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CredentialsKind {
    Anonymous,
    Bearer,
    Basic,
}

/// The HTTP clients that talk to Grafana and the headers that authenticate them.
pub(crate) struct Upstream {
    /// Proxied requests and health checks. Redirects are never followed: one could carry the
    /// `Authorization` header to another origin, and the browser should see them anyway.
    http: reqwest::Client,
    /// HTTP/1.1 only and without a total timeout: websocket upgrades live for hours.
    ws: reqwest::Client,
    auth: grafana_client::http::AuthHeaders,
    kind: CredentialsKind,
    timeout: Duration,
}

impl Upstream {
    pub(crate) fn new(config: &GrafanaConfig) -> Result<Upstream, Error> {
        let setup = |err: grafana_client::Error| Error::Setup(err.to_string());
        let auth = grafana_client::http::AuthHeaders::new(config).map_err(setup)?;
        let kind = match config.auth {
            AuthMethod::Anonymous => CredentialsKind::Anonymous,
            AuthMethod::Token | AuthMethod::TokenFile => CredentialsKind::Bearer,
            AuthMethod::Basic => CredentialsKind::Basic,
        };
        let connect_timeout = config.timeout.min(Duration::from_secs(5));
        let http = grafana_client::http::builder(config)
            .map_err(setup)?
            .timeout(config.timeout)
            .connect_timeout(connect_timeout)
            .build()
            .map_err(|err| Error::Setup(format!("http client: {err}")))?;
        let ws = grafana_client::http::builder(config)
            .map_err(setup)?
            .http1_only()
            .connect_timeout(connect_timeout)
            .build()
            .map_err(|err| Error::Setup(format!("websocket client: {err}")))?;
        Ok(Upstream {
            http,
            ws,
            auth,
            kind,
            timeout: config.timeout,
        })
    }

    /// The client without credentials (health checks need none).
    pub(crate) fn plain(&self) -> &reqwest::Client {
        &self.http
    }

    /// Adds the configured credentials and org. Only ever applied to requests for Grafana's
    /// own origin.
    pub(crate) fn authorized(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        self.auth.apply(request)
    }

    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
    }

    pub(crate) fn credentials_kind(&self) -> CredentialsKind {
        self.kind
    }
}

/// The fallback handler: everything not under `/__kiosk/` goes to Grafana.
pub(crate) async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    if is_upgrade(request.headers()) {
        return websocket(shared, request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_REQUEST_BODY).await else {
        return offline::plain(
            StatusCode::PAYLOAD_TOO_LARGE,
            "kiosk: request body too large",
        );
    };
    let path_and_query = parts
        .uri
        .path_and_query()
        .map_or("/", |pq| pq.as_str())
        .to_owned();
    let route = shared.target.route(parts.uri.path()).to_owned();
    let document = wants_html(&parts.headers);
    let cacheable = offline::classify(&parts.method, &route, &path_and_query, &body);
    let metrics = &shared.metrics;

    // Offline: answer from the cache at once rather than wait for a connection to fail.
    if shared.health.status() == Status::Offline
        && let Some(response) = replay(&shared, &cacheable).await
    {
        return response;
    }

    let url = shared.target.upstream_url(&path_and_query);
    let headers = request_headers(
        &parts.headers,
        &shared.target,
        matches!(cacheable, Cacheable::Get(_)),
    );
    let request = shared
        .upstream
        .plain()
        .request(parts.method.clone(), &url)
        .headers(headers);
    let request = shared.upstream.authorized(request).body(body);
    let response = match request.send().await {
        Ok(response) => response,
        Err(err) => {
            let (reason, refused) = describe_error(&err, shared.upstream.timeout());
            tracing::debug!(route, reason, "proxied request failed");
            shared
                .health
                .observe(Outcome::ProxyFailed { reason, refused });
            return fallback(&shared, &cacheable, document, &path_and_query).await;
        }
    };

    let status = response.status();
    let gateway_error = matches!(status.as_u16(), 502..=504);
    if gateway_error {
        shared.health.observe(Outcome::ProxyFailed {
            reason: format!("HTTP {} from {route}", status.as_u16()),
            refused: false,
        });
    } else {
        shared.health.observe(Outcome::ProxyOk);
    }
    if status.is_server_error() {
        // Grafana (or a proxy in front of it) failed: the last good answer keeps panels drawn.
        if let Some(response) = replay(&shared, &cacheable).await {
            return response;
        }
        if gateway_error {
            metrics.proxied(ProxyOutcome::Failed);
            return offline::unavailable(document, &path_and_query);
        }
    }
    // Refused credentials make the state degraded, and the last good answer stands in for the
    // error so the wall keeps its data; with nothing cached, Grafana's answer goes through.
    if is_api(&route) {
        let read = parts.method == Method::GET
            || parts.method == Method::HEAD
            || matches!(cacheable, Cacheable::Query(_));
        if let Some(outcome) =
            auth_outcome(shared.upstream.credentials_kind(), status, &route, read)
            && (matches!(outcome, Outcome::AuthRejected { .. }) || proves_auth(&route))
        {
            let rejected = matches!(outcome, Outcome::AuthRejected { .. });
            shared.health.observe(outcome);
            if rejected && let Some(response) = replay(&shared, &cacheable).await {
                return response;
            }
        }
    }

    // With credentials configured, Grafana answers a page load it no longer authorizes (a
    // revoked token) by sending the browser to its login page: the same failure as a 401, and
    // the last good copy of the page stands in so the wall keeps rotating its data.
    if document
        && status.is_redirection()
        && shared.upstream.credentials_kind() != CredentialsKind::Anonymous
        && redirects_to_login(response.headers())
    {
        shared.health.observe(Outcome::AuthRejected {
            reason: "Grafana asked for a login: token revoked or invalid".to_owned(),
        });
        if let Some(response) = replay(&shared, &cacheable).await {
            return response;
        }
    }

    let mut headers = response_headers(response.headers(), &shared.target);
    let store = status == StatusCode::OK && cacheable.key().is_some();
    if parts.method == Method::HEAD {
        if let Some(length) = response.headers().get(CONTENT_LENGTH) {
            headers.insert(CONTENT_LENGTH, length.clone());
        }
        metrics.proxied(ProxyOutcome::Live);
        return build(status, headers, Body::empty());
    }
    if !store && !injectable(&headers) {
        metrics.proxied(ProxyOutcome::Live);
        return build(status, headers, Body::from_stream(response.bytes_stream()));
    }
    let body = match response.bytes().await {
        Ok(body) => body,
        Err(err) => {
            let (reason, refused) = describe_error(&err, shared.upstream.timeout());
            shared
                .health
                .observe(Outcome::ProxyFailed { reason, refused });
            return fallback(&shared, &cacheable, document, &path_and_query).await;
        }
    };
    if store && let Some(key) = cacheable.key() {
        let now = SystemTime::now();
        let entry = Entry {
            status: status.as_u16(),
            headers: offline::storable_headers(&headers),
            body: body.to_vec(),
            stored_at: now,
        };
        shared.cache.put_later(key.to_owned(), entry);
        if matches!(cacheable, Cacheable::Query(_)) {
            *lock(&shared.last_live) = Some(now);
        }
    }
    metrics.proxied(ProxyOutcome::Live);
    deliver(status, headers, body)
}

/// The cached answer for `cacheable`, marked as such, if there is one.
async fn replay(shared: &Arc<Shared>, cacheable: &Cacheable) -> Option<Response> {
    let key = cacheable.key()?.to_owned();
    let cache = shared.cache.clone();
    let entry = tokio::task::spawn_blocking(move || cache.get(&key))
        .await
        .ok()
        .flatten()?;
    shared.metrics.proxied(ProxyOutcome::Cached);
    if matches!(cacheable, Cacheable::Query(_)) {
        // After a restart with Grafana down there was no live answer yet, but the wall shows
        // data all the same: "data as of" is then the newest answer replayed.
        let newer = {
            let mut last = lock(&shared.last_live);
            let newer = last.is_none_or(|t| t < entry.stored_at);
            if newer {
                *last = Some(entry.stored_at);
            }
            newer
        };
        if newer {
            shared.health.republish();
        }
    }
    let status = StatusCode::from_u16(entry.status).unwrap_or(StatusCode::OK);
    let mut headers = HeaderMap::new();
    for (name, value) in &entry.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            headers.append(name, value);
        }
    }
    let age = SystemTime::now()
        .duration_since(entry.stored_at)
        .unwrap_or_default()
        .as_secs();
    headers.insert(offline::CACHE_AGE, HeaderValue::from(age));
    headers.insert(offline::OFFLINE, HeaderValue::from_static("1"));
    Some(deliver(status, headers, Bytes::from(entry.body)))
}

/// No live answer: the cache, else the waiting page or a 503.
async fn fallback(
    shared: &Arc<Shared>,
    cacheable: &Cacheable,
    document: bool,
    path_and_query: &str,
) -> Response {
    if let Some(response) = replay(shared, cacheable).await {
        return response;
    }
    shared.metrics.proxied(ProxyOutcome::Failed);
    offline::unavailable(document, path_and_query)
}

/// A buffered response; HTML gets the agent and every body its exact `Content-Length`.
fn deliver(status: StatusCode, headers: HeaderMap, body: Bytes) -> Response {
    let body = if injectable(&headers) {
        Bytes::from(inject_agent(&body))
    } else {
        body
    };
    build(status, headers, Body::from(body))
}

fn build(status: StatusCode, headers: HeaderMap, body: Body) -> Response {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}

/// Headers for Grafana: Host/Origin/Referer on Grafana's origin, no hop-by-hop headers, no
/// browser credentials, no gateway cookie. `Accept-Encoding` is left to the client, which asks
/// for gzip and decodes it, so HTML can be edited and the cache holds plain bodies.
pub(crate) fn request_headers(
    incoming: &HeaderMap,
    target: &Target,
    drop_conditionals: bool,
) -> HeaderMap {
    let named = connection_tokens(incoming);
    let mut out = HeaderMap::new();
    for (name, value) in incoming {
        if is_hop_by_hop(name) || named.contains(name) || name == UPGRADE {
            continue;
        }
        if name == HOST
            || name == AUTHORIZATION
            || name == PROXY_AUTHORIZATION
            || name == ACCEPT_ENCODING
            || name == CONTENT_LENGTH
            || name.as_str().starts_with("x-kiosk-")
        {
            continue;
        }
        // A conditional request would get a 304, which leaves nothing to cache.
        if drop_conditionals && (name == IF_NONE_MATCH || name == IF_MODIFIED_SINCE) {
            continue;
        }
        if name == ORIGIN {
            // Grafana's CSRF check wants its own origin; the SameSite=Strict session cookie
            // already keeps other sites out of the gateway.
            out.append(ORIGIN, header_value(target.origin()));
        } else if name == REFERER {
            if let Some(referer) = value.to_str().ok().and_then(|r| target.rewrite_referer(r))
                && let Ok(value) = HeaderValue::from_str(&referer)
            {
                out.append(REFERER, value);
            }
        } else if name == COOKIE {
            if let Some(kept) = value.to_str().ok().and_then(session::without_own_cookie)
                && let Ok(value) = HeaderValue::from_str(&kept)
            {
                out.append(COOKIE, value);
            }
        } else {
            out.append(name.clone(), value.clone());
        }
    }
    out
}

/// Headers for the browser: frame blocking removed, redirects to Grafana made relative, and
/// nothing that describes Grafana's connection rather than the message.
pub(crate) fn response_headers(upstream: &HeaderMap, target: &Target) -> HeaderMap {
    let named = connection_tokens(upstream);
    let mut out = HeaderMap::new();
    for (name, value) in upstream {
        if is_hop_by_hop(name)
            || named.contains(name)
            || name == UPGRADE
            || name == CONTENT_LENGTH
            || name == X_FRAME_OPTIONS
            || name.as_str().starts_with("x-kiosk-")
        {
            continue;
        }
        if name == CONTENT_SECURITY_POLICY || name == CONTENT_SECURITY_POLICY_REPORT_ONLY {
            if let Some(policy) = value.to_str().ok().and_then(without_frame_ancestors) {
                out.append(name.clone(), header_value(&policy));
            }
            continue;
        }
        if name == LOCATION
            && let Some(relative) = value.to_str().ok().and_then(|l| target.rewrite_location(l))
        {
            out.append(LOCATION, header_value(&relative));
            continue;
        }
        if name == SET_COOKIE && value.to_str().is_ok_and(session::sets_own_cookie) {
            continue;
        }
        out.append(name.clone(), value.clone());
    }
    out
}

/// A header value we built from header values; anything unrepresentable becomes empty.
fn header_value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The policy without its `frame-ancestors` directive; `None` when nothing else is left.
pub(crate) fn without_frame_ancestors(policy: &str) -> Option<String> {
    let kept: Vec<&str> = policy
        .split(';')
        .map(str::trim)
        .filter(|directive| !directive.is_empty())
        .filter(|directive| {
            let name = directive.split_ascii_whitespace().next().unwrap_or("");
            !name.eq_ignore_ascii_case("frame-ancestors")
        })
        .collect();
    (!kept.is_empty()).then(|| kept.join("; "))
}

fn is_hop_by_hop(name: &HeaderName) -> bool {
    HOP_BY_HOP.contains(&name.as_str())
}

/// Headers that `Connection` names are hop-by-hop too.
fn connection_tokens(headers: &HeaderMap) -> HashSet<HeaderName> {
    headers
        .get_all(CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|token| HeaderName::from_bytes(token.trim().as_bytes()).ok())
        .collect()
}

fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get_all(ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("text/html"))
}

/// An HTML body we can read (not compressed in a way the client did not decode).
fn injectable(headers: &HeaderMap) -> bool {
    let html = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .get(..9)
                .is_some_and(|t| t.eq_ignore_ascii_case("text/html"))
        });
    let encoded = headers
        .get(CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| !v.trim().eq_ignore_ascii_case("identity"));
    html && !encoded
}

/// Inserts [`AGENT_TAG`] right after `<head …>`, else right after `<body …>`, else first.
pub(crate) fn inject_agent(html: &[u8]) -> Vec<u8> {
    let at = end_of_open_tag(html, b"head")
        .or_else(|| end_of_open_tag(html, b"body"))
        .unwrap_or(0);
    let mut out = Vec::with_capacity(html.len() + AGENT_TAG.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(AGENT_TAG.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

/// The index just past the `>` of the first `<name` tag (not `<header`), case-insensitively.
fn end_of_open_tag(html: &[u8], name: &[u8]) -> Option<usize> {
    let len = name.len() + 1;
    let mut from = 0;
    while from + len <= html.len() {
        let start = from
            + html[from..]
                .windows(len)
                .position(|w| w[0] == b'<' && w[1..].eq_ignore_ascii_case(name))?;
        let after = start + len;
        match html.get(after) {
            Some(b'>') => return Some(after + 1),
            Some(c) if c.is_ascii_whitespace() || *c == b'/' => {
                let close = html[after..].iter().position(|&c| c == b'>')?;
                return Some(after + close + 1);
            }
            None => return None,
            Some(_) => from = after,
        }
    }
    None
}

/// Grafana's API, where credentials matter (health needs none; Live is the websocket).
fn is_api(route: &str) -> bool {
    route.starts_with("/api/") && route != "/api/health" && !route.starts_with("/api/live/")
}

/// Endpoints that answer only an authenticated caller, so a success there proves the
/// credentials work again (some API routes are public and prove nothing).
fn proves_auth(route: &str) -> bool {
    route == "/api/ds/query" || route == "/api/search" || route.starts_with("/api/dashboards/uid/")
}

/// Whether a redirect leads to Grafana's login page (`/login`, under any sub-path).
fn redirects_to_login(headers: &HeaderMap) -> bool {
    headers
        .get(LOCATION)
        .and_then(|l| l.to_str().ok())
        .and_then(|l| l.split(['?', '#']).next())
        .is_some_and(|path| path.trim_end_matches('/').ends_with("/login"))
}

/// What an API answer says about the credentials: a 401 always, a 403 on a read (a viewer may
/// read; a 403 on a write is the frontend trying something a viewer cannot, not a problem).
pub(crate) fn auth_outcome(
    kind: CredentialsKind,
    status: StatusCode,
    route: &str,
    read: bool,
) -> Option<Outcome> {
    match status.as_u16() {
        401 => Some(Outcome::AuthRejected {
            reason: match kind {
                CredentialsKind::Bearer => "token revoked or invalid (401 from Grafana)".to_owned(),
                CredentialsKind::Basic => {
                    "username or password rejected (401 from Grafana)".to_owned()
                }
                CredentialsKind::Anonymous => {
                    "anonymous access refused (401 from Grafana); set grafana.auth".to_owned()
                }
            },
        }),
        403 if read => Some(Outcome::AuthRejected {
            reason: format!("access denied (403 from Grafana on {route})"),
        }),
        200..=299 => Some(Outcome::AuthOk),
        _ => None,
    }
}

/// An operator-level reason for a failed request, and whether the connection was refused.
/// Names no URL (reqwest's own message would).
pub(crate) fn describe_error(err: &reqwest::Error, timeout: Duration) -> (String, bool) {
    let mut source = err.source();
    let mut innermost = None;
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<io::Error>()
            && io.kind() == io::ErrorKind::ConnectionRefused
        {
            return ("connection refused".to_owned(), true);
        }
        innermost = Some(cause);
        source = cause.source();
    }
    if err.is_timeout() {
        return (format!("no answer within {}", seconds(timeout)), false);
    }
    let detail = innermost.map_or_else(|| "unknown error".to_owned(), ToString::to_string);
    if err.is_connect() {
        (format!("cannot connect: {detail}"), false)
    } else {
        (format!("request failed: {detail}"), false)
    }
}

fn seconds(duration: Duration) -> String {
    if duration.subsec_millis() == 0 {
        format!("{} s", duration.as_secs())
    } else {
        format!("{:.1} s", duration.as_secs_f64())
    }
}

fn is_upgrade(headers: &HeaderMap) -> bool {
    headers
        .get(UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("websocket"))
}

/// Grafana Live: the upgrade is sent to Grafana with the same header rules; on its 101 the
/// two upgraded connections are joined byte for byte, so subprotocols and extensions are
/// whatever browser and Grafana agreed on.
async fn websocket(shared: Arc<Shared>, mut request: Request) -> Response {
    let client_upgrade = hyper::upgrade::on(&mut request);
    let path_and_query = request
        .uri()
        .path_and_query()
        .map_or("/", |pq| pq.as_str())
        .to_owned();
    let url = shared.target.upstream_url(&path_and_query);
    let mut headers = request_headers(request.headers(), &shared.target, false);
    headers.insert(CONNECTION, HeaderValue::from_static("upgrade"));
    headers.insert(UPGRADE, HeaderValue::from_static("websocket"));
    let send = shared
        .upstream
        .authorized(shared.upstream.ws.get(&url).headers(headers))
        .send();
    let timeout = shared.upstream.timeout();
    let response = match tokio::time::timeout(timeout, send).await {
        Ok(Ok(response)) => response,
        Ok(Err(err)) => {
            let (reason, refused) = describe_error(&err, timeout);
            shared
                .health
                .observe(Outcome::ProxyFailed { reason, refused });
            shared.metrics.proxied(ProxyOutcome::Failed);
            return offline::unavailable(false, &path_and_query);
        }
        Err(_) => {
            shared.health.observe(Outcome::ProxyFailed {
                reason: format!("no answer within {}", seconds(timeout)),
                refused: false,
            });
            shared.metrics.proxied(ProxyOutcome::Failed);
            return offline::unavailable(false, &path_and_query);
        }
    };
    shared.metrics.proxied(ProxyOutcome::Live);
    let status = response.status();
    let mut headers = response_headers(response.headers(), &shared.target);
    if status != StatusCode::SWITCHING_PROTOCOLS {
        // Grafana declined (401, 403 "origin not allowed", 400): the browser sees why.
        let body = response.bytes().await.unwrap_or_default();
        return deliver(status, headers, body);
    }
    headers.insert(CONNECTION, HeaderValue::from_static("upgrade"));
    headers.insert(UPGRADE, HeaderValue::from_static("websocket"));
    let stop = shared.shutdown.clone();
    tokio::spawn(async move {
        let (upstream, client) = tokio::join!(response.upgrade(), client_upgrade);
        let (Ok(mut upstream), Ok(client)) = (upstream, client) else {
            tracing::debug!("websocket upgrade did not complete");
            return;
        };
        let mut client = TokioIo::new(client);
        tokio::select! {
            () = stop.cancelled() => {}
            copied = tokio::io::copy_bidirectional(&mut client, &mut upstream) => {
                if let Err(err) = copied {
                    tracing::debug!(%err, "websocket passthrough ended");
                }
            }
        }
    });
    build(status, headers, Body::empty()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use url::Url;

    fn target() -> Target {
        Target::new(&Url::parse("https://grafana.lan/grafana").unwrap()).unwrap()
    }

    #[test]
    fn agent_goes_after_head() {
        let out = inject_agent(b"<!DOCTYPE html><html><HEAD lang=\"en\"><title>x</title>");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!("<!DOCTYPE html><html><HEAD lang=\"en\">{AGENT_TAG}<title>x</title>")
        );
    }

    #[test]
    fn agent_goes_into_body_without_head_and_header_is_not_head() {
        let out = inject_agent(b"<html><header></header><body class=a><p>");
        assert!(
            String::from_utf8(out)
                .unwrap()
                .contains(&format!("<body class=a>{AGENT_TAG}<p>"))
        );
        let out = inject_agent(b"plain");
        assert_eq!(out, format!("{AGENT_TAG}plain").into_bytes());
    }

    #[test]
    fn frame_ancestors_is_removed() {
        assert_eq!(
            without_frame_ancestors("default-src 'self'; frame-ancestors 'none'; img-src *")
                .as_deref(),
            Some("default-src 'self'; img-src *")
        );
        assert_eq!(without_frame_ancestors("frame-ancestors 'self'"), None);
    }

    #[test]
    fn request_headers_follow_the_rules() {
        let mut incoming = HeaderMap::new();
        incoming.insert(HOST, HeaderValue::from_static("127.0.0.1:4000"));
        incoming.insert(ORIGIN, HeaderValue::from_static("http://127.0.0.1:4000"));
        incoming.insert(
            REFERER,
            HeaderValue::from_static("http://127.0.0.1:4000/d/x?orgId=1"),
        );
        incoming.insert(AUTHORIZATION, HeaderValue::from_static("Bearer stolen"));
        incoming.insert(
            COOKIE,
            HeaderValue::from_static("kiosk_session=s; grafana_session=g"),
        );
        incoming.insert(CONNECTION, HeaderValue::from_static("keep-alive, x-hop"));
        incoming.insert("x-hop", HeaderValue::from_static("1"));
        incoming.insert(ACCEPT_ENCODING, HeaderValue::from_static("br"));
        incoming.insert(IF_NONE_MATCH, HeaderValue::from_static("\"e\""));
        incoming.insert("x-grafana-org-id", HeaderValue::from_static("1"));
        let out = request_headers(&incoming, &target(), true);
        assert_eq!(out[ORIGIN], "https://grafana.lan");
        assert_eq!(out[REFERER], "https://grafana.lan/grafana/d/x?orgId=1");
        assert_eq!(out[COOKIE], "grafana_session=g");
        assert_eq!(out["x-grafana-org-id"], "1");
        for gone in [
            HOST,
            AUTHORIZATION,
            CONNECTION,
            ACCEPT_ENCODING,
            IF_NONE_MATCH,
            HeaderName::from_static("x-hop"),
        ] {
            assert!(!out.contains_key(&gone), "{gone} forwarded");
        }
    }

    #[test]
    fn response_headers_follow_the_rules() {
        let mut upstream = HeaderMap::new();
        upstream.insert(X_FRAME_OPTIONS, HeaderValue::from_static("deny"));
        upstream.insert(
            CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("frame-ancestors 'none'; script-src 'self'"),
        );
        upstream.insert(
            LOCATION,
            HeaderValue::from_static("https://grafana.lan/grafana/login"),
        );
        upstream.append(SET_COOKIE, HeaderValue::from_static("grafana_session=g"));
        upstream.append(SET_COOKIE, HeaderValue::from_static("kiosk_session=evil"));
        upstream.insert("transfer-encoding", HeaderValue::from_static("chunked"));
        let out = response_headers(&upstream, &target());
        assert!(!out.contains_key(X_FRAME_OPTIONS));
        assert_eq!(out[CONTENT_SECURITY_POLICY], "script-src 'self'");
        assert_eq!(out[LOCATION], "/grafana/login");
        let cookies: Vec<_> = out.get_all(SET_COOKIE).iter().collect();
        assert_eq!(cookies, ["grafana_session=g"]);
        assert!(!out.contains_key("transfer-encoding"));
    }

    #[test]
    fn auth_reasons_name_the_status() {
        let Some(Outcome::AuthRejected { reason }) = auth_outcome(
            CredentialsKind::Bearer,
            StatusCode::UNAUTHORIZED,
            "/api/search",
            true,
        ) else {
            panic!("401 is a rejection");
        };
        assert!(reason.contains("401"));
        assert_eq!(
            auth_outcome(
                CredentialsKind::Bearer,
                StatusCode::FORBIDDEN,
                "/api/user/preferences",
                false
            ),
            None
        );
        assert_eq!(
            auth_outcome(CredentialsKind::Basic, StatusCode::OK, "/api/search", true),
            Some(Outcome::AuthOk)
        );
    }
}
