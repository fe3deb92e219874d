//! What every story shares: the backends it runs on (SQLite always, PostgreSQL in a fresh schema
//! when `DATABASE_URL` is set).

use jiuye_domain::{OrgCode, RegionCode};
use jiuye_seed::SeedPlan;
use jiuye_store::Repository;
use jiuye_store::postgres::PgStore;
use jiuye_store::sqlite::SqliteStore;

pub struct Backend {
    pub name: &'static str,
    pub store: Box<dyn Repository>,
    _dir: Option<tempfile::TempDir>,
    pg_schema: Option<(String, String)>,
}

impl Backend {
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
    let sqlite = SqliteStore::open(&dir.path().join("jiuye.db")).await.expect("open sqlite");
    let mut out = vec![Backend { name: "sqlite", store: Box::new(sqlite), _dir: Some(dir), pg_schema: None }];
    if let Ok(url) = std::env::var("DATABASE_URL") {
        let schema = schema_name();
        let pg = PgStore::connect(&url, Some(&schema)).await.expect("connect postgres");
        out.push(Backend { name: "postgres", store: Box::new(pg), _dir: None, pg_schema: Some((url, schema)) });
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
