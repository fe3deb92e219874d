//! Posting review over JSON: decisions by the staff of the posting's scope with a version check, the review queue, and an employer's own postings.

use crate::api::postings::view::PostingDto;
use crate::api::postings::view::ReportDto;
use crate::api::postings::view::dto;
use crate::extract::page::{Page, PageParams};
use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

use jiuye_domain::access::{self};

use jiuye_store::postings::PostingRow;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::{AuditEvent, Caller, Signed, audited};
use crate::error::{AppError, ErrorBody};
use crate::extract::query::ApiQuery;
use uuid::Uuid;

/// A review decision.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReviewInput {
    /// `approve`, `reject`, `hold`, or `confirm_scam`: reject it and, where the reviewer's scope
    /// covers the employer's registration, blacklist the employer; otherwise hide the employer's
    /// postings within the reviewer's scope and report it to the registering scope.
    pub decision: String,
    /// Required to reject or hold, and to approve a posting that screening held.
    #[schema(max_length = 500)]
    pub note: Option<String>,
    /// The version the reviewer saw; a posting edited since is refused with 409.
    pub version: i64,
}

/// Decides a posting (the API and the review page; see `jiuye_app::postings::Postings::review`).
pub(crate) async fn review(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    input: &ReviewInput,
) -> Result<(PostingRow, access::ScopedGrant, String), AppError> {
    let r = state.postings().review(&caller.actor, id, &input.decision, input.note.as_deref(), input.version).await?;
    Ok((r.posting, r.grant, r.detail))
}

/// Approves, holds or rejects a posting (staff of the organisation it appears in, or above).
/// Approving an alliance posting once covers every member university.
#[utoipa::path(post, path = "/api/v1/postings/{id}/review", tag = "postings", params(("id" = Uuid, Path)), request_body = ReviewInput,
    responses((status = 200, description = "Decided", body = PostingDto), (status = 404, description = "`posting_not_found` (also outside the reviewer's scope)", body = ErrorBody),
        (status = 409, description = "`version_conflict`", body = ErrorBody),
        (status = 422, description = "`invalid_decision`, `note_required`, `posting_withdrawn`", body = ErrorBody)))]
pub async fn review_posting(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
    Json(input): Json<ReviewInput>,
) -> Response {
    let event = review_event(id, &input);
    match review(&state, &caller, id, &input).await {
        Ok((row, grant, detail)) => {
            let path = row.scope_path.clone();
            event
                .by(&grant)
                .target(format!("posting:{id}"), Some(&path))
                .detail(detail)
                .attach(Json(dto(&state, row)).into_response())
        }
        Err(e) => audited(event, Err(e)),
    }
}

/// The audit entry of a review decision, before it is known whether it holds.
pub(crate) fn review_event(id: Uuid, input: &ReviewInput) -> AuditEvent {
    AuditEvent::new("posting_review").target(format!("posting:{id}"), None).detail(input.decision.clone())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueParams {
    /// `pending` (default), `held`, `approved`, `rejected`, `reported` (approved postings
    /// someone reported), or `recheck` (approved postings that changed screening rules rate
    /// high-risk: still visible, waiting for a decision).
    pub status: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PostingList {
    pub total: i64,
    pub items: Vec<PostingDto>,
}

/// The review queue of the caller (the API and the review page).
pub(crate) async fn queue(
    state: &AppState,
    caller: &Caller,
    p: &QueueParams,
    page: Page,
) -> Result<PostingList, AppError> {
    let (rows, total) = state.postings().queue(&caller.actor, p.status.as_deref(), page.limit, page.offset).await?;
    let items = rows
        .into_iter()
        .map(|(r, reports)| {
            let mut d = dto(state, r);
            d.reports = reports.into_iter().map(ReportDto::from).collect();
            d
        })
        .collect();
    Ok(PostingList { total, items })
}

/// The review queue: postings appearing at or below the caller's nodes, by state (pending by
/// default), newest first, each with its screening.
#[utoipa::path(get, path = "/api/v1/postings/review", tag = "postings", params(QueueParams, PageParams),
    responses((status = 200, description = "The queue, newest first", body = PostingList), (status = 403, description = "`forbidden`", body = ErrorBody)))]
pub async fn review_queue(
    State(state): State<AppState>,
    Signed(caller): Signed,
    ApiQuery(p): ApiQuery<QueueParams>,
    page: Page,
) -> Result<Json<PostingList>, AppError> {
    Ok(Json(queue(&state, &caller, &p, page).await?))
}

/// The caller's employer's own postings, in every state.
#[utoipa::path(get, path = "/api/v1/postings/mine", tag = "postings",
    responses((status = 200, description = "The employer's postings in every state", body = PostingList), (status = 403, description = "`forbidden`", body = ErrorBody)))]
pub async fn my_postings(State(state): State<AppState>, Signed(caller): Signed) -> Result<Json<PostingList>, AppError> {
    Ok(Json(postings_of_caller(&state, &caller).await?))
}

/// The caller's own employer's postings (the API and the employer's page).
pub(crate) async fn postings_of_caller(state: &AppState, caller: &Caller) -> Result<PostingList, AppError> {
    let rows = jiuye_app::postings::of_own_employer(state.store.as_ref(), &caller.actor).await?;
    Ok(PostingList { total: rows.len() as i64, items: rows.into_iter().map(|r| dto(state, r)).collect() })
}
