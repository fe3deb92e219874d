//! The SQL both backends share. `repository_impl!` expands to the `Repository` implementation for
//! one backend type (which must have a `pool` field and an `engine_integrity_check` method);
//! the statements are written once, in the dialect SQLite and PostgreSQL both accept.

use jiuye_domain::{Catalogue, Org, OrgCode, OrgKind, RefEntry, SchoolLevel};
use uuid::Uuid;

use crate::StoreError;

/// Rows per multi-row INSERT: keeps every statement well under both engines' parameter limits.
pub(crate) const CHUNK: usize = 500;

/// Loads (or replaces) a campaign: `$1` id, `$2` name, `$3` policy text, `$4` loaded at.
pub(crate) const CAMPAIGN_UPSERT: &str = "INSERT INTO campaigns (id, name, policy, loaded_at) VALUES ($1, $2, $3, $4) \
     ON CONFLICT (id) DO UPDATE SET name = excluded.name, policy = excluded.policy, loaded_at = excluded.loaded_at";

/// Namespace for deterministic ids of nodes that exist on every jiuye node (the nation,
/// provinces and universities of the national list), so all nodes agree on them.
const ORG_NAMESPACE: Uuid = Uuid::from_u128(0x6a69_7579_652d_6f72_672d_6e73_2d76_3101);

/// The id every jiuye node gives the organisation with this code.
pub fn well_known_org_id(code: &OrgCode) -> Uuid {
    Uuid::new_v5(&ORG_NAMESPACE, code.as_str().as_bytes())
}

pub(crate) fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} '{value}'"))
}

/// A date stored as `YYYY-MM-DD` text.
pub(crate) fn date(what: &str, value: &str) -> Result<chrono::NaiveDate, StoreError> {
    chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| corrupt(what, value))
}

