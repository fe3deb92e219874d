//! Storage of the read log (查阅记录): entries appended in batches, one transaction per batch,
//! searched within the organisation paths the caller may see, and purged by age. Apart from the
//! audit chain: nothing here touches `audit_log` or `audit_head`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::Result;

/// One read of personal data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadEntry {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub reader_id: Option<Uuid>,
    pub reader_name: String,
    /// The role of the grant the read was allowed under (e.g. `career_staff`).
    pub reader_role: Option<String>,
    /// That grant's organisation path.
    pub reader_path: Option<String>,
    /// `graduate`, `graduate_list`, `evidence`, `resume` or `hardship`.
    pub kind: String,
    /// The graduate read about (a record, an evidence file's or a résumé's graduate).
    pub subject_id: Option<Uuid>,
    /// Where that graduate (or the list) lies in the tree, for searches by scope.
    pub subject_path: Option<String>,
    /// The filter of a list, as text; the file read for evidence and résumés.
    pub filter: Option<String>,
    /// How many rows a list answered (1 for one record or file).
    pub row_count: Option<i64>,
    pub ip: Option<String>,
}

/// What to search for; the caller has checked that `org_path` lies inside `scope_paths`.
#[derive(Clone, Debug, Default)]
pub struct ReadLogQuery {
    /// Entries whose subject or reader lies inside one of these subtrees.
    pub scope_paths: Vec<String>,
    /// Narrow to one subtree.
    pub org_path: Option<String>,
    pub subject_id: Option<Uuid>,
    pub reader_name: Option<String>,
    pub kind: Option<String>,
    /// From this instant (inclusive).
    pub from: Option<DateTime<Utc>>,
    /// Until this instant (exclusive).
    pub to: Option<DateTime<Utc>>,
    pub limit: i64,
    pub offset: i64,
}

/// The read log's storage.
#[async_trait]
pub trait ReadLogStore: Send + Sync {
    /// Appends `entries` in one transaction (all or none).
    async fn append_reads(&self, entries: &[ReadEntry]) -> Result<()>;
    /// Entries matching `query`, newest first, with the total.
    async fn read_log(&self, query: &ReadLogQuery) -> Result<(Vec<ReadEntry>, i64)>;
    /// Deletes entries read before `before`, except those of `keep_kinds`, which go only when
    /// read before `keep_before`; one transaction. Answers how many were deleted.
    async fn purge_reads(&self, before: DateTime<Utc>, keep_kinds: &[&str], keep_before: DateTime<Utc>) -> Result<u64>;
}

/// At most this many rows in one INSERT (12 values each: well below either engine's limit on
/// bound parameters).
pub const INSERT_CHUNK: usize = 500;

