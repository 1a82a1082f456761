//! The kiosk.toml schema: one struct per section, every field defaulted, unknown keys refused.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize, de};
use url::Url;

use crate::secret::Secret;

/// The whole effective configuration, after layering.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub grafana: GrafanaConfig,
    pub datasource: DatasourceConfig,
    pub provision: ProvisionConfig,
    pub cache: CacheConfig,
    pub gateway: GatewayConfig,
    pub display: DisplayConfig,
    pub app: AppConfig,
    pub screen: ScreenConfig,
}

/// `[grafana]`: where Grafana is and how to authenticate to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GrafanaConfig {
    /// Kept as written, sub-path included (`https://host/grafana`).
    #[serde(deserialize_with = "http_url")]
    pub url: Url,
    pub auth: AuthMethod,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<Secret>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_file: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<Secret>,
    /// Sent as `X-Grafana-Org-Id` when set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org_id: Option<u64>,
    /// An extra CA (PEM) trusted on top of the system roots.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
    pub insecure_skip_verify: bool,
    /// Per request.
    #[serde(with = "humantime_serde")]
    pub timeout: Duration,
    /// Extra attempts on 5xx, timeouts and connection errors.
    pub retries: u32,
}

impl Default for GrafanaConfig {
    fn default() -> GrafanaConfig {
        GrafanaConfig {
            url: Url::parse("http://127.0.0.1:3000").expect("default Grafana URL parses"),
            auth: AuthMethod::Anonymous,
            token: None,
            token_file: None,
            username: None,
            password: None,
            org_id: None,
            ca_file: None,
            insecure_skip_verify: false,
            timeout: Duration::from_secs(10),
            retries: 3,
        }
    }
}

/// `grafana.auth`. Which of the credential keys is used is decided here, never guessed from
/// which keys happen to be set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    #[default]
    Anonymous,
    Token,
    TokenFile,
    Basic,
}

impl AuthMethod {
    /// The spelling used in kiosk.toml, for messages.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::Anonymous => "anonymous",
            AuthMethod::Token => "token",
            AuthMethod::TokenFile => "token_file",
            AuthMethod::Basic => "basic",
        }
    }
}

/// `[datasource]`: the Prometheus datasource every provisioned dashboard points at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatasourceConfig {
    pub name: String,
    /// Fixed, so dashboards can be rewritten to it before Grafana is ever asked.
    pub uid: String,
    /// When absent, kiosk does not create the datasource; it must already exist in Grafana.
    #[serde(
        deserialize_with = "optional_http_url",
        skip_serializing_if = "Option::is_none"
    )]
    pub url: Option<Url>,
    /// Becomes the datasource's `jsonData.timeInterval`.
    #[serde(with = "humantime_serde")]
    pub scrape_interval: Duration,
}

impl Default for DatasourceConfig {
    fn default() -> DatasourceConfig {
        DatasourceConfig {
            name: "Prometheus".to_owned(),
            uid: "kiosk-prometheus".to_owned(),
            url: None,
            scrape_interval: Duration::from_secs(15),
        }
    }
}

/// `[provision]`: where the dashboards come from and which Grafana folder they go to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProvisionConfig {
    /// Folder title.
    pub folder: String,
    pub folder_uid: String,
    /// Our `*.json` dashboards plus `vendor.toml` and `vendor.lock`.
    pub dashboards_dir: PathBuf,
    /// Configurable so tests (and mirrors) can serve vendor dashboards locally.
    #[serde(deserialize_with = "http_url")]
    pub grafana_com_url: Url,
}

impl Default for ProvisionConfig {
    fn default() -> ProvisionConfig {
        ProvisionConfig {
            folder: "Wallboard".to_owned(),
            folder_uid: "kiosk".to_owned(),
            dashboards_dir: PathBuf::from("/usr/share/kiosk/dashboards"),
            grafana_com_url: Url::parse("https://grafana.com").expect("default grafana.com URL"),
        }
    }
}

/// `[cache]`: on-disk state that must survive reboots (downloaded dashboards, offline replay).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CacheConfig {
    pub dir: PathBuf,
    /// Upper bound of the gateway's offline cache on disk.
    pub max_bytes: u64,
}

