//! Signing in: credentials checked with lockout (a locked account answers as a wrong password does), per-address throttling and two-factor codes; new sessions.

use crate::auth::AuditEvent;
use crate::auth::ClientIp;
use crate::auth::SignIn;
use crate::error::ErrorCode;
use axum::http::StatusCode;

use chrono::Utc;

use jiuye_store::accounts::{SessionRecord, UserRecord};

use crate::AppState;
use crate::error::AppError;

/// Checks credentials with lockout, per-address throttling and TOTP. Audit events for the
/// attempt are returned for the handler to attach.
pub async fn check_credentials(
    state: &AppState,
    ip: ClientIp,
    username: &str,
    password: &str,
    totp: Option<&str>,
) -> Result<SignIn, AppError> {
    let s = &state.auth.settings;
    let username = username.trim();
    let event = || {
        let mut e = AuditEvent::new("sign_in");
        e.username = Some(username.chars().take(64).collect());
        e.target = Some(format!("user:{}", username.chars().take(64).collect::<String>()));
        e
    };
    if let Some(addr) = ip.0
        && state.auth.limiter.blocked(addr, s.ip_failure_limit, s.ip_window)
    {
        return Ok(SignIn::Failed(
            AppError::new(StatusCode::TOO_MANY_REQUESTS, ErrorCode::TooManyRequests, "登录失败次数过多，请稍后再试"),
            event().result("rate_limited"),
        ));
    }
    let wrong = || AppError::new(StatusCode::UNAUTHORIZED, ErrorCode::InvalidCredentials, "用户名或密码不正确");
    let fail = |ev: AuditEvent, err: AppError| {
        if let Some(addr) = ip.0 {
            state.auth.limiter.record(addr, s.ip_window);
        }
        Ok(SignIn::Failed(err, ev))
    };
    let Some(user) = state.store.user_by_username(username).await? else {
        verify_password(password, &state.auth.decoy_hash).await;
        return fail(event().result("unknown_user"), wrong());
    };
    let mut ev = event();
    ev.user_id = Some(user.id);
    // File the attempt under the account's organisation, so its administrators see it.
    ev.target_path = state.store.grants_of(user.id).await?.first().map(|g| g.grant.org_path.clone());
    let now = Utc::now();
    // A locked account answers exactly as a wrong password does (the same status, code and
    // work), so the answer never tells whether the account exists or is locked; attempts
    // during the lock neither count nor extend it.
    let password_ok = verify_password(password, &user.password_hash).await;
    match user.locked_until {
        Some(until) if until > now => return fail(ev.result("account_locked"), wrong()),
        // The lock has run out: the count starts again, so one more mistake does not relock.
        Some(_) => state.store.record_login_success(user.id).await?,
        None => {}
    }
    if user.disabled {
        return fail(ev.result("account_disabled"), wrong());
    }
    if !password_ok {
        let lock_until = now + chrono::Duration::from_std(s.lock_duration).unwrap_or(chrono::Duration::minutes(15));
        let (count, locked_until) = state.store.record_login_failure(user.id, s.lock_threshold, lock_until).await?;
        if locked_until.is_some_and(|u| u > now) {
            return fail(ev.result("account_locked").detail(format!("{count} 次连续失败后锁定")), wrong());
        }
        return fail(ev.result("invalid_password").detail(format!("连续失败 {count} 次")), wrong());
    }
    let mut second_factor = false;
    if user.totp_enabled {
        let Some(code) = totp.map(str::trim).filter(|c| !c.is_empty()) else {
            return Ok(SignIn::Failed(
                AppError::new(
                    StatusCode::UNAUTHORIZED,
                    ErrorCode::TotpRequired,
                    "此账号已开启两步验证，请输入动态验证码",
                ),
                ev.result("totp_required"),
            ));
        };
        let secret = match user.totp_secret.as_deref().map(|s| state.auth.keys.open(s)) {
            Some(Ok(bytes)) => String::from_utf8(bytes).unwrap_or_default(),
            _ => {
                tracing::error!(user = %user.id, "stored two-factor secret cannot be opened with the key ring");
                return Err(AppError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    ErrorCode::InternalError,
                    "两步验证暂时不可用",
                ));
            }
        };
        let step = jiuye_security::totp::verify(&secret, code, now.timestamp());
        let fresh = match step {
            Some(step) => state.store.use_totp_step(user.id, i64::try_from(step).unwrap_or(i64::MAX)).await?,
            None => false,
        };
        if !fresh {
            let lock_until = now + chrono::Duration::from_std(s.lock_duration).unwrap_or(chrono::Duration::minutes(15));
            let (count, _) = state.store.record_login_failure(user.id, s.lock_threshold, lock_until).await?;
            return fail(
                ev.result("invalid_totp").detail(format!("连续失败 {count} 次")),
                AppError::new(StatusCode::UNAUTHORIZED, ErrorCode::InvalidTotp, "动态验证码不正确或已使用"),
            );
        }
        second_factor = true;
    }
    state.store.record_login_success(user.id).await?;
    if let Some(addr) = ip.0 {
        state.auth.limiter.clear(addr);
    }
    Ok(SignIn::Ok { user, second_factor })
}

pub use jiuye_app::accounts::verify_password;

/// A new session for `user`; returns the raw cookie value (shown to the browser only).
pub async fn start_session(
    state: &AppState,
    user: &UserRecord,
    second_factor: bool,
    ip: ClientIp,
) -> Result<(String, SessionRecord), AppError> {
    let raw = jiuye_security::new_secret()
        .map_err(|_| AppError::new(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::InternalError, "无法生成会话"))?;
    let csrf = jiuye_security::new_secret()
        .map_err(|_| AppError::new(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::InternalError, "无法生成会话"))?;
    let now = Utc::now();
    let absolute =
        chrono::Duration::from_std(state.auth.settings.session_absolute).unwrap_or(chrono::Duration::hours(12));
    let record = SessionRecord {
        id_hash: jiuye_security::sha256_hex(raw.as_bytes()),
        user_id: user.id,
        csrf_token: csrf,
        second_factor,
        ip: ip.text(),
        created_at: now,
        last_seen_at: now,
        expires_at: now + absolute,
    };
    state.store.create_session(&record).await?;
    Ok((raw, record))
}
