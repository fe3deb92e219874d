//! Storage of courses and livestream lessons, their enrolments and attendance.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::Result;

/// A lesson.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CourseRecord {
    pub id: Uuid,
    pub org_id: Uuid,
    /// A `jiuye_domain::courses::CourseKind` id.
    pub kind: String,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub place: String,
    pub url: String,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
}

/// A lesson with where it is offered and how many enrolled and attended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CourseRow {
    pub course: CourseRecord,
    pub org_path: String,
    pub org_name: String,
    pub enrolled: i64,
    pub attended: i64,
}

/// A graduate enrolled in a lesson.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RollRow {
    pub graduate_id: Uuid,
    pub name: String,
    pub student_no: String,
    pub attended_at: Option<DateTime<Utc>>,
}

/// Per college: its graduates of a cohort and how many attended at least one lesson.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompletionRow {
    pub college_id: Uuid,
    pub graduates: i64,
    pub attended: i64,
}

/// The courses' storage.
#[async_trait]
pub trait CourseStore: Send + Sync {
    async fn add_course(&self, c: &CourseRecord) -> Result<()>;
    async fn course(&self, id: Uuid) -> Result<Option<CourseRow>>;
    /// Lessons of these organisations that end after `after`, soonest first.
    async fn courses_at(&self, orgs: &[Uuid], after: DateTime<Utc>) -> Result<Vec<CourseRow>>;
    /// Lessons offered at or below `paths` that end after `after`, soonest first (at most `limit`).
    async fn courses_under(&self, paths: &[String], after: DateTime<Utc>, limit: i64) -> Result<Vec<CourseRow>>;
    /// Enrols a graduate; false when they already were.
    async fn enrol(&self, course: Uuid, graduate: Uuid, at: DateTime<Utc>) -> Result<bool>;
    /// Records a graduate's attendance (enrolling them if need be); false when it was recorded
    /// already.
    async fn attend(&self, course: Uuid, graduate: Uuid, at: DateTime<Utc>) -> Result<bool>;
    /// (lesson, attended at) of a graduate's enrolments.
    async fn enrolments_of(&self, graduate: Uuid) -> Result<Vec<(Uuid, Option<DateTime<Utc>>)>>;
    /// Who enrolled in a lesson, in 学号 order.
    async fn course_roll(&self, course: Uuid) -> Result<Vec<RollRow>>;
    /// For each college with graduates of `cohort` at or below `path`: how many, and how many
    /// attended at least one lesson.
    async fn course_completion(&self, path: &str, cohort: i32) -> Result<Vec<CompletionRow>>;
}

