//! The outcome of a sync, one entry per datasource, folder and dashboard: printed as a table on
//! a terminal or as JSON for machines.

use std::fmt::Write as _;

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Datasource,
    Folder,
    Dashboard,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Created,
    Updated,
    Unchanged,
    Skipped,
    Failed,
    Deleted,
}

impl Action {
    fn label(self, dry_run: bool) -> &'static str {
        match (self, dry_run) {
            (Action::Created, false) => "created",
            (Action::Created, true) => "would create",
            (Action::Updated, false) => "updated",
            (Action::Updated, true) => "would update",
            (Action::Deleted, false) => "deleted",
            (Action::Deleted, true) => "would delete",
            (Action::Unchanged, _) => "unchanged",
            (Action::Skipped, _) => "skipped",
            (Action::Failed, _) => "FAILED",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub kind: Kind,
    pub uid: String,
    pub title: String,
    pub action: Action,
    /// Where a dashboard came from ("dashboards/x.json", "grafana.com 1860 r42").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// Why it was skipped or failed, or what changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Unified diff Grafana → kiosk, in dry runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
}

impl Entry {
    pub fn new(kind: Kind, uid: &str, title: &str, action: Action) -> Entry {
        Entry {
            kind,
            uid: uid.to_owned(),
            title: title.to_owned(),
            action,
            origin: None,
            detail: None,
            diff: None,
        }
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Entry {
        self.detail = Some(detail.into());
        self
    }

    /// One line for a terminal.
    pub fn line(&self, dry_run: bool) -> String {
        let kind = match self.kind {
            Kind::Datasource => "datasource",
            Kind::Folder => "folder",
            Kind::Dashboard => "dashboard",
        };
        let mut line = format!(
            "{kind:<10}  {:<24}  {:<12}  {}",
            self.uid,
            self.action.label(dry_run),
            self.title
        );
        if let Some(detail) = &self.detail {
            let _ = write!(line, " — {detail}");
        }
        line
    }
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Counts {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub skipped: usize,
    pub failed: usize,
    pub deleted: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub grafana: String,
    pub grafana_version: Option<String>,
    pub dry_run: bool,
    pub entries: Vec<Entry>,
    /// Dashboards only.
    pub counts: Counts,
}

impl Report {
    pub fn new(grafana: String, grafana_version: Option<String>, dry_run: bool) -> Report {
        Report {
            grafana,
            grafana_version,
            dry_run,
            entries: Vec::new(),
            counts: Counts::default(),
        }
    }

    pub fn push(&mut self, entry: Entry) {
        if entry.kind == Kind::Dashboard {
            let c = &mut self.counts;
            *match entry.action {
                Action::Created => &mut c.created,
                Action::Updated => &mut c.updated,
                Action::Unchanged => &mut c.unchanged,
                Action::Skipped => &mut c.skipped,
                Action::Failed => &mut c.failed,
                Action::Deleted => &mut c.deleted,
            } += 1;
        }
        self.entries.push(entry);
    }

    /// Whether any entry failed: the sync did not reach the desired state.
    pub fn has_failures(&self) -> bool {
        self.entries.iter().any(|e| e.action == Action::Failed)
    }

    /// The summary line under the table.
    pub fn summary(&self) -> String {
        let c = &self.counts;
        let listed = c.created + c.updated + c.unchanged + c.skipped + c.failed;
        let (created, updated, pruned, prefix) = if self.dry_run {
            (
                "to create",
                "to update",
                "to prune",
                "dry run, nothing written: ",
            )
        } else {
            ("created", "updated", "pruned", "")
        };
        let mut s = format!(
            "{prefix}{listed} dashboards: {} {created}, {} {updated}, {} unchanged, {} skipped, {} failed",
            c.created, c.updated, c.unchanged, c.skipped, c.failed
        );
        if c.deleted > 0 {
            let _ = write!(s, "; {} {pruned}", c.deleted);
        }
        s
    }

    /// The whole report for a terminal: a header, one line per entry (diffs under them in dry
    /// runs) and the summary.
    pub fn render(&self) -> String {
        let mut out = format!(
            "Grafana {} ({})\n",
            self.grafana,
            self.grafana_version.as_deref().unwrap_or("version hidden")
        );
        for entry in &self.entries {
            let _ = writeln!(out, "  {}", entry.line(self.dry_run));
            if let Some(diff) = &entry.diff {
                for line in diff.lines() {
                    let _ = writeln!(out, "      {line}");
                }
            }
        }
        out.push_str(&self.summary());
        out.push('\n');
        out
    }
}
