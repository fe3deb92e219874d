//! Applications that cross nodes with the graduate's consent (migration 0045): on the
//! graduate's node, what was sent and how delivery went (`federation_deliveries`); on the
//! posting's node, what arrived (`federation_applications`). The applicant travels sealed at
//! rest in both (`payload`); this room stores it as given.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::Result;

/// An application sent (or to be sent) to another node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    pub id: Uuid,
    /// The received posting's record id, and its origin node.
    pub posting: Uuid,
    pub origin: String,
    pub graduate_id: Uuid,
    pub title: String,
    pub employer_name: String,
    /// The application as it travels, sealed.
    pub payload: String,
    /// `pending`, `delivered` or `refused`.
    pub state: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// An application that arrived from another node for one of this node's postings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arrived {
    pub id: Uuid,
    pub posting_id: Uuid,
    pub from_node: String,
    /// The application as it travelled, sealed.
    pub payload: String,
    pub received_at: DateTime<Utc>,
}

#[async_trait]
pub trait DeliveryStore: Send + Sync {
    /// Keeps a new delivery; false when the graduate already sent one for that posting.
    async fn add_delivery(&self, d: &Delivery) -> Result<bool>;
    async fn delivery(&self, id: Uuid) -> Result<Option<Delivery>>;
    /// A graduate's deliveries, newest first.
    async fn deliveries_of(&self, graduate: Uuid) -> Result<Vec<Delivery>>;
    /// Pending deliveries due at `now` (never tried, or their backoff has passed), oldest first.
    async fn deliveries_due(&self, now: DateTime<Utc>, limit: i64) -> Result<Vec<Delivery>>;
    /// Records an attempt: its new state, the error and when to try again.
    async fn settle_delivery(
        &self,
        id: Uuid,
        state: &str,
        error: Option<&str>,
        next: Option<DateTime<Utc>>,
        at: DateTime<Utc>,
    ) -> Result<()>;
    /// Keeps an application that arrived; false when one with that id is held already.
    async fn add_arrived(&self, a: &Arrived) -> Result<bool>;
    /// The applications that arrived for a posting, oldest first.
    async fn arrived_for(&self, posting: Uuid) -> Result<Vec<Arrived>>;
}

macro_rules! deliveries_impl {
    ($store:ty, $db:ty) => {
        mod deliveries_impl {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use sqlx::Row;
            use uuid::Uuid;

            use super::*;
            use crate::Result;
            use crate::deliveries::{Arrived, Delivery, DeliveryStore};

            const COLUMNS: &str = "id, posting, origin, graduate_id, title, employer_name, payload, state, attempts, \
                 last_error, next_attempt_at, delivered_at, created_at";

            fn delivery(r: &<$db as sqlx::Database>::Row) -> Result<Delivery> {
                Ok(Delivery {
                    id: r.try_get("id")?,
                    posting: r.try_get("posting")?,
                    origin: r.try_get("origin")?,
                    graduate_id: r.try_get("graduate_id")?,
                    title: r.try_get("title")?,
                    employer_name: r.try_get("employer_name")?,
                    payload: r.try_get("payload")?,
                    state: r.try_get("state")?,
                    attempts: r.try_get("attempts")?,
                    last_error: r.try_get("last_error")?,
                    next_attempt_at: r.try_get("next_attempt_at")?,
                    delivered_at: r.try_get("delivered_at")?,
                    created_at: r.try_get("created_at")?,
                })
            }

            fn arrived(r: &<$db as sqlx::Database>::Row) -> Result<Arrived> {
                Ok(Arrived {
                    id: r.try_get("id")?,
                    posting_id: r.try_get("posting_id")?,
                    from_node: r.try_get("from_node")?,
                    payload: r.try_get("payload")?,
                    received_at: r.try_get("received_at")?,
                })
            }

            #[async_trait]
            impl DeliveryStore for $store {
                async fn add_delivery(&self, d: &Delivery) -> Result<bool> {
                    let sql = sqlx::AssertSqlSafe(format!(
                        "INSERT INTO federation_deliveries ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
                         $10, $11, $12, $13) ON CONFLICT (posting, graduate_id) DO NOTHING"
                    ));
                    let done = sqlx::query(sql)
                        .bind(d.id)
                        .bind(d.posting)
                        .bind(&d.origin)
                        .bind(d.graduate_id)
                        .bind(&d.title)
                        .bind(&d.employer_name)
                        .bind(&d.payload)
                        .bind(&d.state)
                        .bind(d.attempts)
                        .bind(&d.last_error)
                        .bind(d.next_attempt_at)
                        .bind(d.delivered_at)
                        .bind(d.created_at)
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn delivery(&self, id: Uuid) -> Result<Option<Delivery>> {
                    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM federation_deliveries WHERE id = $1"));
                    sqlx::query(sql).bind(id).fetch_optional(&self.pool).await?.as_ref().map(delivery).transpose()
                }

                async fn deliveries_of(&self, graduate: Uuid) -> Result<Vec<Delivery>> {
                    let sql = sqlx::AssertSqlSafe(format!(
                        "SELECT {COLUMNS} FROM federation_deliveries WHERE graduate_id = $1 ORDER BY created_at DESC"
                    ));
                    sqlx::query(sql).bind(graduate).fetch_all(&self.pool).await?.iter().map(delivery).collect()
                }

                async fn deliveries_due(&self, now: DateTime<Utc>, limit: i64) -> Result<Vec<Delivery>> {
                    let sql = sqlx::AssertSqlSafe(format!(
                        "SELECT {COLUMNS} FROM federation_deliveries WHERE state = 'pending' \
                         AND (next_attempt_at IS NULL OR next_attempt_at <= $1) ORDER BY created_at LIMIT $2"
                    ));
                    sqlx::query(sql).bind(now).bind(limit).fetch_all(&self.pool).await?.iter().map(delivery).collect()
                }

                async fn settle_delivery(
                    &self,
                    id: Uuid,
                    state: &str,
                    error: Option<&str>,
                    next: Option<DateTime<Utc>>,
                    at: DateTime<Utc>,
                ) -> Result<()> {
                    sqlx::query(
                        "UPDATE federation_deliveries SET state = $2, last_error = $3, next_attempt_at = $4, \
                         attempts = attempts + 1, \
                         delivered_at = CASE WHEN $2 = 'delivered' THEN $5 ELSE delivered_at END WHERE id = $1",
                    )
                    .bind(id)
                    .bind(state)
                    .bind(error)
                    .bind(next)
                    .bind(at)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn add_arrived(&self, a: &Arrived) -> Result<bool> {
                    let done = sqlx::query(
                        "INSERT INTO federation_applications (id, posting_id, from_node, payload, received_at) \
                         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING",
                    )
                    .bind(a.id)
                    .bind(a.posting_id)
                    .bind(&a.from_node)
                    .bind(&a.payload)
                    .bind(a.received_at)
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn arrived_for(&self, posting: Uuid) -> Result<Vec<Arrived>> {
                    sqlx::query(
                        "SELECT id, posting_id, from_node, payload, received_at FROM federation_applications \
                         WHERE posting_id = $1 ORDER BY received_at, id",
                    )
                    .bind(posting)
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(arrived)
                    .collect()
                }
            }
        }
    };
}
pub(crate) use deliveries_impl;
