//! Accounts within scope: listing, creating, granting and removing roles, password resets,
//! disabling and unlocking. Seeing an account needs `ViewUsers` over one of its grants;
//! changing it needs power over every grant it holds (`access::can_manage_account`).

use chrono::{DateTime, Utc};
use jiuye_domain::access::{self, Action, Actor, Resource, Role, ScopedGrant};
use jiuye_security::password::Cost;
use jiuye_store::Repository;
use jiuye_store::accounts::{GrantRecord, NewGrant, NewUser, UserQuery, UserRecord, UserSummary};
use uuid::Uuid;

use super::{check_password, check_username, hash_password, resolve_grant_target};
use crate::access::authorize;
use crate::{Error, ErrorCode, ErrorKind};

/// An account with its role grants.
#[derive(Clone, Debug)]
pub struct Account {
    pub user: UserRecord,
    pub grants: Vec<GrantRecord>,
}

impl Account {
    /// Locked after repeated wrong passwords, until this time (none once the lock has run out).
    pub fn locked_until(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.user.locked_until.filter(|t| *t > now)
    }
}

/// What to list: accounts with a grant at or below an organisation (code as typed), and whose
/// username or name contains `q`.
#[derive(Clone, Debug, Default)]
pub struct UserFilter {
    pub org: Option<String>,
    pub q: Option<String>,
}

/// A new account and its one role grant, as typed.
#[derive(Clone, Debug)]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    /// Initial password; the person must change it at first sign-in.
    pub password: String,
    /// A role id (`career_staff`, …).
    pub role: String,
    /// Organisation code where the role applies.
    pub org: String,
    /// `graduate`: the 学号; `employer`: the unified social credit code.
    pub subject: Option<String>,
}

/// A role grant to add, as typed.
#[derive(Clone, Debug)]
pub struct GrantRequest {
    pub role: String,
    pub org: String,
    pub subject: Option<String>,
}

/// An account after a change, the grant that allowed it and the organisation path the change
/// is filed under (where a grant was made or removed).
#[derive(Clone, Debug)]
pub struct Changed<T> {
    pub value: T,
    pub grant: ScopedGrant,
    pub path: Option<String>,
}

/// `404 user_not_found`.
pub fn user_not_found() -> Error {
    Error::not_found(ErrorCode::UserNotFound, "找不到该账号")
}

/// A role id as typed, or `400 invalid_role`.
pub fn parse_role(role: &str) -> Result<Role, Error> {
    Role::from_id(role.trim()).ok_or_else(|| Error::bad_input(ErrorCode::InvalidRole, format!("未知角色“{role}”")))
}

/// The path of the organisation with the code as typed (`400 invalid_org_code`,
/// `404 org_not_found`), if the caller may do `action` there (else `403`).
pub(crate) async fn scope_at(
    store: &dyn Repository,
    actor: &Actor,
    action: Action,
    org: Option<&str>,
) -> Result<Option<String>, Error> {
    match org.map(str::trim).filter(|o| !o.is_empty()) {
        Some(code) => {
            let path = crate::orgs::by_code(store, code).await?.path;
            authorize(actor, action, &Resource::at(&path))?;
            Ok(Some(path))
        }
        None => Ok(None),
    }
}

/// Accounts in the caller's `ViewUsers` scope (narrowed to `filter.org`), with the total.
/// `403` for a caller who sees no accounts, or an organisation beyond their scope.
pub async fn list(
    store: &dyn Repository,
    actor: &Actor,
    filter: &UserFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<UserSummary>, i64), Error> {
    let org_path = scope_at(store, actor, Action::ViewUsers, filter.org.as_deref()).await?;
    let scope = access::scope_paths(actor, Action::ViewUsers);
    if scope.is_empty() {
        return Err(Error::forbidden());
    }
    let query = UserQuery { scope_paths: scope, org_path, q: filter.q.clone(), limit, offset };
    Ok(store.list_users(&query).await?)
}

