//! `GET|HEAD /api/health`: the unauthenticated probe kiosk uses to tell "Grafana is up" from
//! "Grafana is up but its database is not".

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::grafana_sim::{SharedState, lock};

pub(super) async fn health(State(shared): State<SharedState>) -> (StatusCode, Json<Value>) {
    let failing = lock(&shared.faults).database_failing;
    let (status, database) = if failing {
        (StatusCode::SERVICE_UNAVAILABLE, "failing")
    } else {
        (StatusCode::OK, "ok")
    };
    (
        status,
        Json(json!({ "commit": "sim", "database": database, "version": shared.version })),
    )
}
