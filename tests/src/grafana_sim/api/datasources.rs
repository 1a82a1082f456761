//! Datasources: list, read by uid or name, add, update and delete, with Grafana's conflicts,
//! optimistic versioning and read-only (file-provisioned) protection.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{ApiError, parse_body};
use crate::grafana_sim::state::{Datasource, MAX_UID_LEN, Store, uid_is_valid};
use crate::grafana_sim::{SharedState, lock};

/// The body of add and update; Grafana ignores fields it does not know.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct DatasourceBody {
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub access: Option<String>,
    pub url: Option<String>,
    pub uid: Option<String>,
    pub user: Option<String>,
    pub database: Option<String>,
    pub basic_auth: Option<bool>,
    pub basic_auth_user: Option<String>,
    pub with_credentials: Option<bool>,
    pub is_default: Option<bool>,
    pub json_data: Option<Value>,
    pub secure_json_data: Option<Map<String, Value>>,
    pub version: Option<i64>,
    pub read_only: Option<bool>,
}

fn not_found() -> ApiError {
    ApiError::message(404, "Data source not found")
}

fn name_exists() -> ApiError {
    ApiError::message(409, "data source with the same name already exists")
}

fn uid_exists() -> ApiError {
    ApiError::message(409, "data source with the same uid already exists")
}

pub(super) async fn list(State(shared): State<SharedState>) -> Json<Value> {
    let store = lock(&shared.store);
    let mut list: Vec<&Datasource> = store.datasources.iter().collect();
    list.sort_by_key(|d| d.name.to_lowercase());
    Json(Value::Array(
        list.into_iter().map(Datasource::to_list_json).collect(),
    ))
}

pub(super) async fn get_by_uid(
    State(shared): State<SharedState>,
    Path(uid): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let store = lock(&shared.store);
    store
        .datasource(&uid)
        .map(|d| Json(d.to_json()))
        .ok_or_else(not_found)
}

pub(super) async fn get_by_name(
    State(shared): State<SharedState>,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let store = lock(&shared.store);
    store
        .datasources
        .iter()
        .find(|d| d.name == name)
        .map(|d| Json(d.to_json()))
        .ok_or_else(not_found)
}

pub(super) async fn create(
    State(shared): State<SharedState>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let body: DatasourceBody = parse_body(&body)?;
    let mut store = lock(&shared.store);
    let datasource = add(&mut store, body, false)?;
    Ok(Json(json!({
        "datasource": datasource.to_json(),
        "id": datasource.id,
        "message": "Datasource added",
        "name": datasource.name,
    })))
}

/// Adds a datasource; `read_only` is only reachable through seeding, as in Grafana where only
/// file provisioning makes one.
pub(crate) fn add(
    store: &mut Store,
    body: DatasourceBody,
    read_only: bool,
) -> Result<Datasource, ApiError> {
    let name = body.name.clone().unwrap_or_default();
    let kind = body.kind.clone().unwrap_or_default();
    if name.trim().is_empty() || kind.trim().is_empty() {
        return Err(ApiError::bad_request_data());
    }
    let uid = body.uid.clone().unwrap_or_default();
    check_uid(&uid)?;
    if store.datasources.iter().any(|d| d.name == name) {
        return Err(name_exists());
    }
    if !uid.is_empty() && store.datasource(&uid).is_some() {
        return Err(uid_exists());
    }
    let uid = if uid.is_empty() {
        store.generate_uid()
    } else {
        uid
    };
    let id = store.next_datasource_id();
    let mut datasource = Datasource {
        id,
        uid,
        org_id: 1,
        name,
        kind,
        access: "proxy".into(),
        url: String::new(),
        user: String::new(),
        database: String::new(),
        basic_auth: false,
        basic_auth_user: String::new(),
        with_credentials: false,
        is_default: false,
        json_data: json!({}),
        secure_json_fields: Map::new(),
        version: 1,
        read_only,
    };
    apply(&mut datasource, body);
    if datasource.is_default {
        clear_default(store);
    }
    store.datasources.push(datasource.clone());
    Ok(datasource)
}

