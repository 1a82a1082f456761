//! The request and response shapes of the endpoints kiosk uses. Dashboards stay
//! `serde_json::Value`: kiosk stores them verbatim, and Grafana does too.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `GET /api/health`. `version` is absent when Grafana runs with `hide_version`.
#[derive(Debug, Clone, Deserialize)]
pub struct Health {
    pub database: String,
    #[serde(default)]
    pub version: Option<String>,
}

/// `GET /api/dashboards/uid/:uid`.
#[derive(Debug, Clone, Deserialize)]
pub struct DashboardWithMeta {
    pub dashboard: Value,
    pub meta: DashboardMeta,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DashboardMeta {
    #[serde(default)]
    pub folder_uid: Option<String>,
    #[serde(default)]
    pub provisioned: bool,
    #[serde(default)]
    pub version: i64,
    #[serde(default)]
    pub url: String,
}

/// `POST /api/dashboards/db` body.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SaveDashboard {
    pub dashboard: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub folder_uid: Option<String>,
    pub overwrite: bool,
    pub message: String,
}

/// `POST /api/dashboards/db` answer.
#[derive(Debug, Clone, Deserialize)]
pub struct SaveResult {
    pub uid: String,
    pub version: i64,
    #[serde(default)]
    pub url: String,
}

/// One `GET /api/search` hit.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchHit {
    pub uid: String,
    pub title: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub folder_uid: Option<String>,
}

/// `GET /api/folders/:uid`.
#[derive(Debug, Clone, Deserialize)]
pub struct Folder {
    pub uid: String,
    pub title: String,
}

/// A datasource as sent to and read from `/api/datasources`; fields kiosk does not manage are
/// kept in `rest` so an update does not erase them.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Datasource {
    pub uid: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub access: String,
    #[serde(default)]
    pub json_data: serde_json::Map<String, Value>,
    #[serde(default)]
    pub read_only: bool,
    #[serde(flatten)]
    pub rest: serde_json::Map<String, Value>,
}

/// `GET /api/playlists/:uid` (the legacy API, still routed in Grafana 12+).
#[derive(Debug, Clone, Deserialize)]
pub struct Playlist {
    pub uid: String,
    pub name: String,
    /// Grafana duration syntax: `5m`, `30s`.
    pub interval: String,
    #[serde(default)]
    pub items: Vec<PlaylistItem>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PlaylistItem {
    /// `dashboard_by_uid` or `dashboard_by_tag` (older Grafana also had `dashboard_by_id`).
    #[serde(rename = "type")]
    pub kind: String,
    pub value: String,
}
