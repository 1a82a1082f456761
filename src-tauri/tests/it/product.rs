//! The dashboards the product ships (`dashboards/`): the vendor manifest is fully locked, and
//! every drill-down link of the Fleet Overview leads to a dashboard kiosk provisions.

use std::collections::BTreeSet;

use kiosk_provision::sources::{Lock, Manifest};
use serde_json::Value;

use crate::support::repo;

fn read<T: serde::de::DeserializeOwned>(name: &str) -> T {
    let path = repo().join("dashboards").join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    kiosk_config::parse_toml(&path, &text).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn every_pinned_vendor_revision_is_locked() {
    let manifest: Manifest = read("vendor.toml");
    let lock: Lock = read("vendor.lock");
    assert!(!manifest.dashboards.is_empty());
    for entry in &manifest.dashboards {
        let locked = lock
            .dashboards
            .iter()
            .find(|l| l.id == entry.id && l.revision == entry.revision)
            .unwrap_or_else(|| panic!("{} r{} is not in vendor.lock", entry.id, entry.revision));
        assert_eq!(locked.sha256.len(), 64, "{}", entry.id);
        assert!(locked.sha256.bytes().all(|b| b.is_ascii_hexdigit()));
        if let Some(folder) = &entry.folder_uid {
            assert!(
                manifest.folders.contains_key(folder),
                "{folder} is declared"
            );
        }
    }
    assert_eq!(
        lock.dashboards.len(),
        manifest.dashboards.len(),
        "no stale lock entries"
    );
}

#[test]
fn fleet_overview_links_lead_to_provisioned_dashboards() {
    let manifest: Manifest = read("vendor.toml");
    let mut provisioned: BTreeSet<String> =
        manifest.dashboards.iter().map(|d| d.uid.clone()).collect();
    provisioned.insert("fleet-overview".into());
    let text = std::fs::read_to_string(repo().join("dashboards/fleet-overview.json")).unwrap();
    let dashboard: Value = serde_json::from_str(&text).unwrap();
    let links = dashboard["links"].as_array().cloned().unwrap_or_default();
    assert!(
        !links.is_empty(),
        "the Fleet Overview offers drill-down links"
    );
    for link in links {
        let url = link["url"].as_str().unwrap_or_default();
        let uid = url
            .strip_prefix("/d/")
            .map(|rest| rest.split(['/', '?']).next().unwrap_or_default())
            .unwrap_or_else(|| panic!("link {url} is not a dashboard link"));
        assert!(
            provisioned.contains(uid),
            "link {url} points at {uid}, which kiosk does not provision"
        );
    }
}
