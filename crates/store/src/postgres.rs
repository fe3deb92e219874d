//! The PostgreSQL backend: province and nation nodes (and PostgreSQL-compatible engines).
//!
//! Keys are application-generated UUIDs and large tables carry an organisation column, so the
//! schema also suits distributed PostgreSQL-compatible engines.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

crate::common::repository_impl!(
    PgStore,
    sqlx::Postgres,
    Backend::Postgres,
    "to_char(g.dest_updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
);
crate::accounts::accounts_impl!(PgStore, sqlx::Postgres);
crate::destinations::destinations_impl!(PgStore, sqlx::Postgres);
crate::employers::employers_impl!(PgStore, sqlx::Postgres);
crate::campaign::campaign_impl!(PgStore, sqlx::Postgres);
crate::postings::postings_impl!(PgStore, sqlx::Postgres);
crate::read_log::read_log_impl!(PgStore, sqlx::Postgres);
crate::safety::safety_impl!(PgStore, sqlx::Postgres);
crate::followup::followup_impl!(PgStore, sqlx::Postgres);
crate::matching::matching_impl!(PgStore, sqlx::Postgres);
crate::guidance::guidance_impl!(PgStore, sqlx::Postgres);
crate::hardship::hardship_impl!(PgStore, sqlx::Postgres);
crate::calendar::calendar_impl!(PgStore, sqlx::Postgres);
crate::awards::awards_impl!(PgStore, sqlx::Postgres);
crate::contests::contests_impl!(PgStore, sqlx::Postgres);
crate::events::events_impl!(PgStore, sqlx::Postgres);
crate::live::live_impl!(PgStore, sqlx::Postgres);
crate::courses::courses_impl!(PgStore, sqlx::Postgres);
crate::federation::federation_impl!(PgStore, sqlx::Postgres);
crate::outbox::outbox_impl!(PgStore, sqlx::Postgres);
crate::received::received_impl!(PgStore, sqlx::Postgres);
crate::reports::reports_impl!(PgStore, sqlx::Postgres);
crate::changes::changes_impl!(PgStore, sqlx::Postgres);

/// A node database on a PostgreSQL server.
pub struct PgStore {
    pool: PgPool,
    /// The audit chain's key, given once by whoever opened the store (see `Identity::set_audit_key`).
    audit_key: std::sync::OnceLock<jiuye_security::chain::AuditKey>,
}

impl PgStore {
    /// Connects, optionally inside `schema` (created when missing; used to keep test runs apart),
    /// and applies migrations.
    pub async fn connect(url: &str, schema: Option<&str>) -> Result<PgStore> {
        let mut options = PgConnectOptions::from_str(url)?;
        if let Some(schema) = schema {
            if !schema.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
                return Err(StoreError::Invalid(format!("invalid schema name '{schema}'")));
            }
            let pool = PgPoolOptions::new().max_connections(1).connect_with(options.clone()).await?;
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA IF NOT EXISTS {schema}"))).execute(&pool).await?;
            pool.close().await;
            options = options.options([("search_path", schema)]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(PgStore { pool, audit_key: std::sync::OnceLock::new() })
    }

    /// Drops a schema made by [`PgStore::connect`] (test clean-up).
    pub async fn drop_schema(url: &str, schema: &str) -> Result<()> {
        if !schema.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
            return Err(StoreError::Invalid(format!("invalid schema name '{schema}'")));
        }
        let pool = PgPoolOptions::new().max_connections(1).connect(url).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))).execute(&pool).await?;
        pool.close().await;
        Ok(())
    }

    /// PostgreSQL keeps its own pages consistent (WAL, checksums when enabled); here we check
    /// that the database answers and that no foreign key is dangling.
    async fn engine_integrity_check(&self) -> Result<Vec<String>> {
        let dangling: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM graduates g WHERE NOT EXISTS (SELECT 1 FROM orgs o WHERE o.id = g.org_id)) \
             + (SELECT COUNT(*) FROM employers e WHERE NOT EXISTS (SELECT 1 FROM orgs o WHERE o.id = e.org_id))",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(if dangling > 0 { vec![format!("{dangling} rows with a missing organisation")] } else { Vec::new() })
    }
}
