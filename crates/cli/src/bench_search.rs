//! `jiuye bench search`: posting search as the search endpoint runs it, against what a typical
//! job site runs (SQL `LIKE` on SQLite and PostgreSQL, SQLite FTS5 with the trigram tokenizer),
//! for the same queries over the same postings in the same run; then the HTTP endpoint under
//! wrk. Prints tables.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use jiuye_domain::{OrgCode, RefData};
use jiuye_search::{Query, SearchIndex};
use jiuye_store::Store;
use sqlx::{Connection, Row};
use uuid::Uuid;

use super::{DataArgs, data_config, ensure_demo, init_logging, open};
use crate::config::FileConfig;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    data: DataArgs,
    /// Approved postings to have in the database (generated from the demo employers when
    /// fewer are there).
    #[arg(long, default_value_t = 1_000_000)]
    postings: usize,
    /// PostgreSQL for the LIKE baseline: the postings are copied into its schema jiuye_bench.
    #[arg(long, env = "JIUYE_BENCH_PG_URL", default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pg_url: String,
    /// Timed repetitions of each query for jiuye and FTS5 (LIKE runs each query twice; it is
    /// slow).
    #[arg(long, default_value_t = 20)]
    runs: usize,
    /// Seconds wrk loads the HTTP endpoint, per run (0 skips it).
    #[arg(long, default_value_t = 15)]
    http_seconds: u64,
    /// Connections wrk keeps open.
    #[arg(long, default_value_t = 64)]
    connections: u32,
}

/// What people type: majors and occupations, one Traditional, some split differently from how
/// the catalogue writes them.
const QUERIES: &[&str] = &[
    "软件开发工程师",
    "计算机科学与技术",
    "计算机科学",
    "电气工程师",
    "護士",
    "会计学",
    "市场营销",
    "数据分析",
    "中学教师",
    "财务",
    "施工",
    "人力资源",
];

fn pct(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    let v = d.as_secs_f64() * 1000.0;
    if v < 10.0 { format!("{v:.2}") } else { format!("{v:.0}") }
}

/// Timings of one method over the query set.
struct Timing {
    name: String,
    times: Vec<Duration>,
    /// Matches per query, in QUERIES order.
    totals: Vec<i64>,
    /// The slowest single run of each query, in QUERIES order.
    worst: Vec<Duration>,
}

impl Timing {
    fn new(name: impl Into<String>) -> Timing {
        Timing { name: name.into(), times: Vec::new(), totals: Vec::new(), worst: vec![Duration::ZERO; QUERIES.len()] }
    }
    fn p50(&self) -> Duration {
        let mut t = self.times.clone();
        t.sort();
        pct(&t, 0.5)
    }
    fn p99(&self) -> Duration {
        let mut t = self.times.clone();
        t.sort();
        pct(&t, 0.99)
    }
    fn qps(&self) -> f64 {
        let sum: f64 = self.times.iter().map(Duration::as_secs_f64).sum();
        if sum > 0.0 { self.times.len() as f64 / sum } else { 0.0 }
    }
}

fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

