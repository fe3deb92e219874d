//! Identity over JSON: sign-in and sign-out, the caller, their password, two-factor and API
//! tokens, account management within scope, and the audit log. Every decision goes through
//! `jiuye_domain::access`; every list is filtered by scope in the database.

pub mod audit;
pub mod users;

use crate::api::accounts::audit::__path_list_audit;
use crate::api::accounts::audit::list_audit;
use crate::api::accounts::users::__path_add_grant;
use crate::api::accounts::users::__path_create_user;
use crate::api::accounts::users::__path_get_user;
use crate::api::accounts::users::__path_list_users;
use crate::api::accounts::users::__path_remove_grant;
use crate::api::accounts::users::__path_reset_password;
use crate::api::accounts::users::__path_set_disabled;
use crate::api::accounts::users::__path_unlock_user;
use crate::api::accounts::users::add_grant;
use crate::api::accounts::users::create_user;
use crate::api::accounts::users::get_user;
use crate::api::accounts::users::list_users;
use crate::api::accounts::users::remove_grant;
use crate::api::accounts::users::reset_password;
use crate::api::accounts::users::set_disabled;
use crate::api::accounts::users::unlock_user;
use crate::error::ErrorCode;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use jiuye_app::accounts::TotpSetup;
use jiuye_store::accounts::TokenRecord;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::api::accounts::users::GrantDto;
use crate::auth::{
    AuditEvent, Caller, ClientIp, Credential, MaybeCaller, SESSION_COOKIE, SignIn, Signed, audited, set_cookie,
};
use crate::error::{AppError, ErrorBody};
use crate::pages::sign_in::check_credentials;
use crate::pages::sign_in::start_session;

/// The signed-in caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeDto {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub must_change_password: bool,
    pub totp_enabled: bool,
    /// True when an administrator must enable two-factor sign-in before doing anything else.
    pub totp_enrolment_required: bool,
    pub grants: Vec<GrantDto>,
    /// For cookie sessions: send it as `X-CSRF-Token` with every write.
    pub csrf_token: Option<String>,
}

async fn me_dto(state: &AppState, caller: &Caller) -> Result<MeDto, AppError> {
    let mut grants = state.store.grants_of(caller.user.id).await?;
    // A token acts under one grant: that is all it shows.
    if let Credential::Token { grant_id, .. } = &caller.via {
        grants.retain(|g| g.id == *grant_id);
    }
    Ok(MeDto {
        id: caller.user.id,
        username: caller.user.username.clone(),
        display_name: caller.user.display_name.clone(),
        must_change_password: caller.user.must_change_password,
        totp_enabled: caller.user.totp_enabled,
        totp_enrolment_required: caller.needs_totp_enrolment,
        grants: grants.iter().map(GrantDto::from).collect(),
        csrf_token: caller.csrf_token().map(str::to_owned),
    })
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SessionRequest {
    pub username: String,
    pub password: String,
    /// The six-digit code, for accounts with two-factor sign-in.
    pub totp: Option<String>,
}

/// Signs in: sets the session cookie and returns the caller (with the CSRF token for writes).
#[utoipa::path(
    post,
    path = "/api/v1/session",
    tag = "identity",
    request_body = SessionRequest,
    responses(
        (status = 200, description = "Signed in; `Set-Cookie: jiuye_session=…`", body = MeDto),
        (status = 401, description = "`invalid_credentials`, `totp_required` or `invalid_totp`", body = ErrorBody),
        (status = 429, description = "`too_many_requests` from this address", body = ErrorBody),
    )
)]
pub async fn create_session(
    State(state): State<AppState>,
    MaybeCaller(previous): MaybeCaller,
    ip: axum::Extension<ClientIp>,
    Json(body): Json<SessionRequest>,
) -> Result<Response, AppError> {
    let ip = ip.0;
    let (user, second_factor) =
        match check_credentials(&state, ip, &body.username, &body.password, body.totp.as_deref()).await? {
            SignIn::Ok { user, second_factor } => (user, second_factor),
            SignIn::Failed(err, event) => return Ok(event.attach(err.into_response())),
        };
    // Rotate: any session the client already had ends here.
    if let Some(Credential::Session(s)) = previous.as_deref().map(|c| &c.via) {
        state.store.delete_session(&s.id_hash).await?;
    }
    let (raw, session) = start_session(&state, &user, second_factor, ip).await?;
    let actor = crate::auth::actor_for(&state, &user).await?;
    let needs = state.auth.settings.require_totp_for_admins
        && !second_factor
        && !user.totp_enabled
        && actor.grants.iter().any(|g| g.role.is_admin());
    let caller =
        Caller { actor, user: user.clone(), via: Credential::Session(session), needs_totp_enrolment: needs, ip: None };
    let me = me_dto(&state, &caller).await?;
    let mut res = Json(me).into_response();
    if let Some(c) = set_cookie(SESSION_COOKIE, &raw, None, state.auth.settings.secure_cookies) {
        res.headers_mut().insert(header::SET_COOKIE, c);
    }
    let mut event = AuditEvent::new("sign_in").target(format!("user:{}", user.username), None).result("ok");
    event.user_id = Some(user.id);
    event.username = Some(user.username.clone());
    if second_factor {
        event = event.detail("两步验证");
    }
    if let Some(g) = caller.primary_grant() {
        event = event.by(g);
    }
    Ok(event.attach(res))
}

