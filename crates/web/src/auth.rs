//! Authentication at the edge: who is calling (session cookie or bearer token), CSRF checks for
//! cookie-authenticated writes, sign-in with lockout and per-address throttling, and the audit
//! entry every state-changing request leaves behind.
//!
//! Authorisation decisions are not made here: handlers call [`authorize`], which asks
//! `jiuye_domain::access::can`. Secrets (passwords, session ids, tokens) are never logged, never
//! echoed in errors, and stored only hashed or sealed.

mod callers;
mod read_routing;

pub use callers::CallerCache;

use crate::error::ErrorCode;
use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use jiuye_domain::access::{Actor, ScopedGrant};
use jiuye_security::password::Cost;
use jiuye_security::seal::KeyRing;
use jiuye_store::accounts::{AuditEntry, SessionRecord, UserRecord};
use uuid::Uuid;

use crate::AppState;
pub use crate::client_address::IpRange;
use crate::error::{AppError, ErrorInfo};

pub const SESSION_COOKIE: &str = "jiuye_session";
/// Double-submit CSRF cookie for forms shown before sign-in (the sign-in form).
pub const PRE_CSRF_COOKIE: &str = "jiuye_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Settings of sign-in and sessions.
#[derive(Clone, Debug)]
pub struct AuthSettings {
    pub session_idle: Duration,
    pub session_absolute: Duration,
    /// Consecutive wrong passwords that lock an account.
    pub lock_threshold: i32,
    pub lock_duration: Duration,
    /// Failed sign-ins from one address within `ip_window` before it is refused (429).
    pub ip_failure_limit: usize,
    pub ip_window: Duration,
    /// Administrators (ministry, province, career centre) must use a second factor.
    pub require_totp_for_admins: bool,
    pub password_cost: Cost,
    /// Mark cookies `Secure` (set when the node is served over TLS, directly or by a proxy).
    pub secure_cookies: bool,
    /// Proxies whose `X-Forwarded-For` is believed (addresses or CIDR ranges). The client is the
    /// rightmost address in that header that is not itself one of these proxies; a request
    /// whose connection does not come from one of them is taken at its connection's address.
    pub trusted_proxies: Vec<IpRange>,
}

impl Default for AuthSettings {
    fn default() -> Self {
        AuthSettings {
            session_idle: Duration::from_secs(30 * 60),
            session_absolute: Duration::from_secs(12 * 3600),
            lock_threshold: 10,
            lock_duration: Duration::from_secs(15 * 60),
            ip_failure_limit: 50,
            ip_window: Duration::from_secs(15 * 60),
            require_totp_for_admins: false,
            password_cost: Cost::default(),
            secure_cookies: false,
            trusted_proxies: Vec::new(),
        }
    }
}

/// Everything the auth layer shares.
pub struct AuthContext {
    pub settings: AuthSettings,
    pub keys: Arc<KeyRing>,
    pub limiter: FailureLimiter,
    /// A hash to verify against when a username does not exist, so timing does not reveal it.
    pub decoy_hash: String,
    /// Callers resolved lately, forgotten by every state-changing request.
    pub callers: CallerCache,
}

impl AuthContext {
    pub fn new(settings: AuthSettings, keys: Arc<KeyRing>) -> AuthContext {
        let decoy_hash = jiuye_security::password::decoy(settings.password_cost);
        AuthContext { limiter: FailureLimiter::default(), settings, keys, decoy_hash, callers: CallerCache::default() }
    }
}

/// Failed sign-ins per client address, in a sliding window (in memory, bounded).
#[derive(Default)]
pub struct FailureLimiter {
    inner: Mutex<HashMap<IpAddr, VecDeque<Instant>>>,
}

impl FailureLimiter {
    const MAX_ADDRESSES: usize = 100_000;

    pub fn blocked(&self, ip: IpAddr, limit: usize, window: Duration) -> bool {
        let Ok(mut m) = self.inner.lock() else { return false };
        let Some(q) = m.get_mut(&ip) else { return false };
        while q.front().is_some_and(|t| t.elapsed() > window) {
            q.pop_front();
        }
        q.len() >= limit
    }

