//! The federation outbox: one row per change of a travelling record (a shared posting, its
//! tombstone, a blacklist entry), numbered gap-free in commit order. Rows are written by the
//! database's triggers in the transaction of the change (migration 0039); this room only reads.

use async_trait::async_trait;
use uuid::Uuid;

use crate::Result;

/// One outbox row: which record changed, to which version, as what kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxRow {
    pub seq: i64,
    /// `posting`, `tombstone` or `blacklist`.
    pub kind: String,
    pub record: Uuid,
    pub version: i64,
}

#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// The rows numbered after `after`, in order, at most `limit`.
    async fn outbox_after(&self, after: i64, limit: i64) -> Result<Vec<OutboxRow>>;
    /// The greatest number given so far (0 when none).
    async fn outbox_head(&self) -> Result<i64>;
    /// Adds a row (its version the row's own number when `None`) and returns its number.
    async fn outbox_append(&self, kind: &str, record: Uuid, version: Option<i64>) -> Result<i64>;
}

/// Appends an outbox row on `conn` (inside the caller's transaction): the next number from the
/// counter row, which stays locked until the transaction ends.
macro_rules! append {
    ($store:expr, $conn:expr, $kind:expr, $record:expr, $version:expr) => {
        match crate::Repository::backend($store) {
            crate::Backend::Postgres => {
                sqlx::query("SELECT federation_outbox_append($1, $2, $3)")
                    .bind($kind)
                    .bind($record)
                    .bind($version)
                    .execute($conn)
                    .await?;
            }
            _ => {
                sqlx::query("UPDATE federation_outbox_counter SET last = last + 1 WHERE id = 1")
                    .execute(&mut *$conn)
                    .await?;
                sqlx::query(
                    "INSERT INTO federation_outbox (seq, kind, record, version) \
                     SELECT last, $1, $2, COALESCE($3, last) FROM federation_outbox_counter WHERE id = 1",
                )
                .bind($kind)
                .bind($record)
                .bind($version)
                .execute($conn)
                .await?;
            }
        }
    };
}
pub(crate) use append;

macro_rules! outbox_impl {
    ($store:ty, $db:ty) => {
        mod outbox_impl {
            use async_trait::async_trait;
            use sqlx::Row;

            use super::*;
            use crate::Result;
            use crate::outbox::{OutboxRow, OutboxStore};

            #[async_trait]
            impl OutboxStore for $store {
                async fn outbox_after(&self, after: i64, limit: i64) -> Result<Vec<OutboxRow>> {
                    let db = self.reader().await;
                    let rows = sqlx::query(
                        "SELECT seq, kind, record, version FROM federation_outbox WHERE seq > $1 ORDER BY seq LIMIT $2",
                    )
                    .bind(after)
                    .bind(limit)
                    .fetch_all(db)
                    .await?;
                    rows.iter()
                        .map(|r| {
                            Ok(OutboxRow {
                                seq: r.try_get("seq")?,
                                kind: r.try_get("kind")?,
                                record: r.try_get("record")?,
                                version: r.try_get("version")?,
                            })
                        })
                        .collect()
                }

                async fn outbox_append(&self, kind: &str, record: Uuid, version: Option<i64>) -> Result<i64> {
                    let mut tx = self.pool.begin().await?;
                    crate::outbox::append!(self, &mut *tx, kind, record, version);
                    let seq: i64 = sqlx::query_scalar("SELECT last FROM federation_outbox_counter WHERE id = 1")
                        .fetch_one(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(seq)
                }

                async fn outbox_head(&self) -> Result<i64> {
                    let db = self.reader().await;
                    Ok(sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(seq) FROM federation_outbox")
                        .fetch_one(db)
                        .await?
                        .unwrap_or(0))
                }
            }
        }
    };
}
pub(crate) use outbox_impl;