macro_rules! courses_impl {
    ($store:ty, $db:ty) => {
        mod courses_impl {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use sqlx::{QueryBuilder, Row};
            use uuid::Uuid;

            use super::*;
            use crate::Result;
            use crate::courses::{CompletionRow, CourseRecord, CourseRow, CourseStore, RollRow};

            const SELECT: &str = "SELECT c.id, c.org_id, c.kind, c.title, c.starts_at, c.ends_at, c.place, c.url, \
                 c.created_by, c.created_at, o.path AS org_path, o.name AS org_name, \
                 (SELECT COUNT(*) FROM course_enrolments e WHERE e.course_id = c.id) AS enrolled, \
                 (SELECT COUNT(*) FROM course_enrolments e WHERE e.course_id = c.id AND e.attended_at IS NOT NULL) AS attended \
                 FROM guidance_courses c JOIN orgs o ON o.id = c.org_id";

            fn row(r: &<$db as sqlx::Database>::Row) -> Result<CourseRow> {
                Ok(CourseRow {
                    course: CourseRecord {
                        id: r.try_get("id")?,
                        org_id: r.try_get("org_id")?,
                        kind: r.try_get("kind")?,
                        title: r.try_get("title")?,
                        starts_at: r.try_get("starts_at")?,
                        ends_at: r.try_get("ends_at")?,
                        place: r.try_get("place")?,
                        url: r.try_get("url")?,
                        created_by: r.try_get("created_by")?,
                        created_at: r.try_get("created_at")?,
                    },
                    org_path: r.try_get("org_path")?,
                    org_name: r.try_get("org_name")?,
                    enrolled: r.try_get("enrolled")?,
                    attended: r.try_get("attended")?,
                })
            }

            #[async_trait]
            impl CourseStore for $store {
                async fn add_course(&self, c: &CourseRecord) -> Result<()> {
                    sqlx::query(
                        "INSERT INTO guidance_courses (id, org_id, kind, title, starts_at, ends_at, place, url, created_by, \
                         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                    )
                    .bind(c.id)
                    .bind(c.org_id)
                    .bind(&c.kind)
                    .bind(&c.title)
                    .bind(c.starts_at)
                    .bind(c.ends_at)
                    .bind(&c.place)
                    .bind(&c.url)
                    .bind(c.created_by)
                    .bind(c.created_at)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn course(&self, id: Uuid) -> Result<Option<CourseRow>> {
                    let sql = sqlx::AssertSqlSafe(format!("{SELECT} WHERE c.id = $1"));
                    let r = sqlx::query(sql).bind(id).fetch_optional(&self.pool).await?;
                    r.as_ref().map(row).transpose()
                }

                async fn courses_at(&self, orgs: &[Uuid], after: DateTime<Utc>) -> Result<Vec<CourseRow>> {
                    if orgs.is_empty() {
                        return Ok(Vec::new());
                    }
                    let mut qb = QueryBuilder::<$db>::new(SELECT);
                    qb.push(" WHERE c.ends_at > ").push_bind(after).push(" AND c.org_id IN (");
                    let mut sep = qb.separated(", ");
                    for o in orgs {
                        sep.push_bind(*o);
                    }
                    qb.push(") ORDER BY c.starts_at, c.id LIMIT 200");
                    let rows = qb.build().fetch_all(&self.pool).await?;
                    rows.iter().map(row).collect()
                }

                async fn courses_under(
                    &self,
                    paths: &[String],
                    after: DateTime<Utc>,
                    limit: i64,
                ) -> Result<Vec<CourseRow>> {
                    let mut qb = QueryBuilder::<$db>::new(SELECT);
                    qb.push(" WHERE c.ends_at > ").push_bind(after);
                    crate::common::push_within_scope(&mut qb, &["o.path"], paths);
                    qb.push(" ORDER BY c.starts_at, c.id LIMIT ").push_bind(limit.clamp(1, crate::MAX_PAGE));
                    let rows = qb.build().fetch_all(&self.pool).await?;
                    rows.iter().map(row).collect()
                }

                async fn enrol(&self, course: Uuid, graduate: Uuid, at: DateTime<Utc>) -> Result<bool> {
                    let res = sqlx::query(
                        "INSERT INTO course_enrolments (course_id, graduate_id, enrolled_at) VALUES ($1, $2, $3) \
                         ON CONFLICT (course_id, graduate_id) DO NOTHING",
                    )
                    .bind(course)
                    .bind(graduate)
                    .bind(at)
                    .execute(&self.pool)
                    .await?;
                    Ok(res.rows_affected() == 1)
                }

                async fn attend(&self, course: Uuid, graduate: Uuid, at: DateTime<Utc>) -> Result<bool> {
                    let res = sqlx::query(
                        "INSERT INTO course_enrolments (course_id, graduate_id, enrolled_at, attended_at) \
                         VALUES ($1, $2, $3, $3) ON CONFLICT (course_id, graduate_id) DO UPDATE \
                         SET attended_at = excluded.attended_at WHERE course_enrolments.attended_at IS NULL",
                    )
                    .bind(course)
                    .bind(graduate)
                    .bind(at)
                    .execute(&self.pool)
                    .await?;
                    Ok(res.rows_affected() == 1)
                }

                async fn enrolments_of(&self, graduate: Uuid) -> Result<Vec<(Uuid, Option<DateTime<Utc>>)>> {
                    Ok(sqlx::query_as("SELECT course_id, attended_at FROM course_enrolments WHERE graduate_id = $1")
                        .bind(graduate)
                        .fetch_all(&self.pool)
                        .await?)
                }

                async fn course_roll(&self, course: Uuid) -> Result<Vec<RollRow>> {
                    let rows = sqlx::query(
                        "SELECT e.graduate_id, g.name, g.student_no, e.attended_at FROM course_enrolments e \
                         JOIN graduates g ON g.id = e.graduate_id WHERE e.course_id = $1 ORDER BY g.student_no",
                    )
                    .bind(course)
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter()
                        .map(|r| {
                            Ok(RollRow {
                                graduate_id: r.try_get("graduate_id")?,
                                name: r.try_get("name")?,
                                student_no: r.try_get("student_no")?,
                                attended_at: r.try_get("attended_at")?,
                            })
                        })
                        .collect()
                }

                async fn course_completion(&self, path: &str, cohort: i32) -> Result<Vec<CompletionRow>> {
                    let mut qb = QueryBuilder::<$db>::new(
                        "SELECT g.college_id, COUNT(*) AS graduates, SUM(CASE WHEN EXISTS (SELECT 1 FROM course_enrolments e \
                         WHERE e.graduate_id = g.id AND e.attended_at IS NOT NULL) THEN 1 ELSE 0 END) AS attended \
                         FROM graduates g JOIN orgs p ON p.id = g.programme_id WHERE g.cohort = ",
                    );
                    qb.push_bind(cohort);
                    crate::common::push_within_scope(&mut qb, &["p.path"], &[path.to_owned()]);
                    qb.push(" GROUP BY g.college_id");
                    let rows = qb.build().fetch_all(&self.pool).await?;
                    rows.iter()
                        .map(|r| {
                            let attended: Option<i64> = r.try_get("attended")?;
                            Ok(CompletionRow {
                                college_id: r.try_get("college_id")?,
                                graduates: r.try_get("graduates")?,
                                attended: attended.unwrap_or(0),
                            })
                        })
                        .collect()
                }
            }
        }
    };
}
pub(crate) use courses_impl;