fn dir_mib(dir: &Path) -> f64 {
    std::fs::read_dir(dir)
        .map(|it| it.filter_map(|e| e.ok()?.metadata().ok()).map(|m| m.len()).sum::<u64>())
        .unwrap_or(0) as f64
        / 1048576.0
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

async fn approved_count(pool: &sqlx::SqlitePool) -> Result<i64, String> {
    sqlx::query_scalar("SELECT COUNT(*) FROM postings WHERE status = 'approved'").fetch_one(pool).await.map_err(err)
}

/// The approved postings as a copy must match them: how many, and the greatest id.
async fn fingerprint(pool: &sqlx::SqlitePool) -> Result<(i64, Uuid), String> {
    let n = approved_count(pool).await?;
    let last: Option<Uuid> =
        sqlx::query_scalar("SELECT id FROM postings WHERE status = 'approved' ORDER BY id DESC LIMIT 1")
            .fetch_optional(pool)
            .await
            .map_err(err)?;
    Ok((n, last.unwrap_or_default()))
}

/// Generates postings until the database holds `want` approved ones.
async fn seed(store: &Store, rd: &RefData, pool: &sqlx::SqlitePool, want: usize) -> Result<(), String> {
    let have = approved_count(pool).await? as usize;
    if have >= want {
        return Ok(());
    }
    let mut maker = jiuye_seed::PostingMaker::new(&**store, rd, 1_000_000 + have as u64)
        .await
        .map_err(err)?
        .ok_or("没有已认证的用人单位，无法生成职位")?;
    let bar = indicatif::ProgressBar::new((want - have) as u64);
    bar.set_message("生成职位");
    let started = Instant::now();
    let mut left = want - have;
    while left > 0 {
        let n = left.min(10_000);
        let batch: Vec<_> = (0..n).map(|_| maker.make(None)).collect();
        store.add_postings(&batch).await.map_err(err)?;
        left -= n;
        bar.inc(n as u64);
    }
    bar.finish();
    eprintln!("已生成 {} 个职位，用时 {:.0} 秒。", want - have, started.elapsed().as_secs_f64());
    sqlx::query("ANALYZE").execute(pool).await.map_err(err)?;
    Ok(())
}

/// The organisations a graduate of 四川大学 sees postings of (as the search endpoint computes
/// them for a signed-in graduate).
async fn graduate_scopes(store: &Store) -> Result<Vec<Uuid>, String> {
    let mut out = vec![jiuye_store::well_known_org_id(&OrgCode::nation())];
    for code in ["510000", "4151010610"] {
        let org = store
            .org_by_code(&OrgCode::parse(code).map_err(err)?)
            .await
            .map_err(err)?
            .ok_or_else(|| format!("{code} 不在数据库中"))?;
        out.extend(store.alliances_of(org.id).await.map_err(err)?.into_iter().map(|a| a.id));
        out.push(org.id);
    }
    Ok(out)
}

fn today() -> (String, u64) {
    let d = chrono::Local::now().date_naive();
    (d.to_string(), d.format("%Y%m%d").to_string().parse().unwrap_or(0))
}

/// jiuye: the index query the endpoint makes (visibility, deadline, relevance with recency,
/// eight facet counts) and the one read of the 20 postings shown.
async fn time_jiuye(
    store: &Store,
    ix: &Arc<SearchIndex>,
    scopes: &[Uuid],
    runs: usize,
    queries: &[&str],
) -> Result<Timing, String> {
    let mut t = Timing::new("jiuye: tantivy + jieba, facets, visibility, rows read");
    t.worst = vec![Duration::ZERO; queries.len()];
    let (_, today) = today();
    for (round, q) in std::iter::repeat_n(queries, runs + 1).flatten().enumerate() {
        let started = Instant::now();
        let hits = ix
            .search(&Query {
                text: q,
                scopes,
                today,
                now_ms: chrono::Utc::now().timestamp_millis(),
                limit: 20,
                facets: true,
                ..Default::default()
            })
            .map_err(err)?;
        let rows = store.postings_by_ids(&hits.ids).await.map_err(err)?;
        let took = started.elapsed();
        if round < queries.len() {
            // The first round warms caches and records the counts.
            t.totals.push(hits.total as i64);
            if rows.len() != hits.ids.len() {
                return Err(format!("{q}: the index names postings the database does not have"));
            }
        } else {
            t.times.push(took);
            let w = &mut t.worst[round % queries.len()];
            *w = (*w).max(took);
        }
    }
    Ok(t)
}

const LIKE_SQL: &str =
    "FROM postings WHERE status = 'approved' AND deadline >= $1 AND (title LIKE $2 OR description LIKE $2)";

/// A typical job site's search: `LIKE '%word%'` over title and description, newest first, and
/// the count; each query twice, on whichever database `$pool` is.
macro_rules! like_rounds {
    ($name:expr, $pool:expr, $from:expr) => {{
        let mut t = Timing::new($name);
        let (today, _) = today();
        let from = $from;
        for round in 0..2 {
            for q in QUERIES {
                let pattern = format!("%{q}%");
                let started = Instant::now();
                let _ids: Vec<Uuid> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "SELECT id {from} ORDER BY created_at DESC LIMIT 20"
                )))
                .bind(&today)
                .bind(&pattern)
                .fetch_all($pool)
                .await
                .map_err(err)?;
                let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) {from}")))
                    .bind(&today)
                    .bind(&pattern)
                    .fetch_one($pool)
                    .await
                    .map_err(err)?;
                t.times.push(started.elapsed());
                if round == 0 {
                    t.totals.push(n);
                }
            }
        }
        Ok(t)
    }};
}

