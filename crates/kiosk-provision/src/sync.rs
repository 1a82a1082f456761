//! The sync pipeline: health → the managed Prometheus datasource → folders (before any
//! dashboard) → each dashboard (write only when its content differs, with optimistic
//! concurrency) → optional prune of managed dashboards no longer listed.

use std::collections::BTreeSet;
use std::time::Duration;

use grafana_client::{Client, Datasource, ErrorClass, SaveDashboard};
use serde_json::Value;

use crate::report::{Action, Entry, Kind, Report};
use crate::sources::{Desired, Sources};
use crate::{Error, MANAGED_TAG, provenance};

/// What the user asked for on the command line.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Read everything, write nothing, report the plan with diffs.
    pub dry_run: bool,
    /// Overwrite dashboards edited in Grafana (or owned by someone else) instead of reporting.
    pub force: bool,
    /// Delete managed dashboards that are no longer listed.
    pub prune: bool,
}

/// The managed Prometheus datasource as configured.
#[derive(Debug, Clone)]
pub struct DatasourceSpec {
    pub name: String,
    pub uid: String,
    /// `None`: it must already exist in Grafana; kiosk then only points dashboards at it.
    pub url: Option<String>,
    pub scrape_interval: Duration,
}

/// One folder kiosk needs.
#[derive(Debug, Clone)]
pub struct FolderSpec {
    pub uid: String,
    pub title: String,
}

/// Runs the pipeline. `on_entry` sees each entry as it is decided (for progress output).
/// Returns `Err` only when the sync cannot go on at all: Grafana unreachable, credentials
/// refused, or the datasource/folder cannot be ensured.
pub async fn sync(
    client: &Client,
    datasource: &DatasourceSpec,
    folders: &[FolderSpec],
    sources: &Sources,
    options: Options,
    on_entry: &mut dyn FnMut(&Entry),
) -> Result<Report, Error> {
    let health = client.health().await?;
    let mut report = Report::new(
        client.base_url().to_string(),
        health.version,
        options.dry_run,
    );
    let mut record = |report: &mut Report, entry: Entry| {
        on_entry(&entry);
        report.push(entry);
    };

    let entry = ensure_datasource(client, datasource, options).await?;
    record(&mut report, entry);
    for folder in folders {
        let entry = ensure_folder(client, folder, options).await?;
        record(&mut report, entry);
    }
    for desired in &sources.dashboards {
        let entry = sync_dashboard(client, desired, options).await?;
        record(&mut report, entry);
    }
    if options.prune {
        let listed: BTreeSet<&str> = sources.dashboards.iter().map(|d| d.uid.as_str()).collect();
        for hit in client.search_dashboards(&[MANAGED_TAG]).await? {
            if !listed.contains(hit.uid.as_str()) {
                let entry = prune(client, &hit.uid, &hit.title, options).await?;
                record(&mut report, entry);
            }
        }
    }
    Ok(report)
}

async fn ensure_datasource(
    client: &Client,
    spec: &DatasourceSpec,
    options: Options,
) -> Result<Entry, Error> {
    let interval = humantime_secs(spec.scrape_interval);
    let entry = |action| Entry::new(Kind::Datasource, &spec.uid, &spec.name, action);
    match client.datasource(&spec.uid).await? {
        Some(existing) => {
            if existing.kind != "prometheus" {
                return Err(Error::DatasourceNotPrometheus {
                    uid: spec.uid.clone(),
                    kind: existing.kind,
                });
            }
            let Some(url) = &spec.url else {
                return Ok(entry(Action::Unchanged).detail("used as it is (datasource.url unset)"));
            };
            let mut wanted = existing.clone();
            wanted.name = spec.name.clone();
            wanted.url = url.clone();
            wanted
                .json_data
                .insert("timeInterval".into(), Value::String(interval));
            if wanted == existing {
                Ok(entry(Action::Unchanged))
            } else if existing.read_only {
                Ok(entry(Action::Skipped).detail(
                    "provisioned from a file in Grafana (read-only); its settings differ from kiosk.toml",
                ))
            } else {
                if !options.dry_run {
                    client.update_datasource(&wanted).await?;
                }
                Ok(entry(Action::Updated))
            }
        }
        None => {
            let Some(url) = &spec.url else {
                return Err(Error::DatasourceMissing {
                    uid: spec.uid.clone(),
                });
            };
            if options.dry_run {
                return Ok(entry(Action::Created));
            }
            let new = Datasource {
                uid: spec.uid.clone(),
                name: spec.name.clone(),
                kind: "prometheus".into(),
                url: url.clone(),
                access: "proxy".into(),
                json_data: [("timeInterval".to_owned(), Value::String(interval))]
                    .into_iter()
                    .collect(),
                read_only: false,
                rest: Default::default(),
            };
            match client.create_datasource(&new).await {
                Ok(()) => Ok(entry(Action::Created)),
                Err(grafana_client::Error::Conflict { .. }) => {
                    // The uid is free (checked above), so the name is taken by another datasource.
                    let existing = client
                        .datasource_by_name(&spec.name)
                        .await?
                        .map(|d| d.uid)
                        .unwrap_or_else(|| "?".into());
                    Err(Error::DatasourceNameTaken {
                        name: spec.name.clone(),
                        existing,
                    })
                }
                Err(e) => Err(e.into()),
            }
        }
    }
}

