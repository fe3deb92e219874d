//! The posting change log (migration 0043): a gap-free, commit-ordered number for every change
//! to a posting, written by the database itself, so that each node process serving one database
//! can keep its search index caught up with what the others wrote.

use async_trait::async_trait;
use uuid::Uuid;

use crate::Result;

#[async_trait]
pub trait ChangeStore: Send + Sync {
    /// (number, posting) of the changes after `after`, in order, at most `limit`.
    async fn posting_changes_after(&self, after: i64, limit: i64) -> Result<Vec<(i64, Uuid)>>;
    /// The greatest number given so far (0 when none).
    async fn posting_changes_head(&self) -> Result<i64>;
    /// The smallest number still kept (0 when none).
    async fn posting_changes_oldest(&self) -> Result<i64>;
    /// Forgets the changes numbered `before` or lower; how many went.
    async fn trim_posting_changes(&self, before: i64) -> Result<u64>;
}

macro_rules! changes_impl {
    ($store:ty, $db:ty) => {
        mod changes_impl {
            use async_trait::async_trait;
            use uuid::Uuid;

            use super::*;
            use crate::Result;
            use crate::changes::ChangeStore;

            #[async_trait]
            impl ChangeStore for $store {
                async fn posting_changes_after(&self, after: i64, limit: i64) -> Result<Vec<(i64, Uuid)>> {
                    Ok(sqlx::query_as("SELECT seq, posting FROM posting_changes WHERE seq > $1 ORDER BY seq LIMIT $2")
                        .bind(after)
                        .bind(limit.clamp(1, 10_000))
                        .fetch_all(&self.pool)
                        .await?)
                }

                async fn posting_changes_head(&self) -> Result<i64> {
                    Ok(sqlx::query_scalar("SELECT last FROM posting_changes_counter WHERE id = 1")
                        .fetch_optional(&self.pool)
                        .await?
                        .unwrap_or(0))
                }

                async fn posting_changes_oldest(&self) -> Result<i64> {
                    let oldest: Option<i64> =
                        sqlx::query_scalar("SELECT MIN(seq) FROM posting_changes").fetch_one(&self.pool).await?;
                    Ok(oldest.unwrap_or(0))
                }

                async fn trim_posting_changes(&self, before: i64) -> Result<u64> {
                    Ok(sqlx::query("DELETE FROM posting_changes WHERE seq <= $1")
                        .bind(before)
                        .execute(&self.pool)
                        .await?
                        .rows_affected())
                }
            }
        }
    };
}
pub(crate) use changes_impl;