    pub fn record(&self, ip: IpAddr, window: Duration) {
        let Ok(mut m) = self.inner.lock() else { return };
        if m.len() >= Self::MAX_ADDRESSES {
            m.retain(|_, q| q.back().is_some_and(|t| t.elapsed() <= window));
        }
        m.entry(ip).or_default().push_back(Instant::now());
    }

    pub fn clear(&self, ip: IpAddr) {
        if let Ok(mut m) = self.inner.lock() {
            m.remove(&ip);
        }
    }
}

/// How the caller proved who they are.
#[derive(Clone, Debug)]
pub enum Credential {
    Session(SessionRecord),
    Token { id: Uuid, grant_id: Uuid },
}

/// The authenticated caller of a request.
#[derive(Clone, Debug)]
pub struct Caller {
    pub actor: Actor,
    pub user: UserRecord,
    pub via: Credential,
    /// Signed in without the second factor the settings require: only enrolment is open.
    pub needs_totp_enrolment: bool,
    /// The address the request came from (as [`ClientIp`]), for the read log.
    pub ip: Option<IpAddr>,
}

impl Caller {
    pub fn csrf_token(&self) -> Option<&str> {
        match &self.via {
            Credential::Session(s) => Some(&s.csrf_token),
            Credential::Token { .. } => None,
        }
    }
    /// The grant shown as "acting as" when no specific grant decided an action.
    pub fn primary_grant(&self) -> Option<&ScopedGrant> {
        self.actor.grants.first()
    }
}

/// The caller, if any, as resolved by [`authenticate`].
#[derive(Clone, Debug, Default)]
pub struct MaybeCaller(pub Option<Arc<Caller>>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeCaller {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<MaybeCaller>().cloned().unwrap_or_default())
    }
}

/// A signed-in caller; `401 unauthenticated` otherwise.
pub struct Signed(pub Arc<Caller>);

impl<S: Send + Sync> FromRequestParts<S> for Signed {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<MaybeCaller>().and_then(|c| c.0.clone()) {
            Some(c) => Ok(Signed(c)),
            None => Err(unauthenticated()),
        }
    }
}

/// The client's address (from the connection, or `X-Forwarded-For` behind a trusted proxy).
#[derive(Clone, Copy, Debug)]
pub struct ClientIp(pub Option<IpAddr>);

impl ClientIp {
    pub fn text(&self) -> Option<String> {
        self.0.map(|ip| ip.to_string())
    }
}

pub fn unauthenticated() -> AppError {
    AppError::new(StatusCode::UNAUTHORIZED, ErrorCode::Unauthenticated, "请先登录")
}

pub fn forbidden() -> AppError {
    AppError::new(StatusCode::FORBIDDEN, ErrorCode::Forbidden, "您没有权限执行此操作")
}

/// What a state-changing request did, for the audit log. Handlers put it in the response's
/// extensions; [`authenticate`] writes it (or a generic entry) after the handler returns.
#[derive(Clone, Debug, Default)]
pub struct AuditEvent {
    pub action: String,
    pub target: Option<String>,
    pub target_path: Option<String>,
    pub result: Option<String>,
    pub detail: Option<String>,
    /// For sign-in attempts: the account named (the caller is not known yet).
    pub username: Option<String>,
    pub user_id: Option<Uuid>,
    /// The grant that authorised the action.
    pub grant: Option<ScopedGrant>,
}

impl AuditEvent {
    pub fn new(action: &str) -> AuditEvent {
        AuditEvent { action: action.to_owned(), ..AuditEvent::default() }
    }
    pub fn target(mut self, target: impl Into<String>, path: Option<&str>) -> AuditEvent {
        self.target = Some(target.into());
        self.target_path = path.map(str::to_owned);
        self
    }
    pub fn by(mut self, grant: &ScopedGrant) -> AuditEvent {
        self.grant = Some(grant.clone());
        self
    }
    pub fn result(mut self, r: &str) -> AuditEvent {
        self.result = Some(r.to_owned());
        self
    }
    pub fn detail(mut self, d: impl Into<String>) -> AuditEvent {
        self.detail = Some(d.into());
        self
    }
    /// Attaches this event to a response.
    pub fn attach(self, mut res: Response) -> Response {
        res.extensions_mut().insert(self);
        res
    }
}