/// Where a role would be bound and on which record, and the caller's grant that allows
/// granting it there. Returns (org id, subject id, the grant, the target path).
async fn plan_grant(
    store: &dyn Repository,
    actor: &Actor,
    role: &str,
    org: &str,
    subject: Option<&str>,
) -> Result<(Uuid, Option<Uuid>, ScopedGrant, String), Error> {
    let role = parse_role(role)?;
    let (org_id, kind, path, subject_id) = resolve_grant_target(store, role, org, subject).await?;
    let grant = authorize(actor, Action::Grant(role), &Resource::node(&path, kind))?.clone();
    Ok((org_id, subject_id, grant, path))
}

/// Creates an account with one role grant, within the caller's scope; the person must change
/// the password at first sign-in. `400 invalid_username`, `invalid_display_name`,
/// `invalid_role`, `weak_password`, …; `403` when the role or place is beyond the caller's;
/// `409 username_taken`. The path is where the role was granted.
pub async fn create(
    store: &dyn Repository,
    actor: &Actor,
    new: &NewAccount,
    cost: Cost,
) -> Result<Changed<Account>, Error> {
    let username = new.username.trim();
    check_username(username)?;
    let display_name = new.display_name.trim();
    if display_name.is_empty() || display_name.chars().count() > 64 {
        return Err(Error::bad_input(ErrorCode::InvalidDisplayName, "姓名应为 1–64 个字符"));
    }
    let (org_id, subject_id, grant, path) =
        plan_grant(store, actor, &new.role, &new.org, new.subject.as_deref()).await?;
    check_password(username, &new.password)?;
    let user = NewUser {
        id: Uuid::now_v7(),
        username: username.to_owned(),
        display_name: display_name.to_owned(),
        org_id,
        password_hash: hash_password(&new.password, cost).await?,
        must_change_password: true,
    };
    let role = parse_role(&new.role)?;
    let new_grant =
        NewGrant { id: Uuid::now_v7(), user_id: user.id, role, org_id, subject_id, created_by: Some(actor.user_id) };
    if !store.create_user(&user, &[new_grant]).await? {
        return Err(Error::new(ErrorKind::Conflict, ErrorCode::UsernameTaken, format!("用户名 {username} 已被使用")));
    }
    let account = read(store, user.id).await?;
    Ok(Changed { value: account, grant, path: Some(path) })
}

/// An account and its grants as stored, or `404 user_not_found`.
async fn read(store: &dyn Repository, id: Uuid) -> Result<Account, Error> {
    let user = store.user_by_id(id).await?.ok_or_else(user_not_found)?;
    let grants = store.grants_of(id).await?;
    Ok(Account { user, grants })
}

/// An account the caller may see: themself, or one with a grant inside the caller's
/// `ViewUsers` scope. Anything else is `404 user_not_found`, so existence does not leak.
pub async fn get(store: &dyn Repository, actor: &Actor, id: Uuid) -> Result<Account, Error> {
    let account = read(store, id).await?;
    let visible = id == actor.user_id
        || account
            .grants
            .iter()
            .any(|g| access::can(actor, Action::ViewUsers, &Resource::at(&g.grant.org_path)).is_some());
    if !visible {
        return Err(user_not_found());
    }
    Ok(account)
}

/// The caller's grant with power over every grant the account holds, or `403`.
fn manage_grant<'a>(actor: &'a Actor, grants: &[GrantRecord]) -> Result<&'a ScopedGrant, Error> {
    let scoped: Vec<ScopedGrant> = grants.iter().map(|g| g.grant.clone()).collect();
    access::can_manage_account(actor, &scoped).ok_or_else(Error::forbidden)
}

/// Whether the caller may change this account (someone else's, with power over all its
/// grants).
pub fn manages(actor: &Actor, account: &Account) -> bool {
    account.user.id != actor.user_id && manage_grant(actor, &account.grants).is_ok()
}

