//! Posting reports and withdrawal over JSON: anyone signed in reports a posting, which reaches the reviewers; an employer withdraws its own posting.

use crate::api::postings::PostingDto;
use crate::api::postings::dto;
use crate::api::postings::own_employer;
use crate::api::postings::readers::readable_posting;
use crate::error::ErrorCode;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use jiuye_domain::posting::PostingStatus;
use jiuye_store::postings::PostingRow;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::AppState;
use uuid::Uuid;

use crate::auth::{AuditEvent, Caller, Signed, audited};
use crate::error::unprocessable;
use crate::error::{AppError, ErrorBody};

/// A report of a suspicious posting.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReportInput {
    /// What looks wrong (2–500 characters).
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
    match report(&state, &caller, id, &input.reason).await {
        Ok((path, new)) => {
            let status = if new { StatusCode::CREATED } else { StatusCode::OK };
            event
                .target(format!("posting:{id}"), Some(&path))
                .attach((status, Json(serde_json::json!({"reported": true}))).into_response())
        }
        Err(e) => audited(event, Err(e)),
    }
}

/// Reports a posting the caller can read as suspicious; returns its scope's path and whether
/// this is the caller's first report of it (the API and the posting page).
pub(crate) async fn report(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    reason: &str,
) -> Result<(String, bool), AppError> {
    let row = readable_posting(state, Some(caller), id).await?;
    let reason = reason.trim();
    if !(2..=500).contains(&reason.chars().count()) {
        return Err(unprocessable(ErrorCode::InvalidReason, "请用 2–500 个字说明可疑之处"));
    }
    let new = state.store.add_posting_report(id, caller.user.id, reason).await?;
    Ok((row.scope_path, new))
}

/// The version the caller saw.
#[derive(Debug, Deserialize, ToSchema)]
pub struct WithdrawInput {
    pub version: i64,
}

pub(crate) async fn withdraw(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    version: i64,
) -> Result<PostingRow, AppError> {
    let missing = || AppError::not_found(ErrorCode::PostingNotFound, "没有这个职位，或它不对您开放");
    let old = state.store.posting(id).await?.ok_or_else(missing)?;
    let employer = own_employer(state, caller).await.map_err(|_| missing())?;
    if employer.id != old.posting.employer_id {
        return Err(missing());
    }
    if old.posting.status == PostingStatus::Withdrawn {
        return Err(unprocessable(ErrorCode::PostingWithdrawn, "该职位已撤下"));
    }
    if !state.store.withdraw_posting(id, version).await? {
        return Err(AppError::new(StatusCode::CONFLICT, ErrorCode::VersionConflict, "职位已被修改，请刷新后重试"));
    }
    crate::api::search::refresh(state, id).await?;
    state.store.posting(id).await?.ok_or_else(missing)
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
    match withdraw(&state, &caller, id, input.version).await {
        Ok(row) => {
            let path = row.scope_path.clone();
            let d = dto(&state, row);
            event.target(format!("posting:{id}"), Some(&path)).attach(Json(d).into_response())
        }
        Err(e) => audited(event, Err(e)),
    }
}