/// Attaches `event` to whatever the action produced, success or refusal, so that refused
/// writes are audited with the same action name as successful ones.
pub fn audited(event: AuditEvent, result: Result<Response, AppError>) -> Response {
    match result {
        Ok(res) => event.attach(res),
        Err(e) => event.attach(e.into_response()),
    }
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|s| s.split(';')).find_map(|c| {
        let (k, v) = c.trim().split_once('=')?;
        (k == name).then_some(v)
    })
}

pub fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    cookie(headers, SESSION_COOKIE)
}

pub fn pre_csrf_cookie(headers: &HeaderMap) -> Option<&str> {
    cookie(headers, PRE_CSRF_COOKIE)
}

/// A `Set-Cookie` value.
pub fn set_cookie(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> Option<HeaderValue> {
    let mut s = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age {
        s.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        s.push_str("; Secure");
    }
    HeaderValue::from_str(&s).ok()
}

/// The client's address: the connection's, unless the connection comes from a trusted proxy;
/// then the rightmost `X-Forwarded-For` address that is not a trusted proxy (the leftmost ones
/// are whatever the client chose to send and are never believed).
pub fn client_ip_from(peer: Option<IpAddr>, forwarded: Option<&str>, trusted: &[IpRange]) -> Option<IpAddr> {
    let peer = peer?;
    let is_trusted = |ip: IpAddr| trusted.iter().any(|r| r.contains(ip));
    if !is_trusted(peer) {
        return Some(peer);
    }
    let Some(header) = forwarded else { return Some(peer) };
    let mut last = peer;
    for hop in header.rsplit(',') {
        let Ok(ip) = hop.trim().parse::<IpAddr>() else { return Some(last) };
        if !is_trusted(ip) {
            return Some(ip);
        }
        last = ip;
    }
    Some(last)
}

fn client_ip(req: &Request, trusted: &[IpRange]) -> ClientIp {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    if trusted.is_empty() {
        return ClientIp(peer);
    }
    let forwarded: Vec<&str> =
        req.headers().get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect();
    let joined = forwarded.join(",");
    ClientIp(client_ip_from(peer, (!forwarded.is_empty()).then_some(joined.as_str()), trusted))
}

fn is_unsafe(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Loads the actor for a user: their grants, as the permission module needs them.
pub async fn actor_for(state: &AppState, user: &UserRecord) -> Result<Actor, AppError> {
    let grants = state.store.grants_of(user.id).await?;
    Ok(Actor {
        user_id: user.id,
        username: user.username.clone(),
        grants: grants.into_iter().map(|g| g.grant).collect(),
    })
}

fn needs_enrolment(settings: &AuthSettings, user: &UserRecord, actor: &Actor, second_factor: bool) -> bool {
    settings.require_totp_for_admins
        && !second_factor
        && !user.totp_enabled
        && actor.grants.iter().any(|g| g.role.is_admin())
}

/// Resolves the caller from a bearer token or the session cookie, with the moment the
/// credential expires. `Err` only for a bearer token that is unknown, expired or revoked (always
/// 401, never a silent downgrade to anonymous).
async fn resolve_uncached(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<(Caller, Option<chrono::DateTime<Utc>>)>, AppError> {
    let now = Utc::now();
    if let Some(auth) = headers.get(header::AUTHORIZATION) {
        let raw = auth.to_str().unwrap_or("");
        let Some(token) = raw.strip_prefix("Bearer ").map(str::trim).filter(|t| !t.is_empty()) else {
            return Err(AppError::new(
                StatusCode::UNAUTHORIZED,
                ErrorCode::Unauthenticated,
                "Authorization 头应为 Bearer 令牌",
            ));
        };
        let invalid =
            || AppError::new(StatusCode::UNAUTHORIZED, ErrorCode::Unauthenticated, "API 令牌无效、已过期或已撤销");
        let record =
            state.store.token_by_hash(&jiuye_security::sha256_hex(token.as_bytes())).await?.ok_or_else(invalid)?;
        if record.revoked_at.is_some() || record.expires_at.is_some_and(|e| e <= now) {
            return Err(invalid());
        }
        let user = state.store.user_by_id(record.user_id).await?.ok_or_else(invalid)?;
        if user.disabled {
            return Err(invalid());
        }
        if record.last_used_at.is_none_or(|t| now - t > chrono::Duration::minutes(1)) {
            state.store.touch_token(record.id, now).await?;
        }
        // A token acts under the one grant it was issued under, and dies with it.
        let grant = match record.grant_id {
            Some(id) => state.store.grants_of(user.id).await?.into_iter().find(|g| g.id == id),
            None => None,
        };
        let Some(grant) = grant else { return Err(invalid()) };
        let actor = Actor { user_id: user.id, username: user.username.clone(), grants: vec![grant.grant] };
        // Tokens are made by a signed-in person (or the operator); they carry no second factor
        // of their own, so administrators under the two-factor rule must have it enabled.
        let needs = needs_enrolment(&state.auth.settings, &user, &actor, false);
        let via = Credential::Token { id: record.id, grant_id: grant.id };
        let caller = Caller { actor, user, via, needs_totp_enrolment: needs, ip: None };
        return Ok(Some((caller, record.expires_at)));
    }
    let Some(raw) = session_cookie(headers) else { return Ok(None) };
    let hash = jiuye_security::sha256_hex(raw.as_bytes());
    let Some(session) = state.store.session(&hash).await? else { return Ok(None) };
    let idle = chrono::Duration::from_std(state.auth.settings.session_idle).unwrap_or(chrono::Duration::minutes(30));
    if session.expires_at <= now || session.last_seen_at + idle <= now {
        state.store.delete_session(&hash).await?;
        return Ok(None);
    }
    let Some(user) = state.store.user_by_id(session.user_id).await? else { return Ok(None) };
    if user.disabled {
        return Ok(None);
    }
    if now - session.last_seen_at > chrono::Duration::seconds(60) {
        state.store.touch_session(&hash, now).await?;
    }
    let actor = actor_for(state, &user).await?;
    let needs = needs_enrolment(&state.auth.settings, &user, &actor, session.second_factor);
    let expires = Some(session.expires_at);
    let via = Credential::Session(session);
    Ok(Some((Caller { actor, user, via, needs_totp_enrolment: needs, ip: None }, expires)))
}

/// Paths open to a caller who must still enrol a second factor.
fn enrolment_path(path: &str) -> bool {
    path.starts_with("/account")
        || path.starts_with("/api/v1/me")
        || path == "/api/v1/session"
        || path == "/logout"
        || path.starts_with("/static/")
}

/// Reads a urlencoded body (already size-limited) and returns its `csrf` field with the body.
async fn form_csrf(req: Request, limit: usize) -> Result<(Request, Option<String>), AppError> {
    let (parts, body) = req.into_parts();
    let bytes = to_bytes(body, limit).await.map_err(|_| {
        AppError::new(StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::PayloadTooLarge, "请求内容超过大小限制")
    })?;
    let csrf = form_urlencoded_field(&bytes, "csrf");
    Ok((Request::from_parts(parts, Body::from(bytes)), csrf))
}

fn form_urlencoded_field(body: &[u8], name: &str) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    text.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then(|| percent_decode(v))
    })
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The authentication middleware: resolves the caller, enforces CSRF on cookie-authenticated
/// writes and the two-factor enrolment rule, runs the handler, then writes the audit entry of
/// every state-changing request.
pub async fn authenticate(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let ip = client_ip(&req, &state.auth.settings.trusted_proxies);
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let route = req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned());
    let caller = match callers::resolve(&state, req.headers()).await {
        Ok(c) => c.map(|c| Arc::new(Caller { ip: ip.0, ..c })),
        Err(e) => {
            let res = e.into_response();
            return audit_after(&state, &method, route.as_deref().unwrap_or(&path), None, ip, res).await;
        }
    };
    let mut req = req;
    req.extensions_mut().insert(MaybeCaller(caller.clone()));
    req.extensions_mut().insert(ip);

    if is_unsafe(&method) {
        let is_form = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|ct| {
            ct.starts_with("application/x-www-form-urlencoded") || ct.starts_with("multipart/form-data")
        });
        let expected: Option<String> = match caller.as_deref().map(|c| &c.via) {
            Some(Credential::Session(s)) => Some(s.csrf_token.clone()),
            Some(Credential::Token { .. }) => None,
            None if is_form => Some(pre_csrf_cookie(req.headers()).unwrap_or("").to_owned()),
            None => None,
        };
        if let Some(expected) = expected {
            let header_token = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned);
            // File uploads (multipart) carry the token in the form's action URL.
            let query_token =
                req.uri().query().and_then(|q| q.split('&').find_map(|p| p.strip_prefix("csrf=").map(percent_decode)));
            let presented = match header_token.or(query_token) {
                Some(t) => Some(t),
                None if is_form => {
                    let (r, field) = match form_csrf(req, state.settings.body_limit).await {
                        Ok(x) => x,
                        Err(e) => return e.into_response(),
                    };
                    req = r;
                    field
                }
                None => None,
            };
            let ok = !expected.is_empty()
                && presented.as_deref().is_some_and(|p| jiuye_security::constant_time_eq(p, &expected));
            if !ok {
                let res = AppError::new(
                    StatusCode::FORBIDDEN,
                    ErrorCode::CsrfFailed,
                    "页面已过期或请求来源无法验证，请刷新页面后重试",
                )
                .into_response();
                return audit_after(&state, &method, route.as_deref().unwrap_or(&path), caller, ip, res).await;
            }
        }
    }
    if let Some(c) = &caller
        && c.needs_totp_enrolment
        && !enrolment_path(&path)
        && !path.starts_with("/api/openapi")
        && path != "/healthz"
        && path != "/metrics"
    {
        let res = AppError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::TotpEnrolmentRequired,
            "管理员账号须先开启两步验证：请在“我的账号”中完成设置",
        )
        .into_response();
        return audit_after(&state, &method, route.as_deref().unwrap_or(&path), caller, ip, res).await;
    }
    let res = read_routing::run(&method, next, req).await;
    if is_unsafe(&method) {
        // Whatever it changed (a password, a token, a role, a hidden employer) is read again.
        state.auth.callers.forget_all();
    }
    let mut res = audit_after(&state, &method, route.as_deref().unwrap_or(&path), caller.clone(), ip, res).await;
    if res.status().as_u16() >= 400 {
        // The error page is shaped outside this layer; it keeps the signed-in person's menu.
        res.extensions_mut().insert(MaybeCaller(caller));
    }
    res
}

