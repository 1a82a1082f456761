//! The `kiosk` field kiosk adds to every dashboard it stores: where it came from and the sha256
//! of the rest of the content. A stored dashboard whose content no longer hashes to its recorded
//! sha256 was edited in Grafana after kiosk wrote it — kiosk then neither overwrites it (without
//! `--force`) nor prunes it. Stateless, so it works from any machine that runs the sync.

use serde_json::{Map, Value};

use crate::sources::sha256_hex;

/// The top-level dashboard field. Grafana stores dashboard JSON verbatim, so it survives; a save
/// from the UI may drop it, which reads as "edited" — the safe answer.
pub const FIELD: &str = "kiosk";

/// Fields Grafana sets on every save; never part of the comparison.
const SERVER_FIELDS: [&str; 2] = ["id", "version"];

/// Adds `{"kiosk": {"origin", "sha256"}}` to a normalized dashboard.
pub fn attach(dashboard: &mut Value, origin: &str) {
    let sha256 = content_hash(dashboard);
    if let Some(map) = dashboard.as_object_mut() {
        map.insert(
            FIELD.to_owned(),
            serde_json::json!({ "origin": origin, "sha256": sha256 }),
        );
    }
}

/// Whether a stored dashboard is exactly what kiosk last wrote (no edits since).
pub fn is_untouched(stored: &Value) -> bool {
    stored[FIELD]["sha256"]
        .as_str()
        .is_some_and(|recorded| recorded == content_hash(stored))
}

/// A stored dashboard without the fields Grafana sets, for comparison with a desired one.
pub fn comparable(stored: &Value) -> Value {
    let mut value = stored.clone();
    if let Some(map) = value.as_object_mut() {
        for field in SERVER_FIELDS {
            map.remove(field);
        }
    }
    value
}

/// sha256 over a canonical serialization (keys sorted at every level) of everything except the
/// provenance and server-set fields, so key order and Grafana's bookkeeping never matter.
pub fn content_hash(dashboard: &Value) -> String {
    let mut content = comparable(dashboard);
    if let Some(map) = content.as_object_mut() {
        map.remove(FIELD);
    }
    let mut bytes = Vec::new();
    canonical(&content, &mut bytes);
    sha256_hex(&bytes)
}

fn canonical(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Object(map) => {
            out.push(b'{');
            for (i, (key, value)) in sorted(map).into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                serde_json::to_writer(&mut *out, key).expect("writing to a Vec cannot fail");
                out.push(b':');
                canonical(value, out);
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                canonical(item, out);
            }
            out.push(b']');
        }
        scalar => serde_json::to_writer(&mut *out, scalar).expect("writing to a Vec cannot fail"),
    }
}

fn sorted(map: &Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut entries: Vec<_> = map.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    entries
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn hash_ignores_key_order_and_server_fields() {
        let a = json!({"title": "A", "panels": [{"x": 1, "y": 2}], "id": 3, "version": 9});
        let b = json!({"panels": [{"y": 2, "x": 1}], "title": "A"});
        assert_eq!(content_hash(&a), content_hash(&b));
        assert_ne!(content_hash(&a), content_hash(&json!({"title": "B"})));
    }

    #[test]
    fn an_edit_after_attach_is_detected() {
        let mut d = json!({"title": "A", "panels": []});
        attach(&mut d, "test");
        assert!(is_untouched(&d));
        let mut stored = d.clone();
        stored["id"] = json!(7);
        stored["version"] = json!(4);
        assert!(is_untouched(&stored), "server fields are not edits");
        stored["title"] = json!("A (edited)");
        assert!(!is_untouched(&stored));
        stored.as_object_mut().unwrap().remove(FIELD);
        assert!(
            !is_untouched(&stored),
            "no provenance means not ours to touch"
        );
    }
}
