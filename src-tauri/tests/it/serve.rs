//! `kiosk serve` at the HTTP level: the one-time link, the loopback rule, the rotation plan and
//! how it follows kiosk.toml and survives a restart with Grafana down. (What a browser shows is
//! proven in `wallboard`.)

use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Child;

use crate::support::World;

/// A running `kiosk serve` and the session cookie its link gave.
struct Served {
    _child: Child,
    base: String,
    cookie: String,
    client: reqwest::Client,
}

impl Served {
    async fn start(world: &World) -> Served {
        let mut child = world
            .command(&["serve"])
            .spawn()
            .expect("kiosk serve starts");
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let url = tokio::time::timeout(Duration::from_secs(15), lines.next_line())
            .await
            .expect("kiosk serve prints its URL in time")
            .unwrap()
            .expect("a URL line");
        let base = url.split("/__kiosk/").next().unwrap().to_owned();
        assert!(base.starts_with("http://127.0.0.1:"), "{url}");
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let first = client.get(&url).send().await.unwrap();
        assert_eq!(
            first.status(),
            303,
            "the link sets the session and redirects"
        );
        let cookie = first.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let again = client.get(&url).send().await.unwrap();
        assert_eq!(again.status(), 403, "the link works once");
        Served {
            _child: child,
            base,
            cookie,
            client,
        }
    }

    async fn json(&self, path: &str) -> Value {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
        response.json().await.unwrap()
    }

    /// The plan's page ids once it has `count` pages (polled for at most 10 s).
    async fn pages_when(&self, count: usize) -> Vec<String> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let ids = self.page_ids().await;
            if ids.len() == count || tokio::time::Instant::now() > deadline {
                return ids;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    async fn page_ids(&self) -> Vec<String> {
        let plan = self.json("/__kiosk/api/plan").await;
        plan["pages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap().to_owned())
            .collect()
    }
}

async fn synced_world() -> World {
    let world = World::with_product_set().await;
    assert_eq!(world.kiosk(&["sync-dashboards"]).await.code, 0);
    world
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_synced_set_rotates_fleet_overview_first_and_follows_kiosk_toml_live() {
    let world = synced_world().await;
    let served = Served::start(&world).await;
    let ids = served.pages_when(5).await;
    assert_eq!(ids.len(), 5, "{ids:?}");
    assert_eq!(ids[0], "fleet-overview");
    let plan = served.json("/__kiosk/api/plan").await;
    assert_eq!(plan["source"], "synced");
    assert!(
        plan["pages"][0]["url"]
            .as_str()
            .unwrap()
            .starts_with("/d/fleet-overview?kiosk&"),
        "{plan}"
    );

    // Edit kiosk.toml while it runs: the plan follows without a restart.
    let mut text = std::fs::read_to_string(world.config()).unwrap();
    text.push_str(
        "\n[display]\ndwell = \"9s\"\n\n[[display.pages]]\ndashboard = \"nvidia-dcgm\"\n\n[[display.pages]]\ndashboard = \"fleet-overview\"\n",
    );
    std::fs::write(world.config(), text).unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let plan = served.json("/__kiosk/api/plan").await;
        if plan["source"] == "config" {
            assert_eq!(plan["pages"][0]["id"], "nvidia-dcgm");
            assert_eq!(
                plan["pages"][0]["title"],
                "NVIDIA DCGM Exporter Dashboard (fixture)"
            );
            assert_eq!(plan["pages"][1]["dwell_ms"], 9000);
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the plan did not follow kiosk.toml: {plan}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_with_grafana_down_keeps_the_last_plan() {
    let world = synced_world().await;
    {
        let served = Served::start(&world).await;
        assert_eq!(
            served.pages_when(5).await.len(),
            5,
            "resolved while Grafana was up"
        );
    }
    world.sim.stop().await;
    let served = Served::start(&world).await;
    assert_eq!(served.page_ids().await.len(), 5, "the saved plan is served");
    let state = served.json("/__kiosk/api/state").await;
    assert_ne!(state["state"], "online", "{state}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_loopback_address_is_refused_unless_allowed() {
    let world = World::new().await;
    let run = world.kiosk(&["serve", "--listen", "0.0.0.0:0"]).await;
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("0.0.0.0"), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "no URL printed: {}", run.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grafana_playlist_is_the_rotation_when_configured() {
    let world = synced_world().await;
    let http = reqwest::Client::new();
    let created = http
        .post(format!("{}/api/playlists", world.sim.url()))
        .bearer_auth(crate::support::TOKEN)
        .json(&serde_json::json!({
            "uid": "wall", "name": "Wall", "interval": "45s",
            "items": [
                {"type": "dashboard_by_uid", "value": "nvidia-dcgm"},
                {"type": "dashboard_by_uid", "value": "fleet-overview"}
            ]
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 200);
    let mut text = std::fs::read_to_string(world.config()).unwrap();
    text.push_str("\n[display]\nplaylist_uid = \"wall\"\n");
    std::fs::write(world.config(), text).unwrap();

    let served = Served::start(&world).await;
    assert_eq!(
        served.pages_when(2).await,
        ["nvidia-dcgm", "fleet-overview"]
    );
    let plan = served.json("/__kiosk/api/plan").await;
    assert_eq!(plan["source"], "playlist:wall");
    assert_eq!(
        plan["pages"][0]["dwell_ms"], 45_000,
        "the playlist's interval"
    );
    assert_eq!(plan["pages"][1]["title"], "Fleet Overview");
}
