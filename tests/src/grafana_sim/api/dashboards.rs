//! Dashboards by uid: save (`POST /api/dashboards/db`) with Grafana 11.6's validation, version
//! and ownership rules, read, and delete.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{ApiError, parse_body};
use crate::grafana_sim::auth::Identity;
use crate::grafana_sim::state::{
    MAX_UID_LEN, Origin, PLUGIN_ID, Store, StoredDashboard, uid_is_valid,
};
use crate::grafana_sim::{SharedState, lock};

const MAX_TITLE_CHARS: usize = 5000;
const MAX_MESSAGE_CHARS: usize = 500;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SaveCommand {
    #[serde(default)]
    dashboard: Value,
    folder_uid: Option<String>,
    /// Deprecated, still honoured by Grafana when `folderUid` is absent.
    folder_id: Option<i64>,
    overwrite: Option<bool>,
    message: Option<String>,
}

pub(super) async fn save(
    State(shared): State<SharedState>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let cmd: SaveCommand = parse_body(&body)?;
    let mut store = lock(&shared.store);
    save_dashboard(&mut store, cmd).map(Json)
}

/// Checks run in Grafana's order (title, message, uid, folder, existing dashboard, ownership) so
/// a request breaking several rules gets the same error as from Grafana.
fn save_dashboard(store: &mut Store, cmd: SaveCommand) -> Result<Value, ApiError> {
    let mut dash = match cmd.dashboard {
        Value::Object(map) => map,
        Value::Null => Map::new(),
        _ => return Err(ApiError::bad_request_data()),
    };
    let overwrite = cmd.overwrite.unwrap_or(false);

    let title = dash
        .get("title")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .trim();
    if title.is_empty() {
        return Err(ApiError::with_status(
            400,
            "empty-name",
            "Dashboard title cannot be empty",
        ));
    }
    if title.chars().count() > MAX_TITLE_CHARS {
        return Err(ApiError::with_status(
            400,
            "title-too-long",
            "Dashboard title cannot contain more than 5 000 characters",
        ));
    }
    if cmd.message.unwrap_or_default().chars().count() > MAX_MESSAGE_CHARS {
        return Err(ApiError::message(
            400,
            "message too long, max 500 characters",
        ));
    }

    let mut uid = dash
        .get("uid")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if !uid_is_valid(&uid) {
        return Err(ApiError::message(400, "uid contains illegal characters"));
    }
    if uid.len() > MAX_UID_LEN {
        return Err(ApiError::message(400, "uid too long, max 40 characters"));
    }
    let folder_uid = resolve_folder(store, cmd.folder_uid, cmd.folder_id)?;

    // `id: null`, absent or 0 asks for a new dashboard; a number names an existing one.
    let id = dash.get("id").and_then(as_int).filter(|id| *id > 0);
    let sent_version = dash.get("version").and_then(as_int).unwrap_or(0);

    let by_id = match id {
        Some(id) => {
            if store.folder_by_id(id).is_some() {
                return Err(type_mismatch());
            }
            Some(
                store
                    .dashboard_position_by_id(id)
                    .ok_or_else(not_found_for_save)?,
            )
        }
        None => None,
    };
    if uid.is_empty()
        && let Some(index) = by_id
    {
        uid.clone_from(&store.dashboards[index].uid);
    }
    if store.folder(&uid).is_some() {
        return Err(type_mismatch());
    }
    let by_uid = if uid.is_empty() {
        None
    } else {
        store.dashboard_position(&uid)
    };
    let existing = match (by_id, by_uid) {
        (Some(a), Some(b)) if a != b => {
            return Err(ApiError::message(
                400,
                "A dashboard with the same uid already exists",
            ));
        }
        (Some(a), _) => Some(a),
        (None, b) => b,
    };

    let (index, id, version) = match existing {
        Some(index) => {
            let current = &store.dashboards[index];
            if sent_version != current.version && !overwrite {
                return Err(ApiError::with_status(
                    412,
                    "version-mismatch",
                    "The dashboard has been changed by someone else",
                ));
            }
            if current.origin == Origin::Plugin && !overwrite {
                return Err(ApiError::with_status(
                    412,
                    "plugin-dashboard",
                    format!("The dashboard belongs to plugin {PLUGIN_ID}."),
                ));
            }
            if current.origin == Origin::Provisioned {
                return Err(ApiError::message(400, "Cannot save provisioned dashboard"));
            }
            // Every save is a new version, identical content or not.
            (Some(index), current.id, current.version + 1)
        }
        None => {
            if uid.is_empty() {
                uid = store.generate_uid();
            }
            (None, store.next_dashboard_id(), 1)
        }
    };

    dash.insert("id".into(), id.into());
    dash.insert("uid".into(), uid.clone().into());
    dash.insert("version".into(), version.into());
    let stored = StoredDashboard {
        id,
        uid,
        json: Value::Object(dash),
        version,
        folder_uid,
        origin: Origin::Api,
    };
    let response = json!({
        "id": stored.id,
        "uid": stored.uid,
        "url": stored.url(),
        "status": "success",
        "version": stored.version,
        "slug": stored.slug(),
        "folderUid": stored.folder_uid.clone().unwrap_or_default(),
    });
    match index {
        Some(index) => store.dashboards[index] = stored,
        None => store.dashboards.push(stored),
    }
    Ok(response)
}

