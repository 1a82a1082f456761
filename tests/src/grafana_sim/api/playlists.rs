//! Playlists through the legacy API (still routed in Grafana 12+): list, read with items,
//! create, delete. kiosk can rotate through one instead of `[[display.pages]]`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ApiError, parse_body};
use crate::grafana_sim::{SharedState, lock};

#[derive(Deserialize)]
struct NewPlaylist {
    #[serde(default)]
    uid: String,
    name: String,
    interval: String,
    #[serde(default)]
    items: Vec<NewItem>,
}

#[derive(Deserialize)]
struct NewItem {
    #[serde(rename = "type")]
    kind: String,
    value: String,
}

fn not_found() -> ApiError {
    ApiError::message(404, "Playlist not found")
}

pub(super) async fn list(State(shared): State<SharedState>) -> Json<Value> {
    let store = lock(&shared.store);
    Json(Value::Array(
        store
            .playlists
            .iter()
            .map(|p| json!({ "id": p["id"], "uid": p["uid"], "name": p["name"], "interval": p["interval"] }))
            .collect(),
    ))
}

pub(super) async fn get(
    State(shared): State<SharedState>,
    Path(uid): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let store = lock(&shared.store);
    store
        .playlists
        .iter()
        .find(|p| p["uid"] == uid.as_str())
        .map(|p| Json(p.clone()))
        .ok_or_else(not_found)
}

pub(super) async fn create(
    State(shared): State<SharedState>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let new: NewPlaylist = parse_body(&body)?;
    if new.name.trim().is_empty() {
        return Err(ApiError::message(400, "playlist name is required"));
    }
    let kinds = ["dashboard_by_uid", "dashboard_by_tag", "dashboard_by_id"];
    if let Some(item) = new.items.iter().find(|i| !kinds.contains(&i.kind.as_str())) {
        return Err(ApiError::message(
            400,
            format!("invalid playlist item type {}", item.kind),
        ));
    }
    let mut store = lock(&shared.store);
    let uid = if new.uid.is_empty() {
        store.generate_uid()
    } else {
        new.uid
    };
    if store.playlists.iter().any(|p| p["uid"] == uid.as_str()) {
        return Err(ApiError::message(
            409,
            "playlist with the same uid already exists",
        ));
    }
    let id = store.playlists.len() + 1;
    let items: Vec<Value> = new
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| json!({ "type": item.kind, "value": item.value, "order": i + 1, "title": item.value }))
        .collect();
    let playlist =
        json!({ "id": id, "uid": uid, "name": new.name, "interval": new.interval, "items": items });
    store.playlists.push(playlist.clone());
    Ok(Json(playlist))
}

pub(super) async fn delete(
    State(shared): State<SharedState>,
    Path(uid): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let mut store = lock(&shared.store);
    let before = store.playlists.len();
    store.playlists.retain(|p| p["uid"] != uid.as_str());
    if store.playlists.len() == before {
        return Err(not_found());
    }
    Ok(Json(json!({})))
}
