//! The simulators keep Grafana's (and grafana.com's) contract: each test pins one rule kiosk
//! relies on, through plain HTTP, so a simulator drifting from Grafana fails here first.

use std::time::{Duration, Instant};

use kiosk_tests::grafana_com::GrafanaCom;
use kiosk_tests::grafana_sim::{GrafanaSim, Origin, SimConfig};
use reqwest::Method;
use serde_json::{Value, json};

const TOKEN: &str = "glsa_test_token";

/// A simulator and a client authenticated with the default token.
struct Api {
    sim: GrafanaSim,
    http: reqwest::Client,
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

impl Api {
    async fn start() -> Self {
        Self::with(SimConfig::default()).await
    }

    async fn with(cfg: SimConfig) -> Self {
        Self {
            sim: GrafanaSim::start(cfg).await.unwrap(),
            http: client(),
        }
    }

    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.sim.url()))
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> (u16, Value) {
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = self.request(method, path).bearer_auth(TOKEN);
        if let Some(body) = body {
            req = req.json(&body);
        }
        self.send(req).await
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        self.call(Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(Method::POST, path, Some(body)).await
    }

    async fn save(&self, body: Value) -> (u16, Value) {
        self.post("/api/dashboards/db", body).await
    }
}

fn titles(hits: &Value) -> Vec<&str> {
    hits.as_array()
        .unwrap()
        .iter()
        .map(|h| h["title"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn health_needs_no_auth_and_reports_a_failing_database() {
    let api = Api::start().await;
    let (status, body) = api.send(api.request(Method::GET, "/api/health")).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({ "database": "ok", "version": "11.6.0", "commit": "sim" })
    );
    let head = api
        .request(Method::HEAD, "/api/health")
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(
        api.send(api.request(Method::GET, "/healthz")).await,
        (200, json!("Ok"))
    );

    api.sim.set_database_failing(true);
    let (status, body) = api.send(api.request(Method::GET, "/api/health")).await;
    assert_eq!(status, 503);
    assert_eq!(body["database"], "failing");
}

#[tokio::test]
async fn every_save_bumps_the_version_even_with_identical_content() {
    let api = Api::start().await;
    let dash = json!({ "id": null, "uid": "node", "title": "Node Exporter Full", "panels": [] });
    let (status, first) = api
        .save(json!({ "dashboard": dash, "overwrite": false }))
        .await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["version"], 1);
    assert_eq!(first["status"], "success");
    assert_eq!(first["url"], "/d/node/node-exporter-full");
    assert_eq!(first["slug"], "node-exporter-full");

    let mut same = dash.clone();
    same["version"] = json!(1);
    let (status, second) = api.save(json!({ "dashboard": same })).await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(second["version"], 2);
    assert_eq!(second["id"], first["id"]);

    let (_, got) = api.get("/api/dashboards/uid/node").await;
    assert_eq!(got["dashboard"]["version"], 2);
    assert_eq!(got["meta"]["version"], 2);
    assert_eq!(api.sim.dashboard("node").unwrap().version, 2);
    let writes = api.sim.writes();
    assert_eq!(writes.len(), 2);
    assert!(
        writes
            .iter()
            .all(|w| w.method == "POST" && w.path == "/api/dashboards/db" && w.status == 200)
    );
}

#[tokio::test]
async fn stale_version_is_412_and_overwrite_takes_the_stored_version() {
    let api = Api::start().await;
    api.save(json!({ "dashboard": { "uid": "d", "title": "Mine" } }))
        .await;
    api.save(json!({ "dashboard": { "uid": "d", "title": "Theirs", "version": 1 } }))
        .await;

    let (status, body) = api
        .save(json!({ "dashboard": { "uid": "d", "title": "Stale", "version": 1 } }))
        .await;
    assert_eq!(status, 412);
    assert_eq!(body["status"], "version-mismatch");
    assert_eq!(
        body["message"],
        "The dashboard has been changed by someone else"
    );
    assert_eq!(api.sim.dashboard("d").unwrap().json["title"], "Theirs");

    // A create (no version) over an existing uid is just as stale.
    let (status, _) = api
        .save(json!({ "dashboard": { "id": null, "uid": "d", "title": "New" } }))
        .await;
    assert_eq!(status, 412);

    let (status, body) =
        api.save(json!({ "dashboard": { "uid": "d", "title": "Forced", "version": 1 }, "overwrite": true })).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["version"], 3);
    assert_eq!(api.sim.dashboard("d").unwrap().json["title"], "Forced");
}

