//! Employer corrections and scam reports over JSON (`jiuye_app::employers`): staff outside an
//! employer's registering scope propose corrections that the registering scope accepts or
//! rejects; scams confirmed for one scope are reported to the registering scope, which can lift
//! a hide.

use crate::api::employers::view::EmployerChanges;
use crate::extract::page::{Page, PageParams};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use jiuye_app::employers::{self, Changes, Correction, Done};

use jiuye_store::employers::ScamReportRow;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::{AuditEvent, Caller, Signed, audited};
use crate::error::{AppError, ErrorBody};
use uuid::Uuid;

/// Proposed values of an employer's fields, with the proposer's reason.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct CorrectionInput {
    pub name: Option<String>,
    /// 单位性质代码.
    pub employer_type: Option<String>,
    /// GB/T 4754-2017 industry code.
    pub industry_code: Option<String>,
    /// GB/T 2260 region code.
    pub region_code: Option<String>,
    pub employees: Option<i64>,
    pub revenue_wan: Option<i64>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    /// Why (at most 500 characters).
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

/// A proposed correction of an employer record.
#[derive(Debug, Serialize, ToSchema)]
pub struct CorrectionDto {
    pub id: Uuid,
    pub employer_credit_code: String,
    /// The proposed values; `null` fields are not part of the proposal.
    pub proposed: EmployerChanges,
    pub note: Option<String>,
    /// The proposer's username.
    pub proposed_by: String,
    /// The organisation the proposer acted for.
    pub proposer_org: String,
    pub proposer_org_name: String,
    pub created_at: DateTime<Utc>,
    /// `proposed`, `accepted` or `rejected`.
    pub status: String,
    pub decided_by: Option<Uuid>,
    pub decision_note: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
}

fn correction_dto(found: Correction) -> CorrectionDto {
    let r = found.row;
    let c = r.correction;
    CorrectionDto {
        id: c.id,
        employer_credit_code: found.employer_credit_code,
        proposed: Changes::of_correction(&c).into(),
        note: c.note,
        proposed_by: r.proposer_username,
        proposer_org: r.proposer_org_code,
        proposer_org_name: r.proposer_org_name,
        created_at: c.created_at,
        status: c.status,
        decided_by: c.decided_by,
        decision_note: c.decision_note,
        decided_at: c.decided_at,
    }
}

/// Corrections proposed for one employer.
#[derive(Debug, Serialize, ToSchema)]
pub struct CorrectionList {
    pub total: i64,
    pub items: Vec<CorrectionDto>,
}

/// The corrections proposed for an employer, newest first: all of them for the staff of its
/// registering scope, one's own for anyone else who reads the directory.
#[utoipa::path(get, path = "/api/v1/employers/{credit_code}/corrections", tag = "employers", params(("credit_code" = String, Path)),
    responses((status = 200, description = "The corrections the caller may see", body = CorrectionList),
        (status = 404, description = "`employer_not_found` (also for callers who may not read the directory)", body = ErrorBody)))]
pub async fn list_corrections(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(code): Path<String>,
) -> Result<Json<CorrectionList>, AppError> {
    let items: Vec<CorrectionDto> = employers::corrections(state.store.as_ref(), &caller.actor, &code)
        .await?
        .into_iter()
        .map(correction_dto)
        .collect();
    Ok(Json(CorrectionList { total: items.len() as i64, items }))
}

/// Proposes a correction of an employer record for its registering scope to decide (staff who
/// work with the directory). The proposed values are checked as an entry would be.
#[utoipa::path(post, path = "/api/v1/employers/{credit_code}/corrections", tag = "employers", params(("credit_code" = String, Path)),
    request_body = CorrectionInput,
    responses((status = 201, description = "Recorded, waiting for the registering scope", body = CorrectionDto),
        (status = 403, description = "`forbidden` (not staff who work with the directory)", body = ErrorBody),
        (status = 404, description = "`employer_not_found`", body = ErrorBody),
        (status = 422, description = "`no_change` (nothing differs from the record), `invalid_name`, `invalid_employer_type`, `invalid_industry`, `invalid_region`, `invalid_size`", body = ErrorBody)))]