/// The LIKE baseline on the SQLite database itself.
async fn time_like_sqlite(pool: &sqlx::SqlitePool) -> Result<Timing, String> {
    like_rounds!("SQLite LIKE '%q%' (list + count)", pool, LIKE_SQL)
}

/// Copies the approved postings' searchable columns into PostgreSQL (schema jiuye_bench) unless
/// they are there already, then times the same LIKE search there.
async fn time_like_pg(url: &str, sqlite: &sqlx::SqlitePool, want: (i64, Uuid)) -> Result<Timing, String> {
    let pool = sqlx::postgres::PgPoolOptions::new().max_connections(2).connect(url).await.map_err(err)?;
    sqlx::query("CREATE SCHEMA IF NOT EXISTS jiuye_bench").execute(&pool).await.map_err(err)?;
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS jiuye_bench.postings (id uuid PRIMARY KEY, title text NOT NULL, \
         description text NOT NULL, status text NOT NULL, deadline text NOT NULL, created_at timestamptz NOT NULL)",
    )
    .execute(&pool)
    .await
    .map_err(err)?;
    let have: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM jiuye_bench.postings").fetch_one(&pool).await.map_err(err)?;
    let has_last: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jiuye_bench.postings WHERE id = $1")
        .bind(want.1)
        .fetch_one(&pool)
        .await
        .map_err(err)?;
    if (have, has_last) != (want.0, 1) {
        eprintln!("正在把 {} 个职位复制到 PostgreSQL……", want.0);
        sqlx::query("TRUNCATE jiuye_bench.postings").execute(&pool).await.map_err(err)?;
        let mut after = 0i64;
        loop {
            let rows = sqlx::query(
                "SELECT rowid, id, title, description, status, deadline, created_at FROM postings \
                 WHERE status = 'approved' AND rowid > $1 ORDER BY rowid LIMIT 2000",
            )
            .bind(after)
            .fetch_all(sqlite)
            .await
            .map_err(err)?;
            let Some(last) = rows.last() else { break };
            after = last.try_get(0).map_err(err)?;
            let mut qb = sqlx::QueryBuilder::<sqlx::Postgres>::new(
                "INSERT INTO jiuye_bench.postings (id, title, description, status, deadline, created_at) ",
            );
            let mut values = Vec::with_capacity(rows.len());
            for r in &rows {
                values.push((
                    r.try_get::<Uuid, _>(1).map_err(err)?,
                    r.try_get::<String, _>(2).map_err(err)?,
                    r.try_get::<String, _>(3).map_err(err)?,
                    r.try_get::<String, _>(4).map_err(err)?,
                    r.try_get::<String, _>(5).map_err(err)?,
                    r.try_get::<chrono::DateTime<chrono::Utc>, _>(6).map_err(err)?,
                ));
            }
            qb.push_values(values, |mut b, v| {
                b.push_bind(v.0).push_bind(v.1).push_bind(v.2).push_bind(v.3).push_bind(v.4).push_bind(v.5);
            });
            qb.build().execute(&pool).await.map_err(err)?;
        }
        sqlx::query("ANALYZE jiuye_bench.postings").execute(&pool).await.map_err(err)?;
    }
    let sql = LIKE_SQL.replace("FROM postings", "FROM jiuye_bench.postings");
    like_rounds!("PostgreSQL LIKE '%q%' (list + count)", &pool, sql)
}

