//! The plan as Grafana knows it: titles of configured pages, a Grafana playlist, or the
//! dashboards kiosk synced (found by their `managed-by-kiosk` tag).

use std::collections::BTreeMap;

use grafana_client::Client;
use kiosk_config::{DisplayConfig, PageConfig};
use kiosk_provision::MANAGED_TAG;

use crate::{Plan, from_config, from_synced};

/// Why no plan could be made from Grafana.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error(transparent)]
    Grafana(#[from] grafana_client::Error),
    #[error("display.playlist_uid {0}: Grafana has no such playlist")]
    NoPlaylist(String),
    #[error("display.playlist_uid {uid}: interval {interval:?} is not a duration")]
    BadInterval { uid: String, interval: String },
}

/// The plan for `display`: configured pages first, else the playlist, else the synced set.
pub async fn resolve(display: &DisplayConfig, client: &Client) -> Result<Plan, ResolveError> {
    if !display.pages.is_empty() {
        // Titles are a nicety: configured pages still rotate when Grafana cannot be searched.
        let titles = titles(client, &[]).await.unwrap_or_default();
        return Ok(from_config(display, &titles));
    }
    if let Some(uid) = &display.playlist_uid {
        return playlist(display, client, uid).await;
    }
    Ok(from_synced(display, &titles(client, &[MANAGED_TAG]).await?))
}

async fn playlist(
    display: &DisplayConfig,
    client: &Client,
    uid: &str,
) -> Result<Plan, ResolveError> {
    let playlist = client
        .playlist(uid)
        .await?
        .ok_or_else(|| ResolveError::NoPlaylist(uid.to_owned()))?;
    let dwell =
        humantime::parse_duration(&playlist.interval).map_err(|_| ResolveError::BadInterval {
            uid: uid.to_owned(),
            interval: playlist.interval.clone(),
        })?;
    let all = titles(client, &[]).await?;
    let mut pages = Vec::new();
    for item in &playlist.items {
        let uids: Vec<String> = match item.kind.as_str() {
            "dashboard_by_uid" => vec![item.value.clone()],
            "dashboard_by_tag" => titles(client, &[item.value.as_str()])
                .await?
                .into_keys()
                .collect(),
            // `dashboard_by_id` is long gone from Grafana's UI; ids are not stable anyway.
            _ => Vec::new(),
        };
        pages.extend(uids.into_iter().map(|uid| PageConfig {
            dashboard: Some(uid),
            dwell: Some(dwell),
            ..PageConfig::default()
        }));
    }
    let mut plan = from_config(
        &DisplayConfig {
            pages,
            ..display.clone()
        },
        &all,
    );
    plan.source = format!("playlist:{uid}");
    Ok(plan)
}

/// uid → title of the dashboards carrying all `tags`.
async fn titles(client: &Client, tags: &[&str]) -> Result<BTreeMap<String, String>, ResolveError> {
    Ok(client
        .search_dashboards(tags)
        .await?
        .into_iter()
        .map(|hit| (hit.uid, hit.title))
        .collect())
}
