//! Accounts (账号): the rules a username and a password must meet (in `jiuye_domain::accounts`),
//! password hashing off the async workers, API tokens bound to one grant, where a grant would be
//! bound, and what the signed-in person does with their own account (password, two-factor
//! sign-in, tokens). Accounts within scope are in [`users`], the audit log in [`audit`]. Used
//! by the API, the pages and the CLI alike.

pub mod audit;
#[cfg(test)]
mod tests;
pub mod users;

use crate::{ErrorCode, ErrorKind};
use chrono::{DateTime, Utc};
use jiuye_domain::OrgKind;
use jiuye_domain::access::{Actor, Role};
use jiuye_security::password::Cost;
use jiuye_security::seal::KeyRing;
use jiuye_store::Repository;
use jiuye_store::accounts::{TokenRecord, UserRecord};
use uuid::Uuid;

use crate::Error;

pub use jiuye_domain::accounts::{check_password, check_username};

/// Hashes a password on the blocking pool (argon2 takes tens of milliseconds of CPU on purpose;
/// the async workers keep answering other requests meanwhile).
pub async fn hash_password(password: &str, cost: Cost) -> Result<String, Error> {
    let password = password.to_owned();
    let failed = || Error::unavailable(ErrorCode::InternalError, "密码处理失败，请重试");
    tokio::task::spawn_blocking(move || jiuye_security::password::hash(&password, cost))
        .await
        .map_err(|_| failed())?
        .map_err(|_| failed())
}

/// Checks a password against its hash on the blocking pool.
pub async fn verify_password(password: &str, hash: &str) -> bool {
    let (password, hash) = (password.to_owned(), hash.to_owned());
    tokio::task::spawn_blocking(move || jiuye_security::password::verify(&password, &hash)).await.unwrap_or(false)
}

/// Makes an API token for `user` under the account's first grant (the account page and the
/// CLI; see [`issue_token_under`]).
pub async fn issue_token(
    store: &dyn Repository,
    user: &UserRecord,
    name: &str,
    expires_days: Option<i64>,
) -> Result<(TokenRecord, String), Error> {
    issue_token_under(store, user, None, name, expires_days).await
}

/// Makes an API token for `user` that acts under one of the account's grants (`grant`, or the
/// first one): the token has only that grant's rights and dies when the grant is removed or the
/// password changes.
pub async fn issue_token_under(
    store: &dyn Repository,
    user: &UserRecord,
    grant: Option<Uuid>,
    name: &str,
    expires_days: Option<i64>,
) -> Result<(TokenRecord, String), Error> {
    let grants = store.grants_of(user.id).await?;
    let grant_id = match grant {
        Some(id) => grants.iter().find(|g| g.id == id).map(|g| g.id).ok_or_else(|| {
            Error::bad_input(ErrorCode::InvalidGrant, "grant_id 不是本账号的授权（见 GET /api/v1/me 的 grants）")
        })?,
        None => grants
            .first()
            .map(|g| g.id)
            .ok_or_else(|| Error::bad_input(ErrorCode::NoGrant, "该账号没有任何角色授权，不能签发令牌"))?,
    };
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(Error::bad_input(ErrorCode::InvalidTokenName, "令牌名称应为 1–64 个字符"));
    }
    let days = expires_days.unwrap_or(90);
    if !(1..=365).contains(&days) {
        return Err(Error::bad_input(ErrorCode::InvalidExpiry, "有效期应为 1 到 365 天"));
    }
    let secret =
        jiuye_security::new_secret().map_err(|_| Error::unavailable(ErrorCode::InternalError, "无法生成令牌"))?;
    let token = format!("jy_{secret}");
    let now = Utc::now();
    let record = TokenRecord {
        id: Uuid::now_v7(),
        user_id: user.id,
        name: name.to_owned(),
        prefix: token.chars().take(10).collect(),
        created_at: now,
        expires_at: Some(now + chrono::Duration::days(days)),
        revoked_at: None,
        last_used_at: None,
        grant_id: Some(grant_id),
    };
    store.create_token(&record, &jiuye_security::sha256_hex(token.as_bytes())).await?;
    Ok((record, token))
}

