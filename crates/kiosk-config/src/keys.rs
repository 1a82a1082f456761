//! The one table of configuration keys. Environment variable names, the coercion of env and
//! flag strings into TOML values, and the reference table in docs/configuration.md all come
//! from [`KEYS`], so adding a key in one place cannot leave the others behind.

/// How a string from the environment or the command line becomes a TOML value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Taken as is; URLs, durations, paths and enums are checked by the schema afterwards.
    Str,
    /// A decimal integer; the range is checked by the schema afterwards.
    Int,
    /// `true`, `false`, `1` or `0`.
    Bool,
}

/// One `section.key` of kiosk.toml.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub section: &'static str,
    pub key: &'static str,
    pub kind: Kind,
    /// The type as the docs name it (`URL`, `duration`, `secret`, ...).
    pub type_name: &'static str,
    /// One line for the docs table.
    pub doc: &'static str,
}

impl Key {
    /// `grafana.url`: the spelling used by flags and error messages.
    pub fn dotted(&self) -> String {
        format!("{}.{}", self.section, self.key)
    }

    /// `KIOSK_GRAFANA_URL`.
    pub fn env_var(&self) -> String {
        format!(
            "KIOSK_{}_{}",
            self.section.to_ascii_uppercase(),
            self.key.to_ascii_uppercase()
        )
    }

    pub fn is_secret(&self) -> bool {
        self.type_name == "secret"
    }

    /// Turns an env or flag string into the TOML value the file would have held.
    pub(crate) fn coerce(&self, raw: &str) -> Result<toml::Value, String> {
        match self.kind {
            Kind::Str => Ok(toml::Value::String(raw.to_owned())),
            Kind::Int => raw
                .trim()
                .parse::<i64>()
                .map(toml::Value::Integer)
                .map_err(|_| format!("expected an integer, got `{raw}`")),
            Kind::Bool => match raw.trim().to_ascii_lowercase().as_str() {
                "true" | "1" => Ok(toml::Value::Boolean(true)),
                "false" | "0" => Ok(toml::Value::Boolean(false)),
                _ => Err(format!("expected true, false, 1 or 0, got `{raw}`")),
            },
        }
    }
}

const fn key(
    section: &'static str,
    key: &'static str,
    kind: Kind,
    type_name: &'static str,
    doc: &'static str,
) -> Key {
    Key {
        section,
        key,
        kind,
        type_name,
        doc,
    }
}

use Kind::{Bool, Int, Str};

