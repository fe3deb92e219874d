//! Employers registering themselves over JSON (`jiuye_app::employers::register`): an account
//! and an unverified directory entry, rate-limited per client address, waiting for verification.

use crate::api::employers::view::EmployerDto;
use crate::api::employers::view::EmployerInput;
use crate::error::ErrorCode;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use std::sync::Arc;

use jiuye_app::employers::{self, Registered, Registration};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::{AuditEvent, ClientIp, FailureLimiter, MaybeCaller, audited};
use crate::error::{AppError, ErrorBody};

/// Anonymous self-registrations per client address (in memory, per node).
#[derive(Default)]
pub struct RegistrationLimiter(FailureLimiter);

/// Self-registrations allowed from one address within [`REGISTRATION_WINDOW`].
pub const REGISTRATION_LIMIT: usize = 20;
pub const REGISTRATION_WINDOW: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// Self-registration of an employer with its first account.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EmployerRegistration {
    pub employer: EmployerInput,
    pub username: String,
    pub password: String,
    pub display_name: String,
}

/// An employer registers itself with a first account (role `employer`), registered by the
/// province of its place. The employer stays `unverified` until that province (or above)
/// verifies it. At most 20 attempts per client address in 15 minutes.
#[utoipa::path(post, path = "/api/v1/employers/register", tag = "employers", request_body = EmployerRegistration,
    responses((status = 201, description = "Registered with its first account, waiting for verification", body = EmployerDto),
        (status = 409, description = "`employer_exists`, `username_taken`", body = ErrorBody),
        (status = 422, description = "`invalid_credit_code`, `invalid_region`, …", body = ErrorBody),
        (status = 400, description = "`weak_password`, `invalid_username`", body = ErrorBody),
        (status = 429, description = "`too_many_requests` (too many registrations from this address)", body = ErrorBody)))]
pub async fn register_employer(
    State(state): State<AppState>,
    _caller: MaybeCaller,
    Extension(limiter): Extension<Arc<RegistrationLimiter>>,
    ip: Option<Extension<ClientIp>>,
    Json(r): Json<EmployerRegistration>,
) -> Response {
    let event = AuditEvent::new("employer_self_register")
        .target(format!("employer:{}", r.employer.credit_code.trim().to_ascii_uppercase()), None);
    if let Some(Extension(ClientIp(Some(addr)))) = ip {
        if limiter.0.blocked(addr, REGISTRATION_LIMIT, REGISTRATION_WINDOW) {
            let e = AppError::new(
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::TooManyRequests,
                "注册尝试过于频繁，请稍后再试",
            );
            return audited(event.result("rate_limited"), Err(e));
        }
        limiter.0.record(addr, REGISTRATION_WINDOW);
    }
    let registration = Registration {
        employer: (&r.employer).into(),
        username: r.username,
        password: r.password,
        display_name: r.display_name,
    };
    let result =
        employers::register(state.store.as_ref(), &state.refdata, state.auth.settings.password_cost, &registration)
            .await;
    match result {
        Ok(Registered { employer, registered_at }) => event
            .target(format!("employer:{}", employer.credit_code), Some(&registered_at))
            .attach((StatusCode::CREATED, Json(EmployerDto::from(employer))).into_response()),
        Err(e) => audited(event, Err(e.into())),
    }
}
