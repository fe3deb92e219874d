//! What this node has reported to the nodes above it (migration 0041): one row per
//! organisation and cohort whose figures it sends, the last counts sent and the body as sent.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::Result;

/// One report of figures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub record: Uuid,
    pub org_code: String,
    pub cohort: i32,
    pub version: i64,
    /// The counts as canonical JSON, without the time they were taken.
    pub counts: String,
    /// The envelope body as sent.
    pub body: String,
    pub reported_at: DateTime<Utc>,
}

#[async_trait]
pub trait ReportStore: Send + Sync {
    /// Writes `r` as the next version of its record, with an outbox row in the same
    /// transaction, unless the counts held for it are the same; the version written, if any.
    async fn put_report(&self, r: &Report) -> Result<Option<i64>>;
    /// The reports among `ids` (at most 500).
    async fn reports_by_ids(&self, ids: &[Uuid]) -> Result<Vec<Report>>;
    /// Every report, by organisation and cohort.
    async fn reports(&self) -> Result<Vec<Report>>;
}

macro_rules! reports_impl {
    ($store:ty, $db:ty) => {
        mod reports_impl {
            use async_trait::async_trait;
            use sqlx::{QueryBuilder, Row};
            use uuid::Uuid;

            use super::*;
            use crate::Result;
            use crate::reports::{Report, ReportStore};

            const COLUMNS: &str = "record, org_code, cohort, version, counts, body, reported_at";

            fn report(r: &<$db as sqlx::Database>::Row) -> Result<Report> {
                Ok(Report {
                    record: r.try_get("record")?,
                    org_code: r.try_get("org_code")?,
                    cohort: r.try_get("cohort")?,
                    version: r.try_get("version")?,
                    counts: r.try_get("counts")?,
                    body: r.try_get("body")?,
                    reported_at: r.try_get("reported_at")?,
                })
            }

            #[async_trait]
            impl ReportStore for $store {
                async fn put_report(&self, r: &Report) -> Result<Option<i64>> {
                    // One writing statement first, so that the transaction holds the write lock
                    // from its start (SQLite) and the counts are compared under it.
                    let sql = sqlx::AssertSqlSafe(format!(
                        "INSERT INTO federation_reports ({COLUMNS}) VALUES ($1, $2, $3, 1, $4, $5, $6) \
                         ON CONFLICT (record) DO UPDATE SET version = federation_reports.version + 1, \
                         counts = excluded.counts, body = excluded.body, reported_at = excluded.reported_at \
                         WHERE federation_reports.counts <> excluded.counts RETURNING version"
                    ));
                    let mut tx = self.pool.begin().await?;
                    let version: Option<i64> = sqlx::query_scalar(sql)
                        .bind(r.record)
                        .bind(&r.org_code)
                        .bind(r.cohort)
                        .bind(&r.counts)
                        .bind(&r.body)
                        .bind(r.reported_at)
                        .fetch_optional(&mut *tx)
                        .await?;
                    if let Some(v) = version {
                        crate::outbox::append!(self, &mut *tx, "aggregate", r.record, Some(v));
                    }
                    tx.commit().await?;
                    Ok(version)
                }

                async fn reports_by_ids(&self, ids: &[Uuid]) -> Result<Vec<Report>> {
                    if ids.is_empty() {
                        return Ok(Vec::new());
                    }
                    let mut qb =
                        QueryBuilder::<$db>::new(format!("SELECT {COLUMNS} FROM federation_reports WHERE record IN ("));
                    let mut sep = qb.separated(", ");
                    for id in ids.iter().take(500) {
                        sep.push_bind(*id);
                    }
                    qb.push(")");
                    qb.build().fetch_all(&self.pool).await?.iter().map(report).collect()
                }

                async fn reports(&self) -> Result<Vec<Report>> {
                    let sql = sqlx::AssertSqlSafe(format!(
                        "SELECT {COLUMNS} FROM federation_reports ORDER BY org_code, cohort"
                    ));
                    sqlx::query(sql).fetch_all(&self.pool).await?.iter().map(report).collect()
                }
            }
        }
    };
}
pub(crate) use reports_impl;