async fn ensure_folder(
    client: &Client,
    spec: &FolderSpec,
    options: Options,
) -> Result<Entry, Error> {
    let entry = |action| Entry::new(Kind::Folder, &spec.uid, &spec.title, action);
    if client.folder(&spec.uid).await?.is_some() {
        return Ok(entry(Action::Unchanged));
    }
    if options.dry_run {
        return Ok(entry(Action::Created));
    }
    match client.create_folder(&spec.uid, &spec.title).await {
        Ok(_) => Ok(entry(Action::Created)),
        // Created meanwhile by someone else (fine), or the title is taken under another uid.
        Err(grafana_client::Error::Conflict { .. }) => match client.folder(&spec.uid).await? {
            Some(_) => Ok(entry(Action::Unchanged)),
            None => Err(Error::FolderTitleTaken {
                uid: spec.uid.clone(),
                title: spec.title.clone(),
            }),
        },
        Err(e) => Err(e.into()),
    }
}

/// Decides and applies one dashboard. Auth and connectivity errors abort the whole sync (every
/// other dashboard would fail the same way); anything else fails only this entry.
async fn sync_dashboard(
    client: &Client,
    desired: &Desired,
    options: Options,
) -> Result<Entry, Error> {
    let mut entry = Entry::new(
        Kind::Dashboard,
        &desired.uid,
        &desired.title,
        Action::Unchanged,
    );
    entry.origin = Some(desired.origin.clone());
    match decide_and_apply(client, desired, options, &mut entry).await {
        Ok(action) => entry.action = action,
        Err(e) if e.class() != ErrorClass::Refused => return Err(e.into()),
        Err(e) => {
            entry.action = Action::Failed;
            entry.detail = Some(e.to_string());
        }
    }
    Ok(entry)
}

async fn decide_and_apply(
    client: &Client,
    desired: &Desired,
    options: Options,
    entry: &mut Entry,
) -> Result<Action, grafana_client::Error> {
    let wanted = provenance::comparable(&desired.dashboard);
    let stored = match client.dashboard(&desired.uid).await {
        Ok(stored) => stored,
        // Stored in schema v2: the legacy API cannot read it; only --force replaces it.
        Err(e @ grafana_client::Error::StoredAsV2 { .. }) if !options.force => return Err(e),
        Err(grafana_client::Error::StoredAsV2 { .. }) => {
            entry.detail = Some("replacing a schema v2 dashboard (--force)".into());
            return save(client, desired, None, true, options, entry).await;
        }
        Err(e) => return Err(e),
    };
    let Some(stored) = stored else {
        return save(client, desired, None, false, options, entry).await;
    };
    if stored.meta.provisioned {
        entry.detail = Some(
            "provisioned from a file inside Grafana; the API cannot change it (remove it from Grafana's provisioning to let kiosk manage it)".into(),
        );
        return Ok(Action::Skipped);
    }
    let same_content = provenance::comparable(&stored.dashboard) == wanted;
    let same_folder = stored.meta.folder_uid.as_deref().unwrap_or("") == desired.folder_uid;
    if same_content && same_folder {
        return Ok(Action::Unchanged);
    }
    if !options.force && !provenance::is_untouched(&stored.dashboard) {
        let why = if stored.dashboard[provenance::FIELD].is_null() {
            "a dashboard with this uid exists in Grafana but kiosk did not write it"
        } else {
            "edited in Grafana since kiosk wrote it"
        };
        entry.detail = Some(format!(
            "conflict: {why} (version {}); kiosk left it alone — use --force to overwrite",
            stored.meta.version
        ));
        if options.dry_run {
            entry.diff = Some(diff(&stored.dashboard, &wanted));
        }
        return Ok(Action::Failed);
    }
    if !same_content && options.dry_run {
        entry.diff = Some(diff(&stored.dashboard, &wanted));
    } else if !same_content {
        entry.detail = Some(format!("was version {}", stored.meta.version));
    } else {
        entry.detail = Some(format!(
            "moved to folder {} from {}",
            desired.folder_uid,
            stored.meta.folder_uid.as_deref().unwrap_or("the root")
        ));
    }
    save(
        client,
        desired,
        Some(stored.meta.version),
        options.force,
        options,
        entry,
    )
    .await
}

