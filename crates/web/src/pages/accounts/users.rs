//! The account pages of administrators: accounts within scope, one account with its roles, password reset, disabling and unlocking.

use crate::AppState;
use crate::auth::{AuditEvent, Caller};
use crate::error::{AppError, ErrorCode};
use crate::extract::query::ApiQuery;
use crate::extract::signed_in::SignedIn;
use crate::i18n::Lang;
use crate::pages::accounts::Ctx;
use crate::render::page::Base;
use crate::render::page::render;
use askama::Template;
use axum::Form;
use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use jiuye_app::accounts::users::{self, Changed, GrantRequest, NewAccount, UserFilter};
use jiuye_domain::access::{self, Action, Role};
use jiuye_store::accounts::UserRecord;
use serde::Deserialize;
use uuid::Uuid;

struct UserRow {
    id: Uuid,
    username: String,
    display_name: String,
    grants: String,
    state: String,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    base: Base,
    org_filter: String,
    new_org: String,
    q: String,
    summary: String,
    rows: Vec<UserRow>,
    can_create: bool,
    roles: Vec<(String, String)>,
    error: Option<String>,
    notice: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct UsersQuery {
    org: Option<String>,
    q: Option<String>,
}

/// Roles the caller can hand out somewhere (for the role pickers).
fn grantable_roles(base: &Base, me: &Caller) -> Vec<(String, String)> {
    Role::ALL
        .into_iter()
        .filter(|r| {
            me.actor
                .grants
                .iter()
                .any(|g| access::can(&me.actor, Action::Grant(*r), &access::Resource::at(&g.org_path)).is_some())
        })
        .map(|r| (r.id().to_owned(), base.role_name(r)))
        .collect()
}

async fn users_page(
    ctx: Ctx<'_>,
    me: &Caller,
    query: UsersQuery,
    error: Option<AppError>,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let Ctx { state, lang, uri } = ctx;
    let base = Base::new(state, lang, "users", uri).signed_in(me);
    let org = query.org.unwrap_or_default().trim().to_owned();
    let q = query.q.unwrap_or_default();
    let filter = UserFilter { org: Some(org.clone()), q: Some(q.clone()) };
    let (users, total) = users::list(&*state.store, &me.actor, &filter, 200, 0).await?;
    let now = Utc::now();
    let rows = users
        .into_iter()
        .map(|u| UserRow {
            id: u.id,
            grants: u
                .grants
                .iter()
                .map(|g| format!("{} · {}", base.role_name(g.grant.role), g.org_name))
                .collect::<Vec<_>>()
                .join("；"),
            state: if u.disabled {
                base.t("users.disabled").to_owned()
            } else if u.locked_until.is_some_and(|t| t > now) {
                base.t("users.locked").to_owned()
            } else {
                base.t("users.active").to_owned()
            },
            username: u.username,
            display_name: u.display_name,
        })
        .collect();
    let roles = grantable_roles(&base, me);
    let status = error.as_ref().map(|e| e.status).unwrap_or(StatusCode::OK);
    let info = error.as_ref().map(|e| crate::error::ErrorInfo { code: e.code, message: e.message.clone() });
    let store = &*state.store;
    let org_field = crate::render::pickers::org_field;
    let actions = [Action::ViewUsers];
    let org_filter = org_field(store, &base, &me.actor, &actions, "org", "users.org", "picker.scope_all", &org).await?;
    let new_org =
        org_field(store, &base, &me.actor, &actions, "new_org", "users.grant_org", "picker.scope_choose", "").await?;
    let page = UsersPage {
        org_filter,
        new_org,
        summary: base.t("users.count").replace("{n}", &crate::render::page::group_digits(total)),
        can_create: !roles.is_empty(),
        roles,
        q,
        rows,
        error: error.map(|e| e.message),
        notice,
        base,
    };
    let mut res = render(&page)?;
    *res.status_mut() = status;
    if let Some(i) = info {
        res.extensions_mut().insert(i);
    }
    Ok(res)
}

pub async fn users(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    ApiQuery(query): ApiQuery<UsersQuery>,
) -> Result<Response, AppError> {
    users_page(Ctx { state: &state, lang, uri: &uri }, &me, query, None, None).await
}

#[derive(Debug, Deserialize)]
pub struct NewUserForm {
    username: String,
    display_name: String,
    password: String,
    role: String,
    org: String,
    subject: Option<String>,
}

pub async fn users_create(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Form(f): Form<NewUserForm>,
) -> Result<Response, AppError> {
    let new = NewAccount {
        username: f.username,
        display_name: f.display_name,
        password: f.password,
        role: f.role.clone(),
        org: f.org.clone(),
        subject: f.subject,
    };
    let event = AuditEvent::new("user_create").target(format!("user:{}", new.username.trim()), None);
    match users::create(&*state.store, &me.actor, &new, state.auth.settings.password_cost).await {
        Ok(done) => {
            let event = event
                .target(format!("user:{}", done.value.user.username), done.path.as_deref())
                .by(&done.grant)
                .detail(format!("角色 {}", f.role));
            Ok(event.attach(Redirect::to(&format!("/users/{}?done=created", done.value.user.id)).into_response()))
        }
        Err(e) => {
            let e = AppError::from(e);
            let q = UsersQuery { org: Some(f.org), q: None };
            let ctx = Ctx { state: &state, lang, uri: &uri };
            Ok(event.attach(users_page(ctx, &me, q, Some(e), None).await?))
        }
    }
}

#[derive(Template)]
#[template(path = "user.html")]
struct UserPage {
    base: Base,
    id: Uuid,
    username: String,
    display_name: String,
    state: String,
    totp: String,
    disabled: bool,
    locked: bool,
    grants: Vec<(Uuid, String, String, String)>,
    manage: bool,
    grant_org: String,
    roles: Vec<(String, String)>,
    error: Option<String>,
    notice: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

async fn user_page(
    ctx: Ctx<'_>,
    me: &Caller,
    id: Uuid,
    error: Option<AppError>,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let Ctx { state, lang, uri } = ctx;
    let base = Base::new(state, lang, "users", uri).signed_in(me);
    let account = users::get(&*state.store, &me.actor, id).await?;
    let manage = users::manages(&me.actor, &account);
    let users::Account { user, grants } = account;
    let status = error.as_ref().map(|e| e.status).unwrap_or(StatusCode::OK);
    let info = error.as_ref().map(|e| crate::error::ErrorInfo { code: e.code, message: e.message.clone() });
    let grant_org = crate::render::pickers::org_field(
        &*state.store,
        &base,
        &me.actor,
        &[Action::ViewUsers],
        "g_org",
        "users.grant_org",
        "picker.scope_choose",
        "",
    )
    .await?;
    let page = UserPage {
        grant_org,
        id,
        state: if user.disabled {
            base.t("users.disabled").to_owned()
        } else if user.locked_until.is_some_and(|t| t > Utc::now()) {
            base.t("users.locked").to_owned()
        } else {
            base.t("users.active").to_owned()
        },
        totp: base.t(if user.totp_enabled { "common.yes" } else { "common.no" }).to_owned(),
        disabled: user.disabled,
        locked: user.locked_until.is_some_and(|t| t > Utc::now()),
        grants: grants
            .iter()
            .map(|g| (g.id, base.role_name(g.grant.role), g.grant.org_code.clone(), g.org_name.clone()))
            .collect(),
        manage,
        roles: grantable_roles(&base, me),
        username: user.username,
        display_name: user.display_name,
        error: error.map(|e| e.message),
        notice,
        base,
    };
    let mut res = render(&page)?;
    *res.status_mut() = status;
    if let Some(i) = info {
        res.extensions_mut().insert(i);
    }
    Ok(res)
}

pub async fn user_detail(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    ApiQuery(q): ApiQuery<DoneQuery>,
) -> Result<Response, AppError> {
    let notice = q.done.as_deref().map(|d| {
        let base = Base::new(&state, lang, "users", &uri);
        base.t(&format!("users.done_{d}")).to_owned()
    });
    user_page(Ctx { state: &state, lang, uri: &uri }, &me, id, None, notice).await
}

/// Runs an action on an account and shows the account page with its outcome.
async fn user_outcome(
    ctx: Ctx<'_>,
    me: &Caller,
    id: Uuid,
    event: AuditEvent,
    outcome: Result<Changed<UserRecord>, jiuye_app::Error>,
    done: &str,
) -> Result<Response, AppError> {
    match outcome {
        Ok(changed) => {
            let event =
                event.target(format!("user:{}", changed.value.username), changed.path.as_deref()).by(&changed.grant);
            Ok(event.attach(Redirect::to(&format!("/users/{id}?done={done}")).into_response()))
        }
        Err(e) => {
            let e = AppError::from(e);
            if e.status == StatusCode::NOT_FOUND && e.code == ErrorCode::UserNotFound {
                return Err(e);
            }
            Ok(event.attach(user_page(ctx, me, id, Some(e), None).await?))
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct GrantForm {
    role: String,
    org: String,
    subject: Option<String>,
}

pub async fn user_grant(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    Form(f): Form<GrantForm>,
) -> Result<Response, AppError> {
    let detail = format!("角色 {}", f.role);
    let request = GrantRequest { role: f.role, org: f.org, subject: f.subject };
    let outcome = users::grant_role(&*state.store, &me.actor, id, &request).await.map(|c| Changed {
        value: c.value.user,
        grant: c.grant,
        path: c.path,
    });
    user_outcome(
        Ctx { state: &state, lang, uri: &uri },
        &me,
        id,
        AuditEvent::new("grant_add").detail(detail),
        outcome,
        "granted",
    )
    .await
}

pub async fn user_grant_revoke(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path((id, grant_id)): Path<(Uuid, Uuid)>,
) -> Result<Response, AppError> {
    let outcome = users::revoke_role(&*state.store, &me.actor, id, grant_id).await;
    user_outcome(Ctx { state: &state, lang, uri: &uri }, &me, id, AuditEvent::new("grant_remove"), outcome, "revoked")
        .await
}

#[derive(Debug, Deserialize)]
pub struct ResetForm {
    new_password: String,
}

pub async fn user_password(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    Form(f): Form<ResetForm>,
) -> Result<Response, AppError> {
    let cost = state.auth.settings.password_cost;
    let outcome = users::reset_password(&*state.store, &me.actor, id, &f.new_password, cost).await;
    user_outcome(Ctx { state: &state, lang, uri: &uri }, &me, id, AuditEvent::new("password_reset"), outcome, "reset")
        .await
}

#[derive(Debug, Deserialize)]
pub struct DisabledForm {
    disabled: String,
}

pub async fn user_disabled(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    Form(f): Form<DisabledForm>,
) -> Result<Response, AppError> {
    let disabled = f.disabled == "true";
    let action = if disabled { "user_disable" } else { "user_enable" };
    let outcome = users::set_disabled(&*state.store, &me.actor, id, disabled).await;
    user_outcome(
        Ctx { state: &state, lang, uri: &uri },
        &me,
        id,
        AuditEvent::new(action),
        outcome,
        if disabled { "disabled" } else { "enabled" },
    )
    .await
}

pub async fn user_unlock(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let outcome = users::unlock(&*state.store, &me.actor, id).await;
    user_outcome(Ctx { state: &state, lang, uri: &uri }, &me, id, AuditEvent::new("user_unlock"), outcome, "unlocked")
        .await
}
