//! Pages for signing in, one's own account, account management within scope, and the audit
//! log. They call the same use cases as the JSON API (`jiuye_app::accounts`), so both answer
//! alike.

pub mod audit;
pub mod users;

use crate::error::ErrorCode;
use crate::extract::signed_in::SignedIn;
use askama::Template;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use chrono::Utc;

use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{
    AuditEvent, Caller, ClientIp, Credential, MaybeCaller, PRE_CSRF_COOKIE, SESSION_COOKIE, SignIn, pre_csrf_cookie,
    set_cookie,
};
use crate::error::AppError;
use crate::extract::query::ApiQuery;
use crate::i18n::Lang;
use crate::pages::sign_in::check_credentials;
use crate::pages::sign_in::start_session;
use crate::render::page::Base;
use crate::render::page::render;

/// Only local paths are followed after sign-in: never an open redirect.
pub fn safe_next(next: Option<&str>) -> String {
    crate::render::page::local_target(next).filter(|n| !n.starts_with("/login")).unwrap_or_else(|| "/".to_owned())
}

/// What a page render needs from its request.
pub(crate) struct Ctx<'a> {
    pub(crate) state: &'a AppState,
    pub(crate) lang: Lang,
    pub(crate) uri: &'a axum::http::Uri,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    base: Base,
    csrf: String,
    next: String,
    username: String,
    error: Option<String>,
    notice: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    done: Option<String>,
}

