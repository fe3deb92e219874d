//! `jiuye`: the one binary of the platform. Serves the web application, generates demo and
//! benchmark data, and checks the database.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use jiuye_domain::{RefData, RegionCode};
use jiuye_seed::{SeedPlan, Stage};
use jiuye_store::Store;

mod archive;
mod backup;
mod bench;
mod bench_fair;
mod bench_federation;
mod bench_match;
mod bench_reads;
mod bench_search;
mod config;
mod eval;
mod eval_csv;
mod eval_matching;
mod eval_titles;
mod federation;
mod hardship;
mod matching;
mod ops;
mod read_log;

use config::{DataConfig, FileConfig};

/// jiuye (就业): graduate employment platform for universities, provinces and the nation.
///
/// One binary. It keeps its data in SQLite inside a data directory by default, or in
/// PostgreSQL when given a postgres:// URL. Settings come from flags, then JIUYE_* environment
/// variables, then a TOML file (--config, or ./jiuye.toml when present).
#[derive(Parser, Debug)]
#[command(name = "jiuye", version, about, long_about)]
struct Cli {
    /// TOML file with settings (keys: data_dir, database_url, listen, log_format,
    /// body_limit_bytes, request_timeout_secs).
    #[arg(long, global = true, env = "JIUYE_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Start the web application (pages and API). Applies database migrations and loads the
    /// shipped reference data first.
    Serve(ServeArgs),
    /// Generate a deterministic synthetic dataset (for benchmarks and trials): colleges and
    /// major programmes for real universities, graduates and employers. Same seed, same data.
    Seed(SeedArgs),
    /// Check that the database is sound (engine integrity check and consistency of the tree).
    /// Exits with status 1 and lists the problems when it is not.
    Check(DataArgs),
    /// Manage accounts from the server's shell (for the first administrator, or recovery).
    #[command(subcommand)]
    User(UserCommand),
    /// API tokens for programs.
    #[command(subcommand)]
    Token(TokenCommand),
    /// The tamper-evident audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// The read log (who read which graduate's file): purge entries past their retention.
    #[command(subcommand)]
    ReadLog(read_log::ReadLogCommand),
    /// The hardship ledger: purge files kept long enough.
    #[command(subcommand)]
    Hardship(hardship::HardshipCommand),
    /// The key ring that encrypts sensitive fields.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Load data from files.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Campaign policies (访企拓岗 quotas as TOML files).
    #[command(subcommand)]
    Campaign(CampaignCommand),
    /// Measure performance against a baseline measured in the same run; prints a table.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Measure quality on labelled data against a baseline in the same run; prints a table.
    #[command(subcommand)]
    Eval(eval::EvalCommand),
    /// Rebuild the posting search index (DIR/search-index) from the database. The server
    /// keeps the index current by itself; use this after restoring a backup or changing the
    /// database behind its back. Stop the server first (the index has one writer at a time).
    Reindex(DataArgs),
    /// Compute and store every graduate's top 50 matching postings (graduates in difficulty
    /// first), with a progress bar: what the coverage figures and hardship files read.
    Match(matching::Args),
    /// 部省校互联互通: this node's identity (organisation code, public URL, signing key) and
    /// its peers.
    #[command(subcommand)]
    Federation(federation::FederationCommand),
    /// Write a consistent backup of the node while it serves: the database (SQLite copied in
    /// one read transaction; PostgreSQL by pg_dump) and the files under the data directory
    /// (evidence, visit photos, résumés), in one archive with a manifest. The key ring is never
    /// in it: export it with `jiuye key export` and keep it apart.
    Backup(backup::BackupArgs),
    /// Restore a backup into an empty node (a new data directory; for PostgreSQL an empty
    /// database), install the exported keys (--keys), rebuild the search index and check the
    /// result: row counts against the backup's manifest, database integrity, the audit chain.
    Restore(backup::RestoreArgs),
}

