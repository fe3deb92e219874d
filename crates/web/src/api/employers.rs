//! The shared employer directory over JSON: staff add employers; an existing employer is
//! changed only by its own account or by the staff of the scope that registered it, and other
//! staff propose corrections for that scope to decide. Employers register themselves (limited
//! per client address) and wait for verification; the registering scope verifies, blacklists
//! or lifts a blacklisting with a reason, and sees the scams other scopes confirmed and hid
//! within their own scope. The use cases are `jiuye_app::employers`; this module reads the
//! requests, answers with the JSON shapes below and names the audit entries.

pub mod registration;
pub mod reviews;
pub mod verification;
pub mod view;

use crate::api::employers::view::{EmployerDto, EmployerInput};
use crate::extract::page::{Page, PageParams};

use crate::api::employers::registration::__path_register_employer;
use crate::api::employers::registration::RegistrationLimiter;
use crate::api::employers::registration::register_employer;
use crate::api::employers::reviews::__path_decide_correction;
use crate::api::employers::reviews::__path_employer_scam_reports;
use crate::api::employers::reviews::__path_lift_scam_report;
use crate::api::employers::reviews::__path_list_corrections;
use crate::api::employers::reviews::__path_post_correction;
use crate::api::employers::reviews::__path_scam_reports_inbox;
use crate::api::employers::reviews::decide_correction;
use crate::api::employers::reviews::employer_scam_reports;
use crate::api::employers::reviews::lift_scam_report;
use crate::api::employers::reviews::list_corrections;
use crate::api::employers::reviews::post_correction;
use crate::api::employers::reviews::scam_reports_inbox;
use crate::api::employers::verification::__path_verify_employer;
use crate::api::employers::verification::verify_employer;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use jiuye_app::employers::{self, Entered};

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{AuditEvent, Signed, audited};
use crate::error::{AppError, ErrorBody};
use crate::extract::query::ApiQuery;

/// The answer to an entry that became a correction.
#[derive(Debug, Serialize, ToSchema)]
pub struct CorrectionProposed {
    /// Always `correction_proposed`.
    #[schema(example = "correction_proposed")]
    pub status: String,
    /// The correction's id (see `/api/v1/employers/{credit_code}/corrections`).
    pub id: Uuid,
}

/// Adds an employer to the shared directory, or enters what one knows of an employer already
/// there. An existing employer is changed only by its own account or by staff whose scope holds
/// the organisation that registered it; an entry from other staff that differs from the stored
/// record becomes a correction for the registering scope to decide (`202`), and an identical
/// entry changes nothing.
#[utoipa::path(post, path = "/api/v1/employers", tag = "employers", request_body = EmployerInput,
    responses((status = 201, description = "Added to the directory, registered under the caller's organisation", body = EmployerDto),
        (status = 200, description = "Changed (own account or registering scope; fields not given are kept), or nothing differed", body = EmployerDto),
        (status = 202, description = "Staff outside the registering scope: the differences were recorded as a correction", body = CorrectionProposed),
        (status = 422, description = "`invalid_credit_code` (naming the position and reason), `invalid_name`, `invalid_employer_type`, `invalid_industry`, `invalid_region`, `invalid_size`", body = ErrorBody),
        (status = 403, description = "`forbidden` (not staff who register employers, nor the employer's own account)", body = ErrorBody),
        (status = 404, description = "`employer_not_found` (an employer's account entering another employer)", body = ErrorBody),
        (status = 409, description = "`version_conflict` (changed by someone else meanwhile)", body = ErrorBody)))]
