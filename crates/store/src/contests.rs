//! Storage of contests, their judges, entries and scores.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::Result;

/// A contest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContestRecord {
    pub id: Uuid,
    pub org_id: Uuid,
    /// A `jiuye_domain::contests::ContestKind` id.
    pub kind: String,
    pub title: String,
    pub description: String,
    pub entries_close: DateTime<Utc>,
    /// (first, second, third) prizes, set on publishing.
    pub prizes: (i32, i32, i32),
    pub published_at: Option<DateTime<Utc>>,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
}

/// A contest with its organiser and how many entered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContestRow {
    pub contest: ContestRecord,
    pub org_path: String,
    pub org_name: String,
    pub entries: i64,
}

/// An entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryRecord {
    pub id: Uuid,
    pub contest_id: Uuid,
    pub graduate_id: Uuid,
    pub title: String,
    pub summary: String,
    pub link: String,
    pub submitted_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An entry with who entered it and its scores summed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryRow {
    pub entry: EntryRecord,
    pub name: String,
    pub student_no: String,
    pub college_name: String,
    pub score_sum: i64,
    pub judged: i64,
}

/// The contests' storage.
#[async_trait]
pub trait ContestStore: Send + Sync {
    /// Adds a contest with its judges, in one transaction.
    async fn add_contest(&self, c: &ContestRecord, judges: &[Uuid]) -> Result<()>;
    async fn contest(&self, id: Uuid) -> Result<Option<ContestRow>>;
    /// Contests of these organisations, newest closing first (at most 200).
    async fn contests_at(&self, orgs: &[Uuid]) -> Result<Vec<ContestRow>>;
    /// Contests organised at or below `paths`, newest closing first (at most 200).
    async fn contests_under(&self, paths: &[String]) -> Result<Vec<ContestRow>>;
    /// Contests `user` judges, newest closing first (at most 200).
    async fn contests_judged_by(&self, user: Uuid) -> Result<Vec<ContestRow>>;
    /// (id, display name) of a contest's judges.
    async fn contest_judges(&self, contest: Uuid) -> Result<Vec<(Uuid, String)>>;
    /// Adds or replaces a graduate's entry (keeping its id and submission time); true when new.
    async fn upsert_entry(&self, e: &EntryRecord) -> Result<bool>;
    /// A contest's entries with their scores summed, in submission order.
    async fn contest_entries(&self, contest: Uuid) -> Result<Vec<EntryRow>>;
    /// Records or replaces a judge's score of an entry.
    async fn set_score(&self, entry: Uuid, judge: Uuid, score: i32, comment: &str, at: DateTime<Utc>) -> Result<()>;
    /// (entry, score, comment) of the scores one judge gave in a contest.
    async fn scores_by(&self, contest: Uuid, judge: Uuid) -> Result<Vec<(Uuid, i32, String)>>;
    /// Publishes the results with the prize counts; false when they were published already.
    async fn publish_contest(&self, id: Uuid, prizes: (i32, i32, i32), at: DateTime<Utc>) -> Result<bool>;
}

