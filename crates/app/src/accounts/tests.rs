//! The account use cases against a real store (SQLite in a temporary directory): the Sichuan
//! province administrator, the career centres of 四川大学 and 电子科技大学.

use jiuye_domain::access::{Actor, Role};
use jiuye_domain::{Org, OrgCode, RefData};
use jiuye_security::password::Cost;
use jiuye_store::Repository;
use jiuye_store::sqlite::SqliteStore;
use uuid::Uuid;

use super::audit::{self, AuditFilter};
use super::users::{self, GrantRequest, NewAccount, UserFilter};
use crate::{ErrorCode, ErrorKind};

struct Node {
    store: Box<dyn Repository>,
    dir: std::path::PathBuf,
    scu: Org,
    province: Actor,
    scu_career: Actor,
    uestc_career: Actor,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

const COST: fn() -> Cost = Cost::fast_for_tests;

async fn actor(s: &dyn Repository, username: &str, org: &Org, role: Role) -> Actor {
    let hash = super::hash_password("correct horse battery", COST()).await.unwrap();
    crate::test_support::account(s, username, org, role, None, &hash).await
}

async fn node() -> Node {
    let dir = std::env::temp_dir().join(format!("jiuye-accounts-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let store: Box<dyn Repository> = Box::new(SqliteStore::open(&dir.join("jiuye.db")).await.unwrap());
    let s = store.as_ref();
    s.sync_reference_data(&RefData::load().unwrap()).await.unwrap();
    let org = |c: &'static str| async move { s.org_by_code(&OrgCode::parse(c).unwrap()).await.unwrap().unwrap() };
    let (sichuan, scu, uestc) = (org("510000").await, org("4151010610").await, org("4151010614").await);
    let province = actor(s, "sc_admin", &sichuan, Role::ProvinceAdmin).await;
    let scu_career = actor(s, "scu_career", &scu, Role::CareerStaff).await;
    let uestc_career = actor(s, "uestc_career", &uestc, Role::CareerStaff).await;
    Node { store, dir, scu, province, scu_career, uestc_career }
}

fn staff(username: &str) -> NewAccount {
    NewAccount {
        username: format!(" {username} "),
        display_name: "张老师".into(),
        password: "a long enough passphrase".into(),
        role: "career_staff".into(),
        org: "4151010610".into(),
        subject: None,
    }
}

#[tokio::test]
async fn accounts_are_created_seen_and_changed_only_within_scope() {
    let n = node().await;
    let s = n.store.as_ref();

    let made = users::create(s, &n.province, &staff("scu_new"), COST()).await.unwrap();
    assert_eq!(made.value.user.username, "scu_new");
    assert!(made.value.user.must_change_password);
    assert_eq!(made.value.grants.len(), 1);
    assert_eq!(made.path.as_deref(), Some(n.scu.path.as_str()));
    let id = made.value.user.id;

    let taken = users::create(s, &n.province, &staff("scu_new"), COST()).await.unwrap_err();
    assert_eq!((taken.kind, taken.code), (ErrorKind::Conflict, ErrorCode::UsernameTaken));
    let mut weak = staff("scu_weak");
    weak.password = "scu_weak_pw".into();
    assert_eq!(users::create(s, &n.province, &weak, COST()).await.unwrap_err().code, ErrorCode::WeakPassword);
    let mut unknown = staff("scu_other");
    unknown.role = "dean".into();
    let e = users::create(s, &n.province, &unknown, COST()).await.unwrap_err();
    assert_eq!((e.kind, e.code), (ErrorKind::BadInput, ErrorCode::InvalidRole));
    let e = users::create(s, &n.uestc_career, &staff("scu_other"), COST()).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden, "四川大学 is beyond 电子科技大学's career centre");

    // Another university's career centre does not see the account at all.
    let e = users::get(s, &n.uestc_career, id).await.unwrap_err();
    assert_eq!((e.kind, e.code), (ErrorKind::NotFound, ErrorCode::UserNotFound));
    let e = users::reset_password(s, &n.uestc_career, id, "another long passphrase", COST()).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::UserNotFound);
    let by_scu = UserFilter { org: Some("4151010610".into()), q: None };
    assert_eq!(users::list(s, &n.uestc_career, &by_scu, 50, 0).await.unwrap_err().kind, ErrorKind::Forbidden);
    let (seen, _) = users::list(s, &n.uestc_career, &UserFilter::default(), 50, 0).await.unwrap();
    assert!(seen.iter().all(|u| u.id != id));
    let (seen, _) =
        users::list(s, &n.province, &UserFilter { org: None, q: Some("scu_new".into()) }, 50, 0).await.unwrap();
    assert_eq!(seen.iter().map(|u| u.id).collect::<Vec<_>>(), vec![id]);

    // The province manages it; nobody disables or grants to themself.
    let account = users::get(s, &n.province, id).await.unwrap();
    assert!(users::manages(&n.province, &account));
    let done = users::set_disabled(s, &n.province, id, true).await.unwrap();
    assert_eq!(done.value.id, id);
    assert!(users::get(s, &n.province, id).await.unwrap().user.disabled);
    let e = users::set_disabled(s, &n.province, n.province.user_id, true).await.unwrap_err();
    assert_eq!((e.kind, e.code), (ErrorKind::Forbidden, ErrorCode::Forbidden));
    let leader = GrantRequest { role: "university_leader".into(), org: "4151010610".into(), subject: None };
    let e = users::grant_role(s, &n.province, n.province.user_id, &leader).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
    let granted = users::grant_role(s, &n.province, id, &leader).await.unwrap();
    assert_eq!(granted.value.grants.len(), 2);
    let e = users::grant_role(s, &n.province, id, &leader).await.unwrap_err();
    assert_eq!((e.kind, e.code), (ErrorKind::Conflict, ErrorCode::GrantExists));
    let first = made.value.grants[0].id;
    let grant_id = granted.value.grants.iter().find(|g| g.id != first).unwrap().id;
    let removed = users::revoke_role(s, &n.province, id, grant_id).await.unwrap();
    assert_eq!(removed.path.as_deref(), Some(n.scu.path.as_str()));
    let e = users::revoke_role(s, &n.province, id, grant_id).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::GrantNotFound);
    users::reset_password(s, &n.province, id, "another long passphrase", COST()).await.unwrap();
    let e = users::reset_password(s, &n.province, id, "short", COST()).await.unwrap_err();
    assert_eq!((e.kind, e.code), (ErrorKind::BadInput, ErrorCode::WeakPassword));
    users::unlock(s, &n.province, id).await.unwrap();
}

