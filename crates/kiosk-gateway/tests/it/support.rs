//! Test harness: a gateway serving on 127.0.0.1:0 in the background, a "browser" that holds the
//! session cookie, and bounded waiting.

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use kiosk_config::{AuthMethod, GrafanaConfig, Secret};
use kiosk_gateway::{Error, Gateway, Handle, Options, State, Status};
use reqwest::header::{COOKIE, SET_COOKIE};
use tokio::task::JoinHandle;
use url::Url;

pub const TOKEN: &str = "glsa_test_token";
pub const HEALTH_INTERVAL: Duration = Duration::from_millis(200);
/// Longest any test waits for something to happen.
pub const PATIENCE: Duration = Duration::from_secs(10);

pub fn grafana(url: &str) -> GrafanaConfig {
    GrafanaConfig {
        url: Url::parse(url).unwrap(),
        timeout: Duration::from_secs(3),
        ..GrafanaConfig::default()
    }
}

pub fn with_token(url: &str, token: &str) -> GrafanaConfig {
    GrafanaConfig {
        auth: AuthMethod::Token,
        token: Some(Secret::new(token)),
        ..grafana(url)
    }
}

pub fn with_basic(url: &str, user: &str, password: &str) -> GrafanaConfig {
    GrafanaConfig {
        auth: AuthMethod::Basic,
        username: Some(user.to_owned()),
        password: Some(Secret::new(password)),
        ..grafana(url)
    }
}

pub fn options(grafana: GrafanaConfig, cache_dir: &Path) -> Options {
    Options {
        grafana,
        cache_dir: cache_dir.to_owned(),
        cache_max_bytes: 64 * 1024 * 1024,
        health_interval: HEALTH_INTERVAL,
        allow_remote: false,
        metrics_listen: None,
    }
}

/// A gateway serving in the background until [`Running::stop`].
pub struct Running {
    pub handle: Handle,
    pub addr: SocketAddr,
    task: JoinHandle<Result<(), Error>>,
}

pub async fn start(grafana: GrafanaConfig, cache_dir: &Path) -> Running {
    start_with(options(grafana, cache_dir)).await
}

pub async fn start_with(options: Options) -> Running {
    let gateway = Gateway::bind("127.0.0.1:0".parse().unwrap(), options)
        .await
        .expect("gateway binds");
    let handle = gateway.handle();
    let addr = gateway.local_addr();
    let task = tokio::spawn(gateway.serve(std::future::pending()));
    Running { handle, addr, task }
}

impl Running {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// A browser that has opened the shell URL and holds the session cookie.
    pub async fn browser(&self) -> Browser {
        let http = no_redirects();
        let response = http.get(self.handle.shell_url()).send().await.unwrap();
        assert_eq!(response.status(), 303, "the session link is accepted");
        let set_cookie = response.headers()[SET_COOKIE].to_str().unwrap().to_owned();
        let cookie = set_cookie.split(';').next().unwrap().to_owned();
        Browser {
            http,
            base: format!("http://{}", self.addr),
            cookie,
        }
    }

    pub fn state(&self) -> State {
        self.handle.state()
    }

    /// Waits (bounded) until the gateway reports `status`.
    pub async fn wait_for(&self, status: Status) -> State {
        let handle = self.handle.clone();
        eventually(&format!("state {status:?}"), || {
            let state = handle.state();
            async move { (state.state == status).then_some(state) }
        })
        .await
    }

    /// Stops serving and checks that the gateway ended cleanly and promptly.
    pub async fn stop(self) {
        self.handle.shutdown();
        tokio::time::timeout(PATIENCE, self.task)
            .await
            .expect("the gateway stops within the grace time")
            .expect("the serve task does not panic")
            .expect("serve ends without an error");
    }
}

pub fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(PATIENCE)
        .build()
        .unwrap()
}

/// An HTTP client with the gateway's session cookie, as a browser after opening the shell URL.
pub struct Browser {
    pub http: reqwest::Client,
    pub base: String,
    /// `kiosk_session=...`
    pub cookie: String,
}

impl Browser {
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .header(COOKIE, &self.cookie)
    }

    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.request(reqwest::Method::GET, path)
    }

    pub fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.request(reqwest::Method::POST, path)
    }

    /// A GET as a page load would make it (`Accept: text/html`).
    pub fn document(&self, path: &str) -> reqwest::RequestBuilder {
        self.get(path)
            .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
    }
}

/// Retries `probe` until it returns `Some`, for at most [`PATIENCE`].
pub async fn eventually<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "gave up waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A panel query as Grafana's frontend sends it, for the range `from`..`to`.
pub fn panel_query(from: &str, to: &str) -> serde_json::Value {
    serde_json::json!({
        "queries": [{
            "refId": "A",
            "datasource": { "type": "prometheus", "uid": "kiosk-prometheus" },
            "expr": "up",
            "intervalMs": 15000,
            "maxDataPoints": 800
        }],
        "from": from,
        "to": to
    })
}
