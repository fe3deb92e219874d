//! `ReceivedStore`: a record received from another node is kept only when newer than the one
//! held (a replay or a late copy changes nothing); a tombstone replaces its posting; a blacklist
//! entry names its employer until lifted; a peer's cursor is kept, and one process at a time
//! holds the right to read a peer.

use chrono::{Duration, Utc};
use jiuye_store::received::{Cursor, Line, ReceivedRecord};
use jiuye_store::reports::Report;
use uuid::Uuid;

use crate::support::backends;

fn record(id: Uuid, kind: &str, version: i64, code: &str, blacklisted: bool) -> ReceivedRecord {
    ReceivedRecord {
        record: id,
        kind: kind.into(),
        origin: "4151010610".into(),
        via: "4151010610".into(),
        seq: version,
        version,
        credit_code: Some(code.into()),
        blacklisted,
        subject: None,
        cohort: None,
        envelope: format!("{{\"version\":{version}}}"),
        received_at: Utc::now(),
    }
}

#[tokio::test]
async fn received_records_keep_the_newest_version_and_cursors_one_holder() {
    for b in backends().await {
        let (s, n) = (&*b.store, b.name);
        let before = Utc::now() - Duration::seconds(1);
        let job = Uuid::new_v4();
        assert_eq!(s.received_version(job).await.unwrap(), None, "{n}");
        assert!(s.put_received(&record(job, "posting", 2, "91510100MA61234567", false)).await.unwrap());
        // The same version again, or an older one: nothing changes.
        assert!(!s.put_received(&record(job, "posting", 2, "91510100MA61234567", false)).await.unwrap(), "{n}");
        assert!(!s.put_received(&record(job, "posting", 1, "91510100MA61234567", false)).await.unwrap(), "{n}");
        assert_eq!(s.received_version(job).await.unwrap(), Some(2), "{n}");
        assert_eq!(s.received_postings_of("91510100MA61234567").await.unwrap(), [job], "{n}");
        let listed = s.received_postings_after(None, 10).await.unwrap();
        assert_eq!(listed.iter().map(|r| r.record).collect::<Vec<_>>(), [job], "{n}");
        assert!(s.received_since(before).await.unwrap().contains(&job), "{n}");
        // Its tombstone replaces it: no longer a posting here.
        assert!(s.put_received(&record(job, "tombstone", 3, "91510100MA61234567", false)).await.unwrap());
        assert!(s.received_postings_after(None, 10).await.unwrap().is_empty(), "{n}");
        let held = s.received_by_ids(&[job, Uuid::new_v4()]).await.unwrap();
        assert_eq!((held.len(), held[0].kind.as_str(), held[0].version), (1, "tombstone", 3), "{n}");

        // A page kept in one transaction: in order, older versions not kept, each with an outbox row.
        let (a, c) = (Uuid::new_v4(), Uuid::new_v4());
        let head = s.outbox_head().await.unwrap();
        let page = [
            record(a, "posting", 1, "91510100MA61234567", false),
            record(a, "posting", 2, "91510100MA61234567", false),
            record(a, "posting", 1, "91510100MA61234567", false),
            record(c, "posting", 5, "91510100MA61234567", false),
        ];
        assert_eq!(s.put_received_all(&page).await.unwrap(), [true, true, false, true], "{n}");
        assert_eq!(s.outbox_head().await.unwrap(), head + 3, "{n}");
        let versions = s.received_versions(&[a, c, Uuid::new_v4()]).await.unwrap();
        assert_eq!((versions.len(), versions[&a], versions[&c]), (2, 2, 5), "{n}");
        assert!(s.put_received_all(&[]).await.unwrap().is_empty(), "{n}");

        // Blacklisted elsewhere until the origin lifts it.
        let employer = Uuid::new_v4();
        assert!(s.put_received(&record(employer, "blacklist", 7, "91510100MA6BADBAD1", true)).await.unwrap());
        assert_eq!(s.blacklisted_elsewhere().await.unwrap(), ["91510100MA6BADBAD1"], "{n}");
        assert!(s.put_received(&record(employer, "blacklist", 9, "91510100MA6BADBAD1", false)).await.unwrap());
        assert!(s.blacklisted_elsewhere().await.unwrap().is_empty(), "{n}");

        // Cursors.
        assert_eq!(s.cursor(Line::Read, "510000").await.unwrap(), None, "{n}");
        let now = Utc::now();
        assert!(s.hold_cursor(Line::Read, "510000", "a", now, now + Duration::seconds(60)).await.unwrap(), "{n}");
        assert!(
            !s.hold_cursor(Line::Read, "510000", "b", now, now + Duration::seconds(60)).await.unwrap(),
            "{n}: held by a"
        );
        assert!(
            s.hold_cursor(Line::Read, "510000", "a", now, now + Duration::seconds(60)).await.unwrap(),
            "{n}: renewed"
        );
        let later = now + Duration::seconds(61);
        assert!(
            s.hold_cursor(Line::Read, "510000", "b", later, later + Duration::seconds(60)).await.unwrap(),
            "{n}: ran out"
        );
        let at = now;
        let c = Cursor {
            peer_org: "510000".into(),
            after_seq: 41,
            head_seq: 50,
            applied: 40,
            refused: 1,
            failures: 2,
            last_error: Some("HTTP 503".into()),
            last_attempt_at: Some(at),
            last_success_at: None,
            next_attempt_at: Some(at + Duration::seconds(4)),
        };
        s.put_cursor(Line::Read, &c).await.unwrap();
        let back = s.cursor(Line::Read, "510000").await.unwrap().unwrap();
        assert_eq!((back.after_seq, back.head_seq, back.applied, back.refused, back.failures), (41, 50, 40, 1, 2));
        assert_eq!(back.last_error.as_deref(), Some("HTTP 503"), "{n}");
        assert!(back.next_attempt_at.is_some_and(|t| (t - at).num_milliseconds().abs_diff(4_000) <= 1), "{n}");
        assert_eq!(s.cursors(Line::Read).await.unwrap().len(), 1, "{n}");
        // Pushing to the same peer keeps a cursor of its own.
        assert_eq!(s.cursor(Line::Push, "510000").await.unwrap(), None, "{n}");
        assert!(s.hold_cursor(Line::Push, "510000", "a", later, later + Duration::seconds(60)).await.unwrap(), "{n}");
        s.put_cursor(Line::Push, &Cursor { after_seq: 7, ..c.clone() }).await.unwrap();
        assert_eq!(s.cursor(Line::Push, "510000").await.unwrap().map(|c| c.after_seq), Some(7), "{n}");
        assert_eq!(s.cursor(Line::Read, "510000").await.unwrap().map(|c| c.after_seq), Some(41), "{n}");
    }
}

