//! The PostgreSQL backend: province and nation nodes (and PostgreSQL-compatible engines).
//!
//! Keys are application-generated UUIDs and large tables carry an organisation column, so the
//! schema also suits distributed PostgreSQL-compatible engines.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use crate::replica::Replicas;

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
crate::deliveries::deliveries_impl!(PgStore, sqlx::Postgres);
crate::changes::changes_impl!(PgStore, sqlx::Postgres);

/// A node database on a PostgreSQL server.
pub struct PgStore {
    pool: PgPool,
    /// Streaming replicas for read-only work (empty without any).
    replicas: Arc<Replicas>,
    /// The audit chain's key, given once by whoever opened the store (see `Identity::set_audit_key`).
    audit_key: std::sync::OnceLock<jiuye_security::chain::AuditKey>,
}

impl PgStore {
    /// Connects, optionally inside `schema` (created when missing; used to keep test runs apart),
    /// and applies migrations.
    pub async fn connect(url: &str, schema: Option<&str>) -> Result<PgStore> {
        PgStore::connect_with_replicas(url, schema, &[]).await
    }

    /// As [`PgStore::connect`], with streaming replicas of that database (each `postgres://`
    /// URL; the same `schema`) answering read-only work. A replica that is down is left out
    /// until it answers.
    pub async fn connect_with_replicas(url: &str, schema: Option<&str>, replicas: &[String]) -> Result<PgStore> {
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
        let mut members = Vec::with_capacity(replicas.len());
        for replica in replicas {
            if !(replica.starts_with("postgres://") || replica.starts_with("postgresql://")) {
                return Err(StoreError::UnsupportedUrl(crate::redact_url(replica)));
            }
            let mut options = PgConnectOptions::from_str(replica)?;
            if let Some(schema) = schema {
                options = options.options([("search_path", schema)]);
            }
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect_lazy_with(options);
            members.push((crate::redact_url(replica), pool));
        }
        Ok(PgStore { pool, replicas: Replicas::start(members), audit_key: std::sync::OnceLock::new() })
    }

    /// The pool for a read-only query the current task may send to a replica (see
    /// [`crate::replica`]).
    async fn reader(&self) -> &PgPool {
        use crate::replica::{ReadFrom, current};
        if self.replicas.is_empty() {
            return &self.pool;
        }
        let need = match current() {
            ReadFrom::Primary => return &self.pool,
            ReadFrom::AtLeast(at) => at,
            ReadFrom::Any => match sqlx::query_scalar::<_, i64>(crate::replica::WRITTEN).fetch_one(&self.pool).await {
                Ok(at) => at,
                Err(_) => return &self.pool,
            },
        };
        self.replicas.pick(need).await.unwrap_or(&self.pool)
    }

    fn replica_status(&self) -> Vec<crate::replica::ReplicaStatus> {
        self.replicas.status()
    }

    async fn primary_position(&self) -> Result<Option<i64>> {
        if self.replicas.is_empty() {
            return Ok(None);
        }
        Ok(Some(sqlx::query_scalar(crate::replica::WRITTEN).fetch_one(&self.pool).await?))
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
