//! `Identity`: accounts and their grants, signing in (lockout, sessions, second factor), API
//! tokens, and the hash-chained audit log.

use chrono::{Duration, Utc};
use jiuye_domain::OrgKind;
use jiuye_domain::access::Role;
use jiuye_store::accounts::{
    AuditEntry, AuditQuery, ChainCheck, NewGrant, NewUser, SessionRecord, TokenRecord, UserQuery, verify_audit_chain,
};
use uuid::Uuid;

use crate::support::{account, backends, campus, micros};

#[tokio::test]
async fn identity_story_an_account_from_creation_to_audit() {
    for b in backends().await {
        let (s, n) = (&*b.store, b.name);
        let c = campus(s).await;

        // The career centre opens an account for a counselor of 计算机学院 who must pick a
        // password at first sign-in. A second account with the same username is refused.
        let new = NewUser {
            id: Uuid::now_v7(),
            username: "wang_counselor".into(),
            display_name: "王老师".into(),
            org_id: c.cs.id,
            password_hash: "hash-1".into(),
            must_change_password: true,
        };
        let counselor_grant = NewGrant {
            id: Uuid::now_v7(),
            user_id: new.id,
            role: Role::Counselor,
            org_id: c.cs.id,
            subject_id: None,
            created_by: Some(c.career.id),
        };
        assert!(s.create_user(&new, std::slice::from_ref(&counselor_grant)).await.unwrap(), "{n}");
        let twin = NewUser { id: Uuid::now_v7(), display_name: "另一个王老师".into(), ..new.clone() };
        assert!(!s.create_user(&twin, &[]).await.unwrap(), "{n}: the username is taken");
        assert!(s.user_by_id(twin.id).await.unwrap().is_none(), "{n}: nothing written for the refused account");
        let u = s.user_by_username("wang_counselor").await.unwrap().expect("stored");
        assert_eq!(s.user_by_id(u.id).await.unwrap().as_ref(), Some(&u), "{n}");
        assert_eq!((u.display_name.as_str(), u.org_id, u.must_change_password), ("王老师", c.cs.id, true), "{n}");
        assert_eq!((u.failed_logins, u.locked_until, u.disabled, u.totp_enabled), (0, None, false, false), "{n}");
        assert!(s.user_by_username("nobody").await.unwrap().is_none(), "{n}");

        // The same person also heads the programme: a second grant, once.
        let head_grant =
            NewGrant { id: Uuid::now_v7(), role: Role::MajorHead, org_id: c.cs_major.id, ..counselor_grant.clone() };
        assert!(s.add_grant(&head_grant).await.unwrap(), "{n}");
        assert!(
            !s.add_grant(&NewGrant { id: Uuid::now_v7(), ..head_grant.clone() }).await.unwrap(),
            "{n}: same role, same node"
        );
        let grants = s.grants_of(u.id).await.unwrap();
        let listed: Vec<(Role, &str, OrgKind, &str)> = grants
            .iter()
            .map(|g| (g.grant.role, g.grant.org_path.as_str(), g.grant.org_kind, g.org_name.as_str()))
            .collect();
        assert_eq!(
            listed,
            [
                (Role::Counselor, c.cs.path.as_str(), OrgKind::College, "计算机学院"),
                (Role::MajorHead, c.cs_major.path.as_str(), OrgKind::Programme, "计算机科学与技术"),
            ],
            "{n}: by organisation path"
        );
        assert_eq!(grants[0].grant.org_code, c.cs.code.as_str());
        let pos = s.org_position(c.cs.id).await.unwrap();
        assert_eq!(pos, Some((OrgKind::College, c.cs.code.to_string(), c.cs.path.clone())), "{n}");
        assert!(s.org_position(Uuid::nil()).await.unwrap().is_none(), "{n}");

        // Account lists are cut to the caller's subtrees and searchable by name.
        let users = |scope: &[&str], q: Option<&str>, limit: i64, offset: i64| UserQuery {
            scope_paths: scope.iter().map(|p| (*p).to_owned()).collect(),
            org_path: None,
            q: q.map(str::to_owned),
            limit,
            offset,
        };
        let (page, total) = s.list_users(&users(&[&c.scu.path], None, 50, 0)).await.unwrap();
        let names: Vec<&str> = page.iter().map(|u| u.username.as_str()).collect();
        assert_eq!((names, total), (vec!["scu_career", "wang_counselor"], 2), "{n}: by username");
        assert_eq!(page[1].grants.len(), 2, "{n}");
        let (page, total) = s.list_users(&users(&[&c.scu.path], Some("王"), 50, 0)).await.unwrap();
        assert_eq!((page.len(), total, page[0].id), (1, 1, u.id), "{n}: display name matches");
        let (page, total) = s.list_users(&users(&[&c.scu.path], None, 1, 1)).await.unwrap();
        assert_eq!((page[0].username.as_str(), total), ("wang_counselor", 2), "{n}: second page");
        let narrowed = UserQuery { org_path: Some(c.cs.path.clone()), ..users(&[&c.scu.path], None, 50, 0) };
        assert_eq!(s.list_users(&narrowed).await.unwrap().1, 1, "{n}: only 计算机学院");
        assert_eq!(s.list_users(&users(&[&c.uestc.path], None, 50, 0)).await.unwrap().1, 0, "{n}");
        assert_eq!(s.list_users(&users(&[], None, 50, 0)).await.unwrap().1, 0, "{n}: no scope, no rows");
        assert_eq!(s.list_users(&users(&["CN"], Some("%"), 50, 0)).await.unwrap().1, 0, "{n}: % is literal");

        // Three wrong passwords lock the account; a good one clears the count.
        let lock = micros(Utc::now() + Duration::minutes(15));
        assert_eq!(s.record_login_failure(u.id, 3, lock).await.unwrap(), (1, None), "{n}");
        assert_eq!(s.record_login_failure(u.id, 3, lock).await.unwrap(), (2, None), "{n}");
        assert_eq!(s.record_login_failure(u.id, 3, lock).await.unwrap(), (3, Some(lock)), "{n}");
        let locked = s.user_by_id(u.id).await.unwrap().unwrap();
        assert_eq!((locked.failed_logins, locked.locked_until), (3, Some(lock)), "{n}");
        let (listed, _) = s.list_users(&users(&[&c.cs.path], None, 50, 0)).await.unwrap();
        assert_eq!(listed[0].locked_until, Some(lock), "{n}: the list shows the lock");
        s.record_login_success(u.id).await.unwrap();
        let cleared = s.user_by_id(u.id).await.unwrap().unwrap();
        assert_eq!((cleared.failed_logins, cleared.locked_until), (0, None), "{n}");

        // Signing in opens a session; it is seen, touched and ended.
        let now = micros(Utc::now());
        let session = |hash: &str| SessionRecord {
            id_hash: hash.into(),
            user_id: u.id,
            csrf_token: format!("csrf-{hash}"),
            second_factor: false,
            ip: Some("10.0.0.8".into()),
            created_at: now,
            last_seen_at: now,
            expires_at: now + Duration::hours(8),
        };
        s.create_session(&session("s-laptop")).await.unwrap();
        assert_eq!(s.session("s-laptop").await.unwrap(), Some(session("s-laptop")), "{n}");
        let later = now + Duration::minutes(20);
        s.touch_session("s-laptop", later).await.unwrap();
        assert_eq!(s.session("s-laptop").await.unwrap().unwrap().last_seen_at, later, "{n}");
        s.delete_session("s-laptop").await.unwrap();
        assert!(s.session("s-laptop").await.unwrap().is_none(), "{n}: signed out");
        s.create_session(&session("s-phone")).await.unwrap();
        s.create_session(&session("s-desk")).await.unwrap();
        let theirs = SessionRecord { user_id: c.career.id, ..session("s-career") };
        s.create_session(&theirs).await.unwrap();
        s.delete_sessions_of(u.id).await.unwrap();
        assert!(s.session("s-phone").await.unwrap().is_none() && s.session("s-desk").await.unwrap().is_none(), "{n}");
        assert!(s.session("s-career").await.unwrap().is_some(), "{n}: another account's session stays");

        // The password is changed at last: the lock and the must-change flag go.
        s.record_login_failure(u.id, 3, lock).await.unwrap();
        s.set_password(u.id, "hash-2", false).await.unwrap();
        let changed = s.user_by_id(u.id).await.unwrap().unwrap();
        assert_eq!((changed.password_hash.as_str(), changed.must_change_password), ("hash-2", false), "{n}");
        assert_eq!(changed.failed_logins, 0, "{n}");
        assert!(changed.password_changed_at > u.password_changed_at, "{n}");

        // API tokens: issued under a grant, found by hash, listed newest first, revoked once.
        let token = |name: &str, grant: Uuid, minutes_ago: i64| TokenRecord {
            id: Uuid::now_v7(),
            user_id: u.id,
            name: name.into(),
            prefix: format!("jy_{name}"),
            created_at: micros(Utc::now() - Duration::minutes(minutes_ago)),
            expires_at: Some(micros(Utc::now() + Duration::days(90))),
            revoked_at: None,
            last_used_at: None,
            grant_id: Some(grant),
        };
        let sync = token("sync", counselor_grant.id, 2);
        let report = token("report", head_grant.id, 1);
        s.create_token(&sync, "sha-sync").await.unwrap();
        s.create_token(&report, "sha-report").await.unwrap();
        assert_eq!(s.token_by_hash("sha-sync").await.unwrap().as_ref(), Some(&sync), "{n}");
        assert!(s.token_by_hash("sha-unknown").await.unwrap().is_none(), "{n}");
        let ids: Vec<Uuid> = s.tokens_of(u.id).await.unwrap().iter().map(|t| t.id).collect();
        assert_eq!(ids, [report.id, sync.id], "{n}: newest first");
        let used = micros(Utc::now());
        s.touch_token(sync.id, used).await.unwrap();
        assert_eq!(s.token_by_hash("sha-sync").await.unwrap().unwrap().last_used_at, Some(used), "{n}");
        assert!(!s.revoke_token(c.career.id, sync.id, used).await.unwrap(), "{n}: not theirs to revoke");
        assert!(s.revoke_token(u.id, sync.id, used).await.unwrap(), "{n}");
        assert!(!s.revoke_token(u.id, sync.id, used).await.unwrap(), "{n}: revoked already");
        assert_eq!(s.token_by_hash("sha-sync").await.unwrap().unwrap().revoked_at, Some(used), "{n}: still found");

        // Losing the programme-head grant ends the token issued under it, and only that.
        assert!(!s.remove_grant(c.career.id, head_grant.id).await.unwrap(), "{n}: not that account's grant");
        let spare = token("spare", counselor_grant.id, 0);
        s.create_token(&spare, "sha-spare").await.unwrap();
        assert!(s.remove_grant(u.id, head_grant.id).await.unwrap(), "{n}");
        assert!(!s.remove_grant(u.id, head_grant.id).await.unwrap(), "{n}: gone already");
        assert!(s.token_by_hash("sha-report").await.unwrap().unwrap().revoked_at.is_some(), "{n}");
        assert!(s.token_by_hash("sha-spare").await.unwrap().unwrap().revoked_at.is_none(), "{n}");
        assert_eq!(s.grants_of(u.id).await.unwrap().len(), 1, "{n}");
        // A new password ends every token of the account.
        s.set_password(u.id, "hash-3", false).await.unwrap();
        assert!(s.tokens_of(u.id).await.unwrap().iter().all(|t| t.revoked_at.is_some()), "{n}");

        // Second factor: each time step is accepted once and never an older one.
        s.set_totp(u.id, Some("sealed:k1:secret"), true).await.unwrap();
        assert!(s.use_totp_step(u.id, 100).await.unwrap(), "{n}");
        assert!(!s.use_totp_step(u.id, 100).await.unwrap(), "{n}: a replayed code");
        assert!(!s.use_totp_step(u.id, 99).await.unwrap(), "{n}: an older code");
        assert!(s.use_totp_step(u.id, 101).await.unwrap(), "{n}");
        assert_eq!(s.sealed_totp_secrets().await.unwrap(), [(u.id, "sealed:k1:secret".to_owned())], "{n}");
        // Re-sealing under a new key touches nothing else.
        s.replace_totp_secret(u.id, "sealed:k2:secret").await.unwrap();
        let resealed = s.user_by_id(u.id).await.unwrap().unwrap();
        assert_eq!(resealed.totp_secret.as_deref(), Some("sealed:k2:secret"), "{n}");
        assert_eq!((resealed.totp_enabled, resealed.totp_last_step), (true, Some(101)), "{n}");
        s.set_totp(u.id, None, false).await.unwrap();
        let off = s.user_by_id(u.id).await.unwrap().unwrap();
        assert_eq!((off.totp_secret, off.totp_enabled, off.totp_last_step), (None, false, None), "{n}");
        assert!(s.sealed_totp_secrets().await.unwrap().is_empty(), "{n}");

        // The account is disabled, then enabled again.
        s.set_disabled(u.id, true).await.unwrap();
        assert!(s.user_by_id(u.id).await.unwrap().unwrap().disabled, "{n}");
        let (listed, _) = s.list_users(&users(&[&c.cs.path], None, 50, 0)).await.unwrap();
        assert!(listed[0].disabled, "{n}");
        s.set_disabled(u.id, false).await.unwrap();
        assert!(!s.user_by_id(u.id).await.unwrap().unwrap().disabled, "{n}");

        // Everything above is audited: a chain that links and is read newest first in scope.
        let entry = |action: &str, org_path: &str, target: Option<&str>, result: &str| AuditEntry {
            user_id: Some(c.career.id),
            username: Some("scu_career".into()),
            role: Some("career_staff".into()),
            org_code: org_path.rsplit('/').next().map(str::to_owned),
            org_path: Some(org_path.into()),
            action: action.into(),
            target: target.map(str::to_owned),
            target_path: target.map(|_| c.cs.path.clone()),
            result: result.into(),
            ip: Some("10.0.0.8".into()),
            detail: None,
        };
        let head = s.audit_head().await.unwrap();
        assert_eq!((head.seq, head.hash.as_str(), head.tag), (0, jiuye_security::chain::GENESIS, None), "{n}: empty");
        assert_eq!(
            s.append_audit(&entry("user.create", &c.scu.path, Some("user:wang_counselor"), "ok")).await.unwrap(),
            1
        );
        assert_eq!(s.append_audit(&entry("auth.login", &c.scu.path, None, "ok")).await.unwrap(), 2);
        let denied = AuditEntry {
            username: Some("wang_counselor".into()),
            ..entry("auth.login", &c.uestc.path, None, "denied")
        };
        assert_eq!(s.append_audit(&denied).await.unwrap(), 3, "{n}");
        let chain = s.audit_after(0, 10).await.unwrap();
        assert_eq!(chain.iter().map(|r| r.seq).collect::<Vec<_>>(), [1, 2, 3], "{n}");
        assert_eq!(chain[0].prev_hash, jiuye_security::chain::GENESIS, "{n}");
        assert!(chain.windows(2).all(|w| w[1].prev_hash == w[0].hash), "{n}: each row links to the one before");
        assert_eq!(chain[2].entry, denied, "{n}: stored as given");
        let head = s.audit_head().await.unwrap();
        assert_eq!((head.seq, head.hash, head.tag), (3, chain[2].hash.clone(), None), "{n}");
        assert_eq!(s.audit_after(2, 10).await.unwrap().len(), 1, "{n}");
        // A store without the audit key writes an unkeyed chain, which the keyed check refuses
        // (the keyed chain itself is the story in `audit_chain`).
        assert!(chain.iter().all(|r| r.scheme == "sha256"), "{n}");
        let key = jiuye_security::chain::AuditKey::new([3; 32]);
        assert!(matches!(verify_audit_chain(s, &key).await.unwrap(), ChainCheck::Broken { seq: 1, .. }), "{n}");

        let audit = |scope: &str| AuditQuery { scope_paths: vec![scope.to_owned()], limit: 50, ..Default::default() };
        let (rows, total) = s.audit_rows(&audit(&c.scu.path)).await.unwrap();
        assert_eq!((rows.iter().map(|r| r.seq).collect::<Vec<_>>(), total), (vec![2, 1], 2), "{n}: newest first");
        let (rows, _) = s.audit_rows(&audit(&c.cs.path)).await.unwrap();
        assert_eq!(rows.iter().map(|r| r.seq).collect::<Vec<_>>(), [1], "{n}: the target lies in 计算机学院");
        let by_name = AuditQuery { username: Some("wang_counselor".into()), ..audit("CN") };
        let (rows, _) = s.audit_rows(&by_name).await.unwrap();
        assert_eq!(rows.iter().map(|r| r.seq).collect::<Vec<_>>(), [3, 1], "{n}: as actor or as target");
        let refused = AuditQuery { result: Some("denied".into()), action: Some("auth.login".into()), ..audit("CN") };
        assert_eq!(s.audit_rows(&refused).await.unwrap().1, 1, "{n}");
        let narrowed = AuditQuery { org_path: Some(c.uestc.path.clone()), ..audit("CN/510000") };
        assert_eq!(s.audit_rows(&narrowed).await.unwrap().1, 1, "{n}");
        let paged = AuditQuery { limit: 1, offset: 1, ..audit("CN") };
        let (rows, total) = s.audit_rows(&paged).await.unwrap();
        assert_eq!((rows[0].seq, total), (2, 3), "{n}");
        assert_eq!(s.audit_rows(&AuditQuery { limit: 50, ..Default::default() }).await.unwrap().1, 0, "{n}");

        // The account of a graduate ties the grant to the graduate's record.
        let g = &c.graduates[0];
        let grad = account(s, "2020010001", &c.cs_major, Role::Graduate, Some(g.id)).await;
        assert_eq!(s.grants_of(grad.id).await.unwrap()[0].grant.subject_id, Some(g.id), "{n}");
        b.cleanup().await;
    }
}