pub async fn login_form(
    State(state): State<AppState>,
    lang: Lang,
    caller: MaybeCaller,
    OriginalUri(uri): OriginalUri,
    headers: axum::http::HeaderMap,
    ApiQuery(q): ApiQuery<LoginQuery>,
) -> Result<Response, AppError> {
    if caller.0.is_some() {
        return Ok(Redirect::to(&safe_next(q.next.as_deref())).into_response());
    }
    let base = Base::new(&state, lang, "login", &uri).with_caller(&caller);
    let (csrf, fresh) = match pre_csrf_cookie(&headers) {
        Some(c) if c.len() >= 32 => (c.to_owned(), false),
        _ => (jiuye_security::new_secret().map_err(|_| AppError::for_status(StatusCode::SERVICE_UNAVAILABLE))?, true),
    };
    let notice = match q.done.as_deref() {
        Some("password") => Some(base.t("login.after_password").to_owned()),
        Some("out") => Some(base.t("login.signed_out").to_owned()),
        _ => None,
    };
    let page = LoginPage {
        csrf: csrf.clone(),
        next: safe_next(q.next.as_deref()),
        username: String::new(),
        error: None,
        notice,
        base,
    };
    let mut res = render(&page)?;
    if fresh && let Some(c) = set_cookie(PRE_CSRF_COOKIE, &csrf, None, state.auth.settings.secure_cookies) {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(res)
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    csrf: String,
    next: Option<String>,
    username: String,
    password: String,
    totp: Option<String>,
}

pub async fn login_submit(
    State(state): State<AppState>,
    lang: Lang,
    caller: MaybeCaller,
    OriginalUri(uri): OriginalUri,
    Extension(ip): Extension<ClientIp>,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    match check_credentials(&state, ip, &form.username, &form.password, form.totp.as_deref()).await? {
        SignIn::Failed(err, event) => {
            let base = Base::new(&state, lang, "login", &uri).with_caller(&caller);
            let page = LoginPage {
                csrf: form.csrf,
                next: safe_next(form.next.as_deref()),
                username: form.username.chars().take(64).collect(),
                error: Some(err.message.clone()),
                notice: None,
                base,
            };
            let mut res = render(&page)?;
            *res.status_mut() = err.status;
            res.extensions_mut().insert(crate::error::ErrorInfo { code: err.code, message: err.message });
            Ok(event.attach(res))
        }
        SignIn::Ok { user, second_factor } => {
            if let Some(Credential::Session(s)) = caller.0.as_deref().map(|c| &c.via) {
                state.store.delete_session(&s.id_hash).await?;
            }
            let (raw, _) = start_session(&state, &user, second_factor, ip).await?;
            let target =
                if user.must_change_password { "/account".to_owned() } else { safe_next(form.next.as_deref()) };
            let mut res = Redirect::to(&target).into_response();
            if let Some(c) = set_cookie(SESSION_COOKIE, &raw, None, state.auth.settings.secure_cookies) {
                res.headers_mut().append(header::SET_COOKIE, c);
            }
            let actor = crate::auth::actor_for(&state, &user).await?;
            let mut event = AuditEvent::new("sign_in").target(format!("user:{}", user.username), None).result("ok");
            event.user_id = Some(user.id);
            event.username = Some(user.username.clone());
            if let Some(g) = actor.grants.first() {
                event = event.by(g);
            }
            Ok(event.attach(res))
        }
    }
}

pub async fn logout(State(state): State<AppState>, caller: MaybeCaller) -> Result<Response, AppError> {
    if let Some(Credential::Session(s)) = caller.0.as_deref().map(|c| &c.via) {
        state.store.delete_session(&s.id_hash).await?;
    }
    let mut res = Redirect::to("/login?done=out").into_response();
    if let Some(c) = set_cookie(SESSION_COOKIE, "", Some(0), state.auth.settings.secure_cookies) {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(AuditEvent::new("sign_out").attach(res))
}

struct TokenRow {
    id: Uuid,
    name: String,
    prefix: String,
    expires: String,
    state: String,
    active: bool,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    base: Base,
    csrf: String,
    username: String,
    display_name: String,
    grants: Vec<(String, String, String)>,
    must_change: bool,
    needs_totp: bool,
    totp_enabled: bool,
    totp_setup: Option<(String, String)>,
    tokens: Vec<TokenRow>,
    new_token: Option<String>,
    error: Option<String>,
    notice: Option<String>,
}

#[derive(Default)]
struct AccountExtras {
    totp_setup: Option<(String, String)>,
    new_token: Option<String>,
    error: Option<AppError>,
    notice: Option<String>,
}

async fn account_page(
    state: &AppState,
    lang: Lang,
    uri: &axum::http::Uri,
    me: &Caller,
    extras: AccountExtras,
) -> Result<Response, AppError> {
    let base = Base::new(state, lang, "account", uri).signed_in(me);
    let user = jiuye_app::accounts::own_account(&*state.store, &me.actor).await?;
    let grants = state.store.grants_of(me.user.id).await?;
    let now = Utc::now();
    let tokens = jiuye_app::accounts::tokens(&*state.store, &me.actor)
        .await?
        .into_iter()
        .map(|t| {
            let expired = t.expires_at.is_some_and(|e| e <= now);
            let (state_key, active) = if t.revoked_at.is_some() {
                ("account.token_revoked", false)
            } else if expired {
                ("account.token_expired", false)
            } else {
                ("account.token_active", true)
            };
            TokenRow {
                id: t.id,
                name: t.name,
                prefix: t.prefix,
                expires: t.expires_at.map(|e| crate::render::time::local_date(e).to_string()).unwrap_or_default(),
                state: base.t(state_key).to_owned(),
                active,
            }
        })
        .collect();
    let status = extras.error.as_ref().map(|e| e.status).unwrap_or(StatusCode::OK);
    let error_info =
        extras.error.as_ref().map(|e| crate::error::ErrorInfo { code: e.code, message: e.message.clone() });
    let page = AccountPage {
        csrf: me.csrf_token().unwrap_or("").to_owned(),
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        grants: grants
            .iter()
            .map(|g| (base.role_name(g.grant.role), g.grant.org_code.clone(), g.org_name.clone()))
            .collect(),
        must_change: user.must_change_password,
        needs_totp: me.needs_totp_enrolment && !user.totp_enabled,
        totp_enabled: user.totp_enabled,
        totp_setup: extras.totp_setup,
        tokens,
        new_token: extras.new_token,
        error: extras.error.map(|e| e.message),
        notice: extras.notice,
        base,
    };
    let mut res = render(&page)?;
    *res.status_mut() = status;
    if let Some(info) = error_info {
        res.extensions_mut().insert(info);
    }
    Ok(res)
}

pub async fn account(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
) -> Result<Response, AppError> {
    account_page(&state, lang, &uri, &me, AccountExtras::default()).await
}

/// Runs an account action and shows the account page with its outcome.
async fn account_outcome(
    state: &AppState,
    lang: Lang,
    uri: &axum::http::Uri,
    me: &Caller,
    event: AuditEvent,
    outcome: Result<AccountExtras, AppError>,
) -> Result<Response, AppError> {
    match outcome {
        Ok(extras) => Ok(event.attach(account_page(state, lang, uri, me, extras).await?)),
        Err(e) => {
            let extras = AccountExtras { error: Some(e), ..AccountExtras::default() };
            Ok(event.attach(account_page(state, lang, uri, me, extras).await?))
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
}

pub async fn account_password(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Form(f): Form<PasswordForm>,
) -> Result<Response, AppError> {
    let event = AuditEvent::new("password_change").target(format!("user:{}", me.user.username), None);
    let cost = state.auth.settings.password_cost;
    match jiuye_app::accounts::change_password(&*state.store, &me.actor, &f.current_password, &f.new_password, cost)
        .await
    {
        Ok(()) => {
            let mut res = Redirect::to("/login?done=password").into_response();
            if let Some(c) = set_cookie(SESSION_COOKIE, "", Some(0), state.auth.settings.secure_cookies) {
                res.headers_mut().append(header::SET_COOKIE, c);
            }
            Ok(event.attach(res))
        }
        Err(e) => account_outcome(&state, lang, &uri, &me, event, Err(e.into())).await,
    }
}

pub async fn account_totp_setup(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
) -> Result<Response, AppError> {
    let outcome = jiuye_app::accounts::start_totp(&*state.store, &me.actor, &state.auth.keys)
        .await
        .map(|t| AccountExtras { totp_setup: Some((t.secret, t.otpauth_uri)), ..AccountExtras::default() })
        .map_err(AppError::from);
    account_outcome(&state, lang, &uri, &me, AuditEvent::new("totp_setup"), outcome).await
}

#[derive(Debug, Deserialize)]
pub struct CodeForm {
    code: String,
}

pub async fn account_totp_enable(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Form(f): Form<CodeForm>,
) -> Result<Response, AppError> {
    let base = Base::new(&state, lang, "account", &uri);
    let notice = base.t("account.totp_enabled_notice").to_owned();
    let outcome = jiuye_app::accounts::enable_totp(&*state.store, &me.actor, &state.auth.keys, &f.code, Utc::now())
        .await
        .map(|()| AccountExtras { notice: Some(notice), ..AccountExtras::default() })
        .map_err(AppError::from);
    account_outcome(&state, lang, &uri, &me, AuditEvent::new("totp_enable"), outcome).await
}

#[derive(Debug, Deserialize)]
pub struct ConfirmForm {
    password: String,
}

pub async fn account_totp_disable(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Form(f): Form<ConfirmForm>,
) -> Result<Response, AppError> {
    let admins_need_totp = state.auth.settings.require_totp_for_admins;
    let outcome = jiuye_app::accounts::disable_totp(&*state.store, &me.actor, &f.password, admins_need_totp)
        .await
        .map(|()| AccountExtras::default())
        .map_err(AppError::from);
    account_outcome(&state, lang, &uri, &me, AuditEvent::new("totp_disable"), outcome).await
}

#[derive(Debug, Deserialize)]
pub struct TokenForm {
    name: String,
    expires_days: Option<String>,
}

pub async fn account_token_create(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Form(f): Form<TokenForm>,
) -> Result<Response, AppError> {
    let days = match f.expires_days.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => match d.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                let e = AppError::bad_request(ErrorCode::InvalidExpiry, "有效期应为 1 到 365 天");
                return account_outcome(&state, lang, &uri, &me, AuditEvent::new("token_create"), Err(e)).await;
            }
        },
        None => None,
    };
    let outcome = jiuye_app::accounts::create_token(&*state.store, &me.actor, None, &f.name, days)
        .await
        .map(|(_, token)| AccountExtras { new_token: Some(token), ..AccountExtras::default() })
        .map_err(AppError::from);
    account_outcome(&state, lang, &uri, &me, AuditEvent::new("token_create"), outcome).await
}

pub async fn account_token_revoke(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    // A token that is not there is shown on the page; a failing store is an error page.
    let outcome = match jiuye_app::accounts::revoke_token(&*state.store, &me.actor, id, Utc::now()).await {
        Ok(()) => Ok(AccountExtras::default()),
        Err(e) if e.code == ErrorCode::TokenNotFound => Err(AppError::from(e)),
        Err(e) => return Err(e.into()),
    };
    let event = AuditEvent::new("token_revoke").target(format!("token:{id}"), None);
    account_outcome(&state, lang, &uri, &me, event, outcome).await
}
