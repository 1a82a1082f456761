//! A small client for the legacy Grafana HTTP API (Grafana 10–13) that kiosk needs to provision
//! dashboards: credentials injected on every request, `X-Grafana-Org-Id`, per-request timeouts,
//! retries with backoff on transient failures, and status codes mapped to [`Error`] variants.

mod catalog;
mod error;
pub mod http;
mod types;

use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use kiosk_config::GrafanaConfig;
use reqwest::{Method, RequestBuilder};
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

pub use catalog::Catalog;
pub use error::{Error, ErrorClass};
pub use types::*;

/// A configured connection to one Grafana org.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    /// Always ends with `/`, so a sub-path (`https://host/grafana/`) survives `join`.
    base: Url,
    auth: http::AuthHeaders,
    retries: u32,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base.as_str())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Builds a client from the `[grafana]` section; reads the token file and CA file now so a
    /// bad path is reported before any request.
    pub fn new(config: &GrafanaConfig) -> Result<Client, Error> {
        let mut base = config.url.clone();
        if !base.username().is_empty() || base.password().is_some() {
            return Err(Error::Setup(
                "grafana.url must not carry credentials; use grafana.auth and its keys".into(),
            ));
        }
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        let auth = http::AuthHeaders::new(config)?;
        let http = http::builder(config)?
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(5)))
            .build()
            .map_err(|e| Error::Setup(format!("http client: {e}")))?;
        Ok(Client {
            http,
            base,
            auth,
            retries: config.retries,
        })
    }

    /// The Grafana base URL, for messages.
    pub fn base_url(&self) -> &Url {
        &self.base
    }

    /// `GET /api/health`: reachable and the database answers. No credentials needed.
    #[tracing::instrument(skip(self))]
    pub async fn health(&self) -> Result<Health, Error> {
        self.json(Method::GET, "api/health", None::<&()>).await
    }

    /// `GET /api/dashboards/uid/:uid`; `None` when Grafana has no such dashboard.
    #[tracing::instrument(skip(self))]
    pub async fn dashboard(&self, uid: &str) -> Result<Option<DashboardWithMeta>, Error> {
        not_found_as_none(
            self.json(
                Method::GET,
                &format!("api/dashboards/uid/{uid}"),
                None::<&()>,
            )
            .await,
        )
    }

    /// `POST /api/dashboards/db`.
    #[tracing::instrument(skip(self, request), fields(uid = request.dashboard["uid"].as_str()))]
    pub async fn save_dashboard(&self, request: &SaveDashboard) -> Result<SaveResult, Error> {
        self.json(Method::POST, "api/dashboards/db", Some(request))
            .await
    }

    /// `DELETE /api/dashboards/uid/:uid`.
    #[tracing::instrument(skip(self))]
    pub async fn delete_dashboard(&self, uid: &str) -> Result<(), Error> {
        self.json::<serde_json::Value>(
            Method::DELETE,
            &format!("api/dashboards/uid/{uid}"),
            None::<&()>,
        )
        .await
        .map(drop)
    }

    /// `GET /api/search?type=dash-db&tag=..` (tags are ANDed by Grafana).
    #[tracing::instrument(skip(self))]
    pub async fn search_dashboards(&self, tags: &[&str]) -> Result<Vec<SearchHit>, Error> {
        let mut path = String::from("api/search?type=dash-db&limit=5000");
        for tag in tags {
            path.push_str("&tag=");
            path.push_str(
                &url::form_urlencoded::byte_serialize(tag.as_bytes()).collect::<String>(),
            );
        }
        self.json(Method::GET, &path, None::<&()>).await
    }

    /// `GET /api/playlists/:uid`; `None` when absent.
    #[tracing::instrument(skip(self))]
    pub async fn playlist(&self, uid: &str) -> Result<Option<Playlist>, Error> {
        not_found_as_none(
            self.json(Method::GET, &format!("api/playlists/{uid}"), None::<&()>)
                .await,
        )
    }

    /// `GET /api/folders/:uid`; `None` when absent.
    #[tracing::instrument(skip(self))]
    pub async fn folder(&self, uid: &str) -> Result<Option<Folder>, Error> {
        not_found_as_none(
            self.json(Method::GET, &format!("api/folders/{uid}"), None::<&()>)
                .await,
        )
    }

    /// `POST /api/folders`; a 409 means the uid or the title is taken.
    #[tracing::instrument(skip(self))]
    pub async fn create_folder(&self, uid: &str, title: &str) -> Result<Folder, Error> {
        let body = serde_json::json!({ "uid": uid, "title": title });
        self.json(Method::POST, "api/folders", Some(&body)).await
    }

    /// `GET /api/datasources/uid/:uid`; `None` when absent.
    #[tracing::instrument(skip(self))]
    pub async fn datasource(&self, uid: &str) -> Result<Option<Datasource>, Error> {
        not_found_as_none(
            self.json(
                Method::GET,
                &format!("api/datasources/uid/{uid}"),
                None::<&()>,
            )
            .await,
        )
    }

    /// `GET /api/datasources/name/:name`; `None` when absent.
    #[tracing::instrument(skip(self))]
    pub async fn datasource_by_name(&self, name: &str) -> Result<Option<Datasource>, Error> {
        let name: String = url::form_urlencoded::byte_serialize(name.as_bytes()).collect();
        not_found_as_none(
            self.json(
                Method::GET,
                &format!("api/datasources/name/{name}"),
                None::<&()>,
            )
            .await,
        )
    }

    /// `POST /api/datasources`; a 409 means the name or uid is taken.
    #[tracing::instrument(skip(self, datasource), fields(uid = %datasource.uid))]
    pub async fn create_datasource(&self, datasource: &Datasource) -> Result<(), Error> {
        self.json::<serde_json::Value>(Method::POST, "api/datasources", Some(datasource))
            .await
            .map(drop)
    }

    /// `PUT /api/datasources/uid/:uid`.
    #[tracing::instrument(skip(self, datasource), fields(uid = %datasource.uid))]
    pub async fn update_datasource(&self, datasource: &Datasource) -> Result<(), Error> {
        let path = format!("api/datasources/uid/{}", datasource.uid);
        self.json::<serde_json::Value>(Method::PUT, &path, Some(datasource))
            .await
            .map(drop)
    }

    /// One JSON request with credentials and retries.
    async fn json<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&(impl Serialize + ?Sized)>,
    ) -> Result<T, Error> {
        let url = self
            .base
            .join(path)
            .map_err(|e| Error::Setup(format!("bad endpoint {path}: {e}")))?;
        let body = send_with_retries(self.retries, &url, || {
            let request = self.authorize(self.http.request(method.clone(), url.clone()));
            match body {
                Some(body) => request.json(body),
                None => request,
            }
        })
        .await?;
        // DELETE and some writes answer with bodies we do not need; an empty body is `null`.
        let body: &[u8] = if body.trim_ascii().is_empty() {
            b"null"
        } else {
            &body
        };
        serde_json::from_slice(body).map_err(|e| Error::Protocol {
            url: display_url(&url),
            message: format!("invalid JSON: {e}"),
        })
    }

    fn authorize(&self, request: RequestBuilder) -> RequestBuilder {
        self.auth.apply(request)
    }
}

