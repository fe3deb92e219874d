//! `OutboxStore`: the database numbers every change of a travelling record in the transaction
//! of the change — a posting approved for the province or the nation, its tombstone when it is
//! withdrawn, a blacklisting — gap-free and in commit order; a university's own postings never
//! travel. On PostgreSQL, a second writer waits for the first to commit, so a reader of
//! "after n" can never pass a number that commits late.

use jiuye_domain::employer::Verification;
use jiuye_domain::posting::PostingStatus;
use jiuye_store::outbox::OutboxRow;

use crate::postings::posting;
use crate::support::{backends, campus};

#[tokio::test]
async fn shared_postings_and_blacklists_are_numbered_in_commit_order() {
    for b in backends().await {
        let (s, n) = (&*b.store, b.name);
        let c = campus(s).await;
        let base = s.outbox_head().await.unwrap();
        // Kept at its university: never travels, whatever happens to it.
        let own = posting(&c, "校内岗位", c.scu.id, "university", 0);
        s.add_posting(&own).await.unwrap();
        assert!(s.review_posting(own.id, 1, PostingStatus::Approved, c.career.id, None).await.unwrap());
        // Nation-wide: pending changes nothing; approved travels; withdrawn leaves a tombstone.
        let wide = posting(&c, "全国岗位", c.sichuan.id, "nation", 0);
        s.add_posting(&wide).await.unwrap();
        assert_eq!(s.outbox_head().await.unwrap(), base, "{n}: nothing shared yet");
        assert!(s.review_posting(wide.id, 1, PostingStatus::Approved, c.career.id, None).await.unwrap());
        assert!(s.withdraw_posting(wide.id, 2).await.unwrap());
        // A posting stored already approved for the province travels at once.
        let province = posting(&c, "省内岗位", c.sichuan.id, "province", 0);
        s.add_postings(&[jiuye_store::postings::PostingRecord { status: PostingStatus::Approved, ..province.clone() }])
            .await
            .unwrap();
        // The employer is blacklisted, then cleared.
        let code = c.employer.credit_code.clone();
        assert!(s.set_verification(&code, Verification::Blacklisted, c.career.id, Some("诈骗")).await.unwrap());
        assert!(s.set_verification(&code, Verification::Verified, c.career.id, Some("复核")).await.unwrap());

        let rows = s.outbox_after(base, 100).await.unwrap();
        let seen: Vec<(i64, &str, uuid::Uuid, i64)> =
            rows.iter().map(|r| (r.seq - base, r.kind.as_str(), r.record, r.version)).collect();
        let employer = c.employer.id;
        assert_eq!(
            seen[..3],
            [(1, "posting", wide.id, 2), (2, "tombstone", wide.id, 3), (3, "posting", province.id, 1)],
            "{n}"
        );
        // A blacklist entry's version is its own number: each is newer than the last.
        assert_eq!(seen[3..], [(4, "blacklist", employer, base + 4), (5, "blacklist", employer, base + 5)], "{n}");
        assert_eq!(s.outbox_head().await.unwrap(), base + 5, "{n}");
        // Paging: after a number, at most a limit.
        let page: Vec<i64> = s.outbox_after(base + 1, 2).await.unwrap().iter().map(|r: &OutboxRow| r.seq).collect();
        assert_eq!(page, [base + 2, base + 3], "{n}");

        if let Some(pool) = b.pg_pool().await {
            // Two writers: the second waits for the first, so numbers follow commit order.
            let mut first = pool.begin().await.unwrap();
            sqlx::query("SELECT federation_outbox_append('blacklist', $1, NULL)")
                .bind(uuid::Uuid::now_v7())
                .execute(&mut *first)
                .await
                .unwrap();
            let pool2 = pool.clone();
            let second = tokio::spawn(async move {
                let mut tx = pool2.begin().await.unwrap();
                sqlx::query("SELECT federation_outbox_append('blacklist', $1, NULL)")
                    .bind(uuid::Uuid::now_v7())
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
            });
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            assert!(!second.is_finished(), "{n}: the second writer waits for the first");
            assert_eq!(s.outbox_head().await.unwrap(), base + 5, "{n}: nothing uncommitted is read");
            first.commit().await.unwrap();
            second.await.unwrap();
            let after: Vec<i64> = s.outbox_after(base + 5, 10).await.unwrap().iter().map(|r| r.seq).collect();
            assert_eq!(after, [base + 6, base + 7], "{n}");
            pool.close().await;
        }
        b.cleanup().await;
    }
}
