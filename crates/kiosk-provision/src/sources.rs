//! Where dashboards come from: our own `*.json` files in the dashboards directory, and the
//! grafana.com revisions pinned in `vendor.toml` whose sha256 is recorded in `vendor.lock`.
//! Everything is read, verified and normalized before kiosk talks to Grafana, so bad input stops
//! the sync with nothing half-written.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use grafana_client::Catalog;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::normalize::{self, NormalizeError, Target};
use crate::{Error, MANAGED_TAG};

pub const MANIFEST_FILE: &str = "vendor.toml";
pub const LOCK_FILE: &str = "vendor.lock";

/// `vendor.toml`: the grafana.com dashboards to provision, each pinned to a revision.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Extra folders by uid → title; the configured `provision.folder_uid` needs no entry.
    #[serde(default)]
    pub folders: BTreeMap<String, String>,
    #[serde(default, rename = "dashboard")]
    pub dashboards: Vec<VendorEntry>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VendorEntry {
    /// grafana.com dashboard id (e.g. 1860).
    pub id: u64,
    pub revision: u32,
    /// The uid kiosk stores it under; vendor uids are replaced so a copy a user imported by hand
    /// is never overwritten.
    pub uid: String,
    /// Folder uid; defaults to `provision.folder_uid`.
    #[serde(default)]
    pub folder_uid: Option<String>,
    /// Why this revision is pinned (documentation only).
    #[serde(default)]
    pub note: Option<String>,
}

/// `vendor.lock`: what each pinned revision hashed to when it was first downloaded.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lock {
    #[serde(default, rename = "dashboard")]
    pub dashboards: Vec<LockEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockEntry {
    pub id: u64,
    pub revision: u32,
    pub sha256: String,
}

impl Lock {
    fn find(&self, id: u64, revision: u32) -> Option<&LockEntry> {
        self.dashboards
            .iter()
            .find(|e| e.id == id && e.revision == revision)
    }
}

/// Where the sources live and where downloads are cached.
#[derive(Debug, Clone)]
pub struct Layout {
    pub dashboards_dir: PathBuf,
    /// `<cache dir>/grafana.com`: downloaded revisions, so a synced appliance never needs the
    /// internet again.
    pub vendor_cache: PathBuf,
}

impl Layout {
    pub fn new(dashboards_dir: &Path, cache_dir: &Path) -> Layout {
        Layout {
            dashboards_dir: dashboards_dir.to_owned(),
            vendor_cache: cache_dir.join("grafana.com"),
        }
    }

    pub fn manifest_path(&self) -> PathBuf {
        self.dashboards_dir.join(MANIFEST_FILE)
    }

    pub fn lock_path(&self) -> PathBuf {
        self.dashboards_dir.join(LOCK_FILE)
    }

    fn cached(&self, id: u64, revision: u32) -> PathBuf {
        self.vendor_cache.join(format!("{id}-r{revision}.json"))
    }
}

/// How the managed dashboards are addressed in Grafana.
#[derive(Debug, Clone)]
pub struct Managed<'a> {
    pub datasource_uid: &'a str,
    pub datasource_name: &'a str,
    pub default_folder_uid: &'a str,
}

/// A dashboard ready to be compared with Grafana: normalized, with its provenance attached.
#[derive(Debug, Clone)]
pub struct Desired {
    pub uid: String,
    pub title: String,
    pub folder_uid: String,
    /// "fleet-overview.json" or "grafana.com 1860 r42": stored in the provenance field and shown
    /// in reports.
    pub origin: String,
    /// Exactly what kiosk stores: the normalized dashboard plus a `kiosk` provenance field whose
    /// `sha256` covers everything else, so an edit made in Grafana shows as a hash mismatch.
    pub dashboard: Value,
}

/// All dashboards to provision, in order: ours (by file name), then the vendor set (manifest
/// order), plus the extra folders the manifest declares.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    pub dashboards: Vec<Desired>,
    pub folders: BTreeMap<String, String>,
}

