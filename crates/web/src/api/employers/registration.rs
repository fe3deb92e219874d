//! Employers registering themselves over JSON: an account and an unverified directory entry, rate-limited per client address, waiting for verification.

use crate::api::employers::EmployerDto;
use crate::api::employers::EmployerInput;
use crate::api::employers::employer_missing;
use crate::api::employers::validate;
use crate::error::ErrorCode;
use crate::error::unprocessable;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use std::sync::Arc;

use jiuye_domain::access::Role;

use jiuye_domain::OrgCode;
use jiuye_store::accounts::{NewGrant, NewUser};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::AppState;
use uuid::Uuid;

use crate::auth::{AuditEvent, ClientIp, FailureLimiter, MaybeCaller, audited};
use crate::error::{AppError, ErrorBody};
use crate::pages::sign_in::check_password_rules;

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
    let result = async {
        let node = state.store.node().await?.node_id;
        let region = r.employer.region_code.trim();
        let province_code = OrgCode::parse(&format!("{}0000", region.get(..2).unwrap_or("00")))
            .map_err(|_| unprocessable(ErrorCode::InvalidRegion, format!("所在地代码 {region} 无效")))?;
        let province = state.store.org_by_code(&province_code).await?.ok_or_else(|| {
            unprocessable(ErrorCode::InvalidRegion, format!("所在地 {region} 不属于本平台的任何省份"))
        })?;
        let record = validate(&state, &r.employer, province.id, node)?;
        let exists = || {
            AppError::new(
                StatusCode::CONFLICT,
                ErrorCode::EmployerExists,
                "该单位已在库中；请联系所在省份或合作高校为您开通账号",
            )
        };
        if state.store.employer(&record.credit_code).await?.is_some() {
            return Err(exists());
        }
        let username = r.username.trim();
        jiuye_domain::accounts::check_username(username)?;
        check_password_rules(username, &r.password)?;
        if state.store.user_by_username(username).await?.is_some() {
            return Err(AppError::new(
                StatusCode::CONFLICT,
                ErrorCode::UsernameTaken,
                format!("用户名 {username} 已被使用"),
            ));
        }
        if !state.store.insert_employer(&record).await? {
            return Err(exists());
        }
        let stored = state.store.employer(&record.credit_code).await?.ok_or_else(employer_missing)?;
        let hash = crate::api::accounts::hash_password(&state, &r.password).await?;
        let id = Uuid::now_v7();
        let user = NewUser {
            id,
            username: username.to_owned(),
            display_name: r.display_name.trim().chars().take(64).collect(),
            org_id: province.id,
            password_hash: hash,
            must_change_password: false,
        };
        let grant = NewGrant {
            id: Uuid::now_v7(),
            user_id: id,
            role: Role::Employer,
            org_id: province.id,
            subject_id: Some(stored.id),
            created_by: None,
        };
        if !state.store.create_user(&user, &[grant]).await? {
            return Err(AppError::new(
                StatusCode::CONFLICT,
                ErrorCode::UsernameTaken,
                format!("用户名 {username} 已被使用"),
            ));
        }
        Ok::<_, AppError>((stored, province.path))
    }
    .await;
    match result {
        Ok((stored, path)) => event
            .target(format!("employer:{}", stored.credit_code), Some(&path))
            .attach((StatusCode::CREATED, Json(EmployerDto::from(stored))).into_response()),
        Err(e) => audited(event, Err(e)),
    }
}
