//! The keyed audit chain: the one-time re-anchoring of a log written before the node had an
//! audit key, then every kind of tampering by someone who can write to the database but does not
//! hold the key.

use jiuye_security::chain::{self, AuditKey};
use jiuye_store::Repository;
use jiuye_store::accounts::{AuditEntry, AuditRow, ChainCheck, REANCHOR_BATCH, Reanchor, verify_audit_chain};

use crate::support::{Backend, backends};

fn key() -> AuditKey {
    AuditKey::new([0x42; 32])
}

fn entry(i: i64) -> AuditEntry {
    AuditEntry {
        username: Some(format!("user_{i}")),
        action: "user_create".into(),
        target: Some(format!("user:u{i}")),
        result: "ok".into(),
        detail: Some(format!("第 {i} 项")),
        ..AuditEntry::default()
    }
}

async fn rows(s: &dyn Repository) -> Vec<AuditRow> {
    s.audit_after(0, 100_000).await.expect("rows")
}

async fn check(s: &dyn Repository) -> ChainCheck {
    verify_audit_chain(s, &key()).await.expect("verify")
}

fn broken_at(c: &ChainCheck) -> Option<i64> {
    match c {
        ChainCheck::Broken { seq, .. } => Some(*seq),
        ChainCheck::Intact { .. } => None,
    }
}

#[tokio::test]
async fn an_unkeyed_log_is_re_anchored_once_and_then_checked_with_the_key() {
    for b in backends().await {
        let (s, n) = (&*b.store, b.name);
        for i in 1..=5 {
            assert_eq!(s.append_audit(&entry(i)).await.unwrap(), i, "{n}");
        }
        let before = rows(s).await;
        assert!(before.iter().all(|r| r.scheme == "sha256"), "{n}: written without a key");
        assert_eq!(s.audit_head().await.unwrap().tag, None, "{n}");
        // Checked with the key, a log that was never keyed does not pass.
        assert_eq!(broken_at(&check(s).await), Some(1), "{n}");
        assert!(s.reanchor_audit("(命令行)").await.is_err(), "{n}: re-anchoring needs the key");
        s.set_audit_key(key()).unwrap();
        s.set_audit_key(key()).unwrap();
        assert!(s.set_audit_key(AuditKey::new([1; 32])).is_err(), "{n}: another key is refused");
        // Until the re-anchoring the chain stays of one kind.
        assert_eq!(s.append_audit(&entry(6)).await.unwrap(), 6);
        let before = rows(s).await;
        assert_eq!(before[5].scheme, "sha256", "{n}");
        let old_head = s.audit_head().await.unwrap();

        let done = s.reanchor_audit("(命令行)").await.unwrap();
        assert_eq!(done, Reanchor::Done { rows: 6, old_head: old_head.hash.clone(), seq: 7 }, "{n}");
        let after = rows(s).await;
        assert_eq!(after.len(), 7, "{n}");
        for (old, new) in before.iter().zip(&after) {
            assert_eq!((old.seq, old.id, old.at, &old.entry), (new.seq, new.id, new.at, &new.entry), "{n}: kept");
            assert_ne!(old.hash, new.hash, "{n}: row {} re-hashed", old.seq);
        }
        assert!(after.iter().all(|r| r.scheme == "hmac"), "{n}");
        let record = &after[6];
        assert_eq!(
            (record.entry.action.as_str(), record.entry.username.as_deref()),
            ("audit_reanchor", Some("(命令行)"))
        );
        let detail = record.entry.detail.as_deref().unwrap_or_default();
        assert!(detail.contains("6 条") && detail.contains(&old_head.hash), "{n}: {detail}");
        assert_eq!(check(s).await, ChainCheck::Intact { rows: 7 }, "{n}");

        // New rows are keyed, and the chain holds for old and new rows alike.
        for i in 8..=9 {
            assert_eq!(s.append_audit(&entry(i)).await.unwrap(), i, "{n}");
        }
        assert!(rows(s).await.iter().all(|r| r.scheme == "hmac"), "{n}");
        assert_eq!(check(s).await, ChainCheck::Intact { rows: 9 }, "{n}");
        let head = s.audit_head().await.unwrap();
        assert_eq!(head.tag, Some(chain::head_tag(key().bytes(), 9, &head.hash)), "{n}");
        // Only this key checks it.
        assert_eq!(broken_at(&verify_audit_chain(s, &AuditKey::new([1; 32])).await.unwrap()), Some(1), "{n}");

        // A second re-anchoring does nothing at all.
        assert_eq!(s.reanchor_audit("(命令行)").await.unwrap(), Reanchor::AlreadyKeyed, "{n}");
        assert_eq!(s.audit_head().await.unwrap(), head, "{n}");
        assert_eq!(rows(s).await.len(), 9, "{n}");

        // A process opened without the key cannot add to the keyed chain (it would break it).
        let keyless = b.reopen().await;
        assert!(keyless.append_audit(&entry(10)).await.is_err(), "{n}");
        drop(keyless);
        assert_eq!(check(s).await, ChainCheck::Intact { rows: 9 }, "{n}");
        b.cleanup().await;
    }
}

