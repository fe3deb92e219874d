//! The read log against a real store: SQLite always, PostgreSQL too when `DATABASE_URL` is set
//! (in a schema of its own, dropped afterwards).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use jiuye_domain::access::{Actor, Role};
use jiuye_domain::read_log::{ReadKind, Retention};
use jiuye_domain::{OrgCode, RefData};
use jiuye_store::Store;
use jiuye_store::accounts::AuditQuery;
use jiuye_store::read_log::ReadEntry;
use uuid::Uuid;

use super::*;
use crate::ErrorKind;

const SCU: &str = "CN/510000/4151010610";
const SWJTU: &str = "CN/510000/4151010613";

struct Db {
    store: Store,
    dir: std::path::PathBuf,
    pg: Option<(String, String)>,
}

async fn stores() -> Vec<Db> {
    let rd = RefData::load().unwrap();
    let dir = std::env::temp_dir().join(format!("jiuye-read-log-{}", Uuid::new_v4().simple()));
    let sqlite: Store = Arc::new(jiuye_store::sqlite::SqliteStore::open(&dir.join("t.db")).await.unwrap());
    sqlite.sync_reference_data(&rd).await.unwrap();
    let mut out = vec![Db { store: sqlite, dir, pg: None }];
    if let Ok(url) = std::env::var("DATABASE_URL") {
        let schema = format!("rl_{}", Uuid::new_v4().simple());
        let pg: Store = Arc::new(jiuye_store::postgres::PgStore::connect(&url, Some(&schema)).await.unwrap());
        pg.sync_reference_data(&rd).await.unwrap();
        out.push(Db { store: pg, dir: std::path::PathBuf::new(), pg: Some((url, schema)) });
    }
    out
}

async fn done(db: Db) {
    drop(db.store);
    if !db.dir.as_os_str().is_empty() {
        let _ = std::fs::remove_dir_all(&db.dir);
    }
    if let Some((url, schema)) = db.pg {
        jiuye_store::postgres::PgStore::drop_schema(&url, &schema).await.unwrap();
    }
}

async fn person(s: &dyn Repository, username: &str, code: &str, role: Role) -> Actor {
    let org = s.org_by_code(&OrgCode::parse(code).unwrap()).await.unwrap().unwrap();
    crate::test_support::account(s, username, &org, role, None, crate::test_support::NO_PASSWORD).await
}

fn entry(reader: &str, kind: ReadKind, subject: Uuid, path: &str, at: DateTime<Utc>) -> ReadEntry {
    ReadEntry {
        id: Uuid::now_v7(),
        at,
        reader_id: None,
        reader_name: reader.into(),
        reader_role: Some("counselor".into()),
        reader_path: Some(format!("{path}/x")),
        kind: kind.id().into(),
        subject_id: Some(subject),
        subject_path: Some(path.into()),
        filter: None,
        row_count: Some(1),
        ip: Some("10.0.0.9".into()),
    }
}

fn days_ago(n: i64) -> DateTime<Utc> {
    Utc::now() - chrono::Duration::days(n)
}

