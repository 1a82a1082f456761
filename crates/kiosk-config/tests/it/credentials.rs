//! `GrafanaConfig::credentials` for every auth method, token files included.

use kiosk_config::{AuthMethod, ConfigError, Credentials, GrafanaConfig, Secret};

use crate::write;

fn with_auth(auth: AuthMethod) -> GrafanaConfig {
    GrafanaConfig {
        auth,
        ..GrafanaConfig::default()
    }
}

#[test]
fn anonymous_has_no_credentials() {
    assert_eq!(
        with_auth(AuthMethod::Anonymous).credentials().unwrap(),
        Credentials::Anonymous
    );
}

#[test]
fn token_becomes_a_bearer() {
    let mut config = with_auth(AuthMethod::Token);
    config.token = Some(Secret::new("glsa_token"));
    match config.credentials().unwrap() {
        Credentials::Bearer(token) => assert_eq!(token.expose(), "glsa_token"),
        other => panic!("{other:?}"),
    }
    config.token = None;
    assert!(matches!(
        config.credentials().unwrap_err(),
        ConfigError::Invalid { key, .. } if key == "grafana.token"
    ));
}

#[test]
fn basic_carries_user_and_password() {
    let mut config = with_auth(AuthMethod::Basic);
    config.username = Some("admin".into());
    config.password = Some(Secret::new("hunter2"));
    match config.credentials().unwrap() {
        Credentials::Basic { username, password } => {
            assert_eq!(username, "admin");
            assert_eq!(password.expose(), "hunter2");
        }
        other => panic!("{other:?}"),
    }
    config.password = None;
    assert!(matches!(
        config.credentials().unwrap_err(),
        ConfigError::Invalid { key, .. } if key == "grafana.password"
    ));
}

#[test]
fn token_file_is_read_and_trimmed() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "token", "  glsa_from_file\n\n");
    let mut config = with_auth(AuthMethod::TokenFile);
    config.token_file = Some(path);
    match config.credentials().unwrap() {
        Credentials::Bearer(token) => assert_eq!(token.expose(), "glsa_from_file"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn missing_token_file_names_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-such-token");
    let mut config = with_auth(AuthMethod::TokenFile);
    config.token_file = Some(path.clone());
    let err = config.credentials().unwrap_err();
    assert!(matches!(&err, ConfigError::Credentials { path: p, .. } if *p == path));
    assert!(
        err.to_string().starts_with(&format!(
            "grafana.token_file {}: cannot read: ",
            path.display()
        )),
        "{err}"
    );
}

#[test]
fn empty_token_file_names_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "token", " \n");
    let mut config = with_auth(AuthMethod::TokenFile);
    config.token_file = Some(path.clone());
    assert_eq!(
        config.credentials().unwrap_err().to_string(),
        format!("grafana.token_file {}: the file is empty", path.display())
    );
}

#[test]
fn a_token_file_with_two_lines_is_refused_without_printing_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "token", "glsa_one\nglsa_two\n");
    let mut config = with_auth(AuthMethod::TokenFile);
    config.token_file = Some(path);
    let text = config.credentials().unwrap_err().to_string();
    assert!(text.contains("whitespace or control characters"), "{text}");
    assert!(!text.contains("glsa_"), "{text}");
}