impl Default for CacheConfig {
    fn default() -> CacheConfig {
        CacheConfig {
            dir: PathBuf::from("/var/lib/kiosk/cache"),
            max_bytes: 256 * 1024 * 1024,
        }
    }
}

/// `[gateway]`: the loopback server the wallboard's browser talks to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GatewayConfig {
    /// Port 0 picks a free port.
    pub listen: SocketAddr,
    /// Required to listen anywhere but loopback: the gateway holds Grafana's credentials.
    pub allow_remote: bool,
    /// How often Grafana's `/api/health` is polled.
    #[serde(with = "humantime_serde")]
    pub health_interval: Duration,
    /// A second listener serving only `/metrics`, without a session, for the fleet's
    /// Prometheus (the gateway itself is loopback-only and cookie-guarded).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics_listen: Option<SocketAddr>,
}

impl Default for GatewayConfig {
    fn default() -> GatewayConfig {
        GatewayConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            allow_remote: false,
            health_interval: Duration::from_secs(2),
            metrics_listen: None,
        }
    }
}

/// `[display]`: what the wall rotates through. Pages come from `[[display.pages]]`, else from
/// the Grafana playlist `playlist_uid`, else from the dashboards kiosk synced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DisplayConfig {
    /// How long each page stays, unless the page says otherwise.
    #[serde(with = "humantime_serde")]
    pub dwell: Duration,
    /// A tap pauses rotation this long, then it resumes by itself.
    #[serde(with = "humantime_serde")]
    pub pause_resume: Duration,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub playlist_uid: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pages: Vec<PageConfig>,
}

impl Default for DisplayConfig {
    fn default() -> DisplayConfig {
        DisplayConfig {
            dwell: Duration::from_secs(60),
            pause_resume: Duration::from_secs(120),
            playlist_uid: None,
            pages: Vec::new(),
        }
    }
}

/// One `[[display.pages]]` entry: a dashboard by uid (or any Grafana path) and how to show it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PageConfig {
    /// Dashboard uid; exactly one of `dashboard` and `path` is set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dashboard: Option<String>,
    /// A Grafana path such as `/d/abc/slug?orgId=1`, shown as given (kiosk flags added).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(
        with = "humantime_serde::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub dwell: Option<Duration>,
    /// Time range, Grafana syntax (`now-6h`, `now`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// Dashboard variables, sent as `var-<name>=<value>`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub vars: BTreeMap<String, String>,
    /// When to show the page; none means always.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub windows: Vec<WindowConfig>,
    /// Parts of Grafana's chrome to keep in kiosk mode: any of `time_picker`, `variables`,
    /// `links`. All are hidden by default: a wall is not operated.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub show: Vec<String>,
}

/// What `show` may name, with the kiosk flag that hides it.
pub const CHROME: [(&str, &str); 3] = [
    ("time_picker", "_dash.hideTimePicker"),
    ("variables", "_dash.hideVariables"),
    ("links", "_dash.hideLinks"),
];

/// A weekly window: `days` by name (`mon` … `sun`), `from`/`to` as `HH:MM` local time; `to`
/// before `from` spans midnight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowConfig {
    #[serde(default = "every_day")]
    pub days: Vec<String>,
    pub from: String,
    pub to: String,
}

fn every_day() -> Vec<String> {
    DAYS.iter().map(|d| (*d).to_owned()).collect()
}

