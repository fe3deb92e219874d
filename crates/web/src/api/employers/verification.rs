//! Verifying and blacklisting employers over JSON, and confirming scams (`jiuye_app::employers`):
//! only the registering scope blacklists or lifts a blacklist; others confirm a scam for their
//! own scope.

use crate::api::employers::view::EmployerDto;
use axum::extract::{Path, State};

use axum::Json;
use axum::response::{IntoResponse, Response};
use jiuye_app::employers::{self, Done};

use serde::Deserialize;
use utoipa::ToSchema;

use crate::AppState;

use crate::auth::{AuditEvent, Signed, audited};
use crate::error::ErrorBody;

#[derive(Debug, Deserialize, ToSchema)]
pub struct VerificationRequest {
    /// `verified`, `blacklisted` or `unverified`. Moving a blacklisted employer to `verified` or
    /// `unverified` lifts the blacklisting.
    pub state: String,
    /// Required to blacklist and to lift a blacklisting.
    #[schema(max_length = 500)]
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
    let result = employers::verify(&state.postings(), &caller.actor, &code, &r.state, r.reason.as_deref()).await;
    match result {
        Ok(Done { value: v, grant, path }) => {
            let state = v.verification.id();
            let detail = match v.reason.as_deref() {
                Some(why) if v.lifted => format!("{state}，解除黑名单：{why}"),
                Some(why) => format!("{state}：{why}"),
                None => state.to_owned(),
            };
            event
                .by(&grant)
                .target(format!("employer:{code}"), Some(&path))
                .detail(detail)
                .attach(Json(EmployerDto::from(v.employer)).into_response())
        }
        Err(e) => audited(event, Err(e.into())),
    }
}