#[derive(Subcommand, Debug)]
enum CampaignCommand {
    /// Check a campaign policy file and load it (replacing a loaded campaign with the same id).
    /// A bad file is refused with its line and the reason.
    Load(CampaignLoadArgs),
}

#[derive(Args, Debug)]
struct CampaignLoadArgs {
    #[command(flatten)]
    data: DataArgs,
    /// The policy file, e.g. policies/2023-spring.toml.
    file: PathBuf,
}

#[derive(Subcommand, Debug)]
enum BenchCommand {
    /// Time a province's full placement rollup (every university, college and programme) the
    /// way the statistics pages compute it, against one aggregate query per organisation node.
    /// Seeds the province first when the database holds fewer graduates than asked for.
    Stats(BenchStatsArgs),
    /// Time posting search the way the search endpoint runs it (Chinese analysis, visibility,
    /// filters, facet counts) against PostgreSQL (LIKE over a pg_trgm GIN index) and SQLite FTS5
    /// with the trigram tokenizer, on the same long-tail mix of searches over the same postings;
    /// then load the HTTP endpoint with wrk. Seeds the postings first when the database holds
    /// fewer.
    Search(bench_search::Args),
    /// Reads per second of the graduate list and a graduate's record over HTTP with the read
    /// log on and off (wrk; alternating rounds), to show that reading does not wait on logging.
    Reads(bench_reads::Args),
    /// A live virtual fair under load: starts a fresh node (`serve --demo`) per run, prepares an
    /// online fair with booths, approved employers and graduate accounts, connects every
    /// graduate and one recruiter per booth over WebSocket, and measures queue operations, chat
    /// delivery (each message exactly once, to the right person) and the node's memory; a
    /// baseline run with fewer graduates first.
    Fair(bench_fair::Args),
    /// Recommendations for a whole node in memory: every graduate's top 50 from candidate lists
    /// against exhaustive scoring of every posting, the online path's latency, memory, and a
    /// projection for the largest province.
    Match(bench_match::Args),
    /// 部省校互联互通 at scale: a university node shares generated postings with its province
    /// node over the federation feed on loopback (signed, verified, kept), timed, against
    /// `pg_dump | psql` of the same rows in the same run; PostgreSQL databases of their own.
    Federation(bench_federation::Args),
}

#[derive(Args, Debug)]
struct BenchStatsArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Graduates to have in the database (seeded into the province when missing).
    #[arg(long, default_value_t = 1_000_000)]
    graduates: u64,
    /// The province whose rollup is timed.
    #[arg(long, default_value = "510000")]
    province: String,
    /// The cohort counted.
    #[arg(long, default_value_t = 2022)]
    cohort: i32,
    /// Timed repetitions (the median is reported).
    #[arg(long, default_value_t = 5)]
    runs: usize,
}

#[derive(Subcommand, Debug)]
enum ImportCommand {
    /// Import a university's graduate roster (.xlsx, or CSV in UTF-8 or GBK) for one cohort. The
    /// whole file is checked first; if any row is bad nothing is written and every bad row and
    /// column is listed. Importing again updates graduates by 学号. Colleges and programmes named
    /// in the file are created when missing.
    Graduates(ImportGraduatesArgs),
}

#[derive(Args, Debug)]
struct ImportGraduatesArgs {
    #[command(flatten)]
    data: DataArgs,
    /// The roster file.
    file: PathBuf,
    /// The university's school code (学校标识码).
    #[arg(long)]
    university: String,
    /// 届别, e.g. 2023.
    #[arg(long)]
    cohort: i32,
    /// Check and report without writing anything.
    #[arg(long)]
    dry_run: bool,
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// Create an account with one role at one organisation. The password must have at least 10
    /// characters, must not contain the username and must not be a common password.
    Add(UserAddArgs),
    /// Give an existing account another role.
    Grant(UserGrantArgs),
}

