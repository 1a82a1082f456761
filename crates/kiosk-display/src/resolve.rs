//! Turns `[display]` into a [`Plan`]: the configured pages, else the dashboards kiosk synced
//! (Fleet Overview first). Page URLs carry Grafana's kiosk flags, time range and variables.

use std::collections::BTreeMap;
use std::time::Duration;

use kiosk_config::{CHROME, DAYS, DisplayConfig, PageConfig};

use crate::{Page, Plan, Window};

/// The Fleet Overview leads the synced set: it is what the wall shows most of the time.
pub const FIRST_PAGE: &str = "fleet-overview";

/// A plan from the configured pages; `titles` maps dashboard uids to titles where Grafana
/// (or an earlier plan) told us, for pages that set no title of their own.
pub fn from_config(display: &DisplayConfig, titles: &BTreeMap<String, String>) -> Plan {
    let mut pages: Vec<Page> = Vec::new();
    for config in &display.pages {
        let base = config
            .dashboard
            .clone()
            .unwrap_or_else(|| slug_of_path(config.path.as_deref().unwrap_or("/")));
        let id = unique_id(&pages, &base);
        let title = config
            .title
            .clone()
            .or_else(|| {
                config
                    .dashboard
                    .as_ref()
                    .and_then(|uid| titles.get(uid).cloned())
            })
            .unwrap_or_else(|| base.clone());
        pages.push(Page {
            id,
            title,
            url: page_url(config),
            dwell_ms: millis(config.dwell.unwrap_or(display.dwell)),
            windows: config.windows.iter().map(window).collect(),
        });
    }
    Plan {
        source: "config".into(),
        pause_resume_ms: millis(display.pause_resume),
        pages,
    }
}

/// A plan from dashboards found in Grafana (uid → title): the Fleet Overview first, the rest
/// by title, each with the default dwell.
pub fn from_synced(display: &DisplayConfig, dashboards: &BTreeMap<String, String>) -> Plan {
    let mut ordered: Vec<(&String, &String)> = dashboards.iter().collect();
    ordered.sort_by_key(|(uid, title)| (uid.as_str() != FIRST_PAGE, title.to_lowercase()));
    let pages = ordered
        .into_iter()
        .map(|(uid, title)| {
            let config = PageConfig {
                dashboard: Some(uid.clone()),
                ..PageConfig::default()
            };
            Page {
                id: uid.clone(),
                title: title.clone(),
                url: page_url(&config),
                dwell_ms: millis(display.dwell),
                windows: Vec::new(),
            }
        })
        .collect();
    Plan {
        source: "synced".into(),
        pause_resume_ms: millis(display.pause_resume),
        pages,
    }
}

/// The gateway-relative URL of a page.
pub fn page_url(config: &PageConfig) -> String {
    let mut url = match (&config.dashboard, &config.path) {
        (Some(uid), _) => format!("/d/{uid}"),
        (None, Some(path)) => path.clone(),
        (None, None) => "/".into(),
    };
    url.push(if url.contains('?') { '&' } else { '?' });
    // Kiosk mode, and without the time picker, variables and links unless the page keeps them
    // (Grafana ≥ 11.3 shows them in kiosk mode unless told not to).
    url.push_str("kiosk");
    for (part, flag) in CHROME {
        if !config.show.iter().any(|shown| shown == part) {
            url.push('&');
            url.push_str(flag);
        }
    }
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    if let Some(from) = &config.from {
        query.append_pair("from", from);
    }
    if let Some(to) = &config.to {
        query.append_pair("to", to);
    }
    for (name, value) in &config.vars {
        query.append_pair(&format!("var-{name}"), value);
    }
    let query = query.finish();
    if !query.is_empty() {
        url.push('&');
        url.push_str(&query);
    }
    url
}

fn window(config: &kiosk_config::WindowConfig) -> Window {
    let days = config
        .days
        .iter()
        .filter_map(|d| DAYS.iter().position(|name| name == d))
        .map(|i| i as u8 + 1)
        .collect();
    // Days and times were validated by kiosk-config (`parse_hhmm`), so they are kept as
    // written; the shell compares them as minutes since midnight.
    Window {
        days,
        from: config.from.clone(),
        to: config.to.clone(),
    }
}