async fn audit_after(
    state: &AppState,
    method: &Method,
    route: &str,
    caller: Option<Arc<Caller>>,
    ip: ClientIp,
    res: Response,
) -> Response {
    let event = res.extensions().get::<AuditEvent>().cloned();
    if event.is_none() && !is_unsafe(method) {
        return res;
    }
    let status = res.status();
    let error_code = res.extensions().get::<ErrorInfo>().map(|e| e.code);
    let event = event.unwrap_or_else(|| AuditEvent::new(&format!("{method} {route}")));
    let result = event.result.clone().unwrap_or_else(|| match error_code {
        Some(code) => code.as_str().to_owned(),
        None if status.is_success() || status.is_redirection() => "ok".to_owned(),
        None => format!("http_{}", status.as_u16()),
    });
    let grant = event.grant.clone().or_else(|| caller.as_deref().and_then(|c| c.primary_grant().cloned()));
    let entry = AuditEntry {
        user_id: event.user_id.or(caller.as_deref().map(|c| c.user.id)),
        username: event.username.clone().or_else(|| caller.as_deref().map(|c| c.user.username.clone())),
        role: grant.as_ref().map(|g| g.role.id().to_owned()),
        org_code: grant.as_ref().map(|g| g.org_code.clone()),
        org_path: grant.as_ref().map(|g| g.org_path.clone()),
        action: event.action.clone(),
        target: event.target.clone(),
        target_path: event.target_path.clone(),
        result,
        ip: ip.text(),
        detail: event.detail.clone(),
    };
    if let Err(e) = state.store.append_audit(&entry).await {
        // The request already happened; losing its audit entry is an operational error that
        // must be seen, so it is logged loudly (without any secret) and the caller is told.
        tracing::error!(error = %e, action = %entry.action, "audit append failed");
        return AppError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::AuditUnavailable,
            "审计日志暂时无法写入，请稍后重试",
        )
        .into_response();
    }
    res
}

/// Outcome of checking a username and password (and second factor).
pub enum SignIn {
    Ok { user: UserRecord, second_factor: bool },
    Failed(AppError, AuditEvent),
}