#[tokio::test]
async fn a_new_node_keys_its_empty_log_and_a_long_log_is_re_anchored_in_batches() {
    for b in backends().await {
        let (s, n) = (&*b.store, b.name);
        s.set_audit_key(key()).unwrap();
        let done = s.reanchor_audit("(命令行)").await.unwrap();
        assert_eq!(done, Reanchor::Done { rows: 0, old_head: chain::GENESIS.into(), seq: 1 }, "{n}");
        assert_eq!(s.append_audit(&entry(2)).await.unwrap(), 2, "{n}");
        assert_eq!(check(s).await, ChainCheck::Intact { rows: 2 }, "{n}");
        b.cleanup().await;
    }
    for b in backends().await {
        let (s, n) = (&*b.store, b.name);
        let total = REANCHOR_BATCH * 2 + 7;
        for i in 1..=total {
            s.append_audit(&entry(i)).await.unwrap();
        }
        s.set_audit_key(key()).unwrap();
        match s.reanchor_audit("(命令行)").await.unwrap() {
            Reanchor::Done { rows, seq, .. } => assert_eq!((rows, seq), (total, total + 1), "{n}"),
            other => panic!("{n}: {other:?}"),
        }
        assert_eq!(check(s).await, ChainCheck::Intact { rows: total + 1 }, "{n}");
        b.cleanup().await;
    }
}

#[tokio::test]
async fn a_broken_unkeyed_log_is_not_re_anchored() {
    for (tampering, at) in [
        ("UPDATE audit_log SET result = 'denied' WHERE seq = 2", 2),
        ("DELETE FROM audit_log WHERE seq = 4", 4),
        ("DELETE FROM audit_log WHERE seq = 3", 3),
    ] {
        for b in backends().await {
            let (s, n) = (&*b.store, b.name);
            for i in 1..=4 {
                s.append_audit(&entry(i)).await.unwrap();
            }
            b.raw(tampering).await;
            let (before, head) = (rows(s).await, s.audit_head().await.unwrap());
            s.set_audit_key(key()).unwrap();
            match s.reanchor_audit("(命令行)").await.unwrap() {
                Reanchor::Refused { seq, reason } => assert_eq!(seq, at, "{n}, {tampering}: {reason}"),
                other => panic!("{n}, {tampering}: {other:?}"),
            }
            assert_eq!(rows(s).await, before, "{n}: nothing changed");
            assert_eq!(s.audit_head().await.unwrap(), head, "{n}: nothing changed");
            b.cleanup().await;
        }
    }
}

/// Three rows written before the key, the re-anchoring (row 4), two rows written with the key.
async fn keyed_log(s: &dyn Repository) -> Vec<AuditRow> {
    for i in 1..=3 {
        s.append_audit(&entry(i)).await.expect("append");
    }
    s.set_audit_key(key()).expect("key");
    assert!(matches!(s.reanchor_audit("(命令行)").await.expect("re-anchor"), Reanchor::Done { rows: 3, seq: 4, .. }));
    for i in 5..=6 {
        s.append_audit(&entry(i)).await.expect("append");
    }
    assert_eq!(check(s).await, ChainCheck::Intact { rows: 6 });
    rows(s).await
}

/// A row's unkeyed hash after its detail is changed to `detail`, as an attacker computes it.
fn plain_hash(row: &AuditRow, prev: &str, detail: Option<&str>) -> String {
    let mut forged = row.clone();
    forged.entry.detail = detail.map(str::to_owned);
    forged.expected_hash(prev)
}

