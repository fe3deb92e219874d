//! Storage of the hardship ledger (帮扶台账): one file per graduate in difficulty, the postings
//! recommended to them, and the per-province table of one-time job-seeking subsidies. The
//! profile, consent and plan arrive sealed and are stored as they come; this module never opens
//! them.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::Result;

/// One file (一人一档).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileRecord {
    pub graduate_id: Uuid,
    /// Sealed `jiuye_domain::hardship::Profile`.
    pub profile: String,
    /// Sealed `jiuye_domain::hardship::Consent` id.
    pub consent: String,
    pub verified_by: Option<Uuid>,
    pub verified_on: Option<NaiveDate>,
    /// Sealed `jiuye_domain::hardship::Plan`, once there is one.
    pub plan: Option<String>,
    pub plan_state: String,
    pub plan_approved_by: Option<Uuid>,
    pub helper_id: Option<Uuid>,
    pub training: String,
    pub subsidy: String,
    pub subsidy_yuan: Option<i64>,
    pub case_state: String,
    pub closed_on: Option<NaiveDate>,
    /// `staff` or `import`.
    pub source: String,
    pub version: i64,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A file with the graduate's place in the tree, the names of the people on it, and what the
/// coverage report counts beside it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileRow {
    pub file: FileRecord,
    pub student_no: String,
    pub name: String,
    pub cohort: i32,
    pub college_name: String,
    pub programme_path: String,
    pub dest_code: Option<String>,
    pub dest_status: String,
    pub helper_name: Option<String>,
    pub verified_by_name: Option<String>,
    /// The day of the latest follow-up contact.
    pub last_contact: Option<NaiveDate>,
    /// Recommended postings that are approved and open on the day asked about, from employers
    /// not blacklisted.
    pub recommended: i64,
}

/// The hardship ledger's storage.
#[async_trait]
pub trait HardshipStore: Send + Sync {
    /// Graduate `graduate`'s file, with recommended postings counted on `today` (YYYY-MM-DD).
    async fn hardship_file(&self, graduate: Uuid, today: &str) -> Result<Option<FileRow>>;
    /// Opens a file; false (nothing written) when the graduate has one already.
    async fn insert_hardship_file(&self, f: &FileRecord) -> Result<bool>;
    /// Opens many files in one transaction (an import); false (nothing written) when one of
    /// the graduates has one already.
    async fn insert_hardship_files(&self, files: &[FileRecord]) -> Result<bool>;
    /// Replaces a file when it is still at `version` (its version becomes `version + 1`); false
    /// (nothing written) when someone changed it meanwhile.
    async fn update_hardship_file(&self, f: &FileRecord, version: i64) -> Result<bool>;
    /// The files of graduates of `cohort` (every cohort when None) whose programme lies at or
    /// below one of `paths`, in 学号 order.
    async fn hardship_files_under(&self, paths: &[String], cohort: Option<i32>, today: &str) -> Result<Vec<FileRow>>;
    /// The postings recommended to a graduate, oldest first.
    async fn recommendations(&self, graduate: Uuid) -> Result<Vec<Uuid>>;
    /// Replaces the postings recommended to a graduate.
    async fn set_recommendations(&self, graduate: Uuid, postings: &[Uuid], by: Uuid, at: DateTime<Utc>) -> Result<()>;
    /// (graduate, profile, consent, plan) of the files after `after` in id order (sealing anew).
    async fn hardship_texts(&self, after: Uuid, limit: i64) -> Result<Vec<(Uuid, String, String, Option<String>)>>;
    /// Replaces a file's sealed texts when they still are `was`; false when they changed.
    async fn replace_hardship_texts(
        &self,
        graduate: Uuid,
        was: (&str, &str, Option<&str>),
        now: (&str, &str, Option<&str>),
    ) -> Result<bool>;
    /// Deletes the files kept long enough: closed before `closed_before` (or never closed) and of
    /// a cohort before `cohort_before`. Answers how many went.
    async fn purge_hardship(&self, closed_before: NaiveDate, cohort_before: i32) -> Result<u64>;
    /// The subsidy of a province (its code), in yuan.
    async fn subsidy_amount(&self, province_code: &str) -> Result<Option<i64>>;
    /// (province code, yuan, effective, source) of every province.
    async fn subsidy_amounts(&self) -> Result<Vec<(String, i64, String, String)>>;
    async fn set_subsidy_amount(&self, province_code: &str, yuan: i64, effective: &str, source: &str) -> Result<()>;
    /// Loads shipped figures for provinces that have none yet (edits are never overwritten).
    async fn seed_subsidy_amounts(&self, rows: &[(String, i64, String)]) -> Result<u64>;
}

