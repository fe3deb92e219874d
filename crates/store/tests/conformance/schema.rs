//! The migrated schemas of both engines.

use jiuye_store::postgres::PgStore;
use jiuye_store::sqlite::SqliteStore;

use crate::support::schema_name;

/// Both engines migrate to the same tables with the same columns, read back from the migrated
/// databases themselves (not from the SQL files). Runs when `DATABASE_URL` is set.
#[tokio::test]
async fn both_engines_migrate_to_the_same_tables_and_columns() {
    use sqlx::Row;
    use std::collections::{BTreeMap, BTreeSet};
    let Ok(url) = std::env::var("DATABASE_URL") else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("jiuye.db");
    drop(SqliteStore::open(&path).await.expect("open sqlite"));
    let sqlite = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display())).await.expect("sqlite");
    let mut lite: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%'",
    )
    .fetch_all(&sqlite)
    .await
    .expect("tables");
    for t in tables {
        let cols: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info(?1)")
            .bind(&t)
            .fetch_all(&sqlite)
            .await
            .expect("cols");
        lite.insert(t, cols.into_iter().collect());
    }
    let schema = schema_name();
    drop(PgStore::connect(&url, Some(&schema)).await.expect("connect postgres"));
    let pg = sqlx::PgPool::connect(&url).await.expect("postgres");
    let rows = sqlx::query(
        "SELECT table_name::text AS t, column_name::text AS c FROM information_schema.columns \
         WHERE table_schema = $1 AND table_name NOT LIKE '\\_sqlx%'",
    )
    .bind(&schema)
    .fetch_all(&pg)
    .await
    .expect("columns");
    let mut post: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in rows {
        post.entry(r.get::<String, _>("t")).or_default().insert(r.get::<String, _>("c"));
    }
    pg.close().await;
    PgStore::drop_schema(&url, &schema).await.expect("drop schema");
    assert!(lite.len() >= 30, "the SQLite schema was read: {} tables", lite.len());
    let names: BTreeSet<&String> = lite.keys().chain(post.keys()).collect();
    let differences: Vec<String> = names
        .into_iter()
        .filter(|t| lite.get(*t) != post.get(*t))
        .map(|t| format!("{t}: sqlite {:?} / postgres {:?}", lite.get(t), post.get(t)))
        .collect();
    assert!(differences.is_empty(), "the engines' schemas differ:\n{}", differences.join("\n"));
}
