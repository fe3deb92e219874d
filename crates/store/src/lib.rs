//! Storage for jiuye: one [`Repository`] trait, implemented for SQLite (the embedded default of
//! a university node) and PostgreSQL (province and nation nodes).
//!
//! Both implementations share their SQL text (written in the dialect both accept: `$N`
//! placeholders, `ON CONFLICT`, `RETURNING`); each backend has its own migrations folder and its
//! own connection set-up. Everything here is storage: no business rules, no HTTP, and a database
//! error is never turned into "not found".

use std::sync::Arc;

use async_trait::async_trait;
use jiuye_domain::destination::CountRow;
use jiuye_domain::{Catalogue, Employer, Graduate, Org, OrgCode, OrgCounts, OrgKind, OrgWithCounts, RefData, RefEntry};
use uuid::Uuid;

pub mod accounts;
mod common;
pub mod destinations;
pub mod employers;
pub mod followup;
pub mod guidance;
pub mod hardship;
pub mod matching;
pub use common::well_known_org_id;

/// The most rows one page of any list holds (the web layer refuses larger pages; the store
/// never reads more whatever it is asked).
pub const MAX_PAGE: i64 = 1000;
pub mod awards;
pub mod calendar;
pub mod campaign;
pub mod changes;
pub mod contests;
pub mod courses;
pub mod deliveries;
pub mod events;
pub mod federation;
pub mod live;
pub mod outbox;
pub mod postgres;
pub mod postings;
pub mod read_log;
pub mod received;
pub mod replica;
pub mod reports;
pub mod safety;
pub mod sqlite;

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database URL '{0}': use a file path, sqlite://… or postgres://…")]
    UnsupportedUrl(String),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Invalid(String),
}

impl StoreError {
    /// True when the database could not be reached or had no free connection: worth retrying.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Database(sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_)))
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which database engine serves this node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn id(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// The identity of this node: every record created here carries `node_id` as its origin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeInfo {
    pub node_id: Uuid,
}

/// Connection pool figures for `/metrics`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolStats {
    pub size: u32,
    pub idle: u32,
    pub max: u32,
}

/// A page of a reference catalogue.
#[derive(Clone, Debug, PartialEq)]
pub struct RefPage {
    pub entries: Vec<RefEntry>,
    pub total: i64,
}

/// Filter for [`Repository::ref_entries`].
#[derive(Clone, Debug, Default)]
pub struct RefQuery {
    /// Matches code prefix or a substring of the name.
    pub q: Option<String>,
    pub parent: Option<String>,
    pub level: Option<u8>,
    pub limit: i64,
    pub offset: i64,
}

/// Filter for [`Repository::search_orgs`].
#[derive(Clone, Debug, Default)]
pub struct OrgQuery {
    pub q: Option<String>,
    pub kind: Option<OrgKind>,
    pub province_code: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

/// Narrows placement statistics to a group of graduates.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlacementFilter {
    pub gender: Option<jiuye_domain::Gender>,
    pub education_level: Option<jiuye_domain::EducationLevel>,
}

/// Totals across the whole node, for the home page and health checks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub provinces: i64,
    pub universities: i64,
    pub colleges: i64,
    pub programmes: i64,
    pub graduates: i64,
    pub employers: i64,
}

