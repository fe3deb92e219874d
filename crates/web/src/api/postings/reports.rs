//! Posting reports and withdrawal over JSON: anyone signed in reports a posting, which reaches the reviewers; an employer withdraws its own posting.

use crate::api::postings::view::PostingDto;
use crate::api::postings::view::dto;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use serde::Deserialize;
use utoipa::ToSchema;

use crate::AppState;
use uuid::Uuid;

use crate::auth::{AuditEvent, Signed, audited};
use crate::error::ErrorBody;

/// A report of a suspicious posting.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReportInput {
    /// What looks wrong (2–500 characters).
    #[schema(max_length = 500)]
    pub reason: String,
}

/// Reports a posting as suspicious (anyone signed in who can see it; once per person). The
/// report reaches the staff who review the posting, with the posting's screening.
#[utoipa::path(post, path = "/api/v1/postings/{id}/reports", tag = "postings", params(("id" = Uuid, Path)), request_body = ReportInput,
    responses((status = 201, description = "Reported"), (status = 200, description = "Already reported by this person"),
        (status = 404, description = "`posting_not_found`", body = ErrorBody), (status = 422, description = "`invalid_reason`", body = ErrorBody)))]
pub async fn report_posting(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
    Json(input): Json<ReportInput>,
) -> Response {
    let event = AuditEvent::new("posting_report").target(format!("posting:{id}"), None);
    match state.postings().report(&caller.actor, id, &input.reason).await {
        Ok((path, new)) => {
            let status = if new { StatusCode::CREATED } else { StatusCode::OK };
            event
                .target(format!("posting:{id}"), Some(&path))
                .attach((status, Json(serde_json::json!({"reported": true}))).into_response())
        }
        Err(e) => audited(event, Err(e.into())),
    }
}

/// The version the caller saw.
#[derive(Debug, Deserialize, ToSchema)]
pub struct WithdrawInput {
    pub version: i64,
}

/// Takes a posting off (its employer only): it leaves search and lists at once; applications
/// already made stay readable by both parties. Editing it again sends it back to review.
#[utoipa::path(post, path = "/api/v1/postings/{id}/withdraw", tag = "postings", params(("id" = Uuid, Path)), request_body = WithdrawInput,
    responses((status = 200, description = "Withdrawn", body = PostingDto), (status = 404, description = "`posting_not_found`", body = ErrorBody),
        (status = 409, description = "`version_conflict`", body = ErrorBody),
        (status = 422, description = "`posting_withdrawn`", body = ErrorBody)))]
pub async fn withdraw_posting(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
    Json(input): Json<WithdrawInput>,
) -> Response {
    let event = AuditEvent::new("posting_withdraw").target(format!("posting:{id}"), None);
    match state.postings().withdraw(&caller.actor, id, input.version).await {
        Ok(row) => {
            let path = row.scope_path.clone();
            let d = dto(&state, row);
            event.target(format!("posting:{id}"), Some(&path)).attach(Json(d).into_response())
        }
        Err(e) => audited(event, Err(e.into())),
    }
}