#[tokio::test]
async fn reads_are_written_in_batches_and_flushed() {
    for db in stores().await {
        let log = ReadLog::start(db.store.clone(), WriterSettings::default());
        let reader = Actor { user_id: Uuid::now_v7(), username: "reader".into(), grants: Vec::new() };
        let reads = Reads { log: &log, ip: "10.1.2.3".parse().ok() };
        let subject = Uuid::now_v7();
        for _ in 0..1200 {
            reads.graduate(&reader, ReadKind::Graduate, subject, SCU, None).await.unwrap();
        }
        log.flush().await;
        let c = log.counts();
        assert_eq!((c.queued, c.written, c.dropped, c.failed), (1200, 1200, 0, 0));
        assert!(c.batches >= 3, "at most 500 a batch: {c:?}");
        let nation =
            ReadLogQuery { scope_paths: vec!["CN".into()], subject_id: Some(subject), limit: 10, ..Default::default() };
        let (rows, total) = db.store.read_log(&nation).await.unwrap();
        assert_eq!(total, 1200);
        assert_eq!((rows[0].reader_name.as_str(), rows[0].ip.as_deref()), ("reader", Some("10.1.2.3")));
        // Closing writes what is queued; afterwards nothing is queued, and a sensitive read is
        // refused rather than left unlogged.
        reads.graduate(&reader, ReadKind::Graduate, subject, SCU, None).await.unwrap();
        log.close().await;
        assert_eq!(db.store.read_log(&nation).await.unwrap().1, 1201);
        reads.graduate(&reader, ReadKind::Graduate, subject, SCU, None).await.unwrap();
        let refused = reads.graduate(&reader, ReadKind::Evidence, subject, SCU, Some("evidence:x".into())).await;
        assert_eq!(refused.unwrap_err().code, ErrorCode::AuditUnavailable);
        assert_eq!(log.counts().dropped, 2);
        done(db).await;
    }
}

#[tokio::test]
async fn a_full_queue_waits_briefly_then_refuses_sensitive_reads_and_counts_what_it_drops() {
    let (log, _queue) = ReadLog::stalled(1, Duration::from_millis(20));
    let reader = Actor { user_id: Uuid::now_v7(), username: "reader".into(), grants: Vec::new() };
    let reads = Reads { log: &log, ip: None };
    let g = Uuid::now_v7();
    reads.graduate(&reader, ReadKind::Graduate, g, SCU, None).await.unwrap();
    let started = std::time::Instant::now();
    reads.graduate(&reader, ReadKind::Graduate, g, SCU, None).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(20), "waited for room first");
    for kind in [ReadKind::Evidence, ReadKind::Resume, ReadKind::Hardship] {
        let refused = reads.graduate(&reader, kind, g, SCU, None).await.unwrap_err();
        assert_eq!((refused.kind, refused.code), (ErrorKind::Unavailable, ErrorCode::AuditUnavailable));
    }
    let c = log.counts();
    assert_eq!((c.queued, c.dropped), (1, 4));
}

#[tokio::test]
async fn career_staff_search_their_scope_and_nobody_else_searches() {
    for db in stores().await {
        let s = db.store.as_ref();
        let scu_staff = person(s, "scu_career", "4151010610", Role::CareerStaff).await;
        let swjtu_staff = person(s, "swjtu_career", "4151010613", Role::CareerStaff).await;
        let leader = person(s, "scu_leader", "4151010610", Role::UniversityLeader).await;
        let province = person(s, "sc_admin", "510000", Role::ProvinceAdmin).await;
        let (ours, theirs) = (Uuid::now_v7(), Uuid::now_v7());
        let now = Utc::now();
        s.append_reads(&[
            entry("c1", ReadKind::Graduate, ours, &format!("{SCU}/4151010610-01/p"), now),
            entry("c1", ReadKind::Evidence, ours, &format!("{SCU}/4151010610-01/p"), now),
            entry("c2", ReadKind::Graduate, theirs, &format!("{SWJTU}/4151010613-01/p"), now),
        ])
        .await
        .unwrap();
        let all = |graduate| ReadLogFilter { graduate, ..Default::default() };
        let (rows, total) = search(s, &scu_staff, all(None), 50, 0).await.unwrap();
        assert_eq!(total, 2);
        assert!(rows.iter().all(|r| r.subject_id == Some(ours)));
        assert_eq!(
            search(s, &scu_staff, all(Some(theirs)), 50, 0).await.unwrap().1,
            0,
            "another university's graduate"
        );
        assert_eq!(search(s, &swjtu_staff, all(Some(ours)), 50, 0).await.unwrap().1, 0);
        assert_eq!(search(s, &province, all(None), 50, 0).await.unwrap().1, 3);
        let kind = ReadLogFilter { kind: Some("evidence".into()), ..Default::default() };
        assert_eq!(search(s, &scu_staff, kind, 50, 0).await.unwrap().1, 1);
        let reader = ReadLogFilter { reader: Some("c2".into()), ..Default::default() };
        assert_eq!(search(s, &province, reader, 50, 0).await.unwrap().1, 1);
        let later = ReadLogFilter { from: Some((now + chrono::Duration::hours(1)).to_rfc3339()), ..Default::default() };
        assert_eq!(search(s, &province, later, 50, 0).await.unwrap().1, 0);
        let today = now.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap()).format("%Y-%m-%d").to_string();
        let period = ReadLogFilter { from: Some(today.clone()), to: Some(today), ..Default::default() };
        assert_eq!(search(s, &province, period, 50, 0).await.unwrap().1, 3);

        let refused = search(s, &leader, all(None), 50, 0).await.unwrap_err();
        assert_eq!((refused.kind, refused.code), (ErrorKind::Forbidden, ErrorCode::Forbidden));
        let outside = ReadLogFilter { org: Some("4151010613".into()), ..Default::default() };
        assert_eq!(search(s, &scu_staff, outside, 50, 0).await.unwrap_err().kind, ErrorKind::Forbidden);
        let bad = ReadLogFilter { kind: Some("diary".into()), ..Default::default() };
        assert_eq!(search(s, &scu_staff, bad, 50, 0).await.unwrap_err().code, ErrorCode::InvalidKind);
        let bad = ReadLogFilter { from: Some("yesterday".into()), ..Default::default() };
        assert_eq!(search(s, &scu_staff, bad, 50, 0).await.unwrap_err().code, ErrorCode::InvalidDate);
        done(db).await;
    }
}