fn unique_id(pages: &[Page], base: &str) -> String {
    let taken = |id: &str| pages.iter().any(|p| p.id == id);
    if !taken(base) {
        return base.to_owned();
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|id| !taken(id))
        .expect("an unused suffix exists")
}

/// "/d/abc/slug?x=1" → "abc-slug": a readable id for pages given by path.
fn slug_of_path(path: &str) -> String {
    let path = path.split('?').next().unwrap_or(path);
    let parts: Vec<&str> = path
        .split('/')
        .filter(|p| !p.is_empty() && *p != "d")
        .collect();
    if parts.is_empty() {
        "home".into()
    } else {
        parts.join("-")
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn display(pages: Vec<PageConfig>) -> DisplayConfig {
        DisplayConfig {
            pages,
            ..DisplayConfig::default()
        }
    }

    #[test]
    fn configured_pages_keep_their_order_flags_range_and_variables() {
        let mut vars = BTreeMap::new();
        vars.insert("host".to_owned(), "ook:9100".to_owned());
        let plan = from_config(
            &display(vec![
                PageConfig {
                    dashboard: Some("fleet-overview".into()),
                    from: Some("now-6h".into()),
                    to: Some("now".into()),
                    vars,
                    dwell: Some(Duration::from_secs(90)),
                    ..PageConfig::default()
                },
                PageConfig {
                    path: Some("/d/abc/gpus?orgId=1".into()),
                    title: Some("GPUs".into()),
                    show: vec!["variables".into()],
                    windows: vec![kiosk_config::WindowConfig {
                        days: vec!["mon".into(), "sun".into()],
                        from: "08:00".into(),
                        to: "18:00".into(),
                    }],
                    ..PageConfig::default()
                },
            ]),
            &[("fleet-overview".to_owned(), "Fleet Overview".to_owned())].into(),
        );
        assert_eq!(plan.source, "config");
        assert_eq!(plan.pause_resume_ms, 120_000);
        let [first, second] = &plan.pages[..] else {
            panic!("two pages: {plan:?}")
        };
        assert_eq!(first.id, "fleet-overview");
        assert_eq!(first.title, "Fleet Overview");
        assert_eq!(
            first.url,
            "/d/fleet-overview?kiosk&_dash.hideTimePicker&_dash.hideVariables&_dash.hideLinks&from=now-6h&to=now&var-host=ook%3A9100"
        );
        assert_eq!(first.dwell_ms, 90_000);
        assert_eq!(second.id, "abc-gpus");
        assert_eq!(second.title, "GPUs");
        assert!(
            second.url.starts_with("/d/abc/gpus?orgId=1&kiosk&"),
            "{}",
            second.url
        );
        assert_eq!(second.dwell_ms, 60_000);
        assert!(
            second.url.contains("_dash.hideTimePicker"),
            "{}",
            second.url
        );
        assert!(
            !second.url.contains("_dash.hideVariables"),
            "kept: {}",
            second.url
        );
        assert_eq!(second.windows[0].days, vec![1, 7]);
    }

    #[test]
    fn a_dashboard_shown_twice_gets_distinct_ids() {
        let page = PageConfig {
            dashboard: Some("x".into()),
            ..PageConfig::default()
        };
        let plan = from_config(&display(vec![page.clone(), page]), &BTreeMap::new());
        let ids: Vec<_> = plan.pages.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["x", "x-2"]);
        assert_eq!(plan.pages[0].title, "x", "falls back to the uid");
    }

    #[test]
    fn the_synced_set_starts_with_the_fleet_overview() {
        let dashboards: BTreeMap<String, String> = [
            ("a-first-uid", "Zeta"),
            ("fleet-overview", "Fleet Overview"),
            ("nvidia-dcgm", "NVIDIA DCGM"),
        ]
        .into_iter()
        .map(|(u, t)| (u.to_owned(), t.to_owned()))
        .collect();
        let plan = from_synced(&DisplayConfig::default(), &dashboards);
        let ids: Vec<_> = plan.pages.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["fleet-overview", "nvidia-dcgm", "a-first-uid"]);
        assert_eq!(plan.source, "synced");
    }
}