/// Where a grant of `role` would be bound (org id, kind, path) and on which record, from what a
/// person types: an organisation code and, for graduates and employers, the 学号 or the credit
/// code. Used by the API, the pages and the CLI alike.
pub async fn resolve_grant_target(
    store: &dyn Repository,
    role: Role,
    org: &str,
    subject: Option<&str>,
) -> Result<(Uuid, OrgKind, String, Option<Uuid>), Error> {
    let subject = subject.map(str::trim).filter(|s| !s.is_empty());
    let org_by_code = |code: &str| {
        let code = code.to_owned();
        async move {
            let code = crate::orgs::parse_code(&code)?;
            store
                .org_by_code(&code)
                .await?
                .ok_or_else(|| Error::not_found(ErrorCode::OrgNotFound, format!("找不到代码为 {code} 的组织机构")))
        }
    };
    let target = match role {
        Role::Graduate => {
            let uni = org_by_code(org).await?;
            if uni.kind != OrgKind::University {
                return Err(Error::bad_input(ErrorCode::InvalidOrg, "毕业生账号请填写其所在高校的代码"));
            }
            let no = subject.ok_or_else(|| Error::bad_input(ErrorCode::SubjectRequired, "请填写毕业生的学号"))?;
            let g = store.graduate_by_student_no(uni.id, no).await?.ok_or_else(|| {
                Error::not_found(ErrorCode::GraduateNotFound, format!("该校没有学号为 {no} 的毕业生"))
            })?;
            let (kind, _, path) = store
                .org_position(g.programme_id)
                .await?
                .ok_or_else(|| Error::not_found(ErrorCode::OrgNotFound, "毕业生的专业点不存在"))?;
            (g.programme_id, kind, path, Some(g.id))
        }
        Role::Employer => {
            let code = subject
                .ok_or_else(|| Error::bad_input(ErrorCode::SubjectRequired, "请填写用人单位的统一社会信用代码"))?;
            let code = jiuye_domain::CreditCode::parse(code)
                .map_err(|e| Error::bad_input(ErrorCode::InvalidCreditCode, e.reason))?;
            let e = store
                .employer_by_credit_code(code.as_str())
                .await?
                .ok_or_else(|| Error::not_found(ErrorCode::EmployerNotFound, "没有这个统一社会信用代码的用人单位"))?;
            let (kind, _, path) = store
                .org_position(e.org_id)
                .await?
                .ok_or_else(|| Error::not_found(ErrorCode::OrgNotFound, "用人单位的登记机构不存在"))?;
            (e.org_id, kind, path, Some(e.id))
        }
        _ => {
            let o = org_by_code(org).await?;
            (o.id, o.kind, o.path, None)
        }
    };
    if !role.org_kinds().contains(&target.1) {
        return Err(Error::bad_input(
            ErrorCode::RoleDoesNotFitOrg,
            format!("“{}”角色不能授予在{}层级", role.zh(), target.1.zh()),
        ));
    }
    Ok(target)
}

/// `401 unauthenticated`: the caller's account is gone.
fn unauthenticated() -> Error {
    Error::new(ErrorKind::Unauthenticated, ErrorCode::Unauthenticated, "请先登录")
}

/// The caller's own account as stored, or `401`.
pub async fn own_account(store: &dyn Repository, actor: &Actor) -> Result<UserRecord, Error> {
    store.user_by_id(actor.user_id).await?.ok_or_else(unauthenticated)
}

/// Changes the caller's password (the rules of [`check_password`], not the current one); every
/// session of the account ends. `401 invalid_credentials` when `current` is wrong,
/// `400 weak_password`.
pub async fn change_password(
    store: &dyn Repository,
    actor: &Actor,
    current: &str,
    new: &str,
    cost: Cost,
) -> Result<(), Error> {
    let user = own_account(store, actor).await?;
    if !verify_password(current, &user.password_hash).await {
        return Err(Error::new(ErrorKind::Unauthenticated, ErrorCode::InvalidCredentials, "当前密码不正确"));
    }
    check_password(&user.username, new)?;
    if verify_password(new, &user.password_hash).await {
        return Err(Error::bad_input(ErrorCode::WeakPassword, "新密码不能与当前密码相同"));
    }
    let hash = hash_password(new, cost).await?;
    store.set_password(user.id, &hash, false).await?;
    store.delete_sessions_of(user.id).await?;
    Ok(())
}

/// A new two-factor secret, not active until confirmed with a code.
#[derive(Clone, Debug)]
pub struct TotpSetup {
    /// Base32 secret for the authenticator app.
    pub secret: String,
    pub otpauth_uri: String,
}