#[tokio::test]
async fn invalid_saves_are_rejected_and_store_nothing() {
    let api = Api::start().await;
    let cases = [
        (
            json!({ "dashboard": { "id": 999, "title": "Gone" } }),
            404,
            "Dashboard not found",
        ),
        (
            json!({ "dashboard": { "uid": "bad uid!", "title": "T" } }),
            400,
            "uid contains illegal characters",
        ),
        (
            json!({ "dashboard": { "uid": "a".repeat(41), "title": "T" } }),
            400,
            "uid too long, max 40 characters",
        ),
        (
            json!({ "dashboard": { "uid": "t", "title": "  " } }),
            400,
            "Dashboard title cannot be empty",
        ),
        (
            json!({ "dashboard": { "uid": "t" } }),
            400,
            "Dashboard title cannot be empty",
        ),
        (
            json!({ "dashboard": { "title": "T" }, "message": "m".repeat(501) }),
            400,
            "message too long, max 500 characters",
        ),
        (
            json!({ "dashboard": { "title": "T" }, "folderUid": "nope" }),
            400,
            "folder not found",
        ),
    ];
    for (body, status, message) in cases {
        let (got, resp) = api.save(body.clone()).await;
        assert_eq!(
            (got, resp["message"].as_str().unwrap()),
            (status, message),
            "for {body}"
        );
    }
    let (_, stale) = api
        .save(json!({ "dashboard": { "id": 999, "title": "Gone" } }))
        .await;
    assert_eq!(stale["status"], "not-found");
    let (_, empty) = api.save(json!({ "dashboard": { "title": "" } })).await;
    assert_eq!(empty["status"], "empty-name");
    assert!(api.sim.dashboards().is_empty());

    // 40 characters of the allowed alphabet is fine.
    let uid = format!("{}-_9", "A".repeat(37));
    assert_eq!(
        api.save(json!({ "dashboard": { "uid": uid, "title": "T" } }))
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn new_dashboard_gets_a_uid_and_its_json_is_kept_verbatim() {
    let api = Api::start().await;
    let dash = json!({
        "id": null,
        "title": "GPU",
        "schemaVersion": 22,
        "panels": [{ "type": "graph", "datasource": "$datasource" }],
        "__inputs": [{ "name": "DS_PROMETHEUS" }],
    });
    let (status, body) = api.save(json!({ "dashboard": dash })).await;
    assert_eq!(status, 200);
    let uid = body["uid"].as_str().unwrap();
    assert!(!uid.is_empty() && uid.len() <= 40);
    assert!(
        uid.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );

    let stored = api.sim.dashboard(uid).unwrap();
    let mut expected = dash.clone();
    expected["id"] = body["id"].clone();
    expected["uid"] = json!(uid);
    expected["version"] = json!(1);
    assert_eq!(stored.json, expected);
    assert_eq!(stored.origin, Origin::Api);
    let (_, got) = api.get(&format!("/api/dashboards/uid/{uid}")).await;
    assert_eq!(got["dashboard"], expected);
}

#[tokio::test]
async fn update_without_folder_uid_moves_the_dashboard_to_the_root() {
    let api = Api::start().await;
    assert_eq!(
        api.post(
            "/api/folders",
            json!({ "uid": "wall", "title": "Wallboard" })
        )
        .await
        .0,
        200
    );
    let (_, saved) = api
        .save(json!({ "dashboard": { "uid": "d", "title": "D" }, "folderUid": "wall" }))
        .await;
    assert_eq!(saved["folderUid"], "wall");
    let (_, got) = api.get("/api/dashboards/uid/d").await;
    assert_eq!(got["meta"]["folderUid"], "wall");
    assert_eq!(got["meta"]["folderTitle"], "Wallboard");

    api.save(json!({ "dashboard": { "uid": "d", "title": "D", "version": 1 } }))
        .await;
    assert_eq!(api.sim.dashboard("d").unwrap().folder_uid, None);
    let (_, got) = api.get("/api/dashboards/uid/d").await;
    assert_eq!(got["meta"]["folderUid"], "");
    assert_eq!(got["meta"]["folderTitle"], "General");
}

#[tokio::test]
async fn get_and_delete_by_uid() {
    let api = Api::start().await;
    let (_, saved) = api
        .save(json!({ "dashboard": { "uid": "d", "title": "Doomed" } }))
        .await;
    let (status, got) = api.get("/api/dashboards/uid/d").await;
    assert_eq!(status, 200);
    assert_eq!(got["meta"]["canSave"], true);
    assert_eq!(got["meta"]["provisioned"], false);
    assert_eq!(got["meta"]["url"], "/d/d/doomed");

    let (status, deleted) = api
        .call(Method::DELETE, "/api/dashboards/uid/d", None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        deleted,
        json!({ "title": "Doomed", "message": "Dashboard Doomed deleted", "id": saved["id"] })
    );
    assert_eq!(
        api.get("/api/dashboards/uid/d").await,
        (404, json!({ "message": "Dashboard not found" }))
    );
    assert_eq!(
        api.call(Method::DELETE, "/api/dashboards/uid/d", None)
            .await
            .0,
        404
    );
}

#[tokio::test]
async fn schema_v2_dashboard_is_406_on_the_v1_api() {
    let api = Api::start().await;
    api.sim.seed_dashboard(
        json!({ "uid": "v2", "title": "Converted" }),
        None,
        Origin::SchemaV2,
    );
    let (status, body) = api.get("/api/dashboards/uid/v2").await;
    assert_eq!(status, 406);
    let message = body["message"].as_str().unwrap();
    assert!(
        message.starts_with("dashboard api version not supported"),
        "{message}"
    );
    assert!(
        message.contains("/apis/dashboard.grafana.app/v2"),
        "{message}"
    );
    // Still listed by search, as in Grafana.
    assert_eq!(
        titles(&api.get("/api/search?type=dash-db").await.1),
        ["Converted"]
    );
}

#[tokio::test]
async fn provisioned_dashboard_cannot_be_saved_or_deleted_through_the_api() {
    let api = Api::start().await;
    api.sim.seed_dashboard(
        json!({ "uid": "p", "title": "From file", "version": 7 }),
        Some("ops"),
        Origin::Provisioned,
    );
    let (_, got) = api.get("/api/dashboards/uid/p").await;
    assert_eq!(got["meta"]["provisioned"], true);
    assert_eq!(got["dashboard"]["version"], 7);
    assert_eq!(got["meta"]["folderUid"], "ops");

    let (status, body) = api
        .save(json!({ "dashboard": { "uid": "p", "title": "Mine", "version": 7 }, "folderUid": "ops", "overwrite": true }))
        .await;
    assert_eq!(
        (status, body),
        (
            400,
            json!({ "message": "Cannot save provisioned dashboard" })
        )
    );
    let (status, _) = api
        .call(Method::DELETE, "/api/dashboards/uid/p", None)
        .await;
    assert_eq!(status, 400);
    let stored = api.sim.dashboard("p").unwrap();
    assert_eq!(
        (stored.version, stored.json["title"].as_str()),
        (7, Some("From file"))
    );
}

#[tokio::test]
async fn plugin_dashboard_is_412_unless_overwritten() {
    let api = Api::start().await;
    api.sim.seed_dashboard(
        json!({ "uid": "app", "title": "App" }),
        None,
        Origin::Plugin,
    );
    let (status, body) = api
        .save(json!({ "dashboard": { "uid": "app", "title": "App", "version": 1 } }))
        .await;
    assert_eq!(status, 412);
    assert_eq!(body["status"], "plugin-dashboard");
    let (status, body) =
        api.save(json!({ "dashboard": { "uid": "app", "title": "App", "version": 1 }, "overwrite": true })).await;
    assert_eq!((status, &body["version"]), (200, &json!(2)));
    assert_eq!(api.sim.dashboard("app").unwrap().origin, Origin::Api);
}

#[tokio::test]
async fn search_ands_tags_and_filters_by_folder_query_and_type() {
    let api = Api::start().await;
    api.post("/api/folders", json!({ "uid": "f1", "title": "Racks" }))
        .await;
    api.post("/api/folders", json!({ "uid": "f2", "title": "GPUs" }))
        .await;
    for (uid, title, tags, folder) in [
        ("a", "Node exporter", json!(["linux", "kiosk"]), Some("f1")),
        ("b", "alpha", json!(["linux"]), Some("f2")),
        ("c", "Zeta", json!(["kiosk"]), None),
        ("d", "DCGM", json!([]), Some("f2")),
    ] {
        let (status, _) = api.save(json!({ "dashboard": { "uid": uid, "title": title, "tags": tags }, "folderUid": folder })).await;
        assert_eq!(status, 200);
    }

    let (status, hits) = api
        .get("/api/search?type=dash-db&tag=linux&tag=kiosk")
        .await;
    assert_eq!(status, 200);
    assert_eq!(titles(&hits), ["Node exporter"]);
    let hit = &hits[0];
    assert_eq!(hit["type"], "dash-db");
    assert_eq!(hit["url"], "/d/a/node-exporter");
    assert_eq!(hit["tags"], json!(["linux", "kiosk"]));
    assert_eq!(
        (&hit["folderUid"], &hit["folderTitle"]),
        (&json!("f1"), &json!("Racks"))
    );

    let (_, root) = api.get("/api/search?type=dash-db&tag=kiosk").await;
    assert_eq!(titles(&root), ["Node exporter", "Zeta"]);
    assert!(root[1].get("folderUid").is_none() && root[1].get("folderTitle").is_none());

    // Sorted by title, case-insensitively.
    assert_eq!(
        titles(&api.get("/api/search?type=dash-db").await.1),
        ["alpha", "DCGM", "Node exporter", "Zeta"]
    );
    assert_eq!(
        titles(&api.get("/api/search?type=dash-db&folderUIDs=f1,f2").await.1),
        ["alpha", "DCGM", "Node exporter"]
    );
    assert_eq!(
        titles(
            &api.get("/api/search?folderUIDs=f2&folderUIDs=general")
                .await
                .1
        ),
        ["alpha", "DCGM", "GPUs", "Racks", "Zeta"]
    );
    assert_eq!(
        titles(&api.get("/api/search?query=NODE").await.1),
        ["Node exporter"]
    );
    assert_eq!(
        titles(&api.get("/api/search?type=dash-folder").await.1),
        ["GPUs", "Racks"]
    );
    assert_eq!(
        titles(&api.get("/api/search?type=dash-db&limit=2&page=2").await.1),
        ["Node exporter", "Zeta"]
    );
    assert_eq!(
        titles(
            &api.get("/api/search?dashboardUIDs=c&dashboardUIDs=d")
                .await
                .1
        ),
        ["DCGM", "Zeta"]
    );

    let (status, body) = api.get("/api/search?limit=5001").await;
    assert_eq!(status, 422, "{body}");
}

#[tokio::test]
async fn folders_conflict_on_uid_and_on_title_under_the_same_parent() {
    let api = Api::start().await;
    let (status, created) = api
        .post("/api/folders", json!({ "uid": "ops", "title": "Ops" }))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        (&created["uid"], &created["title"], &created["version"]),
        (&json!("ops"), &json!("Ops"), &json!(1))
    );
    assert_eq!(created["url"], "/dashboards/f/ops/ops");

    let (status, body) = api
        .post("/api/folders", json!({ "uid": "ops", "title": "Other" }))
        .await;
    assert_eq!(status, 409, "{body}");
    let (status, body) = api
        .post("/api/folders", json!({ "uid": "ops2", "title": "Ops" }))
        .await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("a folder with the same name already exists")
    );

    // Same title under another parent is fine.
    let (status, nested) = api
        .post(
            "/api/folders",
            json!({ "uid": "sub", "title": "Ops", "parentUid": "ops" }),
        )
        .await;
    assert_eq!((status, &nested["parentUid"]), (200, &json!("ops")));
    assert_eq!(api.post("/api/folders", json!({ "uid": "x" })).await.0, 400);
    assert_eq!(
        api.post("/api/folders", json!({ "title": "X", "parentUid": "nope" }))
            .await
            .0,
        404
    );

    let (_, roots) = api.get("/api/folders").await;
    assert_eq!(
        roots,
        json!([{ "id": created["id"], "uid": "ops", "title": "Ops" }])
    );
    let (_, children) = api.get("/api/folders?parentUid=ops").await;
    assert_eq!(titles(&children), ["Ops"]);
    assert_eq!(
        api.get("/api/folders/sub").await.1["parents"][0]["uid"],
        "ops"
    );
    let (status, body) = api.get("/api/folders/missing").await;
    assert_eq!(
        (status, &body["message"]),
        (404, &json!("folder not found"))
    );
    assert_eq!(api.sim.folders().len(), 2);
}

