//! Identity over JSON: sign-in and sign-out, the caller, their password, two-factor and API
//! tokens, account management within scope, and the audit log. Every decision goes through
//! `jiuye_domain::access`; every list is filtered by scope in the database.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use jiuye_domain::OrgKind;
use jiuye_domain::access::{self, Action, Resource, Role, ScopedGrant};
use jiuye_store::identity::{AuditQuery, GrantRecord, NewGrant, NewUser, TokenRecord, UserQuery, UserRecord};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::api::{ApiQuery, OrgKindDto, parse_org_code};
use crate::auth::{
    AuditEvent, Caller, ClientIp, Credential, MaybeCaller, SESSION_COOKIE, SignIn, Signed, audited, authorize,
    check_credentials, check_password_rules, forbidden, set_cookie, start_session,
};
use crate::error::{AppError, ErrorBody};

/// A role grant as shown to clients.
#[derive(Debug, Serialize, ToSchema)]
pub struct GrantDto {
    pub id: Uuid,
    /// `ministry_admin`, `province_admin`, `career_staff`, `university_leader`, `college_leader`,
    /// `major_head`, `counselor`, `graduate` or `employer`.
    #[schema(example = "career_staff")]
    pub role: String,
    #[schema(example = "4151010610")]
    pub org_code: String,
    #[schema(example = "四川大学")]
    pub org_name: String,
    pub org_kind: OrgKindDto,
    #[schema(example = "CN/510000/4151010610")]
    pub org_path: String,
    /// The graduate or employer record a graduate or employer grant is about.
    pub subject_id: Option<Uuid>,
}

impl From<&GrantRecord> for GrantDto {
    fn from(g: &GrantRecord) -> Self {
        GrantDto {
            id: g.id,
            role: g.grant.role.id().to_owned(),
            org_code: g.grant.org_code.clone(),
            org_name: g.org_name.clone(),
            org_kind: g.grant.org_kind.into(),
            org_path: g.grant.org_path.clone(),
            subject_id: g.grant.subject_id,
        }
    }
}

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
    let caller = Caller { actor, user: user.clone(), via: Credential::Session(session), needs_totp_enrolment: needs };
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
    Ok(audited(
        event,
        change_own_password(&state, &caller, &body.current_password, &body.new_password)
            .await
            .map(|()| StatusCode::NO_CONTENT.into_response()),
    ))
}

pub(crate) async fn change_own_password(
    state: &AppState,
    caller: &Caller,
    current: &str,
    new: &str,
) -> Result<(), AppError> {
    if !crate::auth::verify_password(current, &caller.user.password_hash).await {
        return Err(AppError::new(StatusCode::UNAUTHORIZED, "invalid_credentials", "当前密码不正确"));
    }
    check_password_rules(&caller.user.username, new)?;
    if crate::auth::verify_password(new, &caller.user.password_hash).await {
        return Err(AppError::bad_request("weak_password", "新密码不能与当前密码相同"));
    }
    let hash = hash_password(state, new).await?;
    state.store.set_password(caller.user.id, &hash, false).await?;
    state.store.delete_sessions_of(caller.user.id).await?;
    Ok(())
}

