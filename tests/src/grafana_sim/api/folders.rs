//! Folders (nested, as on by default since Grafana 11): list children, read by uid, create.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, RawQuery, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ApiError, QueryParams, parse_body};
use crate::grafana_sim::auth::Identity;
use crate::grafana_sim::state::{Folder, MAX_UID_LEN, Store, uid_is_valid};
use crate::grafana_sim::{SharedState, lock};

const DEFAULT_LIMIT: i64 = 1000;

/// The folder DTO of `GET /api/folders/:uid` and `POST /api/folders`.
pub(crate) fn folder_json(store: &Store, folder: &Folder, can_write: bool) -> Value {
    let mut body = json!({
        "id": folder.id,
        "uid": folder.uid,
        "orgId": 1,
        "title": folder.title,
        "url": folder.url(),
        "hasAcl": false,
        "canSave": can_write,
        "canEdit": can_write,
        "canAdmin": can_write,
        "canDelete": can_write,
        "createdBy": "admin",
        "updatedBy": "admin",
        "version": folder.version,
    });
    if let (Some(parent), Value::Object(map)) = (&folder.parent_uid, &mut body) {
        map.insert("parentUid".into(), json!(parent));
        let parents: Vec<Value> = store
            .folder_parents(folder)
            .into_iter()
            .map(|p| json!({ "id": p.id, "uid": p.uid, "title": p.title, "url": p.url() }))
            .collect();
        map.insert("parents".into(), Value::Array(parents));
    }
    body
}

fn not_found() -> ApiError {
    ApiError::with_status(404, "not-found", "folder not found")
}

/// Children of the root, or of `parentUid`, sorted by title.
pub(super) async fn list(
    State(shared): State<SharedState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let params = QueryParams::parse(raw.as_deref());
    let parent = params.first("parentUid").filter(|p| !p.is_empty());
    let store = lock(&shared.store);
    if let Some(parent) = parent
        && store.folder(parent).is_none()
    {
        return Err(not_found());
    }
    let limit = match params.int("limit") {
        l if l <= 0 => DEFAULT_LIMIT,
        l => l,
    };
    let page = params.int("page").max(1);
    let mut children: Vec<&Folder> = store
        .folders
        .iter()
        .filter(|f| f.parent_uid.as_deref() == parent)
        .collect();
    children.sort_by(|a, b| {
        a.title
            .to_lowercase()
            .cmp(&b.title.to_lowercase())
            .then_with(|| a.uid.cmp(&b.uid))
    });
    let skip = usize::try_from((page - 1).saturating_mul(limit)).unwrap_or(usize::MAX);
    let take = usize::try_from(limit).unwrap_or(usize::MAX);
    let hits = children
        .into_iter()
        .skip(skip)
        .take(take)
        .map(|f| {
            let mut hit = json!({ "id": f.id, "uid": f.uid, "title": f.title });
            if let (Some(parent), Value::Object(map)) = (&f.parent_uid, &mut hit) {
                map.insert("parentUid".into(), json!(parent));
            }
            hit
        })
        .collect();
    Ok(Json(Value::Array(hits)))
}

pub(super) async fn get(
    State(shared): State<SharedState>,
    Extension(identity): Extension<Identity>,
    Path(uid): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let store = lock(&shared.store);
    let folder = store.folder(&uid).ok_or_else(not_found)?;
    Ok(Json(folder_json(&store, folder, identity.can_write())))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateFolder {
    uid: Option<String>,
    title: Option<String>,
    parent_uid: Option<String>,
}

pub(super) async fn create(
    State(shared): State<SharedState>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let cmd: CreateFolder = parse_body(&body)?;
    let title = cmd.title.unwrap_or_default().trim().to_owned();
    if title.is_empty() {
        return Err(ApiError::message(400, "folder title cannot be empty"));
    }
    let uid = cmd.uid.unwrap_or_default();
    if !uid_is_valid(&uid) {
        return Err(ApiError::message(400, "uid contains illegal characters"));
    }
    if uid.len() > MAX_UID_LEN {
        return Err(ApiError::message(400, "uid too long, max 40 characters"));
    }
    let parent_uid = cmd.parent_uid.filter(|p| !p.is_empty());

    let mut store = lock(&shared.store);
    if let Some(parent) = &parent_uid
        && store.folder(parent).is_none()
    {
        return Err(not_found());
    }
    if !uid.is_empty() && store.uid_taken(&uid) {
        return Err(ApiError::message(
            409,
            "a folder/dashboard with the same uid already exists",
        ));
    }
    if store
        .folders
        .iter()
        .any(|f| f.parent_uid == parent_uid && f.title == title)
    {
        return Err(ApiError::message(
            409,
            "a folder with the same name already exists in the current location",
        ));
    }
    let uid = if uid.is_empty() {
        store.generate_uid()
    } else {
        uid
    };
    let folder = store.create_folder(uid, title, parent_uid).clone();
    Ok(Json(folder_json(&store, &folder, true)))
}