/// SQLite FTS5 with the trigram tokenizer over title and description, in a file of its own
/// next to the database (built once, reused while the posting count matches). Queries of three
/// or more characters use the index (`MATCH`); shorter ones cannot, and fall back to LIKE on
/// the same table, as the tokenizer's documentation says.
async fn time_fts5(db: &Path, file: &Path, want: (i64, Uuid), runs: usize) -> Result<Timing, String> {
    let url = format!("sqlite://{}?mode=rwc", file.display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.map_err(err)?;
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS docs (rowid INTEGER PRIMARY KEY, id BLOB NOT NULL, deadline TEXT NOT NULL, \
         created_at TEXT NOT NULL)",
    )
    .execute(&mut conn)
    .await
    .map_err(err)?;
    sqlx::query("CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(title, body, tokenize = 'trigram')")
        .execute(&mut conn)
        .await
        .map_err(err)?;
    let have: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM docs").fetch_one(&mut conn).await.map_err(err)?;
    let has_last: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM docs WHERE id = $1")
        .bind(want.1)
        .fetch_one(&mut conn)
        .await
        .map_err(err)?;
    if (have, has_last) != (want.0, 1) {
        eprintln!("正在建立 FTS5 trigram 索引（{} 个职位）……", want.0);
        let started = Instant::now();
        sqlx::query("DELETE FROM docs").execute(&mut conn).await.map_err(err)?;
        sqlx::query("DELETE FROM fts").execute(&mut conn).await.map_err(err)?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "ATTACH DATABASE '{}' AS src",
            db.display().to_string().replace('\'', "''")
        )))
        .execute(&mut conn)
        .await
        .map_err(err)?;
        sqlx::query(
            "INSERT INTO docs (id, deadline, created_at) SELECT id, deadline, created_at FROM src.postings \
             WHERE status = 'approved' ORDER BY rowid",
        )
        .execute(&mut conn)
        .await
        .map_err(err)?;
        sqlx::query(
            "INSERT INTO fts (rowid, title, body) SELECT d.rowid, p.title, p.description FROM docs d \
             JOIN src.postings p ON p.id = d.id",
        )
        .execute(&mut conn)
        .await
        .map_err(err)?;
        sqlx::query("DETACH DATABASE src").execute(&mut conn).await.map_err(err)?;
        eprintln!("FTS5 索引用时 {:.0} 秒。", started.elapsed().as_secs_f64());
    }
    let mut t = Timing::new("SQLite FTS5 trigram (list + count)");
    let (today, _) = today();
    for round in 0..runs.clamp(1, 5) + 1 {
        for q in QUERIES {
            let (filter, arg) = if q.chars().count() >= 3 {
                ("fts MATCH $2", format!("\"{q}\""))
            } else {
                ("(fts.title LIKE $2 OR fts.body LIKE $2)", format!("%{q}%"))
            };
            let from = format!("FROM fts JOIN docs d ON d.rowid = fts.rowid WHERE {filter} AND d.deadline >= $1");
            let started = Instant::now();
            let _ids: Vec<Vec<u8>> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT d.id {from} ORDER BY d.created_at DESC LIMIT 20"
            )))
            .bind(&today)
            .bind(&arg)
            .fetch_all(&mut conn)
            .await
            .map_err(err)?;
            let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) {from}")))
                .bind(&today)
                .bind(&arg)
                .fetch_one(&mut conn)
                .await
                .map_err(err)?;
            let took = started.elapsed();
            if round == 0 {
                t.totals.push(n);
            } else {
                t.times.push(took);
            }
        }
    }
    Ok(t)
}

/// Loads the search endpoint with wrk over the query set; returns wrk's summary lines.
fn wrk(base: &str, token: Option<&str>, seconds: u64, connections: u32, dir: &Path) -> Result<Vec<String>, String> {
    let paths: Vec<String> = QUERIES
        .iter()
        .map(|q| {
            format!(
                "\"/api/v1/postings/search?q={}\"",
                url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
            )
        })
        .collect();
    let header = token.map(|t| format!("wrk.headers[\"Authorization\"] = \"Bearer {t}\"\n")).unwrap_or_default();
    let script = format!(
        "{header}local paths = {{{}}}\nlocal i = 0\nrequest = function()\n  i = i + 1\n  return wrk.format(\"GET\", paths[(i % #paths) + 1])\nend\n",
        paths.join(", ")
    );
    let file = dir.join("bench-search.lua");
    std::fs::write(&file, script).map_err(err)?;
    let out = std::process::Command::new("wrk")
        .args(["-t2", &format!("-c{connections}"), &format!("-d{seconds}s"), "--latency", "-s"])
        .arg(&file)
        .arg(base)
        .output()
        .map_err(|e| format!("wrk：{e}"))?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| {
            l.starts_with("Requests/sec")
                || l.starts_with("50%")
                || l.starts_with("99%")
                || l.contains("requests in")
                || l.starts_with("Non-2xx")
                || l.starts_with("Socket errors")
        })
        .map(str::to_owned)
        .collect())
}

