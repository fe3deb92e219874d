//! Health (`/healthz`) and metrics (`/metrics`) of the node.

use crate::AppState;
use crate::error::ErrorCode;
use crate::error::{AppError, ErrorBody};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// Health of this node.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: String,
    #[schema(example = "sqlite")]
    pub database: String,
}

/// 200 when the database answers, 503 otherwise.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    responses(
        (status = 200, description = "Serving", body = Health),
        (status = 503, description = "Database not answering (`database_unavailable`)", body = ErrorBody),
    )
)]
pub async fn healthz(State(state): State<AppState>) -> Response {
    let probe = tokio::time::timeout(std::time::Duration::from_secs(3), state.store.ping()).await;
    match probe {
        Ok(Ok(())) => Json(Health { status: "ok".into(), database: state.store.backend().id().into() }).into_response(),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "health probe failed");
            AppError::new(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::DatabaseUnavailable, "数据库没有响应")
                .into_response()
        }
        Err(_) => AppError::new(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::DatabaseUnavailable, "数据库响应超时")
            .into_response(),
    }
}

/// Prometheus text: request counts and latencies by route, database pool, the read log's
/// entries (written, dropped, failed), the read replicas, the federation outbox and each peer's feed.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    responses((status = 200, description = "Prometheus text format", body = String, content_type = "text/plain"))
)]
pub async fn metrics(State(state): State<AppState>) -> Response {
    let up = state.store.ping().await.is_ok();
    let mut body = state.metrics.render(state.store.pool_stats(), state.store.backend().id(), up);
    body.push_str(&crate::metrics::read_log_text(state.read_log.counts()));
    let replicas = state.store.replicas();
    if !replicas.is_empty() {
        let written = state.store.write_position().await.ok().flatten();
        body.push_str(&crate::metrics::replicas_text(written, &replicas));
    }
    if let Ok((_, head, peers)) = jiuye_app::federation::status(state.store.as_ref()).await {
        body.push_str(&crate::metrics::federation_text(head, &peers));
    }
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], body).into_response()
}
