//! What may be cached and under which key, what a cached entry keeps, and what the browser
//! gets when Grafana cannot answer and nothing is cached (contract: "Offline cache and health").

use axum::body::Body;
use axum::response::Response;
use http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION, SET_COOKIE};
use http::{HeaderMap, HeaderValue, Method, StatusCode};

/// Seconds since a replayed answer was stored.
pub(crate) const CACHE_AGE: &str = "x-kiosk-cache-age";
/// Present (`1`) on every replayed answer.
pub(crate) const OFFLINE: &str = "x-kiosk-offline";

/// Whether and how a request's answer is cached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cacheable {
    No,
    /// A GET, keyed by path and query.
    Get(String),
    /// `POST /api/ds/query`, keyed by its body without the time range.
    Query(String),
}

impl Cacheable {
    pub(crate) fn key(&self) -> Option<&str> {
        match self {
            Cacheable::No => None,
            Cacheable::Get(key) | Cacheable::Query(key) => Some(key),
        }
    }
}

/// `route` is the path as Grafana routes it (sub-path removed); `path_and_query` is what the
/// browser asked for.
pub(crate) fn classify(
    method: &Method,
    route: &str,
    path_and_query: &str,
    body: &[u8],
) -> Cacheable {
    if *method == Method::GET && get_is_cacheable(route) {
        return Cacheable::Get(kiosk_cache::get_key(path_and_query));
    }
    if *method == Method::POST && route == "/api/ds/query" {
        let path = without_request_id(path_and_query);
        return kiosk_cache::query_key(&path, body).map_or(Cacheable::No, Cacheable::Query);
    }
    Cacheable::No
}

/// Everything a viewer sees is replayable except live data, the probe itself and the
/// session machinery (login pages and tokens must never be replayed).
fn get_is_cacheable(route: &str) -> bool {
    const NEVER: [&str; 7] = [
        "/api/live/",
        "/api/health",
        "/api/login",
        "/api/auth/",
        "/api/user/auth-tokens",
        "/login",
        "/logout",
    ];
    !NEVER.iter().any(|prefix| route.starts_with(prefix))
}

/// Grafana's frontend puts a per-request counter in the query (`?ds_type=prometheus&
/// requestId=SQR123`); it would make every key unique.
fn without_request_id(path_and_query: &str) -> String {
    let Some((path, query)) = path_and_query.split_once('?') else {
        return path_and_query.to_owned();
    };
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| !pair.is_empty() && pair.split('=').next() != Some("requestId"))
        .collect();
    if kept.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", kept.join("&"))
    }
}

/// The headers a cached entry keeps: the browser-facing ones, without cookies (a replayed
/// cookie would resurrect an old session).
pub(crate) fn storable_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .filter(|(name, _)| *name != SET_COOKIE)
        .filter_map(|(name, value)| {
            Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned()))
        })
        .collect()
}

/// No live answer and nothing cached: the waiting page for a document, a 503 for the rest.
pub(crate) fn unavailable(document: bool, path_and_query: &str) -> Response {
    let mut response = if document {
        let next: String =
            url::form_urlencoded::byte_serialize(path_and_query.as_bytes()).collect();
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::FOUND;
        response.headers_mut().insert(
            LOCATION,
            HeaderValue::from_str(&format!("/__kiosk/waiting?next={next}"))
                .unwrap_or_else(|_| HeaderValue::from_static("/__kiosk/waiting")),
        );
        response
    } else {
        let mut response = Response::new(Body::from(
            r#"{"message":"kiosk: Grafana unreachable and nothing cached"}"#,
        ));
        *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        response
    };
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A short `text/plain` answer of the gateway's own.
pub(crate) fn plain(status: StatusCode, text: &'static str) -> Response {
    let mut response = Response::new(Body::from(text));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_cached() {
        let get = |route: &str| classify(&Method::GET, route, route, b"");
        assert!(matches!(get("/api/dashboards/uid/x"), Cacheable::Get(_)));
        assert!(matches!(get("/public/build/app.js"), Cacheable::Get(_)));
        assert!(matches!(get("/d/fleet-overview"), Cacheable::Get(_)));
        for never in [
            "/api/live/ws",
            "/api/health",
            "/login",
            "/api/user/auth-tokens",
        ] {
            assert_eq!(get(never), Cacheable::No, "{never}");
        }
        assert_eq!(
            classify(
                &Method::POST,
                "/api/dashboards/db",
                "/api/dashboards/db",
                b"{}"
            ),
            Cacheable::No
        );
        assert_eq!(
            classify(&Method::POST, "/api/ds/query", "/api/ds/query", b"not json"),
            Cacheable::No
        );
    }

    #[test]
    fn query_keys_ignore_time_and_request_counter() {
        let a = classify(
            &Method::POST,
            "/api/ds/query",
            "/api/ds/query?ds_type=prometheus&requestId=SQR1",
            br#"{"from":"1","to":"2","queries":[{"refId":"A","expr":"up"}]}"#,
        );
        let b = classify(
            &Method::POST,
            "/api/ds/query",
            "/api/ds/query?ds_type=prometheus&requestId=SQR9",
            br#"{"queries":[{"expr":"up","refId":"A"}],"from":"5","to":"6"}"#,
        );
        assert!(matches!(a, Cacheable::Query(_)));
        assert_eq!(a, b);
        assert_eq!(
            without_request_id("/api/ds/query?requestId=1"),
            "/api/ds/query"
        );
    }

    #[test]
    fn documents_wait_and_the_rest_gets_503() {
        let page = unavailable(true, "/d/x?kiosk&from=now-6h");
        assert_eq!(page.status(), StatusCode::FOUND);
        assert_eq!(
            page.headers()[LOCATION],
            "/__kiosk/waiting?next=%2Fd%2Fx%3Fkiosk%26from%3Dnow-6h"
        );
        let api = unavailable(false, "/api/search");
        assert_eq!(api.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(api.headers()[CACHE_CONTROL], "no-store");
    }
}