/// Sends the request built by `build` until it succeeds, Grafana says no (4xx), or the retries
/// run out on transient failures (connection errors, timeouts, 5xx); backoff 100 ms doubling to
/// 2 s, with jitter. Retrying writes is safe: Grafana answers a stale save with 412 rather than
/// applying it twice. Returns the response body as received.
pub(crate) async fn send_with_retries(
    retries: u32,
    url: &Url,
    build: impl Fn() -> RequestBuilder,
) -> Result<Vec<u8>, Error> {
    let shown = display_url(url);
    let attempt = || async {
        let unreachable = |e: reqwest::Error| Error::Unreachable {
            url: shown.clone(),
            reason: describe(&e),
        };
        let response = build().send().await.map_err(unreachable)?;
        let status = response.status();
        let body = response.bytes().await.map_err(unreachable)?;
        if status.is_success() {
            Ok(body.to_vec())
        } else {
            Err(Error::from_status(
                shown.clone(),
                status,
                &String::from_utf8_lossy(&body),
            ))
        }
    };
    attempt
        .retry(
            ExponentialBuilder::default()
                .with_min_delay(Duration::from_millis(100))
                .with_max_delay(Duration::from_secs(2))
                .with_max_times(retries as usize)
                .with_jitter(),
        )
        .when(Error::is_transient)
        .notify(|error, wait| tracing::warn!(%error, ?wait, "retrying"))
        .await
}

fn not_found_as_none<T>(result: Result<T, Error>) -> Result<Option<T>, Error> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(Error::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The URL as shown in messages: no query string (it may carry search terms, never secrets, but
/// keeps messages short).
fn display_url(url: &Url) -> String {
    let mut shown = url.clone();
    shown.set_query(None);
    shown.to_string()
}

/// reqwest's Display hides the cause ("error sending request"); walk the chain for the reason.
fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        return "timed out".into();
    }
    let mut reason = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        reason = cause.to_string();
        source = cause.source();
    }
    reason
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(url: &str) -> Client {
        let mut config = kiosk_config::Config::default().grafana;
        config.url = Url::parse(url).unwrap();
        Client::new(&config).unwrap()
    }

    #[test]
    fn a_sub_path_is_kept_when_joining_endpoints() {
        let c = client("https://example.org/grafana");
        assert_eq!(
            c.base.join("api/health").unwrap().as_str(),
            "https://example.org/grafana/api/health"
        );
        let c = client("http://127.0.0.1:3000");
        assert_eq!(
            c.base.join("api/search").unwrap().as_str(),
            "http://127.0.0.1:3000/api/search"
        );
    }

    #[test]
    fn grafana_statuses_map_to_classes_and_clear_messages() {
        let e = |status: u16, body: &str| {
            Error::from_status(
                "u".into(),
                reqwest::StatusCode::from_u16(status).unwrap(),
                body,
            )
        };
        assert_eq!(
            e(401, r#"{"message":"Invalid API key"}"#).class(),
            ErrorClass::Auth
        );
        assert_eq!(e(403, "{}").class(), ErrorClass::Auth);
        assert_eq!(e(503, "").class(), ErrorClass::Unreachable);
        assert!(e(503, "").is_transient());
        assert!(!e(400, "{}").is_transient());
        let mismatch = e(412, r#"{"status":"version-mismatch","message":"x"}"#);
        assert_eq!(mismatch.class(), ErrorClass::Refused);
        assert!(
            mismatch.to_string().contains("someone edited it"),
            "{mismatch}"
        );
        assert!(e(406, "{}").to_string().contains("schema v2"));
        let plain = e(500, "<html>oops</html>");
        assert!(
            plain.to_string().contains("oops"),
            "non-JSON bodies still explain: {plain}"
        );
    }
}
