//! Precedence: flags > env > /boot/firmware file > /etc file > defaults, and which files count.

use std::io::ErrorKind;
use std::time::Duration;

use kiosk_config::{AuthMethod, Config, ConfigError, LoadOptions, load};

use crate::{isolated, pairs, write};

/// One run with the first `active` layers (lowest first) setting `grafana.url` and
/// `grafana.retries`; the cache dir is only ever set by the /etc file.
fn run_with_layers(active: usize) -> Config {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = isolated();
    let etc = write(
        dir.path(),
        "etc.toml",
        "[grafana]\nurl = \"http://etc:3000\"\nretries = 1\n[cache]\ndir = \"/etc-cache\"\n",
    );
    let boot = write(
        dir.path(),
        "boot.toml",
        "[grafana]\nurl = \"http://boot:3000\"\nretries = 2\n",
    );
    if active >= 1 {
        opts.system_files.push(etc);
    }
    if active >= 2 {
        opts.system_files.push(boot);
    }
    if active >= 3 {
        opts.env = pairs(&[
            ("KIOSK_GRAFANA_URL", "http://env:3000"),
            ("KIOSK_GRAFANA_RETRIES", "3"),
        ]);
    }
    if active >= 4 {
        opts.overrides = pairs(&[
            ("grafana.url", "http://flag:3000"),
            ("grafana.retries", "4"),
        ]);
    }
    load(&opts).unwrap().config
}

#[test]
fn each_layer_beats_the_one_below_key_by_key() {
    let expected = [
        ("http://127.0.0.1:3000/", 3),
        ("http://etc:3000/", 1),
        ("http://boot:3000/", 2),
        ("http://env:3000/", 3),
        ("http://flag:3000/", 4),
    ];
    for (active, (url, retries)) in expected.into_iter().enumerate() {
        let config = run_with_layers(active);
        assert_eq!(config.grafana.url.as_str(), url, "{active} layers");
        assert_eq!(config.grafana.retries, retries, "{active} layers");
        let cache = if active == 0 {
            "/var/lib/kiosk/cache"
        } else {
            "/etc-cache"
        };
        assert_eq!(config.cache.dir.to_str(), Some(cache), "{active} layers");
    }
}

#[test]
fn a_higher_layer_keeps_the_keys_it_does_not_set() {
    let dir = tempfile::tempdir().unwrap();
    let etc = write(
        dir.path(),
        "etc.toml",
        "[grafana]\nauth = \"token\"\ntoken = \"from-etc\"\ntimeout = \"30s\"\n",
    );
    let boot = write(dir.path(), "boot.toml", "[grafana]\ntimeout = \"1m\"\n");
    let mut opts = isolated();
    opts.system_files = vec![etc, boot];
    let config = load(&opts).unwrap().config;
    assert_eq!(config.grafana.auth, AuthMethod::Token);
    assert_eq!(config.grafana.token.unwrap().expose(), "from-etc");
    assert_eq!(config.grafana.timeout, Duration::from_secs(60));
}

#[test]
fn env_can_supply_the_secret_a_file_asks_for() {
    let dir = tempfile::tempdir().unwrap();
    let etc = write(dir.path(), "etc.toml", "[grafana]\nauth = \"token\"\n");
    let mut opts = isolated();
    opts.system_files = vec![etc];
    opts.env = pairs(&[("KIOSK_GRAFANA_TOKEN", "glsa_env")]);
    let loaded = load(&opts).unwrap();
    assert_eq!(loaded.config.grafana.token.unwrap().expose(), "glsa_env");
    assert_eq!(loaded.env_keys, ["KIOSK_GRAFANA_TOKEN"]);
}

#[test]
fn config_flag_replaces_the_system_files() {
    let dir = tempfile::tempdir().unwrap();
    let etc = write(dir.path(), "etc.toml", "[grafana]\nretries = 7\n");
    let own = write(dir.path(), "own.toml", "[cache]\ndir = \"/own\"\n");
    let mut opts = isolated();
    opts.system_files = vec![etc];
    opts.config_file = Some(own.clone());
    let loaded = load(&opts).unwrap();
    assert_eq!(loaded.files, [own]);
    assert_eq!(
        loaded.config.grafana.retries, 3,
        "the /etc file must not be read"
    );
    assert_eq!(loaded.config.cache.dir.to_str(), Some("/own"));
}

#[test]
fn config_flag_file_must_exist() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.toml");
    let mut opts = isolated();
    opts.config_file = Some(missing.clone());
    match load(&opts).unwrap_err() {
        ConfigError::Io { path, source } => {
            assert_eq!(path, missing);
            assert_eq!(source.kind(), ErrorKind::NotFound);
        }
        other => panic!("expected an io error, got {other:?}"),
    }
}

#[test]
fn absent_system_files_are_skipped_and_read_ones_listed_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let etc = write(dir.path(), "etc.toml", "");
    let boot = write(dir.path(), "boot.toml", "[grafana]\nretries = 5\n");
    let mut opts = isolated();
    opts.system_files = vec![dir.path().join("absent.toml"), etc.clone(), boot.clone()];
    let loaded = load(&opts).unwrap();
    assert_eq!(loaded.files, [etc, boot]);
    assert_eq!(loaded.config.grafana.retries, 5);
}