/// Everything the application asks of its database.
#[async_trait]
pub trait Repository:
    accounts::Identity
    + destinations::Destinations
    + employers::EmployerDirectory
    + campaign::CampaignRecords
    + postings::Postings
    + read_log::ReadLogStore
    + safety::SafetyStore
    + followup::FollowupStore
    + guidance::GuidanceStore
    + hardship::HardshipStore
    + calendar::CalendarStore
    + awards::AwardStore
    + contests::ContestStore
    + events::EventStore
    + live::LiveStore
    + matching::MatchingStore
    + federation::FederationStore
    + outbox::OutboxStore
    + received::ReceivedStore
    + reports::ReportStore
    + deliveries::DeliveryStore
    + changes::ChangeStore
    + courses::CourseStore
    + Send
    + Sync
    + 'static
{
    fn backend(&self) -> Backend;
    fn pool_stats(&self) -> PoolStats;
    /// The read replicas this process uses (none on SQLite or without `--read-database-url`).
    fn replicas(&self) -> Vec<replica::ReplicaStatus>;
    /// The primary's WAL position now, when there are replicas to compare it with: a replica
    /// that has replayed it holds every write committed so far ([`replica::ReadFrom::AtLeast`]).
    async fn write_position(&self) -> Result<Option<i64>>;
    /// Answers when the database does (`/healthz`).
    async fn ping(&self) -> Result<()>;
    /// This node's identity, created on first start.
    async fn node(&self) -> Result<NodeInfo>;
    /// Loads the shipped reference data (code lists, provinces, universities) when the stored
    /// copy differs from `refdata`; returns whether anything was written.
    async fn sync_reference_data(&self, refdata: &RefData) -> Result<bool>;
    /// Runs the engine's own consistency checks; returns the problems found (empty when sound).
    async fn integrity_check(&self) -> Result<Vec<String>>;

    async fn ref_entries(&self, catalogue: Catalogue, query: &RefQuery) -> Result<RefPage>;
    async fn ref_entry(&self, catalogue: Catalogue, code: &str) -> Result<Option<RefEntry>>;

    async fn org_by_code(&self, code: &OrgCode) -> Result<Option<Org>>;
    async fn org_by_id(&self, id: Uuid) -> Result<Option<Org>>;
    /// The node's path from the nation down to (not including) the node itself.
    async fn org_ancestors(&self, org: &Org) -> Result<Vec<Org>>;
    /// Direct children (alliance members, for an alliance) with their counts, by code.
    async fn org_children(&self, org: &Org) -> Result<Vec<OrgWithCounts>>;
    async fn org_counts(&self, org: &Org) -> Result<OrgCounts>;
    async fn search_orgs(&self, query: &OrgQuery) -> Result<(Vec<Org>, i64)>;
    /// Alliances a university belongs to.
    async fn alliances_of(&self, university_id: Uuid) -> Result<Vec<Org>>;

    /// Inserts or updates organisations by code (the version is bumped on change).
    async fn upsert_orgs(&self, orgs: &[Org]) -> Result<()>;
    async fn add_alliance_members(&self, alliance_id: Uuid, university_ids: &[Uuid]) -> Result<()>;
    /// Inserts graduates; rows whose (university, 学号) already exist are left as they are.
    /// Returns how many were new.
    async fn insert_graduates(&self, graduates: &[Graduate]) -> Result<u64>;
    /// Inserts employers; rows whose credit code already exists are left as they are.
    async fn insert_employers(&self, employers: &[Employer]) -> Result<u64>;

    async fn totals(&self) -> Result<Totals>;

    /// A graduate of a university by 学号.
    async fn graduate_by_student_no(&self, university_id: Uuid, student_no: &str) -> Result<Option<Graduate>>;
    async fn employer_by_credit_code(&self, credit_code: &str) -> Result<Option<Employer>>;
    /// Some graduate of a programme (the one with the lowest 学号), e.g. for demo accounts.
    async fn sample_graduate(&self, programme_id: Uuid) -> Result<Option<Graduate>>;
    /// Some employer registered by an organisation (lowest credit code).
    async fn sample_employer(&self, org_id: Uuid) -> Result<Option<Employer>>;

    /// Graduates of a cohort under `org`, grouped by province, university, college, programme
    /// and counted destination code (only approved or confirmed records count).
    async fn placement_counts(&self, org: &Org, cohort: i32, filter: &PlacementFilter) -> Result<Vec<CountRow>>;

    /// Writes a validated roster for one university and cohort in a single transaction:
    /// colleges and programmes named in it are created when missing, graduates are inserted or
    /// updated by 学号, and final destinations are recorded with their history. With `dry_run`
    /// everything is computed and then rolled back. `progress` gets (rows done, rows).
    async fn import_roster(
        &self,
        university: &Org,
        rows: &[jiuye_domain::roster::RosterRow],
        dry_run: bool,
        actor: Option<(Uuid, String)>,
        progress: &mut (dyn FnMut(u64, u64) + Send),
    ) -> Result<jiuye_domain::roster::ImportOutcome>;

    /// (graduates, placed) of a cohort under `org` in one aggregate query — the straightforward
    /// way, kept as the benchmark baseline and as a cross-check of the rollup.
    async fn placement_totals(&self, org: &Org, cohort: i32) -> Result<(i64, i64)>;

    /// Counted, placed graduates of a cohort under `org` by the day their destination was last
    /// recorded (`YYYY-MM-DD`, ascending), for progress curves.
    async fn placement_by_day(&self, org: &Org, cohort: i32) -> Result<Vec<(String, i64)>>;

    /// Refreshes the query planner's statistics (after bulk loads).
    async fn analyze(&self) -> Result<()>;

    /// Stores (or replaces) a campaign policy that has already been checked.
    async fn save_campaign(&self, id: &str, name: &str, policy: &str) -> Result<()>;
    /// As [`Repository::save_campaign`], and, in the same transaction, an outbox row for the
    /// definition (kind `campaign`, `record`) whose version is the moment it was loaded (Unix
    /// milliseconds), which is returned: the nodes below receive it.
    async fn publish_campaign(&self, id: &str, name: &str, policy: &str, record: uuid::Uuid) -> Result<i64>;
    /// Loaded campaigns: (id, name, policy text, loaded at), newest first.
    async fn campaigns(&self) -> Result<Vec<(String, String, String, chrono::DateTime<chrono::Utc>)>>;

    /// Cohorts (届别) that have graduates, newest first.
    async fn cohorts(&self) -> Result<Vec<i32>>;

    /// A node-level setting or marker (e.g. whether the demo finished loading).
    async fn meta_get(&self, key: &str) -> Result<Option<String>>;
    async fn meta_set(&self, key: &str, value: &str) -> Result<()>;
}

/// A shared handle to the node's repository.
pub type Store = Arc<dyn Repository>;

/// Opens the database named by `url` (a path or `sqlite://…` for SQLite, `postgres://…` or
/// `postgresql://…` for PostgreSQL), applies migrations and returns the repository.
pub async fn connect(url: &str) -> Result<Store> {
    connect_with_replicas(url, &[]).await
}

/// As [`connect`], with PostgreSQL streaming replicas for read-only work (see [`replica`]).
/// Replicas need a PostgreSQL primary.
pub async fn connect_with_replicas(url: &str, replicas: &[String]) -> Result<Store> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(postgres::PgStore::connect_with_replicas(url, None, replicas).await?))
    } else if !replicas.is_empty() {
        Err(StoreError::Invalid("read replicas need a PostgreSQL primary (--database-url postgres://…)".into()))
    } else if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
        Ok(Arc::new(sqlite::SqliteStore::open(std::path::Path::new(path)).await?))
    } else if !url.contains("://") {
        Ok(Arc::new(sqlite::SqliteStore::open(std::path::Path::new(url)).await?))
    } else {
        Err(StoreError::UnsupportedUrl(redact_url(url)))
    }
}

/// A database URL with any password replaced, for logs and messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let creds = &url[scheme_end + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_password() {
        assert_eq!(super::redact_url("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(super::redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(super::redact_url("/tmp/x.db"), "/tmp/x.db");
    }
}
