//! Read replicas: statistics and lists read from a PostgreSQL streaming replica, never behind a
//! committed write. Runs in the replica step (`scripts/replica-pair.sh`), which makes
//! its own primary and replica and sets `JIUYE_TEST_READ_DATABASE_URL`; elsewhere the store has
//! no replica and [`caught_up`] returns at once.

use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use jiuye_store::Repository;

use super::fixtures;
use super::graduates::{roster, stats, upload};
use super::identity::{Auth, call, token_for};

/// Waits (at most a minute) until every replica has replayed what the primary holds now.
pub(crate) async fn caught_up(store: &dyn Repository) {
    let Some(at) = store.write_position().await.expect("position") else { return };
    let started = Instant::now();
    loop {
        let replicas = store.replicas();
        if replicas.iter().all(|r| r.alive && r.replayed.is_some_and(|r| r >= at)) {
            return;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "replicas still behind {at}: {replicas:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The graduates of 四川大学 in cohort 2022 as `token`'s holder reads them.
async fn graduates(app: &axum::Router, token: &str) -> i64 {
    stats(app, token, "4151010610").await["graduates"].as_i64().expect("graduates")
}

/// How many graduates of 四川大学's cohort 2022 the replica itself holds.
async fn on_replica(replica: &sqlx::PgPool, schema: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM {schema}.graduates g JOIN {schema}.orgs o ON o.id = g.org_id \
         WHERE o.code = '4151010610' AND g.cohort = 2022"
    )))
    .fetch_one(replica)
    .await
    .unwrap()
}

#[tokio::test]
async fn statistics_come_from_the_replica_and_nobody_reads_behind_a_write() {
    let Ok(replica_url) = std::env::var("JIUYE_TEST_READ_DATABASE_URL") else { return };
    let f = fixtures().await.remove(0);
    let replica = sqlx::PgPool::connect(&replica_url).await.expect("replica");
    let in_recovery: bool = sqlx::query_scalar("SELECT pg_is_in_recovery()").fetch_one(&replica).await.unwrap();
    assert!(in_recovery, "JIUYE_TEST_READ_DATABASE_URL is not a standby");
    let ministry = token_for(&f, "demo_ministry").await;
    let province = token_for(&f, "demo_province").await;
    caught_up(&*f.store).await;

    let reads = |store: &dyn Repository| store.replicas().iter().map(|r| r.reads).sum::<u64>();
    let before = graduates(&f.app, &province).await;
    assert!(reads(&*f.store) > 0, "the statistics were not read from the replica: {:?}", f.store.replicas());

    // With the replica's replay paused, a write reaches only the primary ...
    sqlx::query("SELECT pg_wal_replay_pause()").execute(&replica).await.unwrap();
    let outcome = async {
        let r = upload(&f.app, &ministry, "4151010610", "roster.csv", roster().into_bytes(), false).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let imported = r.json()["created"].as_i64().expect("created");
        let replica_reads = reads(&*f.store);
        // ... and the writer, and anyone else, read it: the replica is behind, so the primary answers.
        let seen = (graduates(&f.app, &ministry).await, graduates(&f.app, &province).await);
        (imported, seen, reads(&*f.store) - replica_reads, on_replica(&replica, f.schema()).await)
    }
    .await;
    sqlx::query("SELECT pg_wal_replay_resume()").execute(&replica).await.unwrap();
    let (imported, (by_writer, by_other), replica_reads, held) = outcome;
    assert!(imported > 0);
    assert_eq!(held, before, "the paused replica already held the write");
    assert_eq!(by_writer, before + imported, "the writer must read their own write");
    assert_eq!(by_other, before + imported, "another person read behind a committed write");
    assert_eq!(replica_reads, 0, "the paused replica answered a read it had not caught up for");

    // Once replay resumes the write reaches the replica (within a minute), which answers again.
    let started = Instant::now();
    while on_replica(&replica, f.schema()).await != before + imported {
        assert!(started.elapsed() < Duration::from_secs(60), "the write never reached the replica");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Other tests write to the same primary meanwhile: a read goes to the replica once it has
    // replayed the primary's position at that moment, which a busy primary may keep ahead of it
    // for a while; within a minute it answers.
    let started = Instant::now();
    loop {
        let replica_reads = reads(&*f.store);
        assert_eq!(graduates(&f.app, &province).await, before + imported);
        if reads(&*f.store) > replica_reads {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "the caught-up replica never answered");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // /metrics shows the replica.
    let m = call(&f.app, Method::GET, "/metrics", None, &Auth::None).await;
    assert!(m.body.contains("jiuye_db_replica_up{replica="), "{}", m.body);
    assert!(m.body.contains("jiuye_db_replica_reads_total{replica="), "{}", m.body);
    replica.close().await;
    f.cleanup().await;
}