/// Signs out (ends the session of the cookie).
#[utoipa::path(
    delete,
    path = "/api/v1/session",
    tag = "identity",
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
    )
)]
pub async fn delete_session(State(state): State<AppState>, Signed(caller): Signed) -> Result<Response, AppError> {
    if let Credential::Session(s) = &caller.via {
        state.store.delete_session(&s.id_hash).await?;
    }
    let mut res = StatusCode::NO_CONTENT.into_response();
    if let Some(c) = set_cookie(SESSION_COOKIE, "", Some(0), state.auth.settings.secure_cookies) {
        res.headers_mut().insert(header::SET_COOKIE, c);
    }
    Ok(AuditEvent::new("sign_out").attach(res))
}

/// The caller and their grants.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "identity",
    responses(
        (status = 200, description = "The caller", body = MeDto),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
    )
)]
pub async fn me(State(state): State<AppState>, Signed(caller): Signed) -> Result<Json<MeDto>, AppError> {
    Ok(Json(me_dto(&state, &caller).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// Changes the caller's password (at least 10 characters, not the username, not a common one).
/// Every session of the account ends; sign in again.
#[utoipa::path(
    post,
    path = "/api/v1/me/password",
    tag = "identity",
    request_body = PasswordChange,
    responses(
        (status = 204, description = "Changed"),
        (status = 400, description = "`weak_password`", body = ErrorBody),
        (status = 401, description = "`unauthenticated` or `invalid_credentials`", body = ErrorBody),
    )
)]
pub async fn change_password(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Json(body): Json<PasswordChange>,
) -> Result<Response, AppError> {
    let event = AuditEvent::new("password_change").target(format!("user:{}", caller.user.username), None);
    let cost = state.auth.settings.password_cost;
    let outcome = jiuye_app::accounts::change_password(
        &*state.store,
        &caller.actor,
        &body.current_password,
        &body.new_password,
        cost,
    )
    .await;
    Ok(audited(event, outcome.map(|()| StatusCode::NO_CONTENT.into_response()).map_err(AppError::from)))
}

/// An API token (never the token itself, which is shown once at creation).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenDto {
    pub id: Uuid,
    pub name: String,
    /// The first characters, to recognise the token.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

impl From<&TokenRecord> for TokenDto {
    fn from(t: &TokenRecord) -> Self {
        TokenDto {
            id: t.id,
            name: t.name.clone(),
            prefix: t.prefix.clone(),
            created_at: t.created_at,
            expires_at: t.expires_at,
            revoked_at: t.revoked_at,
            last_used_at: t.last_used_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewTokenRequest {
    pub name: String,
    /// 1–365 days; default 90.
    pub expires_days: Option<i64>,
    /// The grant (of `GET /api/v1/me`) the token acts under; default the first. The token has
    /// only that grant's rights and is revoked with it.
    pub grant_id: Option<Uuid>,
}

/// A token just created: `token` is shown this once and stored only as a hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct NewTokenDto {
    pub id: Uuid,
    pub token: String,
    pub name: String,
    pub expires_at: Option<DateTime<Utc>>,
}

pub use jiuye_app::accounts::{issue_token, issue_token_under};

/// The caller's API tokens.
#[utoipa::path(get, path = "/api/v1/me/tokens", tag = "identity",
    responses((status = 200, body = Vec<TokenDto>), (status = 401, description = "`unauthenticated`", body = ErrorBody)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    Signed(caller): Signed,
) -> Result<Json<Vec<TokenDto>>, AppError> {
    Ok(Json(jiuye_app::accounts::tokens(&*state.store, &caller.actor).await?.iter().map(TokenDto::from).collect()))
}

/// Creates an API token for the caller, acting under one of the caller's grants. Use it as
/// `Authorization: Bearer <token>`; bearer writes need no CSRF header.
#[utoipa::path(post, path = "/api/v1/me/tokens", tag = "identity", request_body = NewTokenRequest,
    responses((status = 201, description = "The token, shown this once", body = NewTokenDto), (status = 400, description = "`invalid_token_name`, `invalid_expiry`, `invalid_grant`, `no_grant`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Json(body): Json<NewTokenRequest>,
) -> Result<Response, AppError> {
    // A token made with a token acts under the same grant; otherwise the one asked for.
    let grant = match &caller.via {
        Credential::Token { grant_id, .. } => Some(*grant_id),
        Credential::Session(_) => body.grant_id,
    };
    match jiuye_app::accounts::create_token(&*state.store, &caller.actor, grant, &body.name, body.expires_days).await {
        Ok((record, token)) => {
            let dto = NewTokenDto { id: record.id, token, name: record.name.clone(), expires_at: record.expires_at };
            Ok(AuditEvent::new("token_create")
                .target(format!("token:{}", record.prefix), None)
                .attach((StatusCode::CREATED, Json(dto)).into_response()))
        }
        Err(e) => Ok(audited(AuditEvent::new("token_create"), Err(e.into()))),
    }
}

/// Revokes one of the caller's tokens.
#[utoipa::path(delete, path = "/api/v1/me/tokens/{id}", tag = "identity", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 404, description = "`token_not_found`", body = ErrorBody)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let event = AuditEvent::new("token_revoke").target(format!("token:{id}"), None);
    match jiuye_app::accounts::revoke_token(&*state.store, &caller.actor, id, Utc::now()).await {
        Ok(()) => Ok(event.attach(StatusCode::NO_CONTENT.into_response())),
        Err(e) if e.code == ErrorCode::TokenNotFound => Ok(audited(event, Err(e.into()))),
        Err(e) => Err(e.into()),
    }
}

/// A new two-factor secret, not active until confirmed with a code.
#[derive(Debug, Serialize, ToSchema)]
pub struct TotpSetupDto {
    /// Base32 secret for the authenticator app.
    pub secret: String,
    pub otpauth_uri: String,
}

impl From<TotpSetup> for TotpSetupDto {
    fn from(t: TotpSetup) -> TotpSetupDto {
        TotpSetupDto { secret: t.secret, otpauth_uri: t.otpauth_uri }
    }
}

/// Starts two-factor set-up: returns a new secret to scan; confirm with `/api/v1/me/totp/enable`.
#[utoipa::path(post, path = "/api/v1/me/totp", tag = "identity",
    responses((status = 200, body = TotpSetupDto), (status = 409, description = "`totp_already_enabled`", body = ErrorBody)))]
pub async fn start_totp(State(state): State<AppState>, Signed(caller): Signed) -> Result<Response, AppError> {
    let outcome = jiuye_app::accounts::start_totp(&*state.store, &caller.actor, &state.auth.keys).await;
    Ok(audited(
        AuditEvent::new("totp_setup"),
        outcome.map(|t| Json(TotpSetupDto::from(t)).into_response()).map_err(AppError::from),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TotpCode {
    pub code: String,
}

/// Turns two-factor sign-in on, given a current code from the app.
#[utoipa::path(post, path = "/api/v1/me/totp/enable", tag = "identity", request_body = TotpCode,
    responses((status = 204), (status = 400, description = "`invalid_totp`, `totp_not_set_up`", body = ErrorBody)))]
pub async fn enable_totp(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Json(body): Json<TotpCode>,
) -> Result<Response, AppError> {
    let outcome =
        jiuye_app::accounts::enable_totp(&*state.store, &caller.actor, &state.auth.keys, &body.code, Utc::now()).await;
    Ok(audited(
        AuditEvent::new("totp_enable"),
        outcome.map(|()| StatusCode::NO_CONTENT.into_response()).map_err(AppError::from),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordConfirm {
    pub password: String,
}

/// Turns two-factor sign-in off (needs the password; refused for administrators when the node
/// requires it).
#[utoipa::path(delete, path = "/api/v1/me/totp", tag = "identity", request_body = PasswordConfirm,
    responses((status = 204), (status = 403, description = "`totp_required_by_policy`", body = ErrorBody)))]
pub async fn disable_totp(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Json(body): Json<PasswordConfirm>,
) -> Result<Response, AppError> {
    let admins_need_totp = state.auth.settings.require_totp_for_admins;
    let outcome =
        jiuye_app::accounts::disable_totp(&*state.store, &caller.actor, &body.password, admins_need_totp).await;
    Ok(audited(
        AuditEvent::new("totp_disable"),
        outcome.map(|()| StatusCode::NO_CONTENT.into_response()).map_err(AppError::from),
    ))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_session, delete_session))
        .routes(routes!(me))
        .routes(routes!(change_password))
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
        .routes(routes!(unlock_user))
        .routes(routes!(start_totp, disable_totp))
        .routes(routes!(enable_totp))
        .routes(routes!(list_users, create_user))
        .routes(routes!(get_user))
        .routes(routes!(add_grant))
        .routes(routes!(remove_grant))
        .routes(routes!(reset_password))
        .routes(routes!(set_disabled))
        .routes(routes!(list_audit))
}
