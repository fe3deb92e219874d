//! The shared employer directory (用人单位库), keyed by the unified social credit code.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use jiuye_domain::employer::Verification;
use uuid::Uuid;

use crate::Result;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmployerRecord {
    pub id: Uuid,
    /// The organisation that registered it (the province, for self-registration).
    pub org_id: Uuid,
    pub credit_code: String,
    pub name: String,
    pub employer_type: String,
    pub industry_code: String,
    pub region_code: String,
    pub employees: Option<i64>,
    pub revenue_wan: Option<i64>,
    pub size_class: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    pub verification: Verification,
    pub verified_by: Option<Uuid>,
    pub verified_at: Option<DateTime<Utc>>,
    pub blacklist_reason: Option<String>,
    pub origin_node: Uuid,
    pub version: i64,
}

/// A logged employer visit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VisitRecord {
    pub id: Uuid,
    /// The university.
    pub org_id: Uuid,
    /// The unit it is logged for (the university, a college or a programme).
    pub unit_id: Uuid,
    pub employer_id: Uuid,
    /// Stored as `YYYY-MM-DD`.
    pub visit_date: chrono::NaiveDate,
    /// `on_site` (走出去), `invited` (请进来) or `online`.
    pub form: String,
    pub positions_opened: i64,
    pub base_agreed: bool,
    pub invited_to_fair: bool,
    pub survey_filled: bool,
    pub notes: Option<String>,
    pub created_by: Uuid,
    pub origin_node: Uuid,
}

/// What the quota engine needs of each visit of a university.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VisitFact {
    pub id: Uuid,
    pub unit_id: Uuid,
    /// The path of the unit that made the visit.
    pub unit_path: String,
    pub employer_id: Uuid,
    pub visit_date: chrono::NaiveDate,
    /// Roles of the visiting people (e.g. `university_leader`).
    pub roles: Vec<String>,
    /// The visiting people's accounts.
    pub people: Vec<Uuid>,
    pub programmes: Vec<Uuid>,
    pub positions_opened: i64,
    /// An internship/practice base was agreed.
    pub base_agreed: bool,
    pub form: String,
    pub invited_to_fair: bool,
    pub survey_filled: bool,
    pub notes: Option<String>,
    pub employer_code: String,
    pub employer_name: String,
}

/// What the rules about an employer need: where it was registered and where it works with
/// universities.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmployerFacts {
    pub employer_id: Uuid,
    /// The path of the organisation that registered it.
    pub registered_path: String,
    /// Paths of the universities where it has a posting (appearing at the university), a visit
    /// or an internship or practice base, sorted.
    pub universities: Vec<String>,
}

/// A correction to an employer record proposed by staff outside its registering scope. A field
/// left `None` is not part of the proposal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CorrectionRecord {
    pub id: Uuid,
    pub employer_id: Uuid,
    pub name: Option<String>,
    pub employer_type: Option<String>,
    pub industry_code: Option<String>,
    pub region_code: Option<String>,
    pub employees: Option<i64>,
    pub revenue_wan: Option<i64>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    /// Why, in the proposer's words.
    pub note: Option<String>,
    pub proposed_by: Uuid,
    /// The organisation of the grant the proposer acted under.
    pub proposer_org_id: Uuid,
    pub created_at: DateTime<Utc>,
    /// `proposed`, `accepted` or `rejected`.
    pub status: String,
    pub decided_by: Option<Uuid>,
    pub decision_note: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub origin_node: Uuid,
}

/// A stored correction with the names the lists show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CorrectionRow {
    pub correction: CorrectionRecord,
    pub proposer_username: String,
    pub proposer_org_code: String,
    pub proposer_org_name: String,
}

/// A correction still waiting for its employer's registering scope, with the employer it is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingCorrection {
    pub employer_credit_code: String,
    pub employer_name: String,
    pub row: CorrectionRow,
}

/// How deciding a correction went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decided {
    Done,
    /// Someone decided it already.
    AlreadyDecided,
    /// The employer record changed since it was read.
    EmployerChanged,
}

/// A scam confirmed by the staff of a scope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScamReportRecord {
    pub id: Uuid,
    pub employer_id: Uuid,
    /// The confirming scope (the organisation of the reviewer's grant).
    pub org_id: Uuid,
    pub posting_id: Option<Uuid>,
    pub reason: String,
    /// The confirmation blacklisted the employer (the confirming scope covers its registration);
    /// otherwise it hides the employer's postings within the scope.
    pub blacklisted: bool,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub lifted_by: Option<Uuid>,
    pub lifted_at: Option<DateTime<Utc>>,
    pub lift_reason: Option<String>,
    pub origin_node: Uuid,
}

/// A scam report with the names the lists show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScamReportRow {
    pub report: ScamReportRecord,
    pub org_code: String,
    pub org_name: String,
    pub org_path: String,
    pub employer_code: String,
    pub employer_name: String,
    pub posting_title: Option<String>,
    pub reporter_username: String,
}

