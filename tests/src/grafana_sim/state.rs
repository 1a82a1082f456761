//! The simulator's database for its single org (id 1): dashboards, folders and datasources, with
//! Grafana's id and uid allocation.

use serde::Serialize;
use serde_json::{Map, Value, json};

/// Plugin id reported for dashboards seeded with [`Origin::Plugin`].
pub(crate) const PLUGIN_ID: &str = "sim-app";

/// Who owns a stored dashboard, which decides what the HTTP API lets a client do with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Saved through the HTTP API (or seeded as such): fully editable.
    Api,
    /// Owned by a file provisioner: saves and deletes through the API get 400.
    Provisioned,
    /// Converted to schema v2 in the UI (Grafana 12+): `GET /api/dashboards/uid/:uid` gets 406.
    SchemaV2,
    /// Installed by an app plugin: saves without `overwrite` get 412 `plugin-dashboard`.
    Plugin,
}

/// A dashboard as the simulator stores it.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredDashboard {
    pub id: i64,
    pub uid: String,
    /// The JSON as saved, with `id`, `uid` and `version` set by the server.
    pub json: Value,
    pub version: i64,
    pub folder_uid: Option<String>,
    pub origin: Origin,
}

impl StoredDashboard {
    pub fn title(&self) -> &str {
        self.json
            .get("title")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    pub fn tags(&self) -> Vec<String> {
        self.json
            .get("tags")
            .and_then(Value::as_array)
            .map(|tags| {
                tags.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn slug(&self) -> String {
        slugify(self.title())
    }

    pub fn url(&self) -> String {
        format!("/d/{}/{}", self.uid, self.slug())
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Folder {
    pub id: i64,
    pub uid: String,
    pub title: String,
    pub parent_uid: Option<String>,
    pub version: i64,
}

impl Folder {
    pub fn url(&self) -> String {
        format!("/dashboards/f/{}/{}", self.uid, slugify(&self.title))
    }
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Datasource {
    pub id: i64,
    pub uid: String,
    pub org_id: i64,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub access: String,
    pub url: String,
    pub user: String,
    pub database: String,
    pub basic_auth: bool,
    pub basic_auth_user: String,
    pub with_credentials: bool,
    pub is_default: bool,
    pub json_data: Value,
    /// Names of the secrets set; the values themselves are never kept, as in Grafana.
    pub secure_json_fields: Map<String, Value>,
    pub version: i64,
    pub read_only: bool,
}

impl Datasource {
    /// The full form returned by `GET /api/datasources/uid/:uid` and by writes.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// The shorter form of `GET /api/datasources`.
    pub fn to_list_json(&self) -> Value {
        json!({
            "id": self.id,
            "uid": self.uid,
            "orgId": self.org_id,
            "name": self.name,
            "type": self.kind,
            "typeName": type_name(&self.kind),
            "typeLogoUrl": format!("public/app/plugins/datasource/{0}/img/{0}_logo.svg", self.kind),
            "access": self.access,
            "url": self.url,
            "user": self.user,
            "database": self.database,
            "basicAuth": self.basic_auth,
            "isDefault": self.is_default,
            "jsonData": self.json_data,
            "readOnly": self.read_only,
        })
    }
}

fn type_name(kind: &str) -> String {
    let mut chars = kind.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[derive(Default)]
pub(crate) struct Store {
    /// Folders live in Grafana's dashboard table, so they share one id sequence with dashboards.
    last_dashboard_id: i64,
    last_datasource_id: i64,
    uid_sequence: u64,
    pub dashboards: Vec<StoredDashboard>,
    pub folders: Vec<Folder>,
    pub datasources: Vec<Datasource>,
    /// Kept as Grafana's legacy playlist JSON (`uid`, `name`, `interval`, `items`).
    pub playlists: Vec<serde_json::Value>,
}

impl Store {
    pub fn next_dashboard_id(&mut self) -> i64 {
        self.last_dashboard_id += 1;
        self.last_dashboard_id
    }

    pub fn next_datasource_id(&mut self) -> i64 {
        self.last_datasource_id += 1;
        self.last_datasource_id
    }

    pub fn dashboard(&self, uid: &str) -> Option<&StoredDashboard> {
        self.dashboards.iter().find(|d| d.uid == uid)
    }

    pub fn dashboard_position(&self, uid: &str) -> Option<usize> {
        self.dashboards.iter().position(|d| d.uid == uid)
    }

    pub fn dashboard_position_by_id(&self, id: i64) -> Option<usize> {
        self.dashboards.iter().position(|d| d.id == id)
    }

    pub fn folder(&self, uid: &str) -> Option<&Folder> {
        self.folders.iter().find(|f| f.uid == uid)
    }

    pub fn folder_by_id(&self, id: i64) -> Option<&Folder> {
        self.folders.iter().find(|f| f.id == id)
    }

    /// Ancestors of a folder, root first.
    pub fn folder_parents(&self, folder: &Folder) -> Vec<&Folder> {
        let mut parents = Vec::new();
        let mut next = folder.parent_uid.as_deref();
        // Bounded by the folder count so a corrupt seed cannot loop forever.
        while let Some(uid) = next.filter(|_| parents.len() < self.folders.len()) {
            let Some(parent) = self.folder(uid) else {
                break;
            };
            parents.push(parent);
            next = parent.parent_uid.as_deref();
        }
        parents.reverse();
        parents
    }

    pub fn datasource(&self, uid: &str) -> Option<&Datasource> {
        self.datasources.iter().find(|d| d.uid == uid)
    }

    /// Dashboards and folders share one uid namespace in Grafana.
    pub fn uid_taken(&self, uid: &str) -> bool {
        self.dashboard(uid).is_some() || self.folder(uid).is_some()
    }

    /// A deterministic, Grafana-looking short uid (14 chars, starts with a letter), unused by
    /// any dashboard, folder or datasource.
    pub fn generate_uid(&mut self) -> String {
        loop {
            self.uid_sequence += 1;
            let seq = self.uid_sequence;
            let mut bits = (u128::from(mix(seq)) << 64) | u128::from(mix(!seq));
            let mut uid = String::with_capacity(14);
            uid.push(char::from(b'a' + (bits % 26) as u8));
            bits /= 26;
            for _ in 0..13 {
                uid.push(char::from(BASE36[(bits % 36) as usize]));
                bits /= 36;
            }
            if !self.uid_taken(&uid) && self.datasource(&uid).is_none() {
                return uid;
            }
        }
    }

    pub fn create_folder(
        &mut self,
        uid: String,
        title: String,
        parent_uid: Option<String>,
    ) -> &Folder {
        let id = self.next_dashboard_id();
        self.folders.push(Folder {
            id,
            uid,
            title,
            parent_uid,
            version: 1,
        });
        let last = self.folders.len() - 1;
        &self.folders[last]
    }

    /// Puts a dashboard in place as if Grafana already had it, creating its folder when missing
    /// (titled after its uid) so seeds need no ceremony.
    pub fn seed_dashboard(&mut self, dashboard: Value, folder_uid: Option<&str>, origin: Origin) {
        let Value::Object(mut json) = dashboard else {
            panic!("seed_dashboard needs a JSON object, got {dashboard}");
        };
        if let Some(folder_uid) = folder_uid
            && self.folder(folder_uid).is_none()
        {
            self.create_folder(folder_uid.to_owned(), folder_uid.to_owned(), None);
        }
        let uid = match json.get("uid").and_then(Value::as_str) {
            Some(uid) if !uid.is_empty() => uid.to_owned(),
            _ => self.generate_uid(),
        };
        let version = json
            .get("version")
            .and_then(Value::as_i64)
            .filter(|v| *v > 0)
            .unwrap_or(1);
        let position = self.dashboard_position(&uid);
        let id = match position {
            Some(index) => self.dashboards[index].id,
            None => self.next_dashboard_id(),
        };
        json.insert("id".into(), id.into());
        json.insert("uid".into(), uid.clone().into());
        json.insert("version".into(), version.into());
        let stored = StoredDashboard {
            id,
            uid,
            json: Value::Object(json),
            version,
            folder_uid: folder_uid.map(str::to_owned),
            origin,
        };
        match position {
            Some(index) => self.dashboards[index] = stored,
            None => self.dashboards.push(stored),
        }
    }
}

const BASE36: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// splitmix64: spreads sequence numbers so generated uids do not look sequential.
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Grafana's uid rule: `^[a-zA-Z0-9_-]*$`.
pub(crate) fn uid_is_valid(uid: &str) -> bool {
    uid.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub(crate) const MAX_UID_LEN: usize = 40;

/// Lower-case ASCII words joined by `-`, as in Grafana's dashboard URLs.
pub(crate) fn slugify(title: &str) -> String {
    let mut slug = String::with_capacity(title.len());
    for c in title.trim().chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    slug
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugify_matches_grafana_urls() {
        assert_eq!(slugify("Node Exporter Full"), "node-exporter-full");
        assert_eq!(slugify("  GPU / DCGM (NVIDIA)  "), "gpu-dcgm-nvidia");
    }

    #[test]
    fn generated_uids_are_valid_and_unique() {
        let mut store = Store::default();
        let uids: Vec<String> = (0..200).map(|_| store.generate_uid()).collect();
        for uid in &uids {
            assert_eq!(uid.len(), 14);
            assert!(uid_is_valid(uid));
            assert!(uid.as_bytes()[0].is_ascii_lowercase());
        }
        let mut unique = uids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), uids.len());
    }
}