#[tokio::test]
async fn figures_are_reported_when_they_change_and_kept_by_cohort_when_received() {
    for b in backends().await {
        let (s, n) = (&*b.store, b.name);
        let id = Uuid::new_v4();
        let head = s.outbox_head().await.unwrap();
        let report = |counts: &str| Report {
            record: id,
            org_code: "4151010610".into(),
            cohort: 2024,
            version: 0,
            counts: counts.into(),
            body: format!("{{\"counts\":{counts}}}"),
            reported_at: Utc::now(),
        };
        assert_eq!(s.put_report(&report("{\"graduates\":10}")).await.unwrap(), Some(1), "{n}");
        // The same counts again: nothing written, nothing sent.
        assert_eq!(s.put_report(&report("{\"graduates\":10}")).await.unwrap(), None, "{n}");
        assert_eq!(s.put_report(&report("{\"graduates\":11}")).await.unwrap(), Some(2), "{n}");
        let sent = s.outbox_after(head, 100).await.unwrap();
        let sent: Vec<_> =
            sent.iter().filter(|r| r.record == id).map(|r| (r.kind.as_str(), r.record, r.version)).collect();
        assert_eq!(sent, [("aggregate", id, 1), ("aggregate", id, 2)], "{n}");
        let held = s.reports_by_ids(&[id]).await.unwrap();
        assert_eq!((held[0].version, held[0].counts.as_str()), (2, "{\"graduates\":11}"), "{n}");
        assert_eq!(s.reports().await.unwrap().len(), 1, "{n}");

        // Received figures are found by cohort, with the organisation they count.
        let mut r = record(Uuid::new_v4(), "aggregate", 1, "", false);
        (r.credit_code, r.subject, r.cohort) = (None, Some("CN/510000/4151010610".into()), Some(2024));
        assert!(s.put_received(&r).await.unwrap(), "{n}");
        let found = s.received_aggregates(2024).await.unwrap();
        assert_eq!(found.len(), 1, "{n}");
        assert_eq!((found[0].subject.as_deref(), found[0].cohort), (Some("CN/510000/4151010610"), Some(2024)));
        assert!(s.received_aggregates(2023).await.unwrap().is_empty(), "{n}");
    }
}

#[tokio::test]
async fn campaign_definitions_are_published_and_kept_with_their_outbox_rows() {
    for b in backends().await {
        let (s, n) = (&*b.store, b.name);
        let policy = jiuye_domain::campaign::SPRING_2023;
        let record_id = Uuid::new_v4();
        // Published here: loaded, with an outbox row whose version is the moment it was loaded.
        let head = s.outbox_head().await.unwrap();
        let version = s.publish_campaign("c-here", "本地活动", policy, record_id).await.unwrap();
        let rows = s.outbox_after(head, 10).await.unwrap();
        assert_eq!(rows.len(), 1, "{n}");
        assert_eq!((rows[0].kind.as_str(), rows[0].record, rows[0].version), ("campaign", record_id, version), "{n}");
        let loaded = s.campaigns().await.unwrap();
        let here = loaded.iter().find(|c| c.0 == "c-here").expect("loaded");
        assert_eq!(here.3.timestamp_millis(), version, "{n}");

        // Received: loaded with the record, newer versions only, relayed by an outbox row.
        let above = Uuid::new_v4();
        let received =
            |version: i64| ReceivedRecord { kind: "campaign".into(), ..record(above, "campaign", version, "", false) };
        let head = s.outbox_head().await.unwrap();
        assert!(s.put_received_campaign(&received(3), ("c-above", "省级活动", policy)).await.unwrap(), "{n}");
        assert!(!s.put_received_campaign(&received(3), ("c-above", "重放", policy)).await.unwrap(), "{n}");
        assert!(!s.put_received_campaign(&received(2), ("c-above", "旧版本", policy)).await.unwrap(), "{n}");
        assert!(s.put_received_campaign(&received(4), ("c-above", "省级活动（修订）", policy)).await.unwrap(), "{n}");
        assert_eq!(s.outbox_head().await.unwrap(), head + 2, "{n}");
        let loaded = s.campaigns().await.unwrap();
        assert_eq!(loaded.iter().find(|c| c.0 == "c-above").map(|c| c.1.as_str()), Some("省级活动（修订）"), "{n}");
        assert_eq!(s.received_version(above).await.unwrap(), Some(4), "{n}");
    }
}
