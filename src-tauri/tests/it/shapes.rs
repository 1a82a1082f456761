//! Every vendor-dashboard shape kiosk meets ends up with each panel query pointing at the managed
//! datasource, checked on what Grafana stored by a walker written independently of the code
//! that rewrites them.

use serde_json::Value;

use crate::support::{DS_UID, SHAPES, World};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fixture_shape_points_every_query_at_the_managed_datasource() {
    let world = World::with_fixture_shapes().await;
    let run = world.kiosk(&["sync-dashboards"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    let stored = world.sim.dashboards();
    assert_eq!(stored.len(), SHAPES.len());
    for dashboard in stored {
        let json = &dashboard.json;
        let title = json["title"].as_str().unwrap_or("?").to_owned();
        let text = json.to_string();
        for placeholder in ["${DS_", "$DS_", "[[DS_", "__inputs", "__requires"] {
            assert!(
                !text.contains(placeholder),
                "{title}: still contains {placeholder}"
            );
        }
        let queries = queries(json);
        assert!(!queries.is_empty(), "{title}: no queries found");
        for (location, datasource) in queries {
            let uid = resolve(json, &datasource);
            assert_eq!(
                uid.as_deref(),
                Some(DS_UID),
                "{title}: {location} uses {datasource}"
            );
        }
        assert!(
            json["tags"]
                .as_array()
                .unwrap()
                .contains(&"managed-by-kiosk".into())
        );
        assert!(json["id"].is_number(), "Grafana assigned an id");
    }
}

/// (where, effective datasource) for every query target in every panel, rows included.
fn queries(dashboard: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let mut panels: Vec<&Value> = Vec::new();
    collect(&dashboard["panels"], &mut panels);
    for row in dashboard["rows"].as_array().into_iter().flatten() {
        collect(&row["panels"], &mut panels);
    }
    for panel in panels {
        let panel_ds = &panel["datasource"];
        let mixed = uid_of(panel_ds).as_deref() == Some("-- Mixed --");
        for (i, target) in panel["targets"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            let ds = if target["datasource"].is_null() && !mixed {
                panel_ds.clone()
            } else {
                target["datasource"].clone()
            };
            let location = format!("panel {:?} target {i}", panel["title"]);
            out.push((location, ds));
        }
    }
    out
}

fn collect<'a>(list: &'a Value, out: &mut Vec<&'a Value>) {
    for panel in list.as_array().into_iter().flatten() {
        out.push(panel);
        collect(&panel["panels"], out);
    }
}

fn uid_of(datasource: &Value) -> Option<String> {
    match datasource {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("uid").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    }
}

/// Follows a `$var` / `${var}` reference to the datasource variable's current value.
fn resolve(dashboard: &Value, datasource: &Value) -> Option<String> {
    let uid = uid_of(datasource)?;
    let Some(name) = uid.strip_prefix('$') else {
        return Some(uid);
    };
    let name = name.trim_start_matches('{').trim_end_matches('}');
    dashboard["templating"]["list"]
        .as_array()?
        .iter()
        .find(|v| v["name"] == name && v["type"] == "datasource")
        .and_then(|v| v["current"]["value"].as_str().map(str::to_owned))
}