macro_rules! contests_impl {
    ($store:ty, $db:ty) => {
        mod contests_impl {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use sqlx::{QueryBuilder, Row};
            use uuid::Uuid;

            use super::*;
            use crate::Result;
            use crate::contests::{ContestRecord, ContestRow, ContestStore, EntryRecord, EntryRow};

            const SELECT: &str = "SELECT c.id, c.org_id, c.kind, c.title, c.description, c.entries_close, \
                 c.first_prizes, c.second_prizes, c.third_prizes, c.published_at, c.created_by, c.created_at, \
                 o.path AS org_path, o.name AS org_name, \
                 (SELECT COUNT(*) FROM contest_entries e WHERE e.contest_id = c.id) AS entries \
                 FROM contests c JOIN orgs o ON o.id = c.org_id";
            const ORDER: &str = " ORDER BY c.entries_close DESC, c.id LIMIT 200";

            fn row(r: &<$db as sqlx::Database>::Row) -> Result<ContestRow> {
                Ok(ContestRow {
                    contest: ContestRecord {
                        id: r.try_get("id")?,
                        org_id: r.try_get("org_id")?,
                        kind: r.try_get("kind")?,
                        title: r.try_get("title")?,
                        description: r.try_get("description")?,
                        entries_close: r.try_get("entries_close")?,
                        prizes: (r.try_get("first_prizes")?, r.try_get("second_prizes")?, r.try_get("third_prizes")?),
                        published_at: r.try_get("published_at")?,
                        created_by: r.try_get("created_by")?,
                        created_at: r.try_get("created_at")?,
                    },
                    org_path: r.try_get("org_path")?,
                    org_name: r.try_get("org_name")?,
                    entries: r.try_get("entries")?,
                })
            }

            #[async_trait]
            impl ContestStore for $store {
                async fn add_contest(&self, c: &ContestRecord, judges: &[Uuid]) -> Result<()> {
                    let mut tx = self.pool.begin().await?;
                    sqlx::query(
                        "INSERT INTO contests (id, org_id, kind, title, description, entries_close, first_prizes, \
                         second_prizes, third_prizes, published_at, created_by, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                    )
                    .bind(c.id)
                    .bind(c.org_id)
                    .bind(&c.kind)
                    .bind(&c.title)
                    .bind(&c.description)
                    .bind(c.entries_close)
                    .bind(c.prizes.0)
                    .bind(c.prizes.1)
                    .bind(c.prizes.2)
                    .bind(c.published_at)
                    .bind(c.created_by)
                    .bind(c.created_at)
                    .execute(&mut *tx)
                    .await?;
                    for j in judges {
                        sqlx::query(
                            "INSERT INTO contest_judges (contest_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                        )
                        .bind(c.id)
                        .bind(*j)
                        .execute(&mut *tx)
                        .await?;
                    }
                    tx.commit().await?;
                    Ok(())
                }

                async fn contest(&self, id: Uuid) -> Result<Option<ContestRow>> {
                    let sql = sqlx::AssertSqlSafe(format!("{SELECT} WHERE c.id = $1"));
                    let r = sqlx::query(sql).bind(id).fetch_optional(&self.pool).await?;
                    r.as_ref().map(row).transpose()
                }

                async fn contests_at(&self, orgs: &[Uuid]) -> Result<Vec<ContestRow>> {
                    if orgs.is_empty() {
                        return Ok(Vec::new());
                    }
                    let mut qb = QueryBuilder::<$db>::new(SELECT);
                    qb.push(" WHERE c.org_id IN (");
                    let mut sep = qb.separated(", ");
                    for o in orgs {
                        sep.push_bind(*o);
                    }
                    qb.push(")").push(ORDER);
                    let rows = qb.build().fetch_all(&self.pool).await?;
                    rows.iter().map(row).collect()
                }

                async fn contests_under(&self, paths: &[String]) -> Result<Vec<ContestRow>> {
                    let mut qb = QueryBuilder::<$db>::new(SELECT);
                    qb.push(" WHERE 1 = 1");
                    crate::common::push_within_scope(&mut qb, &["o.path"], paths);
                    qb.push(ORDER);
                    let rows = qb.build().fetch_all(&self.pool).await?;
                    rows.iter().map(row).collect()
                }

                async fn contests_judged_by(&self, user: Uuid) -> Result<Vec<ContestRow>> {
                    let mut qb = QueryBuilder::<$db>::new(SELECT);
                    qb.push(" WHERE c.id IN (SELECT contest_id FROM contest_judges WHERE user_id = ")
                        .push_bind(user)
                        .push(")")
                        .push(ORDER);
                    let rows = qb.build().fetch_all(&self.pool).await?;
                    rows.iter().map(row).collect()
                }

                async fn contest_judges(&self, contest: Uuid) -> Result<Vec<(Uuid, String)>> {
                    Ok(sqlx::query_as(
                        "SELECT u.id, u.display_name FROM contest_judges j JOIN users u ON u.id = j.user_id \
                         WHERE j.contest_id = $1 ORDER BY u.username",
                    )
                    .bind(contest)
                    .fetch_all(&self.pool)
                    .await?)
                }

                async fn upsert_entry(&self, e: &EntryRecord) -> Result<bool> {
                    let mut tx = self.pool.begin().await?;
                    let res = sqlx::query(
                        "UPDATE contest_entries SET title = $3, summary = $4, link = $5, updated_at = $6 \
                         WHERE contest_id = $1 AND graduate_id = $2",
                    )
                    .bind(e.contest_id)
                    .bind(e.graduate_id)
                    .bind(&e.title)
                    .bind(&e.summary)
                    .bind(&e.link)
                    .bind(e.updated_at)
                    .execute(&mut *tx)
                    .await?;
                    let new = res.rows_affected() == 0;
                    if new {
                        sqlx::query(
                            "INSERT INTO contest_entries (id, contest_id, graduate_id, title, summary, link, \
                             submitted_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                             ON CONFLICT (contest_id, graduate_id) DO UPDATE SET title = excluded.title, \
                             summary = excluded.summary, link = excluded.link, updated_at = excluded.updated_at",
                        )
                        .bind(e.id)
                        .bind(e.contest_id)
                        .bind(e.graduate_id)
                        .bind(&e.title)
                        .bind(&e.summary)
                        .bind(&e.link)
                        .bind(e.submitted_at)
                        .bind(e.updated_at)
                        .execute(&mut *tx)
                        .await?;
                    }
                    tx.commit().await?;
                    Ok(new)
                }

                async fn contest_entries(&self, contest: Uuid) -> Result<Vec<EntryRow>> {
                    let rows = sqlx::query(
                        "SELECT e.id, e.contest_id, e.graduate_id, e.title, e.summary, e.link, e.submitted_at, \
                         e.updated_at, g.name, g.student_no, col.name AS college_name, \
                         (SELECT COALESCE(SUM(s.score), 0) FROM contest_scores s WHERE s.entry_id = e.id) AS score_sum, \
                         (SELECT COUNT(*) FROM contest_scores s WHERE s.entry_id = e.id) AS judged \
                         FROM contest_entries e JOIN graduates g ON g.id = e.graduate_id \
                         JOIN orgs col ON col.id = g.college_id WHERE e.contest_id = $1 ORDER BY e.submitted_at, e.id",
                    )
                    .bind(contest)
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter()
                        .map(|r| {
                            Ok(EntryRow {
                                entry: EntryRecord {
                                    id: r.try_get("id")?,
                                    contest_id: r.try_get("contest_id")?,
                                    graduate_id: r.try_get("graduate_id")?,
                                    title: r.try_get("title")?,
                                    summary: r.try_get("summary")?,
                                    link: r.try_get("link")?,
                                    submitted_at: r.try_get("submitted_at")?,
                                    updated_at: r.try_get("updated_at")?,
                                },
                                name: r.try_get("name")?,
                                student_no: r.try_get("student_no")?,
                                college_name: r.try_get("college_name")?,
                                score_sum: r.try_get("score_sum")?,
                                judged: r.try_get("judged")?,
                            })
                        })
                        .collect()
                }

                async fn set_score(
                    &self,
                    entry: Uuid,
                    judge: Uuid,
                    score: i32,
                    comment: &str,
                    at: DateTime<Utc>,
                ) -> Result<()> {
                    sqlx::query(
                        "INSERT INTO contest_scores (entry_id, judge_id, score, comment, scored_at) \
                         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (entry_id, judge_id) DO UPDATE \
                         SET score = excluded.score, comment = excluded.comment, scored_at = excluded.scored_at",
                    )
                    .bind(entry)
                    .bind(judge)
                    .bind(score)
                    .bind(comment)
                    .bind(at)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn scores_by(&self, contest: Uuid, judge: Uuid) -> Result<Vec<(Uuid, i32, String)>> {
                    Ok(sqlx::query_as(
                        "SELECT s.entry_id, s.score, s.comment FROM contest_scores s \
                         JOIN contest_entries e ON e.id = s.entry_id WHERE e.contest_id = $1 AND s.judge_id = $2",
                    )
                    .bind(contest)
                    .bind(judge)
                    .fetch_all(&self.pool)
                    .await?)
                }

                async fn publish_contest(&self, id: Uuid, prizes: (i32, i32, i32), at: DateTime<Utc>) -> Result<bool> {
                    let res = sqlx::query(
                        "UPDATE contests SET first_prizes = $2, second_prizes = $3, third_prizes = $4, \
                         published_at = $5 WHERE id = $1 AND published_at IS NULL",
                    )
                    .bind(id)
                    .bind(prizes.0)
                    .bind(prizes.1)
                    .bind(prizes.2)
                    .bind(at)
                    .execute(&self.pool)
                    .await?;
                    Ok(res.rows_affected() == 1)
                }
            }
        }
    };
}
pub(crate) use contests_impl;
