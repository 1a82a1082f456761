//! Every error names the file (with line and column), variable or key to fix.

use kiosk_config::{ConfigError, load};

use crate::{isolated, pairs, write};

fn load_file(text: &str) -> (std::path::PathBuf, ConfigError) {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "kiosk.toml", text);
    let mut opts = isolated();
    opts.config_file = Some(path.clone());
    let err = load(&opts).unwrap_err();
    (path, err)
}

#[test]
fn unknown_key_points_at_its_line_and_column() {
    let text = "# wallboard\n[grafana]\nurl = \"http://grafana:3000\"\n  tokn = \"x\"\n";
    let (path, err) = load_file(text);
    match &err {
        ConfigError::Parse {
            path: p,
            line,
            column,
            message,
        } => {
            assert_eq!(p, &path);
            assert_eq!((*line, *column), (4, 3));
            assert!(
                message.starts_with("grafana: unknown field `tokn`, expected one of `url`"),
                "{message}"
            );
        }
        other => panic!("expected a parse error, got {other:?}"),
    }
    assert!(
        err.to_string().starts_with(&format!(
            "{}:4:3: grafana: unknown field `tokn`",
            path.display()
        )),
        "{err}"
    );
}

#[test]
fn unknown_section_is_named() {
    let (path, err) = load_file("\n[grafanna]\nurl = \"x\"\n");
    assert_eq!(
        err.to_string(),
        format!(
            "{}:2:2: unknown field `grafanna`, expected one of `grafana`, `datasource`, `provision`, `cache`, `gateway`, `display`, `app`, `screen`",
            path.display()
        )
    );
}

#[test]
fn type_error_points_at_the_value_and_names_the_key() {
    let (path, err) = load_file("[grafana]\nretries = \"three\"\n");
    assert_eq!(
        err.to_string(),
        format!(
            "{}:2:11: grafana.retries: invalid type: string \"three\", expected u32",
            path.display()
        )
    );
}

#[test]
fn bad_duration_and_url_point_at_the_value() {
    let (path, err) = load_file("[datasource]\nscrape_interval = \"15\"\n");
    assert_eq!(
        err.to_string(),
        format!(
            "{}:2:19: datasource.scrape_interval: invalid value: string \"15\", expected a duration",
            path.display()
        )
    );
    let (path, err) = load_file("[grafana]\nurl = \"ftp://grafana\"\n");
    assert_eq!(
        err.to_string(),
        format!(
            "{}:2:7: grafana.url: unsupported scheme `ftp` in `ftp://grafana`, expected http or https",
            path.display()
        )
    );
}

#[test]
fn syntax_error_has_a_position() {
    let (path, err) = load_file("[grafana]\nurl = \"http://x\n");
    let text = err.to_string();
    assert!(
        text.starts_with(&format!("{}:2:", path.display())),
        "{text}"
    );
}

#[test]
fn duplicate_key_is_named() {
    let (path, err) = load_file("[cache]\ndir = \"/a\"\ndir = \"/b\"\n");
    assert_eq!(
        err.to_string(),
        format!("{}:3:1: duplicate key `dir`", path.display())
    );
}

#[test]
fn the_error_names_the_file_it_is_in() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(dir.path(), "etc.toml", "[grafana]\nretries = 1\n");
    let bad = write(dir.path(), "boot.toml", "[cache]\ndirr = \"/x\"\n");
    let mut opts = isolated();
    opts.system_files = vec![good, bad.clone()];
    let err = load(&opts).unwrap_err();
    assert!(
        err.to_string().starts_with(&format!(
            "{}:2:1: cache: unknown field `dirr`",
            bad.display()
        )),
        "{err}"
    );
}

