//! Job postings: the employer's offer, where it appears, its screening and review state.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use jiuye_domain::posting::{ApplicationStatus, PostingStatus};
use uuid::Uuid;

use crate::Result;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostingRecord {
    pub id: Uuid,
    pub employer_id: Uuid,
    pub title: String,
    pub description: String,
    pub region_code: String,
    pub position_code: String,
    pub education: String,
    /// Catalogue codes of majors or major classes, comma-separated; empty for any.
    pub majors: String,
    pub openings: i64,
    pub salary_min: Option<i64>,
    pub salary_max: Option<i64>,
    /// The last day to apply (stored as `YYYY-MM-DD`).
    pub deadline: NaiveDate,
    pub contact: String,
    pub apply_method: String,
    /// `university`, `alliance`, `province` or `nation`.
    pub visibility: String,
    pub scope_org_id: Uuid,
    /// Ids of the themed campaigns (专场) it joined, comma-separated.
    pub specials: String,
    pub status: PostingStatus,
    pub risk_level: String,
    /// The screening reasons, as JSON.
    pub risk_reasons: String,
    pub reviewed_by: Option<Uuid>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub review_note: Option<String>,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub origin_node: Uuid,
    pub version: i64,
    /// The occupation (职业分类大典 2022 code) the employer or staff chose; `None` when the
    /// title decides.
    pub occupation: Option<String>,
}

/// A posting with the path of the organisation it appears in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostingRow {
    pub posting: PostingRecord,
    pub scope_path: String,
    pub employer_name: String,
    pub employer_code: String,
    /// How many people reported it.
    pub report_count: i64,
    /// The employer's verification state.
    pub employer_verification: jiuye_domain::employer::Verification,
    /// The employer's ownership type code.
    pub employer_type: String,
    /// The employer's GB/T 4754 industry code.
    pub employer_industry: String,
    /// The employer's size class (`large`, `medium`, `small`, `micro`), when known.
    pub employer_size: Option<String>,
    /// Set while an approved posting waits for staff to look at it again because changed
    /// screening rules rate it high-risk.
    pub recheck_at: Option<DateTime<Utc>>,
}

/// One side of applications: a graduate's own, or those to an employer's postings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApplicationSide {
    Graduate,
    Employer,
}

/// A graduate's application to a posting, with what the lists show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApplicationRow {
    pub id: Uuid,
    pub posting_id: Uuid,
    pub graduate_id: Uuid,
    pub status: ApplicationStatus,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    pub posting_title: String,
    pub employer_id: Uuid,
    pub employer_name: String,
    pub graduate_name: String,
    pub programme_name: String,
    pub university_name: String,
    /// The attached résumé: (stored file name, content type, size in bytes).
    pub resume: Option<(String, String, i64)>,
}

/// A graduate who lets verified employers find their profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TalentRow {
    pub graduate_id: Uuid,
    pub name: String,
    pub education_level: String,
    pub cohort: i32,
    pub programme_name: String,
    pub university_name: String,
    pub since: DateTime<Utc>,
}

