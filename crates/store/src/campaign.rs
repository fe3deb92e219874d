//! The campaign's own records beside the visits: photo evidence of visits, the internship and
//! practice base registry (就业实习实践基地) and the employer demand survey (社会需求调查).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::Result;

/// A photo attached to a visit; the bytes live in the evidence directory under `stored_name`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PhotoRecord {
    pub id: Uuid,
    pub visit_id: Uuid,
    pub stored_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_by: Uuid,
    pub uploaded_at: DateTime<Utc>,
}

/// An internship, practice or employment base agreed between a university unit and an employer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaseRecord {
    pub id: Uuid,
    /// The university.
    pub org_id: Uuid,
    /// The unit it belongs to (the university, a college or a programme).
    pub unit_id: Uuid,
    pub employer_id: Uuid,
    pub name: String,
    /// `internship` (实习基地), `practice` (实践基地) or `employment` (就业基地).
    pub kind: String,
    /// Places per year.
    pub capacity: i64,
    /// The day the agreement starts (stored as `YYYY-MM-DD`).
    pub start_date: chrono::NaiveDate,
    pub end_date: Option<chrono::NaiveDate>,
    /// The visit it was agreed on, if any.
    pub visit_id: Option<Uuid>,
    pub notes: Option<String>,
    pub created_by: Uuid,
    pub origin_node: Uuid,
    pub version: i64,
    /// The programmes it serves; read back by id.
    pub programmes: Vec<Uuid>,
}

/// A base with what a list shows of its employer and unit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaseRow {
    pub base: BaseRecord,
    pub employer_code: String,
    pub employer_name: String,
    pub unit_code: String,
    pub unit_name: String,
    pub unit_path: String,
}

/// One line of a demand survey: a role the employer expects to hire for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SurveyLine {
    pub role: String,
    /// 专业类 code of the undergraduate or vocational catalogue (e.g. `0809`).
    pub major_class: String,
    /// `vocational`, `bachelor`, `master` or `doctor`.
    pub education: String,
    pub headcount: i64,
    pub skills: Option<String>,
    /// Monthly, yuan.
    pub salary_min: i64,
    pub salary_max: i64,
}

/// An employer's answers to the demand survey for a year, as collected by one organisation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SurveyRecord {
    pub id: Uuid,
    pub employer_id: Uuid,
    pub org_id: Uuid,
    pub year: i64,
    pub notes: Option<String>,
    pub submitted_by: Uuid,
    pub origin_node: Uuid,
    pub lines: Vec<SurveyLine>,
}

/// A survey line with the employer facts it aggregates by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemandFact {
    pub survey_id: Uuid,
    pub employer_id: Uuid,
    pub industry_code: String,
    pub region_code: String,
    pub line: SurveyLine,
}

#[async_trait]
pub trait CampaignRecords: Send + Sync {
    async fn add_photo(&self, p: &PhotoRecord) -> Result<()>;
    async fn photos_of(&self, visit_id: Uuid) -> Result<Vec<PhotoRecord>>;
    async fn photo(&self, id: Uuid) -> Result<Option<PhotoRecord>>;
    /// The id and stored file name of every visit photo.
    async fn photo_files(&self) -> Result<Vec<(Uuid, String)>>;

    /// Registers a base with its programmes; false (and nothing written) when the unit already
    /// has a base of that kind with that employer.
    async fn add_base(&self, b: &BaseRecord) -> Result<bool>;
    async fn base(&self, id: Uuid) -> Result<Option<BaseRow>>;
    /// Bases of units at or below `path`, newest first.
    async fn bases_under(&self, path: &str) -> Result<Vec<BaseRow>>;
    async fn delete_base(&self, id: Uuid) -> Result<bool>;

    /// Stores an employer's survey for (organisation, year), replacing an earlier answer (its
    /// version goes up). Returns the stored id and whether it was new.
    async fn save_survey(&self, s: &SurveyRecord) -> Result<(Uuid, bool)>;
    /// Survey lines collected by organisations at or below `path`, for a year or all years.
    async fn demand_under(&self, path: &str, year: Option<i64>) -> Result<Vec<DemandFact>>;

    /// Hires registered before `before` by graduates at or below `path`, as (path of the
    /// graduate's programme, employer): destination records naming a credit code found in the
    /// directory, other than drafts and returned ones.
    async fn hired_before(&self, path: &str, before: DateTime<Utc>) -> Result<Vec<(String, Uuid)>>;
}

