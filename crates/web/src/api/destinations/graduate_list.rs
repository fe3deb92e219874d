//! Graduates in scope over JSON: the list with its filters (status, unplaced, name or 学号), a counselor's follow-up of a graduate, and a cohort's closing date.

use crate::extract::page::{Page, PageParams};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use jiuye_app::destinations::graduates::{self, GraduateFilter};
use jiuye_store::destinations::GraduateListItem;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::{AuditEvent, Signed, audited};
use crate::error::{AppError, ErrorBody};
use crate::extract::query::ApiQuery;
use uuid::Uuid;

/// A graduate in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct GraduateItem {
    pub id: Uuid,
    pub student_no: String,
    pub name: String,
    pub college: String,
    pub programme: String,
    pub cohort: i32,
    pub dest_code: Option<String>,
    pub dest_status: String,
    /// Counselor follow-up: `not_contacted`, `contacted`, `needs_help`, `unreachable`.
    pub contact_state: String,
    pub contacted_at: Option<chrono::DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GraduateList {
    pub total: i64,
    pub items: Vec<GraduateItem>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GraduateListParams {
    /// Organisation code (default: everything the caller may see).
    pub org: Option<String>,
    pub cohort: Option<i32>,
    /// `none`, `draft`, `submitted`, `returned`, `college_approved`, `approved`, `confirmed`.
    pub status: Option<String>,
    /// Only graduates without a counted, placed destination.
    #[serde(default)]
    pub unplaced: bool,
    /// Only graduates nobody followed up with in this many days (1–365).
    pub uncontacted_days: Option<i64>,
    /// Name or 学号 contains.
    pub q: Option<String>,
}

impl From<GraduateListItem> for GraduateItem {
    fn from(g: GraduateListItem) -> Self {
        GraduateItem {
            id: g.id,
            student_no: g.student_no,
            name: g.name,
            college: g.college_name,
            programme: g.programme_name,
            cohort: g.cohort,
            dest_code: g.dest_code,
            dest_status: g.dest_status.id().into(),
            contact_state: g.contact_state,
            contacted_at: g.contacted_at,
        }
    }
}

impl From<GraduateListParams> for GraduateFilter {
    fn from(p: GraduateListParams) -> Self {
        GraduateFilter {
            org: p.org,
            cohort: p.cohort,
            status: p.status,
            unplaced: p.unplaced,
            uncontacted_days: p.uncontacted_days,
            q: p.q,
        }
    }
}

/// The Chinese name of a follow-up state.
pub fn contact_zh(state: &str) -> &'static str {
    match state {
        "contacted" => "已联系",
        "needs_help" => "需要帮扶",
        "unreachable" => "联系不上",
        _ => "未联系",
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ContactUpdate {
    /// `not_contacted`, `contacted`, `needs_help` or `unreachable`.
    pub state: String,
}

/// Records a counselor's follow-up with a graduate (staff only).
#[utoipa::path(post, path = "/api/v1/graduates/{id}/contact", tag = "graduates", params(("id" = Uuid, Path)), request_body = ContactUpdate,
    responses((status = 204), (status = 400, description = "`invalid_state`", body = ErrorBody), (status = 403, description = "`forbidden`", body = ErrorBody)))]
pub async fn post_contact(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
    Json(c): Json<ContactUpdate>,
) -> Response {
    let event = AuditEvent::new("graduate_contact").target(format!("graduate:{id}"), None).detail(c.state.clone());
    match graduates::record_contact(state.store.as_ref(), &caller.actor, id, &c.state).await {
        Ok(grant) => event.by(&grant).attach(StatusCode::NO_CONTENT.into_response()),
        Err(e) => audited(event, Err(e.into())),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ClosingUpdate {
    /// YYYY-MM-DD: the last day destination records of the cohort may change.
    pub closes_on: String,
}

/// Sets when a university's cohort closes for corrections (default: 31 August of the cohort
/// year).
#[utoipa::path(put, path = "/api/v1/cohorts/{university}/{cohort}", tag = "graduates",
    params(("university" = String, Path), ("cohort" = i32, Path)), request_body = ClosingUpdate,
    responses((status = 204), (status = 400, description = "`invalid_date`", body = ErrorBody), (status = 403, description = "`forbidden`", body = ErrorBody)))]
pub async fn put_closing(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path((university, cohort)): Path<(String, i32)>,
    Json(u): Json<ClosingUpdate>,
) -> Response {
    let event = AuditEvent::new("cohort_closing_set")
        .target(format!("org:{university}"), None)
        .detail(format!("{cohort} 届截至 {}", u.closes_on));
    let result = graduates::set_closing(state.store.as_ref(), &caller.actor, &university, cohort, &u.closes_on).await;
    match result {
        Ok(grant) => event.by(&grant).attach(StatusCode::NO_CONTENT.into_response()),
        Err(e) => audited(event, Err(e.into())),
    }
}

/// Graduates in the caller's scope: review queues (`status=submitted`), and those still
/// without a destination (`unplaced=true`). The read (filter and row count) is logged in the read
/// log.
#[utoipa::path(get, path = "/api/v1/graduates", tag = "graduates", params(GraduateListParams, PageParams),
    responses((status = 200, body = GraduateList), (status = 403, description = "`forbidden`", body = ErrorBody)))]
pub async fn list_graduates(
    State(state): State<AppState>,
    Signed(caller): Signed,
    ApiQuery(p): ApiQuery<GraduateListParams>,
    page: Page,
) -> Result<Json<GraduateList>, AppError> {
    let reads = state.reads(&caller);
    let (items, total) =
        graduates::list(state.store.as_ref(), &caller.actor, p.into(), page.limit, page.offset, reads).await?;
    Ok(Json(GraduateList { total, items: items.into_iter().map(GraduateItem::from).collect() }))
}
