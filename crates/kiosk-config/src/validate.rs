//! Rules that span keys or layers (auth needs its credentials, uids Grafana accepts), checked
//! once on the merged configuration. Per-value syntax is the schema's job.

use std::path::Path;
use std::time::Duration;

use url::Url;

use crate::error::ConfigError;
use crate::schema::{AuthMethod, CHROME, Config, DAYS, DisplayConfig, http_url_problem};

impl Config {
    /// Checks the merged configuration; the first problem found is returned, naming its key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let g = &self.grafana;
        check_url("grafana.url", &g.url)?;
        check_auth(self)?;
        if let Some(path) = &g.token_file {
            check_path("grafana.token_file", path)?;
        }
        if let Some(path) = &g.ca_file {
            check_path("grafana.ca_file", path)?;
        }
        if g.org_id == Some(0) {
            return invalid("grafana.org_id", "must be 1 or more, got `0`");
        }
        check_positive("grafana.timeout", g.timeout)?;

        let ds = &self.datasource;
        check_not_blank("datasource.name", &ds.name)?;
        check_uid("datasource.uid", &ds.uid)?;
        if let Some(url) = &ds.url {
            check_url("datasource.url", url)?;
        }
        check_positive("datasource.scrape_interval", ds.scrape_interval)?;

        let p = &self.provision;
        check_not_blank("provision.folder", &p.folder)?;
        check_uid("provision.folder_uid", &p.folder_uid)?;
        check_path("provision.dashboards_dir", &p.dashboards_dir)?;
        check_url("provision.grafana_com_url", &p.grafana_com_url)?;

        check_path("cache.dir", &self.cache.dir)?;

        check_positive("gateway.health_interval", self.gateway.health_interval)?;
        check_display(&self.display)?;

        check_positive("app.heartbeat_timeout", self.app.heartbeat_timeout)?;
        if !self.app.recreate_at.is_empty() {
            check_hhmm("app.recreate_at", &self.app.recreate_at)?;
        }
        let screen = &self.screen;
        match (screen.off_at.is_empty(), screen.on_at.is_empty()) {
            (true, true) => {}
            (false, false) => {
                check_hhmm("screen.off_at", &screen.off_at)?;
                check_hhmm("screen.on_at", &screen.on_at)?;
                if screen.off_at == screen.on_at {
                    invalid("screen.on_at", "must differ from `screen.off_at`")?;
                }
            }
            (false, true) => invalid("screen.on_at", "is needed with `screen.off_at`")?,
            (true, false) => invalid("screen.off_at", "is needed with `screen.on_at`")?,
        }
        Ok(())
    }
}

fn check_display(d: &DisplayConfig) -> Result<(), ConfigError> {
    check_positive("display.dwell", d.dwell)?;
    check_positive("display.pause_resume", d.pause_resume)?;
    if let Some(uid) = &d.playlist_uid {
        check_uid("display.playlist_uid", uid)?;
    }
    for (i, page) in d.pages.iter().enumerate() {
        // Pages have no names of their own; the 1-based position is what a person counts.
        let key = |field: &str| format!("display.pages[{}].{field}", i + 1);
        match (&page.dashboard, &page.path) {
            (Some(uid), None) => check_uid(&key("dashboard"), uid)?,
            (None, Some(path)) if path.starts_with('/') => {}
            (None, Some(path)) => {
                invalid(&key("path"), &format!("`{path}` must start with `/`"))?;
            }
            _ => invalid(
                &format!("display.pages[{}]", i + 1),
                "set exactly one of `dashboard` (a uid) and `path`",
            )?,
        }
        if let Some(dwell) = page.dwell {
            check_positive(&key("dwell"), dwell)?;
        }
        for part in &page.show {
            if !CHROME.iter().any(|(name, _)| name == part) {
                let names: Vec<&str> = CHROME.iter().map(|(name, _)| *name).collect();
                invalid(
                    &key("show"),
                    &format!(
                        "unknown part `{part}`, expected one of {}",
                        names.join(", ")
                    ),
                )?;
            }
        }
        for window in &page.windows {
            for day in &window.days {
                if !DAYS.contains(&day.as_str()) {
                    invalid(
                        &key("windows"),
                        &format!("unknown day `{day}`, expected one of {}", DAYS.join(", ")),
                    )?;
                }
            }
            for time in [&window.from, &window.to] {
                check_hhmm(&key("windows"), time)?;
            }
        }
    }
    Ok(())
}

fn check_hhmm(key: &str, time: &str) -> Result<(), ConfigError> {
    match parse_hhmm(time) {
        Some(_) => Ok(()),
        None => invalid(
            key,
            &format!("`{time}` is not a time of day, expected HH:MM (00:00 to 23:59)"),
        ),
    }
}

