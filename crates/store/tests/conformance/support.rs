//! What every story shares: the backends it runs on (SQLite always, PostgreSQL in a fresh schema
//! when `DATABASE_URL` is set) and a small campus to act in.

use chrono::{DateTime, SubsecRound, Utc};
use jiuye_domain::access::Role;
use jiuye_domain::destination::DestStatus;
use jiuye_domain::{EducationLevel, Gender, Graduate, Org, OrgCode, OrgKind, RefData, RegionCode, SchoolCode};
use jiuye_seed::SeedPlan;
use jiuye_store::accounts::{NewGrant, NewUser, UserRecord};
use jiuye_store::employers::EmployerRecord;
use jiuye_store::postgres::PgStore;
use jiuye_store::sqlite::SqliteStore;
use jiuye_store::{Repository, well_known_org_id};
use uuid::Uuid;

pub struct Backend {
    pub name: &'static str,
    pub store: Box<dyn Repository>,
    _dir: Option<tempfile::TempDir>,
    sqlite_file: Option<std::path::PathBuf>,
    pg_schema: Option<(String, String)>,
}

impl Backend {
    /// Runs one statement on the backend's database behind the store's back (to plant what the
    /// store itself would never write).
    pub async fn raw(&self, sql: &str) {
        use std::str::FromStr;
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        if let Some(file) = &self.sqlite_file {
            let pool = sqlx::SqlitePool::connect_with(sqlx::sqlite::SqliteConnectOptions::new().filename(file))
                .await
                .expect("open sqlite");
            sqlx::query(sql).execute(&pool).await.expect("raw sql");
            pool.close().await;
        } else if let Some((url, schema)) = &self.pg_schema {
            let options = sqlx::postgres::PgConnectOptions::from_str(url)
                .expect("url")
                .options([("search_path", schema.as_str())]);
            let pool = sqlx::PgPool::connect_with(options).await.expect("connect postgres");
            sqlx::query(sql).execute(&pool).await.expect("raw sql");
            pool.close().await;
        }
    }

    /// A pool on the PostgreSQL schema behind the store (none for SQLite), for tests of what
    /// concurrent transactions see.
    pub async fn pg_pool(&self) -> Option<sqlx::PgPool> {
        use std::str::FromStr;
        let (url, schema) = self.pg_schema.as_ref()?;
        let options =
            sqlx::postgres::PgConnectOptions::from_str(url).expect("url").options([("search_path", schema.as_str())]);
        Some(sqlx::PgPool::connect_with(options).await.expect("connect postgres"))
    }

    /// A second store on the same database, as another process would open it.
    pub async fn reopen(&self) -> Box<dyn Repository> {
        if let Some(file) = &self.sqlite_file {
            Box::new(SqliteStore::open(file).await.expect("reopen sqlite"))
        } else if let Some((url, schema)) = &self.pg_schema {
            Box::new(PgStore::connect(url, Some(schema)).await.expect("reconnect postgres"))
        } else {
            unreachable!("a backend is SQLite or PostgreSQL")
        }
    }

    pub async fn cleanup(self) {
        drop(self.store);
        if let Some((url, schema)) = self.pg_schema {
            PgStore::drop_schema(&url, &schema).await.expect("drop test schema");
        }
    }
}

pub fn schema_name() -> String {
    format!("t_{}", uuid::Uuid::new_v4().simple())
}

pub async fn backends() -> Vec<Backend> {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("jiuye.db");
    let sqlite = SqliteStore::open(&file).await.expect("open sqlite");
    let mut out = vec![Backend {
        name: "sqlite",
        store: Box::new(sqlite),
        _dir: Some(dir),
        sqlite_file: Some(file),
        pg_schema: None,
    }];
    if let Ok(url) = std::env::var("DATABASE_URL") {
        let schema = schema_name();
        let pg = PgStore::connect(&url, Some(&schema)).await.expect("connect postgres");
        out.push(Backend {
            name: "postgres",
            store: Box::new(pg),
            _dir: None,
            sqlite_file: None,
            pg_schema: Some((url, schema)),
        });
    }
    out
}

pub fn small_plan(seed: u64) -> SeedPlan {
    SeedPlan {
        seed,
        province: RegionCode::parse("510000").ok(),
        universities: 4,
        graduates: 1_200,
        employers: 80,
        cohorts: vec![2022, 2023],
    }
}

pub fn code(s: &str) -> OrgCode {
    OrgCode::parse(s).expect("valid code")
}

/// A time as both engines keep it (PostgreSQL stores microseconds).
pub fn micros(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(6)
}

/// 四川大学 with two colleges of one programme each and six graduates of the 2024 cohort, the
/// neighbouring 电子科技大学, one employer registered by 四川省, and a career-centre account.
pub struct Campus {
    pub node: Uuid,
    pub sichuan: Org,
    pub scu: Org,
    /// 电子科技大学: a sibling scope that must see nothing of 四川大学.
    pub uestc: Org,
    /// 计算机学院 and its 计算机科学与技术 programme.
    pub cs: Org,
    pub cs_major: Org,
    /// 经济学院 and its 经济学 programme.
    pub econ: Org,
    pub econ_major: Org,
    /// Four graduates of 计算机科学与技术, then two of 经济学, by 学号.
    pub graduates: Vec<Graduate>,
    pub employer: EmployerRecord,
    /// 就业指导中心 staff of 四川大学.
    pub career: UserRecord,
}

