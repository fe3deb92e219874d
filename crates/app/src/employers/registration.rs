//! Employers registering themselves: an account and an unverified directory entry, registered
//! by the province of the employer's place, waiting for verification.

use jiuye_domain::access::Role;
use jiuye_domain::{OrgCode, RefData};
use jiuye_security::password::Cost;
use jiuye_store::Repository;
use jiuye_store::accounts::{NewGrant, NewUser};
use jiuye_store::employers::EmployerRecord;
use uuid::Uuid;

use super::{EmployerFields, check, employer_missing, refused};
use crate::{Error, ErrorCode, ErrorKind};

/// Self-registration of an employer with its first account.
#[derive(Clone, Debug, Default)]
pub struct Registration {
    pub employer: EmployerFields,
    pub username: String,
    pub password: String,
    pub display_name: String,
}

/// A registered employer and the path of the province that registered it.
#[derive(Clone, Debug)]
pub struct Registered {
    pub employer: EmployerRecord,
    pub registered_at: String,
}

/// An employer registers itself with a first account (role `employer`, password hashed at
/// `cost`), registered by the province of its place. The employer stays `unverified` until that
/// province (or above) verifies it. `409 employer_exists` or `username_taken`, `422` for the
/// employer's fields, `400 weak_password` or `invalid_username`.
pub async fn register(store: &dyn Repository, rd: &RefData, cost: Cost, r: &Registration) -> Result<Registered, Error> {
    let node = store.node().await?.node_id;
    let region = r.employer.region_code.trim();
    let province_code = OrgCode::parse(&format!("{}0000", region.get(..2).unwrap_or("00")))
        .map_err(|_| refused(ErrorCode::InvalidRegion, format!("所在地代码 {region} 无效")))?;
    let province = store
        .org_by_code(&province_code)
        .await?
        .ok_or_else(|| refused(ErrorCode::InvalidRegion, format!("所在地 {region} 不属于本平台的任何省份")))?;
    let record = check(rd, &r.employer, province.id, node)?;
    let exists = || {
        Error::new(
            ErrorKind::Conflict,
            ErrorCode::EmployerExists,
            "该单位已在库中；请联系所在省份或合作高校为您开通账号",
        )
    };
    if store.employer(&record.credit_code).await?.is_some() {
        return Err(exists());
    }
    let username = r.username.trim();
    crate::accounts::check_username(username)?;
    crate::accounts::check_password(username, &r.password)?;
    let taken = || Error::new(ErrorKind::Conflict, ErrorCode::UsernameTaken, format!("用户名 {username} 已被使用"));
    if store.user_by_username(username).await?.is_some() {
        return Err(taken());
    }
    if !store.insert_employer(&record).await? {
        return Err(exists());
    }
    let stored = store.employer(&record.credit_code).await?.ok_or_else(employer_missing)?;
    let hash = crate::accounts::hash_password(&r.password, cost).await?;
    let id = Uuid::now_v7();
    let user = NewUser {
        id,
        username: username.to_owned(),
        display_name: r.display_name.trim().chars().take(64).collect(),
        org_id: province.id,
        password_hash: hash,
        must_change_password: false,
    };
    let grant = NewGrant {
        id: Uuid::now_v7(),
        user_id: id,
        role: Role::Employer,
        org_id: province.id,
        subject_id: Some(stored.id),
        created_by: None,
    };
    if !store.create_user(&user, &[grant]).await? {
        return Err(taken());
    }
    Ok(Registered { employer: stored, registered_at: province.path })
}
