//! The operational HTTP routes: liveness, readiness, metrics and the protocol's spec.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;

use super::Shared;

pub(super) fn routes(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics))
        .route("/asyncapi.yaml", get(asyncapi))
        .with_state(shared)
}

/// Ready while not draining and while the store answers.
async fn ready(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    if shared.draining.is_cancelled() {
        return (StatusCode::SERVICE_UNAVAILABLE, "draining\n");
    }
    match shared.store.get_session("readyz-probe").await {
        Ok(_) => (StatusCode::OK, "ready\n"),
        Err(err) => {
            tracing::warn!(error = %err, "readiness probe: the store does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "store unavailable\n")
        }
    }
}

async fn metrics() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        crate::metrics::render(),
    )
}

/// The protocol as AsyncAPI 3.0, built into the binary.
const ASYNCAPI: &str = include_str!("../../../../docs/connector.asyncapi.yaml");

async fn asyncapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/yaml")], ASYNCAPI)
}
