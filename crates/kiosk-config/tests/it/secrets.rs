//! Secrets never reach Debug, Display, serialized output or `config check`.

use kiosk_config::{AuthMethod, Config, Credentials, Secret, load};

use crate::{isolated, pairs};

const TOKEN: &str = "glsa_do_not_print_me";
const PASSWORD: &str = "correct-horse-battery";

#[test]
fn secret_prints_and_serializes_as_stars() {
    let secret = Secret::new(TOKEN);
    assert_eq!(format!("{secret:?}"), "***");
    assert_eq!(format!("{secret:#?}"), "***");
    assert_eq!(secret.to_string(), "***");
    #[derive(serde::Serialize)]
    struct Holder {
        secret: Secret,
    }
    assert_eq!(
        toml::to_string(&Holder { secret }).unwrap(),
        "secret = \"***\"\n"
    );
}

#[test]
fn redacted_toml_hides_token_and_password_but_shows_the_rest() {
    let mut config = Config::default();
    config.grafana.auth = AuthMethod::Basic;
    config.grafana.token = Some(Secret::new(TOKEN));
    config.grafana.username = Some("admin".into());
    config.grafana.password = Some(Secret::new(PASSWORD));
    let text = config.to_toml_redacted();
    assert!(!text.contains(TOKEN) && !text.contains(PASSWORD), "{text}");
    assert!(text.contains("token = \"***\""), "{text}");
    assert!(text.contains("password = \"***\""), "{text}");
    assert!(text.contains("username = \"admin\""), "{text}");

    // The output is itself a valid kiosk.toml, with the secrets replaced.
    let back: Config = toml::from_str(&text).unwrap();
    assert_eq!(back.grafana.password.unwrap().expose(), "***");
    assert_eq!(back.grafana.url, config.grafana.url);
    assert_eq!(back.grafana.timeout, config.grafana.timeout);
}

#[test]
fn debug_of_a_loaded_config_and_its_credentials_hides_secrets() {
    let mut opts = isolated();
    opts.env = pairs(&[
        ("KIOSK_GRAFANA_AUTH", "basic"),
        ("KIOSK_GRAFANA_USERNAME", "admin"),
        ("KIOSK_GRAFANA_PASSWORD", PASSWORD),
    ]);
    let loaded = load(&opts).unwrap();
    let debug = format!("{loaded:?}");
    assert!(!debug.contains(PASSWORD), "{debug}");
    let credentials = loaded.config.grafana.credentials().unwrap();
    assert!(!format!("{credentials:?}").contains(PASSWORD));
    assert!(matches!(credentials, Credentials::Basic { .. }));
}

#[test]
fn errors_never_echo_secret_values() {
    let mut opts = isolated();
    opts.env = pairs(&[("KIOSK_GRAFANA_TOKEN", TOKEN)]);
    let text = load(&opts).unwrap_err().to_string();
    assert!(text.starts_with("grafana.auth: is \"anonymous\" but grafana.token is set"));
    assert!(!text.contains(TOKEN), "{text}");

    let mut opts = isolated();
    opts.env = pairs(&[("KIOSK_GRAFANA_URL", "https://admin:hunter2@grafana:99999")]);
    let text = load(&opts).unwrap_err().to_string();
    assert!(!text.contains("hunter2"), "{text}");
}