macro_rules! hardship_impl {
    ($store:ty, $db:ty) => {
        mod hardship_impl {
            use async_trait::async_trait;
            use chrono::{DateTime, NaiveDate, Utc};
            use sqlx::{QueryBuilder, Row};
            use uuid::Uuid;

            use super::*;
            use crate::Result;
            use crate::hardship::{FileRecord, FileRow, HardshipStore};

            const COLUMNS: &str = "graduate_id, profile, consent, verified_by, verified_on, plan, plan_state, \
                 plan_approved_by, helper_id, training, subsidy, subsidy_yuan, case_state, closed_on, source, version, \
                 created_by, created_at, updated_at";

            /// The select, up to the place of today's date (YYYY-MM-DD).
            const HEAD: &str = "SELECT h.graduate_id, h.profile, h.consent, h.verified_by, h.verified_on, h.plan, \
                 h.plan_state, h.plan_approved_by, h.helper_id, h.training, h.subsidy, h.subsidy_yuan, h.case_state, \
                 h.closed_on, h.source, h.version, h.created_by, h.created_at, h.updated_at, \
                 g.student_no, g.name, g.cohort, c.name AS college_name, p.path AS programme_path, \
                 g.dest_code, g.dest_status, hu.display_name AS helper_name, vu.display_name AS verified_by_name, \
                 (SELECT MAX(fc.on_day) FROM followup_contacts fc WHERE fc.graduate_id = h.graduate_id) AS last_contact, \
                 (SELECT COUNT(*) FROM hardship_recommendations r JOIN postings po ON po.id = r.posting_id \
                   JOIN employers e ON e.id = po.employer_id WHERE r.graduate_id = h.graduate_id \
                   AND po.status = 'approved' AND po.deadline >= ";
            /// The rest of the select, after today's date.
            const TAIL: &str = " AND e.verification <> 'blacklisted') AS recommended FROM hardship_files h JOIN graduates g ON g.id = h.graduate_id \
                 JOIN orgs p ON p.id = g.programme_id JOIN orgs c ON c.id = g.college_id \
                 LEFT JOIN users hu ON hu.id = h.helper_id LEFT JOIN users vu ON vu.id = h.verified_by";

            fn day(what: &str, v: Option<String>) -> Result<Option<NaiveDate>> {
                v.map(|d| crate::common::date(what, &d)).transpose()
            }

            fn row(r: &<$db as sqlx::Database>::Row) -> Result<FileRow> {
                Ok(FileRow {
                    file: FileRecord {
                        graduate_id: r.try_get("graduate_id")?,
                        profile: r.try_get("profile")?,
                        consent: r.try_get("consent")?,
                        verified_by: r.try_get("verified_by")?,
                        verified_on: day("hardship verified_on", r.try_get("verified_on")?)?,
                        plan: r.try_get("plan")?,
                        plan_state: r.try_get("plan_state")?,
                        plan_approved_by: r.try_get("plan_approved_by")?,
                        helper_id: r.try_get("helper_id")?,
                        training: r.try_get("training")?,
                        subsidy: r.try_get("subsidy")?,
                        subsidy_yuan: r.try_get("subsidy_yuan")?,
                        case_state: r.try_get("case_state")?,
                        closed_on: day("hardship closed_on", r.try_get("closed_on")?)?,
                        source: r.try_get("source")?,
                        version: r.try_get("version")?,
                        created_by: r.try_get("created_by")?,
                        created_at: r.try_get("created_at")?,
                        updated_at: r.try_get("updated_at")?,
                    },
                    student_no: r.try_get("student_no")?,
                    name: r.try_get("name")?,
                    cohort: r.try_get("cohort")?,
                    college_name: r.try_get("college_name")?,
                    programme_path: r.try_get("programme_path")?,
                    dest_code: r.try_get("dest_code")?,
                    dest_status: r.try_get("dest_status")?,
                    helper_name: r.try_get("helper_name")?,
                    verified_by_name: r.try_get("verified_by_name")?,
                    last_contact: day("hardship last contact", r.try_get("last_contact")?)?,
                    recommended: r.try_get("recommended")?,
                })
            }

            fn insert<'q>(f: &'q FileRecord) -> sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments> {
                let sql = sqlx::AssertSqlSafe(format!(
                    "INSERT INTO hardship_files ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
                     $12, $13, $14, $15, $16, $17, $18, $19) ON CONFLICT (graduate_id) DO NOTHING"
                ));
                sqlx::query(sql)
                    .bind(f.graduate_id)
                    .bind(&f.profile)
                    .bind(&f.consent)
                    .bind(f.verified_by)
                    .bind(f.verified_on.map(crate::common::date_text))
                    .bind(&f.plan)
                    .bind(&f.plan_state)
                    .bind(f.plan_approved_by)
                    .bind(f.helper_id)
                    .bind(&f.training)
                    .bind(&f.subsidy)
                    .bind(f.subsidy_yuan)
                    .bind(&f.case_state)
                    .bind(f.closed_on.map(crate::common::date_text))
                    .bind(&f.source)
                    .bind(f.version)
                    .bind(f.created_by)
                    .bind(f.created_at)
                    .bind(f.updated_at)
            }

            #[async_trait]
            impl HardshipStore for $store {
                async fn hardship_file(&self, graduate: Uuid, today: &str) -> Result<Option<FileRow>> {
                    let sql = sqlx::AssertSqlSafe(format!("{HEAD}$1{TAIL} WHERE h.graduate_id = $2"));
                    let r = sqlx::query(sql).bind(today).bind(graduate).fetch_optional(&self.pool).await?;
                    r.as_ref().map(row).transpose()
                }

                async fn insert_hardship_file(&self, f: &FileRecord) -> Result<bool> {
                    Ok(insert(f).execute(&self.pool).await?.rows_affected() == 1)
                }

                async fn insert_hardship_files(&self, files: &[FileRecord]) -> Result<bool> {
                    let mut tx = self.pool.begin().await?;
                    for f in files {
                        if insert(f).execute(&mut *tx).await?.rows_affected() != 1 {
                            tx.rollback().await?;
                            return Ok(false);
                        }
                    }
                    tx.commit().await?;
                    Ok(true)
                }

                async fn update_hardship_file(&self, f: &FileRecord, version: i64) -> Result<bool> {
                    let res = sqlx::query(
                        "UPDATE hardship_files SET profile = $3, consent = $4, verified_by = $5, verified_on = $6, \
                         plan = $7, plan_state = $8, plan_approved_by = $9, helper_id = $10, training = $11, \
                         subsidy = $12, subsidy_yuan = $13, case_state = $14, closed_on = $15, updated_at = $16, \
                         version = version + 1 WHERE graduate_id = $1 AND version = $2",
                    )
                    .bind(f.graduate_id)
                    .bind(version)
                    .bind(&f.profile)
                    .bind(&f.consent)
                    .bind(f.verified_by)
                    .bind(f.verified_on.map(crate::common::date_text))
                    .bind(&f.plan)
                    .bind(&f.plan_state)
                    .bind(f.plan_approved_by)
                    .bind(f.helper_id)
                    .bind(&f.training)
                    .bind(&f.subsidy)
                    .bind(f.subsidy_yuan)
                    .bind(&f.case_state)
                    .bind(f.closed_on.map(crate::common::date_text))
                    .bind(f.updated_at)
                    .execute(&self.pool)
                    .await?;
                    Ok(res.rows_affected() == 1)
                }

                async fn hardship_files_under(
                    &self,
                    paths: &[String],
                    cohort: Option<i32>,
                    today: &str,
                ) -> Result<Vec<FileRow>> {
                    let mut qb = QueryBuilder::<$db>::new(HEAD);
                    qb.push_bind(today.to_owned());
                    qb.push(TAIL);
                    qb.push(" WHERE 1 = 1");
                    if let Some(c) = cohort {
                        qb.push(" AND g.cohort = ").push_bind(c);
                    }
                    crate::common::push_within_scope(&mut qb, &["p.path"], paths);
                    qb.push(" ORDER BY g.student_no");
                    let rows = qb.build().fetch_all(&self.pool).await?;
                    rows.iter().map(row).collect()
                }

                async fn recommendations(&self, graduate: Uuid) -> Result<Vec<Uuid>> {
                    Ok(sqlx::query_scalar(
                        "SELECT posting_id FROM hardship_recommendations WHERE graduate_id = $1 \
                         ORDER BY created_at, posting_id",
                    )
                    .bind(graduate)
                    .fetch_all(&self.pool)
                    .await?)
                }

                async fn set_recommendations(
                    &self,
                    graduate: Uuid,
                    postings: &[Uuid],
                    by: Uuid,
                    at: DateTime<Utc>,
                ) -> Result<()> {
                    let mut tx = self.pool.begin().await?;
                    let kept: Vec<Uuid> =
                        sqlx::query_scalar("SELECT posting_id FROM hardship_recommendations WHERE graduate_id = $1")
                            .bind(graduate)
                            .fetch_all(&mut *tx)
                            .await?;
                    for old in kept.iter().filter(|k| !postings.contains(k)) {
                        sqlx::query("DELETE FROM hardship_recommendations WHERE graduate_id = $1 AND posting_id = $2")
                            .bind(graduate)
                            .bind(*old)
                            .execute(&mut *tx)
                            .await?;
                    }
                    for p in postings.iter().filter(|p| !kept.contains(p)) {
                        sqlx::query(
                            "INSERT INTO hardship_recommendations (graduate_id, posting_id, by_user, created_at) \
                             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                        )
                        .bind(graduate)
                        .bind(*p)
                        .bind(by)
                        .bind(at)
                        .execute(&mut *tx)
                        .await?;
                    }
                    tx.commit().await?;
                    Ok(())
                }

                async fn hardship_texts(
                    &self,
                    after: Uuid,
                    limit: i64,
                ) -> Result<Vec<(Uuid, String, String, Option<String>)>> {
                    let rows = sqlx::query(
                        "SELECT graduate_id, profile, consent, plan FROM hardship_files WHERE graduate_id > $1 \
                         ORDER BY graduate_id LIMIT $2",
                    )
                    .bind(after)
                    .bind(limit.clamp(0, crate::MAX_PAGE))
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter()
                        .map(|r| {
                            Ok((r.try_get("graduate_id")?, r.try_get("profile")?, r.try_get("consent")?, r.try_get("plan")?))
                        })
                        .collect()
                }

                async fn replace_hardship_texts(
                    &self,
                    graduate: Uuid,
                    was: (&str, &str, Option<&str>),
                    now: (&str, &str, Option<&str>),
                ) -> Result<bool> {
                    let res = sqlx::query(
                        "UPDATE hardship_files SET profile = $5, consent = $6, plan = $7 WHERE graduate_id = $1 \
                         AND profile = $2 AND consent = $3 AND plan IS NOT DISTINCT FROM $4",
                    )
                    .bind(graduate)
                    .bind(was.0)
                    .bind(was.1)
                    .bind(was.2)
                    .bind(now.0)
                    .bind(now.1)
                    .bind(now.2)
                    .execute(&self.pool)
                    .await?;
                    Ok(res.rows_affected() == 1)
                }

                async fn purge_hardship(&self, closed_before: NaiveDate, cohort_before: i32) -> Result<u64> {
                    let mut tx = self.pool.begin().await?;
                    let doomed = "SELECT h.graduate_id FROM hardship_files h JOIN graduates g ON g.id = h.graduate_id \
                         WHERE (h.closed_on IS NULL OR h.closed_on < $1) AND g.cohort < $2";
                    let sql = sqlx::AssertSqlSafe(format!(
                        "DELETE FROM hardship_recommendations WHERE graduate_id IN ({doomed})"
                    ));
                    sqlx::query(sql)
                        .bind(crate::common::date_text(closed_before))
                        .bind(cohort_before)
                        .execute(&mut *tx)
                        .await?;
                    let sql = sqlx::AssertSqlSafe(format!("DELETE FROM hardship_files WHERE graduate_id IN ({doomed})"));
                    let n = sqlx::query(sql)
                        .bind(crate::common::date_text(closed_before))
                        .bind(cohort_before)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    tx.commit().await?;
                    Ok(n)
                }

                async fn subsidy_amount(&self, province_code: &str) -> Result<Option<i64>> {
                    Ok(sqlx::query_scalar("SELECT yuan FROM subsidy_amounts WHERE province_code = $1")
                        .bind(province_code)
                        .fetch_optional(&self.pool)
                        .await?)
                }

                async fn subsidy_amounts(&self) -> Result<Vec<(String, i64, String, String)>> {
                    Ok(sqlx::query_as(
                        "SELECT province_code, yuan, effective, source FROM subsidy_amounts ORDER BY province_code",
                    )
                    .fetch_all(&self.pool)
                    .await?)
                }

                async fn set_subsidy_amount(&self, province_code: &str, yuan: i64, effective: &str, source: &str) -> Result<()> {
                    sqlx::query(
                        "INSERT INTO subsidy_amounts (province_code, yuan, effective, source) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (province_code) DO UPDATE SET yuan = excluded.yuan, \
                         effective = excluded.effective, source = excluded.source",
                    )
                    .bind(province_code)
                    .bind(yuan)
                    .bind(effective)
                    .bind(source)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn seed_subsidy_amounts(&self, rows: &[(String, i64, String)]) -> Result<u64> {
                    let mut n = 0;
                    for (p, y, e) in rows {
                        n += sqlx::query(
                            "INSERT INTO subsidy_amounts (province_code, yuan, effective, source) \
                             VALUES ($1, $2, $3, 'shipped') ON CONFLICT (province_code) DO NOTHING",
                        )
                        .bind(p)
                        .bind(*y)
                        .bind(e)
                        .execute(&self.pool)
                        .await?
                        .rows_affected();
                    }
                    Ok(n)
                }
            }
        }
    };
}
pub(crate) use hardship_impl;
