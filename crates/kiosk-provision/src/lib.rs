//! Dashboard provisioning for `kiosk sync-dashboards`: read and verify the sources, normalize
//! them for the managed Prometheus datasource, and bring Grafana to that state writing only what
//! differs.

pub mod normalize;
pub mod provenance;
mod provisioner;
pub mod report;
pub mod sources;
pub mod sync;

use std::path::PathBuf;

pub use provisioner::Provisioner;
pub use report::{Action, Entry, Kind, Report};
pub use sources::{Layout, Managed, Sources};
pub use sync::{DatasourceSpec, FolderSpec, Options};

/// Tag on every dashboard kiosk stores; `--prune` only ever considers dashboards carrying it.
pub const MANAGED_TAG: &str = "managed-by-kiosk";

/// Why a sync could not run at all (per-dashboard failures are in the [`Report`] instead).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}:{line}:{column}: invalid dashboard JSON: {message}", path.display())]
    Json {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },

    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error(transparent)]
    Toml(kiosk_config::ConfigError),

    #[error("{}: {message}", path.display())]
    Manifest { path: PathBuf, message: String },

    #[error("{origin}: {source}")]
    Normalize {
        origin: String,
        source: normalize::NormalizeError,
    },

    #[error("{origin}: invalid dashboard uid {uid:?}: use 1 to 40 letters, digits, '-' or '_'")]
    BadUid { origin: String, uid: String },

    #[error("dashboard uid {uid} is used twice: by {first} and by {second}")]
    DuplicateUid {
        uid: String,
        first: String,
        second: String,
    },

    #[error(
        "grafana.com dashboard {id} revision {revision} (uid {uid}) is not in {}; run `kiosk vendor lock` to download it and record its sha256",
        lock.display()
    )]
    NotLocked {
        id: u64,
        revision: u32,
        uid: String,
        lock: PathBuf,
    },

    #[error(
        "grafana.com dashboard {id} revision {revision} (uid {uid}): sha256 mismatch: {} records {expected} but {from} hashes to {actual}",
        lock.display()
    )]
    HashMismatch {
        id: u64,
        revision: u32,
        uid: String,
        lock: PathBuf,
        expected: String,
        actual: String,
        from: String,
    },

    #[error(
        "grafana.com dashboard {id} revision {revision} (uid {uid}) is not cached and cannot be downloaded: {source}"
    )]
    Download {
        id: u64,
        revision: u32,
        uid: String,
        source: grafana_client::Error,
    },

    #[error(transparent)]
    Grafana(#[from] grafana_client::Error),

    #[error(
        "datasource uid {uid} does not exist in Grafana and datasource.url is not set, so kiosk cannot create it"
    )]
    DatasourceMissing { uid: String },

    #[error(
        "a datasource named {name:?} already exists in Grafana with uid {existing}: set datasource.uid = {existing:?} to use it, or choose another datasource.name"
    )]
    DatasourceNameTaken { name: String, existing: String },

    #[error("datasource uid {uid} is a {kind} datasource in Grafana, not prometheus")]
    DatasourceNotPrometheus { uid: String, kind: String },

    #[error(
        "folder {title:?} already exists in Grafana with another uid than {uid}: set provision.folder_uid to its uid, or choose another provision.folder"
    )]
    FolderTitleTaken { uid: String, title: String },
}

impl Error {
    /// The documented exit code: 2 bad input (config, sources, lock), 3 auth, 4 Grafana or
    /// grafana.com unreachable, 1 Grafana refused something.
    pub fn exit_code(&self) -> u8 {
        use grafana_client::ErrorClass;
        match self {
            Error::Grafana(e) | Error::Download { source: e, .. } => match e.class() {
                ErrorClass::Auth => 3,
                ErrorClass::Unreachable => 4,
                ErrorClass::Refused => 1,
            },
            Error::Json { .. }
            | Error::Io { .. }
            | Error::Toml(_)
            | Error::Manifest { .. }
            | Error::Normalize { .. }
            | Error::BadUid { .. }
            | Error::DuplicateUid { .. }
            | Error::NotLocked { .. }
            | Error::HashMismatch { .. }
            | Error::DatasourceMissing { .. }
            | Error::DatasourceNameTaken { .. }
            | Error::DatasourceNotPrometheus { .. }
            | Error::FolderTitleTaken { .. } => 2,
        }
    }
}