#[test]
fn an_unreadable_system_file_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    // A directory exists but cannot be read as a file, whoever runs the test (root included).
    let unreadable = dir.path().join("kiosk.toml");
    std::fs::create_dir(&unreadable).unwrap();
    let mut opts = isolated();
    opts.system_files = vec![unreadable.clone()];
    let err = load(&opts).unwrap_err();
    assert!(
        matches!(&err, ConfigError::Io { path, .. } if *path == unreadable),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!("cannot read {}", unreadable.display())
    );
}

#[test]
fn default_options_read_the_documented_system_files() {
    let opts = LoadOptions::default();
    let files: Vec<_> = opts
        .system_files
        .iter()
        .map(|p| p.to_str().unwrap())
        .collect();
    assert_eq!(
        files,
        ["/etc/kiosk/kiosk.toml", "/boot/firmware/kiosk.toml"]
    );
    assert!(opts.config_file.is_none() && opts.env.is_empty() && opts.overrides.is_empty());
}

#[test]
fn defaults_alone_are_a_valid_configuration() {
    let loaded = load(&isolated()).unwrap();
    assert_eq!(loaded.config, Config::default());
    assert!(loaded.files.is_empty() && loaded.env_keys.is_empty());
    Config::default().validate().unwrap();
}

#[test]
fn unrelated_kiosk_variables_are_ignored() {
    let mut opts = isolated();
    opts.env = pairs(&[
        ("KIOSK_CONFIG", "/nowhere.toml"),
        ("KIOSK_OUTPUT", "json"),
        ("KIOSK_GRAFANA_URLL", "garbage"),
        ("PATH", "/bin"),
    ]);
    let loaded = load(&opts).unwrap();
    assert_eq!(loaded.config, Config::default());
    assert!(loaded.env_keys.is_empty());
}

#[test]
fn env_values_are_coerced_by_kind() {
    let mut opts = isolated();
    opts.env = pairs(&[
        ("KIOSK_GRAFANA_INSECURE_SKIP_VERIFY", "1"),
        ("KIOSK_GRAFANA_ORG_ID", "2"),
        ("KIOSK_DATASOURCE_SCRAPE_INTERVAL", "30s"),
        ("KIOSK_DATASOURCE_URL", "http://prometheus:9090"),
        ("KIOSK_PROVISION_DASHBOARDS_DIR", "/srv/dash"),
        ("KIOSK_CACHE_DIR", "/srv/cache"),
        ("KIOSK_GRAFANA_AUTH", "token_file"),
        ("KIOSK_GRAFANA_TOKEN_FILE", "/run/token"),
    ]);
    let loaded = load(&opts).unwrap();
    let c = &loaded.config;
    assert!(c.grafana.insecure_skip_verify);
    assert_eq!(c.grafana.org_id, Some(2));
    assert_eq!(c.datasource.scrape_interval, Duration::from_secs(30));
    assert_eq!(
        c.datasource.url.as_ref().map(|u| u.as_str()),
        Some("http://prometheus:9090/")
    );
    assert_eq!(c.provision.dashboards_dir.to_str(), Some("/srv/dash"));
    assert_eq!(c.cache.dir.to_str(), Some("/srv/cache"));
    assert_eq!(c.grafana.auth, AuthMethod::TokenFile);
    assert_eq!(
        c.grafana.token_file.as_deref().and_then(|p| p.to_str()),
        Some("/run/token")
    );
    // Table order, not the order of the environment.
    assert_eq!(
        loaded.env_keys,
        [
            "KIOSK_GRAFANA_AUTH",
            "KIOSK_GRAFANA_TOKEN_FILE",
            "KIOSK_GRAFANA_ORG_ID",
            "KIOSK_GRAFANA_INSECURE_SKIP_VERIFY",
            "KIOSK_DATASOURCE_URL",
            "KIOSK_DATASOURCE_SCRAPE_INTERVAL",
            "KIOSK_PROVISION_DASHBOARDS_DIR",
            "KIOSK_CACHE_DIR",
        ]
    );
}

#[test]
fn the_last_of_repeated_env_entries_and_flags_wins() {
    let mut opts = isolated();
    opts.env = pairs(&[
        ("KIOSK_GRAFANA_RETRIES", "1"),
        ("KIOSK_GRAFANA_RETRIES", "2"),
    ]);
    opts.overrides = pairs(&[("cache.dir", "/a"), ("cache.dir", "/b")]);
    let config = load(&opts).unwrap().config;
    assert_eq!(config.grafana.retries, 2);
    assert_eq!(config.cache.dir.to_str(), Some("/b"));
}

#[test]
fn a_byte_order_mark_is_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "bom.toml",
        "\u{feff}[grafana]\r\nretries = 9\r\n",
    );
    let mut opts = isolated();
    opts.config_file = Some(path);
    assert_eq!(load(&opts).unwrap().config.grafana.retries, 9);
}
