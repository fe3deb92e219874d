//! Storage of job-seeking safety: graduates' rights reports with their steps, and the safety
//! quiz results.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::Result;

/// A rights report as filed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RightsReport {
    pub id: Uuid,
    pub graduate_id: Uuid,
    /// The account that filed it (the graduate's own).
    pub reporter_id: Uuid,
    pub university_id: Uuid,
    pub province_id: Uuid,
    /// A `jiuye_domain::safety::rights::Kind` id.
    pub kind: String,
    /// The employer reported, when it is in the directory.
    pub employer_id: Option<Uuid>,
    /// The university unit reported.
    pub target_org_id: Option<Uuid>,
    /// Who is reported, as named (the employer's or unit's name, or as typed).
    pub target_name: String,
    pub description: String,
    /// The graduate's name is not to be given to the employer.
    pub anonymous: bool,
    /// `university` or `province`.
    pub route: String,
    /// A `jiuye_domain::safety::rights::State` id.
    pub state: String,
    pub due_on: NaiveDate,
    pub escalated_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// A report with the names and places its readers need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RightsRow {
    pub report: RightsReport,
    pub graduate_name: String,
    pub student_no: String,
    pub university_path: String,
    pub university_name: String,
    pub province_path: String,
    pub employer_code: Option<String>,
}

/// One step of a report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RightsEvent {
    pub state: String,
    pub by_user: Option<Uuid>,
    pub by_name: Option<String>,
    pub note: String,
    pub at: DateTime<Utc>,
}

/// Which reports to list. A report is listed when it is the graduate's, or when it sits with a
/// handler of the caller: the university stage (`university_paths`: reports routed to the
/// university whose university lies at or below one of them) or the province stage
/// (`province_paths`: reports routed to the province, escalated, or untouched after their due
/// day, whose province lies at or below one of them).
#[derive(Clone, Debug, Default)]
pub struct RightsQuery {
    pub graduate: Option<Uuid>,
    pub university_paths: Vec<String>,
    pub province_paths: Vec<String>,
    pub today: Option<NaiveDate>,
    /// Only these states (all when empty).
    pub states: Vec<String>,
    pub kind: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

/// How many reports of one kind about one target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RightsTally {
    pub kind: String,
    pub employer_id: Option<Uuid>,
    pub target_name: String,
    pub count: i64,
}

/// A college's safety-quiz completion among one cohort's graduates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuizCompletion {
    pub college_id: Uuid,
    pub college_code: String,
    pub college_name: String,
    pub graduates: i64,
    pub completed: i64,
}

/// Job-seeking safety's storage.
#[async_trait]
pub trait SafetyStore: Send + Sync {
    /// Files a report with its first step (one transaction).
    async fn add_rights_report(&self, r: &RightsReport, note: &str) -> Result<()>;
    async fn rights_report(&self, id: Uuid) -> Result<Option<RightsRow>>;
    /// Reports matching `q`, newest first, with the total.
    async fn rights_reports(&self, q: &RightsQuery) -> Result<(Vec<RightsRow>, i64)>;
    /// Counts by kind and target of the reports matching `q` (paging ignored).
    async fn rights_tally(&self, q: &RightsQuery) -> Result<Vec<RightsTally>>;
    /// Moves a report at the version seen and records the step (one transaction); a report
    /// moved out of `received` after its due day stays with the province (`escalated_at`).
    /// False when gone or changed meanwhile.
    async fn move_rights_report(
        &self,
        id: Uuid,
        version: i64,
        state: &str,
        by: Uuid,
        note: &str,
        today: NaiveDate,
    ) -> Result<bool>;
    /// A report's steps, oldest first.
    async fn rights_events(&self, id: Uuid) -> Result<Vec<RightsEvent>>;
    /// Keeps a graduate's best quiz result (a pass is never replaced by a fail).
    async fn record_quiz(&self, graduate: Uuid, right: i64, total: i64, passed: bool) -> Result<()>;
    /// A graduate's best result: (right, total, passed, when).
    async fn quiz_result(&self, graduate: Uuid) -> Result<Option<(i64, i64, bool, DateTime<Utc>)>>;
    /// Completion by college among the graduates of `cohort` whose college lies at or below
    /// one of `paths`, in college code order.
    async fn quiz_completion(&self, paths: &[String], cohort: i32) -> Result<Vec<QuizCompletion>>;
}

