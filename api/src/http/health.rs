//! `/healthz`: the process answers. `/readyz`: the database answers too (load balancers route on this), within
//! 800 ms: a load balancer's probe (often 1 s) must get a 503 rather than time out while the pool waits.

use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// Longest the readiness ping may take.
const PING_TIMEOUT: Duration = Duration::from_millis(800);

pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

pub async fn readyz(State(app): State<Arc<AppState>>) -> (StatusCode, Json<Value>) {
    let ping = tokio::time::timeout(PING_TIMEOUT, app.db.ping()).await;
    match ping {
        Ok(Ok(())) => (StatusCode::OK, Json(json!({ "status": "ready", "database": "ok" }))),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "unavailable", "database": "unreachable" })))
        }
        Err(_) => {
            tracing::warn!("readiness check: no answer from the database within 800 ms");
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "unavailable", "database": "unreachable" })))
        }
    }
}
