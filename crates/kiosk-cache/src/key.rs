//! Cache keys: a GET by its path and query, a `POST /api/ds/query` by its body with the time
//! range taken out, so the same panel query asked again later (a new `from`/`to`) finds the
//! answer stored earlier.

use serde_json::{Map, Value};

/// What changes between two runs of the same panel query: the time range and the values
/// derived from it or from the request counter. Removed at the top level and in each query.
const VOLATILE: &[&str] = &[
    "from",
    "to",
    "range",
    "requestId",
    "intervalMs",
    "maxDataPoints",
    "startTime",
    "endTime",
    "timeRange",
];

/// Key for a GET: method + path + query, as sent to Grafana ("GET /api/dashboards/uid/x?y=1").
pub fn get_key(path_and_query: &str) -> String {
    format!("GET {path_and_query}")
}

/// Key for a `POST /api/ds/query` (with or without `?ds_type=...`): method, path and query,
/// then the body as JSON without the time range and with every object's keys sorted. `None`
/// when the body is not JSON.
pub fn query_key(path_and_query: &str, body: &[u8]) -> Option<String> {
    let mut body: Value = serde_json::from_slice(body).ok()?;
    if let Value::Object(top) = &mut body {
        strip(top);
        // Only inside each query, not deeper: a nested `from` can be part of the query itself
        // (the SQL query builder's `sql.from` names the table).
        if let Some(Value::Array(queries)) = top.get_mut("queries") {
            for query in queries.iter_mut() {
                if let Value::Object(query) = query {
                    strip(query);
                }
            }
        }
    }
    Some(format!("POST {path_and_query}\n{}", sorted(body)))
}

fn strip(object: &mut Map<String, Value>) {
    for key in VOLATILE {
        object.remove(*key);
    }
}

/// `value` with every object's keys in order. Rebuilt explicitly rather than relying on
/// serde_json's default `BTreeMap`: any crate in the build turning on `preserve_order` would
/// otherwise make the key depend on the order the browser wrote.
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(object) => {
            let mut entries: Vec<(String, Value)> = object.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        scalar => scalar,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_keys_are_sorted() {
        let key = query_key(
            "/api/ds/query",
            br#"{"b":{"y":1,"x":[{"d":1,"c":2}]},"a":0}"#,
        );
        assert_eq!(
            key.unwrap(),
            "POST /api/ds/query\n{\"a\":0,\"b\":{\"x\":[{\"c\":2,\"d\":1}],\"y\":1}}"
        );
    }

    #[test]
    fn nested_from_inside_a_query_is_kept() {
        let a = query_key(
            "/api/ds/query",
            br#"{"queries":[{"refId":"A","sql":{"from":"hosts"}}]}"#,
        );
        let b = query_key(
            "/api/ds/query",
            br#"{"queries":[{"refId":"A","sql":{"from":"disks"}}]}"#,
        );
        assert_ne!(a, b);
    }
}
