//! `kiosk config check` and configuration errors as the operator sees them.

use crate::support::{TOKEN, World};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_check_prints_the_effective_config_without_secrets() {
    let world = World::new().await;
    std::fs::write(
        world.config(),
        format!(
            "[grafana]\nurl = \"https://grafana.example:3000/sub\"\nauth = \"token\"\ntoken = \"{TOKEN}\"\n"
        ),
    )
    .unwrap();
    let mut command = world.command(&["config", "check"]);
    command.env("KIOSK_DATASOURCE_URL", "http://prometheus.lan:9090");
    let output = command.output().await.unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(!stdout.contains(TOKEN), "{stdout}");
    assert!(stdout.contains("token = \"***\""), "{stdout}");
    assert!(
        stdout.contains("url = \"https://grafana.example:3000/sub\""),
        "{stdout}"
    );
    assert!(
        stdout.contains("# from environment: KIOSK_DATASOURCE_URL"),
        "{stdout}"
    );
    assert!(
        stdout.contains("url = \"http://prometheus.lan:9090/\""),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("# read {}", world.config().display())),
        "{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_typo_in_kiosk_toml_is_reported_with_line_and_column() {
    let world = World::new().await;
    std::fs::write(
        world.config(),
        "[grafana]\nurl = \"http://127.0.0.1:3000\"\n\n[datasource]\nscrape_intervall = \"15s\"\n",
    )
    .unwrap();
    for args in [&["config", "check"][..], &["sync-dashboards"][..]] {
        let run = world.kiosk(args).await;
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        let expected = format!("{}:5:1:", world.config().display());
        assert!(
            run.stderr.contains(&expected),
            "wanted {expected}: {}",
            run.stderr
        );
        assert!(run.stderr.contains("scrape_intervall"), "{}", run.stderr);
    }
    assert_eq!(world.sim.requests().len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_token_file_is_a_config_error() {
    let world = World::new().await;
    std::fs::remove_file(world.path("token")).unwrap();
    let run = world.kiosk(&["config", "check"]).await;
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains(&world.path("token").display().to_string()),
        "{}",
        run.stderr
    );
    let run = world.kiosk(&["sync-dashboards"]).await;
    assert_eq!(run.code, 2, "{run:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flags_beat_the_environment_which_beats_the_file() {
    let world = World::new().await;
    let mut command = world.command(&["config", "check", "--grafana-url", "http://flag:1"]);
    command.env("KIOSK_GRAFANA_URL", "http://env:2");
    let output = command.output().await.unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("url = \"http://flag:1/\""), "{stdout}");

    let mut command = world.command(&["config", "check"]);
    command.env("KIOSK_GRAFANA_URL", "http://env:2");
    let output = command.output().await.unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("url = \"http://env:2/\""), "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_flag_is_a_usage_error() {
    let world = World::new().await;
    let run = world.kiosk(&["sync-dashboards", "--prnue"]).await;
    assert_eq!(run.code, 2, "{run:?}");
}
