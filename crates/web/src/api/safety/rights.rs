//! Rights reports (维护就业权益) over JSON: a graduate files and follows their reports; the career
//! centre (and the province, for reports about a university or untouched for 5 working days)
//! handles them and sees counts by kind and by employer. Employers have no access at all.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiuye_app::safety::rights::{NewReport, ReportView, Summary};
use jiuye_domain::safety::rights::{Kind, State as ReportState};
use jiuye_store::safety::RightsRow;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::AppState;
use crate::auth::{AuditEvent, Signed, audited};
use crate::error::{AppError, ErrorBody};
use crate::extract::page::{Page, PageParams};
use crate::extract::query::ApiQuery;

/// A report as a graduate files it.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewReportInput {
    /// `withheld_documents` (扣押证书逼签), `fake_agreement` (虚假签约), `fees` (违规收费),
    /// `discrimination` (就业歧视) or `other`.
    pub kind: String,
    /// The employer's 统一社会信用代码, when it is in the directory.
    pub employer: Option<String>,
    /// The code of a university unit (one's own university or a college of it: such reports go
    /// to the province directly).
    pub unit: Option<String>,
    /// Whom the report is about, when neither code is given.
    #[schema(max_length = 100)]
    pub target_name: Option<String>,
    /// What happened (5–2,000 characters).
    #[schema(max_length = 2000)]
    pub description: String,
    /// Do not give my name to the employer (staff always see who reported).
    #[serde(default)]
    pub anonymous: bool,
}

/// One step of a report.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportStepDto {
    pub state: String,
    pub state_name: String,
    /// Who moved it (none for the filing).
    pub by: Option<String>,
    /// What was done, as the graduate reads it.
    pub note: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// A rights report.
#[derive(Debug, Serialize, ToSchema)]
pub struct RightsReportDto {
    pub id: Uuid,
    pub kind: String,
    pub kind_name: String,
    /// Whom it is about.
    pub target_name: String,
    /// The employer's credit code, when it is in the directory.
    pub employer_credit_code: Option<String>,
    pub description: String,
    /// The graduate's name is not to be given to the employer.
    pub anonymous: bool,
    /// The graduate who reported (name and 学号).
    pub graduate_name: String,
    pub student_no: String,
    pub university: String,
    /// `university` (the career centre first) or `province` (about the graduate's own university).
    pub route: String,
    /// `received`, `handling`, `resolved` or `referred`.
    pub state: String,
    pub state_name: String,
    /// The last day for the university to take it up before it reaches the province.
    pub due_on: String,
    /// It has reached the province.
    pub at_province: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub version: i64,
    /// Its steps, oldest first (in the answer for one report only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<ReportStepDto>,
}

pub(crate) fn report_dto(row: RightsRow, at_province: bool) -> RightsReportDto {
    let r = row.report;
    let kind_name = Kind::from_id(&r.kind).map(Kind::name).unwrap_or_default().to_owned();
    let state_name = ReportState::from_id(&r.state).map(ReportState::name).unwrap_or_default().to_owned();
    RightsReportDto {
        id: r.id,
        kind: r.kind,
        kind_name,
        target_name: r.target_name,
        employer_credit_code: row.employer_code,
        description: r.description,
        anonymous: r.anonymous,
        graduate_name: row.graduate_name,
        student_no: row.student_no,
        university: row.university_name,
        route: r.route,
        state: r.state,
        state_name,
        due_on: r.due_on.to_string(),
        at_province,
        created_at: r.created_at,
        version: r.version,
        steps: Vec::new(),
    }
}

pub(crate) fn view_dto(v: ReportView) -> RightsReportDto {
    let steps = v
        .events
        .into_iter()
        .map(|e| ReportStepDto {
            state_name: ReportState::from_id(&e.state).map(ReportState::name).unwrap_or_default().to_owned(),
            state: e.state,
            by: e.by_name,
            note: e.note,
            at: e.at,
        })
        .collect();
    let mut d = report_dto(v.row, v.at_province);
    d.steps = steps;
    d
}

/// Files a report (graduates, about their own case). It goes to the career centre of their
/// university, or to the province when it is about that university or a unit of it.
#[utoipa::path(post, path = "/api/v1/rights-reports", tag = "safety", request_body = NewReportInput,
    responses((status = 201, description = "Filed", body = RightsReportDto),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: only graduates file reports", body = ErrorBody),
        (status = 422, description = "`invalid_report_kind`, `invalid_report_target`, `invalid_reason`, `text_too_long`", body = ErrorBody)))]