/// Starts two-factor set-up for the caller: a new secret, kept sealed with `keys` until
/// [`enable_totp`] confirms it. `409 totp_already_enabled`.
pub async fn start_totp(store: &dyn Repository, actor: &Actor, keys: &KeyRing) -> Result<TotpSetup, Error> {
    let user = own_account(store, actor).await?;
    if user.totp_enabled {
        return Err(Error::new(
            ErrorKind::Conflict,
            ErrorCode::TotpAlreadyEnabled,
            "两步验证已开启；如需更换，请先关闭",
        ));
    }
    let secret =
        jiuye_security::totp::new_secret().map_err(|_| Error::unavailable(ErrorCode::InternalError, "无法生成密钥"))?;
    let sealed =
        keys.seal(secret.as_bytes()).map_err(|_| Error::unavailable(ErrorCode::InternalError, "无法保存密钥"))?;
    store.set_totp(user.id, Some(&sealed), false).await?;
    let otpauth_uri = jiuye_security::totp::uri("jiuye", &user.username, &secret);
    Ok(TotpSetup { secret, otpauth_uri })
}

/// Turns two-factor sign-in on, given a current code for the secret of [`start_totp`] (the
/// code's time step is used up). `409 totp_already_enabled`, `400 totp_not_set_up` or
/// `invalid_totp`.
pub async fn enable_totp(
    store: &dyn Repository,
    actor: &Actor,
    keys: &KeyRing,
    code: &str,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let user = own_account(store, actor).await?;
    if user.totp_enabled {
        return Err(Error::new(ErrorKind::Conflict, ErrorCode::TotpAlreadyEnabled, "两步验证已开启"));
    }
    let Some(sealed) = user.totp_secret.as_deref() else {
        return Err(Error::bad_input(ErrorCode::TotpNotSetUp, "请先生成两步验证密钥"));
    };
    let secret = keys
        .open(sealed)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| Error::new(ErrorKind::Internal, ErrorCode::InternalError, "两步验证密钥无法读取"))?;
    let Some(step) = jiuye_security::totp::verify(&secret, code, now.timestamp()) else {
        return Err(Error::bad_input(ErrorCode::InvalidTotp, "动态验证码不正确，请核对手机时间后重试"));
    };
    store.set_totp(user.id, Some(sealed), true).await?;
    store.use_totp_step(user.id, i64::try_from(step).unwrap_or(i64::MAX)).await?;
    Ok(())
}

/// Turns two-factor sign-in off, given the password. When the node requires two-factor
/// sign-in of administrators (`admins_need_totp`), an administrator may not:
/// `403 totp_required_by_policy`. `401 invalid_credentials` for a wrong password.
pub async fn disable_totp(
    store: &dyn Repository,
    actor: &Actor,
    password: &str,
    admins_need_totp: bool,
) -> Result<(), Error> {
    let user = own_account(store, actor).await?;
    if !verify_password(password, &user.password_hash).await {
        return Err(Error::new(ErrorKind::Unauthenticated, ErrorCode::InvalidCredentials, "密码不正确"));
    }
    if admins_need_totp && actor.grants.iter().any(|g| g.role.is_admin()) {
        return Err(Error::new(
            ErrorKind::Forbidden,
            ErrorCode::TotpRequiredByPolicy,
            "按本节点规定，管理员必须使用两步验证",
        ));
    }
    store.set_totp(user.id, None, false).await?;
    Ok(())
}

/// The caller's API tokens (revoked and expired ones too).
pub async fn tokens(store: &dyn Repository, actor: &Actor) -> Result<Vec<TokenRecord>, Error> {
    Ok(store.tokens_of(actor.user_id).await?)
}

/// Makes an API token for the caller under one of their grants (`grant`, or the first); see
/// [`issue_token_under`]. Returns the record and the token, shown this once.
pub async fn create_token(
    store: &dyn Repository,
    actor: &Actor,
    grant: Option<Uuid>,
    name: &str,
    expires_days: Option<i64>,
) -> Result<(TokenRecord, String), Error> {
    let user = own_account(store, actor).await?;
    issue_token_under(store, &user, grant, name, expires_days).await
}

/// Revokes one of the caller's tokens. `404 token_not_found` for another's token or one
/// already revoked.
pub async fn revoke_token(store: &dyn Repository, actor: &Actor, id: Uuid, now: DateTime<Utc>) -> Result<(), Error> {
    if !store.revoke_token(actor.user_id, id, now).await? {
        return Err(Error::not_found(ErrorCode::TokenNotFound, "没有这个令牌，或它已被撤销"));
    }
    Ok(())
}