impl Campus {
    /// The actor tuple the store records with a change.
    pub fn career_actor(&self) -> Option<(Uuid, String)> {
        Some((self.career.id, self.career.username.clone()))
    }
}

fn child_org(node: Uuid, parent: &Org, code: OrgCode, kind: OrgKind, name: &str, major: Option<&str>) -> Org {
    let now = Utc::now();
    Org {
        id: well_known_org_id(&code),
        path: format!("{}/{code}", parent.path),
        code,
        kind,
        name: name.to_owned(),
        parent_id: Some(parent.id),
        province_code: parent.province_code.clone(),
        school_level: None,
        newly_built: false,
        private: false,
        authority: None,
        region_code: parent.region_code.clone(),
        major_code: major.map(str::to_owned),
        origin_node: node,
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

/// A new employer record as a registering scope files it.
pub fn employer_record(node: Uuid, org_id: Uuid, credit_code: &str, name: &str) -> EmployerRecord {
    EmployerRecord {
        id: Uuid::now_v7(),
        org_id,
        credit_code: credit_code.into(),
        name: name.into(),
        employer_type: "39".into(),
        industry_code: "6513".into(),
        region_code: "510107".into(),
        employees: None,
        revenue_wan: None,
        size_class: None,
        contact_name: None,
        contact_phone: None,
        contact_email: None,
        verification: jiuye_domain::employer::Verification::Unverified,
        verified_by: None,
        verified_at: None,
        blacklist_reason: None,
        origin_node: node,
        version: 1,
    }
}

/// Creates an account holding one role at `org` and returns it as stored.
pub async fn account(s: &dyn Repository, username: &str, org: &Org, role: Role, subject: Option<Uuid>) -> UserRecord {
    let user = NewUser {
        id: Uuid::now_v7(),
        username: username.into(),
        display_name: format!("{username} 老师"),
        org_id: org.id,
        password_hash: "$argon2id$v=19$placeholder".into(),
        must_change_password: false,
    };
    let grant =
        NewGrant { id: Uuid::now_v7(), user_id: user.id, role, org_id: org.id, subject_id: subject, created_by: None };
    assert!(s.create_user(&user, &[grant]).await.expect("create user"), "{username} is new");
    s.user_by_id(user.id).await.expect("read user").expect("user stored")
}

pub async fn campus(s: &dyn Repository) -> Campus {
    let rd = RefData::load().expect("refdata");
    s.sync_reference_data(&rd).await.expect("reference data");
    let node = s.node().await.expect("node").node_id;
    let org = |c: &'static str| async move { s.org_by_code(&code(c)).await.expect("org").expect(c) };
    let (sichuan, scu, uestc) = (org("510000").await, org("4151010610").await, org("4151010614").await);
    let school = SchoolCode::parse("4151010610").expect("school code");
    let cs = child_org(node, &scu, OrgCode::college(&school, 1), OrgKind::College, "计算机学院", None);
    let econ = child_org(node, &scu, OrgCode::college(&school, 2), OrgKind::College, "经济学院", None);
    let major = |college: &Org, m: &str, name: &str| {
        let code = OrgCode::programme(&college.code, &jiuye_domain::MajorCode::parse(m).expect("major"));
        child_org(node, college, code, OrgKind::Programme, name, Some(m))
    };
    let cs_major = major(&cs, "080901", "计算机科学与技术");
    let econ_major = major(&econ, "020101", "经济学");
    s.upsert_orgs(&[cs.clone(), econ.clone(), cs_major.clone(), econ_major.clone()]).await.expect("orgs");

    let names = ["李明", "王芳", "张伟", "刘洋", "陈静", "杨帆"];
    let graduates: Vec<Graduate> = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let (college, programme) = if i < 4 { (&cs, &cs_major) } else { (&econ, &econ_major) };
            Graduate {
                id: Uuid::now_v7(),
                org_id: scu.id,
                college_id: college.id,
                programme_id: programme.id,
                student_no: format!("20200{}00{}", if i < 4 { 1 } else { 2 }, i + 1),
                name: (*name).into(),
                gender: if i % 2 == 0 { Gender::Male } else { Gender::Female },
                education_level: EducationLevel::Bachelor,
                cohort: 2024,
                origin_region: "510104".into(),
                dest_code: None,
                dest_status: DestStatus::None,
                dest_updated_at: None,
                origin_node: node,
                version: 1,
            }
        })
        .collect();
    assert_eq!(s.insert_graduates(&graduates).await.expect("graduates"), 6);

    let employer = employer_record(node, sichuan.id, "91510100MA61234567", "成都蜀信科技有限公司");
    assert!(s.insert_employer(&employer).await.expect("employer"));
    let employer = s.employer_by_id(employer.id).await.expect("employer").expect("stored");
    let career = account(s, "scu_career", &scu, Role::CareerStaff, None).await;
    Campus { node, sichuan, scu, uestc, cs, cs_major, econ, econ_major, graduates, employer, career }
}