#[tokio::test]
async fn datasources_conflict_on_name_and_uid_and_read_only_ones_are_protected() {
    let api = Api::start().await;
    let prom = json!({
        "name": "Prometheus", "type": "prometheus", "url": "http://127.0.0.1:9090", "access": "proxy",
        "uid": "prom", "isDefault": true, "jsonData": { "timeInterval": "15s" },
    });
    let (status, added) = api.post("/api/datasources", prom.clone()).await;
    assert_eq!(status, 200, "{added}");
    assert_eq!(
        (&added["message"], &added["name"]),
        (&json!("Datasource added"), &json!("Prometheus"))
    );
    let ds = &added["datasource"];
    assert_eq!(
        (&ds["uid"], &ds["orgId"], &ds["version"], &ds["readOnly"]),
        (&json!("prom"), &json!(1), &json!(1), &json!(false))
    );
    assert_eq!(ds["jsonData"]["timeInterval"], "15s");
    assert_eq!(added["id"], ds["id"]);

    let mut same_name = prom.clone();
    same_name["uid"] = json!("other");
    let (status, body) = api.post("/api/datasources", same_name).await;
    assert_eq!(
        (status, body),
        (
            409,
            json!({ "message": "data source with the same name already exists" })
        )
    );
    let mut same_uid = prom.clone();
    same_uid["name"] = json!("Prometheus 2");
    assert_eq!(api.post("/api/datasources", same_uid).await.0, 409);

    assert_eq!(
        api.get("/api/datasources/uid/prom").await.1["name"],
        "Prometheus"
    );
    assert_eq!(
        api.get("/api/datasources/name/Prometheus").await.1["uid"],
        "prom"
    );
    assert_eq!(
        api.get("/api/datasources/name/Nope").await,
        (404, json!({ "message": "Data source not found" }))
    );
    assert_eq!(
        api.get("/api/datasources")
            .await
            .1
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let mut changed = prom.clone();
    changed["url"] = json!("http://127.0.0.1:9091");
    let (status, updated) = api
        .call(Method::PUT, "/api/datasources/uid/prom", Some(changed))
        .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["message"], "Datasource updated");
    assert_eq!(
        (
            &updated["datasource"]["version"],
            &updated["datasource"]["url"]
        ),
        (&json!(2), &json!("http://127.0.0.1:9091"))
    );

    let seeded = api.sim.seed_datasource(
        json!({ "name": "Loki", "type": "loki", "uid": "loki", "readOnly": true }),
    );
    assert_eq!(seeded["readOnly"], true);
    let (status, body) = api
        .call(
            Method::PUT,
            "/api/datasources/uid/loki",
            Some(json!({ "name": "Loki", "type": "loki", "access": "proxy" })),
        )
        .await;
    assert_eq!(
        (status, body),
        (
            403,
            json!({ "message": "Cannot update read-only data source" })
        )
    );
    assert_eq!(api.sim.datasources().len(), 2);
}