pub async fn post_correction(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(code): Path<String>,
    Json(input): Json<CorrectionInput>,
) -> Response {
    let code = code.trim().to_ascii_uppercase();
    let event = AuditEvent::new("employer_correction_propose").target(format!("employer:{code}"), None);
    let proposed = Changes {
        name: input.name,
        employer_type: input.employer_type,
        industry_code: input.industry_code,
        region_code: input.region_code,
        employees: input.employees,
        revenue_wan: input.revenue_wan,
        contact_name: input.contact_name,
        contact_phone: input.contact_phone,
        contact_email: input.contact_email,
    };
    let result = employers::propose_correction(
        state.store.as_ref(),
        &state.refdata,
        &caller.actor,
        &code,
        &proposed,
        input.note.as_deref(),
    )
    .await;
    match result {
        Ok(Done { value, grant, path }) => {
            let d = correction_dto(value);
            event
                .by(&grant)
                .target(format!("employer:{code}"), Some(&path))
                .detail(format!("correction:{}", d.id))
                .attach((StatusCode::CREATED, Json(d)).into_response())
        }
        Err(e) => audited(event, Err(e.into())),
    }
}

/// A decision on a proposed correction.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CorrectionDecision {
    pub accept: bool,
    /// Required to reject (at most 500 characters).
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

/// Accepts or rejects a proposed correction (staff of the employer's registering scope).
/// Accepting applies the proposed values, checked again, and the employer's version goes up.
#[utoipa::path(post, path = "/api/v1/employers/{credit_code}/corrections/{id}/decision", tag = "employers",
    params(("credit_code" = String, Path), ("id" = Uuid, Path)), request_body = CorrectionDecision,
    responses((status = 200, description = "Decided", body = CorrectionDto),
        (status = 403, description = "`forbidden` (not staff of the registering scope)", body = ErrorBody),
        (status = 404, description = "`employer_not_found`, `correction_not_found`", body = ErrorBody),
        (status = 409, description = "`correction_decided` (decided already), `version_conflict`", body = ErrorBody),
        (status = 422, description = "`note_required` (to reject), or the proposed values no longer pass the checks (`invalid_region`, …)", body = ErrorBody)))]
pub async fn decide_correction(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path((code, id)): Path<(String, Uuid)>,
    Json(input): Json<CorrectionDecision>,
) -> Response {
    let code = code.trim().to_ascii_uppercase();
    let event = AuditEvent::new("employer_correction_decide")
        .target(format!("employer:{code}"), None)
        .detail(format!("correction:{id} {}", if input.accept { "accept" } else { "reject" }));
    let result = employers::decide_correction(
        state.store.as_ref(),
        &state.refdata,
        &caller.actor,
        &code,
        id,
        input.accept,
        input.note.as_deref(),
    )
    .await;
    match result {
        Ok(Done { value, grant, path }) => event
            .by(&grant)
            .target(format!("employer:{code}"), Some(&path))
            .attach(Json(correction_dto(value)).into_response()),
        Err(e) => audited(event, Err(e.into())),
    }
}

/// A scam confirmed by the staff of a scope.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScamReportDto {
    pub id: Uuid,
    pub employer_credit_code: String,
    pub employer_name: String,
    /// The confirming scope's code, name and path.
    pub scope: String,
    pub scope_name: String,
    pub scope_path: String,
    pub posting_id: Option<Uuid>,
    pub posting_title: Option<String>,
    pub reason: String,
    /// The confirmation blacklisted the employer everywhere (its scope covers the employer's
    /// registration); otherwise the employer's postings are hidden within `scope` only.
    pub blacklisted: bool,
    /// The confirming reviewer's username.
    pub reported_by: String,
    pub created_at: DateTime<Utc>,
    pub lifted_at: Option<DateTime<Utc>>,
    pub lift_reason: Option<String>,
}

fn scam_dto(r: ScamReportRow) -> ScamReportDto {
    ScamReportDto {
        id: r.report.id,
        employer_credit_code: r.employer_code,
        employer_name: r.employer_name,
        scope: r.org_code,
        scope_name: r.org_name,
        scope_path: r.org_path,
        posting_id: r.report.posting_id,
        posting_title: r.posting_title,
        reason: r.report.reason,
        blacklisted: r.report.blacklisted,
        reported_by: r.reporter_username,
        created_at: r.report.created_at,
        lifted_at: r.report.lifted_at,
        lift_reason: r.report.lift_reason,
    }
}