#[derive(Args, Debug)]
struct UserAddArgs {
    #[command(flatten)]
    data: DataArgs,
    #[arg(long)]
    username: String,
    /// The password (visible in the process list; prefer --password-stdin).
    #[arg(long, conflicts_with = "password_stdin", required_unless_present = "password_stdin")]
    password: Option<String>,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    password_stdin: bool,
    /// Name shown in the interface [default: the username].
    #[arg(long)]
    display_name: Option<String>,
    #[command(flatten)]
    grant: GrantArgs,
}

#[derive(Args, Debug)]
struct UserGrantArgs {
    #[command(flatten)]
    data: DataArgs,
    #[arg(long)]
    username: String,
    #[command(flatten)]
    grant: GrantArgs,
}

#[derive(Args, Debug)]
struct GrantArgs {
    /// ministry_admin, province_admin, career_staff, university_leader, college_leader,
    /// major_head, counselor, graduate or employer.
    #[arg(long)]
    role: String,
    /// Organisation code where the role applies (CN, 510000, 4151010610, 4151010610-01, …);
    /// for a graduate, their university.
    #[arg(long)]
    org: String,
    /// For a graduate: the 学号; for an employer: the unified social credit code.
    #[arg(long)]
    subject: Option<String>,
}

#[derive(Subcommand, Debug)]
enum TokenCommand {
    /// Create an API token for an account and print only the token (use it as
    /// `Authorization: Bearer <token>`).
    Create(TokenCreateArgs),
}

#[derive(Args, Debug)]
struct TokenCreateArgs {
    #[command(flatten)]
    data: DataArgs,
    #[arg(long)]
    username: String,
    /// Days until the token expires (1–365).
    #[arg(long, default_value_t = 90)]
    expires_days: i64,
    /// A name to recognise the token by.
    #[arg(long, default_value = "命令行创建")]
    name: String,
    /// The grant the token acts under, by role (with --org); default the account's first grant.
    #[arg(long, requires = "org")]
    role: Option<String>,
    /// The organisation code of that grant.
    #[arg(long, requires = "role")]
    org: Option<String>,
}

#[derive(Subcommand, Debug)]
enum AuditCommand {
    /// Walk the hash chain of the audit log with the audit key from the key file; exit 1 naming
    /// the first row that was edited, inserted or removed, or an end rewritten without the key.
    Verify(DataArgs),
    /// Key an audit log written before the node had an audit key, once: check the unkeyed chain,
    /// re-hash every row with the key and record the re-anchoring. The first start with a new
    /// key does this by itself; run it only when that start was interrupted.
    Reanchor(DataArgs),
}

#[derive(Subcommand, Debug)]
enum KeyCommand {
    /// Add a new encryption key, re-encrypt every sealed field with it, and keep the old keys
    /// so anything sealed before can still be read. Remove old keys from the file by hand once
    /// backups that need them have expired.
    Rotate(DataArgs),
    /// Write the key ring, encrypted with a passphrase (argon2id, XChaCha20-Poly1305), to a
    /// file kept apart from backups; `jiuye restore --keys FILE` installs it.
    Export(backup::KeyExportArgs),
}

/// Where the data lives (every command that touches data takes these).
#[derive(Args, Debug, Clone)]
struct DataArgs {
    /// Directory for the node's files; the SQLite database is DIR/jiuye.db. [default: ./jiuye-data]
    #[arg(long, env = "JIUYE_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Use this database instead of SQLite in the data directory, e.g.
    /// postgres://user@host:5432/jiuye (a file path or sqlite://path also works).
    #[arg(long, env = "JIUYE_DATABASE_URL", value_name = "URL")]
    database_url: Option<String>,
    /// Key ring for encrypted fields, created on first start with owner-only permissions.
    /// [default: DIR/secret.key]
    #[arg(long, env = "JIUYE_KEY_FILE", value_name = "FILE")]
    key_file: Option<PathBuf>,
}