macro_rules! campaign_impl {
    ($store:ty, $db:ty) => {
        mod campaign_impl {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use sqlx::Row;
            use uuid::Uuid;

            use super::*;
            use crate::Result;
            use crate::common::like_escape;
            use crate::campaign::{BaseRecord, BaseRow, CampaignRecords, DemandFact, PhotoRecord, SurveyLine, SurveyRecord};

            type DbRow = <$db as sqlx::Database>::Row;

            const PHOTO_COLUMNS: &str =
                "id, visit_id, stored_name, content_type, size_bytes, sha256, uploaded_by, uploaded_at";

            fn photo_row(r: &DbRow) -> Result<PhotoRecord> {
                Ok(PhotoRecord {
                    id: r.try_get("id")?,
                    visit_id: r.try_get("visit_id")?,
                    stored_name: r.try_get("stored_name")?,
                    content_type: r.try_get("content_type")?,
                    size_bytes: r.try_get("size_bytes")?,
                    sha256: r.try_get("sha256")?,
                    uploaded_by: r.try_get("uploaded_by")?,
                    uploaded_at: r.try_get("uploaded_at")?,
                })
            }

            const BASE_SELECT: &str = "SELECT b.id, b.org_id, b.unit_id, b.employer_id, b.name, b.kind, b.capacity, \
                 b.start_date, b.end_date, b.visit_id, b.notes, b.created_by, b.origin_node, b.version, \
                 e.credit_code AS employer_code, e.name AS employer_name, o.code AS unit_code, o.name AS unit_name, \
                 o.path AS unit_path FROM practice_bases b JOIN employers e ON e.id = b.employer_id \
                 JOIN orgs o ON o.id = b.unit_id";

            fn base_row(r: &DbRow) -> Result<BaseRow> {
                Ok(BaseRow {
                    base: BaseRecord {
                        id: r.try_get("id")?,
                        org_id: r.try_get("org_id")?,
                        unit_id: r.try_get("unit_id")?,
                        employer_id: r.try_get("employer_id")?,
                        name: r.try_get("name")?,
                        kind: r.try_get("kind")?,
                        capacity: r.try_get("capacity")?,
                        start_date: crate::common::date("base start date", r.try_get("start_date")?)?,
                        end_date: match r.try_get::<Option<String>, _>("end_date")? {
                            Some(d) => Some(crate::common::date("base end date", &d)?),
                            None => None,
                        },
                        visit_id: r.try_get("visit_id")?,
                        notes: r.try_get("notes")?,
                        created_by: r.try_get("created_by")?,
                        origin_node: r.try_get("origin_node")?,
                        version: r.try_get("version")?,
                        programmes: Vec::new(),
                    },
                    employer_code: r.try_get("employer_code")?,
                    employer_name: r.try_get("employer_name")?,
                    unit_code: r.try_get("unit_code")?,
                    unit_name: r.try_get("unit_name")?,
                    unit_path: r.try_get("unit_path")?,
                })
            }

            impl $store {
                async fn with_programmes(&self, mut rows: Vec<BaseRow>) -> Result<Vec<BaseRow>> {
                    let mut by_id: std::collections::HashMap<Uuid, usize> = std::collections::HashMap::new();
                    for (i, r) in rows.iter().enumerate() {
                        by_id.insert(r.base.id, i);
                    }
                    for chunk in rows.iter().map(|r| r.base.id).collect::<Vec<_>>().chunks(500) {
                        let mut qb = sqlx::QueryBuilder::<$db>::new(
                            "SELECT base_id, programme_id FROM base_programmes WHERE base_id IN (",
                        );
                        let mut sep = qb.separated(", ");
                        for id in chunk {
                            sep.push_bind(*id);
                        }
                        qb.push(") ORDER BY base_id, programme_id");
                        let pairs: Vec<(Uuid, Uuid)> = qb.build_query_as().fetch_all(&self.pool).await?;
                        for (b, p) in pairs {
                            if let Some(i) = by_id.get(&b) {
                                rows[*i].base.programmes.push(p);
                            }
                        }
                    }
                    Ok(rows)
                }
            }

            #[async_trait]
            impl CampaignRecords for $store {
                async fn add_photo(&self, p: &PhotoRecord) -> Result<()> {
                    sqlx::query(
                        "INSERT INTO visit_photos (id, visit_id, stored_name, content_type, size_bytes, sha256, \
                         uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(p.id)
                    .bind(p.visit_id)
                    .bind(&p.stored_name)
                    .bind(&p.content_type)
                    .bind(p.size_bytes)
                    .bind(&p.sha256)
                    .bind(p.uploaded_by)
                    .bind(p.uploaded_at)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                }

                async fn photos_of(&self, visit_id: Uuid) -> Result<Vec<PhotoRecord>> {
                    let sql = sqlx::AssertSqlSafe(format!(
                        "SELECT {PHOTO_COLUMNS} FROM visit_photos WHERE visit_id = $1 ORDER BY uploaded_at"
                    ));
                    let rows = sqlx::query(sql).bind(visit_id).fetch_all(&self.pool).await?;
                    rows.iter().map(photo_row).collect()
                }

                async fn photo(&self, id: Uuid) -> Result<Option<PhotoRecord>> {
                    let sql = sqlx::AssertSqlSafe(format!("SELECT {PHOTO_COLUMNS} FROM visit_photos WHERE id = $1"));
                    let r = sqlx::query(sql).bind(id).fetch_optional(&self.pool).await?;
                    r.as_ref().map(photo_row).transpose()
                }

                async fn photo_files(&self) -> Result<Vec<(Uuid, String)>> {
                    let rows =
                        sqlx::query("SELECT id, stored_name FROM visit_photos ORDER BY id").fetch_all(&self.pool).await?;
                    rows.iter().map(|r| Ok((r.try_get("id")?, r.try_get("stored_name")?))).collect()
                }

                async fn add_base(&self, b: &BaseRecord) -> Result<bool> {
                    let mut tx = self.pool.begin().await?;
                    let n = sqlx::query(
                        "INSERT INTO practice_bases (id, org_id, unit_id, employer_id, name, kind, capacity, start_date, \
                         end_date, visit_id, notes, created_by, created_at, origin_node, version) VALUES ($1, $2, $3, \
                         $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1) \
                         ON CONFLICT (unit_id, employer_id, kind) DO NOTHING",
                    )
                    .bind(b.id)
                    .bind(b.org_id)
                    .bind(b.unit_id)
                    .bind(b.employer_id)
                    .bind(&b.name)
                    .bind(&b.kind)
                    .bind(b.capacity)
                    .bind(crate::common::date_text(b.start_date))
                    .bind(b.end_date.map(crate::common::date_text))
                    .bind(b.visit_id)
                    .bind(&b.notes)
                    .bind(b.created_by)
                    .bind(Utc::now())
                    .bind(b.origin_node)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    if n == 0 {
                        // Release the write lock now, not whenever the pool next hands out this connection.
                        tx.rollback().await?;
                        return Ok(false);
                    }
                    for p in &b.programmes {
                        sqlx::query("INSERT INTO base_programmes (base_id, programme_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                            .bind(b.id)
                            .bind(*p)
                            .execute(&mut *tx)
                            .await?;
                    }
                    tx.commit().await?;
                    Ok(true)
                }

                async fn base(&self, id: Uuid) -> Result<Option<BaseRow>> {
                    let sql = sqlx::AssertSqlSafe(format!("{BASE_SELECT} WHERE b.id = $1"));
                    let Some(r) = sqlx::query(sql).bind(id).fetch_optional(&self.pool).await? else { return Ok(None) };
                    Ok(self.with_programmes(vec![base_row(&r)?]).await?.pop())
                }

                async fn bases_under(&self, path: &str) -> Result<Vec<BaseRow>> {
                    let sql = sqlx::AssertSqlSafe(format!(
                        "{BASE_SELECT} WHERE o.path = $1 OR o.path LIKE $2 ESCAPE '\\' ORDER BY b.start_date DESC, b.id"
                    ));
                    let rows = sqlx::query(sql)
                        .bind(path)
                        .bind(format!("{}/%", like_escape(path)))
                        .fetch_all(&self.pool)
                        .await?;
                    let rows = rows.iter().map(base_row).collect::<Result<Vec<_>>>()?;
                    self.with_programmes(rows).await
                }

                async fn delete_base(&self, id: Uuid) -> Result<bool> {
                    let mut tx = self.pool.begin().await?;
                    sqlx::query("DELETE FROM base_programmes WHERE base_id = $1").bind(id).execute(&mut *tx).await?;
                    let n = sqlx::query("DELETE FROM practice_bases WHERE id = $1").bind(id).execute(&mut *tx).await?.rows_affected();
                    tx.commit().await?;
                    Ok(n == 1)
                }

                async fn save_survey(&self, s: &SurveyRecord) -> Result<(Uuid, bool)> {
                    let mut tx = self.pool.begin().await?;
                    let existing: Option<Uuid> = sqlx::query_scalar(
                        "SELECT id FROM demand_surveys WHERE employer_id = $1 AND org_id = $2 AND year = $3",
                    )
                    .bind(s.employer_id)
                    .bind(s.org_id)
                    .bind(s.year)
                    .fetch_optional(&mut *tx)
                    .await?;
                    let id = match existing {
                        Some(id) => {
                            sqlx::query(
                                "UPDATE demand_surveys SET notes = $2, submitted_by = $3, submitted_at = $4, \
                                 version = version + 1 WHERE id = $1",
                            )
                            .bind(id)
                            .bind(&s.notes)
                            .bind(s.submitted_by)
                            .bind(Utc::now())
                            .execute(&mut *tx)
                            .await?;
                            sqlx::query("DELETE FROM demand_survey_lines WHERE survey_id = $1").bind(id).execute(&mut *tx).await?;
                            id
                        }
                        None => {
                            sqlx::query(
                                "INSERT INTO demand_surveys (id, employer_id, org_id, year, notes, submitted_by, \
                                 submitted_at, origin_node, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1)",
                            )
                            .bind(s.id)
                            .bind(s.employer_id)
                            .bind(s.org_id)
                            .bind(s.year)
                            .bind(&s.notes)
                            .bind(s.submitted_by)
                            .bind(Utc::now())
                            .bind(s.origin_node)
                            .execute(&mut *tx)
                            .await?;
                            s.id
                        }
                    };
                    for (i, l) in s.lines.iter().enumerate() {
                        sqlx::query(
                            "INSERT INTO demand_survey_lines (survey_id, line, role, major_class, education, headcount, \
                             skills, salary_min, salary_max) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                        )
                        .bind(id)
                        .bind(i as i64 + 1)
                        .bind(&l.role)
                        .bind(&l.major_class)
                        .bind(&l.education)
                        .bind(l.headcount)
                        .bind(&l.skills)
                        .bind(l.salary_min)
                        .bind(l.salary_max)
                        .execute(&mut *tx)
                        .await?;
                    }
                    tx.commit().await?;
                    Ok((id, existing.is_none()))
                }

                async fn demand_under(&self, path: &str, year: Option<i64>) -> Result<Vec<DemandFact>> {
                    let mut qb = sqlx::QueryBuilder::<$db>::new(
                        "SELECT s.id AS survey_id, s.employer_id, e.industry_code, e.region_code, l.role, l.major_class, \
                         l.education, l.headcount, l.skills, l.salary_min, l.salary_max FROM demand_survey_lines l \
                         JOIN demand_surveys s ON s.id = l.survey_id JOIN employers e ON e.id = s.employer_id \
                         JOIN orgs o ON o.id = s.org_id WHERE ",
                    );
                    crate::common::push_under(&mut qb, &["o.path"], &[path.to_owned()]);
                    if let Some(y) = year {
                        qb.push(" AND s.year = ").push_bind(y);
                    }
                    qb.push(" ORDER BY s.id, l.line");
                    let rows = qb.build().fetch_all(&self.pool).await?;
                    rows.iter()
                        .map(|r| {
                            Ok(DemandFact {
                                survey_id: r.try_get("survey_id")?,
                                employer_id: r.try_get("employer_id")?,
                                industry_code: r.try_get("industry_code")?,
                                region_code: r.try_get("region_code")?,
                                line: SurveyLine {
                                    role: r.try_get("role")?,
                                    major_class: r.try_get("major_class")?,
                                    education: r.try_get("education")?,
                                    headcount: r.try_get("headcount")?,
                                    skills: r.try_get("skills")?,
                                    salary_min: r.try_get("salary_min")?,
                                    salary_max: r.try_get("salary_max")?,
                                },
                            })
                        })
                        .collect()
                }

                async fn hired_before(&self, path: &str, before: DateTime<Utc>) -> Result<Vec<(String, Uuid)>> {
                    let ids: Vec<(String, Uuid)> = sqlx::query_as(
                        "SELECT DISTINCT o.path, e.id FROM destinations d JOIN graduates g ON g.id = d.graduate_id \
                         JOIN orgs o ON o.id = g.programme_id JOIN employers e ON e.credit_code = d.credit_code \
                         WHERE (o.path = $1 OR o.path LIKE $2 ESCAPE '\\') AND d.created_at < $3 \
                         AND d.status NOT IN ('draft', 'returned')",
                    )
                    .bind(path)
                    .bind(format!("{}/%", like_escape(path)))
                    .bind(before)
                    .fetch_all(&self.pool)
                    .await?;
                    Ok(ids)
                }
            }
        }
    };
}

pub(crate) use campaign_impl;