/// How a date is stored: `YYYY-MM-DD` text.
pub(crate) fn date_text(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub(crate) struct OrgRow {
    pub id: Uuid,
    pub code: String,
    pub kind: String,
    pub name: String,
    pub parent_id: Option<Uuid>,
    pub path: String,
    pub province_code: Option<String>,
    pub school_level: Option<String>,
    pub newly_built: bool,
    pub private: bool,
    pub authority: Option<String>,
    pub region_code: Option<String>,
    pub major_code: Option<String>,
    pub origin_node: Uuid,
    pub version: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl OrgRow {
    pub(crate) fn into_org(self) -> Result<Org, StoreError> {
        Ok(Org {
            id: self.id,
            code: OrgCode::parse(&self.code).map_err(|_| corrupt("org code", &self.code))?,
            kind: OrgKind::from_id(&self.kind).ok_or_else(|| corrupt("org kind", &self.kind))?,
            name: self.name,
            parent_id: self.parent_id,
            path: self.path,
            province_code: self.province_code,
            school_level: match self.school_level {
                Some(s) => Some(SchoolLevel::from_id(&s).ok_or_else(|| corrupt("school level", &s))?),
                None => None,
            },
            newly_built: self.newly_built,
            private: self.private,
            authority: self.authority,
            region_code: self.region_code,
            major_code: self.major_code,
            origin_node: self.origin_node,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

pub(crate) struct RefRow {
    pub catalogue: String,
    pub code: String,
    pub name: String,
    pub level: i32,
    pub parent_code: Option<String>,
    pub attrs: String,
}

impl RefRow {
    pub(crate) fn into_entry(self) -> Result<RefEntry, StoreError> {
        Ok(RefEntry {
            catalogue: Catalogue::from_id(&self.catalogue).ok_or_else(|| corrupt("catalogue", &self.catalogue))?,
            code: self.code,
            name: self.name,
            level: u8::try_from(self.level).map_err(|_| corrupt("level", &self.level.to_string()))?,
            parent_code: self.parent_code,
            attrs: serde_json::from_str(&self.attrs).map_err(|_| corrupt("attrs", &self.attrs))?,
        })
    }
}

pub(crate) const ORG_COLUMNS: &str = "o.id, o.code, o.kind, o.name, o.parent_id, o.path, o.province_code, o.school_level, \
     o.newly_built, o.private, o.authority, o.region_code, o.major_code, o.origin_node, o.version, \
     o.created_at, o.updated_at";

/// Pushes `(col = p OR col LIKE 'p/%' ESCAPE '\' OR …)` over every column and organisation path:
/// the rows at or under any of the organisations. No path pushes `(1 = 0)`: no rows.
pub(crate) fn push_under<DB>(qb: &mut sqlx::QueryBuilder<DB>, columns: &[&str], paths: &[String])
where
    DB: sqlx::Database,
    for<'t> String: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    if paths.is_empty() {
        qb.push("(1 = 0)");
        return;
    }
    qb.push("(");
    let mut first = true;
    for col in columns {
        for p in paths {
            if !first {
                qb.push(" OR ");
            }
            first = false;
            qb.push(format!("{col} = ")).push_bind(p.clone());
            qb.push(format!(" OR {col} LIKE ")).push_bind(format!("{}/%", like_escape(p))).push(" ESCAPE '\\'");
        }
    }
    qb.push(")");
}

/// Pushes ` AND ` and [`push_under`] for a reader's scope: nothing when the scope holds the nation
/// (everything, including rows tied to no organisation), no rows when it is empty.
pub(crate) fn push_within_scope<DB>(qb: &mut sqlx::QueryBuilder<DB>, columns: &[&str], paths: &[String])
where
    DB: sqlx::Database,
    for<'t> String: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    if paths.iter().any(|p| p == OrgCode::NATION) {
        return;
    }
    qb.push(" AND ");
    push_under(qb, columns, paths);
}

/// Escapes `%`, `_` and `\` for a LIKE pattern used with `ESCAPE '\'`.
pub(crate) fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

macro_rules! repository_impl {
    ($store:ty, $db:ty, $backend:expr, $day:literal) => {
        use async_trait::async_trait;
        use chrono::Utc;
        use jiuye_domain::{
            Catalogue, Employer, Graduate, Org, OrgCode, OrgCounts, OrgKind, OrgWithCounts, RefData, RefEntry,
        };
        use sqlx::{QueryBuilder, Row};
        use std::collections::HashMap;
        use uuid::Uuid;

        use crate::common::{CHUNK, ORG_COLUMNS, OrgRow, RefRow, like_escape, well_known_org_id};
        use crate::{
            Backend, NodeInfo, OrgQuery, PoolStats, RefPage, RefQuery, Repository, Result, StoreError, Totals,
        };

        type DbRow = <$db as sqlx::Database>::Row;

        fn org_row(r: &DbRow) -> Result<Org> {
            OrgRow {
                id: r.try_get("id")?,
                code: r.try_get("code")?,
                kind: r.try_get("kind")?,
                name: r.try_get("name")?,
                parent_id: r.try_get("parent_id")?,
                path: r.try_get("path")?,
                province_code: r.try_get("province_code")?,
                school_level: r.try_get("school_level")?,
                newly_built: r.try_get("newly_built")?,
                private: r.try_get("private")?,
                authority: r.try_get("authority")?,
                region_code: r.try_get("region_code")?,
                major_code: r.try_get("major_code")?,
                origin_node: r.try_get("origin_node")?,
                version: r.try_get("version")?,
                created_at: r.try_get("created_at")?,
                updated_at: r.try_get("updated_at")?,
            }
            .into_org()
        }

        fn ref_row(r: &DbRow) -> Result<RefEntry> {
            RefRow {
                catalogue: r.try_get("catalogue")?,
                code: r.try_get("code")?,
                name: r.try_get("name")?,
                level: r.try_get("level")?,
                parent_code: r.try_get("parent_code")?,
                attrs: r.try_get("attrs")?,
            }
            .into_entry()
        }

        fn graduate_row(r: &DbRow) -> Result<Graduate> {
            let gender: String = r.try_get("gender")?;
            let level: String = r.try_get("education_level")?;
            Ok(Graduate {
                id: r.try_get("id")?,
                org_id: r.try_get("org_id")?,
                college_id: r.try_get("college_id")?,
                programme_id: r.try_get("programme_id")?,
                student_no: r.try_get("student_no")?,
                name: r.try_get("name")?,
                gender: jiuye_domain::Gender::from_id(&gender).ok_or_else(|| crate::common::corrupt("gender", &gender))?,
                education_level: jiuye_domain::EducationLevel::from_id(&level)
                    .ok_or_else(|| crate::common::corrupt("education level", &level))?,
                cohort: r.try_get("cohort")?,
                origin_region: r.try_get("origin_region")?,
                dest_code: r.try_get("dest_code")?,
                dest_updated_at: r.try_get("dest_updated_at")?,
                dest_status: {
                    let s: String = r.try_get("dest_status")?;
                    jiuye_domain::destination::DestStatus::from_id(&s)
                        .ok_or_else(|| crate::common::corrupt("destination status", &s))?
                },
                origin_node: r.try_get("origin_node")?,
                version: r.try_get("version")?,
            })
        }

        fn employer_row(r: &DbRow) -> Result<Employer> {
            Ok(Employer {
                id: r.try_get("id")?,
                org_id: r.try_get("org_id")?,
                credit_code: r.try_get("credit_code")?,
                name: r.try_get("name")?,
                employer_type: r.try_get("employer_type")?,
                industry_code: r.try_get("industry_code")?,
                region_code: r.try_get("region_code")?,
                origin_node: r.try_get("origin_node")?,
                version: r.try_get("version")?,
            })
        }

        /// Narrows a query over `graduates g` to the graduates below `org`.
        fn push_graduates_of(qb: &mut QueryBuilder<$db>, org: &Org) {
            match org.kind {
                OrgKind::Nation => {}
                OrgKind::Province => {
                    qb.push(" AND g.org_id IN (SELECT id FROM orgs WHERE parent_id = ")
                        .push_bind(org.id)
                        .push(" AND kind = 'university')");
                }
                OrgKind::University => {
                    qb.push(" AND g.org_id = ").push_bind(org.id);
                }
                OrgKind::College => {
                    qb.push(" AND g.college_id = ").push_bind(org.id);
                }
                OrgKind::Programme => {
                    qb.push(" AND g.programme_id = ").push_bind(org.id);
                }
                OrgKind::Alliance => {
                    qb.push(" AND g.org_id IN (SELECT university_id FROM alliance_members WHERE alliance_id = ")
                        .push_bind(org.id)
                        .push(")");
                }
            }
        }

        fn push_org_upsert(qb: &mut QueryBuilder<$db>, orgs: &[Org]) {
            qb.push(
                "INSERT INTO orgs (id, code, kind, name, parent_id, path, province_code, school_level, newly_built, \
                 private, authority, region_code, major_code, origin_node, version, created_at, updated_at) ",
            );
            qb.push_values(orgs, |mut b, o| {
                b.push_bind(o.id)
                    .push_bind(o.code.as_str().to_owned())
                    .push_bind(o.kind.id())
                    .push_bind(o.name.clone())
                    .push_bind(o.parent_id)
                    .push_bind(o.path.clone())
                    .push_bind(o.province_code.clone())
                    .push_bind(o.school_level.map(|l| l.id()))
                    .push_bind(o.newly_built)
                    .push_bind(o.private)
                    .push_bind(o.authority.clone())
                    .push_bind(o.region_code.clone())
                    .push_bind(o.major_code.clone())
                    .push_bind(o.origin_node)
                    .push_bind(o.version)
                    .push_bind(o.created_at)
                    .push_bind(o.updated_at);
            });
            // The 新建本科 flag is only set on insert: a province may have corrected it since.
            qb.push(
                " ON CONFLICT (code) DO UPDATE SET name = excluded.name, parent_id = excluded.parent_id, path = excluded.path, \
                 province_code = excluded.province_code, school_level = excluded.school_level, \
                 private = excluded.private, authority = excluded.authority, region_code = excluded.region_code, \
                 major_code = excluded.major_code, updated_at = excluded.updated_at, version = orgs.version + 1 \
                 WHERE orgs.name <> excluded.name OR orgs.parent_id IS DISTINCT FROM excluded.parent_id OR orgs.path <> excluded.path \
                 OR orgs.province_code IS DISTINCT FROM excluded.province_code \
                 OR orgs.school_level IS DISTINCT FROM excluded.school_level OR orgs.private <> excluded.private \
                 OR orgs.authority IS DISTINCT FROM excluded.authority \
                 OR orgs.region_code IS DISTINCT FROM excluded.region_code \
                 OR orgs.major_code IS DISTINCT FROM excluded.major_code",
            );
        }

        impl $store {
            async fn upsert_orgs_in(&self, tx: &mut sqlx::Transaction<'static, $db>, orgs: &[Org]) -> Result<()> {
                for chunk in orgs.chunks(CHUNK) {
                    let mut qb = QueryBuilder::<$db>::new("");
                    push_org_upsert(&mut qb, chunk);
                    qb.build().execute(&mut **tx).await?;
                }
                Ok(())
            }

            /// Counts for statistics pages (read from a replica where the task may).
            async fn count(&self, sql: &'static str, id: Uuid) -> Result<i64> {
                Ok(sqlx::query_scalar::<_, i64>(sql).bind(id).fetch_one(self.reader().await).await?)
            }

            async fn counts_by_id(&self, sql: &'static str, id: Uuid) -> Result<HashMap<Uuid, i64>> {
                let rows: Vec<(Uuid, i64)> = sqlx::query_as(sql).bind(id).fetch_all(self.reader().await).await?;
                Ok(rows.into_iter().collect())
            }

            /// Checks that hold whatever the engine: every graduate's college and programme sit
            /// under their university.
            async fn logical_integrity_check(&self) -> Result<Vec<String>> {
                let mut problems = Vec::new();
                let misplaced: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM graduates g JOIN orgs c ON c.id = g.college_id \
                     JOIN orgs p ON p.id = g.programme_id \
                     WHERE c.parent_id <> g.org_id OR p.parent_id <> g.college_id",
                )
                .fetch_one(&self.pool)
                .await?;
                if misplaced > 0 {
                    problems.push(format!("{misplaced} graduates whose college or programme is not under their university"));
                }
                let orphans: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM orgs o WHERE o.kind <> 'nation' AND o.kind <> 'alliance' \
                     AND NOT EXISTS (SELECT 1 FROM orgs p WHERE p.id = o.parent_id)",
                )
                .fetch_one(&self.pool)
                .await?;
                if orphans > 0 {
                    problems.push(format!("{orphans} organisations without a parent"));
                }
                Ok(problems)
            }
        }

        #[async_trait]
        impl Repository for $store {
            fn backend(&self) -> Backend {
                $backend
            }

            fn pool_stats(&self) -> PoolStats {
                PoolStats {
                    size: self.pool.size(),
                    idle: u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX),
                    max: self.pool.options().get_max_connections(),
                }
            }

            fn replicas(&self) -> Vec<crate::replica::ReplicaStatus> {
                self.replica_status()
            }

            async fn write_position(&self) -> Result<Option<i64>> {
                self.primary_position().await
            }

            async fn ping(&self) -> Result<()> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn node(&self) -> Result<NodeInfo> {
                let fresh = Uuid::new_v4().to_string();
                sqlx::query("INSERT INTO meta (key, value) VALUES ('node_id', $1) ON CONFLICT (key) DO NOTHING")
                    .bind(&fresh)
                    .execute(&self.pool)
                    .await?;
                let v: String = sqlx::query_scalar("SELECT value FROM meta WHERE key = 'node_id'")
                    .fetch_one(&self.pool)
                    .await?;
                let node_id = Uuid::parse_str(&v).map_err(|_| crate::common::corrupt("node id", &v))?;
                Ok(NodeInfo { node_id })
            }

            async fn sync_reference_data(&self, refdata: &RefData) -> Result<bool> {
                crate::destinations::Destinations::seed_min_wages(self, &jiuye_domain::refdata::min_wage_table()).await?;
                crate::hardship::HardshipStore::seed_subsidy_amounts(self, &jiuye_domain::refdata::job_subsidy_table())
                    .await?;
                let fingerprint = RefData::fingerprint();
                let stored: Option<String> =
                    sqlx::query_scalar("SELECT value FROM meta WHERE key = 'refdata_fingerprint'")
                        .fetch_optional(&self.pool)
                        .await?;
                if stored.as_deref() == Some(fingerprint.as_str()) {
                    return Ok(false);
                }
                let node = self.node().await?.node_id;
                let now = Utc::now();
                let mut tx = self.pool.begin().await?;
                sqlx::query("DELETE FROM ref_codes").execute(&mut *tx).await?;
                for chunk in refdata.entries.chunks(CHUNK) {
                    let mut qb = QueryBuilder::<$db>::new(
                        "INSERT INTO ref_codes (catalogue, code, name, level, parent_code, attrs) ",
                    );
                    qb.push_values(chunk, |mut b, e| {
                        b.push_bind(e.catalogue.id())
                            .push_bind(e.code.clone())
                            .push_bind(e.name.clone())
                            .push_bind(i32::from(e.level))
                            .push_bind(e.parent_code.clone())
                            .push_bind(serde_json::to_string(&e.attrs).unwrap_or_else(|_| "{}".into()));
                    });
                    qb.build().execute(&mut *tx).await?;
                }

                let org = |code: OrgCode, kind: OrgKind, name: &str, parent: Option<Uuid>, parent_path: &str| Org {
                    id: well_known_org_id(&code),
                    path: if parent_path.is_empty() { code.to_string() } else { format!("{parent_path}/{code}") },
                    code,
                    kind,
                    name: name.to_owned(),
                    parent_id: parent,
                    province_code: None,
                    school_level: None,
                    newly_built: false,
                    private: false,
                    authority: None,
                    region_code: None,
                    major_code: None,
                    origin_node: node,
                    version: 1,
                    created_at: now,
                    updated_at: now,
                };
                let nation = org(OrgCode::nation(), OrgKind::Nation, "全国", None, "");
                let nation_id = nation.id;
                let mut orgs = vec![nation];
                let with_universities: std::collections::BTreeSet<&str> =
                    refdata.universities.iter().map(|u| u.province.as_str()).collect();
                for p in refdata.provinces().filter(|p| with_universities.contains(p.code.as_str())) {
                    let mut o =
                        org(OrgCode::province(&p.code), OrgKind::Province, &p.name, Some(nation_id), OrgCode::NATION);
                    o.province_code = Some(p.code.to_string());
                    o.region_code = Some(p.code.to_string());
                    orgs.push(o);
                }
                for u in &refdata.universities {
                    let parent = well_known_org_id(&OrgCode::province(&u.province));
                    let province_path = format!("{}/{}", OrgCode::NATION, u.province);
                    let mut o =
                        org(OrgCode::university(&u.code), OrgKind::University, &u.name, Some(parent), &province_path);
                    o.province_code = Some(u.province.to_string());
                    o.school_level = Some(u.level);
                    o.newly_built = u.newly_built;
                    o.private = u.private;
                    o.authority = Some(u.authority.clone());
                    o.region_code = Some(u.region.to_string());
                    orgs.push(o);
                }
                self.upsert_orgs_in(&mut tx, &orgs).await?;
                sqlx::query(
                    "INSERT INTO meta (key, value) VALUES ('refdata_fingerprint', $1) \
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                )
                .bind(&fingerprint)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn integrity_check(&self) -> Result<Vec<String>> {
                let mut problems = self.engine_integrity_check().await?;
                if problems.is_empty() {
                    problems.extend(self.logical_integrity_check().await?);
                }
                Ok(problems)
            }

            async fn ref_entries(&self, catalogue: Catalogue, query: &RefQuery) -> Result<RefPage> {
                fn filters(qb: &mut QueryBuilder<$db>, catalogue: Catalogue, query: &RefQuery) {
                    qb.push(" WHERE catalogue = ").push_bind(catalogue.id());
                    if let Some(q) = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
                        qb.push(" AND (code LIKE ")
                            .push_bind(format!("{}%", like_escape(q)))
                            .push(" ESCAPE '\\' OR name LIKE ")
                            .push_bind(format!("%{}%", like_escape(q)))
                            .push(" ESCAPE '\\')");
                    }
                    if let Some(p) = &query.parent {
                        qb.push(" AND parent_code = ").push_bind(p.clone());
                    }
                    if let Some(l) = query.level {
                        qb.push(" AND level = ").push_bind(i32::from(l));
                    }
                }
                let mut qb = QueryBuilder::<$db>::new("SELECT COUNT(*) FROM ref_codes");
                filters(&mut qb, catalogue, query);
                let total: i64 = qb.build_query_scalar().fetch_one(&self.pool).await?;
                let mut qb = QueryBuilder::<$db>::new(
                    "SELECT catalogue, code, name, level, parent_code, attrs FROM ref_codes",
                );
                filters(&mut qb, catalogue, query);
                qb.push(" ORDER BY code LIMIT ").push_bind(query.limit.clamp(1, crate::MAX_PAGE));
                qb.push(" OFFSET ").push_bind(query.offset.max(0));
                let rows = qb.build().fetch_all(&self.pool).await?;
                let entries = rows.iter().map(ref_row).collect::<Result<Vec<_>>>()?;
                Ok(RefPage { entries, total })
            }

            async fn ref_entry(&self, catalogue: Catalogue, code: &str) -> Result<Option<RefEntry>> {
                let row = sqlx::query(
                    "SELECT catalogue, code, name, level, parent_code, attrs FROM ref_codes \
                     WHERE catalogue = $1 AND code = $2",
                )
                .bind(catalogue.id())
                .bind(code)
                .fetch_optional(&self.pool)
                .await?;
                row.as_ref().map(ref_row).transpose()
            }

            async fn org_by_code(&self, code: &OrgCode) -> Result<Option<Org>> {
                let sql = sqlx::AssertSqlSafe(format!("SELECT {ORG_COLUMNS} FROM orgs o WHERE o.code = $1"));
                let row = sqlx::query(sql).bind(code.as_str()).fetch_optional(&self.pool).await?;
                row.as_ref().map(org_row).transpose()
            }

            async fn org_by_id(&self, id: Uuid) -> Result<Option<Org>> {
                let sql = sqlx::AssertSqlSafe(format!("SELECT {ORG_COLUMNS} FROM orgs o WHERE o.id = $1"));
                let row = sqlx::query(sql).bind(id).fetch_optional(&self.pool).await?;
                row.as_ref().map(org_row).transpose()
            }

            async fn org_ancestors(&self, org: &Org) -> Result<Vec<Org>> {
                let mut out = Vec::new();
                let mut next = org.parent_id;
                // The tree is at most five deep; the bound guards against a cycle in bad data.
                for _ in 0..8 {
                    let Some(id) = next else { break };
                    let Some(parent) = self.org_by_id(id).await? else {
                        return Err(StoreError::Corrupt(format!("organisation {} has a missing parent", org.code)));
                    };
                    next = parent.parent_id;
                    out.push(parent);
                }
                out.reverse();
                Ok(out)
            }

            async fn org_children(&self, org: &Org) -> Result<Vec<OrgWithCounts>> {
                let db = self.reader().await;
                let rows = if org.kind == OrgKind::Alliance {
                    let sql = sqlx::AssertSqlSafe(format!(
                        "SELECT {ORG_COLUMNS} FROM orgs o JOIN alliance_members m ON m.university_id = o.id \
                         WHERE m.alliance_id = $1 ORDER BY o.code"
                    ));
                    sqlx::query(sql).bind(org.id).fetch_all(db).await?
                } else {
                    let Some(kind) = org.kind.child_kind() else { return Ok(Vec::new()) };
                    let sql = sqlx::AssertSqlSafe(format!(
                        "SELECT {ORG_COLUMNS} FROM orgs o WHERE o.parent_id = $1 AND o.kind = $2 ORDER BY o.code"
                    ));
                    sqlx::query(sql).bind(org.id).bind(kind.id()).fetch_all(db).await?
                };
                let children = rows.iter().map(org_row).collect::<Result<Vec<_>>>()?;
                let graduates = match org.kind {
                    OrgKind::Nation => {
                        self.counts_by_id(
                            "SELECT u.parent_id, COUNT(*) FROM graduates g JOIN orgs u ON u.id = g.org_id \
                             WHERE $1 = $1 GROUP BY u.parent_id",
                            org.id,
                        )
                        .await?
                    }
                    OrgKind::Province => {
                        self.counts_by_id(
                            "SELECT g.org_id, COUNT(*) FROM graduates g JOIN orgs u ON u.id = g.org_id \
                             WHERE u.parent_id = $1 GROUP BY g.org_id",
                            org.id,
                        )
                        .await?
                    }
                    OrgKind::University => {
                        self.counts_by_id(
                            "SELECT college_id, COUNT(*) FROM graduates WHERE org_id = $1 GROUP BY college_id",
                            org.id,
                        )
                        .await?
                    }
                    OrgKind::College => {
                        self.counts_by_id(
                            "SELECT programme_id, COUNT(*) FROM graduates WHERE college_id = $1 GROUP BY programme_id",
                            org.id,
                        )
                        .await?
                    }
                    OrgKind::Alliance => {
                        self.counts_by_id(
                            "SELECT org_id, COUNT(*) FROM graduates WHERE org_id IN \
                             (SELECT university_id FROM alliance_members WHERE alliance_id = $1) GROUP BY org_id",
                            org.id,
                        )
                        .await?
                    }
                    OrgKind::Programme => HashMap::new(),
                };
                let grandchildren = self
                    .counts_by_id(
                        "SELECT o.parent_id, COUNT(*) FROM orgs o JOIN orgs c ON c.id = o.parent_id \
                         WHERE c.parent_id = $1 AND o.kind <> 'alliance' GROUP BY o.parent_id",
                        org.id,
                    )
                    .await?;
                Ok(children
                    .into_iter()
                    .map(|c| {
                        let counts = OrgCounts {
                            children: grandchildren.get(&c.id).copied().unwrap_or(0),
                            graduates: graduates.get(&c.id).copied().unwrap_or(0),
                        };
                        OrgWithCounts { org: c, counts }
                    })
                    .collect())
            }

            async fn org_counts(&self, org: &Org) -> Result<OrgCounts> {
                let db = self.reader().await;
                let children = match (org.kind, org.kind.child_kind()) {
                    (OrgKind::Alliance, _) => {
                        self.count("SELECT COUNT(*) FROM alliance_members WHERE alliance_id = $1", org.id).await?
                    }
                    (_, Some(kind)) => sqlx::query_scalar::<_, i64>(
                        "SELECT COUNT(*) FROM orgs WHERE parent_id = $1 AND kind = $2",
                    )
                    .bind(org.id)
                    .bind(kind.id())
                    .fetch_one(db)
                    .await?,
                    (_, None) => 0,
                };
                let sql = match org.kind {
                    OrgKind::Nation => "SELECT COUNT(*) FROM graduates WHERE $1 = $1",
                    OrgKind::Province => {
                        "SELECT COUNT(*) FROM graduates g JOIN orgs u ON u.id = g.org_id WHERE u.parent_id = $1"
                    }
                    OrgKind::University => "SELECT COUNT(*) FROM graduates WHERE org_id = $1",
                    OrgKind::College => "SELECT COUNT(*) FROM graduates WHERE college_id = $1",
                    OrgKind::Programme => "SELECT COUNT(*) FROM graduates WHERE programme_id = $1",
                    OrgKind::Alliance => {
                        "SELECT COUNT(*) FROM graduates WHERE org_id IN \
                         (SELECT university_id FROM alliance_members WHERE alliance_id = $1)"
                    }
                };
                Ok(OrgCounts { children, graduates: self.count(sql, org.id).await? })
            }

            async fn search_orgs(&self, query: &OrgQuery) -> Result<(Vec<Org>, i64)> {
                let db = self.reader().await;
                fn filters(qb: &mut QueryBuilder<$db>, query: &OrgQuery) {
                    qb.push(" WHERE 1 = 1");
                    if let Some(q) = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
                        qb.push(" AND (o.code LIKE ")
                            .push_bind(format!("{}%", like_escape(q)))
                            .push(" ESCAPE '\\' OR o.name LIKE ")
                            .push_bind(format!("%{}%", like_escape(q)))
                            .push(" ESCAPE '\\')");
                    }
                    if let Some(k) = query.kind {
                        qb.push(" AND o.kind = ").push_bind(k.id());
                    }
                    if let Some(p) = &query.province_code {
                        qb.push(" AND o.province_code = ").push_bind(p.clone());
                    }
                }
                let mut qb = QueryBuilder::<$db>::new("SELECT COUNT(*) FROM orgs o");
                filters(&mut qb, query);
                let total: i64 = qb.build_query_scalar().fetch_one(db).await?;
                let mut qb = QueryBuilder::<$db>::new(format!("SELECT {ORG_COLUMNS} FROM orgs o"));
                filters(&mut qb, query);
                qb.push(" ORDER BY o.code LIMIT ").push_bind(query.limit.clamp(1, crate::MAX_PAGE));
                qb.push(" OFFSET ").push_bind(query.offset.max(0));
                let rows = qb.build().fetch_all(db).await?;
                Ok((rows.iter().map(org_row).collect::<Result<Vec<_>>>()?, total))
            }

            async fn alliances_of(&self, org_id: Uuid) -> Result<Vec<Org>> {
                let sql = sqlx::AssertSqlSafe(format!(
                    "SELECT {ORG_COLUMNS} FROM orgs o WHERE o.kind = 'alliance' AND (o.parent_id = $1 OR o.id IN \
                     (SELECT alliance_id FROM alliance_members WHERE university_id = $1)) ORDER BY o.code"
                ));
                let rows = sqlx::query(sql).bind(org_id).fetch_all(&self.pool).await?;
                rows.iter().map(org_row).collect()
            }

            async fn upsert_orgs(&self, orgs: &[Org]) -> Result<()> {
                let mut tx = self.pool.begin().await?;
                self.upsert_orgs_in(&mut tx, orgs).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn add_alliance_members(&self, alliance_id: Uuid, university_ids: &[Uuid]) -> Result<()> {
                let now = Utc::now();
                let mut tx = self.pool.begin().await?;
                for chunk in university_ids.chunks(CHUNK) {
                    let mut qb =
                        QueryBuilder::<$db>::new("INSERT INTO alliance_members (alliance_id, university_id, joined_at) ");
                    qb.push_values(chunk, |mut b, u| {
                        b.push_bind(alliance_id).push_bind(*u).push_bind(now);
                    });
                    qb.push(" ON CONFLICT (alliance_id, university_id) DO NOTHING");
                    qb.build().execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn insert_graduates(&self, graduates: &[Graduate]) -> Result<u64> {
                let now = Utc::now();
                let mut added = 0;
                let mut tx = self.pool.begin().await?;
                for chunk in graduates.chunks(CHUNK) {
                    let mut qb = QueryBuilder::<$db>::new(
                        "INSERT INTO graduates (id, org_id, college_id, programme_id, student_no, name, gender, \
                         education_level, cohort, origin_region, dest_code, dest_status, dest_updated_at, origin_node, \
                         version, created_at, updated_at) ",
                    );
                    qb.push_values(chunk, |mut b, g| {
                        b.push_bind(g.id)
                            .push_bind(g.org_id)
                            .push_bind(g.college_id)
                            .push_bind(g.programme_id)
                            .push_bind(g.student_no.clone())
                            .push_bind(g.name.clone())
                            .push_bind(g.gender.id())
                            .push_bind(g.education_level.id())
                            .push_bind(g.cohort)
                            .push_bind(g.origin_region.clone())
                            .push_bind(g.dest_code.clone())
                            .push_bind(g.dest_status.id())
                            .push_bind(g.dest_updated_at.or(g.dest_code.as_ref().map(|_| now)))
                            .push_bind(g.origin_node)
                            .push_bind(g.version)
                            .push_bind(now)
                            .push_bind(now);
                    });
                    qb.push(" ON CONFLICT DO NOTHING");
                    added += qb.build().execute(&mut *tx).await?.rows_affected();
                }
                tx.commit().await?;
                Ok(added)
            }

            async fn insert_employers(&self, employers: &[Employer]) -> Result<u64> {
                let now = Utc::now();
                let mut added = 0;
                let mut tx = self.pool.begin().await?;
                for chunk in employers.chunks(CHUNK) {
                    let mut qb = QueryBuilder::<$db>::new(
                        "INSERT INTO employers (id, org_id, credit_code, name, employer_type, industry_code, \
                         region_code, origin_node, version, created_at, updated_at) ",
                    );
                    qb.push_values(chunk, |mut b, e| {
                        b.push_bind(e.id)
                            .push_bind(e.org_id)
                            .push_bind(e.credit_code.clone())
                            .push_bind(e.name.clone())
                            .push_bind(e.employer_type.clone())
                            .push_bind(e.industry_code.clone())
                            .push_bind(e.region_code.clone())
                            .push_bind(e.origin_node)
                            .push_bind(e.version)
                            .push_bind(now)
                            .push_bind(now);
                    });
                    qb.push(" ON CONFLICT DO NOTHING");
                    added += qb.build().execute(&mut *tx).await?.rows_affected();
                }
                tx.commit().await?;
                Ok(added)
            }

            async fn totals(&self) -> Result<Totals> {
                let kinds: Vec<(String, i64)> = sqlx::query_as("SELECT kind, COUNT(*) FROM orgs GROUP BY kind")
                    .fetch_all(&self.pool)
                    .await?;
                let get = |k: OrgKind| kinds.iter().find(|(s, _)| s == k.id()).map(|(_, n)| *n).unwrap_or(0);
                Ok(Totals {
                    provinces: get(OrgKind::Province),
                    universities: get(OrgKind::University),
                    colleges: get(OrgKind::College),
                    programmes: get(OrgKind::Programme),
                    graduates: sqlx::query_scalar("SELECT COUNT(*) FROM graduates").fetch_one(&self.pool).await?,
                    employers: sqlx::query_scalar("SELECT COUNT(*) FROM employers").fetch_one(&self.pool).await?,
                })
            }

            async fn graduate_by_student_no(&self, university_id: Uuid, student_no: &str) -> Result<Option<Graduate>> {
                let row = sqlx::query(
                    "SELECT id, org_id, college_id, programme_id, student_no, name, gender, education_level, cohort, \
                     origin_region, dest_code, dest_status, dest_updated_at, origin_node, version FROM graduates WHERE org_id = $1 AND student_no = $2",
                )
                .bind(university_id)
                .bind(student_no)
                .fetch_optional(&self.pool)
                .await?;
                row.as_ref().map(graduate_row).transpose()
            }

            async fn sample_graduate(&self, programme_id: Uuid) -> Result<Option<Graduate>> {
                let row = sqlx::query(
                    "SELECT id, org_id, college_id, programme_id, student_no, name, gender, education_level, cohort, \
                     origin_region, dest_code, dest_status, dest_updated_at, origin_node, version FROM graduates WHERE programme_id = $1 \
                     ORDER BY cohort DESC, student_no LIMIT 1",
                )
                .bind(programme_id)
                .fetch_optional(&self.pool)
                .await?;
                row.as_ref().map(graduate_row).transpose()
            }

            async fn sample_employer(&self, org_id: Uuid) -> Result<Option<Employer>> {
                let row = sqlx::query(
                    "SELECT id, org_id, credit_code, name, employer_type, industry_code, region_code, origin_node, \
                     version FROM employers WHERE org_id = $1 ORDER BY credit_code LIMIT 1",
                )
                .bind(org_id)
                .fetch_optional(&self.pool)
                .await?;
                row.as_ref().map(employer_row).transpose()
            }

            async fn employer_by_credit_code(&self, credit_code: &str) -> Result<Option<Employer>> {
                let row = sqlx::query(
                    "SELECT id, org_id, credit_code, name, employer_type, industry_code, region_code, origin_node, \
                     version FROM employers WHERE credit_code = $1",
                )
                .bind(credit_code)
                .fetch_optional(&self.pool)
                .await?;
                row.as_ref().map(employer_row).transpose()
            }

            async fn placement_counts(
                &self,
                org: &Org,
                cohort: i32,
                filter: &crate::PlacementFilter,
            ) -> Result<Vec<jiuye_domain::destination::CountRow>> {
                let db = self.reader().await;
                // Grouping on the columns of the `graduates_stats` index lets both engines answer
                // from the index alone; the university → province step is done in memory.
                let mut qb = QueryBuilder::<$db>::new(
                    "SELECT g.org_id, g.college_id, g.programme_id, g.dest_status, g.dest_code, COUNT(*) AS n \
                     FROM graduates g WHERE g.cohort = ",
                );
                qb.push_bind(cohort);
                push_graduates_of(&mut qb, org);
                if let Some(gender) = filter.gender {
                    qb.push(" AND g.gender = ").push_bind(gender.id());
                }
                if let Some(level) = filter.education_level {
                    qb.push(" AND g.education_level = ").push_bind(level.id());
                }
                qb.push(" GROUP BY g.org_id, g.college_id, g.programme_id, g.dest_status, g.dest_code");
                let rows = qb.build().fetch_all(db).await?;
                let provinces: HashMap<Uuid, Uuid> =
                    sqlx::query_as::<_, (Uuid, Uuid)>("SELECT id, parent_id FROM orgs WHERE kind = 'university'")
                        .fetch_all(db)
                        .await?
                        .into_iter()
                        .collect();
                rows.iter()
                    .map(|r| {
                        let university_id: Uuid = r.try_get("org_id")?;
                        let status: String = r.try_get("dest_status")?;
                        let counted = jiuye_domain::destination::DestStatus::from_id(&status)
                            .ok_or_else(|| crate::common::corrupt("destination status", &status))?
                            .counts();
                        let code: Option<String> = r.try_get("dest_code")?;
                        Ok(jiuye_domain::destination::CountRow {
                            province_id: provinces.get(&university_id).copied().unwrap_or(Uuid::nil()),
                            university_id,
                            college_id: r.try_get("college_id")?,
                            programme_id: r.try_get("programme_id")?,
                            code: if counted { code } else { None },
                            count: r.try_get("n")?,
                        })
                    })
                    .collect()
            }

            async fn import_roster(
                &self,
                university: &Org,
                rows: &[jiuye_domain::roster::RosterRow],
                dry_run: bool,
                actor: Option<(Uuid, String)>,
                progress: &mut (dyn FnMut(u64, u64) + Send),
            ) -> Result<jiuye_domain::roster::ImportOutcome> {
                use jiuye_domain::destination::DestStatus;
                use jiuye_domain::roster::ImportOutcome;
                let school = jiuye_domain::SchoolCode::parse(university.code.as_str())
                    .map_err(|_| StoreError::Invalid(format!("{} is not a university", university.code)))?;
                let now = Utc::now();
                let node = self.node().await?.node_id;
                let mut tx = self.pool.begin().await?;
                let mut out = ImportOutcome { rows: rows.len(), dry_run, ..ImportOutcome::default() };

                // Colleges by name, programmes by (college, major code).
                let colleges: Vec<(Uuid, String, String, String)> =
                    sqlx::query_as("SELECT id, code, name, path FROM orgs WHERE parent_id = $1 AND kind = 'college'")
                        .bind(university.id)
                        .fetch_all(&mut *tx)
                        .await?;
                let mut next_no: u8 = colleges
                    .iter()
                    .filter_map(|(_, code, _, _)| code.rsplit('-').next().and_then(|n| n.parse::<u8>().ok()))
                    .max()
                    .unwrap_or(0);
                let mut college_by_name: HashMap<String, (Uuid, OrgCode, String)> = HashMap::new();
                for (id, code, name, path) in colleges {
                    if let Ok(c) = OrgCode::parse(&code) {
                        college_by_name.insert(name, (id, c, path));
                    }
                }
                let programmes: Vec<(Uuid, Uuid, Option<String>)> = sqlx::query_as(
                    "SELECT p.id, p.parent_id, p.major_code FROM orgs p JOIN orgs c ON c.id = p.parent_id \
                     WHERE c.parent_id = $1 AND p.kind = 'programme'",
                )
                .bind(university.id)
                .fetch_all(&mut *tx)
                .await?;
                let mut programme_by_key: HashMap<(Uuid, String), Uuid> = programmes
                    .into_iter()
                    .filter_map(|(id, college, major)| major.map(|m| ((college, m), id)))
                    .collect();
                let mut new_orgs: Vec<Org> = Vec::new();
                let base = |code: OrgCode, kind: OrgKind, name: &str, parent: Uuid, parent_path: &str| Org {
                    id: well_known_org_id(&code),
                    path: format!("{parent_path}/{code}"),
                    code,
                    kind,
                    name: name.to_owned(),
                    parent_id: Some(parent),
                    province_code: university.province_code.clone(),
                    school_level: None,
                    newly_built: false,
                    private: false,
                    authority: None,
                    region_code: university.region_code.clone(),
                    major_code: None,
                    origin_node: node,
                    version: 1,
                    created_at: now,
                    updated_at: now,
                };
                let mut placement: Vec<(Uuid, Uuid)> = Vec::with_capacity(rows.len());
                for row in rows {
                    let (college_id, college_code, college_path) = match college_by_name.get(&row.college) {
                        Some(c) => c.clone(),
                        None => {
                            next_no = next_no.checked_add(1).filter(|n| *n <= 99).ok_or_else(|| {
                                StoreError::Invalid("一所高校最多 99 个院系".into())
                            })?;
                            let code = OrgCode::college(&school, next_no);
                            let o = base(code.clone(), OrgKind::College, &row.college, university.id, &university.path);
                            let entry = (o.id, code, o.path.clone());
                            out.new_colleges.push(row.college.clone());
                            new_orgs.push(o);
                            college_by_name.insert(row.college.clone(), entry.clone());
                            entry
                        }
                    };
                    let key = (college_id, row.major_code.clone());
                    let programme_id = match programme_by_key.get(&key) {
                        Some(id) => *id,
                        None => {
                            let major = jiuye_domain::MajorCode::parse(&row.major_code)
                                .map_err(|e| StoreError::Invalid(e.to_string()))?;
                            let code = OrgCode::programme(&college_code, &major);
                            let mut o = base(code, OrgKind::Programme, &row.major_name, college_id, &college_path);
                            o.major_code = Some(row.major_code.clone());
                            out.new_programmes.push(format!("{} / {} {}", row.college, row.major_code, row.major_name));
                            let id = o.id;
                            new_orgs.push(o);
                            programme_by_key.insert(key, id);
                            id
                        }
                    };
                    placement.push((college_id, programme_id));
                }
                self.upsert_orgs_in(&mut tx, &new_orgs).await?;

                // Existing graduates of the university, by 学号, with the state of their
                // destination record: the import never replaces one that went through the
                // workflow (submitted, returned, reviewed, confirmed or disputed).
                let existing_rows = sqlx::query(
                    "SELECT g.id, g.student_no, g.name, g.gender, g.education_level, g.cohort, g.origin_region, \
                     g.college_id, g.programme_id, g.dest_code, g.dest_status, d.source AS dest_source, \
                     EXISTS (SELECT 1 FROM disputes x WHERE x.graduate_id = g.id AND x.status = 'open') AS disputed \
                     FROM graduates g LEFT JOIN destinations d ON d.graduate_id = g.id WHERE g.org_id = $1",
                )
                .bind(university.id)
                .fetch_all(&mut *tx)
                .await?;
                struct Existing {
                    id: Uuid,
                    sig: String,
                    dest_code: Option<String>,
                    dest_status: String,
                    /// The stored record came through the workflow and the import must leave it.
                    locked: bool,
                }
                let mut existing: HashMap<String, Existing> = HashMap::with_capacity(existing_rows.len());
                for r in &existing_rows {
                    let no: String = r.try_get("student_no")?;
                    let sig = format!(
                        "{}|{}|{}|{}|{}|{}|{}",
                        r.try_get::<String, _>("name")?,
                        r.try_get::<String, _>("gender")?,
                        r.try_get::<String, _>("education_level")?,
                        r.try_get::<i32, _>("cohort")?,
                        r.try_get::<String, _>("origin_region")?,
                        r.try_get::<Uuid, _>("college_id")?,
                        r.try_get::<Uuid, _>("programme_id")?,
                    );
                    let dest_status: String = r.try_get("dest_status")?;
                    let source: Option<String> = r.try_get("dest_source")?;
                    let disputed: bool = r.try_get("disputed")?;
                    let imported_awaiting = source.as_deref() == Some("import")
                        && dest_status == DestStatus::Approved.id();
                    let locked = disputed || (dest_status != DestStatus::None.id() && !imported_awaiting);
                    existing.insert(
                        no,
                        Existing { id: r.try_get("id")?, sig, dest_code: r.try_get("dest_code")?, dest_status, locked },
                    );
                }
                drop(existing_rows);

                let total = rows.len() as u64;
                let mut done = 0u64;
                for (chunk_rows, chunk_place) in rows.chunks(CHUNK).zip(placement.chunks(CHUNK)) {
                    // Graduates whose own fields are new or changed, and those whose destination
                    // the import writes.
                    let mut changed: Vec<(Uuid, &jiuye_domain::roster::RosterRow, (Uuid, Uuid))> = Vec::new();
                    let mut with_dest: Vec<(Uuid, &jiuye_domain::roster::RosterRow)> = Vec::new();
                    for (row, place) in chunk_rows.iter().zip(chunk_place) {
                        let sig = format!(
                            "{}|{}|{}|{}|{}|{}|{}",
                            row.name,
                            row.gender.id(),
                            row.education_level.id(),
                            row.cohort,
                            row.origin_region,
                            place.0,
                            place.1,
                        );
                        let (id, personal_changed, writes_dest) = match existing.get(&row.student_no) {
                            Some(e) => {
                                let writes = match &row.destination {
                                    None => false,
                                    Some(d) if e.dest_code.as_deref() == Some(d.code.as_str()) => {
                                        // Same code: nothing to change, whoever entered it.
                                        false
                                    }
                                    Some(d) if e.locked => {
                                        out.conflicts.push(jiuye_domain::roster::ImportConflict {
                                            row: row.line,
                                            student_no: row.student_no.clone(),
                                            status: e.dest_status.clone(),
                                            stored_code: e.dest_code.clone(),
                                            file_code: d.code.clone(),
                                        });
                                        false
                                    }
                                    Some(_) => true,
                                };
                                (e.id, e.sig != sig, writes)
                            }
                            None => (Uuid::now_v7(), true, row.destination.is_some()),
                        };
                        match existing.get(&row.student_no) {
                            None => out.created += 1,
                            Some(_) if personal_changed || writes_dest => out.updated += 1,
                            Some(_) => out.unchanged += 1,
                        }
                        if personal_changed {
                            changed.push((id, row, *place));
                        }
                        if writes_dest {
                            with_dest.push((id, row));
                        }
                        if row.destination.is_some() {
                            out.destinations += 1;
                        }
                    }
                    if !changed.is_empty() {
                        let mut qb = QueryBuilder::<$db>::new(
                            "INSERT INTO graduates (id, org_id, college_id, programme_id, student_no, name, gender, \
                             education_level, cohort, origin_region, dest_code, dest_status, dest_updated_at, \
                             origin_node, version, created_at, updated_at) ",
                        );
                        qb.push_values(&changed, |mut b, (id, row, place)| {
                            b.push_bind(*id)
                                .push_bind(university.id)
                                .push_bind(place.0)
                                .push_bind(place.1)
                                .push_bind(row.student_no.clone())
                                .push_bind(row.name.clone())
                                .push_bind(row.gender.id())
                                .push_bind(row.education_level.id())
                                .push_bind(row.cohort)
                                .push_bind(row.origin_region.clone())
                                .push_bind(None::<String>)
                                .push_bind(DestStatus::None.id())
                                .push_bind(None::<chrono::DateTime<Utc>>)
                                .push_bind(node)
                                .push_bind(1i64)
                                .push_bind(now)
                                .push_bind(now);
                        });
                        // An existing graduate keeps its destination columns: only the
                        // destination step below changes them.
                        qb.push(
                            " ON CONFLICT (org_id, student_no) DO UPDATE SET name = excluded.name, \
                             gender = excluded.gender, education_level = excluded.education_level, \
                             cohort = excluded.cohort, origin_region = excluded.origin_region, \
                             college_id = excluded.college_id, programme_id = excluded.programme_id, \
                             updated_at = excluded.updated_at, version = graduates.version + 1",
                        );
                        qb.build().execute(&mut *tx).await?;
                    }
                    if !with_dest.is_empty() {
                        // Written as approved by the university (the importer), awaiting the
                        // graduate's confirmation.
                        let approved = DestStatus::Approved.id();
                        let mut qb = QueryBuilder::<$db>::new(
                            "INSERT INTO destinations (graduate_id, org_id, code, status, employer_name, credit_code, \
                             employer_region, employer_type, employer_industry, source, version, created_at, \
                             updated_at, confirmed_at, registered_by, university_reviewer) ",
                        );
                        qb.push_values(&with_dest, |mut b, (id, row)| {
                            let d = row.destination.as_ref();
                            b.push_bind(*id)
                                .push_bind(university.id)
                                .push_bind(d.map(|d| d.code.clone()).unwrap_or_default())
                                .push_bind(approved)
                                .push_bind(d.and_then(|d| d.employer_name.clone()))
                                .push_bind(d.and_then(|d| d.credit_code.clone()))
                                .push_bind(d.and_then(|d| d.employer_region.clone()))
                                .push_bind(d.and_then(|d| d.employer_type.clone()))
                                .push_bind(d.and_then(|d| d.employer_industry.clone()))
                                .push_bind("import")
                                .push_bind(1i64)
                                .push_bind(now)
                                .push_bind(now)
                                .push_bind(None::<chrono::DateTime<Utc>>)
                                .push_bind(actor.as_ref().map(|a| a.0))
                                .push_bind(actor.as_ref().map(|a| a.0));
                        });
                        qb.push(
                            " ON CONFLICT (graduate_id) DO UPDATE SET code = excluded.code, status = excluded.status, \
                             employer_name = excluded.employer_name, credit_code = excluded.credit_code, \
                             employer_region = excluded.employer_region, employer_type = excluded.employer_type, \
                             employer_industry = excluded.employer_industry, source = excluded.source, \
                             updated_at = excluded.updated_at, confirmed_at = NULL, return_reason = NULL, \
                             college_reviewer = NULL, registered_by = excluded.registered_by, \
                             university_reviewer = excluded.university_reviewer, \
                             version = destinations.version + 1",
                        );
                        qb.build().execute(&mut *tx).await?;
                        let mut qb = QueryBuilder::<$db>::new(
                            "UPDATE graduates SET dest_status = ",
                        );
                        qb.push_bind(approved)
                            .push(", dest_updated_at = ")
                            .push_bind(now)
                            .push(
                                ", dest_code = (SELECT d.code FROM destinations d WHERE d.graduate_id = graduates.id) \
                                 WHERE id IN (",
                            );
                        let mut ids = qb.separated(", ");
                        for (id, _) in &with_dest {
                            ids.push_bind(*id);
                        }
                        qb.push(")");
                        qb.build().execute(&mut *tx).await?;
                        let mut qb = QueryBuilder::<$db>::new(
                            "INSERT INTO destination_versions (id, graduate_id, org_id, version, action, status, \
                             snapshot, actor_id, actor_name, at) ",
                        );
                        qb.push_values(&with_dest, |mut b, (id, row)| {
                            b.push_bind(Uuid::now_v7())
                                .push_bind(*id)
                                .push_bind(university.id)
                                .push_bind(0i64)
                                .push_bind("import")
                                .push_bind(approved)
                                .push_bind(serde_json::to_string(&row.destination).unwrap_or_default())
                                .push_bind(actor.as_ref().map(|a| a.0))
                                .push_bind(actor.as_ref().map(|a| a.1.clone()));
                            b.push_bind(now);
                        });
                        qb.build().execute(&mut *tx).await?;
                    }
                    done += chunk_rows.len() as u64;
                    progress(done, total);
                }
                if dry_run {
                    tx.rollback().await?;
                } else {
                    tx.commit().await?;
                }
                Ok(out)
            }

            async fn placement_by_day(&self, org: &Org, cohort: i32) -> Result<Vec<(String, i64)>> {
                let db = self.reader().await;
                let mut qb = QueryBuilder::<$db>::new(concat!(
                    "SELECT ",
                    $day,
                    " AS day, COUNT(*) AS n FROM graduates g WHERE g.dest_status IN ('approved', 'confirmed') \
                     AND substr(g.dest_code, 1, 2) IN ('10','11','12','27','46','50','51','75','76','80','85') \
                     AND g.dest_updated_at IS NOT NULL AND g.cohort = "
                ));
                qb.push_bind(cohort);
                push_graduates_of(&mut qb, org);
                qb.push(" GROUP BY 1 ORDER BY 1");
                let rows = qb.build().fetch_all(db).await?;
                rows.iter().map(|r| Ok((r.try_get("day")?, r.try_get("n")?))).collect()
            }

            async fn placement_totals(&self, org: &Org, cohort: i32) -> Result<(i64, i64)> {
                let db = self.reader().await;
                let mut qb = QueryBuilder::<$db>::new(
                    "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(CASE WHEN g.dest_status IN ('approved', 'confirmed') \
                     AND substr(g.dest_code, 1, 2) IN ('10','11','12','27','46','50','51','75','76','80','85') \
                     THEN 1 ELSE 0 END), 0) AS BIGINT) AS placed FROM graduates g WHERE g.cohort = ",
                );
                qb.push_bind(cohort);
                push_graduates_of(&mut qb, org);
                let row = qb.build().fetch_one(db).await?;
                Ok((row.try_get("n")?, row.try_get("placed")?))
            }

            async fn analyze(&self) -> Result<()> {
                sqlx::query("ANALYZE").execute(&self.pool).await?;
                Ok(())
            }

            async fn save_campaign(&self, id: &str, name: &str, policy: &str) -> Result<()> {
                sqlx::query(crate::common::CAMPAIGN_UPSERT)
                .bind(id)
                .bind(name)
                .bind(policy)
                .bind(Utc::now())
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn publish_campaign(&self, id: &str, name: &str, policy: &str, record: Uuid) -> Result<i64> {
                let now = Utc::now();
                let version = now.timestamp_millis();
                let mut tx = self.pool.begin().await?;
                sqlx::query(crate::common::CAMPAIGN_UPSERT)
                .bind(id)
                .bind(name)
                .bind(policy)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                crate::outbox::append!(self, &mut *tx, "campaign", record, Some(version));
                tx.commit().await?;
                Ok(version)
            }

            async fn campaigns(&self) -> Result<Vec<(String, String, String, chrono::DateTime<Utc>)>> {
                Ok(sqlx::query_as("SELECT id, name, policy, loaded_at FROM campaigns ORDER BY loaded_at DESC")
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn cohorts(&self) -> Result<Vec<i32>> {
                Ok(sqlx::query_scalar("SELECT DISTINCT cohort FROM graduates ORDER BY cohort DESC")
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn meta_get(&self, key: &str) -> Result<Option<String>> {
                Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
                    .bind(key)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn meta_set(&self, key: &str, value: &str) -> Result<()> {
                sqlx::query(
                    "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                )
                .bind(key)
                .bind(value)
                .execute(&self.pool)
                .await?;
                Ok(())
            }
        }
    };
}

pub(crate) use repository_impl;