#[derive(Args, Debug)]
struct ServeArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Address and port to listen on. [default: 127.0.0.1:8080]
    #[arg(long, env = "JIUYE_LISTEN", value_name = "ADDR")]
    listen: Option<String>,
    /// On an empty database, load the demo province (四川省: real universities, about 20,000
    /// graduates, employers) and print how to sign in.
    #[arg(long, env = "JIUYE_DEMO")]
    demo: bool,
    /// Log format on standard error: text or json. [default: text]
    #[arg(long, env = "JIUYE_LOG_FORMAT", value_name = "FORMAT")]
    log_format: Option<String>,
    /// Administrators (ministry, province, career centre) must sign in with a second factor
    /// (TOTP); until they set it up they can only reach their account page.
    #[arg(long, env = "JIUYE_REQUIRE_TOTP_FOR_ADMINS")]
    require_totp_for_admins: bool,
    /// Mark cookies Secure (the node is reached over HTTPS, e.g. behind a TLS proxy).
    #[arg(long, env = "JIUYE_SECURE_COOKIES")]
    secure_cookies: bool,
    /// Reverse proxies whose X-Forwarded-For header is believed: comma-separated addresses or
    /// CIDR ranges (e.g. 127.0.0.1,10.0.0.0/8). The client is the rightmost address in that
    /// header that is not one of them. Without it the header is ignored.
    #[arg(long, env = "JIUYE_TRUSTED_PROXIES", value_name = "LIST")]
    trusted_proxies: Option<String>,
    /// Searches computed at once (the others queue, first come first served); twice the cores
    /// unless given, 0 for no limit.
    #[arg(long, env = "JIUYE_SEARCH_CONCURRENCY", value_name = "N")]
    search_concurrency: Option<usize>,
    /// A PostgreSQL streaming replica of the database (repeatable): statistics, lists, search
    /// rebuilds and federation feeds read from the replicas; a person who just wrote reads from
    /// the primary until a replica has caught up.
    #[arg(long = "read-database-url", env = "JIUYE_READ_DATABASE_URLS", value_delimiter = ',', value_name = "URL")]
    read_database_url: Vec<String>,
    /// Certificate authorities (a PEM file) trusted for https:// peers besides the system's
    /// roots, e.g. a province's own CA.
    #[arg(long, env = "JIUYE_FEDERATION_CA_FILE", value_name = "FILE")]
    federation_ca: Option<std::path::PathBuf>,
    /// The address people reach the node at, e.g. https://jiuye.example.edu.cn. With an https
    /// address, responses carry Strict-Transport-Security and cookies are marked Secure.
    #[arg(long, env = "JIUYE_PUBLIC_URL", value_name = "URL")]
    public_url: Option<String>,
    #[command(flatten)]
    retention: read_log::RetentionArgs,
}

#[derive(Args, Debug)]
struct SeedArgs {
    #[command(flatten)]
    data: DataArgs,
    /// How many universities get colleges, programmes and graduates (from the national list,
    /// or from --province).
    #[arg(long, default_value_t = 100)]
    universities: usize,
    /// How many graduates to generate.
    #[arg(long, default_value_t = 100_000)]
    graduates: u64,
    /// How many employers to generate.
    #[arg(long, default_value_t = 10_000)]
    employers: u64,
    /// Random seed: the same seed gives the same data.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Only universities of this province (GB/T 2260 code, e.g. 510000).
    #[arg(long, value_name = "CODE")]
    province: Option<String>,
    /// Cohorts (届别) to spread graduates over, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "2022,2023")]
    cohorts: Vec<i32>,
}

fn data_config(args: &DataArgs, file: &FileConfig) -> DataConfig {
    let data_dir =
        args.data_dir.clone().or_else(|| file.data_dir.clone()).unwrap_or_else(|| PathBuf::from("jiuye-data"));
    DataConfig {
        key_file: args
            .key_file
            .clone()
            .or_else(|| file.key_file.clone())
            .unwrap_or_else(|| data_dir.join("secret.key")),
        database_url: args.database_url.clone().or_else(|| file.database_url.clone()),
        read_database_urls: Vec::new(),
        data_dir,
    }
}

