//! Integrity findings and minimum wages over JSON: the checks of domain::integrity for a scope, and the minimum wage table by province.

use axum::Json;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiuye_domain::access::ScopedGrant;

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::{AuditEvent, Caller, Signed, audited};
use crate::error::{AppError, ErrorBody};
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
    Ok(jiuye_app::destinations::findings(state.store.as_ref(), &caller.actor, org, cohort)
        .await?
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
    Ok(jiuye_app::destinations::set_min_wage(state.store.as_ref(), &caller.actor, province, yuan, effective).await?)
}