/// Hashes a password on the blocking pool, at the node's cost.
pub(crate) async fn hash_password(state: &AppState, password: &str) -> Result<String, AppError> {
    Ok(jiuye_app::accounts::hash_password(password, state.auth.settings.password_cost).await?)
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
    Ok(Json(state.store.tokens_of(caller.user.id).await?.iter().map(TokenDto::from).collect()))
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
    match issue_token_under(&*state.store, &caller.user, grant, &body.name, body.expires_days).await {
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
    if !state.store.revoke_token(caller.user.id, id, Utc::now()).await? {
        return Ok(audited(event, Err(AppError::not_found("token_not_found", "没有这个令牌，或它已被撤销"))));
    }
    Ok(event.attach(StatusCode::NO_CONTENT.into_response()))
}

/// A new two-factor secret, not active until confirmed with a code.
#[derive(Debug, Serialize, ToSchema)]
pub struct TotpSetupDto {
    /// Base32 secret for the authenticator app.
    pub secret: String,
    pub otpauth_uri: String,
}

pub(crate) async fn totp_setup(state: &AppState, caller: &Caller) -> Result<TotpSetupDto, AppError> {
    if caller.user.totp_enabled {
        return Err(AppError::new(StatusCode::CONFLICT, "totp_already_enabled", "两步验证已开启；如需更换，请先关闭"));
    }
    let secret = jiuye_security::totp::new_secret()
        .map_err(|_| AppError::new(StatusCode::SERVICE_UNAVAILABLE, "internal_error", "无法生成密钥"))?;
    let sealed = state
        .auth
        .keys
        .seal(secret.as_bytes())
        .map_err(|_| AppError::new(StatusCode::SERVICE_UNAVAILABLE, "internal_error", "无法保存密钥"))?;
    state.store.set_totp(caller.user.id, Some(&sealed), false).await?;
    let uri = jiuye_security::totp::uri("jiuye", &caller.user.username, &secret);
    Ok(TotpSetupDto { secret, otpauth_uri: uri })
}

pub(crate) async fn totp_enable(state: &AppState, caller: &Caller, code: &str) -> Result<(), AppError> {
    let user = state.store.user_by_id(caller.user.id).await?.ok_or_else(crate::auth::unauthenticated)?;
    if user.totp_enabled {
        return Err(AppError::new(StatusCode::CONFLICT, "totp_already_enabled", "两步验证已开启"));
    }
    let Some(sealed) = user.totp_secret.as_deref() else {
        return Err(AppError::bad_request("totp_not_set_up", "请先生成两步验证密钥"));
    };
    let secret =
        state.auth.keys.open(sealed).ok().and_then(|b| String::from_utf8(b).ok()).ok_or_else(|| {
            AppError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "两步验证密钥无法读取")
        })?;
    let Some(step) = jiuye_security::totp::verify(&secret, code, Utc::now().timestamp()) else {
        return Err(AppError::bad_request("invalid_totp", "动态验证码不正确，请核对手机时间后重试"));
    };
    state.store.set_totp(user.id, Some(sealed), true).await?;
    state.store.use_totp_step(user.id, i64::try_from(step).unwrap_or(i64::MAX)).await?;
    Ok(())
}

pub(crate) async fn totp_disable(state: &AppState, caller: &Caller, password: &str) -> Result<(), AppError> {
    if !crate::auth::verify_password(password, &caller.user.password_hash).await {
        return Err(AppError::new(StatusCode::UNAUTHORIZED, "invalid_credentials", "密码不正确"));
    }
    if state.auth.settings.require_totp_for_admins && caller.actor.grants.iter().any(|g| g.role.is_admin()) {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            "totp_required_by_policy",
            "按本节点规定，管理员必须使用两步验证",
        ));
    }
    state.store.set_totp(caller.user.id, None, false).await?;
    Ok(())
}

/// Starts two-factor set-up: returns a new secret to scan; confirm with `/api/v1/me/totp/enable`.
#[utoipa::path(post, path = "/api/v1/me/totp", tag = "identity",
    responses((status = 200, body = TotpSetupDto), (status = 409, description = "`totp_already_enabled`", body = ErrorBody)))]
