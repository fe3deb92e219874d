//! Storage of guidance (就业指导): advisors' slots and graduates' bookings. A booking takes one
//! place of its slot in the same transaction as it is written (a compare-and-set on the slot's
//! count), so a slot never takes more than its capacity whatever the concurrency.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::Result;

/// A slot as published.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotRecord {
    pub id: Uuid,
    /// The university or college that offers it.
    pub org_id: Uuid,
    pub advisor_id: Uuid,
    /// A `jiuye_domain::guidance::SlotKind` id.
    pub kind: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub place: String,
    pub video_url: String,
    pub capacity: i64,
    /// Live bookings.
    pub booked: i64,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A slot with where it is offered and by whom.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotRow {
    pub slot: SlotRecord,
    pub org_path: String,
    pub org_name: String,
    pub advisor_name: String,
}

/// A note an advisor keeps about a graduate, with its author's name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteRow {
    pub id: Uuid,
    pub graduate_id: Uuid,
    pub author_name: String,
    pub body: String,
    /// Shown to the graduate.
    pub shared: bool,
    pub created_at: DateTime<Utc>,
}

/// A live booking of a slot, with the graduate's name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BookingRow {
    pub id: Uuid,
    pub graduate_id: Uuid,
    pub graduate_name: String,
    pub student_no: String,
    pub created_at: DateTime<Utc>,
}

/// What came of a booking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Booked {
    /// Written, with this id.
    Yes(Uuid),
    /// Every place is taken (or the slot was cancelled).
    Full,
    /// The graduate already holds a place in this slot.
    Already,
}

/// Guidance's storage.
#[async_trait]
pub trait GuidanceStore: Send + Sync {
    /// Keeps a note about a graduate (`shared`: the graduate sees it).
    async fn add_guidance_note(&self, note: &NoteRow, author: Uuid) -> Result<()>;
    /// The notes about a graduate, newest first (only those shared with them, when asked).
    async fn guidance_notes(&self, graduate: Uuid, shared_only: bool) -> Result<Vec<NoteRow>>;
    async fn add_slot(&self, s: &SlotRecord) -> Result<()>;
    async fn slot(&self, id: Uuid) -> Result<Option<SlotRecord>>;
    /// Books a place of `slot` for `graduate` (one transaction: the slot's count, then the row).
    async fn book(&self, slot: Uuid, graduate: Uuid, at: DateTime<Utc>) -> Result<Booked>;
    /// Cancels a live booking and frees its place; false when there is no such live booking.
    async fn cancel_booking(&self, id: Uuid, at: DateTime<Utc>) -> Result<bool>;
    /// (booking id, slot id, graduate id, cancelled at) of one booking.
    async fn booking(&self, id: Uuid) -> Result<Option<(Uuid, Uuid, Uuid, Option<DateTime<Utc>>)>>;
    /// Live bookings of a slot, oldest first.
    async fn slot_bookings(&self, slot: Uuid) -> Result<Vec<BookingRow>>;
    /// Slots offered by these organisations (a graduate's university and college) that have not
    /// started at `after` and are not cancelled, soonest first.
    async fn open_slots_at(&self, orgs: &[Uuid], after: DateTime<Utc>) -> Result<Vec<SlotRow>>;
    /// Slots offered at or below one of `paths` that end after `after`, soonest first (at most
    /// `limit`).
    async fn slots_under(&self, paths: &[String], after: DateTime<Utc>, limit: i64) -> Result<Vec<SlotRow>>;
    /// A graduate's live bookings with their slots, soonest first: (booking id, slot).
    async fn bookings_of(&self, graduate: Uuid) -> Result<Vec<(Uuid, SlotRow)>>;
}