/// `None` is the root ("General"); an update that names no folder moves the dashboard there.
fn resolve_folder(
    store: &Store,
    uid: Option<String>,
    id: Option<i64>,
) -> Result<Option<String>, ApiError> {
    let folder_not_found = || ApiError::message(400, "folder not found");
    match (uid.filter(|uid| !uid.is_empty()), id.filter(|id| *id > 0)) {
        (Some(uid), _) => store
            .folder(&uid)
            .map(|f| Some(f.uid.clone()))
            .ok_or_else(folder_not_found),
        (None, Some(id)) => store
            .folder_by_id(id)
            .map(|f| Some(f.uid.clone()))
            .ok_or_else(folder_not_found),
        (None, None) => Ok(None),
    }
}

/// Grafana reads numbers leniently (`MustInt64`): floats truncate, anything else is absent.
fn as_int(value: &Value) -> Option<i64> {
    value.as_i64().or_else(|| value.as_f64().map(|f| f as i64))
}

fn not_found_for_save() -> ApiError {
    ApiError::with_status(404, "not-found", "Dashboard not found")
}

fn type_mismatch() -> ApiError {
    ApiError::message(400, "Dashboard cannot be changed to a folder")
}

fn not_found() -> ApiError {
    ApiError::message(404, "Dashboard not found")
}

pub(super) async fn get(
    State(shared): State<SharedState>,
    Extension(identity): Extension<Identity>,
    Path(uid): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let store = lock(&shared.store);
    let dash = store.dashboard(&uid).ok_or_else(not_found)?;
    if dash.origin == Origin::SchemaV2 {
        return Err(ApiError::message(
            406,
            format!(
                "dashboard api version not supported, use /apis/dashboard.grafana.app/v2beta1/namespaces/default/dashboards/{uid} instead"
            ),
        ));
    }
    let can_write = identity.can_write();
    let folder = dash.folder_uid.as_deref().and_then(|uid| store.folder(uid));
    let provisioned = dash.origin == Origin::Provisioned;
    let meta = json!({
        "type": "db",
        "canSave": can_write,
        "canEdit": can_write,
        "canAdmin": can_write,
        "canStar": can_write,
        "canDelete": can_write,
        "slug": dash.slug(),
        "url": dash.url(),
        "version": dash.version,
        "hasAcl": false,
        "isFolder": false,
        "folderId": folder.map_or(0, |f| f.id),
        "folderUid": folder.map(|f| f.uid.clone()).unwrap_or_default(),
        "folderTitle": folder.map_or_else(|| "General".to_owned(), |f| f.title.clone()),
        "folderUrl": folder.map(|f| f.url()).unwrap_or_default(),
        "provisioned": provisioned,
        "provisionedExternalId": if provisioned { format!("{uid}.json") } else { String::new() },
    });
    Ok(Json(json!({ "dashboard": dash.json, "meta": meta })))
}

pub(super) async fn delete(
    State(shared): State<SharedState>,
    Path(uid): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let mut store = lock(&shared.store);
    let index = store.dashboard_position(&uid).ok_or_else(not_found)?;
    if store.dashboards[index].origin == Origin::Provisioned {
        return Err(ApiError::message(
            400,
            "provisioned dashboard cannot be deleted",
        ));
    }
    let removed = store.dashboards.remove(index);
    let title = removed.title().to_owned();
    Ok(Json(json!({
        "title": title,
        "message": format!("Dashboard {title} deleted"),
        "id": removed.id,
    })))
}
