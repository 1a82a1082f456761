//! `GET /api/search`: dashboards and folders filtered by type, tags (ANDed), folder, uid and title
//! substring, sorted by title and paged like Grafana's legacy search.

use axum::Json;
use axum::extract::{RawQuery, State};
use serde_json::{Map, Value, json};

use super::{ApiError, QueryParams};
use crate::grafana_sim::state::{Folder, Store, slugify};
use crate::grafana_sim::{SharedState, lock};

const DEFAULT_LIMIT: i64 = 1000;
const MAX_LIMIT: i64 = 5000;

/// The folder key Grafana uses for the root in `folderUIDs`.
const GENERAL: &str = "general";

pub(super) async fn search(
    State(shared): State<SharedState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let params = QueryParams::parse(raw.as_deref());
    let limit = params.int("limit");
    if limit > MAX_LIMIT {
        return Err(ApiError::message(
            422,
            "Limit is above maximum allowed (5000), use page parameter to access hits beyond limit",
        ));
    }
    let limit = if limit <= 0 { DEFAULT_LIMIT } else { limit };
    let page = params.int("page").max(1);

    let filter = Filter {
        kind: params.first("type").unwrap_or_default().to_owned(),
        query: params.first("query").unwrap_or_default().to_lowercase(),
        tags: params
            .all("tag")
            .into_iter()
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect(),
        // Accepts both `folderUIDs=a,b` and `folderUIDs=a&folderUIDs=b`.
        folders: params
            .all("folderUIDs")
            .into_iter()
            .flat_map(|v| v.split(','))
            .map(str::to_owned)
            .collect(),
        uids: params
            .all("dashboardUIDs")
            .into_iter()
            .flat_map(|v| v.split(','))
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect(),
    };

    let store = lock(&shared.store);
    let mut hits: Vec<Hit> = Vec::new();
    if filter.kind != "dash-db" {
        hits.extend(
            store
                .folders
                .iter()
                .filter(|f| filter.accepts(&f.uid, &f.title, &[], f.parent_uid.as_deref()))
                .map(|f| Hit {
                    title: f.title.clone(),
                    uid: f.uid.clone(),
                    json: folder_hit(&store, f),
                }),
        );
    }
    if filter.kind != "dash-folder" {
        hits.extend(
            store
                .dashboards
                .iter()
                .filter(|d| filter.accepts(&d.uid, d.title(), &d.tags(), d.folder_uid.as_deref()))
                .map(|d| {
                    let mut hit = json!({
                        "id": d.id,
                        "uid": d.uid,
                        "orgId": 1,
                        "title": d.title(),
                        "uri": format!("db/{}", d.slug()),
                        "url": d.url(),
                        "slug": "",
                        "type": "dash-db",
                        "tags": d.tags(),
                        "isStarred": false,
                        "sortMeta": 0,
                    });
                    add_folder_fields(&store, &mut hit, d.folder_uid.as_deref());
                    Hit {
                        title: d.title().to_owned(),
                        uid: d.uid.clone(),
                        json: hit,
                    }
                }),
        );
    }
    hits.sort_by(|a, b| {
        a.title
            .to_lowercase()
            .cmp(&b.title.to_lowercase())
            .then_with(|| a.title.cmp(&b.title))
            .then_with(|| a.uid.cmp(&b.uid))
    });
    let skip = usize::try_from((page - 1).saturating_mul(limit)).unwrap_or(usize::MAX);
    let take = usize::try_from(limit).unwrap_or(usize::MAX);
    Ok(Json(Value::Array(
        hits.into_iter()
            .skip(skip)
            .take(take)
            .map(|h| h.json)
            .collect(),
    )))
}

struct Hit {
    title: String,
    uid: String,
    json: Value,
}

struct Filter {
    kind: String,
    query: String,
    tags: Vec<String>,
    folders: Vec<String>,
    uids: Vec<String>,
}

impl Filter {
    fn accepts(&self, uid: &str, title: &str, tags: &[String], folder: Option<&str>) -> bool {
        let in_folder = || {
            let folder = folder.unwrap_or(GENERAL);
            self.folders
                .iter()
                .any(|f| f == folder || (f.is_empty() && folder == GENERAL))
        };
        (self.query.is_empty() || title.to_lowercase().contains(&self.query))
            && self.tags.iter().all(|t| tags.contains(t))
            && (self.folders.is_empty() || in_folder())
            && (self.uids.is_empty() || self.uids.iter().any(|u| u == uid))
    }
}

fn folder_hit(store: &Store, folder: &Folder) -> Value {
    let mut hit = json!({
        "id": folder.id,
        "uid": folder.uid,
        "orgId": 1,
        "title": folder.title,
        "uri": format!("db/{}", slugify(&folder.title)),
        "url": folder.url(),
        "slug": "",
        "type": "dash-folder",
        "tags": [],
        "isStarred": false,
        "sortMeta": 0,
    });
    add_folder_fields(store, &mut hit, folder.parent_uid.as_deref());
    hit
}

/// Grafana omits the folder fields for hits at the root.
fn add_folder_fields(store: &Store, hit: &mut Value, folder_uid: Option<&str>) {
    let (Some(folder), Value::Object(map)) = (folder_uid.and_then(|uid| store.folder(uid)), hit)
    else {
        return;
    };
    let fields: Map<String, Value> = [
        ("folderId", json!(folder.id)),
        ("folderUid", json!(folder.uid)),
        ("folderTitle", json!(folder.title)),
        ("folderUrl", json!(folder.url())),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    map.extend(fields);
}
