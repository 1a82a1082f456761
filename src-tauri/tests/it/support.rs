//! A test world: a simulated Grafana and grafana.com on loopback, a temporary dashboards
//! directory, cache and kiosk.toml, and a way to run the real `kiosk` binary against them.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use kiosk_tests::grafana_com::GrafanaCom;
use kiosk_tests::grafana_sim::{GrafanaSim, SimConfig};
use serde_json::Value;

pub const TOKEN: &str = "glsa_kiosk_e2e_secret_token";
pub const DS_UID: &str = "kiosk-prometheus";

/// The repository root (fixtures and our dashboards live there).
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn fixture(rel: &str) -> PathBuf {
    repo().join("tests/fixtures").join(rel)
}

pub struct World {
    pub sim: GrafanaSim,
    pub catalog: GrafanaCom,
    pub dir: tempfile::TempDir,
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

impl World {
    /// An empty dashboards directory; Grafana knows the token; kiosk.toml points at both servers.
    pub async fn new() -> World {
        let sim = GrafanaSim::start(SimConfig {
            tokens: vec![TOKEN.to_owned()],
            ..SimConfig::default()
        })
        .await
        .expect("simulator starts");
        let catalog = GrafanaCom::start(fixture("grafana-com"))
            .await
            .expect("catalog starts");
        let dir = tempfile::tempdir().expect("tempdir");
        let world = World { sim, catalog, dir };
        std::fs::create_dir_all(world.dashboards()).unwrap();
        std::fs::write(world.path("token"), format!("{TOKEN}\n")).unwrap();
        world.write_config("");
        world
    }

    /// The five fixture shapes as our own dashboards.
    pub async fn with_fixture_shapes() -> World {
        let world = World::new().await;
        for name in SHAPES {
            world.copy_in(&fixture(&format!("dashboards/{name}")));
        }
        world
    }

    /// The product set: our Fleet Overview plus the four vendor dashboards (served by the
    /// grafana.com simulator and locked).
    pub async fn with_product_set() -> World {
        let world = World::new().await;
        world.copy_in(&repo().join("dashboards/fleet-overview.json"));
        world.copy_in(&fixture("vendor/vendor.toml"));
        let run = world.kiosk(&["vendor", "lock"]).await;
        assert_eq!(run.code, 0, "vendor lock: {run:?}");
        world
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn dashboards(&self) -> PathBuf {
        self.path("dashboards")
    }

    pub fn cache(&self) -> PathBuf {
        self.path("cache")
    }

    pub fn config(&self) -> PathBuf {
        self.path("kiosk.toml")
    }

    /// kiosk.toml for this world plus `extra` lines appended to the `[grafana]` table.
    pub fn write_config(&self, extra: &str) {
        let text = format!(
            r#"[grafana]
url = "{grafana}"
auth = "token_file"
token_file = "{token}"
timeout = "2s"
retries = 3
{extra}

[datasource]
name = "Prometheus"
uid = "{DS_UID}"
url = "http://127.0.0.1:9090"

[provision]
folder = "Wallboard"
folder_uid = "kiosk"
dashboards_dir = "{dashboards}"
grafana_com_url = "{catalog}"

[cache]
dir = "{cache}"
"#,
            grafana = self.sim.url(),
            token = self.path("token").display(),
            dashboards = self.dashboards().display(),
            catalog = self.catalog.url(),
            cache = self.cache().display(),
        );
        std::fs::write(self.config(), text).unwrap();
    }

    /// Appends whole tables (`[display]`, `[gateway]`, `[[display.pages]]` …) to kiosk.toml, after
    /// what [`World::write_config`] wrote.
    pub fn append_config(&self, tables: &str) {
        let mut text = std::fs::read_to_string(self.config()).unwrap();
        text.push('\n');
        text.push_str(tables);
        std::fs::write(self.config(), text).unwrap();
    }

    pub fn copy_in(&self, from: &Path) {
        let to = self.dashboards().join(from.file_name().unwrap());
        std::fs::copy(from, &to).unwrap_or_else(|e| panic!("copy {}: {e}", from.display()));
    }

    pub fn write_dashboard(&self, name: &str, dashboard: &Value) {
        let text = serde_json::to_string_pretty(dashboard).unwrap();
        std::fs::write(self.dashboards().join(name), text).unwrap();
    }

    pub fn read_dashboard(&self, name: &str) -> Value {
        let text = std::fs::read_to_string(self.dashboards().join(name)).unwrap();
        serde_json::from_str(&text).unwrap()
    }

    /// Runs `kiosk --config <world> ARGS` with no KIOSK_* variables from the outside.
    pub async fn kiosk(&self, args: &[&str]) -> Run {
        let output = self
            .command(args)
            .output()
            .await
            .expect("kiosk binary runs");
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    pub fn command(&self, args: &[&str]) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_kiosk"));
        for (key, _) in std::env::vars() {
            if key.starts_with("KIOSK_") || key == "RUST_LOG" {
                command.env_remove(key);
            }
        }
        command
            .arg("--config")
            .arg(self.config())
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        command
    }

    /// Saves a dashboard the way Grafana's UI does: through the API, with the version it read.
    pub async fn ui_save(&self, uid: &str, edit: impl FnOnce(&mut Value)) {
        let http = reqwest::Client::new();
        let url = format!("{}/api/dashboards/uid/{uid}", self.sim.url());
        let got: Value = http
            .get(&url)
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let mut dashboard = got["dashboard"].clone();
        edit(&mut dashboard);
        let body = serde_json::json!({
            "dashboard": dashboard,
            "folderUid": got["meta"]["folderUid"],
            "overwrite": false,
        });
        let response = http
            .post(format!("{}/api/dashboards/db", self.sim.url()))
            .bearer_auth(TOKEN)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "UI save of {uid}");
    }

    pub fn stored(&self, uid: &str) -> Value {
        self.sim
            .dashboard(uid)
            .unwrap_or_else(|| panic!("Grafana has no dashboard {uid}"))
            .json
    }
}

/// The fixture dashboards that mimic vendor shapes (malformed.json is separate).
pub const SHAPES: [&str; 5] = [
    "inputs-ds-prometheus.json",
    "ds-variable.json",
    "legacy-strings.json",
    "legacy-rows.json",
    "mixed-null.json",
];

/// Polls `check` every 50 ms for at most `limit`.
pub async fn eventually(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + limit;
    while tokio::time::Instant::now() < deadline {
        if check() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    check()
}