#[test]
fn bad_env_values_name_the_variable() {
    let cases = [
        (
            "KIOSK_GRAFANA_INSECURE_SKIP_VERIFY",
            "yes",
            "environment variable KIOSK_GRAFANA_INSECURE_SKIP_VERIFY: expected true, false, 1 or 0, got `yes`",
        ),
        (
            "KIOSK_GRAFANA_RETRIES",
            "many",
            "environment variable KIOSK_GRAFANA_RETRIES: expected an integer, got `many`",
        ),
        (
            "KIOSK_GRAFANA_RETRIES",
            "-1",
            "environment variable KIOSK_GRAFANA_RETRIES: invalid value: integer `-1`, expected u32",
        ),
        (
            "KIOSK_GRAFANA_TIMEOUT",
            "soon",
            "environment variable KIOSK_GRAFANA_TIMEOUT: invalid value: string \"soon\", expected a duration",
        ),
        (
            "KIOSK_GRAFANA_URL",
            "grafana:3000",
            "environment variable KIOSK_GRAFANA_URL: unsupported scheme `grafana` in `grafana:3000`, expected http or https",
        ),
        (
            "KIOSK_GRAFANA_AUTH",
            "oauth",
            "environment variable KIOSK_GRAFANA_AUTH: unknown variant `oauth`, expected one of `anonymous`, `token`, `token_file`, `basic`",
        ),
    ];
    for (var, value, expected) in cases {
        let mut opts = isolated();
        opts.env = pairs(&[(var, value)]);
        let err = load(&opts).unwrap_err();
        assert!(
            matches!(&err, ConfigError::Env { var: v, .. } if v == var),
            "{err:?}"
        );
        assert_eq!(err.to_string(), expected);
    }
}

#[test]
fn overrides_are_checked_like_env() {
    let mut opts = isolated();
    opts.overrides = pairs(&[("grafana.urll", "http://x")]);
    let err = load(&opts).unwrap_err();
    assert!(matches!(&err, ConfigError::Override { key, .. } if key == "grafana.urll"));
    assert!(
        err.to_string()
            .starts_with("command-line setting grafana.urll: unknown key, expected one of grafana.url, grafana.auth"),
        "{err}"
    );

    let mut opts = isolated();
    opts.overrides = pairs(&[("grafana.org_id", "first")]);
    assert_eq!(
        load(&opts).unwrap_err().to_string(),
        "command-line setting grafana.org_id: expected an integer, got `first`"
    );
}

#[test]
fn merged_result_is_validated_with_the_key_named() {
    let mut opts = isolated();
    opts.env = pairs(&[("KIOSK_PROVISION_FOLDER_UID", "no spaces please")]);
    let err = load(&opts).unwrap_err();
    assert!(matches!(&err, ConfigError::Invalid { key, .. } if key == "provision.folder_uid"));
    assert_eq!(
        err.to_string(),
        "provision.folder_uid: `no spaces please` is not a valid uid: use 1 to 40 letters, digits, `-` or `_`"
    );

    let mut opts = isolated();
    opts.overrides = pairs(&[("grafana.auth", "basic"), ("grafana.username", "admin")]);
    assert_eq!(
        load(&opts).unwrap_err().to_string(),
        "grafana.password: is required when grafana.auth = \"basic\""
    );
}

#[test]
fn display_pages_are_checked_and_named_by_position() {
    let cases = [
        (
            "[[display.pages]]\ntitle = \"x\"\n",
            "display.pages[1]: set exactly one of",
        ),
        (
            "[[display.pages]]\ndashboard = \"a\"\n[[display.pages]]\npath = \"d/x\"\n",
            "display.pages[2].path: `d/x` must start with `/`",
        ),
        (
            "[[display.pages]]\ndashboard = \"a\"\nwindows = [{ days = [\"mon\", \"funday\"], from = \"08:00\", to = \"18:00\" }]\n",
            "display.pages[1].windows: unknown day `funday`",
        ),
        (
            "[[display.pages]]\ndashboard = \"a\"\nwindows = [{ from = \"8:00\", to = \"18:00\" }]\n",
            "display.pages[1].windows: `8:00` is not a time of day",
        ),
        (
            "[display]\nplaylist_uid = \"bad uid\"\n",
            "display.playlist_uid: `bad uid` is not a valid uid",
        ),
    ];
    for (text, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kiosk.toml");
        std::fs::write(&path, text).unwrap();
        let err = kiosk_config::load(&kiosk_config::LoadOptions {
            config_file: Some(path),
            ..Default::default()
        })
        .unwrap_err();
        assert!(err.to_string().contains(expected), "{text}: got {err}");
    }
}
