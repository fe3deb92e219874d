//! Storage of the 基层就业卓越奖 nominations and the steps taken on them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::Result;

/// A nomination.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NominationRecord {
    pub id: Uuid,
    pub year: i32,
    /// The nominating college.
    pub college_id: Uuid,
    /// A `jiuye_domain::awards::NomineeKind` id.
    pub kind: String,
    /// The graduate nominated (kind `graduate`).
    pub graduate_id: Option<Uuid>,
    /// The teacher nominated (kind `teacher`; empty otherwise).
    pub teacher_name: String,
    pub citation: String,
    /// A `jiuye_domain::awards::NominationState` id.
    pub state: String,
    pub version: i64,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A nomination with where it comes from and who it is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NominationRow {
    pub nomination: NominationRecord,
    pub college_path: String,
    pub college_name: String,
    pub university_name: String,
    /// The graduate's name, 学号, cohort and destination code (kind `graduate`).
    pub graduate_name: Option<String>,
    pub student_no: Option<String>,
    pub cohort: Option<i32>,
    pub dest_code: Option<String>,
}

/// A step taken on a nomination.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepRecord {
    pub id: Uuid,
    pub nomination_id: Uuid,
    /// `submit`, or a `jiuye_domain::awards::Step` id.
    pub step: String,
    pub from_state: String,
    pub to_state: String,
    pub reason: String,
    pub by_user: Uuid,
    pub at: DateTime<Utc>,
}

/// A step with who took it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepRow {
    pub step: StepRecord,
    pub by_name: String,
}

/// The nominations' storage.
#[async_trait]
pub trait AwardStore: Send + Sync {
    /// Adds a nomination with its first step; false (nothing written) when the graduate is
    /// nominated already that year.
    async fn add_nomination(&self, n: &NominationRecord, first: &StepRecord) -> Result<bool>;
    async fn nomination(&self, id: Uuid) -> Result<Option<NominationRow>>;
    /// The nominations of colleges at or below `paths` (of `year` when given), newest first, at
    /// most 500.
    async fn nominations_under(&self, paths: &[String], year: Option<i32>) -> Result<Vec<NominationRow>>;
    /// Moves a nomination still at `version` to `step.to_state` (with a new citation when
    /// given) and records the step, in one transaction; false (nothing written) when someone
    /// changed it meanwhile.
    async fn step_nomination(&self, version: i64, citation: Option<&str>, step: &StepRecord) -> Result<bool>;
    /// The steps taken on a nomination, oldest first.
    async fn nomination_steps(&self, id: Uuid) -> Result<Vec<StepRow>>;
}