/// Adds a role grant to an account the caller sees and manages (an account without grants
/// may be given one by anyone who may grant the role there); never to oneself. `403`,
/// `404 user_not_found`, `409 grant_exists`. Returns the account as it is now; the path is
/// where the role was granted.
pub async fn grant_role(
    store: &dyn Repository,
    actor: &Actor,
    id: Uuid,
    request: &GrantRequest,
) -> Result<Changed<Account>, Error> {
    let account = get(store, actor, id).await?;
    if !access::manages_other_account(actor, account.user.id) {
        return Err(Error::new(ErrorKind::Forbidden, ErrorCode::Forbidden, "不能给自己授予角色"));
    }
    if !account.grants.is_empty() {
        manage_grant(actor, &account.grants)?;
    }
    let (org_id, subject_id, grant, path) =
        plan_grant(store, actor, &request.role, &request.org, request.subject.as_deref()).await?;
    let role = parse_role(&request.role)?;
    let added = store
        .add_grant(&NewGrant {
            id: Uuid::now_v7(),
            user_id: id,
            role,
            org_id,
            subject_id,
            created_by: Some(actor.user_id),
        })
        .await?;
    if !added {
        return Err(Error::new(ErrorKind::Conflict, ErrorCode::GrantExists, "该账号已有这个角色"));
    }
    let account = read(store, id).await?;
    Ok(Changed { value: account, grant, path: Some(path) })
}

/// Removes a role grant from an account the caller sees (the caller must be able to grant that
/// role there); the account's sessions end. `404 user_not_found` or `grant_not_found`, `403`.
/// The path is where the grant was.
pub async fn revoke_role(
    store: &dyn Repository,
    actor: &Actor,
    id: Uuid,
    grant_id: Uuid,
) -> Result<Changed<UserRecord>, Error> {
    let Account { user, grants } = get(store, actor, id).await?;
    let target = grants
        .iter()
        .find(|g| g.id == grant_id)
        .ok_or_else(|| Error::not_found(ErrorCode::GrantNotFound, "该账号没有这个授权"))?;
    let grant = authorize(actor, Action::Grant(target.grant.role), &Resource::at(&target.grant.org_path))?.clone();
    store.remove_grant(id, grant_id).await?;
    store.delete_sessions_of(id).await?;
    Ok(Changed { value: user, grant, path: Some(target.grant.org_path.clone()) })
}

/// Sets a new password for an account the caller manages (never their own); the person must change it at next
/// sign-in, and their sessions end. `400 weak_password`, `403`, `404 user_not_found`.
pub async fn reset_password(
    store: &dyn Repository,
    actor: &Actor,
    id: Uuid,
    new_password: &str,
    cost: Cost,
) -> Result<Changed<UserRecord>, Error> {
    let Account { user, grants } = get(store, actor, id).await?;
    if !access::manages_other_account(actor, user.id) {
        return Err(Error::new(
            ErrorKind::Forbidden,
            ErrorCode::Forbidden,
            "修改自己的密码请到“我的账号”，需要输入当前密码",
        ));
    }
    let grant = manage_grant(actor, &grants)?.clone();
    check_password(&user.username, new_password)?;
    let hash = hash_password(new_password, cost).await?;
    store.set_password(id, &hash, true).await?;
    store.delete_sessions_of(id).await?;
    Ok(Changed { value: user, grant, path: None })
}

/// Disables or re-enables an account the caller manages (never one's own); disabling ends its
/// sessions. `403`, `404 user_not_found`.
pub async fn set_disabled(
    store: &dyn Repository,
    actor: &Actor,
    id: Uuid,
    disabled: bool,
) -> Result<Changed<UserRecord>, Error> {
    let Account { user, grants } = get(store, actor, id).await?;
    if !access::manages_other_account(actor, user.id) {
        return Err(Error::new(ErrorKind::Forbidden, ErrorCode::Forbidden, "不能停用自己的账号"));
    }
    let grant = manage_grant(actor, &grants)?.clone();
    store.set_disabled(id, disabled).await?;
    if disabled {
        store.delete_sessions_of(id).await?;
    }
    Ok(Changed { value: user, grant, path: None })
}

/// Lifts the lock that repeated wrong passwords put on an account the caller manages (the
/// count of failures starts again). `403`, `404 user_not_found`.
pub async fn unlock(store: &dyn Repository, actor: &Actor, id: Uuid) -> Result<Changed<UserRecord>, Error> {
    let Account { user, grants } = get(store, actor, id).await?;
    let grant = manage_grant(actor, &grants)?.clone();
    store.record_login_success(id).await?;
    Ok(Changed { value: user, grant, path: None })
}
