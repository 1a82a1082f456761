//! What can go wrong talking to Grafana, with Grafana's status codes turned into messages an
//! operator can act on.

use reqwest::StatusCode;

/// A failed Grafana request. Every variant names the endpoint (never a credential).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot reach Grafana at {url}: {reason}")]
    Unreachable { url: String, reason: String },

    #[error(
        "Grafana rejected the credentials (401) at {url}: {message}; the token may have been revoked or the password changed"
    )]
    Unauthorized { url: String, message: String },

    #[error(
        "permission denied (403) at {url}: {message}; the service account needs the Editor role (Admin to manage datasources)"
    )]
    Forbidden { url: String, message: String },

    #[error("not found (404) at {url}: {message}")]
    NotFound { url: String, message: String },

    #[error(
        "Grafana refuses the legacy API for {url} (406): the dashboard is stored in schema v2, probably converted in the UI; delete it there or sync with --force"
    )]
    StoredAsV2 { url: String },

    #[error("conflict (409) at {url}: {message}")]
    Conflict { url: String, message: String },

    #[error("{}", precondition_message(url, status, message))]
    PreconditionFailed {
        url: String,
        /// Grafana's `status` field: `version-mismatch`, `plugin-dashboard`, `name-exists`.
        status: String,
        message: String,
    },

    #[error("Grafana refused the request (400) at {url}: {message}")]
    BadRequest { url: String, message: String },

    #[error("Grafana failed ({status}) at {url}: {message}")]
    Server {
        url: String,
        status: u16,
        message: String,
    },

    #[error("unexpected answer from Grafana at {url}: {message}")]
    Protocol { url: String, message: String },

    #[error("grafana client setup: {0}")]
    Setup(String),
}

fn precondition_message(url: &str, status: &str, message: &str) -> String {
    match status {
        "version-mismatch" => format!(
            "the dashboard changed in Grafana while we were saving it (412 version-mismatch at {url}): someone edited it; use --force to overwrite"
        ),
        "plugin-dashboard" => format!(
            "the dashboard belongs to a plugin and cannot be overwritten (412 plugin-dashboard at {url})"
        ),
        "name-exists" => format!(
            "a dashboard with the same title already exists in the folder (412 name-exists at {url})"
        ),
        _ => format!("precondition failed (412 {status}) at {url}: {message}"),
    }
}

/// The coarse classes callers map to exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// 401/403: fix the credentials or the role.
    Auth,
    /// Connection refused, DNS, timeouts, or 5xx that outlived the retries.
    Unreachable,
    /// Anything else: a request Grafana understood and refused.
    Refused,
}

impl Error {
    pub fn class(&self) -> ErrorClass {
        match self {
            Error::Unauthorized { .. } | Error::Forbidden { .. } => ErrorClass::Auth,
            Error::Unreachable { .. } | Error::Server { .. } => ErrorClass::Unreachable,
            _ => ErrorClass::Refused,
        }
    }

    /// Whether a retry can help: the request may not have reached a healthy Grafana.
    pub(crate) fn is_transient(&self) -> bool {
        matches!(self, Error::Unreachable { .. } | Error::Server { .. })
    }

    /// Maps a non-success response to an error; `body` is Grafana's JSON error body, if any.
    pub(crate) fn from_status(url: String, status: StatusCode, body: &str) -> Error {
        let json: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
        let message = json["message"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| body.trim().chars().take(200).collect());
        match status.as_u16() {
            400 => Error::BadRequest { url, message },
            401 => Error::Unauthorized { url, message },
            403 => Error::Forbidden { url, message },
            404 => Error::NotFound { url, message },
            406 => Error::StoredAsV2 { url },
            409 => Error::Conflict { url, message },
            412 => Error::PreconditionFailed {
                url,
                status: json["status"].as_str().unwrap_or("").to_owned(),
                message,
            },
            s if s >= 500 => Error::Server {
                url,
                status: s,
                message,
            },
            s => Error::Protocol {
                url,
                message: format!("status {s}: {message}"),
            },
        }
    }
}