/// Every key of kiosk.toml, in the order the docs and the example file present them.
pub static KEYS: &[Key] = &[
    key(
        "grafana",
        "url",
        Str,
        "URL",
        "Grafana base URL, http or https; a sub-path (`https://host/grafana`) is kept",
    ),
    key(
        "grafana",
        "auth",
        Str,
        "enum",
        "`anonymous`, `token`, `token_file` or `basic`",
    ),
    key(
        "grafana",
        "token",
        Str,
        "secret",
        "service-account token, for `auth = \"token\"`",
    ),
    key(
        "grafana",
        "token_file",
        Str,
        "path",
        "file holding the token, for `auth = \"token_file\"`; read at start, whitespace trimmed",
    ),
    key(
        "grafana",
        "username",
        Str,
        "string",
        "user name, for `auth = \"basic\"`",
    ),
    key(
        "grafana",
        "password",
        Str,
        "secret",
        "password, for `auth = \"basic\"`",
    ),
    key(
        "grafana",
        "org_id",
        Int,
        "integer",
        "organization to act in, sent as `X-Grafana-Org-Id`",
    ),
    key(
        "grafana",
        "ca_file",
        Str,
        "path",
        "extra CA certificate (PEM) trusted for Grafana",
    ),
    key(
        "grafana",
        "insecure_skip_verify",
        Bool,
        "bool",
        "accept any TLS certificate; for tests only",
    ),
    key(
        "grafana",
        "timeout",
        Str,
        "duration",
        "time limit per request (`10s`, `1m`)",
    ),
    key(
        "grafana",
        "retries",
        Int,
        "integer",
        "extra attempts on 5xx answers, timeouts and connection errors",
    ),
    key(
        "datasource",
        "name",
        Str,
        "string",
        "name of the Prometheus datasource kiosk manages",
    ),
    key(
        "datasource",
        "uid",
        Str,
        "uid",
        "fixed uid every provisioned dashboard points at",
    ),
    key(
        "datasource",
        "url",
        Str,
        "URL",
        "Prometheus URL as Grafana reaches it; when unset the datasource must already exist",
    ),
    key(
        "datasource",
        "scrape_interval",
        Str,
        "duration",
        "Prometheus scrape interval, becomes `jsonData.timeInterval`",
    ),
    key(
        "provision",
        "folder",
        Str,
        "string",
        "title of the Grafana folder the dashboards go to",
    ),
    key("provision", "folder_uid", Str, "uid", "uid of that folder"),
    key(
        "provision",
        "dashboards_dir",
        Str,
        "path",
        "our `*.json` dashboards plus `vendor.toml` and `vendor.lock`",
    ),
    key(
        "provision",
        "grafana_com_url",
        Str,
        "URL",
        "where vendor dashboards are downloaded from",
    ),
    key(
        "cache",
        "dir",
        Str,
        "path",
        "downloads and offline replay cache; must survive reboots",
    ),
    key(
        "cache",
        "max_bytes",
        Int,
        "integer",
        "upper bound in bytes of the gateway's offline cache (default 256 MiB)",
    ),
    key(
        "gateway",
        "listen",
        Str,
        "address",
        "address the wallboard's browser connects to; port 0 picks a free one",
    ),
    key(
        "gateway",
        "allow_remote",
        Bool,
        "bool",
        "allow a non-loopback `listen` address (the gateway holds Grafana's credentials)",
    ),
    key(
        "gateway",
        "health_interval",
        Str,
        "duration",
        "how often Grafana's `/api/health` is polled",
    ),
    key(
        "display",
        "dwell",
        Str,
        "duration",
        "how long each page stays unless the page sets its own `dwell`",
    ),
    key(
        "display",
        "pause_resume",
        Str,
        "duration",
        "a tap pauses the rotation this long, then it resumes by itself",
    ),
    key(
        "display",
        "playlist_uid",
        Str,
        "uid",
        "rotate through this Grafana playlist when no `[[display.pages]]` are given",
    ),
    key(
        "gateway",
        "metrics_listen",
        Str,
        "address",
        "unset, or an address serving only `/metrics` (no session) for the fleet's Prometheus, e.g. `0.0.0.0:9420`",
    ),
    key(
        "app",
        "renderer",
        Str,
        "enum",
        "how WebKit draws: `no-dmabuf` (default, measured), `dmabuf` (WebKit's default) or `no-compositing`",
    ),
    key(
        "app",
        "heartbeat_timeout",
        Str,
        "duration",
        "the page counts as frozen when the shell's heartbeat is older than this",
    ),
    key(
        "app",
        "max_reloads_per_hour",
        Int,
        "integer",
        "web process crashes answered with a reload per hour; beyond, the webview is recreated",
    ),
    key(
        "app",
        "max_recreates_per_hour",
        Int,
        "integer",
        "webview recreations per hour; beyond, the app exits and systemd restarts it",
    ),
    key(
        "app",
        "memory_limit",
        Int,
        "integer",
        "web process resident memory in bytes above which the webview is recreated; 0 for no limit",
    ),
    key(
        "app",
        "recreate_at",
        Str,
        "HH:MM",
        "local time of day the webview is recreated anyway; `\"\"` for never",
    ),
    key(
        "screen",
        "off_at",
        Str,
        "HH:MM",
        "local time the screen is switched off (with `on_at`); unset: always on",
    ),
    key(
        "screen",
        "on_at",
        Str,
        "HH:MM",
        "local time the screen is switched on again",
    ),
    key(
        "screen",
        "off_command",
        Str,
        "command",
        "shell command that switches the screen off; unset: `wlopm --off '*'` under Wayland, `xset dpms force off` under X11",
    ),
    key(
        "screen",
        "on_command",
        Str,
        "command",
        "shell command that switches the screen on; unset: `wlopm --on '*'` under Wayland, `xset dpms force on` under X11",
    ),
];

/// The table entry for a dotted key such as `grafana.url`.
pub fn find(dotted: &str) -> Option<&'static Key> {
    let (section, name) = dotted.split_once('.')?;
    KEYS.iter()
        .find(|key| key.section == section && key.key == name)
}

/// Every `KIOSK_*` variable that sets a configuration key.
pub fn env_var_names() -> Vec<String> {
    KEYS.iter().map(Key::env_var).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_names_follow_section_and_key() {
        let names = env_var_names();
        for expected in [
            "KIOSK_GRAFANA_URL",
            "KIOSK_GRAFANA_TOKEN_FILE",
            "KIOSK_GRAFANA_INSECURE_SKIP_VERIFY",
            "KIOSK_DATASOURCE_SCRAPE_INTERVAL",
            "KIOSK_PROVISION_DASHBOARDS_DIR",
            "KIOSK_CACHE_DIR",
        ] {
            assert!(names.iter().any(|n| n == expected), "{expected} missing");
        }
        let mut unique = names.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "two keys share an env var");
    }

    #[test]
    fn bools_accept_words_and_digits_only() {
        let key = find("grafana.insecure_skip_verify").unwrap();
        assert_eq!(key.coerce("1"), Ok(toml::Value::Boolean(true)));
        assert_eq!(key.coerce("TRUE"), Ok(toml::Value::Boolean(true)));
        assert_eq!(key.coerce("0"), Ok(toml::Value::Boolean(false)));
        assert_eq!(
            key.coerce("yes"),
            Err("expected true, false, 1 or 0, got `yes`".to_owned())
        );
    }

    #[test]
    fn ints_are_decimal() {
        let key = find("grafana.retries").unwrap();
        assert_eq!(key.coerce(" 5 "), Ok(toml::Value::Integer(5)));
        assert!(key.coerce("five").unwrap_err().contains("`five`"));
    }
}
