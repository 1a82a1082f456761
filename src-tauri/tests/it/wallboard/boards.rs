//! The dashboards the proofs rotate through, synced into the simulator by the real
//! `kiosk sync-dashboards`, and the `[display]` / `[gateway]` tables that make a wall of them.
//! Painted, each is colourful (stat tiles on a coloured background, filled series), so that a
//! painted frame is told from a loading or blank one by its pixels.

use serde_json::{Value, json};

use super::browser::Swap;
use crate::support::{DS_UID, World, repo};

/// One page of a test wall: the dashboard's uid, the title the overlay shows, its dwell.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub uid: &'static str,
    pub title: &'static str,
    pub dwell: &'static str,
}

/// The Fleet Overview, as the product ships it.
pub const FLEET: &str = "fleet-overview";

/// A dashboard of three stat tiles on a `colour` background and a filled time series.
pub fn bright(uid: &str, title: &str, colour: &str) -> Value {
    let target = |expr: &str| json!({ "refId": "A", "expr": expr, "datasource": { "type": "prometheus", "uid": DS_UID } });
    let stat = |id: u32, x: u32, name: &str| {
        json!({
            "id": id, "type": "stat", "title": name,
            "gridPos": { "x": x, "y": 0, "w": 8, "h": 5 },
            "targets": [target(&format!("avg({uid}_{id})"))],
            "options": { "colorMode": "background", "graphMode": "none", "textMode": "value" },
            "fieldConfig": { "defaults": { "color": { "mode": "fixed", "fixedColor": colour }, "unit": "percent" } },
        })
    };
    json!({
        "uid": uid,
        "title": title,
        "schemaVersion": 39,
        "time": { "from": "now-1h", "to": "now" },
        "panels": [
            stat(1, 0, "Load"),
            stat(2, 8, "Memory"),
            stat(3, 16, "Disk"),
            {
                "id": 4, "type": "timeseries", "title": "Traffic",
                "gridPos": { "x": 0, "y": 5, "w": 24, "h": 9 },
                "targets": [target(&format!("rate({uid}_bytes[5m])"))],
                "fieldConfig": { "defaults": { "custom": { "fillOpacity": 40, "lineWidth": 2 } } },
            },
        ],
    })
}

/// The bright dashboards: uid, title, colour.
pub const BRIGHT: [(&str, &str, &str); 4] = [
    ("wall-green", "Green Room", "green"),
    ("wall-blue", "Blue Room", "blue"),
    ("wall-purple", "Purple Room", "purple"),
    ("wall-orange", "Orange Room", "orange"),
];

/// A world whose Grafana holds the bright dashboards and the Fleet Overview, synced by kiosk.
pub async fn world() -> World {
    let world = World::new().await;
    for (uid, title, colour) in BRIGHT {
        world.write_dashboard(&format!("{uid}.json"), &bright(uid, title, colour));
    }
    world.copy_in(&repo().join("dashboards/fleet-overview.json"));
    let run = world.kiosk(&["sync-dashboards"]).await;
    assert_eq!(run.code, 0, "sync-dashboards: {run:?}");
    world
}

/// Appends the wall's tables: the pages in order, the default dwell, the pause length, and a
/// health check every 500 ms so that state changes show quickly; Grafana's timeout is 10 s.
pub fn configure(world: &World, pages: &[Page], pause_resume: &str) {
    // Grafana's request timeout as shipped (World's 2 s would turn a slow query into an outage).
    let config = std::fs::read_to_string(world.config()).unwrap();
    let config = config.replace("timeout = \"2s\"", "timeout = \"10s\"");
    assert!(
        config.contains("timeout = \"10s\""),
        "kiosk.toml sets grafana.timeout"
    );
    std::fs::write(world.config(), config).unwrap();
    let mut text = format!(
        "[gateway]\nhealth_interval = \"500ms\"\n\n[display]\ndwell = \"2s\"\npause_resume = \"{pause_resume}\"\n"
    );
    for page in pages {
        text.push_str(&format!(
            "\n[[display.pages]]\ndashboard = \"{}\"\ntitle = \"{}\"\ndwell = \"{}\"\n",
            page.uid, page.title, page.dwell
        ));
    }
    world.append_config(&text);
}

/// The bright pages with the given dwell, first `n` of them.
pub fn bright_pages(n: usize, dwell: &'static str) -> Vec<Page> {
    BRIGHT[..n]
        .iter()
        .map(|&(uid, title, _)| Page { uid, title, dwell })
        .collect()
}

/// The uid in a page URL the shell put into a frame (`/d/<uid>?kiosk…`).
pub fn uid_of(src: &str) -> &str {
    src.strip_prefix("/d/")
        .and_then(|rest| rest.split(['?', '/']).next())
        .unwrap_or_default()
}

pub fn page_of<'a>(pages: &'a [Page], swap: &Swap) -> &'a Page {
    pages
        .iter()
        .find(|p| p.title == swap.title)
        .unwrap_or_else(|| panic!("a swap to a page that is not in the plan: {swap:?}"))
}

/// Milliseconds of a dwell written as in kiosk.toml ("2s", "1500ms").
pub fn dwell_ms(dwell: &str) -> u64 {
    if let Some(ms) = dwell.strip_suffix("ms") {
        ms.parse().unwrap()
    } else {
        dwell.strip_suffix('s').unwrap().parse::<u64>().unwrap() * 1000
    }
}

/// Every swap brought in a drawn page: its own document, all panels there, nothing loading,
/// no panel error, and the overlay naming it.
pub fn assert_drawn(swap: &Swap, pages: &[Page]) {
    let page = page_of(pages, swap);
    assert_eq!(
        uid_of(&swap.src),
        page.uid,
        "the frame on top shows the titled page: {swap:?}"
    );
    assert_eq!(
        swap.path,
        format!("/d/{}", page.uid),
        "the frame's document: {swap:?}"
    );
    assert!(swap.panels > 0, "no panel drawn at swap: {swap:?}");
    assert_eq!(swap.loading_bars, 0, "panel loading bars at swap: {swap:?}");
    assert_eq!(
        swap.loading_indicators, 0,
        "loading indicator at swap: {swap:?}"
    );
    assert_eq!(swap.errors, 0, "panel errors at swap: {swap:?}");
    assert!(!swap.splash, "the splash is up at a swap: {swap:?}");
}
