//! Storage of counselor follow-up (跟踪指导): each contact with a graduate. The summary and the
//! state of mind arrive sealed and are stored as they come; this module never opens them.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::Result;

/// One contact with a graduate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactRecord {
    pub id: Uuid,
    pub graduate_id: Uuid,
    pub on_day: NaiveDate,
    /// A `jiuye_domain::followup::Channel` id.
    pub channel: String,
    pub by_user: Uuid,
    /// Need ids separated by commas.
    pub needs: String,
    pub other_need: String,
    /// Sealed.
    pub summary: String,
    /// Sealed, when noted.
    pub mood: Option<String>,
    pub next_step: String,
    pub next_due: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
}

/// A contact with the name of whoever logged it and the graduate's place in the tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactRow {
    pub contact: ContactRecord,
    pub by_name: String,
    pub programme_path: String,
}

/// Follow-up's storage.
#[async_trait]
pub trait FollowupStore: Send + Sync {
    /// Records a contact and marks the graduate contacted (one transaction).
    async fn add_contact(&self, c: &ContactRecord) -> Result<()>;
    /// A graduate's contacts, newest first (at most `limit`).
    async fn contacts(&self, graduate: Uuid, limit: i64) -> Result<Vec<ContactRow>>;
    /// The latest contact of each of these graduates that has one.
    async fn latest_contacts_of(&self, graduates: &[Uuid]) -> Result<Vec<ContactRow>>;
    /// The latest contact of each graduate of `cohort` whose programme lies at or below one of
    /// `paths`.
    async fn latest_contacts_under(&self, paths: &[String], cohort: i32) -> Result<Vec<ContactRow>>;
    /// The psychology contact of a university, when one is appointed.
    async fn psychology_contact(&self, university: Uuid) -> Result<Option<Uuid>>;
    /// Appoints (or, with `None`, removes) a university's psychology contact.
    async fn set_psychology_contact(
        &self,
        university: Uuid,
        user: Option<Uuid>,
        by: Uuid,
        at: DateTime<Utc>,
    ) -> Result<()>;
    /// (id, summary, state of mind) of the contacts after `after` in id order (for sealing anew).
    async fn followup_texts(&self, after: Uuid, limit: i64) -> Result<Vec<(Uuid, String, Option<String>)>>;
    /// Replaces a contact's sealed summary and state of mind when they still are `was_summary`
    /// and `was_mood`; false (nothing written) when they changed meanwhile.
    async fn replace_followup_texts(
        &self,
        id: Uuid,
        was_summary: &str,
        was_mood: Option<&str>,
        summary: &str,
        mood: Option<&str>,
    ) -> Result<bool>;
}