fn init_logging(format: &str) -> Result<(), String> {
    let filter = tracing_subscriber::EnvFilter::try_from_env("JIUYE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tantivy=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        "json" => builder.json().try_init().map_err(|e| e.to_string()),
        "text" => builder.try_init().map_err(|e| e.to_string()),
        other => Err(format!("未知的日志格式“{other}”，可选 text 或 json")),
    }
}

/// Opens the database and brings its reference data up to date; touches no key.
async fn open_database(data: &DataConfig) -> Result<(Store, Arc<RefData>), String> {
    let refdata = Arc::new(RefData::load().map_err(|e| format!("内置参考数据有误：{e}"))?);
    let store = jiuye_store::connect_with_replicas(&data.url(), &data.read_database_urls)
        .await
        .map_err(|e| format!("无法打开数据库 {}：{e}", jiuye_store::redact_url(&data.url())))?;
    store.sync_reference_data(&refdata).await.map_err(|e| format!("载入参考数据失败：{e}"))?;
    Ok((store, refdata))
}

/// Opens the database with the node's keys: the key file exists from the first command that
/// touches data, and the store writes the audit chain with its audit key.
async fn open(data: &DataConfig) -> Result<(Store, Arc<RefData>), String> {
    let (store, refdata) = open_database(data).await?;
    let (ring, new_audit_key) = config::load_keys_with_audit_key(&data.key_file)?;
    ops::key_audit_chain(&*store, &ring, new_audit_key).await?;
    Ok((store, refdata))
}

