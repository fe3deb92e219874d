//! Accounts within scope over JSON: listing, creating, granting and removing roles, password
//! resets, disabling and unlocking. The use cases are `jiuye_app::accounts::users`; these read
//! the request, answer with the account's JSON and name the audit entry.

use crate::extract::page::{Page, PageParams};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use jiuye_app::accounts::users::{self, Account, Changed, GrantRequest, NewAccount};
use jiuye_store::accounts::{GrantRecord, UserRecord, UserSummary};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::api::orgs::OrgKindDto;
use crate::auth::{AuditEvent, Signed, audited};
use crate::error::{AppError, ErrorBody};
use crate::extract::query::ApiQuery;
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

impl UserDto {
    /// An account as clients see it (a lock that has run out is not shown).
    pub fn of(a: &Account) -> UserDto {
        UserDto {
            id: a.user.id,
            username: a.user.username.clone(),
            display_name: a.user.display_name.clone(),
            disabled: a.user.disabled,
            locked_until: a.locked_until(Utc::now()),
            totp_enabled: a.user.totp_enabled,
            grants: a.grants.iter().map(GrantDto::from).collect(),
        }
    }
}

impl From<UserSummary> for UserDto {
    fn from(u: UserSummary) -> UserDto {
        UserDto {
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            disabled: u.disabled,
            locked_until: u.locked_until.filter(|t| *t > Utc::now()),
            totp_enabled: u.totp_enabled,
            grants: u.grants.iter().map(GrantDto::from).collect(),
        }
    }
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
    let filter = users::UserFilter { org: p.org, q: p.q };
    let (users, total) = users::list(&*state.store, &caller.actor, &filter, limit, offset).await?;
    Ok(Json(UserList { total, limit, offset, items: users.into_iter().map(UserDto::from).collect() }))
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

impl From<&NewUserRequest> for NewAccount {
    fn from(b: &NewUserRequest) -> NewAccount {
        NewAccount {
            username: b.username.clone(),
            display_name: b.display_name.clone(),
            password: b.password.clone(),
            role: b.role.clone(),
            org: b.org.clone(),
            subject: b.subject.clone(),
        }
    }
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
    let cost = state.auth.settings.password_cost;
    match users::create(&*state.store, &caller.actor, &NewAccount::from(&body), cost).await {
        Ok(done) => event
            .target(format!("user:{}", done.value.user.username), done.path.as_deref())
            .by(&done.grant)
            .attach((StatusCode::CREATED, Json(UserDto::of(&done.value))).into_response()),
        Err(e) => event.attach(AppError::from(e).into_response()),
    }
}

/// One account, if the caller may see it.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "identity", params(("id" = Uuid, Path)),
    responses((status = 200, body = UserDto), (status = 404, description = "`user_not_found` (also for accounts outside the caller's scope)", body = ErrorBody)))]
pub async fn get_user(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
) -> Result<Json<UserDto>, AppError> {
    Ok(Json(UserDto::of(&users::get(&*state.store, &caller.actor, id).await?)))
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
    let request = GrantRequest { role: body.role.clone(), org: body.org.clone(), subject: body.subject.clone() };
    match users::grant_role(&*state.store, &caller.actor, id, &request).await {
        Ok(done) => event
            .target(format!("user:{}", done.value.user.username), done.path.as_deref())
            .by(&done.grant)
            .attach((StatusCode::CREATED, Json(UserDto::of(&done.value))).into_response()),
        Err(e) => audited(event, Err(e.into())),
    }
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
    account_changed(event, users::revoke_role(&*state.store, &caller.actor, id, grant_id).await)
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
    let cost = state.auth.settings.password_cost;
    account_changed(event, users::reset_password(&*state.store, &caller.actor, id, &body.new_password, cost).await)
}

/// The answer to an action on an account: 204 with the audit event naming the account (and
/// where the change was filed) and the grant that allowed it, or the refusal, audited under the
/// same action.
fn account_changed(event: AuditEvent, outcome: Result<Changed<UserRecord>, jiuye_app::Error>) -> Response {
    match outcome {
        Ok(done) => event
            .target(format!("user:{}", done.value.username), done.path.as_deref())
            .by(&done.grant)
            .attach(StatusCode::NO_CONTENT.into_response()),
        Err(e) => audited(event, Err(e.into())),
    }
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
    account_changed(event, users::set_disabled(&*state.store, &caller.actor, id, body.disabled).await)
}

/// Lifts the lock that repeated wrong passwords put on an account the caller manages (the
/// count of failures starts again).
#[utoipa::path(post, path = "/api/v1/users/{id}/unlock", tag = "identity", params(("id" = Uuid, Path)),
    responses((status = 204, description = "Unlocked"), (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`user_not_found`", body = ErrorBody)))]
pub async fn unlock_user(State(state): State<AppState>, Signed(caller): Signed, Path(id): Path<Uuid>) -> Response {
    let event = AuditEvent::new("user_unlock").target(format!("user:{id}"), None);
    account_changed(event, users::unlock(&*state.store, &caller.actor, id).await)
}

/// A role grant as shown to clients.
#[derive(Debug, Serialize, ToSchema)]
pub struct GrantDto {
    pub id: Uuid,
    /// `ministry_admin`, `province_admin`, `career_staff`, `university_leader`, `college_leader`,
    /// `major_head`, `counselor`, `advisor`, `graduate` or `employer`.
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
