//! The audit log over JSON: rows by or about the caller's scope, newest first.

use crate::extract::page::{Page, PageParams};
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use jiuye_app::accounts::audit::{self, AuditFilter};
use jiuye_store::accounts::AuditRow;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::Signed;
use crate::error::{AppError, ErrorBody};
use crate::extract::query::ApiQuery;

/// One audit row.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditRowDto {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub username: Option<String>,
    pub role: Option<String>,
    pub org_code: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub result: String,
    pub ip: Option<String>,
    pub detail: Option<String>,
    pub hash: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditList {
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
    pub items: Vec<AuditRowDto>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Organisation code: rows by or about that subtree.
    pub org: Option<String>,
    /// e.g. `sign_in`, `user_create`, `grant_add`.
    pub action: Option<String>,
    pub username: Option<String>,
    /// e.g. `ok`, `invalid_password`, `account_locked`, `forbidden`.
    pub result: Option<String>,
}

impl From<AuditParams> for AuditFilter {
    fn from(p: AuditParams) -> AuditFilter {
        AuditFilter { org: p.org, action: p.action, username: p.username, result: p.result }
    }
}

impl From<AuditRow> for AuditRowDto {
    fn from(r: AuditRow) -> AuditRowDto {
        AuditRowDto {
            seq: r.seq,
            at: r.at,
            username: r.entry.username,
            role: r.entry.role,
            org_code: r.entry.org_code,
            action: r.entry.action,
            target: r.entry.target,
            result: r.entry.result,
            ip: r.entry.ip,
            detail: r.entry.detail,
            hash: r.hash,
        }
    }
}

/// The audit log of the caller's scope, newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "identity", params(AuditParams, PageParams),
    responses((status = 200, body = AuditList), (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody)))]
pub async fn list_audit(
    State(state): State<AppState>,
    Signed(caller): Signed,
    ApiQuery(p): ApiQuery<AuditParams>,
    page: Page,
) -> Result<Json<AuditList>, AppError> {
    let Page { limit, offset } = page;
    let (rows, total) = audit::read(&*state.store, &caller.actor, p.into(), limit, offset).await?;
    Ok(Json(AuditList { total, limit, offset, items: rows.into_iter().map(AuditRowDto::from).collect() }))
}