#[tokio::test]
async fn requests_need_valid_credentials() {
    let api = Api::start().await;
    let search = "/api/search";
    let (status, body) = api.send(api.request(Method::GET, search)).await;
    assert_eq!((status, &body["message"]), (401, &json!("Unauthorized")));
    let (status, body) = api
        .send(api.request(Method::GET, search).bearer_auth("glsa_wrong"))
        .await;
    assert_eq!((status, &body["message"]), (401, &json!("Invalid API key")));
    assert_eq!(
        api.send(
            api.request(Method::GET, search)
                .basic_auth("admin", Some("admin"))
        )
        .await
        .0,
        200
    );
    assert_eq!(
        api.send(
            api.request(Method::GET, search)
                .basic_auth("admin", Some("nope"))
        )
        .await
        .0,
        401
    );
    // Grafana also takes a token as the password of the user `api_key`.
    assert_eq!(
        api.send(
            api.request(Method::GET, search)
                .basic_auth("api_key", Some(TOKEN))
        )
        .await
        .0,
        200
    );
    // Unauthenticated writes change nothing.
    let create = api
        .request(Method::POST, "/api/dashboards/db")
        .json(&json!({ "dashboard": { "title": "T" } }));
    assert_eq!(api.send(create).await.0, 401);
    assert!(api.sim.dashboards().is_empty());
}

