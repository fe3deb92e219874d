//! Storage of person–job matching (人岗匹配): intentions and résumé text, feedback on
//! recommendations, each graduate's stored top matches, and employers' invitations. Who may
//! read or write any of it is decided above this module.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::Result;

/// A graduate's intentions as stored: lists are comma-separated codes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IntentionsRecord {
    pub graduate_id: Uuid,
    pub regions: String,
    pub industries: String,
    pub occupations: String,
    pub employer_types: String,
    pub pay_min: Option<i64>,
    pub pay_max: Option<i64>,
    /// `any`, `full_time` or `internship`.
    pub work: String,
    pub skills: String,
    pub certificates: String,
    /// Text read from the graduate's résumé PDF.
    pub resume_text: String,
    pub updated_at: DateTime<Utc>,
}

/// What matching reads of a graduate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatchProfile {
    pub graduate_id: Uuid,
    pub name: String,
    pub university_id: Uuid,
    pub university_name: String,
    pub college_id: Uuid,
    pub programme_name: String,
    /// Path of the programme in the tree (the graduate's place for access checks).
    pub programme_path: String,
    pub major_code: Option<String>,
    pub education_level: String,
    pub cohort: i32,
    pub origin_region: String,
    pub university_province: Option<String>,
    /// Lets verified employers find them (the talent list).
    pub opted_in: bool,
    /// Has an open hardship file.
    pub hardship: bool,
    pub intentions: Option<IntentionsRecord>,
}

/// One stored match of a graduate.
#[derive(Clone, Debug, PartialEq)]
pub struct MatchRow {
    pub rank: i32,
    pub posting_id: Uuid,
    pub score: f64,
    /// The reasons as JSON.
    pub reasons: String,
    pub computed_at: DateTime<Utc>,
}

/// An employer's invitation of a graduate to a posting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvitationRecord {
    pub id: Uuid,
    pub posting_id: Uuid,
    pub graduate_id: Uuid,
    pub employer_id: Uuid,
    pub message: String,
    /// `pending`, `accepted` or `declined`.
    pub status: String,
    pub invited_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
}

/// An invitation with the names people see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvitationRow {
    pub invitation: InvitationRecord,
    pub posting_title: String,
    pub employer_name: String,
    pub graduate_name: String,
}

/// Per college: graduates, those with at least the asked number of stored matches, and the
/// same for graduates with an open hardship file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoverageRow {
    pub college_id: Uuid,
    pub college_name: String,
    pub graduates: i64,
    pub covered: i64,
    pub hardship: i64,
    pub hardship_covered: i64,
}

#[async_trait]
pub trait MatchingStore: Send + Sync {
    async fn match_profile(&self, graduate: Uuid) -> Result<Option<MatchProfile>>;
    /// Graduates with an id after `after`, in id order (hardship files included): what
    /// `match --all` walks.
    async fn match_profiles_after(&self, after: Option<Uuid>, limit: i64) -> Result<Vec<MatchProfile>>;
    /// Graduates an employer may be shown for a posting: those who opted in, and those who
    /// applied to it (at most `limit`).
    async fn candidate_profiles(&self, posting: Uuid, limit: i64) -> Result<Vec<MatchProfile>>;
    /// Replaces the intentions, keeping the résumé text.
    async fn set_intentions(&self, i: &IntentionsRecord) -> Result<()>;
    /// Replaces the résumé text, keeping the intentions.
    async fn set_resume_text(&self, graduate: Uuid, text: &str, at: DateTime<Utc>) -> Result<()>;
    /// (posting, feedback id) of a graduate.
    async fn match_feedback(&self, graduate: Uuid) -> Result<Vec<(Uuid, String)>>;
    async fn set_match_feedback(&self, graduate: Uuid, posting: Uuid, feedback: &str, at: DateTime<Utc>) -> Result<()>;
    /// Replaces the stored matches of each graduate given (one transaction per call).
    async fn replace_matches(&self, batch: &[(Uuid, Vec<MatchRow>)]) -> Result<()>;
    /// A graduate's stored matches, by rank.
    async fn matches(&self, graduate: Uuid) -> Result<Vec<MatchRow>>;
    /// Per college at or under `paths` (of `cohort`, when given): graduates and those with at
    /// least `min` stored matches.
    async fn match_coverage(&self, paths: &[String], cohort: Option<i32>, min: i64) -> Result<Vec<CoverageRow>>;
    /// Records an invitation; false when this graduate was already invited to this posting.
    async fn add_invitation(&self, i: &InvitationRecord) -> Result<bool>;
    async fn invitation(&self, id: Uuid) -> Result<Option<InvitationRow>>;
    /// Answers a pending invitation; false when it is not pending any more.
    async fn answer_invitation(&self, id: Uuid, status: &str, at: DateTime<Utc>) -> Result<bool>;
    /// A graduate's invitations, newest first.
    async fn invitations_of_graduate(&self, graduate: Uuid) -> Result<Vec<InvitationRow>>;
    /// A posting's invitations, newest first.
    async fn invitations_of_posting(&self, posting: Uuid) -> Result<Vec<InvitationRow>>;
}