/// Minutes since midnight of an `HH:MM` time of day.
pub fn parse_hhmm(text: &str) -> Option<u16> {
    let (h, m) = text.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

fn check_auth(config: &Config) -> Result<(), ConfigError> {
    let g = &config.grafana;
    let method = g.auth.as_str();
    let required = |key: &str| {
        invalid(
            key,
            &format!("is required when grafana.auth = \"{method}\""),
        )
    };
    match g.auth {
        AuthMethod::Anonymous => {
            // A token next to the default `anonymous` is almost always a forgotten `auth`
            // line; ignoring it would leave the wall on Grafana's login page.
            let stray = [
                ("grafana.token", g.token.is_some()),
                ("grafana.token_file", g.token_file.is_some()),
                ("grafana.username", g.username.is_some()),
                ("grafana.password", g.password.is_some()),
            ];
            if let Some((key, _)) = stray.iter().find(|(_, set)| *set) {
                return invalid(
                    "grafana.auth",
                    &format!(
                        "is \"anonymous\" but {key} is set; set grafana.auth to the method \
                         {key} belongs to, or remove {key}"
                    ),
                );
            }
        }
        AuthMethod::Token => match &g.token {
            None => return required("grafana.token"),
            Some(token) if token.expose().trim().is_empty() => {
                return invalid("grafana.token", "must not be empty");
            }
            Some(_) => {}
        },
        AuthMethod::TokenFile => {
            if g.token_file.is_none() {
                return required("grafana.token_file");
            }
        }
        AuthMethod::Basic => {
            match &g.username {
                None => return required("grafana.username"),
                Some(name) if name.trim().is_empty() => {
                    return invalid("grafana.username", "must not be empty");
                }
                Some(_) => {}
            }
            match &g.password {
                None => return required("grafana.password"),
                Some(password) if password.is_empty() => {
                    return invalid("grafana.password", "must not be empty");
                }
                Some(_) => {}
            }
        }
    }
    Ok(())
}

fn check_url(key: &str, url: &Url) -> Result<(), ConfigError> {
    match http_url_problem(url, url.as_str()) {
        Some(problem) => invalid(key, &problem),
        None => Ok(()),
    }
}

/// Grafana's own limit for dashboard, folder and datasource uids.
fn check_uid(key: &str, uid: &str) -> Result<(), ConfigError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    if (1..=40).contains(&uid.len()) && uid.chars().all(allowed) {
        Ok(())
    } else {
        invalid(
            key,
            &format!("`{uid}` is not a valid uid: use 1 to 40 letters, digits, `-` or `_`"),
        )
    }
}

fn check_not_blank(key: &str, value: &str) -> Result<(), ConfigError> {
    if value.trim().is_empty() {
        invalid(key, "must not be empty")
    } else {
        Ok(())
    }
}

fn check_path(key: &str, path: &Path) -> Result<(), ConfigError> {
    if path.as_os_str().is_empty() {
        invalid(key, "must not be empty")
    } else {
        Ok(())
    }
}

fn check_positive(key: &str, value: Duration) -> Result<(), ConfigError> {
    if value.is_zero() {
        invalid(key, "must be longer than 0s, got `0s`")
    } else {
        Ok(())
    }
}

fn invalid(key: &str, message: &str) -> Result<(), ConfigError> {
    Err(ConfigError::Invalid {
        key: key.to_owned(),
        message: message.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn message(config: &Config) -> String {
        config.validate().unwrap_err().to_string()
    }

    #[test]
    fn defaults_are_valid() {
        Config::default().validate().unwrap();
    }

    #[test]
    fn bad_uid_names_key_and_value() {
        let mut config = Config::default();
        config.datasource.uid = "has space".into();
        assert_eq!(
            message(&config),
            "datasource.uid: `has space` is not a valid uid: use 1 to 40 letters, digits, `-` or `_`"
        );
        config.datasource.uid = "a".repeat(41);
        assert!(message(&config).starts_with("datasource.uid: "));
        config.datasource.uid = "a".repeat(40);
        config.validate().unwrap();
    }

    #[test]
    fn each_auth_method_requires_its_keys() {
        let mut config = Config::default();
        config.grafana.auth = AuthMethod::Token;
        assert_eq!(
            message(&config),
            "grafana.token: is required when grafana.auth = \"token\""
        );
        config.grafana.token = Some(Secret::new("  "));
        assert_eq!(message(&config), "grafana.token: must not be empty");

        config.grafana.token = None;
        config.grafana.auth = AuthMethod::TokenFile;
        assert_eq!(
            message(&config),
            "grafana.token_file: is required when grafana.auth = \"token_file\""
        );

        config.grafana.auth = AuthMethod::Basic;
        assert_eq!(
            message(&config),
            "grafana.username: is required when grafana.auth = \"basic\""
        );
        config.grafana.username = Some("admin".into());
        assert_eq!(
            message(&config),
            "grafana.password: is required when grafana.auth = \"basic\""
        );
        config.grafana.password = Some(Secret::new("pw"));
        config.validate().unwrap();
    }

    #[test]
    fn a_token_with_anonymous_auth_is_a_forgotten_auth_line() {
        let mut config = Config::default();
        config.grafana.token = Some(Secret::new("glsa_secret"));
        let text = message(&config);
        assert!(text.starts_with("grafana.auth: is \"anonymous\" but grafana.token is set"));
        assert!(!text.contains("glsa_secret"));
    }

    #[test]
    fn non_http_urls_are_refused() {
        let mut config = Config::default();
        config.provision.grafana_com_url = Url::parse("ftp://grafana.com").unwrap();
        assert_eq!(
            message(&config),
            "provision.grafana_com_url: unsupported scheme `ftp` in `ftp://grafana.com/`, expected http or https"
        );
    }

    #[test]
    fn empty_names_and_zero_durations_are_refused() {
        let mut config = Config::default();
        config.provision.folder = " ".into();
        assert_eq!(message(&config), "provision.folder: must not be empty");

        let mut config = Config::default();
        config.grafana.timeout = Duration::ZERO;
        assert!(message(&config).starts_with("grafana.timeout: "));

        let mut config = Config::default();
        config.grafana.org_id = Some(0);
        assert!(message(&config).starts_with("grafana.org_id: "));
    }
}