/// Reads, verifies and normalizes every source. Vendor revisions come from the cache, or are
/// downloaded (and cached) when missing; either way their sha256 must match the lock.
pub async fn load(
    layout: &Layout,
    managed: &Managed<'_>,
    catalog: &Catalog,
) -> Result<Sources, Error> {
    let mut sources = Sources::default();
    for path in dashboard_files(&layout.dashboards_dir)? {
        let raw = read_json(&path)?;
        let uid = match raw["uid"].as_str() {
            Some(uid) if !uid.is_empty() => uid.to_owned(),
            // Ours may omit the uid; the file name is stable, so derive it from that.
            _ => stem(&path),
        };
        // The file name, not the path: the same file synced from a checkout on a laptop and
        // from /usr/share/kiosk on the Pi must store identical content, or each would rewrite
        // what the other wrote.
        let origin = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let desired = prepare(raw, &uid, managed.default_folder_uid, origin, managed)?;
        sources.dashboards.push(desired);
    }

    let manifest = read_manifest(layout)?;
    let lock = read_lock(layout)?;
    sources.folders = manifest.folders.clone();
    for entry in &manifest.dashboards {
        let folder_uid = entry
            .folder_uid
            .as_deref()
            .unwrap_or(managed.default_folder_uid);
        if folder_uid != managed.default_folder_uid && !manifest.folders.contains_key(folder_uid) {
            return Err(Error::Manifest {
                path: layout.manifest_path(),
                message: format!(
                    "dashboard {} uses folder_uid {folder_uid:?}, which is not declared under [folders]",
                    entry.id
                ),
            });
        }
        let bytes = vendor_bytes(layout, &lock, entry, catalog).await?;
        let origin = format!("grafana.com {} r{}", entry.id, entry.revision);
        let raw: Value = serde_json::from_slice(&bytes).map_err(|e| Error::Json {
            path: layout.cached(entry.id, entry.revision),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        let desired = prepare(raw, &entry.uid, folder_uid, origin, managed)?;
        sources.dashboards.push(desired);
    }

    let mut seen = BTreeMap::new();
    for d in &sources.dashboards {
        if let Some(first) = seen.insert(d.uid.clone(), d.origin.clone()) {
            return Err(Error::DuplicateUid {
                uid: d.uid.clone(),
                first,
                second: d.origin.clone(),
            });
        }
    }
    Ok(sources)
}

/// Downloads every pinned revision again and rewrites `vendor.lock`; a revision whose bytes
/// differ from what the lock recorded is an error (grafana.com revisions are immutable, so that
/// means tampering or a broken cache), never a silent update. Returns the new lock.
pub async fn relock(layout: &Layout, catalog: &Catalog) -> Result<Lock, Error> {
    let manifest = read_manifest(layout)?;
    let old = read_lock(layout)?;
    let mut lock = Lock::default();
    for entry in &manifest.dashboards {
        let bytes = download(catalog, entry).await?;
        let sha256 = sha256_hex(&bytes);
        if let Some(recorded) = old.find(entry.id, entry.revision)
            && recorded.sha256 != sha256
        {
            return Err(hash_mismatch(
                layout,
                entry,
                &recorded.sha256,
                &sha256,
                "grafana.com",
            ));
        }
        write_atomic(&layout.cached(entry.id, entry.revision), &bytes)?;
        lock.dashboards.push(LockEntry {
            id: entry.id,
            revision: entry.revision,
            sha256,
        });
    }
    let text = format!(
        "# Written by `kiosk vendor lock`: the sha256 of each pinned grafana.com revision as\n\
         # downloaded. `kiosk sync-dashboards` refuses a revision whose bytes differ.\n\n{}",
        toml::to_string(&lock).expect("the lock always serializes")
    );
    write_atomic(&layout.lock_path(), text.as_bytes())?;
    Ok(lock)
}

/// Normalizes a source and attaches the provenance field.
fn prepare(
    raw: Value,
    uid: &str,
    folder_uid: &str,
    origin: String,
    managed: &Managed<'_>,
) -> Result<Desired, Error> {
    let target = Target {
        datasource_uid: managed.datasource_uid,
        datasource_name: managed.datasource_name,
        uid,
        managed_tag: MANAGED_TAG,
    };
    let normalize_error = |source: NormalizeError| Error::Normalize {
        origin: origin.clone(),
        source,
    };
    if !is_valid_uid(uid) {
        return Err(Error::BadUid {
            origin,
            uid: uid.to_owned(),
        });
    }
    let mut dashboard = normalize::normalize(raw, &target).map_err(normalize_error)?;
    let title = dashboard["title"].as_str().unwrap_or_default().to_owned();
    crate::provenance::attach(&mut dashboard, &origin);
    Ok(Desired {
        uid: uid.to_owned(),
        title,
        folder_uid: folder_uid.to_owned(),
        origin,
        dashboard,
    })
}

/// Grafana's uid rule: `^[a-zA-Z0-9_-]*$`, at most 40 characters (kiosk also wants one).
pub fn is_valid_uid(uid: &str) -> bool {
    !uid.is_empty()
        && uid.len() <= 40
        && uid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

async fn vendor_bytes(
    layout: &Layout,
    lock: &Lock,
    entry: &VendorEntry,
    catalog: &Catalog,
) -> Result<Vec<u8>, Error> {
    let Some(locked) = lock.find(entry.id, entry.revision) else {
        return Err(Error::NotLocked {
            id: entry.id,
            revision: entry.revision,
            uid: entry.uid.clone(),
            lock: layout.lock_path(),
        });
    };
    let cached = layout.cached(entry.id, entry.revision);
    let (bytes, from) = match std::fs::read(&cached) {
        Ok(bytes) => (bytes, cached.display().to_string()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let bytes = download(catalog, entry).await?;
            (
                bytes,
                catalog.download_url(entry.id, entry.revision).to_string(),
            )
        }
        Err(source) => {
            return Err(Error::Io {
                path: cached,
                source,
            });
        }
    };
    let actual = sha256_hex(&bytes);
    if actual != locked.sha256 {
        return Err(hash_mismatch(layout, entry, &locked.sha256, &actual, &from));
    }
    if !cached.exists() {
        write_atomic(&cached, &bytes)?;
    }
    Ok(bytes)
}

async fn download(catalog: &Catalog, entry: &VendorEntry) -> Result<Vec<u8>, Error> {
    catalog
        .download(entry.id, entry.revision)
        .await
        .map_err(|source| Error::Download {
            id: entry.id,
            revision: entry.revision,
            uid: entry.uid.clone(),
            source,
        })
}

fn hash_mismatch(
    layout: &Layout,
    entry: &VendorEntry,
    expected: &str,
    actual: &str,
    from: &str,
) -> Error {
    Error::HashMismatch {
        id: entry.id,
        revision: entry.revision,
        uid: entry.uid.clone(),
        lock: layout.lock_path(),
        expected: expected.to_owned(),
        actual: actual.to_owned(),
        from: from.to_owned(),
    }
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// `*.json` directly in the dashboards directory, sorted so the order is stable.
fn dashboard_files(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let entries = std::fs::read_dir(dir).map_err(|source| Error::Io {
        path: dir.to_owned(),
        source,
    })?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|source| Error::Io {
                path: dir.to_owned(),
                source,
            })?
            .path();
        if path.extension().is_some_and(|e| e == "json") && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

fn read_json(path: &Path) -> Result<Value, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|e| Error::Json {
        path: path.to_owned(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })
}

fn read_manifest(layout: &Layout) -> Result<Manifest, Error> {
    read_toml_or_default(&layout.manifest_path())
}

fn read_lock(layout: &Layout) -> Result<Lock, Error> {
    read_toml_or_default(&layout.lock_path())
}

/// An absent manifest or lock means "no vendor dashboards yet".
fn read_toml_or_default<T: serde::de::DeserializeOwned + Default>(path: &Path) -> Result<T, Error> {
    match std::fs::read_to_string(path) {
        Ok(text) => kiosk_config::parse_toml(path, &text).map_err(Error::Toml),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(T::default()),
        Err(source) => Err(Error::Io {
            path: path.to_owned(),
            source,
        }),
    }
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Write to a temporary file in the same directory, then rename: a crash never leaves a
/// half-written lock or cache entry.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let io = |source| Error::Io {
        path: path.to_owned(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io)?;
    let tmp = dir.join(format!(
        ".{}.tmp",
        path.file_name().unwrap_or_default().to_string_lossy()
    ));
    std::fs::write(&tmp, bytes).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}
