//! The `/__sim/` control plane for scripts and the demo: read and reset the logs, inject faults.
//! It needs no auth and is never logged, so driving it does not disturb what tests assert.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::Value;

use super::faults::FailNext;
use super::{SharedState, lock};

pub(crate) fn router() -> Router<SharedState> {
    Router::new()
        .route("/writes", get(writes))
        .route("/requests", get(requests))
        .route("/reset-log", post(reset_log))
        .route("/faults", post(faults))
        // Its own fallback, or unknown control paths would reach the logged app's.
        .fallback(|| async { (StatusCode::NOT_FOUND, "unknown control endpoint") })
}

async fn writes(State(shared): State<SharedState>) -> Json<Value> {
    Json(serde_json::to_value(&lock(&shared.journal).writes).unwrap_or_default())
}

async fn requests(State(shared): State<SharedState>) -> Json<Value> {
    Json(serde_json::to_value(&lock(&shared.journal).requests).unwrap_or_default())
}

async fn reset_log(State(shared): State<SharedState>) -> StatusCode {
    lock(&shared.journal).clear();
    StatusCode::NO_CONTENT
}

/// Every field is optional; unknown fields are rejected so a typo is not silently ignored.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultsPatch {
    latency_ms: Option<u64>,
    query_latency_ms: Option<u64>,
    fail_next: Option<FailNext>,
    revoke_token: Option<String>,
    restore_token: Option<String>,
    database_failing: Option<bool>,
}

/// Applies the patch and answers with the faults now in force.
async fn faults(State(shared): State<SharedState>, Json(patch): Json<FaultsPatch>) -> Json<Value> {
    if let Some(token) = patch.revoke_token {
        shared.revoke_token(&token);
    }
    if let Some(token) = patch.restore_token {
        shared.restore_token(&token);
    }
    let mut faults = lock(&shared.faults);
    if let Some(ms) = patch.latency_ms {
        faults.latency = Duration::from_millis(ms);
    }
    if let Some(ms) = patch.query_latency_ms {
        faults.query_latency = Duration::from_millis(ms);
    }
    if let Some(fail_next) = patch.fail_next {
        faults.fail_next = fail_next;
    }
    if let Some(on) = patch.database_failing {
        faults.database_failing = on;
    }
    Json(serde_json::to_value(&*faults).unwrap_or_default())
}