pub async fn start_totp(State(state): State<AppState>, Signed(caller): Signed) -> Result<Response, AppError> {
    Ok(audited(AuditEvent::new("totp_setup"), totp_setup(&state, &caller).await.map(|d| Json(d).into_response())))
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
    Ok(audited(
        AuditEvent::new("totp_enable"),
        totp_enable(&state, &caller, &body.code).await.map(|()| StatusCode::NO_CONTENT.into_response()),
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
    Ok(audited(
        AuditEvent::new("totp_disable"),
        totp_disable(&state, &caller, &body.password).await.map(|()| StatusCode::NO_CONTENT.into_response()),
    ))
}

/// An account.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserDto {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub disabled: bool,
    /// Locked after repeated wrong passwords, until this time.
    pub locked_until: Option<DateTime<Utc>>,
    pub totp_enabled: bool,
    pub grants: Vec<GrantDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserList {
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
    pub items: Vec<UserDto>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserListParams {
    /// Organisation code: accounts with a grant there or below. Default: everything the caller
    /// may see.
    pub org: Option<String>,
    /// Username or name contains.
    pub q: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Resolves an organisation code to its (kind, path), 400/404 as the API promises.
pub(crate) async fn org_at(state: &AppState, code: &str) -> Result<(Uuid, OrgKind, String), AppError> {
    let code = parse_org_code(code)?;
    let org = state
        .store
        .org_by_code(&code)
        .await?
        .ok_or_else(|| AppError::not_found("org_not_found", format!("找不到代码为 {code} 的组织机构")))?;
    Ok((org.id, org.kind, org.path))
}

pub(crate) async fn users_in_scope(
    state: &AppState,
    caller: &Caller,
    org: Option<&str>,
    q: Option<String>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<UserDto>, i64), AppError> {
    let org_path = match org.map(str::trim).filter(|o| !o.is_empty()) {
        Some(code) => {
            let (_, _, path) = org_at(state, code).await?;
            authorize(caller, Action::ViewUsers, &Resource::at(&path))?;
            Some(path)
        }
        None => None,
    };
    let scope = access::scope_paths(&caller.actor, Action::ViewUsers);
    if scope.is_empty() {
        return Err(forbidden());
    }
    let (users, total) = state.store.list_users(&UserQuery { scope_paths: scope, org_path, q, limit, offset }).await?;
    let items = users
        .into_iter()
        .map(|u| UserDto {
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            disabled: u.disabled,
            locked_until: u.locked_until.filter(|t| *t > Utc::now()),
            totp_enabled: u.totp_enabled,
            grants: u.grants.iter().map(GrantDto::from).collect(),
        })
        .collect();
    Ok((items, total))
}

/// Accounts in a scope the caller may see.
#[utoipa::path(get, path = "/api/v1/users", tag = "identity", params(UserListParams),
    responses((status = 200, body = UserList), (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody)))]
pub async fn list_users(
    State(state): State<AppState>,
    Signed(caller): Signed,
    ApiQuery(p): ApiQuery<UserListParams>,
) -> Result<Json<UserList>, AppError> {
    let limit = p.limit.unwrap_or(50);
    let offset = p.offset.unwrap_or(0);
    if !(1..=500).contains(&limit) || offset < 0 {
        return Err(AppError::bad_request("invalid_query", "limit 应在 1 到 500 之间，offset 不能为负数"));
    }
    let (items, total) = users_in_scope(&state, &caller, p.org.as_deref(), p.q, limit, offset).await?;
    Ok(Json(UserList { total, limit, offset, items }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewUserRequest {
    /// 3–64 characters: letters, digits, `_`, `-`, `.`, `@`.
    pub username: String,
    pub display_name: String,
    /// Initial password; the person must change it at first sign-in.
    pub password: String,
    pub role: String,
    /// Where the role applies (organisation code). For `graduate`: the university; for
    /// `employer`: ignored (the employer's registering organisation is used).
    pub org: String,
    /// `graduate`: the 学号; `employer`: the unified social credit code.
    pub subject: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewGrantRequest {
    pub role: String,
    pub org: String,
    pub subject: Option<String>,
}

fn check_username(u: &str) -> Result<(), AppError> {
    jiuye_domain::accounts::check_username(u).map_err(|r| AppError::bad_request(r.code, r.message))
}

pub use jiuye_app::accounts::resolve_grant_target;

pub(crate) fn parse_role(role: &str) -> Result<Role, AppError> {
    Role::from_id(role.trim()).ok_or_else(|| AppError::bad_request("invalid_role", format!("未知角色“{role}”")))
}

/// Works out where a role would be bound and on which record, and checks the caller may grant
/// it there. Returns (org id, subject id, the grant that allows it, the target path).
pub(crate) async fn plan_grant(
    state: &AppState,
    caller: &Caller,
    role: &str,
    org: &str,
    subject: Option<&str>,
) -> Result<(Uuid, Option<Uuid>, ScopedGrant, String), AppError> {
    let role = parse_role(role)?;
    let (org_id, kind, path, subject_id) = resolve_grant_target(&*state.store, role, org, subject).await?;
    let grant = authorize(caller, Action::Grant(role), &Resource::node(&path, kind))?.clone();
    Ok((org_id, subject_id, grant, path))
}

/// Creates an account with one role grant, within the caller's scope.
#[utoipa::path(post, path = "/api/v1/users", tag = "identity", request_body = NewUserRequest,
    responses((status = 201, body = UserDto),
        (status = 400, description = "`invalid_username`, `weak_password`, `invalid_role`, `role_does_not_fit_org`, …", body = ErrorBody),
        (status = 403, description = "`forbidden`: the role or place is beyond the caller's", body = ErrorBody),
        (status = 409, description = "`username_taken`", body = ErrorBody)))]
pub async fn create_user(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Json(body): Json<NewUserRequest>,
) -> Response {
    let event = AuditEvent::new("user_create")
        .target(format!("user:{}", body.username.trim()), None)
        .detail(format!("角色 {}", body.role));
    match create_user_in_scope(&state, &caller, &body).await {
        Ok((dto, grant, path)) => event
            .target(format!("user:{}", dto.username), Some(&path))
            .by(&grant)
            .attach((StatusCode::CREATED, Json(dto)).into_response()),
        Err(e) => event.attach(e.into_response()),
    }
}

pub(crate) async fn create_user_in_scope(
    state: &AppState,
    caller: &Caller,
    body: &NewUserRequest,
) -> Result<(UserDto, ScopedGrant, String), AppError> {
    let username = body.username.trim();
    check_username(username)?;
    let display_name = body.display_name.trim();
    if display_name.is_empty() || display_name.chars().count() > 64 {
        return Err(AppError::bad_request("invalid_display_name", "姓名应为 1–64 个字符"));
    }
    let (org_id, subject_id, grant, path) =
        plan_grant(state, caller, &body.role, &body.org, body.subject.as_deref()).await?;
    check_password_rules(username, &body.password)?;
    let user = NewUser {
        id: Uuid::now_v7(),
        username: username.to_owned(),
        display_name: display_name.to_owned(),
        org_id,
        password_hash: hash_password(state, &body.password).await?,
        must_change_password: true,
    };
    let role = parse_role(&body.role)?;
    let new_grant =
        NewGrant { id: Uuid::now_v7(), user_id: user.id, role, org_id, subject_id, created_by: Some(caller.user.id) };
    if !state.store.create_user(&user, &[new_grant]).await? {
        return Err(AppError::new(StatusCode::CONFLICT, "username_taken", format!("用户名 {username} 已被使用")));
    }
    let dto = user_dto(state, user.id).await?;
    Ok((dto, grant, path))
}

pub(crate) async fn user_dto(state: &AppState, id: Uuid) -> Result<UserDto, AppError> {
    let u = state.store.user_by_id(id).await?.ok_or_else(user_not_found)?;
    let grants = state.store.grants_of(id).await?;
    Ok(UserDto {
        id: u.id,
        username: u.username,
        display_name: u.display_name,
        disabled: u.disabled,
        locked_until: u.locked_until.filter(|t| *t > Utc::now()),
        totp_enabled: u.totp_enabled,
        grants: grants.iter().map(GrantDto::from).collect(),
    })
}

fn user_not_found() -> AppError {
    AppError::not_found("user_not_found", "找不到该账号")
}

/// Loads an account the caller may see: themself, or one with a grant inside the caller's
/// `ViewUsers` scope. Anything else is "not found", so existence does not leak.
pub(crate) async fn visible_user(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
) -> Result<(UserRecord, Vec<GrantRecord>), AppError> {
    let user = state.store.user_by_id(id).await?.ok_or_else(user_not_found)?;
    let grants = state.store.grants_of(id).await?;
    let visible = id == caller.user.id
        || grants
            .iter()
            .any(|g| access::can(&caller.actor, Action::ViewUsers, &Resource::at(&g.grant.org_path)).is_some());
    if !visible {
        return Err(user_not_found());
    }
    Ok((user, grants))
}

/// Checks the caller may manage this account (power over every grant it holds).
pub(crate) fn manage_grant<'c>(caller: &'c Caller, grants: &[GrantRecord]) -> Result<&'c ScopedGrant, AppError> {
    let scoped: Vec<ScopedGrant> = grants.iter().map(|g| g.grant.clone()).collect();
    access::can_manage_account(&caller.actor, &scoped).ok_or_else(forbidden)
}

/// One account, if the caller may see it.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "identity", params(("id" = Uuid, Path)),
    responses((status = 200, body = UserDto), (status = 404, description = "`user_not_found` (also for accounts outside the caller's scope)", body = ErrorBody)))]