async fn http(
    store: Store,
    rd: Arc<RefData>,
    data: &crate::config::DataConfig,
    index_dir: PathBuf,
    a: &Args,
) -> Result<(), String> {
    if std::process::Command::new("wrk").arg("--version").output().is_err() {
        println!("\nHTTP：未找到 wrk（Debian：apt-get install wrk），跳过。");
        return Ok(());
    }
    let keys = Arc::new(crate::config::load_or_create_keys(&data.key_file)?);
    let token = match store.user_by_username("demo_graduate").await.map_err(err)? {
        Some(u) => {
            Some(jiuye_app::accounts::issue_token(&*store, &u, "bench", Some(1)).await.map_err(|e| e.message)?.1)
        }
        None => None,
    };
    println!();
    println!(
        "HTTP: GET /api/v1/postings/search, the same {} queries in turn, wrk -t2 -c{} -d{}s (wrk runs on the same 2 cores)",
        QUERIES.len(),
        a.connections,
        a.http_seconds
    );
    println!();
    println!("| answers of the index | caller | requests/s | p50 latency | p99 latency | errors |");
    println!("|---|---|---|---|---|---|");
    for cache in [false, true] {
        let mut settings = jiuye_web::WebSettings::with_keys(keys.clone());
        settings.search_dir = Some(index_dir.clone());
        settings.evidence_dir = data.data_dir.join("evidence");
        settings.search_cache = cache;
        let server = LocalServer::start(jiuye_web::app(store.clone(), rd.clone(), settings)?).await?;
        let base = format!("http://{}", server.addr);
        // One short run opens the index and warms the caches.
        let _ = tokio::task::spawn_blocking({
            let (base, dir) = (base.clone(), data.data_dir.clone());
            move || wrk(&base, None, 2, 4, &dir)
        })
        .await
        .map_err(err)?;
        let mode = if cache { "reused while the index is unchanged" } else { "computed for every request" };
        for (who, tok) in
            [("anonymous (nation-wide postings)", None), ("graduate (token; 四川大学 scopes)", token.clone())]
        {
            let (base, dir, secs, conns) = (base.clone(), data.data_dir.clone(), a.http_seconds, a.connections);
            let lines = tokio::task::spawn_blocking(move || wrk(&base, tok.as_deref(), secs, conns, &dir))
                .await
                .map_err(err)??;
            let find = |prefix: &str| {
                lines
                    .iter()
                    .find(|l| l.starts_with(prefix))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .unwrap_or("?")
                    .to_owned()
            };
            let errors = lines
                .iter()
                .filter(|l| l.starts_with("Non-2xx") || l.starts_with("Socket errors"))
                .cloned()
                .collect::<Vec<_>>()
                .join("; ");
            println!(
                "| {mode} | {who} | {} | {} | {} | {} |",
                find("Requests/sec"),
                find("50%"),
                find("99%"),
                if errors.is_empty() { "none".to_owned() } else { errors }
            );
        }
        // The next server opens the same index: this one must let go of it first.
        server.stop().await?;
    }
    Ok(())
}

/// The application served on a free local port for a benchmark, until [`LocalServer::stop`].
pub(super) struct LocalServer {
    pub addr: std::net::SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl LocalServer {
    pub async fn start(app: axum::Router) -> Result<LocalServer, String> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(err)?;
        let addr = listener.local_addr().map_err(err)?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(LocalServer { addr, stop, task })
    }

    /// Stops taking requests, finishes those in flight and waits until the server has let go.
    pub async fn stop(self) -> Result<(), String> {
        let _ = self.stop.send(());
        self.task.await.map_err(err)
    }
}