/// Copies row 6 as a new row 7 whose hash is the correct unkeyed link from row 6.
async fn forge_row(b: &Backend, rows: &[AuditRow], scheme: &str) {
    let id = uuid::Uuid::now_v7();
    let id = if b.name == "sqlite" { format!("X'{}'", id.simple()) } else { format!("'{id}'") };
    let last = &rows[5];
    b.raw(&format!(
        "INSERT INTO audit_log (seq, id, at, user_id, username, role, org_code, org_path, action, target, \
         target_path, result, ip, detail, prev_hash, hash, scheme) SELECT 7, {id}, at, user_id, username, role, \
         org_code, org_path, action, target, target_path, result, ip, '伪造', '{}', 'x', '{scheme}' \
         FROM audit_log WHERE seq = 6",
        last.hash
    ))
    .await;
    let forged = b.store.audit_after(6, 1).await.expect("row 7").remove(0);
    let hash = forged.expected_hash(&last.hash);
    b.raw(&format!("UPDATE audit_log SET hash = '{hash}' WHERE seq = 7")).await;
    b.raw(&format!("UPDATE audit_head SET seq = 7, hash = '{hash}'")).await;
}

#[tokio::test]
async fn tampering_without_the_key_is_found() {
    let attacks = [
        "edit a row written before the key",
        "edit a row written with the key",
        "delete a row in the middle",
        "delete the last row",
        "delete the last row and move the head back",
        "rewrite the last row and the head with plain SHA-256",
        "append a forged row with a plain SHA-256 link, marked keyed",
        "append a forged row with a plain SHA-256 link, marked unkeyed",
        "recompute the whole chain with plain SHA-256 and untag the head",
        "rewrite the head alone",
    ];
    for attack in attacks {
        for b in backends().await {
            let (s, n) = (&*b.store, b.name);
            let rows = keyed_log(s).await;
            let expected = match attack {
                "edit a row written before the key" => {
                    b.raw("UPDATE audit_log SET detail = '改过' WHERE seq = 2").await;
                    2
                }
                "edit a row written with the key" => {
                    b.raw("UPDATE audit_log SET result = 'denied' WHERE seq = 5").await;
                    5
                }
                "delete a row in the middle" => {
                    b.raw("DELETE FROM audit_log WHERE seq = 3").await;
                    3
                }
                "delete the last row" => {
                    b.raw("DELETE FROM audit_log WHERE seq = 6").await;
                    6
                }
                "delete the last row and move the head back" => {
                    b.raw("DELETE FROM audit_log WHERE seq = 6").await;
                    b.raw(&format!("UPDATE audit_head SET seq = 5, hash = '{}'", rows[4].hash)).await;
                    6
                }
                "rewrite the last row and the head with plain SHA-256" => {
                    let hash = plain_hash(&rows[5], &rows[4].hash, Some("改过"));
                    b.raw(&format!(
                        "UPDATE audit_log SET detail = '改过', hash = '{hash}', scheme = 'sha256' WHERE seq = 6"
                    ))
                    .await;
                    let tag = jiuye_security::sha256_hex(format!("6{hash}").as_bytes());
                    b.raw(&format!("UPDATE audit_head SET hash = '{hash}', tag = '{tag}'")).await;
                    6
                }
                "append a forged row with a plain SHA-256 link, marked keyed" => {
                    forge_row(&b, &rows, "hmac").await;
                    7
                }
                "append a forged row with a plain SHA-256 link, marked unkeyed" => {
                    forge_row(&b, &rows, "sha256").await;
                    7
                }
                "recompute the whole chain with plain SHA-256 and untag the head" => {
                    let mut prev = chain::GENESIS.to_owned();
                    for r in &rows {
                        let hash = plain_hash(r, &prev, r.entry.detail.as_deref());
                        b.raw(&format!(
                            "UPDATE audit_log SET prev_hash = '{prev}', hash = '{hash}', scheme = 'sha256' \
                             WHERE seq = {}",
                            r.seq
                        ))
                        .await;
                        prev = hash;
                    }
                    b.raw(&format!("UPDATE audit_head SET hash = '{prev}', tag = NULL")).await;
                    1
                }
                "rewrite the head alone" => {
                    let hash = plain_hash(&rows[5], &rows[4].hash, None);
                    b.raw(&format!("UPDATE audit_head SET hash = '{hash}'")).await;
                    6
                }
                other => unreachable!("{other}"),
            };
            let found = check(s).await;
            assert_eq!(broken_at(&found), Some(expected), "{n}, {attack}: {found:?}");
            b.cleanup().await;
        }
    }
}
