//! The shared employer directory (用人单位库), keyed by the unified social credit code.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
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
    pub verification: String,
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
    /// YYYY-MM-DD.
    pub visit_date: String,
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
    pub visit_date: String,
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

#[async_trait]
pub trait EmployerDirectory: Send + Sync {
    /// Records a visit with its people (user, role) and programmes, in one transaction.
    async fn add_visit(&self, v: &VisitRecord, people: &[(Uuid, String)], programmes: &[Uuid]) -> Result<()>;
    async fn visit(&self, id: Uuid) -> Result<Option<VisitRecord>>;
    /// Replaces a visit's fields, people and programmes (the version goes up); false when gone.
    async fn update_visit(&self, v: &VisitRecord, people: &[(Uuid, String)], programmes: &[Uuid]) -> Result<bool>;
    async fn delete_visit(&self, id: Uuid) -> Result<bool>;
    /// Every visit of a university, with people's roles and programmes.
    async fn visits_of(&self, university_id: Uuid) -> Result<Vec<VisitFact>>;
    /// Inserts, or merges into the record with the same credit code (given fields replace stored
    /// ones; verification is kept). Returns the stored record and whether it was new.
    async fn upsert_employer(&self, e: &EmployerRecord) -> Result<(EmployerRecord, bool)>;
    async fn employer(&self, credit_code: &str) -> Result<Option<EmployerRecord>>;
    async fn employer_by_id(&self, id: Uuid) -> Result<Option<EmployerRecord>>;
    async fn set_verification(&self, credit_code: &str, state: &str, by: Uuid, reason: Option<&str>) -> Result<bool>;
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
                    verification: r.try_get("verification")?,
                    verified_by: r.try_get("verified_by")?,
                    verified_at: r.try_get("verified_at")?,
                    blacklist_reason: r.try_get("blacklist_reason")?,
                    origin_node: r.try_get("origin_node")?,
                    version: r.try_get("version")?,
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
                    .bind(&v.visit_date)
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
                        visit_date: r.try_get("visit_date")?,
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
                    .bind(&v.visit_date)
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
                         WHERE v.org_id = $1 ORDER BY v.visit_date",
                    )
                    .bind(university_id)
                    .fetch_all(&self.pool)
                    .await?;
                    let roles: Vec<(Uuid, Uuid, String)> = sqlx::query_as(
                        "SELECT p.visit_id, p.user_id, p.role FROM visit_people p JOIN visits v ON v.id = p.visit_id WHERE v.org_id = $1",
                    )
                    .bind(university_id)
                    .fetch_all(&self.pool)
                    .await?;
                    let progs: Vec<(Uuid, Uuid)> = sqlx::query_as(
                        "SELECT p.visit_id, p.programme_id FROM visit_programmes p JOIN visits v ON v.id = p.visit_id WHERE v.org_id = $1",
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
                            visit_date: r.try_get("visit_date")?,
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

                async fn set_verification(&self, credit_code: &str, state: &str, by: Uuid, reason: Option<&str>) -> Result<bool> {
                    let res = sqlx::query(
                        "UPDATE employers SET verification = $2, verified_by = $3, verified_at = $4, \
                         blacklist_reason = $5, version = version + 1, updated_at = $4 WHERE credit_code = $1",
                    )
                    .bind(credit_code)
                    .bind(state)
                    .bind(by)
                    .bind(Utc::now())
                    .bind(reason)
                    .execute(&self.pool)
                    .await?;
                    Ok(res.rows_affected() == 1)
                }

                async fn list_employers(&self, q: Option<&str>, verification: Option<&str>, limit: i64, offset: i64) -> Result<(Vec<EmployerRecord>, i64)> {
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
                    let total: i64 = qb.build_query_scalar().fetch_one(&self.pool).await?;
                    let mut qb = QueryBuilder::<$db>::new(format!("SELECT {COLUMNS} FROM employers"));
                    filters(&mut qb, q, verification);
                    qb.push(" ORDER BY name LIMIT ").push_bind(limit.clamp(1, 500));
                    qb.push(" OFFSET ").push_bind(offset.max(0));
                    let rows = qb.build().fetch_all(&self.pool).await?;
                    Ok((rows.iter().map(row).collect::<Result<Vec<_>>>()?, total))
                }
            }
        }
    };
}

pub(crate) use employers_impl;