#[async_trait]
pub trait EmployerDirectory: Send + Sync {
    /// Records a visit with its people (user, role) and programmes, in one transaction.
    async fn add_visit(&self, v: &VisitRecord, people: &[(Uuid, String)], programmes: &[Uuid]) -> Result<()>;
    async fn visit(&self, id: Uuid) -> Result<Option<VisitRecord>>;
    /// Replaces a visit's fields, people and programmes (the version goes up); false when gone.
    async fn update_visit(&self, v: &VisitRecord, people: &[(Uuid, String)], programmes: &[Uuid]) -> Result<bool>;
    async fn delete_visit(&self, id: Uuid) -> Result<bool>;
    /// Every visit of a university by date, with its people (and their roles) and programmes, each
    /// by id.
    async fn visits_of(&self, university_id: Uuid) -> Result<Vec<VisitFact>>;
    /// Inserts, or merges into the record with the same credit code (given fields replace stored
    /// ones; verification is kept). Returns the stored record and whether it was new.
    async fn upsert_employer(&self, e: &EmployerRecord) -> Result<(EmployerRecord, bool)>;
    /// Adds a new employer; false (and nothing written) when its credit code is taken.
    async fn insert_employer(&self, e: &EmployerRecord) -> Result<bool>;
    /// Replaces an employer's editable fields (everything but its identity, registration and
    /// verification) if it is still at `e.version`; the version goes up. False otherwise.
    async fn update_employer(&self, e: &EmployerRecord) -> Result<bool>;
    async fn employer(&self, credit_code: &str) -> Result<Option<EmployerRecord>>;
    async fn employer_by_id(&self, id: Uuid) -> Result<Option<EmployerRecord>>;
    /// The employers among `ids` (at most 500; missing ids are left out), in no order.
    async fn employers_by_ids(&self, ids: &[Uuid]) -> Result<Vec<EmployerRecord>>;
    /// The registering path and the universities each of `ids` works with (missing ids are
    /// left out).
    async fn employer_facts(&self, ids: &[Uuid]) -> Result<Vec<EmployerFacts>>;
    async fn add_correction(&self, c: &CorrectionRecord) -> Result<()>;
    async fn correction(&self, id: Uuid) -> Result<Option<CorrectionRow>>;
    /// The corrections proposed for an employer, newest first.
    async fn corrections_of(&self, employer_id: Uuid) -> Result<Vec<CorrectionRow>>;
    /// Corrections still `proposed` about employers registered at or below one of `paths`
    /// (what that scope has to decide), oldest first, with the total.
    async fn proposed_corrections_under(
        &self,
        paths: &[String],
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<PendingCorrection>, i64)>;
    /// Rejects a correction still `proposed`.
    async fn reject_correction(&self, id: Uuid, by: Uuid, note: Option<&str>) -> Result<Decided>;
    /// Accepts a correction still `proposed` and writes `merged` (the employer with the proposal
    /// applied, at the version it was read) in one transaction.
    async fn accept_correction(
        &self,
        id: Uuid,
        by: Uuid,
        note: Option<&str>,
        merged: &EmployerRecord,
    ) -> Result<Decided>;
    async fn add_scam_report(&self, r: &ScamReportRecord) -> Result<()>;
    async fn scam_report(&self, id: Uuid) -> Result<Option<ScamReportRow>>;
    /// The scam reports about an employer, newest first.
    async fn scam_reports_of(&self, employer_id: Uuid) -> Result<Vec<ScamReportRow>>;
    /// Scam reports that hid an employer registered at or below one of `paths` and wait for
    /// that scope's decision (not lifted, the employer not blacklisted), newest first, with the
    /// total.
    async fn unresolved_scam_reports_under(
        &self,
        paths: &[String],
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<ScamReportRow>, i64)>;
    /// Lifts one report still in force; false when it is gone or lifted already.
    async fn lift_scam_report(&self, id: Uuid, by: Uuid, reason: &str) -> Result<bool>;
    /// Lifts the reports of an employer that blacklisted it (when the blacklisting is lifted).
    async fn lift_blacklisting_reports(&self, employer_id: Uuid, by: Uuid, reason: &str) -> Result<u64>;
    /// Employers whose postings are hidden in one of `scopes` (organisation paths) by a scam
    /// report still in force.
    async fn employers_hidden_in(&self, scopes: &[String]) -> Result<Vec<Uuid>>;
    async fn set_verification(
        &self,
        credit_code: &str,
        state: Verification,
        by: Uuid,
        reason: Option<&str>,
    ) -> Result<bool>;
    async fn list_employers(
        &self,
        q: Option<&str>,
        verification: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<EmployerRecord>, i64)>;
}

