//! What this node holds from other nodes (migration 0040): one row per record received, the
//! newest version held, and per peer how far its feed has been read.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::Result;

/// A record received from another node. The origin owns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceivedRecord {
    pub record: Uuid,
    /// A `Kind` id (`posting`, `tombstone`, `event`, `blacklist`, `aggregate`, …).
    pub kind: String,
    /// The origin node's organisation code.
    pub origin: String,
    /// The peer it came from (the origin itself, or a parent relaying it).
    pub via: String,
    pub seq: i64,
    pub version: i64,
    /// The employer's credit code (postings and blacklist entries).
    pub credit_code: Option<String>,
    /// A blacklist entry that puts the employer on the blacklist.
    pub blacklisted: bool,
    /// Aggregates: the path of codes of the organisation counted, and the cohort; events: the
    /// organiser's path.
    pub subject: Option<String>,
    pub cohort: Option<i32>,
    /// The envelope as received, signature included.
    pub envelope: String,
    pub received_at: DateTime<Utc>,
}

/// How far this node has read a peer's feed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cursor {
    pub peer_org: String,
    /// The peer's outbox number read up to.
    pub after_seq: i64,
    /// The peer's greatest number as last seen.
    pub head_seq: i64,
    /// Envelopes applied and refused so far.
    pub applied: i64,
    pub refused: i64,
    /// Failed attempts in a row (0 after a success).
    pub failures: i32,
    pub last_error: Option<String>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub last_success_at: Option<DateTime<Utc>>,
    /// No attempt before this (the backoff after failures).
    pub next_attempt_at: Option<DateTime<Utc>>,
}

/// Which way a cursor runs: reading a peer's feed (`federation_cursors`), or pushing this
/// node's outbox to the peer's inbox (`federation_pushes`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Line {
    Read,
    Push,
}

impl Line {
    pub fn table(self) -> &'static str {
        match self {
            Line::Read => "federation_cursors",
            Line::Push => "federation_pushes",
        }
    }
}

/// Keeps a received record unless the same or a newer version is held (one row affected when
/// kept).
pub(crate) fn upsert_sql(columns: &str) -> String {
    format!(
        "INSERT INTO federation_records ({columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         ON CONFLICT (record) DO UPDATE SET kind = excluded.kind, origin = excluded.origin, \
         via = excluded.via, seq = excluded.seq, version = excluded.version, \
         credit_code = excluded.credit_code, blacklisted = excluded.blacklisted, \
         subject = excluded.subject, cohort = excluded.cohort, \
         envelope = excluded.envelope, received_at = excluded.received_at \
         WHERE federation_records.version < excluded.version"
    )
}

/// Keeps the received record `$r` with the statement `$sql` ([`upsert_sql`]) on the connection
/// `$conn`, and when kept (newer than what is held) writes its outbox row there too, so that it
/// is relayed to this node's peers unchanged; whether it was kept.
macro_rules! keep {
    ($store:expr, $conn:expr, $sql:expr, $r:expr) => {{
        let r = $r;
        let done = sqlx::query(sqlx::AssertSqlSafe($sql.to_owned()))
            .bind(r.record)
            .bind(&r.kind)
            .bind(&r.origin)
            .bind(&r.via)
            .bind(r.seq)
            .bind(r.version)
            .bind(&r.credit_code)
            .bind(r.blacklisted)
            .bind(&r.subject)
            .bind(r.cohort)
            .bind(&r.envelope)
            .bind(r.received_at)
            .execute(&mut *$conn)
            .await?;
        let kept = done.rows_affected() == 1;
        if kept {
            crate::outbox::append!($store, &mut *$conn, r.kind.as_str(), r.record, Some(r.version));
        }
        kept
    }};
}
pub(crate) use keep;

