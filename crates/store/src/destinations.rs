//! Storage for destination registration: the current record per graduate (mirrored on the
//! graduate row for statistics), every version with who and when, evidence files' metadata,
//! disputes, the minimum-wage table, and the raw material of the integrity checks.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use jiuye_domain::Graduate;
use jiuye_domain::destination::{DestStatus, Registration};
use uuid::Uuid;

use crate::Result;

/// A graduate with where they sit in the tree (for scope checks and display).
#[derive(Clone, Debug, PartialEq)]
pub struct GraduateView {
    pub graduate: Graduate,
    pub programme_path: String,
    pub programme_name: String,
    pub college_name: String,
    pub university_name: String,
}

/// The current destination record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DestinationRecord {
    pub graduate_id: Uuid,
    pub org_id: Uuid,
    pub status: DestStatus,
    pub registration: Registration,
    pub return_reason: Option<String>,
    pub college_reviewer: Option<Uuid>,
    pub university_reviewer: Option<Uuid>,
    pub registered_by: Option<Uuid>,
    /// `graduate`, `staff` (registered on the graduate's behalf) or `import`.
    pub source: String,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub confirmed_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionRecord {
    pub version: i64,
    pub action: String,
    pub status: DestStatus,
    pub snapshot: String,
    pub actor_name: Option<String>,
    pub at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvidenceRecord {
    pub id: Uuid,
    pub graduate_id: Uuid,
    pub org_id: Uuid,
    pub kind: String,
    pub stored_name: String,
    pub original_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_by: Option<Uuid>,
    pub uploaded_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisputeRecord {
    pub id: Uuid,
    pub graduate_id: Uuid,
    pub org_id: Uuid,
    pub text: String,
    pub status: String,
    pub answer: Option<String>,
    pub answered_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
}

/// A graduate in a list (review queue, graduates without a destination).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraduateListItem {
    pub id: Uuid,
    pub student_no: String,
    pub name: String,
    pub college_name: String,
    pub programme_name: String,
    pub cohort: i32,
    pub dest_code: Option<String>,
    pub dest_status: DestStatus,
    /// Counselor follow-up: `not_contacted`, `contacted`, `needs_help` or `unreachable`.
    pub contact_state: String,
    pub contacted_at: Option<DateTime<Utc>>,
}

/// The follow-up states a counselor records.
pub const CONTACT_STATES: [&str; 4] = ["not_contacted", "contacted", "needs_help", "unreachable"];

#[derive(Clone, Debug, Default)]
pub struct GraduateQuery {
    pub scope_paths: Vec<String>,
    /// Narrow to one subtree (checked by the caller).
    pub org_path: Option<String>,
    pub cohort: Option<i32>,
    pub status: Option<DestStatus>,
    /// Only graduates without a placed, counted destination.
    pub unplaced: bool,
    /// Only graduates nobody followed up with since then (never, or last before it).
    pub not_contacted_since: Option<DateTime<Utc>>,
    pub q: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

/// A row for the integrity checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IntegrityRow {
    pub graduate_id: Uuid,
    pub student_no: String,
    pub name: String,
    pub code: String,
    pub status: DestStatus,
    pub employer_name: Option<String>,
    pub credit_code: Option<String>,
    pub source: String,
    pub registered_by: Option<Uuid>,
    pub registered_by_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub evidence_count: i64,
    /// Versions after the graduate first confirmed.
    pub changes_after_confirmation: i64,
}

#[async_trait]
pub trait Destinations: Send + Sync {
    async fn graduate_view(&self, id: Uuid) -> Result<Option<GraduateView>>;
    /// Bulk-inserts destination records (generated data); existing ones are left alone.
    async fn insert_destinations(&self, records: &[DestinationRecord]) -> Result<u64>;
    /// The graduate a `graduate` grant points at.
    async fn destination(&self, graduate_id: Uuid) -> Result<Option<DestinationRecord>>;
    /// Writes the record, mirrors code and status on the graduate row and appends a version,
    /// all in one transaction. `expected_version` guards against two people editing at once
    /// (`Ok(false)` when the stored version moved on).
    async fn save_destination(
        &self,
        record: &DestinationRecord,
        expected_version: Option<i64>,
        action: &str,
        actor: Option<(Uuid, String)>,
    ) -> Result<bool>;
    async fn destination_versions(&self, graduate_id: Uuid) -> Result<Vec<VersionRecord>>;
    async fn add_evidence(&self, e: &EvidenceRecord) -> Result<()>;
    async fn evidence_of(&self, graduate_id: Uuid) -> Result<Vec<EvidenceRecord>>;
    async fn evidence(&self, id: Uuid) -> Result<Option<EvidenceRecord>>;
    async fn add_dispute(&self, d: &DisputeRecord) -> Result<()>;
    async fn disputes_of(&self, graduate_id: Uuid) -> Result<Vec<DisputeRecord>>;
    async fn dispute(&self, id: Uuid) -> Result<Option<DisputeRecord>>;
    async fn answer_dispute(&self, id: Uuid, answer: &str, by: Uuid) -> Result<bool>;
    /// Open disputes of graduates inside the scope.
    async fn open_disputes(&self, scope_paths: &[String]) -> Result<Vec<(DisputeRecord, GraduateListItem)>>;
    /// The id, text and answer of at most `limit` disputes whose id comes after `after`, in id
    /// order (to seal them again, page by page).
    async fn dispute_texts(&self, after: Uuid, limit: i64) -> Result<Vec<(Uuid, String, Option<String>)>>;
    /// Replaces a dispute's text and answer with `text` and `answer` when they still are
    /// `was_text` and `was_answer`; false (nothing written) when they changed meanwhile.
    async fn replace_dispute_texts(
        &self,
        id: Uuid,
        was_text: &str,
        was_answer: Option<&str>,
        text: &str,
        answer: Option<&str>,
    ) -> Result<bool>;
    /// The id and stored file name of every evidence file.
    async fn evidence_files(&self) -> Result<Vec<(Uuid, String)>>;
    async fn list_graduates(&self, q: &GraduateQuery) -> Result<(Vec<GraduateListItem>, i64)>;
    /// Records a counselor's follow-up with a graduate.
    async fn set_contact(&self, graduate_id: Uuid, state: &str, by: Uuid) -> Result<()>;
    async fn integrity_rows(&self, org_path: &str, cohort: i32) -> Result<Vec<IntegrityRow>>;

    /// The date after which a university's cohort can no longer be corrected, if set.
    async fn cohort_closing(&self, university_id: Uuid, cohort: i32) -> Result<Option<String>>;
    async fn set_cohort_closing(&self, university_id: Uuid, cohort: i32, closes_on: &str) -> Result<()>;

    async fn min_wage(&self, province_code: &str) -> Result<Option<i64>>;
    async fn min_wages(&self) -> Result<Vec<(String, i64, String, String)>>;
    async fn set_min_wage(&self, province_code: &str, monthly_yuan: i64, effective: &str, source: &str) -> Result<()>;
    /// Loads shipped figures for provinces that have none yet (edits are never overwritten).
    async fn seed_min_wages(&self, rows: &[(String, i64, String)]) -> Result<u64>;
}

macro_rules! destinations_impl {
    ($store:ty, $db:ty) => {
        mod destinations_impl {
            use async_trait::async_trait;
            use chrono::Utc;
            use jiuye_domain::destination::{DestStatus, Registration};
            use sqlx::{QueryBuilder, Row};
            use uuid::Uuid;

            use super::*;
            use crate::Result;
            use crate::destinations::{
                DestinationRecord, Destinations, DisputeRecord, EvidenceRecord, GraduateListItem, GraduateQuery,
                GraduateView, IntegrityRow, VersionRecord,
            };

            type DbRow = <$db as sqlx::Database>::Row;

            fn status(s: &str) -> Result<DestStatus> {
                DestStatus::from_id(s).ok_or_else(|| crate::common::corrupt("destination status", s))
            }

            const DEST_COLUMNS: &str = "graduate_id, org_id, code, status, employer_name, credit_code, \
                 employer_region, employer_type, employer_industry, monthly_pay, proof_kind, statement_signed, note, \
                 return_reason, college_reviewer, university_reviewer, registered_by, source, version, created_at, \
                 updated_at, confirmed_at";

            fn dest_row(r: &DbRow) -> Result<DestinationRecord> {
                let s: String = r.try_get("status")?;
                Ok(DestinationRecord {
                    graduate_id: r.try_get("graduate_id")?,
                    org_id: r.try_get("org_id")?,
                    status: status(&s)?,
                    registration: Registration {
                        code: r.try_get("code")?,
                        employer_name: r.try_get("employer_name")?,
                        credit_code: r.try_get("credit_code")?,
                        employer_region: r.try_get("employer_region")?,
                        employer_type: r.try_get("employer_type")?,
                        employer_industry: r.try_get("employer_industry")?,
                        monthly_pay: r.try_get("monthly_pay")?,
                        proof_kind: r.try_get("proof_kind")?,
                        statement_signed: r.try_get("statement_signed")?,
                        note: r.try_get("note")?,
                    },
                    return_reason: r.try_get("return_reason")?,
                    college_reviewer: r.try_get("college_reviewer")?,
                    university_reviewer: r.try_get("university_reviewer")?,
                    registered_by: r.try_get("registered_by")?,
                    source: r.try_get("source")?,
                    version: r.try_get("version")?,
                    created_at: r.try_get("created_at")?,
                    updated_at: r.try_get("updated_at")?,
                    confirmed_at: r.try_get("confirmed_at")?,
                })
            }

            const EVIDENCE_COLUMNS: &str = "id, graduate_id, org_id, kind, stored_name, original_name, content_type, \
                 size_bytes, sha256, uploaded_by, uploaded_at";

            fn evidence_row(r: &DbRow) -> Result<EvidenceRecord> {
                Ok(EvidenceRecord {
                    id: r.try_get("id")?,
                    graduate_id: r.try_get("graduate_id")?,
                    org_id: r.try_get("org_id")?,
                    kind: r.try_get("kind")?,
                    stored_name: r.try_get("stored_name")?,
                    original_name: r.try_get("original_name")?,
                    content_type: r.try_get("content_type")?,
                    size_bytes: r.try_get("size_bytes")?,
                    sha256: r.try_get("sha256")?,
                    uploaded_by: r.try_get("uploaded_by")?,
                    uploaded_at: r.try_get("uploaded_at")?,
                })
            }

            const DISPUTE_COLUMNS: &str =
                "d.id, d.graduate_id, d.org_id, d.text, d.status, d.answer, d.answered_by, d.created_at, d.answered_at";

            fn dispute_row(r: &DbRow) -> Result<DisputeRecord> {
                Ok(DisputeRecord {
                    id: r.try_get("id")?,
                    graduate_id: r.try_get("graduate_id")?,
                    org_id: r.try_get("org_id")?,
                    text: r.try_get("text")?,
                    status: r.try_get("status")?,
                    answer: r.try_get("answer")?,
                    answered_by: r.try_get("answered_by")?,
                    created_at: r.try_get("created_at")?,
                    answered_at: r.try_get("answered_at")?,
                })
            }

            const LIST_SELECT: &str = "SELECT g.id, g.student_no, g.name, c.name AS college_name, \
                 p.name AS programme_name, g.cohort, g.dest_code, g.dest_status, g.contact_state, g.contacted_at \
                 FROM graduates g \
                 JOIN orgs p ON p.id = g.programme_id JOIN orgs c ON c.id = g.college_id";

            fn list_row(r: &DbRow) -> Result<GraduateListItem> {
                let s: String = r.try_get("dest_status")?;
                Ok(GraduateListItem {
                    id: r.try_get("id")?,
                    student_no: r.try_get("student_no")?,
                    name: r.try_get("name")?,
                    college_name: r.try_get("college_name")?,
                    programme_name: r.try_get("programme_name")?,
                    cohort: r.try_get("cohort")?,
                    dest_code: r.try_get("dest_code")?,
                    dest_status: status(&s)?,
                    contact_state: r.try_get("contact_state")?,
                    contacted_at: r.try_get("contacted_at")?,
                })
            }

            #[async_trait]
            impl Destinations for $store {
                async fn graduate_view(&self, id: Uuid) -> Result<Option<GraduateView>> {
                    let row = sqlx::query(
                        "SELECT g.id, g.org_id, g.college_id, g.programme_id, g.student_no, g.name, g.gender, \
                         g.education_level, g.cohort, g.origin_region, g.dest_code, g.dest_status, g.dest_updated_at, g.origin_node, \
                         g.version, p.path AS programme_path, p.name AS programme_name, c.name AS college_name, \
                         u.name AS university_name FROM graduates g JOIN orgs p ON p.id = g.programme_id \
                         JOIN orgs c ON c.id = g.college_id JOIN orgs u ON u.id = g.org_id WHERE g.id = $1",
                    )
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                    let Some(r) = row else { return Ok(None) };
                    Ok(Some(GraduateView {
                        graduate: graduate_row(&r)?,
                        programme_path: r.try_get("programme_path")?,
                        programme_name: r.try_get("programme_name")?,
                        college_name: r.try_get("college_name")?,
                        university_name: r.try_get("university_name")?,
                    }))
                }

                async fn insert_destinations(&self, records: &[DestinationRecord]) -> Result<u64> {
                    let mut n = 0;
                    let mut tx = self.pool.begin().await?;
                    for chunk in records.chunks(crate::common::CHUNK) {
                        let mut qb = QueryBuilder::<$db>::new(
                            "INSERT INTO destinations (graduate_id, org_id, code, status, employer_name, credit_code, \
                             employer_region, employer_type, employer_industry, monthly_pay, proof_kind, statement_signed, \
                             source, version, created_at, updated_at, confirmed_at) ",
                        );
                        qb.push_values(chunk, |mut b, d| {
                            let r = &d.registration;
                            b.push_bind(d.graduate_id)
                                .push_bind(d.org_id)
                                .push_bind(r.code.clone())
                                .push_bind(d.status.id())
                                .push_bind(r.employer_name.clone())
                                .push_bind(r.credit_code.clone())
                                .push_bind(r.employer_region.clone())
                                .push_bind(r.employer_type.clone())
                                .push_bind(r.employer_industry.clone())
                                .push_bind(r.monthly_pay)
                                .push_bind(r.proof_kind.clone())
                                .push_bind(r.statement_signed)
                                .push_bind(d.source.clone())
                                .push_bind(d.version)
                                .push_bind(d.created_at)
                                .push_bind(d.updated_at)
                                .push_bind(d.confirmed_at);
                        });
                        qb.push(" ON CONFLICT DO NOTHING");
                        n += qb.build().execute(&mut *tx).await?.rows_affected();
                    }
                    tx.commit().await?;
                    Ok(n)
                }

                async fn destination(&self, graduate_id: Uuid) -> Result<Option<DestinationRecord>> {
                    let sql = sqlx::AssertSqlSafe(format!("SELECT {DEST_COLUMNS} FROM destinations WHERE graduate_id = $1"));
                    let row = sqlx::query(sql).bind(graduate_id).fetch_optional(&self.pool).await?;
                    row.as_ref().map(dest_row).transpose()
                }

                async fn save_destination(
                    &self,
                    d: &DestinationRecord,
                    expected_version: Option<i64>,
                    action: &str,
                    actor: Option<(Uuid, String)>,
                ) -> Result<bool> {
                    let now = Utc::now();
                    let mut tx = self.pool.begin().await?;
                    if let Some(expected) = expected_version {
                        // Claim the record at the version the caller read before reading anything
                        // else: the write takes the row lock (PostgreSQL) or the database's write
                        // lock (SQLite) first, so a concurrent save waits, then finds the version
                        // moved on instead of overwriting the winner or failing on a stale read.
                        let claimed = sqlx::query(
                            "UPDATE destinations SET version = version WHERE graduate_id = $1 AND version = $2",
                        )
                        .bind(d.graduate_id)
                        .bind(expected)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        if claimed == 0 {
                            // Release the write lock now, not whenever the pool next hands out this connection.
                            tx.rollback().await?;
                            return Ok(false);
                        }
                    }
                    let reg = &d.registration;
                    // The stored version goes up by one inside the statement that writes it.
                    let version: i64 = sqlx::query_scalar(
                        "INSERT INTO destinations (graduate_id, org_id, code, status, employer_name, credit_code, \
                         employer_region, employer_type, employer_industry, monthly_pay, proof_kind, statement_signed, \
                         note, return_reason, college_reviewer, university_reviewer, registered_by, source, version, \
                         created_at, updated_at, confirmed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
                         $12, $13, $14, $15, $16, $17, $18, 1, $19, $19, $20) ON CONFLICT (graduate_id) DO UPDATE SET \
                         code = excluded.code, status = excluded.status, employer_name = excluded.employer_name, \
                         credit_code = excluded.credit_code, employer_region = excluded.employer_region, \
                         employer_type = excluded.employer_type, employer_industry = excluded.employer_industry, \
                         monthly_pay = excluded.monthly_pay, proof_kind = excluded.proof_kind, \
                         statement_signed = excluded.statement_signed, note = excluded.note, \
                         return_reason = excluded.return_reason, college_reviewer = excluded.college_reviewer, \
                         university_reviewer = excluded.university_reviewer, registered_by = excluded.registered_by, \
                         source = excluded.source, version = destinations.version + 1, updated_at = excluded.updated_at, \
                         confirmed_at = excluded.confirmed_at RETURNING version",
                    )
                    .bind(d.graduate_id)
                    .bind(d.org_id)
                    .bind(&reg.code)
                    .bind(d.status.id())
                    .bind(&reg.employer_name)
                    .bind(&reg.credit_code)
                    .bind(&reg.employer_region)
                    .bind(&reg.employer_type)
                    .bind(&reg.employer_industry)
                    .bind(reg.monthly_pay)
                    .bind(&reg.proof_kind)
                    .bind(reg.statement_signed)
                    .bind(&reg.note)
                    .bind(&d.return_reason)
                    .bind(d.college_reviewer)
                    .bind(d.university_reviewer)
                    .bind(d.registered_by)
                    .bind(&d.source)
                    .bind(now)
                    .bind(d.confirmed_at)
                    .fetch_one(&mut *tx)
                    .await?;
                    sqlx::query(
                        "UPDATE graduates SET dest_code = $2, dest_status = $3, dest_updated_at = $4, \
                         version = version + 1, updated_at = $4 WHERE id = $1",
                    )
                    .bind(d.graduate_id)
                    .bind(&reg.code)
                    .bind(d.status.id())
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    let snapshot = serde_json::json!({
                        "registration": reg,
                        "status": d.status.id(),
                        "return_reason": d.return_reason,
                    });
                    sqlx::query(
                        "INSERT INTO destination_versions (id, graduate_id, org_id, version, action, status, snapshot, \
                         actor_id, actor_name, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                    )
                    .bind(Uuid::now_v7())
                    .bind(d.graduate_id)
                    .bind(d.org_id)
                    .bind(version)
                    .bind(action)
                    .bind(d.status.id())
                    .bind(snapshot.to_string())
                    .bind(actor.as_ref().map(|a| a.0))
                    .bind(actor.as_ref().map(|a| a.1.clone()))
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    Ok(true)
                }

                async fn destination_versions(&self, graduate_id: Uuid) -> Result<Vec<VersionRecord>> {
                    let rows = sqlx::query(
                        "SELECT version, action, status, snapshot, actor_name, at FROM destination_versions \
                         WHERE graduate_id = $1 ORDER BY at, version",
                    )
                    .bind(graduate_id)
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter()
                        .map(|r| {
                            let s: String = r.try_get("status")?;
                            Ok(VersionRecord {
                                version: r.try_get("version")?,
                                action: r.try_get("action")?,
                                status: status(&s)?,
                                snapshot: r.try_get("snapshot")?,
                                actor_name: r.try_get("actor_name")?,
                                at: r.try_get("at")?,
                            })
                        })
                        .collect()
                }

                async fn add_evidence(&self, e: &EvidenceRecord) -> Result<()> {
                    sqlx::query(
                        "INSERT INTO evidence (id, graduate_id, org_id, kind, stored_name, original_name, content_type, \
                         size_bytes, sha256, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                    )
                    .bind(e.id)
                    .bind(e.graduate_id)
                    .bind(e.org_id)
                    .bind(&e.kind)
                    .bind(&e.stored_name)
                    .bind(&e.original_name)
                    .bind(&e.content_type)
                    .bind(e.size_bytes)
                    .bind(&e.sha256)
                    .bind(e.uploaded_by)
                    .bind(e.uploaded_at)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn evidence_of(&self, graduate_id: Uuid) -> Result<Vec<EvidenceRecord>> {
                    let sql = sqlx::AssertSqlSafe(format!(
                        "SELECT {EVIDENCE_COLUMNS} FROM evidence WHERE graduate_id = $1 ORDER BY uploaded_at"
                    ));
                    let rows = sqlx::query(sql).bind(graduate_id).fetch_all(&self.pool).await?;
                    rows.iter().map(evidence_row).collect()
                }

                async fn evidence(&self, id: Uuid) -> Result<Option<EvidenceRecord>> {
                    let sql = sqlx::AssertSqlSafe(format!("SELECT {EVIDENCE_COLUMNS} FROM evidence WHERE id = $1"));
                    let row = sqlx::query(sql).bind(id).fetch_optional(&self.pool).await?;
                    row.as_ref().map(evidence_row).transpose()
                }

                async fn add_dispute(&self, d: &DisputeRecord) -> Result<()> {
                    sqlx::query(
                        "INSERT INTO disputes (id, graduate_id, org_id, text, status, created_at) \
                         VALUES ($1, $2, $3, $4, 'open', $5)",
                    )
                    .bind(d.id)
                    .bind(d.graduate_id)
                    .bind(d.org_id)
                    .bind(&d.text)
                    .bind(d.created_at)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn disputes_of(&self, graduate_id: Uuid) -> Result<Vec<DisputeRecord>> {
                    let sql = sqlx::AssertSqlSafe(format!(
                        "SELECT {DISPUTE_COLUMNS} FROM disputes d WHERE d.graduate_id = $1 ORDER BY d.created_at"
                    ));
                    let rows = sqlx::query(sql).bind(graduate_id).fetch_all(&self.pool).await?;
                    rows.iter().map(dispute_row).collect()
                }

                async fn dispute(&self, id: Uuid) -> Result<Option<DisputeRecord>> {
                    let sql = sqlx::AssertSqlSafe(format!("SELECT {DISPUTE_COLUMNS} FROM disputes d WHERE d.id = $1"));
                    let row = sqlx::query(sql).bind(id).fetch_optional(&self.pool).await?;
                    row.as_ref().map(dispute_row).transpose()
                }

                async fn answer_dispute(&self, id: Uuid, answer: &str, by: Uuid) -> Result<bool> {
                    let res = sqlx::query(
                        "UPDATE disputes SET answer = $2, answered_by = $3, answered_at = $4, status = 'answered' \
                         WHERE id = $1 AND status = 'open'",
                    )
                    .bind(id)
                    .bind(answer)
                    .bind(by)
                    .bind(Utc::now())
                    .execute(&self.pool)
                    .await?;
                    Ok(res.rows_affected() == 1)
                }

                async fn dispute_texts(&self, after: Uuid, limit: i64) -> Result<Vec<(Uuid, String, Option<String>)>> {
                    let rows = sqlx::query("SELECT id, text, answer FROM disputes WHERE id > $1 ORDER BY id LIMIT $2")
                        .bind(after)
                        .bind(limit.clamp(0, crate::MAX_PAGE))
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter().map(|r| Ok((r.try_get("id")?, r.try_get("text")?, r.try_get("answer")?))).collect()
                }

                async fn replace_dispute_texts(
                    &self,
                    id: Uuid,
                    was_text: &str,
                    was_answer: Option<&str>,
                    text: &str,
                    answer: Option<&str>,
                ) -> Result<bool> {
                    let res = sqlx::query(
                        "UPDATE disputes SET text = $4, answer = $5 \
                         WHERE id = $1 AND text = $2 AND answer IS NOT DISTINCT FROM $3",
                    )
                    .bind(id)
                    .bind(was_text)
                    .bind(was_answer)
                    .bind(text)
                    .bind(answer)
                    .execute(&self.pool)
                    .await?;
                    Ok(res.rows_affected() == 1)
                }

                async fn evidence_files(&self) -> Result<Vec<(Uuid, String)>> {
                    let rows = sqlx::query("SELECT id, stored_name FROM evidence ORDER BY id").fetch_all(&self.pool).await?;
                    rows.iter().map(|r| Ok((r.try_get("id")?, r.try_get("stored_name")?))).collect()
                }

                async fn open_disputes(&self, scope_paths: &[String]) -> Result<Vec<(DisputeRecord, GraduateListItem)>> {
                    let mut qb = QueryBuilder::<$db>::new(format!(
                        "SELECT {DISPUTE_COLUMNS}, g.student_no, g.name, c.name AS college_name, p.name AS programme_name, \
                         g.cohort, g.dest_code, g.dest_status, g.contact_state, g.contacted_at FROM disputes d JOIN graduates g ON g.id = d.graduate_id \
                         JOIN orgs p ON p.id = g.programme_id JOIN orgs c ON c.id = g.college_id WHERE d.status = 'open'"
                    ));
                    crate::common::push_within_scope(&mut qb, &["p.path"], scope_paths);
                    qb.push(" ORDER BY d.created_at LIMIT 500");
                    let rows = qb.build().fetch_all(&self.pool).await?;
                    rows.iter()
                        .map(|r| {
                            let d = dispute_row(r)?;
                            let s: String = r.try_get("dest_status")?;
                            let g = GraduateListItem {
                                id: d.graduate_id,
                                student_no: r.try_get("student_no")?,
                                name: r.try_get("name")?,
                                college_name: r.try_get("college_name")?,
                                programme_name: r.try_get("programme_name")?,
                                cohort: r.try_get("cohort")?,
                                dest_code: r.try_get("dest_code")?,
                                dest_status: status(&s)?,
                                contact_state: r.try_get("contact_state")?,
                                contacted_at: r.try_get("contacted_at")?,
                            };
                            Ok((d, g))
                        })
                        .collect()
                }

                async fn list_graduates(&self, q: &GraduateQuery) -> Result<(Vec<GraduateListItem>, i64)> {
                    let db = self.reader().await;
                    fn filters(qb: &mut QueryBuilder<$db>, q: &GraduateQuery) {
                        qb.push(" WHERE 1 = 1");
                        crate::common::push_within_scope(qb, &["p.path"], &q.scope_paths);
                        if let Some(p) = &q.org_path {
                            crate::common::push_within_scope(qb, &["p.path"], std::slice::from_ref(p));
                        }
                        if let Some(c) = q.cohort {
                            qb.push(" AND g.cohort = ").push_bind(c);
                        }
                        if let Some(s) = q.status {
                            qb.push(" AND g.dest_status = ").push_bind(s.id());
                        }
                        if q.unplaced {
                            qb.push(
                                " AND NOT (g.dest_status IN ('approved', 'confirmed') AND g.dest_code IS NOT NULL \
                                 AND substr(g.dest_code, 1, 2) IN ('10','11','12','27','46','50','51','75','76','80','85'))",
                            );
                        }
                        if let Some(since) = q.not_contacted_since {
                            qb.push(" AND (g.contacted_at IS NULL OR g.contacted_at < ").push_bind(since).push(")");
                        }
                        if let Some(text) = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                            let pat = format!("%{}%", crate::common::like_escape(text));
                            qb.push(" AND (g.name LIKE ").push_bind(pat.clone()).push(" ESCAPE '\\' OR g.student_no LIKE ");
                            qb.push_bind(pat).push(" ESCAPE '\\')");
                        }
                    }
                    let mut qb = QueryBuilder::<$db>::new(
                        "SELECT COUNT(*) FROM graduates g JOIN orgs p ON p.id = g.programme_id",
                    );
                    filters(&mut qb, q);
                    let total: i64 = qb.build_query_scalar().fetch_one(db).await?;
                    let mut qb = QueryBuilder::<$db>::new(LIST_SELECT);
                    filters(&mut qb, q);
                    qb.push(" ORDER BY g.student_no, g.id LIMIT ").push_bind(q.limit.clamp(1, crate::MAX_PAGE));
                    qb.push(" OFFSET ").push_bind(q.offset.max(0));
                    let rows = qb.build().fetch_all(db).await?;
                    Ok((rows.iter().map(list_row).collect::<Result<Vec<_>>>()?, total))
                }

                async fn set_contact(&self, graduate_id: Uuid, state: &str, by: Uuid) -> Result<()> {
                    sqlx::query("UPDATE graduates SET contact_state = $2, contacted_at = $3, contacted_by = $4 WHERE id = $1")
                        .bind(graduate_id)
                        .bind(state)
                        .bind(Utc::now())
                        .bind(by)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                async fn integrity_rows(&self, org_path: &str, cohort: i32) -> Result<Vec<IntegrityRow>> {
                    let db = self.reader().await;
                    let rows = sqlx::query(
                        "SELECT d.graduate_id, g.student_no, g.name, d.code, d.status, d.employer_name, d.credit_code, \
                         d.source, d.registered_by, u.username AS registered_by_name, d.created_at, \
                         (SELECT COUNT(*) FROM evidence e WHERE e.graduate_id = d.graduate_id) AS evidence_count, \
                         (SELECT COUNT(*) FROM destination_versions v WHERE v.graduate_id = d.graduate_id \
                            AND v.at > (SELECT MIN(v2.at) FROM destination_versions v2 \
                                        WHERE v2.graduate_id = d.graduate_id AND v2.action = 'confirm')) \
                            AS changes_after_confirmation \
                         FROM destinations d JOIN graduates g ON g.id = d.graduate_id \
                         JOIN orgs p ON p.id = g.programme_id LEFT JOIN users u ON u.id = d.registered_by \
                         WHERE g.cohort = $1 AND (p.path = $2 OR p.path LIKE $3)",
                    )
                    .bind(cohort)
                    .bind(org_path)
                    .bind(format!("{org_path}/%"))
                    .fetch_all(db)
                    .await?;
                    rows.iter()
                        .map(|r| {
                            let s: String = r.try_get("status")?;
                            Ok(IntegrityRow {
                                graduate_id: r.try_get("graduate_id")?,
                                student_no: r.try_get("student_no")?,
                                name: r.try_get("name")?,
                                code: r.try_get("code")?,
                                status: status(&s)?,
                                employer_name: r.try_get("employer_name")?,
                                credit_code: r.try_get("credit_code")?,
                                source: r.try_get("source")?,
                                registered_by: r.try_get("registered_by")?,
                                registered_by_name: r.try_get("registered_by_name")?,
                                created_at: r.try_get("created_at")?,
                                evidence_count: r.try_get("evidence_count")?,
                                changes_after_confirmation: r.try_get("changes_after_confirmation")?,
                            })
                        })
                        .collect()
                }

                async fn cohort_closing(&self, university_id: Uuid, cohort: i32) -> Result<Option<String>> {
                    Ok(sqlx::query_scalar("SELECT closes_on FROM cohort_closings WHERE org_id = $1 AND cohort = $2")
                        .bind(university_id)
                        .bind(cohort)
                        .fetch_optional(&self.pool)
                        .await?)
                }

                async fn set_cohort_closing(&self, university_id: Uuid, cohort: i32, closes_on: &str) -> Result<()> {
                    sqlx::query(
                        "INSERT INTO cohort_closings (org_id, cohort, closes_on) VALUES ($1, $2, $3) \
                         ON CONFLICT (org_id, cohort) DO UPDATE SET closes_on = excluded.closes_on",
                    )
                    .bind(university_id)
                    .bind(cohort)
                    .bind(closes_on)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn min_wage(&self, province_code: &str) -> Result<Option<i64>> {
                    Ok(sqlx::query_scalar("SELECT monthly_yuan FROM min_wages WHERE province_code = $1")
                        .bind(province_code)
                        .fetch_optional(&self.pool)
                        .await?)
                }

                async fn min_wages(&self) -> Result<Vec<(String, i64, String, String)>> {
                    Ok(sqlx::query_as(
                        "SELECT province_code, monthly_yuan, effective, source FROM min_wages ORDER BY province_code",
                    )
                    .fetch_all(&self.pool)
                    .await?)
                }

                async fn set_min_wage(&self, province_code: &str, monthly_yuan: i64, effective: &str, source: &str) -> Result<()> {
                    sqlx::query(
                        "INSERT INTO min_wages (province_code, monthly_yuan, effective, source) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (province_code) DO UPDATE SET monthly_yuan = excluded.monthly_yuan, \
                         effective = excluded.effective, source = excluded.source",
                    )
                    .bind(province_code)
                    .bind(monthly_yuan)
                    .bind(effective)
                    .bind(source)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn seed_min_wages(&self, rows: &[(String, i64, String)]) -> Result<u64> {
                    let mut n = 0;
                    for (p, y, e) in rows {
                        n += sqlx::query(
                            "INSERT INTO min_wages (province_code, monthly_yuan, effective, source) \
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

pub(crate) use destinations_impl;