pub async fn create_employer(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Json(input): Json<EmployerInput>,
) -> Response {
    let code = input.credit_code.trim().to_ascii_uppercase();
    let event = AuditEvent::new("employer_upsert").target(format!("employer:{code}"), None);
    let entered = employers::enter(state.store.as_ref(), &state.refdata, &caller.actor, &(&input).into()).await;
    match entered {
        Ok(Entered::Added { employer, grant }) => {
            let d = EmployerDto::from(employer);
            event
                .by(&grant)
                .target(format!("employer:{}", d.credit_code), Some(&grant.org_path))
                .detail("新增")
                .attach((StatusCode::CREATED, Json(d)).into_response())
        }
        Ok(Entered::Changed { employer, grant, registered_at }) => {
            let d = EmployerDto::from(employer);
            event
                .by(&grant)
                .target(format!("employer:{}", d.credit_code), Some(&registered_at))
                .detail(format!("修改，版本 {}", d.version))
                .attach(Json(d).into_response())
        }
        Ok(Entered::Unchanged { employer, registered_at }) => {
            let d = EmployerDto::from(employer);
            event
                .target(format!("employer:{}", d.credit_code), Some(&registered_at))
                .detail("与库中记录相同，未修改")
                .attach(Json(d).into_response())
        }
        Ok(Entered::Proposed { correction: id, grant, registered_at }) => {
            AuditEvent::new("employer_correction_propose")
                .by(&grant)
                .target(format!("employer:{code}"), Some(&registered_at))
                .detail(format!("correction:{id}"))
                .attach(
                    (StatusCode::ACCEPTED, Json(CorrectionProposed { status: "correction_proposed".into(), id }))
                        .into_response(),
                )
        }
        Err(e) => audited(event, Err(e.into())),
    }
}

/// One employer by credit code (staff, or the employer itself). The contact person is shown
/// only to the employer, the staff of its registering scope and the staff of a university where
/// it has a posting, a visit or a base; to anyone else those fields are `null`.
#[utoipa::path(get, path = "/api/v1/employers/{credit_code}", tag = "employers", params(("credit_code" = String, Path)),
    responses((status = 200, description = "The employer; for the staff of its registering scope also the scam reports in force about it", body = EmployerDto),
        (status = 404, description = "`employer_not_found` (also for callers who may not read the directory)", body = ErrorBody)))]
pub async fn get_employer(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(code): Path<String>,
) -> Result<Json<EmployerDto>, AppError> {
    let found = employers::get(state.store.as_ref(), &caller.actor, &code).await?;
    let mut d = EmployerDto::from(found.employer);
    d.scam_reports_in_force = found.scam_reports_in_force;
    Ok(Json(d))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EmployerListParams {
    /// Name contains, or the exact credit code.
    pub q: Option<String>,
    /// `unverified`, `verified` or `blacklisted`.
    pub verification: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EmployerList {
    pub total: i64,
    pub items: Vec<EmployerDto>,
}

/// The employer directory (staff). Contact persons follow the same rule as for one employer.
#[utoipa::path(get, path = "/api/v1/employers", tag = "employers", params(EmployerListParams, PageParams),
    responses((status = 200, description = "A page of the directory, by name", body = EmployerList),
        (status = 403, description = "`forbidden` (not staff who work with the directory)", body = ErrorBody)))]
pub async fn list_employers(
    State(state): State<AppState>,
    Signed(caller): Signed,
    ApiQuery(p): ApiQuery<EmployerListParams>,
    page: Page,
) -> Result<Json<EmployerList>, AppError> {
    let (items, total) = employers::list(
        state.store.as_ref(),
        &caller.actor,
        p.q.as_deref(),
        p.verification.as_deref(),
        page.limit,
        page.offset,
    )
    .await?;
    Ok(Json(EmployerList { total, items: items.into_iter().map(EmployerDto::from).collect() }))
}

pub fn router() -> OpenApiRouter<AppState> {
    // One limiter per application: registrations are counted per node, not per process.
    let limiter = Arc::new(RegistrationLimiter::default());
    OpenApiRouter::new()
        .routes(routes!(list_employers, create_employer))
        .merge(OpenApiRouter::new().routes(routes!(register_employer)).layer(Extension(limiter)))
        .routes(routes!(scam_reports_inbox))
        .routes(routes!(get_employer))
        .routes(routes!(verify_employer))
        .routes(routes!(list_corrections, post_correction))
        .routes(routes!(decide_correction))
        .routes(routes!(employer_scam_reports))
        .routes(routes!(lift_scam_report))
}