/// Creates (`version` None) or updates the dashboard. A 412 version-mismatch means someone saved
/// it between our read and our write: if it now holds exactly what we want, fine; else a conflict.
async fn save(
    client: &Client,
    desired: &Desired,
    version: Option<i64>,
    overwrite: bool,
    options: Options,
    entry: &mut Entry,
) -> Result<Action, grafana_client::Error> {
    let action = if version.is_some() || overwrite {
        Action::Updated
    } else {
        Action::Created
    };
    if options.dry_run {
        if action == Action::Created {
            entry.diff = Some(diff(
                &Value::Null,
                &provenance::comparable(&desired.dashboard),
            ));
        }
        return Ok(action);
    }
    let mut dashboard = desired.dashboard.clone();
    dashboard["id"] = Value::Null;
    if let Some(version) = version {
        dashboard["version"] = version.into();
    }
    let request = SaveDashboard {
        dashboard,
        folder_uid: Some(desired.folder_uid.clone()),
        overwrite,
        message: format!("kiosk sync-dashboards from {}", desired.origin),
    };
    match client.save_dashboard(&request).await {
        Ok(_) => Ok(action),
        Err(e @ grafana_client::Error::PreconditionFailed { .. }) => {
            let now = client.dashboard(&desired.uid).await?;
            let converged = now.is_some_and(|now| {
                provenance::comparable(&now.dashboard) == provenance::comparable(&desired.dashboard)
            });
            if converged { Ok(action) } else { Err(e) }
        }
        Err(e) => Err(e),
    }
}

/// Deletes a managed dashboard that is no longer listed — only if it is untouched since kiosk
/// wrote it, so a copy or an edit made in Grafana is never lost.
async fn prune(client: &Client, uid: &str, title: &str, options: Options) -> Result<Entry, Error> {
    let entry = |action| Entry::new(Kind::Dashboard, uid, title, action);
    let Some(stored) = client.dashboard(uid).await? else {
        return Ok(entry(Action::Skipped).detail("disappeared before pruning"));
    };
    if stored.meta.provisioned {
        return Ok(
            entry(Action::Skipped).detail("provisioned from a file inside Grafana; not pruned")
        );
    }
    if !provenance::is_untouched(&stored.dashboard) {
        return Ok(entry(Action::Skipped)
            .detail("carries the managed tag but was edited in Grafana; not pruned"));
    }
    if !options.dry_run {
        client.delete_dashboard(uid).await?;
    }
    Ok(entry(Action::Deleted).detail("no longer listed (--prune)"))
}

/// A readable unified diff of pretty-printed JSON (keys sorted), Grafana's side first. The
/// provenance field is left out: its hash changes with every change and says nothing.
fn diff(stored: &Value, wanted: &Value) -> String {
    let pretty = |v: &Value| {
        let mut v = provenance::comparable(v);
        match v.as_object_mut() {
            Some(map) => {
                map.remove(provenance::FIELD);
                serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
            }
            None => String::new(),
        }
    };
    similar::TextDiff::from_lines(pretty(stored), pretty(wanted))
        .unified_diff()
        .context_radius(2)
        .header("grafana", "kiosk")
        .to_string()
}

/// "15s" for Grafana's `timeInterval`.
fn humantime_secs(d: Duration) -> String {
    if d.as_secs() > 0 && d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}
