//! Storage of personal calendar feeds: the secret token of each account's `.ics` address, sealed
//! and hashed (this module never opens it).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::Result;

/// The calendar feeds' storage.
#[async_trait]
pub trait CalendarStore: Send + Sync {
    /// The sealed token of `user`'s feed, when they have one.
    async fn calendar_feed(&self, user: Uuid) -> Result<Option<String>>;
    /// Sets (or replaces) `user`'s feed.
    async fn set_calendar_feed(&self, user: Uuid, token_hash: &str, sealed: &str, at: DateTime<Utc>) -> Result<()>;
    /// Revokes `user`'s feed; false when there was none.
    async fn delete_calendar_feed(&self, user: Uuid) -> Result<bool>;
    /// The account whose feed has this token hash.
    async fn calendar_feed_user(&self, token_hash: &str) -> Result<Option<Uuid>>;
    /// (account, sealed token) of every feed (for sealing anew).
    async fn calendar_tokens(&self) -> Result<Vec<(Uuid, String)>>;
    /// Replaces a feed's sealed token when it still is `was`; false when it changed.
    async fn replace_calendar_token(&self, user: Uuid, was: &str, now: &str) -> Result<bool>;
}

macro_rules! calendar_impl {
    ($store:ty, $db:ty) => {
        mod calendar_impl {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use uuid::Uuid;

            use super::*;
            use crate::Result;
            use crate::calendar::CalendarStore;

            #[async_trait]
            impl CalendarStore for $store {
                async fn calendar_feed(&self, user: Uuid) -> Result<Option<String>> {
                    Ok(sqlx::query_scalar("SELECT token FROM calendar_feeds WHERE user_id = $1")
                        .bind(user)
                        .fetch_optional(&self.pool)
                        .await?)
                }

                async fn set_calendar_feed(
                    &self,
                    user: Uuid,
                    token_hash: &str,
                    sealed: &str,
                    at: DateTime<Utc>,
                ) -> Result<()> {
                    sqlx::query(
                        "INSERT INTO calendar_feeds (user_id, token_hash, token, created_at) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (user_id) DO UPDATE SET token_hash = excluded.token_hash, token = excluded.token, \
                         created_at = excluded.created_at",
                    )
                    .bind(user)
                    .bind(token_hash)
                    .bind(sealed)
                    .bind(at)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn delete_calendar_feed(&self, user: Uuid) -> Result<bool> {
                    let res = sqlx::query("DELETE FROM calendar_feeds WHERE user_id = $1").bind(user).execute(&self.pool).await?;
                    Ok(res.rows_affected() > 0)
                }

                async fn calendar_tokens(&self) -> Result<Vec<(Uuid, String)>> {
                    Ok(sqlx::query_as("SELECT user_id, token FROM calendar_feeds ORDER BY user_id")
                        .fetch_all(&self.pool)
                        .await?)
                }

                async fn replace_calendar_token(&self, user: Uuid, was: &str, now: &str) -> Result<bool> {
                    let res = sqlx::query("UPDATE calendar_feeds SET token = $3 WHERE user_id = $1 AND token = $2")
                        .bind(user)
                        .bind(was)
                        .bind(now)
                        .execute(&self.pool)
                        .await?;
                    Ok(res.rows_affected() == 1)
                }

                async fn calendar_feed_user(&self, token_hash: &str) -> Result<Option<Uuid>> {
                    Ok(sqlx::query_scalar("SELECT user_id FROM calendar_feeds WHERE token_hash = $1")
                        .bind(token_hash)
                        .fetch_optional(&self.pool)
                        .await?)
                }
            }
        }
    };
}
pub(crate) use calendar_impl;
