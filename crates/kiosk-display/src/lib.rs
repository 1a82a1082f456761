//! What the wallboard shows: the rotation [`Plan`] the gateway serves at `/__kiosk/api/plan`
//! and the shell rotates through (contract: docs/wallboard.md).

mod grafana;
mod resolve;
mod saved;

use serde::{Deserialize, Serialize};

pub use grafana::{ResolveError, resolve};
pub use resolve::{FIRST_PAGE, from_config, from_synced, page_url};
pub use saved::{load_saved, save};

/// The pages to rotate through, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// `config`, `playlist:<uid>` or `synced`.
    pub source: String,
    /// How long a tap-pause lasts before rotation resumes by itself.
    pub pause_resume_ms: u64,
    pub pages: Vec<Page>,
}

/// One page of the rotation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page {
    /// Unique within the plan (the dashboard uid, suffixed when a dashboard appears twice).
    pub id: String,
    pub title: String,
    /// Gateway-relative URL with Grafana's kiosk flags, time range and variables.
    pub url: String,
    pub dwell_ms: u64,
    /// When the page is shown; empty means always.
    #[serde(default)]
    pub windows: Vec<Window>,
}

/// A weekly time window: on `days` (1 = Monday … 7 = Sunday) from `from` to `to` ("HH:MM",
/// local time; `to` before `from` spans midnight).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub days: Vec<u8>,
    pub from: String,
    pub to: String,
}