pub async fn get_user(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
) -> Result<Json<UserDto>, AppError> {
    visible_user(&state, &caller, id).await?;
    Ok(Json(user_dto(&state, id).await?))
}

/// Adds a role grant to an account the caller manages.
#[utoipa::path(post, path = "/api/v1/users/{id}/grants", tag = "identity", params(("id" = Uuid, Path)), request_body = NewGrantRequest,
    responses((status = 201, body = UserDto), (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`user_not_found`", body = ErrorBody), (status = 409, description = "`grant_exists`", body = ErrorBody)))]
pub async fn add_grant(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
    Json(body): Json<NewGrantRequest>,
) -> Response {
    let event = AuditEvent::new("grant_add").target(format!("user:{id}"), None).detail(format!("角色 {}", body.role));
    let result = async {
        let (user, path, grant) = grant_role(&state, &caller, id, &body).await?;
        let dto = user_dto(&state, id).await?;
        Ok((user, path, grant, dto))
    }
    .await;
    match result {
        Ok((user, path, grant, dto)) => event
            .target(format!("user:{}", user.username), Some(&path))
            .by(&grant)
            .attach((StatusCode::CREATED, Json(dto)).into_response()),
        Err(e) => audited(event, Err(e)),
    }
}

pub(crate) async fn grant_role(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    body: &NewGrantRequest,
) -> Result<(UserRecord, String, ScopedGrant), AppError> {
    let (user, grants) = visible_user(state, caller, id).await?;
    if user.id == caller.user.id {
        return Err(AppError::new(StatusCode::FORBIDDEN, "forbidden", "不能给自己授予角色"));
    }
    if !grants.is_empty() {
        manage_grant(caller, &grants)?;
    }
    let (org_id, subject_id, grant, path) =
        plan_grant(state, caller, &body.role, &body.org, body.subject.as_deref()).await?;
    let role = parse_role(&body.role)?;
    let added = state
        .store
        .add_grant(&NewGrant {
            id: Uuid::now_v7(),
            user_id: id,
            role,
            org_id,
            subject_id,
            created_by: Some(caller.user.id),
        })
        .await?;
    if !added {
        return Err(AppError::new(StatusCode::CONFLICT, "grant_exists", "该账号已有这个角色"));
    }
    Ok((user, path, grant))
}

/// Removes a role grant (the caller must be able to grant that role there).
#[utoipa::path(delete, path = "/api/v1/users/{id}/grants/{grant_id}", tag = "identity",
    params(("id" = Uuid, Path), ("grant_id" = Uuid, Path)),
    responses((status = 204), (status = 403, description = "`forbidden`", body = ErrorBody), (status = 404, description = "`grant_not_found`", body = ErrorBody)))]
