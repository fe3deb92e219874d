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
}

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
                    let rows = sqlx::query(
                        "SELECT seq, kind, record, version FROM federation_outbox WHERE seq > $1 ORDER BY seq LIMIT $2",
                    )
                    .bind(after)
                    .bind(limit)
                    .fetch_all(&self.pool)
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

                async fn outbox_head(&self) -> Result<i64> {
                    Ok(sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(seq) FROM federation_outbox")
                        .fetch_one(&self.pool)
                        .await?
                        .unwrap_or(0))
                }
            }
        }
    };
}
pub(crate) use outbox_impl;