#[async_trait]
pub trait ReceivedStore: Send + Sync {
    /// The version of a record held here, if any.
    async fn received_version(&self, record: Uuid) -> Result<Option<i64>>;
    /// Keeps `r` unless this record is held at the same or a newer version; true when kept. A
    /// kept record also gets a row in this node's outbox (in the same transaction), so that it
    /// is relayed to this node's peers.
    async fn put_received(&self, r: &ReceivedRecord) -> Result<bool>;
    /// As [`ReceivedStore::put_received`] for each of `rs` in order, in one transaction; which
    /// were kept.
    async fn put_received_all(&self, rs: &[ReceivedRecord]) -> Result<Vec<bool>>;
    /// As [`ReceivedStore::put_received`] for a campaign definition, which when kept also
    /// replaces the loaded campaign `(id, name, policy)`, in the same transaction.
    async fn put_received_campaign(&self, r: &ReceivedRecord, campaign: (&str, &str, &str)) -> Result<bool>;
    /// The versions held of the records among `ids`.
    async fn received_versions(&self, ids: &[Uuid]) -> Result<std::collections::HashMap<Uuid, i64>>;
    /// The records among `ids` (at most 500) held here.
    async fn received_by_ids(&self, ids: &[Uuid]) -> Result<Vec<ReceivedRecord>>;
    /// Received postings (not tombstoned) after `after` in record order, at most `limit`.
    async fn received_postings_after(&self, after: Option<Uuid>, limit: i64) -> Result<Vec<ReceivedRecord>>;
    /// Received postings and tombstones that arrived at or after `since`.
    async fn received_since(&self, since: DateTime<Utc>) -> Result<Vec<Uuid>>;
    /// Received aggregate figures for `cohort`.
    async fn received_aggregates(&self, cohort: i32) -> Result<Vec<ReceivedRecord>>;
    /// The recruitment events received, the most recently received first (at most `limit`).
    async fn received_events(&self, limit: i64) -> Result<Vec<ReceivedRecord>>;
    /// Credit codes of the employers another node has blacklisted (and not lifted since).
    async fn blacklisted_elsewhere(&self) -> Result<Vec<String>>;
    /// Received postings of the employer with this credit code.
    async fn received_postings_of(&self, credit_code: &str) -> Result<Vec<Uuid>>;
    async fn cursor(&self, line: Line, peer_org: &str) -> Result<Option<Cursor>>;
    async fn cursors(&self, line: Line) -> Result<Vec<Cursor>>;
    /// Writes a peer's cursor (creating it).
    async fn put_cursor(&self, line: Line, c: &Cursor) -> Result<()>;
    /// Takes (or renews) the right to read `peer_org`'s feed (or push to it) until `until`, as
    /// `holder`; false while another holder's right has not run out.
    async fn hold_cursor(
        &self,
        line: Line,
        peer_org: &str,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool>;
}

macro_rules! received_impl {
    ($store:ty, $db:ty) => {
        mod received_impl {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use sqlx::{QueryBuilder, Row};
            use uuid::Uuid;

            use super::*;
            use crate::Result;
            use crate::received::{Cursor, Line, ReceivedRecord, ReceivedStore};

            const COLUMNS: &str =
                "record, kind, origin, via, seq, version, credit_code, blacklisted, subject, cohort, envelope, received_at";
            const CURSOR_COLUMNS: &str = "peer_org, after_seq, head_seq, applied, refused, failures, last_error, \
                last_attempt_at, last_success_at, next_attempt_at";

            fn record(r: &<$db as sqlx::Database>::Row) -> Result<ReceivedRecord> {
                Ok(ReceivedRecord {
                    record: r.try_get("record")?,
                    kind: r.try_get("kind")?,
                    origin: r.try_get("origin")?,
                    via: r.try_get("via")?,
                    seq: r.try_get("seq")?,
                    version: r.try_get("version")?,
                    credit_code: r.try_get("credit_code")?,
                    blacklisted: r.try_get("blacklisted")?,
                    subject: r.try_get("subject")?,
                    cohort: r.try_get("cohort")?,
                    envelope: r.try_get("envelope")?,
                    received_at: r.try_get("received_at")?,
                })
            }

            fn cursor(r: &<$db as sqlx::Database>::Row) -> Result<Cursor> {
                Ok(Cursor {
                    peer_org: r.try_get("peer_org")?,
                    after_seq: r.try_get("after_seq")?,
                    head_seq: r.try_get("head_seq")?,
                    applied: r.try_get("applied")?,
                    refused: r.try_get("refused")?,
                    failures: r.try_get("failures")?,
                    last_error: r.try_get("last_error")?,
                    last_attempt_at: r.try_get("last_attempt_at")?,
                    last_success_at: r.try_get("last_success_at")?,
                    next_attempt_at: r.try_get("next_attempt_at")?,
                })
            }

            #[async_trait]
            impl ReceivedStore for $store {
                async fn received_version(&self, id: Uuid) -> Result<Option<i64>> {
                    Ok(sqlx::query_scalar("SELECT version FROM federation_records WHERE record = $1")
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await?)
                }

                async fn put_received(&self, r: &ReceivedRecord) -> Result<bool> {
                    Ok(self.put_received_all(std::slice::from_ref(r)).await?.first().copied().unwrap_or(false))
                }

                async fn put_received_all(&self, rs: &[ReceivedRecord]) -> Result<Vec<bool>> {
                    if rs.is_empty() {
                        return Ok(Vec::new());
                    }
                    let sql = crate::received::upsert_sql(COLUMNS);
                    let mut tx = self.pool.begin().await?;
                    let mut kept = Vec::with_capacity(rs.len());
                    for r in rs {
                        kept.push(crate::received::keep!(self, &mut *tx, &sql, r));
                    }
                    tx.commit().await?;
                    Ok(kept)
                }

                async fn put_received_campaign(&self, r: &ReceivedRecord, campaign: (&str, &str, &str)) -> Result<bool> {
                    let (id, name, policy) = campaign;
                    let mut tx = self.pool.begin().await?;
                    let kept = crate::received::keep!(self, &mut *tx, &crate::received::upsert_sql(COLUMNS), r);
                    if kept {
                        sqlx::query(crate::common::CAMPAIGN_UPSERT)
                            .bind(id)
                            .bind(name)
                            .bind(policy)
                            .bind(r.received_at)
                            .execute(&mut *tx)
                            .await?;
                    }
                    tx.commit().await?;
                    Ok(kept)
                }

                async fn received_versions(&self, ids: &[Uuid]) -> Result<std::collections::HashMap<Uuid, i64>> {
                    let mut out = std::collections::HashMap::with_capacity(ids.len());
                    for chunk in ids.chunks(500) {
                        let mut qb = QueryBuilder::<$db>::new("SELECT record, version FROM federation_records WHERE record IN (");
                        let mut sep = qb.separated(", ");
                        for id in chunk {
                            sep.push_bind(*id);
                        }
                        qb.push(")");
                        for row in qb.build().fetch_all(&self.pool).await? {
                            out.insert(row.try_get("record")?, row.try_get("version")?);
                        }
                    }
                    Ok(out)
                }

                async fn received_by_ids(&self, ids: &[Uuid]) -> Result<Vec<ReceivedRecord>> {
                    if ids.is_empty() {
                        return Ok(Vec::new());
                    }
                    let mut qb =
                        QueryBuilder::<$db>::new(format!("SELECT {COLUMNS} FROM federation_records WHERE record IN ("));
                    let mut sep = qb.separated(", ");
                    for id in ids.iter().take(500) {
                        sep.push_bind(*id);
                    }
                    qb.push(")");
                    qb.build().fetch_all(&self.pool).await?.iter().map(record).collect()
                }

                async fn received_postings_after(
                    &self,
                    after: Option<Uuid>,
                    limit: i64,
                ) -> Result<Vec<ReceivedRecord>> {
                    let db = self.reader().await;
                    let sql = sqlx::AssertSqlSafe(format!(
                        "SELECT {COLUMNS} FROM federation_records WHERE kind = 'posting' \
                         AND ($1 IS NULL OR record > $1) ORDER BY record LIMIT $2"
                    ));
                    let rows = sqlx::query(sql).bind(after).bind(limit).fetch_all(db).await?;
                    rows.iter().map(record).collect()
                }

                async fn received_since(&self, since: DateTime<Utc>) -> Result<Vec<Uuid>> {
                    Ok(sqlx::query_scalar(
                        "SELECT record FROM federation_records WHERE kind IN ('posting', 'tombstone') \
                         AND received_at >= $1",
                    )
                    .bind(since)
                    .fetch_all(&self.pool)
                    .await?)
                }

                async fn received_aggregates(&self, cohort: i32) -> Result<Vec<ReceivedRecord>> {
                    let db = self.reader().await;
                    let sql = sqlx::AssertSqlSafe(format!(
                        "SELECT {COLUMNS} FROM federation_records WHERE kind = 'aggregate' AND cohort = $1 \
                         ORDER BY subject"
                    ));
                    sqlx::query(sql).bind(cohort).fetch_all(db).await?.iter().map(record).collect()
                }

                async fn received_events(&self, limit: i64) -> Result<Vec<ReceivedRecord>> {
                    let db = self.reader().await;
                    let sql = sqlx::AssertSqlSafe(format!(
                        "SELECT {COLUMNS} FROM federation_records WHERE kind = 'event' \
                         ORDER BY received_at DESC, record LIMIT $1"
                    ));
                    sqlx::query(sql).bind(limit).fetch_all(db).await?.iter().map(record).collect()
                }

                async fn blacklisted_elsewhere(&self) -> Result<Vec<String>> {
                    Ok(sqlx::query_scalar(
                        "SELECT DISTINCT credit_code FROM federation_records \
                         WHERE kind = 'blacklist' AND blacklisted = TRUE AND credit_code IS NOT NULL",
                    )
                    .fetch_all(&self.pool)
                    .await?)
                }

                async fn received_postings_of(&self, credit_code: &str) -> Result<Vec<Uuid>> {
                    Ok(sqlx::query_scalar(
                        "SELECT record FROM federation_records WHERE kind = 'posting' AND credit_code = $1",
                    )
                    .bind(credit_code)
                    .fetch_all(&self.pool)
                    .await?)
                }

                async fn cursor(&self, line: Line, peer_org: &str) -> Result<Option<Cursor>> {
                    let sql = sqlx::AssertSqlSafe(format!(
                        "SELECT {CURSOR_COLUMNS} FROM {} WHERE peer_org = $1",
                        line.table()
                    ));
                    let r = sqlx::query(sql).bind(peer_org).fetch_optional(&self.pool).await?;
                    r.as_ref().map(cursor).transpose()
                }

                async fn cursors(&self, line: Line) -> Result<Vec<Cursor>> {
                    let sql = sqlx::AssertSqlSafe(format!(
                        "SELECT {CURSOR_COLUMNS} FROM {} ORDER BY peer_org",
                        line.table()
                    ));
                    sqlx::query(sql).fetch_all(&self.pool).await?.iter().map(cursor).collect()
                }

                async fn put_cursor(&self, line: Line, c: &Cursor) -> Result<()> {
                    let sql = sqlx::AssertSqlSafe(format!(
                        "INSERT INTO {} ({CURSOR_COLUMNS}) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                         ON CONFLICT (peer_org) DO UPDATE SET after_seq = excluded.after_seq, \
                         head_seq = excluded.head_seq, applied = excluded.applied, refused = excluded.refused, \
                         failures = excluded.failures, last_error = excluded.last_error, \
                         last_attempt_at = excluded.last_attempt_at, last_success_at = excluded.last_success_at, \
                         next_attempt_at = excluded.next_attempt_at",
                        line.table()
                    ));
                    sqlx::query(sql)
                        .bind(&c.peer_org)
                        .bind(c.after_seq)
                        .bind(c.head_seq)
                        .bind(c.applied)
                        .bind(c.refused)
                        .bind(c.failures)
                        .bind(&c.last_error)
                        .bind(c.last_attempt_at)
                        .bind(c.last_success_at)
                        .bind(c.next_attempt_at)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                async fn hold_cursor(
                    &self,
                    line: Line,
                    peer_org: &str,
                    holder: &str,
                    now: DateTime<Utc>,
                    until: DateTime<Utc>,
                ) -> Result<bool> {
                    let table = line.table();
                    let sql = sqlx::AssertSqlSafe(format!(
                        "INSERT INTO {table} (peer_org) VALUES ($1) ON CONFLICT (peer_org) DO NOTHING"
                    ));
                    sqlx::query(sql)
                        .bind(peer_org)
                        .execute(&self.pool)
                        .await?;
                    let sql = sqlx::AssertSqlSafe(format!(
                        "UPDATE {table} SET holder = $2, held_until = $4 WHERE peer_org = $1 \
                         AND (holder IS NULL OR holder = $2 OR held_until IS NULL OR held_until < $3)"
                    ));
                    let done = sqlx::query(sql)
                    .bind(peer_org)
                    .bind(holder)
                    .bind(now)
                    .bind(until)
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() == 1)
                }
            }
        }
    };
}
pub(crate) use received_impl;