macro_rules! employers_impl {
    ($store:ty, $db:ty) => {
        mod employers_impl {
            use async_trait::async_trait;
            use chrono::Utc;
            use sqlx::{QueryBuilder, Row};
            use uuid::Uuid;

            use super::*;
            use crate::Result;
            use crate::employers::{EmployerDirectory, EmployerRecord};
            use jiuye_domain::employer::Verification;

            type DbRow = <$db as sqlx::Database>::Row;

            const COLUMNS: &str = "id, org_id, credit_code, name, employer_type, industry_code, region_code, employees, \
                 revenue_wan, size_class, contact_name, contact_phone, contact_email, verification, verified_by, \
                 verified_at, blacklist_reason, origin_node, version";

            fn row(r: &DbRow) -> Result<EmployerRecord> {
                Ok(EmployerRecord {
                    id: r.try_get("id")?,
                    org_id: r.try_get("org_id")?,
                    credit_code: r.try_get("credit_code")?,
                    name: r.try_get("name")?,
                    employer_type: r.try_get("employer_type")?,
                    industry_code: r.try_get("industry_code")?,
                    region_code: r.try_get("region_code")?,
                    employees: r.try_get("employees")?,
                    revenue_wan: r.try_get("revenue_wan")?,
                    size_class: r.try_get("size_class")?,
                    contact_name: r.try_get("contact_name")?,
                    contact_phone: r.try_get("contact_phone")?,
                    contact_email: r.try_get("contact_email")?,
                    verification: {
                        let v: String = r.try_get("verification")?;
                        Verification::from_id(&v).ok_or_else(|| crate::common::corrupt("employer verification", &v))?
                    },
                    verified_by: r.try_get("verified_by")?,
                    verified_at: r.try_get("verified_at")?,
                    blacklist_reason: r.try_get("blacklist_reason")?,
                    origin_node: r.try_get("origin_node")?,
                    version: r.try_get("version")?,
                })
            }

            /// Writes an employer's editable fields if it is still at `e.version`.
            async fn write_employer(tx: &mut sqlx::Transaction<'_, $db>, e: &EmployerRecord) -> Result<bool> {
                let n = sqlx::query(
                    "UPDATE employers SET name = $3, employer_type = $4, industry_code = $5, region_code = $6, \
                     employees = $7, revenue_wan = $8, size_class = $9, contact_name = $10, contact_phone = $11, \
                     contact_email = $12, updated_at = $13, version = version + 1 WHERE id = $1 AND version = $2",
                )
                .bind(e.id)
                .bind(e.version)
                .bind(&e.name)
                .bind(&e.employer_type)
                .bind(&e.industry_code)
                .bind(&e.region_code)
                .bind(e.employees)
                .bind(e.revenue_wan)
                .bind(&e.size_class)
                .bind(&e.contact_name)
                .bind(&e.contact_phone)
                .bind(&e.contact_email)
                .bind(Utc::now())
                .execute(&mut **tx)
                .await?
                .rows_affected();
                Ok(n == 1)
            }

            const CORRECTION_SELECT: &str = "SELECT c.id, c.employer_id, c.name, c.employer_type, c.industry_code, \
                 c.region_code, c.employees, c.revenue_wan, c.contact_name, c.contact_phone, c.contact_email, c.note, \
                 c.proposed_by, c.proposer_org_id, c.created_at, c.status, c.decided_by, c.decision_note, c.decided_at, \
                 c.origin_node, u.username AS proposer_username, o.code AS proposer_org_code, o.name AS proposer_org_name \
                 FROM employer_corrections c JOIN users u ON u.id = c.proposed_by JOIN orgs o ON o.id = c.proposer_org_id";

            fn correction_row(r: &DbRow) -> Result<crate::employers::CorrectionRow> {
                Ok(crate::employers::CorrectionRow {
                    correction: crate::employers::CorrectionRecord {
                        id: r.try_get("id")?,
                        employer_id: r.try_get("employer_id")?,
                        name: r.try_get("name")?,
                        employer_type: r.try_get("employer_type")?,
                        industry_code: r.try_get("industry_code")?,
                        region_code: r.try_get("region_code")?,
                        employees: r.try_get("employees")?,
                        revenue_wan: r.try_get("revenue_wan")?,
                        contact_name: r.try_get("contact_name")?,
                        contact_phone: r.try_get("contact_phone")?,
                        contact_email: r.try_get("contact_email")?,
                        note: r.try_get("note")?,
                        proposed_by: r.try_get("proposed_by")?,
                        proposer_org_id: r.try_get("proposer_org_id")?,
                        created_at: r.try_get("created_at")?,
                        status: r.try_get("status")?,
                        decided_by: r.try_get("decided_by")?,
                        decision_note: r.try_get("decision_note")?,
                        decided_at: r.try_get("decided_at")?,
                        origin_node: r.try_get("origin_node")?,
                    },
                    proposer_username: r.try_get("proposer_username")?,
                    proposer_org_code: r.try_get("proposer_org_code")?,
                    proposer_org_name: r.try_get("proposer_org_name")?,
                })
            }

            const SCAM_SELECT: &str = "SELECT s.id, s.employer_id, s.org_id, s.posting_id, s.reason, s.blacklisted, \
                 s.created_by, s.created_at, s.lifted_by, s.lifted_at, s.lift_reason, s.origin_node, o.code AS org_code, \
                 o.name AS org_name, o.path AS org_path, e.credit_code AS employer_code, e.name AS employer_name, \
                 p.title AS posting_title, u.username AS reporter_username FROM employer_scam_reports s \
                 JOIN orgs o ON o.id = s.org_id JOIN employers e ON e.id = s.employer_id \
                 LEFT JOIN postings p ON p.id = s.posting_id JOIN users u ON u.id = s.created_by";

            fn scam_row(r: &DbRow) -> Result<crate::employers::ScamReportRow> {
                Ok(crate::employers::ScamReportRow {
                    report: crate::employers::ScamReportRecord {
                        id: r.try_get("id")?,
                        employer_id: r.try_get("employer_id")?,
                        org_id: r.try_get("org_id")?,
                        posting_id: r.try_get("posting_id")?,
                        reason: r.try_get("reason")?,
                        blacklisted: r.try_get("blacklisted")?,
                        created_by: r.try_get("created_by")?,
                        created_at: r.try_get("created_at")?,
                        lifted_by: r.try_get("lifted_by")?,
                        lifted_at: r.try_get("lifted_at")?,
                        lift_reason: r.try_get("lift_reason")?,
                        origin_node: r.try_get("origin_node")?,
                    },
                    org_code: r.try_get("org_code")?,
                    org_name: r.try_get("org_name")?,
                    org_path: r.try_get("org_path")?,
                    employer_code: r.try_get("employer_code")?,
                    employer_name: r.try_get("employer_name")?,
                    posting_title: r.try_get("posting_title")?,
                    reporter_username: r.try_get("reporter_username")?,
                })
            }

            /// The visiting people and the programmes served of one visit.
            async fn insert_people_and_programmes(
                tx: &mut sqlx::Transaction<'_, $db>,
                visit: Uuid,
                people: &[(Uuid, String)],
                programmes: &[Uuid],
            ) -> Result<()> {
                for (user, role) in people {
                    sqlx::query("INSERT INTO visit_people (visit_id, user_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                        .bind(visit)
                        .bind(*user)
                        .bind(role)
                        .execute(&mut **tx)
                        .await?;
                }
                for p in programmes {
                    sqlx::query("INSERT INTO visit_programmes (visit_id, programme_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                        .bind(visit)
                        .bind(*p)
                        .execute(&mut **tx)
                        .await?;
                }
                Ok(())
            }

            const VISIT_COLUMNS: &str = "id, org_id, unit_id, employer_id, visit_date, form, positions_opened, \
                 base_agreed, invited_to_fair, survey_filled, notes, created_by, origin_node";

            #[async_trait]
            impl EmployerDirectory for $store {
                async fn add_visit(&self, v: &crate::employers::VisitRecord, people: &[(Uuid, String)], programmes: &[Uuid]) -> Result<()> {
                    let mut tx = self.pool.begin().await?;
                    sqlx::query(
                        "INSERT INTO visits (id, org_id, unit_id, employer_id, visit_date, form, positions_opened, base_agreed, \
                         invited_to_fair, survey_filled, notes, created_by, created_at, origin_node) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                    )
                    .bind(v.id)
                    .bind(v.org_id)
                    .bind(v.unit_id)
                    .bind(v.employer_id)
                    .bind(crate::common::date_text(v.visit_date))
                    .bind(&v.form)
                    .bind(v.positions_opened)
                    .bind(v.base_agreed)
                    .bind(v.invited_to_fair)
                    .bind(v.survey_filled)
                    .bind(&v.notes)
                    .bind(v.created_by)
                    .bind(Utc::now())
                    .bind(v.origin_node)
                    .execute(&mut *tx)
                    .await?;
                    insert_people_and_programmes(&mut tx, v.id, people, programmes).await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn visit(&self, id: Uuid) -> Result<Option<crate::employers::VisitRecord>> {
                    let sql = sqlx::AssertSqlSafe(format!("SELECT {VISIT_COLUMNS} FROM visits WHERE id = $1"));
                    let Some(r) = sqlx::query(sql).bind(id).fetch_optional(&self.pool).await? else { return Ok(None) };
                    Ok(Some(crate::employers::VisitRecord {
                        id: r.try_get("id")?,
                        org_id: r.try_get("org_id")?,
                        unit_id: r.try_get("unit_id")?,
                        employer_id: r.try_get("employer_id")?,
                        visit_date: crate::common::date("visit date", r.try_get("visit_date")?)?,
                        form: r.try_get("form")?,
                        positions_opened: r.try_get("positions_opened")?,
                        base_agreed: r.try_get("base_agreed")?,
                        invited_to_fair: r.try_get("invited_to_fair")?,
                        survey_filled: r.try_get("survey_filled")?,
                        notes: r.try_get("notes")?,
                        created_by: r.try_get("created_by")?,
                        origin_node: r.try_get("origin_node")?,
                    }))
                }

                async fn update_visit(&self, v: &crate::employers::VisitRecord, people: &[(Uuid, String)], programmes: &[Uuid]) -> Result<bool> {
                    let mut tx = self.pool.begin().await?;
                    let n = sqlx::query(
                        "UPDATE visits SET unit_id = $2, employer_id = $3, visit_date = $4, form = $5, positions_opened = $6, \
                         base_agreed = $7, invited_to_fair = $8, survey_filled = $9, notes = $10, updated_at = $11, \
                         version = version + 1 WHERE id = $1",
                    )
                    .bind(v.id)
                    .bind(v.unit_id)
                    .bind(v.employer_id)
                    .bind(crate::common::date_text(v.visit_date))
                    .bind(&v.form)
                    .bind(v.positions_opened)
                    .bind(v.base_agreed)
                    .bind(v.invited_to_fair)
                    .bind(v.survey_filled)
                    .bind(&v.notes)
                    .bind(Utc::now())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    if n == 0 {
                        // Release the write lock now, not whenever the pool next hands out this connection.
                        tx.rollback().await?;
                        return Ok(false);
                    }
                    sqlx::query("DELETE FROM visit_people WHERE visit_id = $1").bind(v.id).execute(&mut *tx).await?;
                    sqlx::query("DELETE FROM visit_programmes WHERE visit_id = $1").bind(v.id).execute(&mut *tx).await?;
                    insert_people_and_programmes(&mut tx, v.id, people, programmes).await?;
                    tx.commit().await?;
                    Ok(true)
                }

                async fn delete_visit(&self, id: Uuid) -> Result<bool> {
                    let mut tx = self.pool.begin().await?;
                    sqlx::query("DELETE FROM visit_people WHERE visit_id = $1").bind(id).execute(&mut *tx).await?;
                    sqlx::query("DELETE FROM visit_programmes WHERE visit_id = $1").bind(id).execute(&mut *tx).await?;
                    let n = sqlx::query("DELETE FROM visits WHERE id = $1").bind(id).execute(&mut *tx).await?.rows_affected();
                    tx.commit().await?;
                    Ok(n == 1)
                }

                async fn visits_of(&self, university_id: Uuid) -> Result<Vec<crate::employers::VisitFact>> {
                    let rows = sqlx::query(
                        "SELECT v.id, v.unit_id, v.employer_id, v.visit_date, v.positions_opened, v.base_agreed, v.form, \
                         v.invited_to_fair, v.survey_filled, v.notes, e.credit_code, e.name, u.path AS unit_path FROM visits v \
                         JOIN employers e ON e.id = v.employer_id JOIN orgs u ON u.id = v.unit_id \
                         WHERE v.org_id = $1 ORDER BY v.visit_date, v.id",
                    )
                    .bind(university_id)
                    .fetch_all(&self.pool)
                    .await?;
                    let roles: Vec<(Uuid, Uuid, String)> = sqlx::query_as(
                        "SELECT p.visit_id, p.user_id, p.role FROM visit_people p JOIN visits v ON v.id = p.visit_id WHERE v.org_id = $1 \
                         ORDER BY p.visit_id, p.user_id",
                    )
                    .bind(university_id)
                    .fetch_all(&self.pool)
                    .await?;
                    let progs: Vec<(Uuid, Uuid)> = sqlx::query_as(
                        "SELECT p.visit_id, p.programme_id FROM visit_programmes p JOIN visits v ON v.id = p.visit_id WHERE v.org_id = $1 \
                         ORDER BY p.visit_id, p.programme_id",
                    )
                    .bind(university_id)
                    .fetch_all(&self.pool)
                    .await?;
                    let mut roles_of: std::collections::HashMap<Uuid, (Vec<String>, Vec<Uuid>)> = std::collections::HashMap::new();
                    for (v, user, role) in roles {
                        let e = roles_of.entry(v).or_default();
                        e.0.push(role);
                        e.1.push(user);
                    }
                    let mut progs_of: std::collections::HashMap<Uuid, Vec<Uuid>> = std::collections::HashMap::new();
                    for (v, p) in progs {
                        progs_of.entry(v).or_default().push(p);
                    }
                    let mut out = Vec::with_capacity(rows.len());
                    for r in &rows {
                        let id: Uuid = r.try_get("id")?;
                        let (roles, people) = roles_of.remove(&id).unwrap_or_default();
                        out.push(crate::employers::VisitFact {
                            id,
                            unit_id: r.try_get("unit_id")?,
                            unit_path: r.try_get("unit_path")?,
                            employer_id: r.try_get("employer_id")?,
                            visit_date: crate::common::date("visit date", r.try_get("visit_date")?)?,
                            roles,
                            people,
                            programmes: progs_of.remove(&id).unwrap_or_default(),
                            positions_opened: r.try_get("positions_opened")?,
                            base_agreed: r.try_get("base_agreed")?,
                            form: r.try_get("form")?,
                            invited_to_fair: r.try_get("invited_to_fair")?,
                            survey_filled: r.try_get("survey_filled")?,
                            notes: r.try_get("notes")?,
                            employer_code: r.try_get("credit_code")?,
                            employer_name: r.try_get("name")?,
                        });
                    }
                    Ok(out)
                }

                async fn upsert_employer(&self, e: &EmployerRecord) -> Result<(EmployerRecord, bool)> {
                    let now = Utc::now();
                    let existed = self.employer(&e.credit_code).await?.is_some();
                    sqlx::query(
                        "INSERT INTO employers (id, org_id, credit_code, name, employer_type, industry_code, region_code, \
                         employees, revenue_wan, size_class, contact_name, contact_phone, contact_email, origin_node, \
                         version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
                         $13, $14, 1, $15, $15) ON CONFLICT (credit_code) DO UPDATE SET name = excluded.name, \
                         employer_type = excluded.employer_type, industry_code = excluded.industry_code, \
                         region_code = excluded.region_code, \
                         employees = COALESCE(excluded.employees, employers.employees), \
                         revenue_wan = COALESCE(excluded.revenue_wan, employers.revenue_wan), \
                         size_class = excluded.size_class, \
                         contact_name = COALESCE(excluded.contact_name, employers.contact_name), \
                         contact_phone = COALESCE(excluded.contact_phone, employers.contact_phone), \
                         contact_email = COALESCE(excluded.contact_email, employers.contact_email), \
                         updated_at = excluded.updated_at, version = employers.version + 1",
                    )
                    .bind(e.id)
                    .bind(e.org_id)
                    .bind(&e.credit_code)
                    .bind(&e.name)
                    .bind(&e.employer_type)
                    .bind(&e.industry_code)
                    .bind(&e.region_code)
                    .bind(e.employees)
                    .bind(e.revenue_wan)
                    .bind(&e.size_class)
                    .bind(&e.contact_name)
                    .bind(&e.contact_phone)
                    .bind(&e.contact_email)
                    .bind(e.origin_node)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                    let stored = self
                        .employer(&e.credit_code)
                        .await?
                        .ok_or_else(|| crate::StoreError::Corrupt("employer vanished after upsert".into()))?;
                    Ok((stored, !existed))
                }

                async fn insert_employer(&self, e: &EmployerRecord) -> Result<bool> {
                    let now = Utc::now();
                    let n = sqlx::query(
                        "INSERT INTO employers (id, org_id, credit_code, name, employer_type, industry_code, region_code, \
                         employees, revenue_wan, size_class, contact_name, contact_phone, contact_email, origin_node, \
                         version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
                         $13, $14, 1, $15, $15) ON CONFLICT (credit_code) DO NOTHING",
                    )
                    .bind(e.id)
                    .bind(e.org_id)
                    .bind(&e.credit_code)
                    .bind(&e.name)
                    .bind(&e.employer_type)
                    .bind(&e.industry_code)
                    .bind(&e.region_code)
                    .bind(e.employees)
                    .bind(e.revenue_wan)
                    .bind(&e.size_class)
                    .bind(&e.contact_name)
                    .bind(&e.contact_phone)
                    .bind(&e.contact_email)
                    .bind(e.origin_node)
                    .bind(now)
                    .execute(&self.pool)
                    .await?
                    .rows_affected();
                    Ok(n == 1)
                }

                async fn update_employer(&self, e: &EmployerRecord) -> Result<bool> {
                    let mut tx = self.pool.begin().await?;
                    let done = write_employer(&mut tx, e).await?;
                    if done {
                        tx.commit().await?;
                    } else {
                        tx.rollback().await?;
                    }
                    Ok(done)
                }

                async fn employer_facts(&self, ids: &[Uuid]) -> Result<Vec<crate::employers::EmployerFacts>> {
                    if ids.is_empty() {
                        return Ok(Vec::new());
                    }
                    let mut out = Vec::with_capacity(ids.len());
                    for chunk in ids.chunks(500) {
                        let mut qb = QueryBuilder::<$db>::new(
                            "SELECT e.id, o.path FROM employers e JOIN orgs o ON o.id = e.org_id WHERE e.id IN (",
                        );
                        let mut sep = qb.separated(", ");
                        for id in chunk {
                            sep.push_bind(*id);
                        }
                        qb.push(")");
                        let registered: Vec<(Uuid, String)> = qb.build_query_as().fetch_all(&self.pool).await?;
                        // Postings appearing at a university, visits and bases (both filed under the university).
                        let mut qb = QueryBuilder::<$db>::new(
                            "SELECT x.employer_id, o.path FROM (\
                             SELECT p.employer_id, p.scope_org_id AS org_id FROM postings p WHERE p.employer_id IN (",
                        );
                        let mut sep = qb.separated(", ");
                        for id in chunk {
                            sep.push_bind(*id);
                        }
                        qb.push(") UNION SELECT v.employer_id, v.org_id FROM visits v WHERE v.employer_id IN (");
                        let mut sep = qb.separated(", ");
                        for id in chunk {
                            sep.push_bind(*id);
                        }
                        qb.push(") UNION SELECT b.employer_id, b.org_id FROM practice_bases b WHERE b.employer_id IN (");
                        let mut sep = qb.separated(", ");
                        for id in chunk {
                            sep.push_bind(*id);
                        }
                        qb.push(")) x JOIN orgs o ON o.id = x.org_id WHERE o.kind = 'university'");
                        let ties: Vec<(Uuid, String)> = qb.build_query_as().fetch_all(&self.pool).await?;
                        for (id, path) in registered {
                            let mut universities: Vec<String> =
                                ties.iter().filter(|(e, _)| *e == id).map(|(_, p)| p.clone()).collect();
                            universities.sort();
                            universities.dedup();
                            out.push(crate::employers::EmployerFacts { employer_id: id, registered_path: path, universities });
                        }
                    }
                    Ok(out)
                }

                async fn add_correction(&self, c: &crate::employers::CorrectionRecord) -> Result<()> {
                    sqlx::query(
                        "INSERT INTO employer_corrections (id, employer_id, name, employer_type, industry_code, region_code, \
                         employees, revenue_wan, contact_name, contact_phone, contact_email, note, proposed_by, proposer_org_id, \
                         created_at, status, origin_node) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, \
                         $15, 'proposed', $16)",
                    )
                    .bind(c.id)
                    .bind(c.employer_id)
                    .bind(&c.name)
                    .bind(&c.employer_type)
                    .bind(&c.industry_code)
                    .bind(&c.region_code)
                    .bind(c.employees)
                    .bind(c.revenue_wan)
                    .bind(&c.contact_name)
                    .bind(&c.contact_phone)
                    .bind(&c.contact_email)
                    .bind(&c.note)
                    .bind(c.proposed_by)
                    .bind(c.proposer_org_id)
                    .bind(c.created_at)
                    .bind(c.origin_node)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn correction(&self, id: Uuid) -> Result<Option<crate::employers::CorrectionRow>> {
                    let sql = sqlx::AssertSqlSafe(format!("{CORRECTION_SELECT} WHERE c.id = $1"));
                    let r = sqlx::query(sql).bind(id).fetch_optional(&self.pool).await?;
                    r.as_ref().map(correction_row).transpose()
                }

                async fn corrections_of(&self, employer_id: Uuid) -> Result<Vec<crate::employers::CorrectionRow>> {
                    let sql = sqlx::AssertSqlSafe(format!(
                        "{CORRECTION_SELECT} WHERE c.employer_id = $1 ORDER BY c.created_at DESC, c.id DESC"
                    ));
                    let rows = sqlx::query(sql).bind(employer_id).fetch_all(&self.pool).await?;
                    rows.iter().map(correction_row).collect()
                }

                async fn proposed_corrections_under(
                    &self,
                    paths: &[String],
                    limit: i64,
                    offset: i64,
                ) -> Result<(Vec<crate::employers::PendingCorrection>, i64)> {
                    if paths.is_empty() {
                        return Ok((Vec::new(), 0));
                    }
                    fn filters(qb: &mut QueryBuilder<$db>, paths: &[String]) {
                        qb.push(" WHERE c.status = 'proposed' AND ");
                        crate::common::push_under(qb, &["r.path"], paths);
                    }
                    let mut qb = QueryBuilder::<$db>::new(
                        "SELECT COUNT(*) FROM employer_corrections c JOIN employers e ON e.id = c.employer_id \
                         JOIN orgs r ON r.id = e.org_id",
                    );
                    filters(&mut qb, paths);
                    let total: i64 = qb.build_query_scalar().fetch_one(&self.pool).await?;
                    // The correction's columns with its employer's code and name.
                    let select = CORRECTION_SELECT
                        .replacen(" FROM ", ", e.credit_code AS employer_credit_code, e.name AS employer_name FROM ", 1);
                    let mut qb = QueryBuilder::<$db>::new(format!(
                        "{select} JOIN employers e ON e.id = c.employer_id JOIN orgs r ON r.id = e.org_id"
                    ));
                    filters(&mut qb, paths);
                    qb.push(" ORDER BY c.created_at, c.id LIMIT ").push_bind(limit.clamp(1, crate::MAX_PAGE));
                    qb.push(" OFFSET ").push_bind(offset.max(0));
                    let rows = qb.build().fetch_all(&self.pool).await?;
                    let items = rows
                        .iter()
                        .map(|r| {
                            Ok(crate::employers::PendingCorrection {
                                employer_credit_code: r.try_get("employer_credit_code")?,
                                employer_name: r.try_get("employer_name")?,
                                row: correction_row(r)?,
                            })
                        })
                        .collect::<Result<Vec<_>>>()?;
                    Ok((items, total))
                }

                async fn reject_correction(&self, id: Uuid, by: Uuid, note: Option<&str>) -> Result<crate::employers::Decided> {
                    let n = sqlx::query(
                        "UPDATE employer_corrections SET status = 'rejected', decided_by = $2, decision_note = $3, decided_at = $4 \
                         WHERE id = $1 AND status = 'proposed'",
                    )
                    .bind(id)
                    .bind(by)
                    .bind(note)
                    .bind(Utc::now())
                    .execute(&self.pool)
                    .await?
                    .rows_affected();
                    Ok(if n == 1 { crate::employers::Decided::Done } else { crate::employers::Decided::AlreadyDecided })
                }

                async fn accept_correction(
                    &self,
                    id: Uuid,
                    by: Uuid,
                    note: Option<&str>,
                    merged: &EmployerRecord,
                ) -> Result<crate::employers::Decided> {
                    let mut tx = self.pool.begin().await?;
                    let n = sqlx::query(
                        "UPDATE employer_corrections SET status = 'accepted', decided_by = $2, decision_note = $3, decided_at = $4 \
                         WHERE id = $1 AND status = 'proposed'",
                    )
                    .bind(id)
                    .bind(by)
                    .bind(note)
                    .bind(Utc::now())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    if n == 0 {
                        tx.rollback().await?;
                        return Ok(crate::employers::Decided::AlreadyDecided);
                    }
                    if !write_employer(&mut tx, merged).await? {
                        tx.rollback().await?;
                        return Ok(crate::employers::Decided::EmployerChanged);
                    }
                    tx.commit().await?;
                    Ok(crate::employers::Decided::Done)
                }

                async fn add_scam_report(&self, r: &crate::employers::ScamReportRecord) -> Result<()> {
                    sqlx::query(
                        "INSERT INTO employer_scam_reports (id, employer_id, org_id, posting_id, reason, blacklisted, created_by, \
                         created_at, origin_node) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    )
                    .bind(r.id)
                    .bind(r.employer_id)
                    .bind(r.org_id)
                    .bind(r.posting_id)
                    .bind(&r.reason)
                    .bind(r.blacklisted)
                    .bind(r.created_by)
                    .bind(r.created_at)
                    .bind(r.origin_node)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn scam_report(&self, id: Uuid) -> Result<Option<crate::employers::ScamReportRow>> {
                    let sql = sqlx::AssertSqlSafe(format!("{SCAM_SELECT} WHERE s.id = $1"));
                    let r = sqlx::query(sql).bind(id).fetch_optional(&self.pool).await?;
                    r.as_ref().map(scam_row).transpose()
                }

                async fn scam_reports_of(&self, employer_id: Uuid) -> Result<Vec<crate::employers::ScamReportRow>> {
                    let sql = sqlx::AssertSqlSafe(format!(
                        "{SCAM_SELECT} WHERE s.employer_id = $1 ORDER BY s.created_at DESC, s.id DESC"
                    ));
                    let rows = sqlx::query(sql).bind(employer_id).fetch_all(&self.pool).await?;
                    rows.iter().map(scam_row).collect()
                }

                async fn unresolved_scam_reports_under(
                    &self,
                    paths: &[String],
                    limit: i64,
                    offset: i64,
                ) -> Result<(Vec<crate::employers::ScamReportRow>, i64)> {
                    if paths.is_empty() {
                        return Ok((Vec::new(), 0));
                    }
                    fn filters(qb: &mut QueryBuilder<$db>, paths: &[String]) {
                        qb.push(" WHERE s.lifted_at IS NULL AND s.blacklisted = FALSE AND e.verification <> 'blacklisted' AND ");
                        crate::common::push_under(qb, &["r.path"], paths);
                    }
                    let mut qb = QueryBuilder::<$db>::new(
                        "SELECT COUNT(*) FROM employer_scam_reports s JOIN employers e ON e.id = s.employer_id \
                         JOIN orgs r ON r.id = e.org_id",
                    );
                    filters(&mut qb, paths);
                    let total: i64 = qb.build_query_scalar().fetch_one(&self.pool).await?;
                    let mut qb = QueryBuilder::<$db>::new(format!("{SCAM_SELECT} JOIN orgs r ON r.id = e.org_id"));
                    filters(&mut qb, paths);
                    qb.push(" ORDER BY s.created_at DESC, s.id DESC LIMIT ").push_bind(limit.clamp(1, crate::MAX_PAGE));
                    qb.push(" OFFSET ").push_bind(offset.max(0));
                    let rows = qb.build().fetch_all(&self.pool).await?;
                    Ok((rows.iter().map(scam_row).collect::<Result<Vec<_>>>()?, total))
                }

                async fn lift_scam_report(&self, id: Uuid, by: Uuid, reason: &str) -> Result<bool> {
                    let n = sqlx::query(
                        "UPDATE employer_scam_reports SET lifted_by = $2, lifted_at = $3, lift_reason = $4 \
                         WHERE id = $1 AND lifted_at IS NULL",
                    )
                    .bind(id)
                    .bind(by)
                    .bind(Utc::now())
                    .bind(reason)
                    .execute(&self.pool)
                    .await?
                    .rows_affected();
                    Ok(n == 1)
                }

                async fn lift_blacklisting_reports(&self, employer_id: Uuid, by: Uuid, reason: &str) -> Result<u64> {
                    Ok(sqlx::query(
                        "UPDATE employer_scam_reports SET lifted_by = $2, lifted_at = $3, lift_reason = $4 \
                         WHERE employer_id = $1 AND blacklisted = TRUE AND lifted_at IS NULL",
                    )
                    .bind(employer_id)
                    .bind(by)
                    .bind(Utc::now())
                    .bind(reason)
                    .execute(&self.pool)
                    .await?
                    .rows_affected())
                }

                async fn employers_hidden_in(&self, scopes: &[String]) -> Result<Vec<Uuid>> {
                    if scopes.is_empty() {
                        return Ok(Vec::new());
                    }
                    let mut qb = QueryBuilder::<$db>::new(
                        "SELECT DISTINCT s.employer_id FROM employer_scam_reports s JOIN orgs o ON o.id = s.org_id \
                         WHERE s.lifted_at IS NULL AND s.blacklisted = FALSE AND o.path IN (",
                    );
                    let mut sep = qb.separated(", ");
                    for p in scopes {
                        sep.push_bind(p.clone());
                    }
                    qb.push(")");
                    Ok(qb.build_query_scalar().fetch_all(&self.pool).await?)
                }

                async fn employer(&self, credit_code: &str) -> Result<Option<EmployerRecord>> {
                    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM employers WHERE credit_code = $1"));
                    let r = sqlx::query(sql).bind(credit_code).fetch_optional(&self.pool).await?;
                    r.as_ref().map(row).transpose()
                }

                async fn employer_by_id(&self, id: Uuid) -> Result<Option<EmployerRecord>> {
                    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM employers WHERE id = $1"));
                    let r = sqlx::query(sql).bind(id).fetch_optional(&self.pool).await?;
                    r.as_ref().map(row).transpose()
                }

                async fn employers_by_ids(&self, ids: &[Uuid]) -> Result<Vec<EmployerRecord>> {
                    if ids.is_empty() {
                        return Ok(Vec::new());
                    }
                    let mut qb = QueryBuilder::<$db>::new(format!("SELECT {COLUMNS} FROM employers WHERE id IN ("));
                    let mut sep = qb.separated(", ");
                    for id in ids.iter().take(500) {
                        sep.push_bind(*id);
                    }
                    qb.push(")");
                    let rows = qb.build().fetch_all(&self.pool).await?;
                    rows.iter().map(row).collect()
                }

                async fn set_verification(&self, credit_code: &str, state: Verification, by: Uuid, reason: Option<&str>) -> Result<bool> {
                    let res = sqlx::query(
                        "UPDATE employers SET verification = $2, verified_by = $3, verified_at = $4, \
                         blacklist_reason = $5, version = version + 1, updated_at = $4 WHERE credit_code = $1",
                    )
                    .bind(credit_code)
                    .bind(state.id())
                    .bind(by)
                    .bind(Utc::now())
                    .bind(reason)
                    .execute(&self.pool)
                    .await?;
                    Ok(res.rows_affected() == 1)
                }

                async fn list_employers(&self, q: Option<&str>, verification: Option<&str>, limit: i64, offset: i64) -> Result<(Vec<EmployerRecord>, i64)> {
                    let db = self.reader().await;
                    fn filters(qb: &mut QueryBuilder<$db>, q: Option<&str>, verification: Option<&str>) {
                        qb.push(" WHERE 1 = 1");
                        if let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) {
                            let pat = format!("%{}%", crate::common::like_escape(q));
                            qb.push(" AND (name LIKE ").push_bind(pat).push(" ESCAPE '\\' OR credit_code = ");
                            qb.push_bind(q.to_ascii_uppercase()).push(")");
                        }
                        if let Some(v) = verification.filter(|v| !v.is_empty()) {
                            qb.push(" AND verification = ").push_bind(v.to_owned());
                        }
                    }
                    let mut qb = QueryBuilder::<$db>::new("SELECT COUNT(*) FROM employers");
                    filters(&mut qb, q, verification);
                    let total: i64 = qb.build_query_scalar().fetch_one(db).await?;
                    let mut qb = QueryBuilder::<$db>::new(format!("SELECT {COLUMNS} FROM employers"));
                    filters(&mut qb, q, verification);
                    qb.push(" ORDER BY name LIMIT ").push_bind(limit.clamp(1, crate::MAX_PAGE));
                    qb.push(" OFFSET ").push_bind(offset.max(0));
                    let rows = qb.build().fetch_all(db).await?;
                    Ok((rows.iter().map(row).collect::<Result<Vec<_>>>()?, total))
                }
            }
        }
    };
}

pub(crate) use employers_impl;