macro_rules! matching_impl {
    ($store:ty, $db:ty) => {
        mod matching_impl {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use sqlx::{QueryBuilder, Row};
            use uuid::Uuid;

            use super::*;
            use crate::Result;
            use crate::matching::{
                CoverageRow, IntentionsRecord, InvitationRecord, InvitationRow, MatchProfile, MatchRow, MatchingStore,
            };

            const PROFILE: &str = "SELECT g.id, g.name, g.org_id, g.college_id, g.education_level, g.cohort, \
                 g.origin_region, pr.major_code, pr.name AS programme_name, pr.path AS programme_path, \
                 u.name AS university_name, u.province_code, \
                 (SELECT COUNT(*) FROM talent_optins t WHERE t.graduate_id = g.id) AS opted, \
                 (SELECT COUNT(*) FROM hardship_files h WHERE h.graduate_id = g.id AND h.case_state <> 'closed') AS hardship, \
                 i.graduate_id AS i_graduate, i.regions, i.industries, i.occupations, i.employer_types, i.pay_min, \
                 i.pay_max, i.work, i.skills, i.certificates, i.resume_text, i.updated_at AS i_updated \
                 FROM graduates g JOIN orgs pr ON pr.id = g.programme_id JOIN orgs u ON u.id = g.org_id \
                 LEFT JOIN match_intentions i ON i.graduate_id = g.id";

            fn profile(r: &<$db as sqlx::Database>::Row) -> Result<MatchProfile> {
                let has: Option<Uuid> = r.try_get("i_graduate")?;
                let intentions = match has {
                    Some(graduate_id) => Some(IntentionsRecord {
                        graduate_id,
                        regions: r.try_get("regions")?,
                        industries: r.try_get("industries")?,
                        occupations: r.try_get("occupations")?,
                        employer_types: r.try_get("employer_types")?,
                        pay_min: r.try_get("pay_min")?,
                        pay_max: r.try_get("pay_max")?,
                        work: r.try_get("work")?,
                        skills: r.try_get("skills")?,
                        certificates: r.try_get("certificates")?,
                        resume_text: r.try_get("resume_text")?,
                        updated_at: r.try_get("i_updated")?,
                    }),
                    None => None,
                };
                Ok(MatchProfile {
                    graduate_id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    university_id: r.try_get("org_id")?,
                    university_name: r.try_get("university_name")?,
                    college_id: r.try_get("college_id")?,
                    programme_name: r.try_get("programme_name")?,
                    programme_path: r.try_get("programme_path")?,
                    major_code: r.try_get("major_code")?,
                    education_level: r.try_get("education_level")?,
                    cohort: r.try_get::<i32, _>("cohort")?,
                    origin_region: r.try_get("origin_region")?,
                    university_province: r.try_get("province_code")?,
                    opted_in: r.try_get::<i64, _>("opted")? > 0,
                    hardship: r.try_get::<i64, _>("hardship")? > 0,
                    intentions,
                })
            }

            const INVITATION: &str = "SELECT v.id, v.posting_id, v.graduate_id, v.employer_id, v.message, v.status, \
                 v.invited_by, v.created_at, v.answered_at, p.title AS posting_title, e.name AS employer_name, \
                 g.name AS graduate_name FROM match_invitations v JOIN postings p ON p.id = v.posting_id \
                 JOIN employers e ON e.id = v.employer_id JOIN graduates g ON g.id = v.graduate_id";

            fn invitation(r: &<$db as sqlx::Database>::Row) -> Result<InvitationRow> {
                Ok(InvitationRow {
                    invitation: InvitationRecord {
                        id: r.try_get("id")?,
                        posting_id: r.try_get("posting_id")?,
                        graduate_id: r.try_get("graduate_id")?,
                        employer_id: r.try_get("employer_id")?,
                        message: r.try_get("message")?,
                        status: r.try_get("status")?,
                        invited_by: r.try_get("invited_by")?,
                        created_at: r.try_get("created_at")?,
                        answered_at: r.try_get("answered_at")?,
                    },
                    posting_title: r.try_get("posting_title")?,
                    employer_name: r.try_get("employer_name")?,
                    graduate_name: r.try_get("graduate_name")?,
                })
            }

            #[async_trait]
            impl MatchingStore for $store {
                async fn match_profile(&self, graduate: Uuid) -> Result<Option<MatchProfile>> {
                    let q = format!("{PROFILE} WHERE g.id = $1");
                    let row = sqlx::query(sqlx::AssertSqlSafe(q)).bind(graduate).fetch_optional(&self.pool).await?;
                    row.as_ref().map(profile).transpose()
                }

                async fn match_profiles_after(&self, after: Option<Uuid>, limit: i64) -> Result<Vec<MatchProfile>> {
                    let mut qb = QueryBuilder::<$db>::new(PROFILE);
                    if let Some(a) = after {
                        qb.push(" WHERE g.id > ").push_bind(a);
                    }
                    qb.push(" ORDER BY g.id LIMIT ").push_bind(limit.clamp(1, 10_000));
                    let rows = qb.build().fetch_all(&self.pool).await?;
                    rows.iter().map(profile).collect()
                }

                async fn candidate_profiles(&self, posting: Uuid, limit: i64) -> Result<Vec<MatchProfile>> {
                    let q = format!(
                        "{PROFILE} WHERE g.id IN (SELECT graduate_id FROM talent_optins) \
                         OR g.id IN (SELECT graduate_id FROM applications WHERE posting_id = $1) \
                         ORDER BY g.id LIMIT $2"
                    );
                    let rows = sqlx::query(sqlx::AssertSqlSafe(q))
                        .bind(posting)
                        .bind(limit.clamp(1, 20_000))
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter().map(profile).collect()
                }

                async fn set_intentions(&self, i: &IntentionsRecord) -> Result<()> {
                    sqlx::query(
                        "INSERT INTO match_intentions (graduate_id, regions, industries, occupations, employer_types, \
                         pay_min, pay_max, work, skills, certificates, resume_text, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, '', $11) \
                         ON CONFLICT (graduate_id) DO UPDATE SET regions = excluded.regions, \
                         industries = excluded.industries, occupations = excluded.occupations, \
                         employer_types = excluded.employer_types, pay_min = excluded.pay_min, \
                         pay_max = excluded.pay_max, work = excluded.work, skills = excluded.skills, \
                         certificates = excluded.certificates, updated_at = excluded.updated_at",
                    )
                    .bind(i.graduate_id)
                    .bind(&i.regions)
                    .bind(&i.industries)
                    .bind(&i.occupations)
                    .bind(&i.employer_types)
                    .bind(i.pay_min)
                    .bind(i.pay_max)
                    .bind(&i.work)
                    .bind(&i.skills)
                    .bind(&i.certificates)
                    .bind(i.updated_at)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn set_resume_text(&self, graduate: Uuid, text: &str, at: DateTime<Utc>) -> Result<()> {
                    sqlx::query(
                        "INSERT INTO match_intentions (graduate_id, resume_text, updated_at) VALUES ($1, $2, $3) \
                         ON CONFLICT (graduate_id) DO UPDATE SET resume_text = excluded.resume_text, \
                         updated_at = excluded.updated_at",
                    )
                    .bind(graduate)
                    .bind(text)
                    .bind(at)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn match_feedback(&self, graduate: Uuid) -> Result<Vec<(Uuid, String)>> {
                    let rows = sqlx::query("SELECT posting_id, feedback FROM match_feedback WHERE graduate_id = $1")
                        .bind(graduate)
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter().map(|r| Ok((r.try_get("posting_id")?, r.try_get("feedback")?))).collect()
                }

                async fn set_match_feedback(
                    &self,
                    graduate: Uuid,
                    posting: Uuid,
                    feedback: &str,
                    at: DateTime<Utc>,
                ) -> Result<()> {
                    sqlx::query(
                        "INSERT INTO match_feedback (graduate_id, posting_id, feedback, at) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (graduate_id, posting_id) DO UPDATE SET feedback = excluded.feedback, at = excluded.at",
                    )
                    .bind(graduate)
                    .bind(posting)
                    .bind(feedback)
                    .bind(at)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn replace_matches(&self, batch: &[(Uuid, Vec<MatchRow>)]) -> Result<()> {
                    let mut tx = self.pool.begin().await?;
                    for (graduate, rows) in batch {
                        sqlx::query("DELETE FROM match_results WHERE graduate_id = $1")
                            .bind(*graduate)
                            .execute(&mut *tx)
                            .await?;
                        for chunk in rows.chunks(100) {
                            let mut qb = QueryBuilder::<$db>::new(
                                "INSERT INTO match_results (graduate_id, rank, posting_id, score, reasons, computed_at) ",
                            );
                            qb.push_values(chunk, |mut b, m| {
                                b.push_bind(*graduate)
                                    .push_bind(m.rank)
                                    .push_bind(m.posting_id)
                                    .push_bind(m.score)
                                    .push_bind(m.reasons.clone())
                                    .push_bind(m.computed_at);
                            });
                            qb.build().execute(&mut *tx).await?;
                        }
                    }
                    tx.commit().await?;
                    Ok(())
                }

                async fn matches(&self, graduate: Uuid) -> Result<Vec<MatchRow>> {
                    let rows = sqlx::query(
                        "SELECT rank, posting_id, score, reasons, computed_at FROM match_results \
                         WHERE graduate_id = $1 ORDER BY rank",
                    )
                    .bind(graduate)
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter()
                        .map(|r| {
                            Ok(MatchRow {
                                rank: r.try_get("rank")?,
                                posting_id: r.try_get("posting_id")?,
                                score: r.try_get("score")?,
                                reasons: r.try_get("reasons")?,
                                computed_at: r.try_get("computed_at")?,
                            })
                        })
                        .collect()
                }

                async fn match_coverage(&self, paths: &[String], cohort: Option<i32>, min: i64) -> Result<Vec<CoverageRow>> {
                    let mut qb = QueryBuilder::<$db>::new(
                        "SELECT c.id, c.name, COUNT(*) AS graduates, \
                         SUM(CASE WHEN (SELECT COUNT(*) FROM match_results m WHERE m.graduate_id = g.id) >= ",
                    );
                    qb.push_bind(min);
                    qb.push(
                        " THEN 1 ELSE 0 END) AS covered, \
                         SUM(CASE WHEN EXISTS (SELECT 1 FROM hardship_files h WHERE h.graduate_id = g.id \
                         AND h.case_state <> 'closed') THEN 1 ELSE 0 END) AS hardship, \
                         SUM(CASE WHEN EXISTS (SELECT 1 FROM hardship_files h WHERE h.graduate_id = g.id \
                         AND h.case_state <> 'closed') AND (SELECT COUNT(*) FROM match_results m \
                         WHERE m.graduate_id = g.id) >= ",
                    );
                    qb.push_bind(min);
                    qb.push(
                        " THEN 1 ELSE 0 END) AS hardship_covered \
                         FROM graduates g JOIN orgs c ON c.id = g.college_id JOIN orgs p ON p.id = g.programme_id WHERE ",
                    );
                    crate::common::push_under(&mut qb, &["p.path"], paths);
                    if let Some(c) = cohort {
                        qb.push(" AND g.cohort = ").push_bind(c);
                    }
                    qb.push(" GROUP BY c.id, c.name ORDER BY c.name");
                    let rows = qb.build().fetch_all(&self.pool).await?;
                    rows.iter()
                        .map(|r| {
                            Ok(CoverageRow {
                                college_id: r.try_get("id")?,
                                college_name: r.try_get("name")?,
                                graduates: r.try_get("graduates")?,
                                covered: r.try_get::<Option<i64>, _>("covered")?.unwrap_or(0),
                                hardship: r.try_get::<Option<i64>, _>("hardship")?.unwrap_or(0),
                                hardship_covered: r.try_get::<Option<i64>, _>("hardship_covered")?.unwrap_or(0),
                            })
                        })
                        .collect()
                }

                async fn add_invitation(&self, i: &InvitationRecord) -> Result<bool> {
                    let done = sqlx::query(
                        "INSERT INTO match_invitations (id, posting_id, graduate_id, employer_id, message, status, \
                         invited_by, created_at, answered_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                         ON CONFLICT (posting_id, graduate_id) DO NOTHING",
                    )
                    .bind(i.id)
                    .bind(i.posting_id)
                    .bind(i.graduate_id)
                    .bind(i.employer_id)
                    .bind(&i.message)
                    .bind(&i.status)
                    .bind(i.invited_by)
                    .bind(i.created_at)
                    .bind(i.answered_at)
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn invitation(&self, id: Uuid) -> Result<Option<InvitationRow>> {
                    let q = format!("{INVITATION} WHERE v.id = $1");
                    let row = sqlx::query(sqlx::AssertSqlSafe(q)).bind(id).fetch_optional(&self.pool).await?;
                    row.as_ref().map(invitation).transpose()
                }

                async fn answer_invitation(&self, id: Uuid, status: &str, at: DateTime<Utc>) -> Result<bool> {
                    let done = sqlx::query(
                        "UPDATE match_invitations SET status = $1, answered_at = $2 WHERE id = $3 AND status = 'pending'",
                    )
                    .bind(status)
                    .bind(at)
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn invitations_of_graduate(&self, graduate: Uuid) -> Result<Vec<InvitationRow>> {
                    let q = format!("{INVITATION} WHERE v.graduate_id = $1 ORDER BY v.created_at DESC, v.id");
                    let rows = sqlx::query(sqlx::AssertSqlSafe(q)).bind(graduate).fetch_all(&self.pool).await?;
                    rows.iter().map(invitation).collect()
                }

                async fn invitations_of_posting(&self, posting: Uuid) -> Result<Vec<InvitationRow>> {
                    let q = format!("{INVITATION} WHERE v.posting_id = $1 ORDER BY v.created_at DESC, v.id");
                    let rows = sqlx::query(sqlx::AssertSqlSafe(q)).bind(posting).fetch_all(&self.pool).await?;
                    rows.iter().map(invitation).collect()
                }
            }
        }
    };
}
pub(crate) use matching_impl;