macro_rules! read_log_impl {
    ($store:ty, $db:ty) => {
        mod read_log_impl {
            use async_trait::async_trait;
            use chrono::{DateTime, SubsecRound, Utc};
            use sqlx::{QueryBuilder, Row};

            use super::*;
            use crate::Result;
            use crate::read_log::{INSERT_CHUNK, ReadEntry, ReadLogQuery, ReadLogStore};

            const COLUMNS: &str = "id, at, reader_id, reader_name, reader_role, reader_path, kind, subject_id, \
                 subject_path, filter, row_count, ip";

            fn entry(r: &<$db as sqlx::Database>::Row) -> Result<ReadEntry> {
                Ok(ReadEntry {
                    id: r.try_get("id")?,
                    at: r.try_get("at")?,
                    reader_id: r.try_get("reader_id")?,
                    reader_name: r.try_get("reader_name")?,
                    reader_role: r.try_get("reader_role")?,
                    reader_path: r.try_get("reader_path")?,
                    kind: r.try_get("kind")?,
                    subject_id: r.try_get("subject_id")?,
                    subject_path: r.try_get("subject_path")?,
                    filter: r.try_get("filter")?,
                    row_count: r.try_get("row_count")?,
                    ip: r.try_get("ip")?,
                })
            }

            fn filters(qb: &mut QueryBuilder<$db>, q: &ReadLogQuery) {
                qb.push(" FROM read_log WHERE 1 = 1");
                crate::common::push_within_scope(qb, &["subject_path", "reader_path"], &q.scope_paths);
                if let Some(p) = &q.org_path {
                    crate::common::push_within_scope(qb, &["subject_path", "reader_path"], std::slice::from_ref(p));
                }
                if let Some(id) = q.subject_id {
                    qb.push(" AND subject_id = ").push_bind(id);
                }
                if let Some(r) = q.reader_name.as_deref().filter(|r| !r.is_empty()) {
                    qb.push(" AND reader_name = ").push_bind(r.to_owned());
                }
                if let Some(k) = q.kind.as_deref().filter(|k| !k.is_empty()) {
                    qb.push(" AND kind = ").push_bind(k.to_owned());
                }
                if let Some(from) = q.from {
                    qb.push(" AND at >= ").push_bind(from.trunc_subsecs(6));
                }
                if let Some(to) = q.to {
                    qb.push(" AND at < ").push_bind(to.trunc_subsecs(6));
                }
            }

            #[async_trait]
            impl ReadLogStore for $store {
                async fn append_reads(&self, entries: &[ReadEntry]) -> Result<()> {
                    if entries.is_empty() {
                        return Ok(());
                    }
                    let mut tx = self.pool.begin().await?;
                    for chunk in entries.chunks(INSERT_CHUNK) {
                        let mut qb = QueryBuilder::<$db>::new(format!("INSERT INTO read_log ({COLUMNS}) "));
                        qb.push_values(chunk, |mut b, e| {
                            b.push_bind(e.id)
                                .push_bind(e.at.trunc_subsecs(6))
                                .push_bind(e.reader_id)
                                .push_bind(e.reader_name.clone())
                                .push_bind(e.reader_role.clone())
                                .push_bind(e.reader_path.clone())
                                .push_bind(e.kind.clone())
                                .push_bind(e.subject_id)
                                .push_bind(e.subject_path.clone())
                                .push_bind(e.filter.clone())
                                .push_bind(e.row_count)
                                .push_bind(e.ip.clone());
                        });
                        qb.build().execute(&mut *tx).await?;
                    }
                    tx.commit().await?;
                    Ok(())
                }

                async fn read_log(&self, q: &ReadLogQuery) -> Result<(Vec<ReadEntry>, i64)> {
                    let mut qb = QueryBuilder::<$db>::new("SELECT COUNT(*)");
                    filters(&mut qb, q);
                    let total: i64 = qb.build_query_scalar().fetch_one(&self.pool).await?;
                    let mut qb = QueryBuilder::<$db>::new(format!("SELECT {COLUMNS}"));
                    filters(&mut qb, q);
                    qb.push(" ORDER BY at DESC, id DESC LIMIT ").push_bind(q.limit.clamp(1, crate::MAX_PAGE));
                    qb.push(" OFFSET ").push_bind(q.offset.max(0));
                    let rows = qb.build().fetch_all(&self.pool).await?;
                    Ok((rows.iter().map(entry).collect::<Result<Vec<_>>>()?, total))
                }

                async fn purge_reads(
                    &self,
                    before: DateTime<Utc>,
                    keep_kinds: &[&str],
                    keep_before: DateTime<Utc>,
                ) -> Result<u64> {
                    let mut tx = self.pool.begin().await?;
                    let mut qb = QueryBuilder::<$db>::new("DELETE FROM read_log WHERE at < ");
                    qb.push_bind(before.trunc_subsecs(6));
                    if !keep_kinds.is_empty() {
                        qb.push(" AND kind NOT IN (");
                        let mut list = qb.separated(", ");
                        for k in keep_kinds {
                            list.push_bind((*k).to_owned());
                        }
                        qb.push(")");
                    }
                    let mut deleted = qb.build().execute(&mut *tx).await?.rows_affected();
                    if !keep_kinds.is_empty() {
                        let mut qb = QueryBuilder::<$db>::new("DELETE FROM read_log WHERE at < ");
                        qb.push_bind(keep_before.trunc_subsecs(6));
                        qb.push(" AND kind IN (");
                        let mut list = qb.separated(", ");
                        for k in keep_kinds {
                            list.push_bind((*k).to_owned());
                        }
                        qb.push(")");
                        deleted += qb.build().execute(&mut *tx).await?.rows_affected();
                    }
                    tx.commit().await?;
                    Ok(deleted)
                }
            }
        }
    };
}

pub(crate) use read_log_impl;