#[async_trait]
pub trait Postings: Send + Sync {
    /// Records an application and its first event; false when the graduate already applied.
    async fn add_application(
        &self,
        id: Uuid,
        posting: Uuid,
        graduate: Uuid,
        note: Option<&str>,
        by: Uuid,
    ) -> Result<bool>;
    async fn application(&self, id: Uuid) -> Result<Option<ApplicationRow>>;
    /// Moves an application to `status` if it is still at `version`; records the event.
    async fn set_application_status(&self, id: Uuid, version: i64, status: ApplicationStatus, by: Uuid)
    -> Result<bool>;
    async fn applications_of_graduate(&self, graduate: Uuid) -> Result<Vec<ApplicationRow>>;
    async fn applications_to_posting(&self, posting: Uuid) -> Result<Vec<ApplicationRow>>;
    /// Every application to any posting of an employer, newest first.
    async fn applications_to_employer(&self, employer: Uuid) -> Result<Vec<ApplicationRow>>;
    /// Notes that `user` opened application `id` now.
    async fn mark_application_seen(&self, id: Uuid, user: Uuid) -> Result<()>;
    /// The applications of one side (the graduate `owner`'s own, or those to the employer
    /// `owner`'s postings) that the other side moved or wrote on since `user` last opened them
    /// (or ever, when `user` never did).
    async fn changed_applications(&self, user: Uuid, side: ApplicationSide, owner: Uuid) -> Result<Vec<Uuid>>;
    /// Every state an application went through: (status, when), oldest first.
    async fn application_events(&self, id: Uuid) -> Result<Vec<(ApplicationStatus, DateTime<Utc>)>>;
    async fn add_application_message(&self, id: Uuid, sender: &str, body: &str) -> Result<()>;
    /// (sender, body, when), oldest first.
    async fn application_messages(&self, id: Uuid) -> Result<Vec<(String, String, DateTime<Utc>)>>;
    async fn add_posting(&self, p: &PostingRecord) -> Result<()> {
        self.add_postings(std::slice::from_ref(p)).await
    }
    /// Adds many postings in one transaction (all or none).
    async fn add_postings(&self, postings: &[PostingRecord]) -> Result<()>;
    async fn posting(&self, id: Uuid) -> Result<Option<PostingRow>>;
    /// The postings with these ids that exist, in the order asked.
    async fn postings_by_ids(&self, ids: &[Uuid]) -> Result<Vec<PostingRow>>;
    /// Approved postings with an id after `after`, in id order: the feed a search index is
    /// built from, page by page.
    async fn approved_postings_after(&self, after: Option<Uuid>, limit: i64) -> Result<Vec<PostingRow>>;
    /// (title, occupation) of the approved postings whose occupation a person chose, newest
    /// first, at most `limit`: how this node's titles are labelled.
    async fn labelled_titles(&self, limit: i64) -> Result<Vec<(String, String)>>;
    /// Ids of the postings changed at or after `since`, whatever their state.
    async fn postings_changed_since(&self, since: DateTime<Utc>) -> Result<Vec<Uuid>>;
    /// Replaces the editable fields and the state (the version goes up); false when gone.
    async fn update_posting(&self, p: &PostingRecord) -> Result<bool>;
    /// Open postings (pending, held, or approved) with an id after `after`, in id order: what
    /// is screened again when the rules change.
    async fn open_postings_after(&self, after: Option<Uuid>, limit: i64) -> Result<Vec<PostingRow>>;
    /// Stores a new screening of a posting at the version seen, with its state (`recheck`
    /// marks an approved posting for review again); false when gone or changed meanwhile.
    async fn rescreen_posting(
        &self,
        id: Uuid,
        version: i64,
        status: PostingStatus,
        risk_level: &str,
        risk_reasons: &str,
        recheck: bool,
    ) -> Result<bool>;
    /// Records a review decision; false when the posting is gone or its version moved on.
    async fn review_posting(
        &self,
        id: Uuid,
        version: i64,
        status: PostingStatus,
        by: Uuid,
        note: Option<&str>,
    ) -> Result<bool>;
    /// Postings with one of `statuses` whose scope lies at or below one of `paths`, newest first.
    /// The single status `reported` means approved postings someone reported.
    async fn postings_in(
        &self,
        paths: &[String],
        statuses: &[&str],
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<PostingRow>, i64)>;
    /// Approved postings still open on `today` (YYYY-MM-DD) that appear in one of `scopes`,
    /// newest first, leaving out blacklisted employers and the employers in `hidden`; with
    /// `special`, only those that joined that themed campaign. The SQL form of
    /// `jiuye_domain::posting::readable`: change them together.
    async fn postings_visible(
        &self,
        scopes: &[Uuid],
        hidden: &[Uuid],
        today: &str,
        special: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<PostingRow>, i64)>;
    /// Records a report; false when this person already reported this posting.
    async fn add_posting_report(&self, posting: Uuid, reporter: Uuid, reason: &str) -> Result<bool>;
    /// The reports of a posting, oldest first: (reason, when).
    async fn posting_reports(&self, posting: Uuid) -> Result<Vec<(String, DateTime<Utc>)>>;
    /// (scope, employer) for every employer with a posting in one of `scopes` created before
    /// `before`.
    async fn employers_posting_before(&self, scopes: &[Uuid], before: DateTime<Utc>) -> Result<Vec<(Uuid, Uuid)>>;
    /// An employer's postings, newest first.
    async fn postings_of_employer(&self, employer_id: Uuid) -> Result<Vec<PostingRow>>;
    /// Takes a posting off (`withdrawn`) if it is still at `version`; false otherwise.
    async fn withdraw_posting(&self, id: Uuid, version: i64) -> Result<bool>;
    /// Records the résumé file of an application, replacing any earlier one; returns the
    /// stored name it replaced.
    async fn set_application_resume(
        &self,
        id: Uuid,
        stored: &str,
        content_type: &str,
        bytes: i64,
    ) -> Result<Option<String>>;
    /// The application id and stored file name of every résumé.
    async fn resume_files(&self) -> Result<Vec<(Uuid, String)>>;
    /// Lets employers find a graduate (`open`) or stops it.
    async fn set_talent_optin(&self, graduate: Uuid, open: bool) -> Result<()>;
    async fn talent_optin(&self, graduate: Uuid) -> Result<bool>;
    /// Graduates who opted in, newest first, with the total.
    async fn talent(&self, limit: i64, offset: i64) -> Result<(Vec<TalentRow>, i64)>;
}