macro_rules! safety_impl {
    ($store:ty, $db:ty) => {
        mod safety_impl {
            use async_trait::async_trait;
            use chrono::{DateTime, NaiveDate, Utc};
            use sqlx::{QueryBuilder, Row};
            use uuid::Uuid;

            use super::*;
            use crate::Result;
            use crate::safety::{QuizCompletion, RightsEvent, RightsQuery, RightsReport, RightsRow, RightsTally, SafetyStore};

            const SELECT: &str = "SELECT r.id, r.graduate_id, r.reporter_id, r.university_id, r.province_id, r.kind, \
                 r.employer_id, r.target_org_id, r.target_name, r.description, r.anonymous, r.route, r.state, r.due_on, \
                 r.escalated_at, r.created_at, r.updated_at, r.version, g.name AS graduate_name, g.student_no, \
                 u.path AS university_path, u.name AS university_name, p.path AS province_path, e.credit_code AS employer_code";
            const FROM: &str = " FROM rights_reports r JOIN graduates g ON g.id = r.graduate_id \
                 JOIN orgs u ON u.id = r.university_id JOIN orgs p ON p.id = r.province_id \
                 LEFT JOIN employers e ON e.id = r.employer_id";

            fn row(r: &<$db as sqlx::Database>::Row) -> Result<RightsRow> {
                Ok(RightsRow {
                    report: RightsReport {
                        id: r.try_get("id")?,
                        graduate_id: r.try_get("graduate_id")?,
                        reporter_id: r.try_get("reporter_id")?,
                        university_id: r.try_get("university_id")?,
                        province_id: r.try_get("province_id")?,
                        kind: r.try_get("kind")?,
                        employer_id: r.try_get("employer_id")?,
                        target_org_id: r.try_get("target_org_id")?,
                        target_name: r.try_get("target_name")?,
                        description: r.try_get("description")?,
                        anonymous: r.try_get("anonymous")?,
                        route: r.try_get("route")?,
                        state: r.try_get("state")?,
                        due_on: crate::common::date("rights report due_on", r.try_get("due_on")?)?,
                        escalated_at: r.try_get("escalated_at")?,
                        created_at: r.try_get("created_at")?,
                        updated_at: r.try_get("updated_at")?,
                        version: r.try_get("version")?,
                    },
                    graduate_name: r.try_get("graduate_name")?,
                    student_no: r.try_get("student_no")?,
                    university_path: r.try_get("university_path")?,
                    university_name: r.try_get("university_name")?,
                    province_path: r.try_get("province_path")?,
                    employer_code: r.try_get("employer_code")?,
                })
            }

            fn filters(qb: &mut QueryBuilder<$db>, q: &RightsQuery) {
                qb.push(" WHERE (1 = 0");
                if let Some(g) = q.graduate {
                    qb.push(" OR r.graduate_id = ").push_bind(g);
                }
                if !q.university_paths.is_empty() {
                    qb.push(" OR (r.route = 'university' AND ");
                    crate::common::push_under(qb, &["u.path"], &q.university_paths);
                    qb.push(")");
                }
                if !q.province_paths.is_empty() {
                    qb.push(" OR ((r.route = 'province' OR r.escalated_at IS NOT NULL");
                    if let Some(today) = q.today {
                        qb.push(" OR (r.state = 'received' AND r.due_on < ")
                            .push_bind(crate::common::date_text(today))
                            .push(")");
                    }
                    qb.push(") AND ");
                    crate::common::push_under(qb, &["p.path"], &q.province_paths);
                    qb.push(")");
                }
                qb.push(")");
                if !q.states.is_empty() {
                    qb.push(" AND r.state IN (");
                    let mut sep = qb.separated(", ");
                    for s in &q.states {
                        sep.push_bind(s.clone());
                    }
                    qb.push(")");
                }
                if let Some(k) = q.kind.as_deref().filter(|k| !k.is_empty()) {
                    qb.push(" AND r.kind = ").push_bind(k.to_owned());
                }
            }

            #[async_trait]
            impl SafetyStore for $store {
                async fn add_rights_report(&self, r: &RightsReport, note: &str) -> Result<()> {
                    let mut tx = self.pool.begin().await?;
                    sqlx::query(
                        "INSERT INTO rights_reports (id, graduate_id, reporter_id, university_id, province_id, kind, \
                         employer_id, target_org_id, target_name, description, anonymous, route, state, due_on, \
                         escalated_at, created_at, updated_at, version) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
                    )
                    .bind(r.id)
                    .bind(r.graduate_id)
                    .bind(r.reporter_id)
                    .bind(r.university_id)
                    .bind(r.province_id)
                    .bind(&r.kind)
                    .bind(r.employer_id)
                    .bind(r.target_org_id)
                    .bind(&r.target_name)
                    .bind(&r.description)
                    .bind(r.anonymous)
                    .bind(&r.route)
                    .bind(&r.state)
                    .bind(crate::common::date_text(r.due_on))
                    .bind(r.escalated_at)
                    .bind(r.created_at)
                    .bind(r.updated_at)
                    .bind(r.version)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query("INSERT INTO rights_report_events (report_id, seq, state, by_user, note, at) VALUES ($1, 1, $2, NULL, $3, $4)")
                        .bind(r.id)
                        .bind(&r.state)
                        .bind(note)
                        .bind(r.created_at)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn rights_report(&self, id: Uuid) -> Result<Option<RightsRow>> {
                    let sql = sqlx::AssertSqlSafe(format!("{SELECT}{FROM} WHERE r.id = $1"));
                    let r = sqlx::query(sql).bind(id).fetch_optional(&self.pool).await?;
                    r.as_ref().map(row).transpose()
                }

                async fn rights_reports(&self, q: &RightsQuery) -> Result<(Vec<RightsRow>, i64)> {
                    let mut qb = QueryBuilder::<$db>::new(format!("SELECT COUNT(*){FROM}"));
                    filters(&mut qb, q);
                    let total: i64 = qb.build_query_scalar().fetch_one(&self.pool).await?;
                    let mut qb = QueryBuilder::<$db>::new(format!("{SELECT}{FROM}"));
                    filters(&mut qb, q);
                    qb.push(" ORDER BY r.created_at DESC, r.id LIMIT ").push_bind(q.limit.clamp(1, crate::MAX_PAGE));
                    qb.push(" OFFSET ").push_bind(q.offset.max(0));
                    let rows = qb.build().fetch_all(&self.pool).await?;
                    Ok((rows.iter().map(row).collect::<Result<Vec<_>>>()?, total))
                }

                async fn rights_tally(&self, q: &RightsQuery) -> Result<Vec<RightsTally>> {
                    let mut qb = QueryBuilder::<$db>::new(format!(
                        "SELECT r.kind, r.employer_id, r.target_name, COUNT(*) AS n{FROM}"
                    ));
                    filters(&mut qb, q);
                    qb.push(" GROUP BY r.kind, r.employer_id, r.target_name ORDER BY n DESC, r.target_name");
                    let rows = qb.build().fetch_all(&self.pool).await?;
                    rows.iter()
                        .map(|r| {
                            Ok(RightsTally {
                                kind: r.try_get("kind")?,
                                employer_id: r.try_get("employer_id")?,
                                target_name: r.try_get("target_name")?,
                                count: r.try_get("n")?,
                            })
                        })
                        .collect()
                }

                async fn move_rights_report(
                    &self,
                    id: Uuid,
                    version: i64,
                    state: &str,
                    by: Uuid,
                    note: &str,
                    today: NaiveDate,
                ) -> Result<bool> {
                    let now = Utc::now();
                    let mut tx = self.pool.begin().await?;
                    let n = sqlx::query(
                        "UPDATE rights_reports SET state = $3, updated_at = $4, version = version + 1, \
                         escalated_at = CASE WHEN escalated_at IS NULL AND route = 'university' AND state = 'received' \
                         AND due_on < $5 THEN $4 ELSE escalated_at END \
                         WHERE id = $1 AND version = $2",
                    )
                    .bind(id)
                    .bind(version)
                    .bind(state)
                    .bind(now)
                    .bind(crate::common::date_text(today))
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    if n != 1 {
                        return Ok(false);
                    }
                    let seq: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) + 1 FROM rights_report_events WHERE report_id = $1")
                        .bind(id)
                        .fetch_one(&mut *tx)
                        .await?;
                    sqlx::query("INSERT INTO rights_report_events (report_id, seq, state, by_user, note, at) VALUES ($1, $2, $3, $4, $5, $6)")
                        .bind(id)
                        .bind(seq)
                        .bind(state)
                        .bind(by)
                        .bind(note)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(true)
                }

                async fn rights_events(&self, id: Uuid) -> Result<Vec<RightsEvent>> {
                    let rows = sqlx::query(
                        "SELECT v.state, v.by_user, u.display_name AS by_name, v.note, v.at FROM rights_report_events v \
                         LEFT JOIN users u ON u.id = v.by_user WHERE v.report_id = $1 ORDER BY v.seq",
                    )
                    .bind(id)
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter()
                        .map(|r| {
                            Ok(RightsEvent {
                                state: r.try_get("state")?,
                                by_user: r.try_get("by_user")?,
                                by_name: r.try_get("by_name")?,
                                note: r.try_get("note")?,
                                at: r.try_get("at")?,
                            })
                        })
                        .collect()
                }

                async fn record_quiz(&self, graduate: Uuid, right: i64, total: i64, passed: bool) -> Result<()> {
                    sqlx::query(
                        "INSERT INTO safety_quiz_results (graduate_id, right_count, total, passed, at) VALUES ($1, $2, $3, $4, $5) \
                         ON CONFLICT (graduate_id) DO UPDATE SET right_count = excluded.right_count, total = excluded.total, \
                         passed = excluded.passed, at = excluded.at \
                         WHERE excluded.right_count >= safety_quiz_results.right_count OR \
                         (excluded.passed AND NOT safety_quiz_results.passed)",
                    )
                    .bind(graduate)
                    .bind(right)
                    .bind(total)
                    .bind(passed)
                    .bind(Utc::now())
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn quiz_result(&self, graduate: Uuid) -> Result<Option<(i64, i64, bool, DateTime<Utc>)>> {
                    let r = sqlx::query("SELECT right_count, total, passed, at FROM safety_quiz_results WHERE graduate_id = $1")
                        .bind(graduate)
                        .fetch_optional(&self.pool)
                        .await?;
                    match r {
                        Some(r) => Ok(Some((r.try_get("right_count")?, r.try_get("total")?, r.try_get("passed")?, r.try_get("at")?))),
                        None => Ok(None),
                    }
                }

                async fn quiz_completion(&self, paths: &[String], cohort: i32) -> Result<Vec<QuizCompletion>> {
                    if paths.is_empty() {
                        return Ok(Vec::new());
                    }
                    let mut qb = QueryBuilder::<$db>::new(
                        "SELECT c.id AS college_id, c.code AS college_code, c.name AS college_name, COUNT(*) AS graduates, \
                         SUM(CASE WHEN q.passed THEN 1 ELSE 0 END) AS completed \
                         FROM graduates g JOIN orgs c ON c.id = g.college_id \
                         LEFT JOIN safety_quiz_results q ON q.graduate_id = g.id WHERE g.cohort = ",
                    );
                    qb.push_bind(cohort).push(" AND ");
                    crate::common::push_under(&mut qb, &["c.path"], paths);
                    qb.push(" GROUP BY c.id, c.code, c.name ORDER BY c.code");
                    let rows = qb.build().fetch_all(&self.pool).await?;
                    rows.iter()
                        .map(|r| {
                            Ok(QuizCompletion {
                                college_id: r.try_get("college_id")?,
                                college_code: r.try_get("college_code")?,
                                college_name: r.try_get("college_name")?,
                                graduates: r.try_get("graduates")?,
                                completed: r.try_get::<Option<i64>, _>("completed")?.unwrap_or(0),
                            })
                        })
                        .collect()
                }
            }
        }
    };
}
pub(crate) use safety_impl;
