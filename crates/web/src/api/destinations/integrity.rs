//! Integrity findings and minimum wages over JSON: the checks of domain::integrity for a scope, and the minimum wage table by province.

use crate::error::ErrorCode;
use axum::Json;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use jiuye_domain::access::{Action, Resource, ScopedGrant};
use jiuye_domain::integrity::RecordFacts;

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::{AuditEvent, Caller, Signed, audited};
use crate::error::{AppError, ErrorBody};
use crate::extract::org::parse_org_code;
use crate::extract::query::ApiQuery;

/// One suspicious pattern with the records behind it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Finding {
    /// `bulk_same_employer_same_day`, `no_evidence`, `changed_after_confirmation`, `invalid_credit_code`.
    pub kind: String,
    pub reason: String,
    pub graduates: Vec<String>,
}

pub(crate) async fn findings(
    state: &AppState,
    caller: &Caller,
    org: &str,
    cohort: i32,
) -> Result<Vec<Finding>, AppError> {
    let code = parse_org_code(org)?;
    let o = state
        .store
        .org_by_code(&code)
        .await?
        .ok_or_else(|| AppError::not_found(ErrorCode::OrgNotFound, format!("找不到代码为 {code} 的组织机构")))?;
    crate::auth::authorize(caller, Action::ViewIntegrity, &Resource::at(&o.path))?;
    let rows = state.store.integrity_rows(&o.path, cohort).await?;
    let facts: Vec<RecordFacts> = rows
        .iter()
        .map(|r| RecordFacts {
            student_no: &r.student_no,
            name: &r.name,
            code: &r.code,
            status: r.status,
            employer_name: r.employer_name.as_deref(),
            credit_code: r.credit_code.as_deref(),
            source: &r.source,
            registered_by_name: r.registered_by_name.as_deref(),
            created_on: r.created_at.date_naive(),
            evidence_count: r.evidence_count,
            changes_after_confirmation: r.changes_after_confirmation,
        })
        .collect();
    Ok(jiuye_domain::integrity::findings(&facts)
        .into_iter()
        .map(|f| Finding { kind: f.kind.to_owned(), reason: f.reason, graduates: f.graduates })
        .collect())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IntegrityParams {
    pub org: String,
    pub cohort: i32,
}

/// Suspicious patterns in a scope, with reasons: bulk registrations to one employer on one day
/// by one staff account, records without evidence, records changed after the graduate
/// confirmed, employers whose credit code fails its check.
#[utoipa::path(get, path = "/api/v1/integrity", tag = "graduates", params(IntegrityParams),
    responses((status = 200, body = Vec<Finding>), (status = 403, description = "`forbidden`", body = ErrorBody)))]
pub async fn get_integrity(
    State(state): State<AppState>,
    Signed(caller): Signed,
    ApiQuery(p): ApiQuery<IntegrityParams>,
) -> Result<Json<Vec<Finding>>, AppError> {
    Ok(Json(findings(&state, &caller, &p.org, p.cohort).await?))
}

/// A province's minimum wage.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MinWage {
    pub province_code: String,
    pub monthly_yuan: i64,
    pub effective: String,
    pub source: String,
}

/// The minimum-wage table the pay rules use.
#[utoipa::path(get, path = "/api/v1/min-wages", tag = "graduates", responses((status = 200, body = Vec<MinWage>)))]
pub async fn list_min_wages(
    State(state): State<AppState>,
    Signed(_caller): Signed,
) -> Result<Json<Vec<MinWage>>, AppError> {
    Ok(Json(
        state
            .store
            .min_wages()
            .await?
            .into_iter()
            .map(|(p, y, e, s)| MinWage { province_code: p, monthly_yuan: y, effective: e, source: s })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MinWageUpdate {
    pub monthly_yuan: i64,
    /// YYYY-MM-DD.
    pub effective: String,
}

/// Sets a province's minimum wage (province administrators for their province, the ministry
/// for any).
#[utoipa::path(put, path = "/api/v1/min-wages/{province}", tag = "graduates", params(("province" = String, Path)), request_body = MinWageUpdate,
    responses((status = 204), (status = 400, description = "`invalid_min_wage`", body = ErrorBody), (status = 403, description = "`forbidden`", body = ErrorBody)))]
pub async fn put_min_wage(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(province): Path<String>,
    Json(u): Json<MinWageUpdate>,
) -> Response {
    let event = AuditEvent::new("min_wage_set")
        .target(format!("province:{province}"), None)
        .detail(format!("{} 元", u.monthly_yuan));
    let result = set_min_wage(&state, &caller, &province, u.monthly_yuan, &u.effective).await;
    match result {
        Ok(grant) => event.by(&grant).attach(StatusCode::NO_CONTENT.into_response()),
        Err(e) => audited(event, Err(e)),
    }
}

pub(crate) async fn set_min_wage(
    state: &AppState,
    caller: &Caller,
    province: &str,
    yuan: i64,
    effective: &str,
) -> Result<ScopedGrant, AppError> {
    let code = parse_org_code(province)?;
    let org = state
        .store
        .org_by_code(&code)
        .await?
        .filter(|o| o.kind == jiuye_domain::OrgKind::Province)
        .ok_or_else(|| AppError::not_found(ErrorCode::OrgNotFound, "找不到该省份"))?;
    let grant = crate::auth::authorize(caller, Action::EditMinWage, &Resource::at(&org.path))?.clone();
    if !(500..=20_000).contains(&yuan) || NaiveDate::parse_from_str(effective.trim(), "%Y-%m-%d").is_err() {
        return Err(AppError::bad_request(
            ErrorCode::InvalidMinWage,
            "月最低工资应在 500–20000 元之间，生效日期形如 2024-01-01",
        ));
    }
    state
        .store
        .set_min_wage(code.as_str(), yuan, effective.trim(), &format!("edited by {}", caller.user.username))
        .await?;
    Ok(grant)
}