macro_rules! guidance_impl {
    ($store:ty, $db:ty) => {
        mod guidance_impl {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use sqlx::Row;
            use uuid::Uuid;

            use super::*;
            use crate::Result;
            use crate::guidance::{Booked, BookingRow, GuidanceStore, NoteRow, SlotRecord, SlotRow};

            const COLUMNS: &str = "id, org_id, advisor_id, kind, starts_at, ends_at, place, video_url, capacity, \
                 booked, cancelled_at, created_at";

            fn slot_row(r: &<$db as sqlx::Database>::Row) -> Result<SlotRecord> {
                Ok(SlotRecord {
                    id: r.try_get("id")?,
                    org_id: r.try_get("org_id")?,
                    advisor_id: r.try_get("advisor_id")?,
                    kind: r.try_get("kind")?,
                    starts_at: r.try_get("starts_at")?,
                    ends_at: r.try_get("ends_at")?,
                    place: r.try_get("place")?,
                    video_url: r.try_get("video_url")?,
                    capacity: r.try_get("capacity")?,
                    booked: r.try_get("booked")?,
                    cancelled_at: r.try_get("cancelled_at")?,
                    created_at: r.try_get("created_at")?,
                })
            }

            /// The slot columns prefixed with `s.`, with the organisation and advisor joined.
            const ROW_SELECT: &str = "SELECT s.id, s.org_id, s.advisor_id, s.kind, s.starts_at, s.ends_at, s.place, \
                 s.video_url, s.capacity, s.booked, s.cancelled_at, s.created_at, o.path AS org_path, \
                 o.name AS org_name, u.display_name AS advisor_name \
                 FROM guidance_slots s JOIN orgs o ON o.id = s.org_id JOIN users u ON u.id = s.advisor_id";

            fn full_row(r: &<$db as sqlx::Database>::Row) -> Result<SlotRow> {
                Ok(SlotRow {
                    slot: slot_row(r)?,
                    org_path: r.try_get("org_path")?,
                    org_name: r.try_get("org_name")?,
                    advisor_name: r.try_get("advisor_name")?,
                })
            }

            #[async_trait]
            impl GuidanceStore for $store {
                async fn add_guidance_note(&self, n: &NoteRow, author: Uuid) -> Result<()> {
                    sqlx::query(
                        "INSERT INTO guidance_notes (id, graduate_id, author_id, body, shared, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(n.id)
                    .bind(n.graduate_id)
                    .bind(author)
                    .bind(&n.body)
                    .bind(n.shared)
                    .bind(n.created_at)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn guidance_notes(&self, graduate: Uuid, shared_only: bool) -> Result<Vec<NoteRow>> {
                    let rows = sqlx::query(
                        "SELECT n.id, n.graduate_id, u.display_name, n.body, n.shared, n.created_at FROM guidance_notes n \
                         JOIN users u ON u.id = n.author_id WHERE n.graduate_id = $1 AND (n.shared OR NOT $2) \
                         ORDER BY n.created_at DESC, n.id DESC LIMIT 200",
                    )
                    .bind(graduate)
                    .bind(shared_only)
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter()
                        .map(|r| {
                            Ok(NoteRow {
                                id: r.try_get("id")?,
                                graduate_id: r.try_get("graduate_id")?,
                                author_name: r.try_get("display_name")?,
                                body: r.try_get("body")?,
                                shared: r.try_get("shared")?,
                                created_at: r.try_get("created_at")?,
                            })
                        })
                        .collect()
                }

                async fn add_slot(&self, s: &SlotRecord) -> Result<()> {
                    let sql = sqlx::AssertSqlSafe(format!(
                        "INSERT INTO guidance_slots ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
                    ));
                    sqlx::query(sql)
                        .bind(s.id)
                        .bind(s.org_id)
                        .bind(s.advisor_id)
                        .bind(&s.kind)
                        .bind(s.starts_at)
                        .bind(s.ends_at)
                        .bind(&s.place)
                        .bind(&s.video_url)
                        .bind(s.capacity)
                        .bind(s.booked)
                        .bind(s.cancelled_at)
                        .bind(s.created_at)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                async fn slot(&self, id: Uuid) -> Result<Option<SlotRecord>> {
                    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM guidance_slots WHERE id = $1"));
                    let row = sqlx::query(sql).bind(id).fetch_optional(&self.pool).await?;
                    row.as_ref().map(slot_row).transpose()
                }

                async fn book(&self, slot: Uuid, graduate: Uuid, at: DateTime<Utc>) -> Result<Booked> {
                    let mut tx = self.pool.begin().await?;
                    // The write comes first: the slot's row is locked (PostgreSQL) or the database
                    // is (SQLite) before anything is read, so no two bookings see the same count.
                    let taken = sqlx::query(
                        "UPDATE guidance_slots SET booked = booked + 1 \
                         WHERE id = $1 AND cancelled_at IS NULL AND booked < capacity",
                    )
                    .bind(slot)
                    .execute(&mut *tx)
                    .await?;
                    if taken.rows_affected() != 1 {
                        return Ok(Booked::Full);
                    }
                    let held: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM guidance_bookings \
                         WHERE slot_id = $1 AND graduate_id = $2 AND cancelled_at IS NULL",
                    )
                    .bind(slot)
                    .bind(graduate)
                    .fetch_one(&mut *tx)
                    .await?;
                    if held > 0 {
                        return Ok(Booked::Already);
                    }
                    let id = Uuid::now_v7();
                    sqlx::query(
                        "INSERT INTO guidance_bookings (id, slot_id, graduate_id, created_at, cancelled_at) \
                         VALUES ($1, $2, $3, $4, NULL)",
                    )
                    .bind(id)
                    .bind(slot)
                    .bind(graduate)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    Ok(Booked::Yes(id))
                }

                async fn cancel_booking(&self, id: Uuid, at: DateTime<Utc>) -> Result<bool> {
                    let mut tx = self.pool.begin().await?;
                    let slot: Option<Uuid> = sqlx::query_scalar(
                        "UPDATE guidance_bookings SET cancelled_at = $2 WHERE id = $1 AND cancelled_at IS NULL \
                         RETURNING slot_id",
                    )
                    .bind(id)
                    .bind(at)
                    .fetch_optional(&mut *tx)
                    .await?;
                    let Some(slot) = slot else { return Ok(false) };
                    sqlx::query("UPDATE guidance_slots SET booked = booked - 1 WHERE id = $1 AND booked > 0")
                        .bind(slot)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(true)
                }

                async fn booking(&self, id: Uuid) -> Result<Option<(Uuid, Uuid, Uuid, Option<DateTime<Utc>>)>> {
                    let row = sqlx::query(
                        "SELECT id, slot_id, graduate_id, cancelled_at FROM guidance_bookings WHERE id = $1",
                    )
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                    row.map(|r| {
                        Ok((r.try_get("id")?, r.try_get("slot_id")?, r.try_get("graduate_id")?, r.try_get("cancelled_at")?))
                    })
                    .transpose()
                }

                async fn slot_bookings(&self, slot: Uuid) -> Result<Vec<BookingRow>> {
                    let rows = sqlx::query(
                        "SELECT b.id, b.graduate_id, g.name, g.student_no, b.created_at FROM guidance_bookings b \
                         JOIN graduates g ON g.id = b.graduate_id \
                         WHERE b.slot_id = $1 AND b.cancelled_at IS NULL ORDER BY b.created_at, b.id",
                    )
                    .bind(slot)
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter()
                        .map(|r| {
                            Ok(BookingRow {
                                id: r.try_get("id")?,
                                graduate_id: r.try_get("graduate_id")?,
                                graduate_name: r.try_get("name")?,
                                student_no: r.try_get("student_no")?,
                                created_at: r.try_get("created_at")?,
                            })
                        })
                        .collect()
                }

                async fn open_slots_at(&self, orgs: &[Uuid], after: DateTime<Utc>) -> Result<Vec<SlotRow>> {
                    if orgs.is_empty() {
                        return Ok(Vec::new());
                    }
                    let mut qb = sqlx::QueryBuilder::<$db>::new(ROW_SELECT);
                    qb.push(" WHERE s.cancelled_at IS NULL AND s.starts_at > ").push_bind(after);
                    qb.push(" AND s.org_id IN (");
                    let mut sep = qb.separated(", ");
                    for o in orgs {
                        sep.push_bind(*o);
                    }
                    qb.push(") ORDER BY s.starts_at, s.id LIMIT 500");
                    let rows = qb.build().fetch_all(&self.pool).await?;
                    rows.iter().map(full_row).collect()
                }

                async fn slots_under(&self, paths: &[String], after: DateTime<Utc>, limit: i64) -> Result<Vec<SlotRow>> {
                    let mut qb = sqlx::QueryBuilder::<$db>::new(ROW_SELECT);
                    qb.push(" WHERE s.ends_at > ").push_bind(after);
                    crate::common::push_within_scope(&mut qb, &["o.path"], paths);
                    qb.push(" ORDER BY s.starts_at, s.id LIMIT ").push_bind(limit.clamp(1, crate::MAX_PAGE));
                    let rows = qb.build().fetch_all(&self.pool).await?;
                    rows.iter().map(full_row).collect()
                }

                async fn bookings_of(&self, graduate: Uuid) -> Result<Vec<(Uuid, SlotRow)>> {
                    let sql = sqlx::AssertSqlSafe(format!(
                        "{} JOIN guidance_bookings b ON b.slot_id = s.id \
                         WHERE b.graduate_id = $1 AND b.cancelled_at IS NULL ORDER BY s.starts_at, s.id",
                        ROW_SELECT.replacen("SELECT ", "SELECT b.id AS booking_id, ", 1)
                    ));
                    let rows = sqlx::query(sql).bind(graduate).fetch_all(&self.pool).await?;
                    rows.iter().map(|r| Ok((r.try_get("booking_id")?, full_row(r)?))).collect()
                }
            }
        }
    };
}
pub(crate) use guidance_impl;
