//! Verifying and blacklisting employers over JSON, and confirming scams: only the registering scope blacklists or lifts a blacklist; others confirm a scam for their own scope.

use crate::api::employers::EmployerDto;
use crate::api::employers::employer_missing;
use crate::api::employers::facts_of;
use crate::api::employers::shown;
use crate::error::ErrorCode;
use axum::extract::{Path, State};

use axum::Json;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use jiuye_domain::access::{self, Action, Resource, ScopedGrant};
use jiuye_domain::employer::Verification;

use jiuye_store::employers::{EmployerRecord, ScamReportRecord};

use serde::Deserialize;
use utoipa::ToSchema;

use crate::AppState;
use uuid::Uuid;

use crate::auth::{AuditEvent, Caller, Signed, audited, forbidden};
use crate::error::{AppError, ErrorBody};

#[derive(Debug, Deserialize, ToSchema)]
pub struct VerificationRequest {
    /// `verified`, `blacklisted` or `unverified`. Moving a blacklisted employer to `verified` or
    /// `unverified` lifts the blacklisting.
    pub state: String,
    /// Required to blacklist and to lift a blacklisting.
    pub reason: Option<String>,
}

/// Verifies or blacklists an employer, or lifts its blacklisting (administrators of the
/// organisation that registered it, or above). Blacklisting and lifting need a reason; every
/// step is audited.
#[utoipa::path(post, path = "/api/v1/employers/{credit_code}/verification", tag = "employers", params(("credit_code" = String, Path)),
    request_body = VerificationRequest,
    responses((status = 200, description = "The employer in its new state", body = EmployerDto),
        (status = 400, description = "`invalid_state`, `reason_required`", body = ErrorBody),
        (status = 403, description = "`forbidden` (the registering organisation is outside the caller's scope)", body = ErrorBody),
        (status = 404, description = "`employer_not_found`", body = ErrorBody)))]
pub async fn verify_employer(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(code): Path<String>,
    Json(r): Json<VerificationRequest>,
) -> Response {
    let code = code.trim().to_ascii_uppercase();
    let event =
        AuditEvent::new("employer_verification").target(format!("employer:{code}"), None).detail(r.state.clone());
    let result = async {
        let e = state.store.employer(&code).await?.ok_or_else(employer_missing)?;
        let facts = facts_of(&state, &e).await?;
        let grant = access::can(&caller.actor, Action::VerifyEmployer, &Resource::at(&facts.registered_path))
            .ok_or_else(forbidden)?
            .clone();
        let v = Verification::from_id(&r.state).ok_or_else(|| {
            AppError::bad_request(ErrorCode::InvalidState, "state 应为 verified、blacklisted 或 unverified")
        })?;
        let reason = r
            .reason
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.chars().take(500).collect::<String>());
        let was_blacklisted = e.verification == Verification::Blacklisted;
        if v == Verification::Blacklisted && reason.is_none() {
            return Err(AppError::bad_request(ErrorCode::ReasonRequired, "列入黑名单必须写明原因"));
        }
        let lifting = was_blacklisted && v != Verification::Blacklisted;
        if lifting && reason.is_none() {
            return Err(AppError::bad_request(ErrorCode::ReasonRequired, "解除黑名单必须写明原因"));
        }
        state
            .store
            .set_verification(&code, v, caller.user.id, reason.as_deref().filter(|_| v == Verification::Blacklisted))
            .await?;
        let detail = match (v, reason.as_deref()) {
            (Verification::Blacklisted, Some(why)) if !was_blacklisted => {
                record_scam(&state, caller.user.id, &grant, &e, None, why, true).await?;
                format!("blacklisted：{why}")
            }
            (_, Some(why)) if lifting => {
                state.store.lift_blacklisting_reports(e.id, caller.user.id, why).await?;
                format!("{}，解除黑名单：{why}", v.id())
            }
            (_, Some(why)) => format!("{}：{why}", v.id()),
            (_, None) => v.id().to_owned(),
        };
        let e = state.store.employer(&code).await?.ok_or_else(employer_missing)?;
        Ok((shown(&caller, e, &facts), grant, facts.registered_path, detail))
    }
    .await;
    match result {
        Ok((d, grant, path, detail)) => event
            .by(&grant)
            .target(format!("employer:{code}"), Some(&path))
            .detail(detail)
            .attach(Json(d).into_response()),
        Err(e) => audited(event, Err(e)),
    }
}

/// Records a scam confirmed (or a blacklisting decided) by the holder of `grant`.
pub(crate) async fn record_scam(
    state: &AppState,
    by: Uuid,
    grant: &ScopedGrant,
    e: &EmployerRecord,
    posting: Option<Uuid>,
    reason: &str,
    blacklisted: bool,
) -> Result<Uuid, AppError> {
    let r = ScamReportRecord {
        id: Uuid::now_v7(),
        employer_id: e.id,
        org_id: grant.org_id,
        posting_id: posting,
        reason: reason.to_owned(),
        blacklisted,
        created_by: by,
        created_at: Utc::now(),
        lifted_by: None,
        lifted_at: None,
        lift_reason: None,
        origin_node: state.store.node().await?.node_id,
    };
    state.store.add_scam_report(&r).await?;
    Ok(r.id)
}

/// What a confirmed scam did to its employer.
pub(crate) enum ScamOutcome {
    /// The confirming scope covers the employer's registration: blacklisted everywhere.
    Blacklisted,
    /// Confirmed for the reviewer's scope only: the employer's postings are hidden there, and
    /// the report goes up to the registering scope.
    HiddenIn(String),
}

/// Confirms a scam found in a posting reviewed under `grant`: staff whose scope covers the
/// employer's registration blacklist it; anyone else hides it within their own scope and
/// reports it to the registering scope.
pub(crate) async fn confirm_scam(
    state: &AppState,
    caller: &Caller,
    grant: &ScopedGrant,
    employer_id: Uuid,
    posting: Uuid,
    reason: &str,
) -> Result<ScamOutcome, AppError> {
    let e = state.store.employer_by_id(employer_id).await?.ok_or_else(employer_missing)?;
    let facts = facts_of(state, &e).await?;
    let blacklister = access::can(&caller.actor, Action::VerifyEmployer, &Resource::at(&facts.registered_path));
    match blacklister {
        Some(g) => {
            let g = g.clone();
            state
                .store
                .set_verification(&e.credit_code, Verification::Blacklisted, caller.user.id, Some(reason))
                .await?;
            record_scam(state, caller.user.id, &g, &e, Some(posting), reason, true).await?;
            Ok(ScamOutcome::Blacklisted)
        }
        None => {
            record_scam(state, caller.user.id, grant, &e, Some(posting), reason, false).await?;
            Ok(ScamOutcome::HiddenIn(grant.org_path.clone()))
        }
    }
}
