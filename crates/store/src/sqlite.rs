//! The SQLite backend: the embedded default for a university node.
//!
//! WAL journal, `synchronous=FULL` (an acknowledged commit survives a crash or power loss),
//! foreign keys enforced, a busy timeout so that concurrent writers wait instead of failing.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

crate::common::repository_impl!(SqliteStore, sqlx::Sqlite, Backend::Sqlite, "substr(g.dest_updated_at, 1, 10)");
crate::accounts::accounts_impl!(SqliteStore, sqlx::Sqlite);
crate::destinations::destinations_impl!(SqliteStore, sqlx::Sqlite);
crate::employers::employers_impl!(SqliteStore, sqlx::Sqlite);
crate::campaign::campaign_impl!(SqliteStore, sqlx::Sqlite);
crate::postings::postings_impl!(SqliteStore, sqlx::Sqlite);
crate::read_log::read_log_impl!(SqliteStore, sqlx::Sqlite);
crate::safety::safety_impl!(SqliteStore, sqlx::Sqlite);
crate::followup::followup_impl!(SqliteStore, sqlx::Sqlite);
crate::matching::matching_impl!(SqliteStore, sqlx::Sqlite);
crate::guidance::guidance_impl!(SqliteStore, sqlx::Sqlite);
crate::hardship::hardship_impl!(SqliteStore, sqlx::Sqlite);
crate::calendar::calendar_impl!(SqliteStore, sqlx::Sqlite);
crate::awards::awards_impl!(SqliteStore, sqlx::Sqlite);
crate::contests::contests_impl!(SqliteStore, sqlx::Sqlite);
crate::events::events_impl!(SqliteStore, sqlx::Sqlite);
crate::live::live_impl!(SqliteStore, sqlx::Sqlite);
crate::courses::courses_impl!(SqliteStore, sqlx::Sqlite);
crate::federation::federation_impl!(SqliteStore, sqlx::Sqlite);
crate::outbox::outbox_impl!(SqliteStore, sqlx::Sqlite);
crate::received::received_impl!(SqliteStore, sqlx::Sqlite);
crate::reports::reports_impl!(SqliteStore, sqlx::Sqlite);
crate::deliveries::deliveries_impl!(SqliteStore, sqlx::Sqlite);
crate::changes::changes_impl!(SqliteStore, sqlx::Sqlite);

/// A node database in one SQLite file.
pub struct SqliteStore {
    pool: SqlitePool,
    /// The audit chain's key, given once by whoever opened the store (see `Identity::set_audit_key`).
    audit_key: std::sync::OnceLock<jiuye_security::chain::AuditKey>,
}

impl SqliteStore {
    /// Opens (creating when missing) the database file and applies migrations.
    pub async fn open(path: &Path) -> Result<SqliteStore> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::Invalid(format!("cannot create {}: {e}", dir.display())))?;
        }
        let options = SqliteConnectOptions::from_str("sqlite://")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            // A writer waits for the one before it to commit; with synchronous=FULL each commit
            // waits for the disk, which can be slow under heavy I/O.
            .busy_timeout(Duration::from_secs(30))
            // 64 MiB page cache per connection: index maintenance on large tables stays in memory.
            .pragma("cache_size", "-65536");
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(SqliteStore { pool, audit_key: std::sync::OnceLock::new() })
    }

    /// One file, one pool: reads and writes alike.
    async fn reader(&self) -> &SqlitePool {
        &self.pool
    }

    fn replica_status(&self) -> Vec<crate::replica::ReplicaStatus> {
        Vec::new()
    }

    async fn primary_position(&self) -> Result<Option<i64>> {
        Ok(None)
    }

    /// `PRAGMA integrity_check` and `PRAGMA foreign_key_check`.
    async fn engine_integrity_check(&self) -> Result<Vec<String>> {
        let mut problems: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .filter(|s: &String| s != "ok")
            .collect();
        let fk = sqlx::query("PRAGMA foreign_key_check").fetch_all(&self.pool).await?;
        if !fk.is_empty() {
            problems.push(format!("{} rows violate a foreign key", fk.len()));
        }
        Ok(problems)
    }
}