macro_rules! awards_impl {
    ($store:ty, $db:ty) => {
        mod awards_impl {
            use async_trait::async_trait;
            use sqlx::{QueryBuilder, Row};
            use uuid::Uuid;

            use super::*;
            use crate::Result;
            use crate::awards::{AwardStore, NominationRecord, NominationRow, StepRecord, StepRow};

            const SELECT: &str = "SELECT n.id, n.year, n.college_id, n.kind, n.graduate_id, n.teacher_name, \
                 n.citation, n.state, n.version, n.created_by, n.created_at, n.updated_at, c.path AS college_path, \
                 c.name AS college_name, u.name AS university_name, g.name AS graduate_name, g.student_no, g.cohort, \
                 g.dest_code FROM award_nominations n JOIN orgs c ON c.id = n.college_id \
                 JOIN orgs u ON u.id = c.parent_id LEFT JOIN graduates g ON g.id = n.graduate_id";

            fn row(r: &<$db as sqlx::Database>::Row) -> Result<NominationRow> {
                Ok(NominationRow {
                    nomination: NominationRecord {
                        id: r.try_get("id")?,
                        year: r.try_get("year")?,
                        college_id: r.try_get("college_id")?,
                        kind: r.try_get("kind")?,
                        graduate_id: r.try_get("graduate_id")?,
                        teacher_name: r.try_get("teacher_name")?,
                        citation: r.try_get("citation")?,
                        state: r.try_get("state")?,
                        version: r.try_get("version")?,
                        created_by: r.try_get("created_by")?,
                        created_at: r.try_get("created_at")?,
                        updated_at: r.try_get("updated_at")?,
                    },
                    college_path: r.try_get("college_path")?,
                    college_name: r.try_get("college_name")?,
                    university_name: r.try_get("university_name")?,
                    graduate_name: r.try_get("graduate_name")?,
                    student_no: r.try_get("student_no")?,
                    cohort: r.try_get("cohort")?,
                    dest_code: r.try_get("dest_code")?,
                })
            }

            async fn insert_step<'e, E>(e: E, s: &StepRecord) -> Result<()>
            where
                E: sqlx::Executor<'e, Database = $db>,
            {
                sqlx::query(
                    "INSERT INTO award_steps (id, nomination_id, step, from_state, to_state, reason, by_user, at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(s.id)
                .bind(s.nomination_id)
                .bind(&s.step)
                .bind(&s.from_state)
                .bind(&s.to_state)
                .bind(&s.reason)
                .bind(s.by_user)
                .bind(s.at)
                .execute(e)
                .await?;
                Ok(())
            }

            #[async_trait]
            impl AwardStore for $store {
                async fn add_nomination(&self, n: &NominationRecord, first: &StepRecord) -> Result<bool> {
                    let mut tx = self.pool.begin().await?;
                    let res = sqlx::query(
                        "INSERT INTO award_nominations (id, year, college_id, kind, graduate_id, teacher_name, citation, \
                         state, version, created_by, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING",
                    )
                    .bind(n.id)
                    .bind(n.year)
                    .bind(n.college_id)
                    .bind(&n.kind)
                    .bind(n.graduate_id)
                    .bind(&n.teacher_name)
                    .bind(&n.citation)
                    .bind(&n.state)
                    .bind(n.version)
                    .bind(n.created_by)
                    .bind(n.created_at)
                    .bind(n.updated_at)
                    .execute(&mut *tx)
                    .await?;
                    if res.rows_affected() != 1 {
                        tx.rollback().await?;
                        return Ok(false);
                    }
                    insert_step(&mut *tx, first).await?;
                    tx.commit().await?;
                    Ok(true)
                }

                async fn nomination(&self, id: Uuid) -> Result<Option<NominationRow>> {
                    let sql = sqlx::AssertSqlSafe(format!("{SELECT} WHERE n.id = $1"));
                    let r = sqlx::query(sql).bind(id).fetch_optional(&self.pool).await?;
                    r.as_ref().map(row).transpose()
                }

                async fn nominations_under(&self, paths: &[String], year: Option<i32>) -> Result<Vec<NominationRow>> {
                    let mut qb = QueryBuilder::<$db>::new(SELECT);
                    qb.push(" WHERE 1 = 1");
                    if let Some(y) = year {
                        qb.push(" AND n.year = ").push_bind(y);
                    }
                    crate::common::push_within_scope(&mut qb, &["c.path"], paths);
                    qb.push(" ORDER BY n.updated_at DESC, n.id LIMIT 500");
                    let rows = qb.build().fetch_all(&self.pool).await?;
                    rows.iter().map(row).collect()
                }

                async fn step_nomination(
                    &self,
                    version: i64,
                    citation: Option<&str>,
                    step: &StepRecord,
                ) -> Result<bool> {
                    let mut tx = self.pool.begin().await?;
                    let res = sqlx::query(
                        "UPDATE award_nominations SET state = $3, citation = COALESCE($4, citation), updated_at = $5, \
                         version = version + 1 WHERE id = $1 AND version = $2 AND state = $6",
                    )
                    .bind(step.nomination_id)
                    .bind(version)
                    .bind(&step.to_state)
                    .bind(citation)
                    .bind(step.at)
                    .bind(&step.from_state)
                    .execute(&mut *tx)
                    .await?;
                    if res.rows_affected() != 1 {
                        tx.rollback().await?;
                        return Ok(false);
                    }
                    insert_step(&mut *tx, step).await?;
                    tx.commit().await?;
                    Ok(true)
                }

                async fn nomination_steps(&self, id: Uuid) -> Result<Vec<StepRow>> {
                    let rows = sqlx::query(
                        "SELECT s.id, s.nomination_id, s.step, s.from_state, s.to_state, s.reason, s.by_user, s.at, \
                         u.display_name FROM award_steps s JOIN users u ON u.id = s.by_user \
                         WHERE s.nomination_id = $1 ORDER BY s.at, s.id",
                    )
                    .bind(id)
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter()
                        .map(|r| {
                            Ok(StepRow {
                                step: StepRecord {
                                    id: r.try_get("id")?,
                                    nomination_id: r.try_get("nomination_id")?,
                                    step: r.try_get("step")?,
                                    from_state: r.try_get("from_state")?,
                                    to_state: r.try_get("to_state")?,
                                    reason: r.try_get("reason")?,
                                    by_user: r.try_get("by_user")?,
                                    at: r.try_get("at")?,
                                },
                                by_name: r.try_get("display_name")?,
                            })
                        })
                        .collect()
                }
            }
        }
    };
}
pub(crate) use awards_impl;