/// A progress bar per stage on standard error.
fn progress_reporter() -> impl FnMut(Stage, u64, u64) + Send {
    let mut current: Option<(Stage, ProgressBar)> = None;
    move |stage, done, total| {
        if current.as_ref().is_none_or(|(s, _)| *s != stage) {
            if let Some((_, bar)) = current.take() {
                bar.finish();
            }
            let bar = ProgressBar::new(total);
            bar.set_style(
                ProgressStyle::with_template("{msg:>10} [{bar:40}] {pos}/{len} {per_sec} 剩余 {eta}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            bar.set_message(stage.zh());
            current = Some((stage, bar));
        }
        if let Some((_, bar)) = &current {
            bar.set_position(done);
            if done >= total {
                bar.finish();
            }
        }
    }
}

const DEMO_STATE: &str = "demo_state";

/// Loads the demo when the database holds no graduates yet, or when an earlier demo load was
/// interrupted (the load is idempotent, so it simply completes).
async fn ensure_demo(
    store: &Store,
    refdata: &RefData,
    keys: &jiuye_security::seal::KeyRing,
    evidence_dir: &std::path::Path,
) -> Result<bool, String> {
    let state = store.meta_get(DEMO_STATE).await.map_err(|e| e.to_string())?;
    if state.as_deref() == Some("complete") {
        return Ok(true);
    }
    let graduates = store.totals().await.map_err(|e| e.to_string())?.graduates;
    if state.is_none() && graduates > 0 {
        eprintln!("数据库中已有数据，未载入演示数据。");
        return Ok(false);
    }
    store.meta_set(DEMO_STATE, "started").await.map_err(|e| e.to_string())?;
    eprintln!("正在载入演示数据（四川省）……");
    let started = Instant::now();
    let mut report = progress_reporter();
    jiuye_seed::run(&**store, refdata, &SeedPlan::demo(), &mut report).await.map_err(|e| e.to_string())?;
    jiuye_seed::demo_accounts(&**store, jiuye_security::password::Cost::default()).await.map_err(|e| e.to_string())?;
    jiuye_seed::demo_workflow(&**store, keys, evidence_dir).await.map_err(|e| e.to_string())?;
    let spring =
        jiuye_domain::campaign::Campaign::parse(jiuye_domain::campaign::SPRING_2023).map_err(|e| e.to_string())?;
    store
        .save_campaign(&spring.id, &spring.name, jiuye_domain::campaign::SPRING_2023)
        .await
        .map_err(|e| e.to_string())?;
    jiuye_seed::demo_visits(&**store, jiuye_security::password::Cost::default()).await.map_err(|e| e.to_string())?;
    jiuye_seed::demo_campaign_records(&**store, refdata).await.map_err(|e| e.to_string())?;
    jiuye_seed::demo_postings(&**store, refdata, 3_000).await.map_err(|e| e.to_string())?;
    // After the postings, which it recommends.
    jiuye_seed::demo_hardship(&**store, keys).await.map_err(|e| e.to_string())?;
    store.meta_set(DEMO_STATE, "complete").await.map_err(|e| e.to_string())?;
    eprintln!("演示数据已载入，用时 {:.1} 秒。", started.elapsed().as_secs_f64());
    Ok(true)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

async fn serve(args: ServeArgs, file: FileConfig) -> Result<(), String> {
    init_logging(args.log_format.as_deref().or(file.log_format.as_deref()).unwrap_or("text"))?;
    let mut data = data_config(&args.data, &file);
    data.read_database_urls = if args.read_database_url.is_empty() {
        file.read_database_urls.clone().unwrap_or_default()
    } else {
        args.read_database_url.clone()
    };
    if !data.read_database_urls.is_empty() && data.sqlite_file().is_some() {
        return Err("只读副本（--read-database-url）须配合 PostgreSQL 主库（--database-url postgres://…）".into());
    }
    let listen = args.listen.clone().or(file.listen.clone()).unwrap_or_else(|| "127.0.0.1:8080".into());
    let addr: SocketAddr = listen.parse().map_err(|_| format!("监听地址“{listen}”无效，应形如 127.0.0.1:8080"))?;
    let retention = args.retention.retention(&file)?;
    if let Some(path) = args.federation_ca.as_ref().or(file.federation_ca_file.as_ref()) {
        let pem = std::fs::read(path).map_err(|e| format!("无法读取证书文件 {}：{e}", path.display()))?;
        let n = jiuye_app::federation::client::trust_pem(&pem).map_err(|e| format!("{}：{e}", path.display()))?;
        tracing::info!(path = %path.display(), certificates = n, "federation: certificate authorities trusted for https peers");
    }
    tracing::info!(config = ?data, %addr, read_log_retention_days = retention.setting(), "starting");
    let (store, refdata) = open(&data).await?;
    // The screening's learned second opinion is trained once, in the background, before the
    // first posting needs it.
    std::thread::spawn(|| {
        let started = std::time::Instant::now();
        jiuye_domain::screening::Model::shipped();
        tracing::info!(ms = started.elapsed().as_millis() as u64, "screening model trained");
    });
    let keys = Arc::new(config::load_or_create_keys(&data.key_file)?);
    let demo_ready =
        if args.demo { ensure_demo(&store, &refdata, &keys, &data.data_dir.join("evidence")).await? } else { false };
    let mut settings = jiuye_web::WebSettings::with_keys(keys);
    settings.evidence_dir = data.data_dir.join("evidence");
    settings.search_dir = Some(data.search_dir());
    settings.search_warm = true;
    // The data directory's own rules file (a province extends the shipped one), checked for
    // changes every ten seconds; one that does not parse stops the start with its line.
    let rules = jiuye_app::safety::rules::RuleBook::open(&data.data_dir)?;
    if let Some(path) = rules.file().filter(|p| p.exists()) {
        tracing::info!(path = %path.display(), "screening rules read from the data directory");
    }
    settings.scam_rules = Arc::new(rules);
    settings.rules_watch = Some(Duration::from_secs(10));
    settings.federation_pull = Some(Duration::from_secs(5));
    settings.federation_report = Some(jiuye_app::federation::report::EVERY);
    settings.search_follow = Some(Duration::from_secs(1));
    settings.auth.require_totp_for_admins =
        args.require_totp_for_admins || file.require_totp_for_admins.unwrap_or(false);
    settings.auth.secure_cookies = args.secure_cookies || file.secure_cookies.unwrap_or(false);
    if let Some(n) = args.search_concurrency {
        settings.search_concurrency = n;
    }
    if let Some(list) = args.trusted_proxies.as_deref().or(file.trusted_proxies.as_deref()) {
        settings.auth.trusted_proxies =
            jiuye_web::auth::IpRange::parse_list(list).map_err(|e| format!("JIUYE_TRUSTED_PROXIES 有误：{e}"))?;
    }
    if let Some(url) = args.public_url.clone().or(file.public_url.clone()) {
        let https = url.trim().to_ascii_lowercase().starts_with("https://");
        if !https && !url.trim().to_ascii_lowercase().starts_with("http://") {
            return Err(format!("JIUYE_PUBLIC_URL“{url}”应以 https:// 或 http:// 开头"));
        }
        settings.hsts = https;
        settings.auth.secure_cookies |= https;
    }
    if let Some(m) = file.session_idle_minutes {
        settings.auth.session_idle = Duration::from_secs(m.clamp(1, 24 * 60) * 60);
    }
    if let Some(n) = file.body_limit_bytes {
        settings.body_limit = n;
    }
    if let Some(s) = file.request_timeout_secs {
        settings.request_timeout = Duration::from_secs(s);
    }
    if demo_ready {
        settings.featured_org = Some("510000".into());
    }
    let read_log = jiuye_app::read_log::ReadLog::start(store.clone(), jiuye_app::read_log::WriterSettings::default());
    settings.read_log = Some(read_log.clone());
    let purges = tokio::spawn(jiuye_app::read_log::purge_daily(store.clone(), retention));
    let app = jiuye_web::app(store.clone(), refdata, settings)?;
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("无法监听 {addr}：{e}"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    println!("jiuye 已启动：http://{local}/");
    if demo_ready {
        println!("演示省份：http://{local}/orgs/510000");
        println!("演示账号（登录：http://{local}/login，密码均为 {}）：", jiuye_seed::DEMO_PASSWORD);
        match jiuye_seed::demo_accounts(&*store, jiuye_security::password::Cost::default()).await {
            Ok(accounts) => {
                for a in accounts {
                    println!("  {:<16} {:<18} {}（{}）", a.username, a.role.id(), a.org_name, a.org_code);
                }
            }
            Err(e) => println!("  （无法列出演示账号：{e}）"),
        }
    }
    println!("接口文档：http://{local}/api/openapi.json   健康检查：http://{local}/healthz");
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| e.to_string())?;
    purges.abort();
    // Every read answered before the stop is written before the process ends.
    read_log.close().await;
    tracing::info!(counts = ?read_log.counts(), "stopped");
    Ok(())
}

fn file_size(path: &std::path::Path) -> u64 {
    ["", "-wal", "-shm"]
        .iter()
        .filter_map(|suffix| std::fs::metadata(format!("{}{suffix}", path.display())).ok())
        .map(|m| m.len())
        .sum()
}

async fn seed(args: SeedArgs, file: FileConfig) -> Result<(), String> {
    init_logging(file.log_format.as_deref().unwrap_or("text"))?;
    let data = data_config(&args.data, &file);
    let province = match &args.province {
        Some(p) => {
            let code = RegionCode::parse(p).map_err(|e| format!("--province：{}", e.reason))?;
            if !code.is_province() {
                return Err(format!("--province {p} 不是省级代码（应形如 510000）"));
            }
            Some(code)
        }
        None => None,
    };
    let plan = SeedPlan {
        seed: args.seed,
        province,
        universities: args.universities,
        graduates: args.graduates,
        employers: args.employers,
        cohorts: args.cohorts,
    };
    let started = Instant::now();
    let (store, refdata) = open(&data).await?;
    let mut report = progress_reporter();
    let r = jiuye_seed::run(&*store, &refdata, &plan, &mut report).await.map_err(|e| e.to_string())?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "已生成：高校 {} 所，院系 {} 个，专业点 {} 个，联盟 {} 个，新增毕业生 {} 人，新增用人单位 {} 家；用时 {secs:.1} 秒。",
        r.universities, r.colleges, r.programmes, r.alliances, r.graduates_new, r.employers_new
    );
    if let Some(f) = data.sqlite_file() {
        println!("数据库文件：{}（{:.1} MiB）", f.display(), file_size(&f) as f64 / 1048576.0);
    }
    Ok(())
}

async fn check(args: DataArgs, file: FileConfig) -> Result<bool, String> {
    init_logging(file.log_format.as_deref().unwrap_or("text"))?;
    let data = data_config(&args, &file);
    let (store, _) = open(&data).await?;
    let problems = store.integrity_check().await.map_err(|e| e.to_string())?;
    let t = store.totals().await.map_err(|e| e.to_string())?;
    if problems.is_empty() {
        println!(
            "数据库完好（{}）：高校 {}，院系 {}，专业点 {}，毕业生 {}，用人单位 {}。",
            store.backend().id(),
            t.universities,
            t.colleges,
            t.programmes,
            t.graduates,
            t.employers
        );
        Ok(true)
    } else {
        for p in &problems {
            println!("问题：{p}");
        }
        Ok(false)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("无法启动运行时：{e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        let file = FileConfig::read(cli.config.as_deref())?;
        match cli.command {
            Command::Serve(a) => serve(a, file).await.map(|()| true),
            Command::Seed(a) => seed(a, file).await.map(|()| true),
            Command::Check(a) => check(a, file).await,
            Command::User(UserCommand::Add(a)) => ops::user_add(a, file).await.map(|()| true),
            Command::User(UserCommand::Grant(a)) => ops::user_grant(a, file).await.map(|()| true),
            Command::Token(TokenCommand::Create(a)) => ops::token_create(a, file).await.map(|()| true),
            Command::Audit(AuditCommand::Verify(a)) => ops::audit_verify(a, file).await,
            Command::Audit(AuditCommand::Reanchor(a)) => ops::audit_reanchor(a, file).await,
            Command::Key(KeyCommand::Rotate(a)) => ops::key_rotate(a, file).await.map(|()| true),
            Command::Import(ImportCommand::Graduates(a)) => ops::import_graduates(a, file).await,
            Command::Bench(BenchCommand::Stats(a)) => bench::stats(a, file).await.map(|()| true),
            Command::Bench(BenchCommand::Search(a)) => bench_search::run(a, file).await.map(|()| true),
            Command::Bench(BenchCommand::Reads(a)) => bench_reads::run(a, file).await.map(|()| true),
            Command::Bench(BenchCommand::Fair(a)) => bench_fair::run(a, file).await.map(|()| true),
            Command::Bench(BenchCommand::Federation(a)) => bench_federation::run(a, file).await.map(|()| true),
            Command::Bench(BenchCommand::Match(a)) => tokio::task::spawn_blocking(move || bench_match::run(a))
                .await
                .map_err(|e| e.to_string())
                .and_then(|r| r.map(|()| true)),
            Command::ReadLog(read_log::ReadLogCommand::Purge(a)) => read_log::purge(a, file).await.map(|()| true),
            Command::Hardship(hardship::HardshipCommand::Purge(a)) => hardship::purge(a, file).await.map(|()| true),
            Command::Reindex(a) => ops::reindex(a, file).await.map(|()| true),
            Command::Match(a) => matching::run(a, file).await.map(|()| true),
            Command::Federation(c) => federation::run(c, file).await.map(|()| true),
            Command::Backup(a) => backup::backup(a, file).await.map(|()| true),
            Command::Restore(a) => backup::restore(a, file).await,
            Command::Key(KeyCommand::Export(a)) => backup::key_export(a, file).await.map(|()| true),
            Command::Campaign(CampaignCommand::Load(a)) => ops::campaign_load(a, file).await,
            Command::Eval(eval::EvalCommand::Screening(a)) => eval::screening(a),
            Command::Eval(eval::EvalCommand::Titles(a)) => eval_titles::run(a),
            Command::Eval(eval::EvalCommand::Matching(a)) => eval_matching::run(a),
        }
    });
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("错误：{e}");
            ExitCode::from(2)
        }
    }
}