pub(super) async fn update(
    State(shared): State<SharedState>,
    Path(uid): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let body: DatasourceBody = parse_body(&body)?;
    let mut store = lock(&shared.store);
    let index = store
        .datasources
        .iter()
        .position(|d| d.uid == uid)
        .ok_or_else(not_found)?;
    let current = &store.datasources[index];
    if current.read_only {
        return Err(ApiError::message(
            403,
            "Cannot update read-only data source",
        ));
    }
    let name = body.name.clone().unwrap_or_default();
    if name.trim().is_empty() || body.kind.as_deref().unwrap_or_default().trim().is_empty() {
        return Err(ApiError::bad_request_data());
    }
    // A version above the stored one is allowed so provisioning can force an update.
    if let Some(version) = body.version.filter(|v| *v != 0)
        && version < current.version
    {
        return Err(ApiError::message(
            409,
            "Datasource has already been updated by someone else. Please reload and try again",
        ));
    }
    let id = current.id;
    if store
        .datasources
        .iter()
        .any(|d| d.name == name && d.id != id)
    {
        return Err(name_exists());
    }
    if let Some(new_uid) = body.uid.as_deref().filter(|u| !u.is_empty() && *u != uid) {
        check_uid(new_uid)?;
        if store.datasource(new_uid).is_some() {
            return Err(uid_exists());
        }
    }
    let mut datasource = store.datasources[index].clone();
    apply(&mut datasource, body);
    datasource.version += 1;
    if datasource.is_default {
        clear_default(&mut store);
    }
    store.datasources[index] = datasource.clone();
    Ok(Json(json!({
        "datasource": datasource.to_json(),
        "id": datasource.id,
        "message": "Datasource updated",
        "name": datasource.name,
    })))
}

pub(super) async fn delete(
    State(shared): State<SharedState>,
    Path(uid): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let mut store = lock(&shared.store);
    let index = store
        .datasources
        .iter()
        .position(|d| d.uid == uid)
        .ok_or_else(not_found)?;
    if store.datasources[index].read_only {
        return Err(ApiError::message(
            403,
            "Cannot delete read-only data source",
        ));
    }
    let removed = store.datasources.remove(index);
    Ok(Json(
        json!({ "id": removed.id, "message": "Data source deleted" }),
    ))
}

fn check_uid(uid: &str) -> Result<(), ApiError> {
    if uid_is_valid(uid) && uid.len() <= MAX_UID_LEN {
        Ok(())
    } else {
        Err(ApiError::message(
            400,
            "Failed to add datasource: invalid uid",
        ))
    }
}

/// Only one default datasource per org: a new default demotes the old one.
fn clear_default(store: &mut Store) {
    for datasource in &mut store.datasources {
        datasource.is_default = false;
    }
}

/// Copies the sent fields over `datasource`; secrets only mark their name in `secureJsonFields`.
fn apply(datasource: &mut Datasource, body: DatasourceBody) {
    let DatasourceBody {
        name,
        kind,
        access,
        url,
        uid,
        user,
        database,
        basic_auth,
        basic_auth_user,
        with_credentials,
        is_default,
        json_data,
        secure_json_data,
        version: _,
        read_only: _,
    } = body;
    if let Some(name) = name {
        datasource.name = name;
    }
    if let Some(kind) = kind {
        datasource.kind = kind;
    }
    if let Some(access) = access.filter(|a| !a.is_empty()) {
        datasource.access = access;
    }
    if let Some(uid) = uid.filter(|u| !u.is_empty()) {
        datasource.uid = uid;
    }
    datasource.url = url.unwrap_or_default();
    datasource.user = user.unwrap_or_default();
    datasource.database = database.unwrap_or_default();
    datasource.basic_auth = basic_auth.unwrap_or(false);
    datasource.basic_auth_user = basic_auth_user.unwrap_or_default();
    datasource.with_credentials = with_credentials.unwrap_or(false);
    datasource.is_default = is_default.unwrap_or(false);
    datasource.json_data = json_data
        .filter(|j| !j.is_null())
        .unwrap_or_else(|| json!({}));
    for (key, _) in secure_json_data.unwrap_or_default() {
        datasource.secure_json_fields.insert(key, Value::Bool(true));
    }
}
