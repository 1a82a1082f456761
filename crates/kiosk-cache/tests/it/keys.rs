//! `get_key` and `query_key`: what must and must not share a cache entry.

use kiosk_cache::{get_key, query_key};

const PATH: &str = "/api/ds/query?ds_type=prometheus";

/// A ds/query body as Grafana's frontend sends it for one Prometheus panel.
fn body(from: &str, to: &str, request_id: &str, expr: &str) -> String {
    format!(
        r#"{{"queries":[{{"refId":"A","expr":"{expr}","datasource":{{"type":"prometheus","uid":"kiosk-prom"}},
            "interval":"","intervalMs":15000,"maxDataPoints":1200,"requestId":"{request_id}",
            "range":true,"instant":false,"utcOffsetSec":3600,"legendFormat":"{{{{instance}}}}"}}],
            "from":"{from}","to":"{to}","range":{{"from":"x","to":"y"}},"requestId":"{request_id}"}}"#
    )
}

#[test]
fn same_query_at_another_time_has_the_same_key() {
    let early = body("1764000000000", "1764021600000", "Q100", "up");
    let later = body("1764000030000", "1764021630000", "Q231", "up");
    assert_eq!(
        query_key(PATH, early.as_bytes()),
        query_key(PATH, later.as_bytes())
    );
}

#[test]
fn other_time_keys_are_ignored_too() {
    let a = r#"{"queries":[{"refId":"A","expr":"up","startTime":1,"endTime":2,"timeRange":{"from":"1"}}],"startTime":1,"endTime":2,"timeRange":{"from":"1"}}"#;
    let b = r#"{"queries":[{"refId":"A","expr":"up","startTime":3,"endTime":4,"timeRange":{"from":"2"}}],"startTime":3,"endTime":4,"timeRange":{"from":"2"}}"#;
    let bare = r#"{"queries":[{"refId":"A","expr":"up"}]}"#;
    let key = query_key(PATH, bare.as_bytes()).unwrap();
    assert_eq!(query_key(PATH, a.as_bytes()).unwrap(), key);
    assert_eq!(query_key(PATH, b.as_bytes()).unwrap(), key);
}

#[test]
fn another_expression_has_another_key() {
    let up = body("1", "2", "Q1", "up");
    let load = body("1", "2", "Q1", "node_load1");
    assert_ne!(
        query_key(PATH, up.as_bytes()),
        query_key(PATH, load.as_bytes())
    );
}

#[test]
fn key_order_is_irrelevant() {
    let a = r#"{"queries":[{"refId":"A","expr":"up","datasource":{"uid":"p","type":"prometheus"}}],"from":"1"}"#;
    let b = r#"{"from":"2","queries":[{"datasource":{"type":"prometheus","uid":"p"},"expr":"up","refId":"A"}]}"#;
    assert_eq!(query_key(PATH, a.as_bytes()), query_key(PATH, b.as_bytes()));
}

#[test]
fn path_is_part_of_the_key() {
    let b = body("1", "2", "Q1", "up");
    assert_ne!(
        query_key("/api/ds/query", b.as_bytes()),
        query_key("/api/ds/query?ds_type=prometheus", b.as_bytes())
    );
}

#[test]
fn non_json_body_has_no_key() {
    assert_eq!(query_key(PATH, b"queries=up"), None);
    assert_eq!(query_key(PATH, b""), None);
    assert_eq!(query_key(PATH, br#"{"queries":["#), None);
}

#[test]
fn get_key_distinguishes_queries() {
    assert_eq!(
        get_key("/api/dashboards/uid/x?y=1"),
        "GET /api/dashboards/uid/x?y=1"
    );
    assert_ne!(
        get_key("/api/search?query=a"),
        get_key("/api/search?query=b")
    );
    assert_ne!(get_key("/api/search"), get_key("/api/search?query=a"));
}

#[test]
fn get_and_query_keys_never_meet() {
    assert_ne!(Some(get_key(PATH)), query_key(PATH, b"{}"));
}