pub(super) async fn run(a: Args, file: FileConfig) -> Result<(), String> {
    init_logging(file.log_format.as_deref().unwrap_or("text"))?;
    let data = data_config(&a.data, &file);
    let db = data.sqlite_file().ok_or("bench search 在默认的 SQLite 数据库上运行（不要给 --database-url）")?;
    let (store, rd) = open(&data).await?;
    let keys = crate::config::load_or_create_keys(&data.key_file)?;
    ensure_demo(&store, &rd, &keys, &data.data_dir.join("evidence")).await?;
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(2)
        .connect(&format!("sqlite://{}", db.display()))
        .await
        .map_err(err)?;
    seed(&store, &rd, &pool, a.postings).await?;
    let (approved, last) = fingerprint(&pool).await?;

    // The index lives beside the serving one so that a running server is not disturbed.
    let index_dir = data.data_dir.join("bench-search-index");
    let started = Instant::now();
    let (ix, opened) = jiuye_app::search::open_current(&*store, &rd, Some(&index_dir)).await.map_err(|e| e.message)?;
    let open_secs = started.elapsed().as_secs_f64();
    let scopes = graduate_scopes(&store).await?;
    let ours = time_jiuye(&store, &ix, &scopes, a.runs, QUERIES).await?;
    // The search page before anything is typed: every visible posting, newest first.
    let landing = time_jiuye(&store, &ix, &scopes, a.runs, &[""]).await?;
    let rss = rss_mib();
    let fts = time_fts5(&db, &data.data_dir.join("bench-fts5.db"), (approved, last), a.runs).await?;
    let like = time_like_sqlite(&pool).await?;
    let pg = match time_like_pg(&a.pg_url, &pool, (approved, last)).await {
        Ok(t) => Some(t),
        Err(e) => {
            eprintln!("PostgreSQL 基线跳过：{e}");
            None
        }
    };

    println!();
    println!(
        "postings in the database: {approved} approved; index: {} documents, {:.0} MiB on disk, {} in {open_secs:.1} s; \
         process RSS after searching: {rss:.0} MiB",
        ix.len(),
        dir_mib(&index_dir),
        match opened {
            jiuye_app::search::Opened::Built(_) => "built",
            jiuye_app::search::Opened::CaughtUp(_) => "opened",
        }
    );
    println!(
        "queries: {} ({} timed runs each for jiuye, {} for FTS5, 2 for LIKE); one client, sequential",
        QUERIES.join(" / "),
        a.runs,
        a.runs.clamp(1, 5)
    );
    println!();
    println!("| method | p50 ms | p99 ms | queries/s | LIKE SQLite p50 ÷ this p50 |");
    println!("|---|---|---|---|---|");
    let base = like.p50().as_secs_f64();
    let mut all = vec![&ours, &fts, &like];
    if let Some(p) = &pg {
        all.push(p);
    }
    for t in &all {
        let speedup = base / t.p50().as_secs_f64().max(1e-9);
        println!("| {} | {} | {} | {:.1} | {speedup:.0}× |", t.name, ms(t.p50()), ms(t.p99()), t.qps());
    }
    println!();
    println!(
        "No words (the search page before anything is typed; not in the table above): p50 {} ms, p99 {} ms, {} matches, every facet counted over them",
        ms(landing.p50()),
        ms(landing.p99()),
        landing.totals.first().copied().unwrap_or(0)
    );
    println!();
    println!(
        "Matches per query (jiuye counts postings a 四川大学 graduate may see; the baselines count every open one):"
    );
    println!();
    println!("| query | jiuye | jiuye's slowest run (ms) | FTS5 trigram | LIKE SQLite | LIKE PostgreSQL |");
    println!("|---|---|---|---|---|---|");
    for (i, q) in QUERIES.iter().enumerate() {
        let pgn = pg.as_ref().and_then(|p| p.totals.get(i)).map(ToString::to_string).unwrap_or_else(|| "–".into());
        println!(
            "| {q} | {} | {} | {} | {} | {pgn} |",
            ours.totals[i],
            ms(ours.worst[i]),
            fts.totals[i],
            like.totals[i]
        );
    }
    drop(ix);
    if a.http_seconds > 0 {
        http(store, rd, &data, index_dir, &a).await?;
    }
    Ok(())
}
