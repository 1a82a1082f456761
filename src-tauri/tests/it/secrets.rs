//! Credentials reach Grafana and nothing else: not the output, not the most verbose logs.

use crate::support::{TOKEN, World};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_never_appears_in_output_or_trace_logs() {
    let world = World::with_product_set().await;
    let mut command = world.command(&["sync-dashboards", "-vv", "--dry-run"]);
    command.env("RUST_LOG", "trace");
    let output = command.output().await.unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.len() > 1000, "trace logging was on: {stderr}");
    assert!(!stdout.contains(TOKEN) && !stderr.contains(TOKEN));
    // Not even the part after the prefix, nor the base64 of a basic header built from it.
    assert!(!stderr.contains(&TOKEN[5..]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn basic_auth_syncs_and_a_wrong_password_exits_3() {
    let world = World::with_product_set().await;
    let config = std::fs::read_to_string(world.config()).unwrap();
    let basic = |password: &str| {
        config.replace(
            &format!(
                "auth = \"token_file\"\ntoken_file = \"{}\"",
                world.path("token").display()
            ),
            &format!("auth = \"basic\"\nusername = \"admin\"\npassword = \"{password}\""),
        )
    };
    std::fs::write(world.config(), basic("admin")).unwrap();
    let run = world.kiosk(&["sync-dashboards"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(world.sim.dashboards().len(), 5);

    std::fs::write(world.config(), basic("wrong-password")).unwrap();
    let run = world.kiosk(&["sync-dashboards"]).await;
    assert_eq!(run.code, 3, "{run:?}");
    assert!(!run.stderr.contains("wrong-password"), "{}", run.stderr);
}
