//! `GET /api/frontend/settings`: the boot data Grafana's frontend reads first (build info and the
//! datasources by name), kept to what the simulated pages use.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use serde_json::{Map, Value, json};

use crate::grafana_sim::{SharedState, lock};

pub(super) async fn settings(State(shared): State<SharedState>, headers: HeaderMap) -> Json<Value> {
    let anonymous = lock(&shared.credentials).anonymous;
    let store = lock(&shared.store);
    let mut datasources = Map::new();
    for ds in &store.datasources {
        datasources.insert(
            ds.name.clone(),
            json!({
                "id": ds.id,
                "uid": ds.uid,
                "name": ds.name,
                "type": ds.kind,
                "access": ds.access,
                "url": format!("/api/datasources/proxy/uid/{}", ds.uid),
                "isDefault": ds.is_default,
                "jsonData": ds.json_data,
                "meta": { "id": ds.kind, "type": "datasource" },
            }),
        );
    }
    let default = store
        .datasources
        .iter()
        .find(|ds| ds.is_default)
        .or_else(|| store.datasources.first())
        .map(|ds| ds.name.clone());
    // Grafana's appUrl is its configured root_url; the Host it was reached at stands in for it.
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost:3000");
    Json(json!({
        "appUrl": format!("http://{host}/"),
        "appSubUrl": "",
        "anonymousEnabled": anonymous,
        "liveEnabled": true,
        "allowOrgCreate": false,
        "buildInfo": {
            "version": shared.version,
            "commit": "sim",
            "edition": "Open Source",
            "env": "production",
            "hideVersion": false,
            "hasUpdate": false,
            "latestVersion": "",
        },
        "datasources": datasources,
        "defaultDatasource": default,
        "featureToggles": {},
        "theme2": { "isDark": true },
    }))
}