macro_rules! postings_impl {
    ($store:ty, $db:ty) => {
        mod postings_impl {
            use async_trait::async_trait;
            use chrono::Utc;
            use sqlx::{QueryBuilder, Row};
            use uuid::Uuid;

            use super::*;
            use crate::Result;
            use crate::common::like_escape;
            use crate::postings::{ApplicationRow, ApplicationSide, PostingRecord, PostingRow, Postings};
            use jiuye_domain::posting::{ApplicationStatus, PostingStatus};

            type DbRow = <$db as sqlx::Database>::Row;

            const SELECT: &str = "SELECT p.id, p.employer_id, p.title, p.description, p.region_code, p.position_code, \
                 p.education, p.majors, p.openings, p.salary_min, p.salary_max, p.deadline, p.contact, p.apply_method, \
                 p.visibility, p.scope_org_id, p.specials, p.status, p.risk_level, p.risk_reasons, p.reviewed_by, p.reviewed_at, \
                 p.review_note, p.created_by, p.created_at, p.updated_at, p.origin_node, p.version, p.recheck_at, p.occupation, \
                 o.path AS scope_path, e.name AS employer_name, e.credit_code AS employer_code, e.verification AS employer_verification, \
                 e.employer_type, e.industry_code AS employer_industry, e.size_class AS employer_size, \
                 (SELECT COUNT(*) FROM posting_reports r WHERE r.posting_id = p.id) AS report_count \
                 FROM postings p JOIN orgs o ON o.id = p.scope_org_id JOIN employers e ON e.id = p.employer_id";

            /// Postings matching `filter` (fixed SQL) with an id after `after`, in id order, a page
            /// at a time.
            async fn rows_after(
                pool: &sqlx::Pool<$db>,
                filter: &'static str,
                after: Option<Uuid>,
                limit: i64,
            ) -> Result<Vec<PostingRow>> {
                let mut qb = QueryBuilder::<$db>::new(SELECT);
                qb.push(" WHERE ").push(filter);
                if let Some(a) = after {
                    qb.push(" AND p.id > ").push_bind(a);
                }
                qb.push(" ORDER BY p.id LIMIT ").push_bind(limit.clamp(1, 10_000));
                let rows = qb.build().fetch_all(pool).await?;
                rows.iter().map(row).collect()
            }

            /// One step of an application's history, inside the transaction that made it.
            async fn record_event(
                tx: &mut sqlx::Transaction<'_, $db>,
                id: Uuid,
                status: ApplicationStatus,
                at: chrono::DateTime<Utc>,
                by: Uuid,
            ) -> Result<()> {
                sqlx::query("INSERT INTO application_events (application_id, status, at, by_user) VALUES ($1, $2, $3, $4)")
                    .bind(id)
                    .bind(status.id())
                    .bind(at)
                    .bind(by)
                    .execute(&mut **tx)
                    .await?;
                Ok(())
            }

            const APP_SELECT: &str = "SELECT a.id, a.posting_id, a.graduate_id, a.status, a.note, a.created_at, a.updated_at, \
                 a.version, a.resume_stored, a.resume_type, a.resume_bytes, p.title AS posting_title, p.employer_id, e.name AS employer_name, g.name AS graduate_name, \
                 pr.name AS programme_name, u.name AS university_name FROM applications a \
                 JOIN postings p ON p.id = a.posting_id JOIN employers e ON e.id = p.employer_id \
                 JOIN graduates g ON g.id = a.graduate_id JOIN orgs pr ON pr.id = g.programme_id \
                 JOIN orgs u ON u.id = g.org_id";

            fn application_status(s: String) -> Result<ApplicationStatus> {
                ApplicationStatus::from_id(&s).ok_or_else(|| crate::common::corrupt("application status", &s))
            }

            fn app_row(r: &DbRow) -> Result<crate::postings::ApplicationRow> {
                Ok(crate::postings::ApplicationRow {
                    id: r.try_get("id")?,
                    posting_id: r.try_get("posting_id")?,
                    graduate_id: r.try_get("graduate_id")?,
                    status: application_status(r.try_get("status")?)?,
                    note: r.try_get("note")?,
                    created_at: r.try_get("created_at")?,
                    updated_at: r.try_get("updated_at")?,
                    version: r.try_get("version")?,
                    posting_title: r.try_get("posting_title")?,
                    employer_id: r.try_get("employer_id")?,
                    employer_name: r.try_get("employer_name")?,
                    graduate_name: r.try_get("graduate_name")?,
                    programme_name: r.try_get("programme_name")?,
                    university_name: r.try_get("university_name")?,
                    resume: match (r.try_get("resume_stored")?, r.try_get("resume_type")?, r.try_get("resume_bytes")?) {
                        (Some(s), Some(t), Some(b)) => Some((s, t, b)),
                        _ => None,
                    },
                })
            }

            fn row(r: &DbRow) -> Result<PostingRow> {
                Ok(PostingRow {
                    posting: PostingRecord {
                        id: r.try_get("id")?,
                        employer_id: r.try_get("employer_id")?,
                        title: r.try_get("title")?,
                        description: r.try_get("description")?,
                        region_code: r.try_get("region_code")?,
                        position_code: r.try_get("position_code")?,
                        education: r.try_get("education")?,
                        majors: r.try_get("majors")?,
                        openings: r.try_get("openings")?,
                        salary_min: r.try_get("salary_min")?,
                        salary_max: r.try_get("salary_max")?,
                        deadline: crate::common::date("posting deadline", r.try_get("deadline")?)?,
                        contact: r.try_get("contact")?,
                        apply_method: r.try_get("apply_method")?,
                        visibility: r.try_get("visibility")?,
                        scope_org_id: r.try_get("scope_org_id")?,
                        specials: r.try_get("specials")?,
                        status: {
                            let s: String = r.try_get("status")?;
                            PostingStatus::from_id(&s).ok_or_else(|| crate::common::corrupt("posting status", &s))?
                        },
                        risk_level: r.try_get("risk_level")?,
                        risk_reasons: r.try_get("risk_reasons")?,
                        reviewed_by: r.try_get("reviewed_by")?,
                        reviewed_at: r.try_get("reviewed_at")?,
                        review_note: r.try_get("review_note")?,
                        created_by: r.try_get("created_by")?,
                        created_at: r.try_get("created_at")?,
                        updated_at: r.try_get("updated_at")?,
                        origin_node: r.try_get("origin_node")?,
                        version: r.try_get("version")?,
                        occupation: r.try_get("occupation")?,
                    },
                    scope_path: r.try_get("scope_path")?,
                    employer_name: r.try_get("employer_name")?,
                    employer_code: r.try_get("employer_code")?,
                    report_count: r.try_get("report_count")?,
                    employer_verification: {
                        let v: String = r.try_get("employer_verification")?;
                        jiuye_domain::employer::Verification::from_id(&v)
                            .ok_or_else(|| crate::common::corrupt("employer verification", &v))?
                    },
                    employer_type: r.try_get("employer_type")?,
                    employer_industry: r.try_get("employer_industry")?,
                    employer_size: r.try_get("employer_size")?,
                    recheck_at: r.try_get("recheck_at")?,
                })
            }

            #[async_trait]
            impl Postings for $store {
                async fn add_postings(&self, postings: &[PostingRecord]) -> Result<()> {
                    let mut tx = self.pool.begin().await?;
                    // 28 values a row; 400 rows stay under both databases' limits on parameters.
                    for chunk in postings.chunks(400) {
                        let mut qb = QueryBuilder::<$db>::new(
                            "INSERT INTO postings (id, employer_id, title, description, region_code, position_code, education, \
                             majors, openings, salary_min, salary_max, deadline, contact, apply_method, visibility, scope_org_id, \
                             status, risk_level, risk_reasons, reviewed_by, reviewed_at, review_note, created_by, created_at, \
                             updated_at, origin_node, version, specials, occupation) ",
                        );
                        qb.push_values(chunk, |mut b, p| {
                            b.push_bind(p.id)
                                .push_bind(p.employer_id)
                                .push_bind(p.title.clone())
                                .push_bind(p.description.clone())
                                .push_bind(p.region_code.clone())
                                .push_bind(p.position_code.clone())
                                .push_bind(p.education.clone())
                                .push_bind(p.majors.clone())
                                .push_bind(p.openings)
                                .push_bind(p.salary_min)
                                .push_bind(p.salary_max)
                                .push_bind(crate::common::date_text(p.deadline))
                                .push_bind(p.contact.clone())
                                .push_bind(p.apply_method.clone())
                                .push_bind(p.visibility.clone())
                                .push_bind(p.scope_org_id)
                                .push_bind(p.status.id())
                                .push_bind(p.risk_level.clone())
                                .push_bind(p.risk_reasons.clone())
                                .push_bind(p.reviewed_by)
                                .push_bind(p.reviewed_at)
                                .push_bind(p.review_note.clone())
                                .push_bind(p.created_by)
                                .push_bind(p.created_at)
                                .push_bind(p.created_at)
                                .push_bind(p.origin_node)
                                .push("1")
                                .push_bind(p.specials.clone())
                                .push_bind(p.occupation.clone());
                        });
                        qb.build().execute(&mut *tx).await?;
                    }
                    tx.commit().await?;
                    Ok(())
                }

                async fn postings_by_ids(&self, ids: &[Uuid]) -> Result<Vec<PostingRow>> {
                    if ids.is_empty() {
                        return Ok(Vec::new());
                    }
                    let mut qb = QueryBuilder::<$db>::new(SELECT);
                    qb.push(" WHERE p.id IN (");
                    let mut sep = qb.separated(", ");
                    for id in ids.iter().take(500) {
                        sep.push_bind(*id);
                    }
                    qb.push(")");
                    let rows = qb.build().fetch_all(&self.pool).await?;
                    let mut found = rows.iter().map(row).collect::<Result<Vec<_>>>()?;
                    found.sort_by_key(|r| ids.iter().position(|id| *id == r.posting.id));
                    Ok(found)
                }

                async fn approved_postings_after(&self, after: Option<Uuid>, limit: i64) -> Result<Vec<PostingRow>> {
                    let db = self.reader().await;
                    rows_after(db, "p.status = 'approved'", after, limit).await
                }

                async fn open_postings_after(&self, after: Option<Uuid>, limit: i64) -> Result<Vec<PostingRow>> {
                    rows_after(&self.pool, "p.status IN ('pending', 'held', 'approved')", after, limit).await
                }

                async fn rescreen_posting(
                    &self,
                    id: Uuid,
                    version: i64,
                    status: PostingStatus,
                    risk_level: &str,
                    risk_reasons: &str,
                    recheck: bool,
                ) -> Result<bool> {
                    let now = Utc::now();
                    let n = sqlx::query(
                        "UPDATE postings SET status = $3, risk_level = $4, risk_reasons = $5, \
                         recheck_at = CASE WHEN $6 THEN COALESCE(recheck_at, $7) ELSE recheck_at END, \
                         updated_at = $7, version = version + 1 WHERE id = $1 AND version = $2",
                    )
                    .bind(id)
                    .bind(version)
                    .bind(status.id())
                    .bind(risk_level)
                    .bind(risk_reasons)
                    .bind(recheck)
                    .bind(now)
                    .execute(&self.pool)
                    .await?
                    .rows_affected();
                    Ok(n == 1)
                }

                async fn labelled_titles(&self, limit: i64) -> Result<Vec<(String, String)>> {
                    Ok(sqlx::query_as(
                        "SELECT title, occupation FROM postings WHERE occupation IS NOT NULL AND status = 'approved' \
                         ORDER BY updated_at DESC, id LIMIT $1",
                    )
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?)
                }

                async fn postings_changed_since(&self, since: chrono::DateTime<Utc>) -> Result<Vec<Uuid>> {
                    Ok(sqlx::query_scalar("SELECT id FROM postings WHERE updated_at >= $1")
                        .bind(since)
                        .fetch_all(&self.pool)
                        .await?)
                }

                async fn posting(&self, id: Uuid) -> Result<Option<PostingRow>> {
                    let sql = sqlx::AssertSqlSafe(format!("{SELECT} WHERE p.id = $1"));
                    let r = sqlx::query(sql).bind(id).fetch_optional(&self.pool).await?;
                    r.as_ref().map(row).transpose()
                }

                async fn update_posting(&self, p: &PostingRecord) -> Result<bool> {
                    let n = sqlx::query(
                        "UPDATE postings SET title = $2, description = $3, region_code = $4, position_code = $5, \
                         education = $6, majors = $7, openings = $8, salary_min = $9, salary_max = $10, deadline = $11, \
                         contact = $12, apply_method = $13, visibility = $14, scope_org_id = $15, status = $16, \
                         risk_level = $17, risk_reasons = $18, reviewed_by = NULL, reviewed_at = NULL, review_note = NULL, \
                         recheck_at = NULL, updated_at = $19, specials = $20, occupation = $21, version = version + 1 WHERE id = $1",
                    )
                    .bind(p.id)
                    .bind(&p.title)
                    .bind(&p.description)
                    .bind(&p.region_code)
                    .bind(&p.position_code)
                    .bind(&p.education)
                    .bind(&p.majors)
                    .bind(p.openings)
                    .bind(p.salary_min)
                    .bind(p.salary_max)
                    .bind(crate::common::date_text(p.deadline))
                    .bind(&p.contact)
                    .bind(&p.apply_method)
                    .bind(&p.visibility)
                    .bind(p.scope_org_id)
                    .bind(p.status.id())
                    .bind(&p.risk_level)
                    .bind(&p.risk_reasons)
                    .bind(Utc::now())
                    .bind(&p.specials)
                    .bind(&p.occupation)
                    .execute(&self.pool)
                    .await?
                    .rows_affected();
                    Ok(n == 1)
                }

                async fn review_posting(&self, id: Uuid, version: i64, status: PostingStatus, by: Uuid, note: Option<&str>) -> Result<bool> {
                    let now = Utc::now();
                    let n = sqlx::query(
                        "UPDATE postings SET status = $3, reviewed_by = $4, reviewed_at = $5, review_note = $6, \
                         recheck_at = NULL, updated_at = $5, version = version + 1 WHERE id = $1 AND version = $2",
                    )
                    .bind(id)
                    .bind(version)
                    .bind(status.id())
                    .bind(by)
                    .bind(now)
                    .bind(note)
                    .execute(&self.pool)
                    .await?
                    .rows_affected();
                    Ok(n == 1)
                }

                async fn postings_in(&self, paths: &[String], statuses: &[&str], limit: i64, offset: i64) -> Result<(Vec<PostingRow>, i64)> {
                    let db = self.reader().await;
                    if paths.is_empty() || statuses.is_empty() {
                        return Ok((Vec::new(), 0));
                    }
                    fn filters(qb: &mut QueryBuilder<$db>, paths: &[String], statuses: &[&str]) {
                        qb.push(" WHERE ");
                        crate::common::push_under(qb, &["o.path"], paths);
                        if statuses == ["recheck"] {
                            qb.push(" AND p.status = 'approved' AND p.recheck_at IS NOT NULL");
                            return;
                        }
                        if statuses == ["reported"] {
                            qb.push(" AND p.status = 'approved' AND EXISTS (SELECT 1 FROM posting_reports r WHERE r.posting_id = p.id)");
                            return;
                        }
                        qb.push(" AND p.status IN (");
                        let mut sep = qb.separated(", ");
                        for s in statuses {
                            sep.push_bind(s.to_string());
                        }
                        qb.push(")");
                    }
                    let mut qb = QueryBuilder::<$db>::new("SELECT COUNT(*) FROM postings p JOIN orgs o ON o.id = p.scope_org_id");
                    filters(&mut qb, paths, statuses);
                    let total: i64 = qb.build_query_scalar().fetch_one(db).await?;
                    let mut qb = QueryBuilder::<$db>::new(SELECT);
                    filters(&mut qb, paths, statuses);
                    qb.push(" ORDER BY p.created_at DESC, p.id LIMIT ").push_bind(limit.clamp(1, crate::MAX_PAGE));
                    qb.push(" OFFSET ").push_bind(offset.max(0));
                    let rows = qb.build().fetch_all(db).await?;
                    Ok((rows.iter().map(row).collect::<Result<Vec<_>>>()?, total))
                }

                async fn postings_visible(&self, scopes: &[Uuid], hidden: &[Uuid], today: &str, special: Option<&str>, limit: i64, offset: i64) -> Result<(Vec<PostingRow>, i64)> {
                    let db = self.reader().await;
                    if scopes.is_empty() {
                        return Ok((Vec::new(), 0));
                    }
                    fn filters(qb: &mut QueryBuilder<$db>, scopes: &[Uuid], hidden: &[Uuid], today: &str, special: Option<&str>) {
                        qb.push(" WHERE p.status = 'approved' AND p.deadline >= ").push_bind(today.to_owned());
                        qb.push(" AND p.employer_id NOT IN (SELECT id FROM employers WHERE verification = 'blacklisted')");
                        if !hidden.is_empty() {
                            qb.push(" AND p.employer_id NOT IN (");
                            let mut sep = qb.separated(", ");
                            for h in hidden {
                                sep.push_bind(*h);
                            }
                            qb.push(")");
                        }
                        if let Some(sp) = special {
                            qb.push(" AND (',' || p.specials || ',') LIKE ").push_bind(format!("%,{},%", like_escape(sp))).push(" ESCAPE '\\'");
                        }
                        qb.push(" AND p.scope_org_id IN (");
                        let mut sep = qb.separated(", ");
                        for s in scopes {
                            sep.push_bind(*s);
                        }
                        qb.push(")");
                    }
                    let mut qb = QueryBuilder::<$db>::new("SELECT COUNT(*) FROM postings p");
                    filters(&mut qb, scopes, hidden, today, special);
                    let total: i64 = qb.build_query_scalar().fetch_one(db).await?;
                    let mut qb = QueryBuilder::<$db>::new(SELECT);
                    filters(&mut qb, scopes, hidden, today, special);
                    qb.push(" ORDER BY p.created_at DESC, p.id LIMIT ").push_bind(limit.clamp(1, crate::MAX_PAGE));
                    qb.push(" OFFSET ").push_bind(offset.max(0));
                    let rows = qb.build().fetch_all(db).await?;
                    Ok((rows.iter().map(row).collect::<Result<Vec<_>>>()?, total))
                }

                async fn add_posting_report(&self, posting: Uuid, reporter: Uuid, reason: &str) -> Result<bool> {
                    let n = sqlx::query(
                        "INSERT INTO posting_reports (id, posting_id, reporter_id, reason, created_at) VALUES ($1, $2, $3, $4, $5) \
                         ON CONFLICT (posting_id, reporter_id) DO NOTHING",
                    )
                    .bind(Uuid::now_v7())
                    .bind(posting)
                    .bind(reporter)
                    .bind(reason)
                    .bind(Utc::now())
                    .execute(&self.pool)
                    .await?
                    .rows_affected();
                    Ok(n == 1)
                }

                async fn posting_reports(&self, posting: Uuid) -> Result<Vec<(String, chrono::DateTime<Utc>)>> {
                    Ok(sqlx::query_as("SELECT reason, created_at FROM posting_reports WHERE posting_id = $1 ORDER BY created_at")
                        .bind(posting)
                        .fetch_all(&self.pool)
                        .await?)
                }

                async fn employers_posting_before(&self, scopes: &[Uuid], before: chrono::DateTime<Utc>) -> Result<Vec<(Uuid, Uuid)>> {
                    if scopes.is_empty() {
                        return Ok(Vec::new());
                    }
                    let mut qb = QueryBuilder::<$db>::new("SELECT DISTINCT scope_org_id, employer_id FROM postings WHERE created_at < ");
                    qb.push_bind(before).push(" AND scope_org_id IN (");
                    let mut sep = qb.separated(", ");
                    for s in scopes {
                        sep.push_bind(*s);
                    }
                    qb.push(")");
                    Ok(qb.build_query_as().fetch_all(&self.pool).await?)
                }

                async fn add_application(&self, id: Uuid, posting: Uuid, graduate: Uuid, note: Option<&str>, by: Uuid) -> Result<bool> {
                    let now = Utc::now();
                    let mut tx = self.pool.begin().await?;
                    let n = sqlx::query(
                        "INSERT INTO applications (id, posting_id, graduate_id, status, note, created_at, updated_at, version) \
                         VALUES ($1, $2, $3, 'submitted', $4, $5, $5, 1) ON CONFLICT (posting_id, graduate_id) DO NOTHING",
                    )
                    .bind(id)
                    .bind(posting)
                    .bind(graduate)
                    .bind(note)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    if n == 0 {
                        tx.rollback().await?;
                        return Ok(false);
                    }
                    record_event(&mut tx, id, ApplicationStatus::Submitted, now, by).await?;
                    tx.commit().await?;
                    Ok(true)
                }

                async fn application(&self, id: Uuid) -> Result<Option<ApplicationRow>> {
                    let sql = sqlx::AssertSqlSafe(format!("{APP_SELECT} WHERE a.id = $1"));
                    let r = sqlx::query(sql).bind(id).fetch_optional(&self.pool).await?;
                    r.as_ref().map(app_row).transpose()
                }

                async fn set_application_status(&self, id: Uuid, version: i64, status: ApplicationStatus, by: Uuid) -> Result<bool> {
                    let now = Utc::now();
                    let mut tx = self.pool.begin().await?;
                    let n = sqlx::query("UPDATE applications SET status = $3, updated_at = $4, version = version + 1 WHERE id = $1 AND version = $2")
                        .bind(id)
                        .bind(version)
                        .bind(status.id())
                        .bind(now)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    if n == 0 {
                        tx.rollback().await?;
                        return Ok(false);
                    }
                    record_event(&mut tx, id, status, now, by).await?;
                    tx.commit().await?;
                    Ok(true)
                }

                async fn applications_of_graduate(&self, graduate: Uuid) -> Result<Vec<ApplicationRow>> {
                    let sql = sqlx::AssertSqlSafe(format!("{APP_SELECT} WHERE a.graduate_id = $1 ORDER BY a.created_at DESC"));
                    let rows = sqlx::query(sql).bind(graduate).fetch_all(&self.pool).await?;
                    rows.iter().map(app_row).collect()
                }

                async fn applications_to_posting(&self, posting: Uuid) -> Result<Vec<ApplicationRow>> {
                    let sql = sqlx::AssertSqlSafe(format!("{APP_SELECT} WHERE a.posting_id = $1 ORDER BY a.created_at"));
                    let rows = sqlx::query(sql).bind(posting).fetch_all(&self.pool).await?;
                    rows.iter().map(app_row).collect()
                }

                async fn applications_to_employer(&self, employer: Uuid) -> Result<Vec<ApplicationRow>> {
                    let sql = sqlx::AssertSqlSafe(format!("{APP_SELECT} WHERE p.employer_id = $1 ORDER BY a.created_at DESC, a.id"));
                    let rows = sqlx::query(sql).bind(employer).fetch_all(&self.pool).await?;
                    rows.iter().map(app_row).collect()
                }

                async fn mark_application_seen(&self, id: Uuid, user: Uuid) -> Result<()> {
                    sqlx::query(
                        "INSERT INTO application_seen (application_id, user_id, seen_at) VALUES ($1, $2, $3) \
                         ON CONFLICT (application_id, user_id) DO UPDATE SET seen_at = excluded.seen_at",
                    )
                    .bind(id)
                    .bind(user)
                    .bind(Utc::now())
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn changed_applications(&self, user: Uuid, side: ApplicationSide, owner: Uuid) -> Result<Vec<Uuid>> {
                    let (whose, other, their_steps) = match side {
                        ApplicationSide::Graduate => ("a.graduate_id = $2", "employer", "'viewed', 'interview', 'offer', 'rejected'"),
                        ApplicationSide::Employer => {
                            ("a.posting_id IN (SELECT id FROM postings WHERE employer_id = $2)", "graduate", "'submitted', 'withdrawn'")
                        }
                    };
                    let sql = sqlx::AssertSqlSafe(format!(
                        "SELECT a.id FROM applications a \
                         LEFT JOIN application_seen s ON s.application_id = a.id AND s.user_id = $1 \
                         WHERE {whose} AND ( \
                           EXISTS (SELECT 1 FROM application_events e WHERE e.application_id = a.id \
                                   AND e.status IN ({their_steps}) AND (s.seen_at IS NULL OR e.at > s.seen_at)) \
                           OR EXISTS (SELECT 1 FROM application_messages m WHERE m.application_id = a.id \
                                   AND m.sender = '{other}' AND (s.seen_at IS NULL OR m.at > s.seen_at))) \
                         ORDER BY a.created_at DESC, a.id"
                    ));
                    Ok(sqlx::query_scalar(sql).bind(user).bind(owner).fetch_all(&self.pool).await?)
                }

                async fn application_events(&self, id: Uuid) -> Result<Vec<(ApplicationStatus, chrono::DateTime<Utc>)>> {
                    let rows: Vec<(String, chrono::DateTime<Utc>)> =
                        sqlx::query_as("SELECT status, at FROM application_events WHERE application_id = $1 ORDER BY at")
                            .bind(id)
                            .fetch_all(&self.pool)
                            .await?;
                    rows.into_iter().map(|(s, at)| Ok((application_status(s)?, at))).collect()
                }

                async fn add_application_message(&self, id: Uuid, sender: &str, body: &str) -> Result<()> {
                    sqlx::query("INSERT INTO application_messages (id, application_id, sender, body, at) VALUES ($1, $2, $3, $4, $5)")
                        .bind(Uuid::now_v7())
                        .bind(id)
                        .bind(sender)
                        .bind(body)
                        .bind(Utc::now())
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                async fn application_messages(&self, id: Uuid) -> Result<Vec<(String, String, chrono::DateTime<Utc>)>> {
                    Ok(sqlx::query_as("SELECT sender, body, at FROM application_messages WHERE application_id = $1 ORDER BY at, id")
                        .bind(id)
                        .fetch_all(&self.pool)
                        .await?)
                }

                async fn postings_of_employer(&self, employer_id: Uuid) -> Result<Vec<PostingRow>> {
                    let sql = sqlx::AssertSqlSafe(format!("{SELECT} WHERE p.employer_id = $1 ORDER BY p.created_at DESC, p.id"));
                    let rows = sqlx::query(sql).bind(employer_id).fetch_all(&self.pool).await?;
                    rows.iter().map(row).collect()
                }

                async fn withdraw_posting(&self, id: Uuid, version: i64) -> Result<bool> {
                    let n = sqlx::query(
                        "UPDATE postings SET status = 'withdrawn', updated_at = $3, version = version + 1 \
                         WHERE id = $1 AND version = $2 AND status <> 'withdrawn'",
                    )
                    .bind(id)
                    .bind(version)
                    .bind(Utc::now())
                    .execute(&self.pool)
                    .await?
                    .rows_affected();
                    Ok(n == 1)
                }

                async fn set_application_resume(&self, id: Uuid, stored: &str, content_type: &str, bytes: i64) -> Result<Option<String>> {
                    let mut tx = self.pool.begin().await?;
                    let before: Option<Option<String>> = sqlx::query_scalar("SELECT resume_stored FROM applications WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?;
                    sqlx::query("UPDATE applications SET resume_stored = $2, resume_type = $3, resume_bytes = $4, updated_at = $5 WHERE id = $1")
                        .bind(id)
                        .bind(stored)
                        .bind(content_type)
                        .bind(bytes)
                        .bind(Utc::now())
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(before.flatten())
                }

                async fn resume_files(&self) -> Result<Vec<(Uuid, String)>> {
                    let rows = sqlx::query(
                        "SELECT id, resume_stored FROM applications WHERE resume_stored IS NOT NULL ORDER BY id",
                    )
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter().map(|r| Ok((r.try_get("id")?, r.try_get("resume_stored")?))).collect()
                }

                async fn set_talent_optin(&self, graduate: Uuid, open: bool) -> Result<()> {
                    if open {
                        sqlx::query("INSERT INTO talent_optins (graduate_id, since) VALUES ($1, $2) ON CONFLICT (graduate_id) DO NOTHING")
                            .bind(graduate)
                            .bind(Utc::now())
                            .execute(&self.pool)
                            .await?;
                    } else {
                        sqlx::query("DELETE FROM talent_optins WHERE graduate_id = $1").bind(graduate).execute(&self.pool).await?;
                    }
                    Ok(())
                }

                async fn talent_optin(&self, graduate: Uuid) -> Result<bool> {
                    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM talent_optins WHERE graduate_id = $1")
                        .bind(graduate)
                        .fetch_one(&self.pool)
                        .await?;
                    Ok(n > 0)
                }

                async fn talent(&self, limit: i64, offset: i64) -> Result<(Vec<crate::postings::TalentRow>, i64)> {
                    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM talent_optins").fetch_one(&self.pool).await?;
                    let rows = sqlx::query(
                        "SELECT g.id, g.name, g.education_level, g.cohort, pr.name AS programme_name, u.name AS university_name, t.since \
                         FROM talent_optins t JOIN graduates g ON g.id = t.graduate_id JOIN orgs pr ON pr.id = g.programme_id \
                         JOIN orgs u ON u.id = g.org_id ORDER BY t.since DESC, g.id LIMIT $1 OFFSET $2",
                    )
                    .bind(limit.clamp(1, crate::MAX_PAGE))
                    .bind(offset.max(0))
                    .fetch_all(&self.pool)
                    .await?;
                    let out = rows
                        .iter()
                        .map(|r| {
                            Ok(crate::postings::TalentRow {
                                graduate_id: r.try_get("id")?,
                                name: r.try_get("name")?,
                                education_level: r.try_get("education_level")?,
                                cohort: r.try_get("cohort")?,
                                programme_name: r.try_get("programme_name")?,
                                university_name: r.try_get("university_name")?,
                                since: r.try_get("since")?,
                            })
                        })
                        .collect::<Result<Vec<_>>>()?;
                    Ok((out, total))
                }
            }
        }
    };
}

pub(crate) use postings_impl;
