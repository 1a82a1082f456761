//! Injected failures: latency (of every `/api` response, or of `/api/ds/query` alone), a countdown
//! of failing responses, and a failing database probe.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::api::ApiError;
use super::{SharedState, lock};

#[derive(Clone, Debug, Default, Serialize)]
pub(crate) struct Faults {
    #[serde(rename = "latency_ms", serialize_with = "as_millis")]
    pub latency: Duration,
    /// Extra delay of `/api/ds/query` only: panels load slowly while the dashboard JSON is fast.
    #[serde(rename = "query_latency_ms", serialize_with = "as_millis")]
    pub query_latency: Duration,
    pub fail_next: FailNext,
    pub database_failing: bool,
}

#[derive(Clone, Debug, Default, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FailNext {
    pub n: usize,
    pub status: u16,
}

impl Faults {
    /// Consumes one injected failure, if any is left.
    fn take_failure(&mut self) -> Option<u16> {
        if self.fail_next.n == 0 {
            return None;
        }
        self.fail_next.n -= 1;
        Some(self.fail_next.status)
    }
}

fn as_millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Wraps every `/api` route (health included, before auth) so an injected failure never reaches
/// a handler and so cannot change state.
pub(crate) async fn inject(
    State(shared): State<SharedState>,
    req: Request,
    next: Next,
) -> Response {
    let (latency, failure) = {
        let mut faults = lock(&shared.faults);
        (faults.latency, faults.take_failure())
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match failure {
        Some(status) => ApiError::injected(status).into_response(),
        None => next.run(req).await,
    }
}