/// Scam reports.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScamReportList {
    pub total: i64,
    pub items: Vec<ScamReportDto>,
}

/// The scams confirmed about an employer, newest first, lifted ones included: for the staff
/// of its registering scope (the report upward) and of the scopes that confirmed them.
#[utoipa::path(get, path = "/api/v1/employers/{credit_code}/scam-reports", tag = "employers", params(("credit_code" = String, Path)),
    responses((status = 200, description = "The reports the caller may see", body = ScamReportList),
        (status = 404, description = "`employer_not_found` (also for callers who may not read the directory)", body = ErrorBody)))]
pub async fn employer_scam_reports(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(code): Path<String>,
) -> Result<Json<ScamReportList>, AppError> {
    let items: Vec<ScamReportDto> =
        employers::scam_reports(state.store.as_ref(), &caller.actor, &code).await?.into_iter().map(scam_dto).collect();
    Ok(Json(ScamReportList { total: items.len() as i64, items }))
}

/// The scam reports waiting for the caller's scope (see `jiuye_app::employers::scam_inbox`), a
/// page of them (50 from the first by default).
pub(crate) async fn scam_inbox(state: &AppState, caller: &Caller, page: Page) -> Result<ScamReportList, AppError> {
    let (rows, total) = employers::scam_inbox(state.store.as_ref(), &caller.actor, page.limit, page.offset).await?;
    Ok(ScamReportList { total, items: rows.into_iter().map(scam_dto).collect() })
}

/// Scams other scopes confirmed about employers registered within the caller's scope and hid
/// within their own, still waiting for this scope's decision (not lifted, the employer not
/// blacklisted), newest first: the reports upward, for the staff who may blacklist.
#[utoipa::path(get, path = "/api/v1/employers/scam-reports", tag = "employers", params(PageParams),
    responses((status = 200, description = "Reports waiting for a decision", body = ScamReportList),
        (status = 403, description = "`forbidden` (not staff who verify employers)", body = ErrorBody)))]
pub async fn scam_reports_inbox(
    State(state): State<AppState>,
    Signed(caller): Signed,
    page: Page,
) -> Result<Json<ScamReportList>, AppError> {
    Ok(Json(scam_inbox(&state, &caller, page).await?))
}

/// Why a hide is lifted.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LiftInput {
    /// Required (2–500 characters).
    #[schema(max_length = 500)]
    pub reason: String,
}

/// Lifts a scope's hide of an employer (staff who review postings in that scope, or above). A
/// blacklisting is lifted through the employer's verification instead.
#[utoipa::path(post, path = "/api/v1/employers/{credit_code}/scam-reports/{id}/lift", tag = "employers",
    params(("credit_code" = String, Path), ("id" = Uuid, Path)), request_body = LiftInput,
    responses((status = 200, description = "Lifted: the employer's postings show in that scope again", body = ScamReportDto),
        (status = 403, description = "`forbidden` (the report's scope is outside the caller's)", body = ErrorBody),
        (status = 404, description = "`employer_not_found`, `scam_report_not_found`", body = ErrorBody),
        (status = 409, description = "`already_lifted`", body = ErrorBody),
        (status = 422, description = "`reason_required`, `lift_via_verification` (a blacklisting)", body = ErrorBody)))]
pub async fn lift_scam_report(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path((code, id)): Path<(String, Uuid)>,
    Json(input): Json<LiftInput>,
) -> Response {
    let code = code.trim().to_ascii_uppercase();
    let event = AuditEvent::new("employer_hide_lift").target(format!("employer:{code}"), None);
    let result = employers::lift_hide(state.store.as_ref(), &caller.actor, &code, id, &input.reason).await;
    match result {
        Ok(Done { value, grant, path }) => event
            .by(&grant)
            .target(format!("employer:{code}"), Some(&path))
            .detail(format!("scam_report:{id}：{}", input.reason.trim()))
            .attach(Json(scam_dto(value)).into_response()),
        Err(e) => audited(event, Err(e.into())),
    }
}
