//! Accounts within scope over JSON: listing, creating, granting and removing roles, password resets, disabling and unlocking, each decided by access::can_manage_account over the target's grants.

use crate::error::ErrorCode;
use crate::extract::page::{Page, PageParams};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use jiuye_domain::OrgKind;
use jiuye_domain::access::{self, Action, Resource, Role, ScopedGrant};
use jiuye_store::accounts::{GrantRecord, NewGrant, NewUser, UserQuery, UserRecord};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::api::orgs::OrgKindDto;
use crate::auth::{AuditEvent, Caller, Signed, audited, authorize, forbidden};
use crate::error::{AppError, ErrorBody};
use crate::extract::org::parse_org_code;
use crate::extract::query::ApiQuery;
use crate::pages::sign_in::check_password_rules;
use uuid::Uuid;

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
}

/// Resolves an organisation code to its (kind, path), 400/404 as the API promises.
pub(crate) async fn org_at(state: &AppState, code: &str) -> Result<(Uuid, OrgKind, String), AppError> {
    let code = parse_org_code(code)?;
    let org = state
        .store
        .org_by_code(&code)
        .await?
        .ok_or_else(|| AppError::not_found(ErrorCode::OrgNotFound, format!("找不到代码为 {code} 的组织机构")))?;
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
#[utoipa::path(get, path = "/api/v1/users", tag = "identity", params(UserListParams, PageParams),
    responses((status = 200, body = UserList), (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody)))]
pub async fn list_users(
    State(state): State<AppState>,
    Signed(caller): Signed,
    ApiQuery(p): ApiQuery<UserListParams>,
    page: Page,
) -> Result<Json<UserList>, AppError> {
    let Page { limit, offset } = page;
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

pub use jiuye_app::accounts::resolve_grant_target;

pub(crate) fn parse_role(role: &str) -> Result<Role, AppError> {
    Role::from_id(role.trim()).ok_or_else(|| AppError::bad_request(ErrorCode::InvalidRole, format!("未知角色“{role}”")))
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
    jiuye_domain::accounts::check_username(username)?;
    let display_name = body.display_name.trim();
    if display_name.is_empty() || display_name.chars().count() > 64 {
        return Err(AppError::bad_request(ErrorCode::InvalidDisplayName, "姓名应为 1–64 个字符"));
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
        return Err(AppError::new(
            StatusCode::CONFLICT,
            ErrorCode::UsernameTaken,
            format!("用户名 {username} 已被使用"),
        ));
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
    AppError::not_found(ErrorCode::UserNotFound, "找不到该账号")
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
        return Err(AppError::new(StatusCode::FORBIDDEN, ErrorCode::Forbidden, "不能给自己授予角色"));
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
        return Err(AppError::new(StatusCode::CONFLICT, ErrorCode::GrantExists, "该账号已有这个角色"));
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
        .ok_or_else(|| AppError::not_found(ErrorCode::GrantNotFound, "该账号没有这个授权"))?;
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
    account_changed(event, admin_reset(&state, &caller, id, &body.new_password).await)
}

/// The answer to an action on an account: 204 with the audit event naming the account and the
/// grant that allowed it, or the refusal, audited under the same action.
fn account_changed(event: AuditEvent, outcome: Result<(UserRecord, ScopedGrant), AppError>) -> Response {
    match outcome {
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
    account_changed(event, disable_account(&state, &caller, id, body.disabled).await)
}

pub(crate) async fn disable_account(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    disabled: bool,
) -> Result<(UserRecord, ScopedGrant), AppError> {
    let (user, grants) = visible_user(state, caller, id).await?;
    if user.id == caller.user.id {
        return Err(AppError::new(StatusCode::FORBIDDEN, ErrorCode::Forbidden, "不能停用自己的账号"));
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
    account_changed(event, unlock_account(&state, &caller, id).await)
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

/// Hashes a password on the blocking pool, at the node's cost.
pub(crate) async fn hash_password(state: &AppState, password: &str) -> Result<String, AppError> {
    Ok(jiuye_app::accounts::hash_password(password, state.auth.settings.password_cost).await?)
}