macro_rules! followup_impl {
    ($store:ty, $db:ty) => {
        mod followup_impl {
            use async_trait::async_trait;
            use sqlx::{QueryBuilder, Row};
            use uuid::Uuid;

            use super::*;
            use crate::Result;
            use crate::followup::{ContactRecord, ContactRow, FollowupStore};

            const SELECT: &str = "SELECT c.id, c.graduate_id, c.on_day, c.channel, c.by_user, c.needs, c.other_need, \
                 c.summary, c.mood, c.next_step, c.next_due, c.created_at, u.display_name AS by_name, \
                 p.path AS programme_path FROM followup_contacts c JOIN users u ON u.id = c.by_user \
                 JOIN graduates g ON g.id = c.graduate_id JOIN orgs p ON p.id = g.programme_id";
            /// Only a graduate's latest contact (by day, then by when it was logged).
            const LATEST: &str = " c.id = (SELECT c2.id FROM followup_contacts c2 WHERE c2.graduate_id = c.graduate_id \
                 ORDER BY c2.on_day DESC, c2.created_at DESC, c2.id DESC LIMIT 1)";

            fn row(r: &<$db as sqlx::Database>::Row) -> Result<ContactRow> {
                let due: Option<String> = r.try_get("next_due")?;
                Ok(ContactRow {
                    contact: ContactRecord {
                        id: r.try_get("id")?,
                        graduate_id: r.try_get("graduate_id")?,
                        on_day: crate::common::date("contact on_day", r.try_get("on_day")?)?,
                        channel: r.try_get("channel")?,
                        by_user: r.try_get("by_user")?,
                        needs: r.try_get("needs")?,
                        other_need: r.try_get("other_need")?,
                        summary: r.try_get("summary")?,
                        mood: r.try_get("mood")?,
                        next_step: r.try_get("next_step")?,
                        next_due: due.map(|d| crate::common::date("contact next_due", &d)).transpose()?,
                        created_at: r.try_get("created_at")?,
                    },
                    by_name: r.try_get("by_name")?,
                    programme_path: r.try_get("programme_path")?,
                })
            }

            #[async_trait]
            impl FollowupStore for $store {
                async fn add_contact(&self, c: &ContactRecord) -> Result<()> {
                    let mut tx = self.pool.begin().await?;
                    sqlx::query(
                        "INSERT INTO followup_contacts (id, graduate_id, on_day, channel, by_user, needs, other_need, \
                         summary, mood, next_step, next_due, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                    )
                    .bind(c.id)
                    .bind(c.graduate_id)
                    .bind(crate::common::date_text(c.on_day))
                    .bind(&c.channel)
                    .bind(c.by_user)
                    .bind(&c.needs)
                    .bind(&c.other_need)
                    .bind(&c.summary)
                    .bind(&c.mood)
                    .bind(&c.next_step)
                    .bind(c.next_due.map(crate::common::date_text))
                    .bind(c.created_at)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query(
                        "UPDATE graduates SET contact_state = CASE WHEN contact_state = 'needs_help' THEN contact_state \
                         ELSE 'contacted' END, \
                         contacted_at = CASE WHEN contacted_at IS NULL OR contacted_at < $2 THEN $2 ELSE contacted_at END, \
                         contacted_by = $3 WHERE id = $1",
                    )
                    .bind(c.graduate_id)
                    .bind(c.created_at)
                    .bind(c.by_user)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn contacts(&self, graduate: Uuid, limit: i64) -> Result<Vec<ContactRow>> {
                    let sql = sqlx::AssertSqlSafe(format!(
                        "{SELECT} WHERE c.graduate_id = $1 ORDER BY c.on_day DESC, c.created_at DESC, c.id DESC LIMIT $2"
                    ));
                    let rows = sqlx::query(sql)
                        .bind(graduate)
                        .bind(limit.clamp(1, crate::MAX_PAGE))
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter().map(row).collect()
                }

                async fn latest_contacts_of(&self, graduates: &[Uuid]) -> Result<Vec<ContactRow>> {
                    let mut out = Vec::new();
                    for chunk in graduates.chunks(500) {
                        let mut qb = QueryBuilder::<$db>::new(SELECT);
                        qb.push(" WHERE");
                        qb.push(LATEST);
                        qb.push(" AND c.graduate_id IN (");
                        let mut sep = qb.separated(", ");
                        for g in chunk {
                            sep.push_bind(*g);
                        }
                        qb.push(")");
                        for r in qb.build().fetch_all(&self.pool).await?.iter() {
                            out.push(row(r)?);
                        }
                    }
                    Ok(out)
                }

                async fn latest_contacts_under(&self, paths: &[String], cohort: i32) -> Result<Vec<ContactRow>> {
                    let mut qb = QueryBuilder::<$db>::new(SELECT);
                    qb.push(" WHERE");
                    qb.push(LATEST);
                    qb.push(" AND g.cohort = ").push_bind(cohort);
                    crate::common::push_within_scope(&mut qb, &["p.path"], paths);
                    qb.push(" ORDER BY g.student_no");
                    let rows = qb.build().fetch_all(&self.pool).await?;
                    rows.iter().map(row).collect()
                }

                async fn psychology_contact(&self, university: Uuid) -> Result<Option<Uuid>> {
                    Ok(sqlx::query_scalar("SELECT user_id FROM psychology_contacts WHERE university_id = $1")
                        .bind(university)
                        .fetch_optional(&self.pool)
                        .await?)
                }

                async fn set_psychology_contact(
                    &self,
                    university: Uuid,
                    user: Option<Uuid>,
                    by: Uuid,
                    at: chrono::DateTime<chrono::Utc>,
                ) -> Result<()> {
                    match user {
                        Some(u) => {
                            sqlx::query(
                                "INSERT INTO psychology_contacts (university_id, user_id, set_by, set_at) \
                                 VALUES ($1, $2, $3, $4) ON CONFLICT (university_id) DO UPDATE SET \
                                 user_id = excluded.user_id, set_by = excluded.set_by, set_at = excluded.set_at",
                            )
                            .bind(university)
                            .bind(u)
                            .bind(by)
                            .bind(at)
                            .execute(&self.pool)
                            .await?;
                        }
                        None => {
                            sqlx::query("DELETE FROM psychology_contacts WHERE university_id = $1")
                                .bind(university)
                                .execute(&self.pool)
                                .await?;
                        }
                    }
                    Ok(())
                }

                async fn followup_texts(&self, after: Uuid, limit: i64) -> Result<Vec<(Uuid, String, Option<String>)>> {
                    let rows =
                        sqlx::query("SELECT id, summary, mood FROM followup_contacts WHERE id > $1 ORDER BY id LIMIT $2")
                            .bind(after)
                            .bind(limit.clamp(0, crate::MAX_PAGE))
                            .fetch_all(&self.pool)
                            .await?;
                    rows.iter().map(|r| Ok((r.try_get("id")?, r.try_get("summary")?, r.try_get("mood")?))).collect()
                }

                async fn replace_followup_texts(
                    &self,
                    id: Uuid,
                    was_summary: &str,
                    was_mood: Option<&str>,
                    summary: &str,
                    mood: Option<&str>,
                ) -> Result<bool> {
                    let res = sqlx::query(
                        "UPDATE followup_contacts SET summary = $4, mood = $5 \
                         WHERE id = $1 AND summary = $2 AND mood IS NOT DISTINCT FROM $3",
                    )
                    .bind(id)
                    .bind(was_summary)
                    .bind(was_mood)
                    .bind(summary)
                    .bind(mood)
                    .execute(&self.pool)
                    .await?;
                    Ok(res.rows_affected() == 1)
                }
            }
        }
    };
}
pub(crate) use followup_impl;