/// Day names in ISO order: index + 1 is the ISO weekday (1 = Monday).
pub const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Why `url` is not acceptable as an HTTP endpoint, or `None` when it is; `shown` is how the
/// message quotes it (what the user wrote, where known). Shared by
/// deserialization (so a file error carries its line) and [`Config::validate`] (so a config
/// built in code is held to the same rules).
pub(crate) fn http_url_problem(url: &Url, shown: &str) -> Option<String> {
    // Checked first: every later message prints the URL, which must not carry a password.
    if !url.username().is_empty() || url.password().is_some() {
        return Some(
            "the URL must not carry credentials; use grafana.auth and its keys instead".to_owned(),
        );
    }
    if !matches!(url.scheme(), "http" | "https") {
        return Some(format!(
            "unsupported scheme `{}` in `{shown}`, expected http or https",
            url.scheme()
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Some(format!("`{shown}` has no host"));
    }
    None
}

fn http_url<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Url, D::Error> {
    let text = String::deserialize(deserializer)?;
    let url = Url::parse(&text).map_err(|err| {
        de::Error::custom(format_args!(
            "invalid URL `{}`: {err}",
            hide_userinfo(&text)
        ))
    })?;
    match http_url_problem(&url, &text) {
        Some(problem) => Err(de::Error::custom(problem)),
        None => Ok(url),
    }
}

fn optional_http_url<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Url>, D::Error> {
    http_url(deserializer).map(Some)
}

/// A URL that failed to parse may still hold `user:password@`; mask it before echoing.
fn hide_userinfo(text: &str) -> String {
    let Some((scheme, rest)) = text.split_once("://") else {
        return text.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://***@{}", &rest[at + 1..]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_is_masked_in_unparsable_urls() {
        assert_eq!(
            hide_userinfo("https://admin:hunter2@host:99999/x"),
            "https://***@host:99999/x"
        );
        assert_eq!(hide_userinfo("https://host/a@b"), "https://host/a@b");
        assert_eq!(hide_userinfo("not a url"), "not a url");
    }

    #[test]
    fn sub_path_is_kept() {
        let config: Config = toml::from_str("[grafana]\nurl = \"https://host/grafana\"").unwrap();
        assert_eq!(config.grafana.url.as_str(), "https://host/grafana");
    }

    #[test]
    fn credentials_in_url_are_refused_without_echoing_them() {
        let err = toml::from_str::<Config>("[grafana]\nurl = \"https://admin:hunter2@host\"")
            .err()
            .unwrap();
        assert!(err.message().contains("must not carry credentials"));
        assert!(!err.message().contains("hunter2"));
    }
}

/// `[app]`: the wallboard app (`kiosk run`): how WebKit renders and how the app heals itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AppConfig {
    pub renderer: Renderer,
    /// The page counts as frozen when the shell's heartbeat is older than this.
    #[serde(with = "humantime_serde")]
    pub heartbeat_timeout: Duration,
    /// Web process crashes answered with a reload within an hour; beyond, the next rung.
    pub max_reloads_per_hour: u32,
    /// Webview recreations within an hour; beyond, the app exits for systemd to restart it.
    pub max_recreates_per_hour: u32,
    /// Resident memory of the web process, in bytes, above which the webview is recreated;
    /// 0 turns the guard off.
    pub memory_limit: u64,
    /// A local time of day (`HH:MM`) at which the webview is recreated anyway; "" for never.
    pub recreate_at: String,
}

impl Default for AppConfig {
    fn default() -> AppConfig {
        AppConfig {
            renderer: Renderer::default(),
            heartbeat_timeout: Duration::from_secs(30),
            max_reloads_per_hour: 6,
            max_recreates_per_hour: 3,
            memory_limit: 1024 * 1024 * 1024,
            recreate_at: "04:00".to_owned(),
        }
    }
}

/// `app.renderer`: how WebKitGTK draws. The DMABUF renderer is WebKit's own default; under
/// software GL it costs several times the CPU and memory, and blank windows are reported with
/// it on the Raspberry Pi, so kiosk turns it off unless asked (numbers in the README).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Renderer {
    /// WebKit's default: the DMABUF renderer.
    Dmabuf,
    /// `WEBKIT_DISABLE_DMABUF_RENDERER=1`.
    #[default]
    NoDmabuf,
    /// `WEBKIT_DISABLE_COMPOSITING_MODE=1`: no accelerated compositing at all.
    NoCompositing,
}

impl Renderer {
    /// The environment variables WebKit reads for this choice.
    pub fn environment(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Renderer::Dmabuf => &[],
            Renderer::NoDmabuf => &[("WEBKIT_DISABLE_DMABUF_RENDERER", "1")],
            Renderer::NoCompositing => &[("WEBKIT_DISABLE_COMPOSITING_MODE", "1")],
        }
    }
}

/// `[screen]`: the display schedule. Both times set: the screen is off from `off_at` until
/// `on_at` every day (across midnight when `off_at` is later); neither set: always on.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScreenConfig {
    pub off_at: String,
    pub on_at: String,
    /// Shell command that switches the screen off; "" picks one for the session type.
    pub off_command: String,
    /// Shell command that switches the screen on; "" picks one for the session type.
    pub on_command: String,
}