pub async fn remove_grant(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path((id, grant_id)): Path<(Uuid, Uuid)>,
) -> Response {
    let event = AuditEvent::new("grant_remove").target(format!("user:{id}"), None);
    match revoke_role(&state, &caller, id, grant_id).await {
        Ok((user, path, grant)) => event
            .target(format!("user:{}", user.username), Some(&path))
            .by(&grant)
            .attach(StatusCode::NO_CONTENT.into_response()),
        Err(e) => audited(event, Err(e)),
    }
}

pub(crate) async fn revoke_role(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    grant_id: Uuid,
) -> Result<(UserRecord, String, ScopedGrant), AppError> {
    let (user, grants) = visible_user(state, caller, id).await?;
    let target = grants
        .iter()
        .find(|g| g.id == grant_id)
        .ok_or_else(|| AppError::not_found("grant_not_found", "该账号没有这个授权"))?;
    let grant = authorize(caller, Action::Grant(target.grant.role), &Resource::at(&target.grant.org_path))?.clone();
    state.store.remove_grant(id, grant_id).await?;
    state.store.delete_sessions_of(id).await?;
    Ok((user, target.grant.org_path.clone(), grant))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordReset {
    pub new_password: String,
}

/// Sets a new password for an account the caller manages; the person must change it at next
/// sign-in, and their sessions end.
#[utoipa::path(post, path = "/api/v1/users/{id}/password", tag = "identity", params(("id" = Uuid, Path)), request_body = PasswordReset,
    responses((status = 204), (status = 400, description = "`weak_password`", body = ErrorBody), (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`user_not_found`", body = ErrorBody)))]
pub async fn reset_password(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
    Json(body): Json<PasswordReset>,
) -> Response {
    let event = AuditEvent::new("password_reset").target(format!("user:{id}"), None);
    match admin_reset(&state, &caller, id, &body.new_password).await {
        Ok((user, grant)) => event
            .target(format!("user:{}", user.username), None)
            .by(&grant)
            .attach(StatusCode::NO_CONTENT.into_response()),
        Err(e) => audited(event, Err(e)),
    }
}

pub(crate) async fn admin_reset(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    new_password: &str,
) -> Result<(UserRecord, ScopedGrant), AppError> {
    let (user, grants) = visible_user(state, caller, id).await?;
    let grant = manage_grant(caller, &grants)?.clone();
    check_password_rules(&user.username, new_password)?;
    let hash = hash_password(state, new_password).await?;
    state.store.set_password(id, &hash, true).await?;
    state.store.delete_sessions_of(id).await?;
    Ok((user, grant))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DisableRequest {
    pub disabled: bool,
}

/// Disables or re-enables an account the caller manages.
#[utoipa::path(post, path = "/api/v1/users/{id}/disabled", tag = "identity", params(("id" = Uuid, Path)), request_body = DisableRequest,
    responses((status = 204), (status = 403, description = "`forbidden`", body = ErrorBody), (status = 404, description = "`user_not_found`", body = ErrorBody)))]
pub async fn set_disabled(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
    Json(body): Json<DisableRequest>,
) -> Response {
    let event =
        AuditEvent::new(if body.disabled { "user_disable" } else { "user_enable" }).target(format!("user:{id}"), None);
    match disable_account(&state, &caller, id, body.disabled).await {
        Ok((user, grant)) => event
            .target(format!("user:{}", user.username), None)
            .by(&grant)
            .attach(StatusCode::NO_CONTENT.into_response()),
        Err(e) => audited(event, Err(e)),
    }
}

pub(crate) async fn disable_account(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    disabled: bool,
) -> Result<(UserRecord, ScopedGrant), AppError> {
    let (user, grants) = visible_user(state, caller, id).await?;
    if user.id == caller.user.id {
        return Err(AppError::new(StatusCode::FORBIDDEN, "forbidden", "不能停用自己的账号"));
    }
    let grant = manage_grant(caller, &grants)?.clone();
    state.store.set_disabled(id, disabled).await?;
    if disabled {
        state.store.delete_sessions_of(id).await?;
    }
    Ok((user, grant))
}

/// Lifts the lock that repeated wrong passwords put on an account the caller manages (the
/// count of failures starts again).
#[utoipa::path(post, path = "/api/v1/users/{id}/unlock", tag = "identity", params(("id" = Uuid, Path)),
    responses((status = 204, description = "Unlocked"), (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`user_not_found`", body = ErrorBody)))]
pub async fn unlock_user(State(state): State<AppState>, Signed(caller): Signed, Path(id): Path<Uuid>) -> Response {
    let event = AuditEvent::new("user_unlock").target(format!("user:{id}"), None);
    match unlock_account(&state, &caller, id).await {
        Ok((user, grant)) => event
            .target(format!("user:{}", user.username), None)
            .by(&grant)
            .attach(StatusCode::NO_CONTENT.into_response()),
        Err(e) => audited(event, Err(e)),
    }
}

pub(crate) async fn unlock_account(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
) -> Result<(UserRecord, ScopedGrant), AppError> {
    let (user, grants) = visible_user(state, caller, id).await?;
    let grant = manage_grant(caller, &grants)?.clone();
    state.store.record_login_success(id).await?;
    Ok((user, grant))
}

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
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

pub(crate) async fn audit_in_scope(
    state: &AppState,
    caller: &Caller,
    p: AuditParams,
) -> Result<(Vec<AuditRowDto>, i64, i64, i64), AppError> {
    let limit = p.limit.unwrap_or(50);
    let offset = p.offset.unwrap_or(0);
    if !(1..=500).contains(&limit) || offset < 0 {
        return Err(AppError::bad_request("invalid_query", "limit 应在 1 到 500 之间，offset 不能为负数"));
    }
    let org_path = match p.org.as_deref().map(str::trim).filter(|o| !o.is_empty()) {
        Some(code) => {
            let (_, _, path) = org_at(state, code).await?;
            authorize(caller, Action::ViewAudit, &Resource::at(&path))?;
            Some(path)
        }
        None => None,
    };
    let scope = access::scope_paths(&caller.actor, Action::ViewAudit);
    if scope.is_empty() {
        return Err(forbidden());
    }
    let (rows, total) = state
        .store
        .audit_rows(&AuditQuery {
            scope_paths: scope,
            org_path,
            action: p.action,
            username: p.username,
            result: p.result,
            limit,
            offset,
        })
        .await?;
    let items = rows
        .into_iter()
        .map(|r| AuditRowDto {
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
        })
        .collect();
    Ok((items, total, limit, offset))
}

/// The audit log of the caller's scope, newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "identity", params(AuditParams),
    responses((status = 200, body = AuditList), (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody)))]
pub async fn list_audit(
    State(state): State<AppState>,
    Signed(caller): Signed,
    ApiQuery(p): ApiQuery<AuditParams>,
) -> Result<Json<AuditList>, AppError> {
    let (items, total, limit, offset) = audit_in_scope(&state, &caller, p).await?;
    Ok(Json(AuditList { total, limit, offset, items }))
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