#[tokio::test]
async fn revoked_token_is_401_until_restored() {
    let api = Api::start().await;
    assert_eq!(api.get("/api/search").await.0, 200);
    api.sim.revoke_token(TOKEN);
    let (status, body) = api.get("/api/search").await;
    assert_eq!((status, &body["message"]), (401, &json!("Invalid API key")));
    // Health stays open, so a probe cannot mistake a revoked token for Grafana being down.
    assert_eq!(api.get("/api/health").await.0, 200);
    api.sim.restore_token(TOKEN);
    assert_eq!(api.get("/api/search").await.0, 200);
}

#[tokio::test]
async fn only_org_1_exists_and_the_org_header_is_logged() {
    let api = Api::start().await;
    let ok = api
        .request(Method::GET, "/api/search?type=dash-db")
        .bearer_auth(TOKEN)
        .header("X-Grafana-Org-Id", "1");
    assert_eq!(api.send(ok).await.0, 200);
    let other = api
        .request(Method::GET, "/api/search")
        .bearer_auth(TOKEN)
        .header("X-Grafana-Org-Id", "2");
    let (status, body) = api.send(other).await;
    assert_eq!(
        (status, &body["message"]),
        (401, &json!("user is not a member of organization"))
    );

    let log = api.sim.requests();
    assert_eq!(log.len(), 2);
    assert_eq!(
        (
            log[0].path.as_str(),
            log[0].org_id.as_deref(),
            log[0].status
        ),
        ("/api/search?type=dash-db", Some("1"), 200)
    );
    assert_eq!((log[1].org_id.as_deref(), log[1].status), (Some("2"), 401));
    assert!(api.sim.writes().is_empty());
    api.sim.clear_requests();
    assert!(api.sim.requests().is_empty());
}