#[tokio::test]
async fn a_purge_removes_only_old_entries_keeps_sensitive_ones_three_years_and_is_audited() {
    for db in stores().await {
        let s = db.store.as_ref();
        let g = Uuid::now_v7();
        let rows = [
            (ReadKind::Graduate, 10, true),
            (ReadKind::GraduateList, 182, true),
            (ReadKind::Graduate, 184, false),
            (ReadKind::GraduateList, 400, false),
            (ReadKind::Evidence, 400, true),
            (ReadKind::Resume, 1094, true),
            (ReadKind::Evidence, 1096, false),
            (ReadKind::Resume, 2000, false),
        ];
        let entries: Vec<ReadEntry> =
            rows.iter().map(|(k, age, _)| entry(&format!("{}-{age}", k.id()), *k, g, SCU, days_ago(*age))).collect();
        s.append_reads(&entries).await.unwrap();
        let p = purge(s, Retention::days(183).unwrap(), Utc::now(), "(测试)").await.unwrap();
        assert_eq!(p.deleted, 4);
        let q = ReadLogQuery { scope_paths: vec!["CN".into()], limit: 100, ..Default::default() };
        let mut left: Vec<String> = s.read_log(&q).await.unwrap().0.into_iter().map(|r| r.reader_name).collect();
        left.sort();
        let mut kept: Vec<String> =
            rows.iter().filter(|r| r.2).map(|(k, age, _)| format!("{}-{age}", k.id())).collect();
        kept.sort();
        assert_eq!(left, kept);
        let audit = AuditQuery {
            scope_paths: vec!["CN".into()],
            action: Some("read_log_purge".into()),
            limit: 10,
            ..Default::default()
        };
        let (audit, _) = s.audit_rows(&audit).await.unwrap();
        assert_eq!(audit.len(), 1);
        let detail = audit[0].entry.detail.clone().unwrap_or_default();
        assert!(detail.starts_with("删除 4 条"), "{detail}");
        assert!(detail.contains(&p.cutoff.format("%Y-%m-%d").to_string()), "{detail}");
        // A longer retention removes nothing more.
        assert_eq!(purge(s, Retention::default(), Utc::now(), "(测试)").await.unwrap().deleted, 0);
        done(db).await;
    }
}