#[tokio::test]
async fn the_audit_log_is_read_within_scope() {
    let n = node().await;
    let s = n.store.as_ref();
    let by_scu = AuditFilter { org: Some("4151010610".into()), ..AuditFilter::default() };
    assert_eq!(audit::read(s, &n.uestc_career, by_scu.clone(), 50, 0).await.unwrap_err().kind, ErrorKind::Forbidden);
    let bad = AuditFilter { org: Some("nonsense".into()), ..AuditFilter::default() };
    assert_eq!(audit::read(s, &n.province, bad, 50, 0).await.unwrap_err().code, ErrorCode::InvalidOrgCode);
    assert!(audit::read(s, &n.scu_career, by_scu, 50, 0).await.is_ok());
}

#[tokio::test]
async fn people_change_their_own_password_and_tokens() {
    let n = node().await;
    let s = n.store.as_ref();
    let me = &n.scu_career;

    let e = super::change_password(s, me, "wrong password!", "a new long passphrase", COST()).await.unwrap_err();
    assert_eq!((e.kind, e.code), (ErrorKind::Unauthenticated, ErrorCode::InvalidCredentials));
    let e = super::change_password(s, me, "correct horse battery", "correct horse battery", COST()).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::WeakPassword);
    super::change_password(s, me, "correct horse battery", "a new long passphrase", COST()).await.unwrap();
    let e = super::disable_totp(s, me, "correct horse battery", false).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidCredentials, "the old password no longer works");
    let e = super::disable_totp(s, me, "a new long passphrase", true).await.unwrap_err();
    assert_eq!((e.kind, e.code), (ErrorKind::Forbidden, ErrorCode::TotpRequiredByPolicy));

    let (record, token) = super::create_token(s, me, None, "导出", Some(30)).await.unwrap();
    assert!(token.starts_with("jy_"));
    assert_eq!(super::tokens(s, me).await.unwrap().iter().map(|t| t.id).collect::<Vec<_>>(), vec![record.id]);
    let e = super::revoke_token(s, &n.uestc_career, record.id, chrono::Utc::now()).await.unwrap_err();
    assert_eq!((e.kind, e.code), (ErrorKind::NotFound, ErrorCode::TokenNotFound));
    super::revoke_token(s, me, record.id, chrono::Utc::now()).await.unwrap();
    let e = super::revoke_token(s, me, record.id, chrono::Utc::now()).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::TokenNotFound);
}