#[tokio::test]
async fn anonymous_viewers_read_but_cannot_write() {
    let api = Api::with(SimConfig {
        anonymous: true,
        ..SimConfig::default()
    })
    .await;
    api.sim
        .seed_dashboard(json!({ "uid": "d", "title": "Shown" }), None, Origin::Api);
    let (status, got) = api
        .send(api.request(Method::GET, "/api/dashboards/uid/d"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(got["meta"]["canSave"], false);
    let save = api
        .request(Method::POST, "/api/dashboards/db")
        .json(&json!({ "dashboard": { "uid": "d", "title": "X", "version": 1 } }));
    let (status, body) = api.send(save).await;
    assert_eq!(status, 403);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("dashboards:write"),
        "{body}"
    );
    assert_eq!(api.sim.dashboard("d").unwrap().version, 1);
    // Bad credentials are still refused rather than downgraded to anonymous.
    assert_eq!(
        api.send(
            api.request(Method::GET, "/api/search")
                .bearer_auth("glsa_wrong")
        )
        .await
        .0,
        401
    );
}

#[tokio::test]
async fn fail_next_fails_without_touching_state_then_recovers() {
    let api = Api::start().await;
    api.sim.fail_next(2, 503);
    let (status, body) = api.get("/api/health").await;
    assert_eq!(status, 503);
    assert!(body["message"].is_string(), "{body}");
    let (status, _) = api
        .save(json!({ "dashboard": { "uid": "d", "title": "T" } }))
        .await;
    assert_eq!(status, 503);
    assert!(api.sim.dashboard("d").is_none());

    let (status, body) = api
        .save(json!({ "dashboard": { "uid": "d", "title": "T" } }))
        .await;
    assert_eq!((status, &body["version"]), (200, &json!(1)));
    let statuses: Vec<u16> = api.sim.writes().iter().map(|w| w.status).collect();
    assert_eq!(statuses, [503, 200]);
    api.sim.clear_writes();
    assert!(api.sim.writes().is_empty());
}

#[tokio::test]
async fn latency_delays_api_responses() {
    let api = Api::start().await;
    api.sim.set_latency(Duration::from_millis(300));
    let started = Instant::now();
    assert_eq!(api.get("/api/health").await.0, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    api.sim.set_latency(Duration::ZERO);
    let started = Instant::now();
    api.get("/api/health").await;
    assert!(started.elapsed() < Duration::from_millis(300));
}

#[tokio::test]
async fn stop_refuses_connections_and_restart_keeps_state_on_the_same_port() {
    let api = Api::start().await;
    api.save(json!({ "dashboard": { "uid": "d", "title": "Kept" } }))
        .await;
    let addr = api.sim.addr();

    api.sim.stop().await;
    let err = api
        .http
        .get(format!("{}/api/health", api.sim.url()))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    assert_eq!(api.sim.dashboard("d").unwrap().version, 1);

    api.sim.restart().await.unwrap();
    assert_eq!(api.sim.addr(), addr);
    let (status, got) = api.get("/api/dashboards/uid/d").await;
    assert_eq!((status, &got["dashboard"]["title"]), (200, &json!("Kept")));
}

#[tokio::test]
async fn control_plane_injects_faults_and_stays_out_of_the_logs() {
    let api = Api::start().await;
    let sim = |path: &str| format!("{}/__sim/{path}", api.sim.url());
    let resp = api
        .http
        .post(sim("faults"))
        .json(&json!({ "fail_next": { "n": 1, "status": 500 }, "revoke_token": TOKEN }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(api.get("/api/search").await.0, 500);
    assert_eq!(api.get("/api/search").await.0, 401);
    api.http
        .post(sim("faults"))
        .json(&json!({ "restore_token": TOKEN, "database_failing": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        api.save(json!({ "dashboard": { "title": "T" } })).await.0,
        200
    );
    assert_eq!(api.get("/api/health").await.0, 503);

    let writes: Value = api
        .http
        .get(sim("writes"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(writes, serde_json::to_value(api.sim.writes()).unwrap());
    assert_eq!(
        writes,
        json!([{ "method": "POST", "path": "/api/dashboards/db", "status": 200 }])
    );
    let requests: Value = api
        .http
        .get(sim("requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        requests.as_array().unwrap().len(),
        4,
        "control-plane calls must not be logged: {requests}"
    );

    let typo = api
        .http
        .post(sim("faults"))
        .json(&json!({ "latency": 5 }))
        .send()
        .await
        .unwrap();
    assert!(typo.status().is_client_error());
    let reset = api.http.post(sim("reset-log")).send().await.unwrap();
    assert!(reset.status().is_success());
    assert!(api.sim.requests().is_empty() && api.sim.writes().is_empty());
}

#[tokio::test]
async fn unknown_api_routes_are_json_404() {
    let api = Api::start().await;
    assert_eq!(
        api.get("/api/nope").await,
        (404, json!({ "message": "Not found" }))
    );
    assert_eq!(
        api.call(Method::PATCH, "/api/dashboards/db", None).await.0,
        404
    );
}

fn catalog_fixture() -> (tempfile::TempDir, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let body = serde_json::to_vec_pretty(&json!({
        "title": "Node Exporter Full",
        "uid": "rYdddlPWk",
        "panels": (0..20).map(|i| json!({ "id": i, "type": "timeseries", "title": format!("Panel {i}") })).collect::<Vec<_>>(),
    }))
    .unwrap();
    std::fs::create_dir(dir.path().join("1860")).unwrap();
    std::fs::write(dir.path().join("1860/37.json"), &body).unwrap();
    std::fs::write(dir.path().join("1860/5.json"), b"{\"title\":\"old\"}").unwrap();
    (dir, body)
}

#[tokio::test]
async fn grafana_com_lists_revisions_and_serves_downloads_gzipped_on_request() {
    let (dir, body) = catalog_fixture();
    let com = GrafanaCom::start(dir.path().to_path_buf()).await.unwrap();
    let http = client();

    let list: Value = http
        .get(format!("{}/api/dashboards/1860/revisions", com.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let revisions: Vec<u64> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["revision"].as_u64().unwrap())
        .collect();
    assert_eq!(revisions, [5, 37]);

    let download = format!("{}/api/dashboards/1860/revisions/37/download", com.url());
    let raw = reqwest::Client::builder()
        .no_gzip()
        .build()
        .unwrap()
        .get(&download)
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.headers()["content-encoding"], "gzip");
    let compressed = raw.bytes().await.unwrap();
    assert_eq!(&compressed[..2], &[0x1f, 0x8b], "gzip magic");
    assert!(compressed.len() < body.len());

    // A client that decompresses gets the fixture byte for byte.
    let plain = http.get(&download).send().await.unwrap();
    assert_eq!(plain.status(), 200);
    assert_eq!(plain.bytes().await.unwrap().as_ref(), body.as_slice());

    let missing = http
        .get(format!(
            "{}/api/dashboards/1860/revisions/38/download",
            com.url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let traversal = http
        .get(format!(
            "{}/api/dashboards/..%2F1860/revisions/37/download",
            com.url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(traversal.status(), 404);
    assert_eq!(com.requests(), 5);
}

#[tokio::test]
async fn grafana_com_can_go_away_while_grafana_stays_up() {
    let (dir, _) = catalog_fixture();
    let com = GrafanaCom::start(dir.path().to_path_buf()).await.unwrap();
    let api = Api::start().await;
    com.stop().await;
    let err = api
        .http
        .get(format!("{}/api/dashboards/1860/revisions", com.url()))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    assert_eq!(api.get("/api/health").await.0, 200);
}