pub async fn file_report(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Json(input): Json<NewReportInput>,
) -> Response {
    let event = AuditEvent::new("rights_report_file");
    let new = NewReport {
        kind: &input.kind,
        employer: input.employer.as_deref(),
        unit: input.unit.as_deref(),
        target_name: input.target_name.as_deref(),
        description: &input.description,
        anonymous: input.anonymous,
    };
    match state.rights().file(&caller.actor, &new).await {
        Ok(row) => {
            let (id, path) = (row.report.id, row.university_path.clone());
            let at_province = state.rights().at_province(&row.report);
            event
                .target(format!("rights_report:{id}"), Some(&path))
                .detail(row.report.kind.clone())
                .attach((StatusCode::CREATED, Json(report_dto(row, at_province))).into_response())
        }
        Err(e) => audited(event, Err(e.into())),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportFilter {
    /// `open` (received or handling), `received`, `handling`, `resolved`, `referred`, or `all`
    /// (default).
    pub state: Option<String>,
    /// One kind only.
    pub kind: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportList {
    pub total: i64,
    pub items: Vec<RightsReportDto>,
}

/// The caller's reports (a graduate) or those they handle (career centre; the province for
/// reports that reached it), newest first.
#[utoipa::path(get, path = "/api/v1/rights-reports", tag = "safety", params(ReportFilter, PageParams),
    responses((status = 200, description = "Reports, newest first", body = ReportList),
        (status = 400, description = "`invalid_report_state`, `invalid_report_kind`, `invalid_query`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody)))]
pub async fn list_reports(
    State(state): State<AppState>,
    Signed(caller): Signed,
    ApiQuery(f): ApiQuery<ReportFilter>,
    page: Page,
) -> Result<Json<ReportList>, AppError> {
    Ok(Json(reports(&state, &caller, &f, page).await?))
}

pub(crate) async fn reports(
    state: &AppState,
    caller: &crate::auth::Caller,
    f: &ReportFilter,
    page: Page,
) -> Result<ReportList, AppError> {
    let rights = state.rights();
    let (state_id, kind) = (f.state.as_deref(), f.kind.as_deref());
    let (rows, total) =
        rights.list(&caller.actor, state_id, kind, page.limit, page.offset, state.reads(caller)).await?;
    let items = rows
        .into_iter()
        .map(|r| {
            let at = rights.at_province(&r.report);
            report_dto(r, at)
        })
        .collect();
    Ok(ReportList { total, items })
}

/// One count.
#[derive(Debug, Serialize, ToSchema)]
pub struct KindCount {
    pub kind: String,
    pub name: String,
    pub count: i64,
}

/// Reports about one employer or other target.
#[derive(Debug, Serialize, ToSchema)]
pub struct TargetCount {
    pub name: String,
    /// Set when the target is an employer in the directory.
    pub employer_id: Option<Uuid>,
    pub count: i64,
}

/// Counts of the reports a handler sees.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportSummary {
    pub total: i64,
    pub by_kind: Vec<KindCount>,
    /// Most reported first.
    pub by_target: Vec<TargetCount>,
}

pub(crate) fn summary_dto(s: Summary) -> ReportSummary {
    ReportSummary {
        total: s.total,
        by_kind: s
            .by_kind
            .into_iter()
            .map(|(k, n)| KindCount { kind: k.id().into(), name: k.name().into(), count: n })
            .collect(),
        by_target: s
            .by_target
            .into_iter()
            .map(|(name, employer_id, count)| TargetCount { name, employer_id, count })
            .collect(),
    }
}

/// Counts by kind and by employer of the reports the caller handles (no reporter is named).
#[utoipa::path(get, path = "/api/v1/rights-reports/summary", tag = "safety",
    responses((status = 200, description = "Counts", body = ReportSummary),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: for handlers only", body = ErrorBody)))]
pub async fn report_summary(
    State(state): State<AppState>,
    Signed(caller): Signed,
) -> Result<Json<ReportSummary>, AppError> {
    Ok(Json(summary_dto(state.rights().summary(&caller.actor).await?)))
}

/// One report with its steps (the graduate who filed it, or a handler).
#[utoipa::path(get, path = "/api/v1/rights-reports/{id}", tag = "safety", params(("id" = Uuid, Path)),
    responses((status = 200, description = "The report", body = RightsReportDto),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 404, description = "`report_not_found` (also for anyone else)", body = ErrorBody)))]
pub async fn get_report(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
) -> Result<Json<RightsReportDto>, AppError> {
    Ok(Json(view_dto(state.rights().get(&caller.actor, id, state.reads(&caller)).await?)))
}

/// A handler's step.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AdvanceInput {
    /// `handling`, `resolved` or `referred` (a closed report may only go back to `handling`).
    pub state: String,
    /// What was done (2–500 characters; the graduate reads it).
    #[schema(max_length = 500)]
    pub note: String,
    /// The version seen.
    pub version: i64,
}

/// Moves a report on, with a note the graduate reads (its handlers only).
#[utoipa::path(post, path = "/api/v1/rights-reports/{id}/state", tag = "safety", params(("id" = Uuid, Path)), request_body = AdvanceInput,
    responses((status = 200, description = "Moved", body = RightsReportDto),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 404, description = "`report_not_found` (also for anyone who does not handle it)", body = ErrorBody),
        (status = 409, description = "`version_conflict`", body = ErrorBody),
        (status = 422, description = "`invalid_report_state`, `note_required`, `text_too_long`", body = ErrorBody)))]
pub async fn advance_report(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
    Json(input): Json<AdvanceInput>,
) -> Response {
    let event = advance_event(id, &input.state);
    match state.rights().advance(&caller.actor, id, &input.state, &input.note, input.version).await {
        Ok((view, grant)) => {
            let path = view.row.university_path.clone();
            event
                .by(&grant)
                .target(format!("rights_report:{id}"), Some(&path))
                .attach(Json(view_dto(view)).into_response())
        }
        Err(e) => audited(event, Err(e.into())),
    }
}

pub(crate) fn advance_event(id: Uuid, to: &str) -> AuditEvent {
    AuditEvent::new("rights_report_move").target(format!("rights_report:{id}"), None).detail(to.trim().to_owned())
}
