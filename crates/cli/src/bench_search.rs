//! `jiuye bench search`: posting search under a long-tail mix of searches (see [`mix`]): jiuye
//! as the search endpoint runs it, against the best a typical job site's database offers for the
//! same searches over the same postings (PostgreSQL with a `pg_trgm` GIN index, SQLite with an
//! FTS5 trigram index), each warmed up the same way; then the HTTP endpoint under wrk, with every
//! answer computed and with the node's normal configuration (answers reused), anonymously and as
//! a signed-in graduate. Prints tables. The HTTP part needs wrk (Debian: `apt-get install wrk`).

mod kinds;
mod mix;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use jiuye_domain::{Catalogue, OrgCode, RefData};
use jiuye_search::{Facet, Query, SearchIndex};
use jiuye_store::Store;
use mix::{Mix, Search};
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
    /// PostgreSQL for the pg_trgm baseline: the postings are copied into its schema jiuye_bench.
    #[arg(long, env = "JIUYE_BENCH_PG_URL", default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pg_url: String,
    /// Distinct searches (words, filters, page) in the mix.
    #[arg(long, default_value_t = 6_000)]
    searches: usize,
    /// Requests drawn from them (wrk cycles through them).
    #[arg(long, default_value_t = 100_000)]
    draws: usize,
    /// The Zipf exponent: the k-th search is asked in proportion to 1/k^s.
    #[arg(long, default_value_t = 1.0)]
    zipf: f64,
    /// Seed of the mix.
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// Requests of the mix timed in-process for jiuye, per caller (after as many to warm up).
    #[arg(long, default_value_t = 2_000)]
    timed: usize,
    /// Seconds each baseline may spend on the mix (after the same warm-up), at most `timed`
    /// requests.
    #[arg(long, default_value_t = 60)]
    baseline_seconds: u64,
    /// Seconds wrk loads the HTTP endpoint, per run (0 skips it).
    #[arg(long, default_value_t = 15)]
    http_seconds: u64,
    /// Connections wrk keeps open with every answer computed.
    #[arg(long, default_value_t = 32)]
    computed_connections: u32,
    /// Connections wrk keeps open with the node's normal configuration.
    #[arg(long, default_value_t = 64)]
    connections: u32,
    /// Searches the node computes at once (as `serve --search-concurrency`); twice the cores
    /// unless given, 0 for no limit.
    #[arg(long)]
    search_concurrency: Option<usize>,
}

/// Requests of the mix run first, untimed, by every method.
const WARM_UP: usize = 200;

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

/// Timings of one method over the mix.
struct Timing {
    name: String,
    times: Vec<Duration>,
    /// Matches of each timed request.
    totals: Vec<u64>,
}

impl Timing {
    fn new(name: impl Into<String>) -> Timing {
        Timing { name: name.into(), times: Vec::new(), totals: Vec::new() }
    }
    fn sorted(&self) -> Vec<Duration> {
        let mut t = self.times.clone();
        t.sort();
        t
    }
    fn p50(&self) -> Duration {
        pct(&self.sorted(), 0.5)
    }
    fn p99(&self) -> Duration {
        pct(&self.sorted(), 0.99)
    }
    fn mean(&self) -> Duration {
        if self.times.is_empty() {
            return Duration::ZERO;
        }
        self.times.iter().sum::<Duration>() / self.times.len() as u32
    }
    fn qps(&self) -> f64 {
        let sum: f64 = self.times.iter().map(Duration::as_secs_f64).sum();
        if sum > 0.0 { self.times.len() as f64 / sum } else { 0.0 }
    }
}

/// The organisations whose postings `caller` sees: the nation for anyone, and for the graduate
/// of 四川大学 also the province, the university and its alliances.
struct Caller {
    name: &'static str,
    scopes: Vec<Uuid>,
}

fn query<'a>(s: &'a Search, scopes: &'a [Uuid], today: u64, facets: bool) -> Query<'a> {
    Query {
        text: &s.text,
        filters: s.filters.clone(),
        scopes,
        today,
        now_ms: chrono::Utc::now().timestamp_millis(),
        limit: 20,
        offset: (s.page - 1) * 20,
        facets,
        ..Default::default()
    }
}

/// jiuye: the index query the endpoint makes (visibility, deadline, relevance with recency, the
/// page, the count and eight facet counts, the rows shown read from the index).
fn time_jiuye(ix: &SearchIndex, m: &Mix, who: &Caller, timed: usize) -> Result<Timing, String> {
    let (_, today) = today();
    let mut t = Timing::new(format!("jiuye, {}", who.name));
    for (i, k) in m.draws.iter().take(WARM_UP + timed).enumerate() {
        let started = Instant::now();
        let hits = ix.search(&query(&m.searches[*k], &who.scopes, today, true)).map_err(err)?;
        let took = started.elapsed();
        if i >= WARM_UP {
            t.times.push(took);
            t.totals.push(hits.total as u64);
        }
    }
    Ok(t)
}

/// Where a computed answer's time goes, per request of the mix (mean ms): the index query
/// without facets, the facet counts added, the rows shown as the database gives them (what the
/// endpoint read before), and writing the answer as JSON.
async fn stages(store: &Store, ix: &SearchIndex, m: &Mix, who: &Caller, n: usize) -> Result<String, String> {
    let (_, today) = today();
    let (mut plain, mut faceted, mut db, mut json) = (Duration::ZERO, Duration::ZERO, Duration::ZERO, Duration::ZERO);
    let mut bytes = 0usize;
    for k in m.draws.iter().skip(WARM_UP).take(n) {
        let s = &m.searches[*k];
        let started = Instant::now();
        ix.search(&query(s, &who.scopes, today, false)).map_err(err)?;
        plain += started.elapsed();
        let started = Instant::now();
        let hits = ix.search(&query(s, &who.scopes, today, true)).map_err(err)?;
        faceted += started.elapsed();
        let started = Instant::now();
        store.postings_by_ids(&hits.ids).await.map_err(err)?;
        db += started.elapsed();
        let started = Instant::now();
        let rows: Vec<serde_json::Value> = hits.shown.iter().filter_map(|r| serde_json::from_str(r).ok()).collect();
        let facets: Vec<(&str, &Vec<(String, u64)>)> = hits.facets.iter().map(|(f, v)| (f.name(), v)).collect();
        bytes += serde_json::to_vec(&serde_json::json!({ "total": hits.total, "results": rows, "facets": facets }))
            .map_err(err)?
            .len();
        json += started.elapsed();
    }
    let per = |d: Duration| ms(d / n.max(1) as u32);
    Ok(format!(
        "Stages of a computed answer ({}, {n} requests of the mix, mean per request): index query without facets {} ms; \
         with the eight facet counts {} ms; reading the 20 rows shown from the database (no longer done) {} ms; \
         rows from the index to JSON {} ms ({} KiB an answer)",
        who.name,
        per(plain),
        per(faceted),
        per(db),
        per(json),
        bytes / n.max(1) / 1024
    ))
}

/// The baseline's filter on the province, education and industry, as SQL with its values.
fn sql_filters(s: &Search, at: usize) -> (String, Vec<String>) {
    let mut sql = String::new();
    let mut args = Vec::new();
    for (f, col) in [(Facet::Province, "province"), (Facet::Education, "education"), (Facet::Industry, "industry")] {
        if let Some(v) = s.filter(f) {
            let v = if f == Facet::Province { format!("{}0000", v.get(..2).unwrap_or(v)) } else { v.to_owned() };
            sql.push_str(&format!(" AND d.{col} = ${}", at + args.len()));
            args.push(v);
        }
    }
    (sql, args)
}

fn uuid_list(ids: &[Uuid], blob: bool) -> String {
    ids.iter()
        .map(|u| if blob { format!("X'{}'", u.simple()) } else { format!("'{u}'") })
        .collect::<Vec<_>>()
        .join(", ")
}

/// What the baselines need of each approved posting, read from the database page by page:
/// (rowid, id, title, description, deadline, created_at, scope, province, education, industry
/// section).
type BaseRow = (i64, Uuid, String, String, String, String, Uuid, String, String, String);

async fn base_rows(sqlite: &sqlx::SqlitePool, rd: &RefData, after: i64) -> Result<Vec<BaseRow>, String> {
    let rows = sqlx::query(
        "SELECT p.rowid, p.id, p.title, p.description, p.deadline, p.created_at, p.scope_org_id, p.region_code, \
         p.education, e.industry_code FROM postings p JOIN employers e ON e.id = p.employer_id \
         WHERE p.status = 'approved' AND p.rowid > $1 ORDER BY p.rowid LIMIT 5000",
    )
    .bind(after)
    .fetch_all(sqlite)
    .await
    .map_err(err)?;
    rows.iter()
        .map(|r| {
            let region: String = r.try_get(7).map_err(err)?;
            let industry: String = r.try_get(9).map_err(err)?;
            Ok((
                r.try_get(0).map_err(err)?,
                r.try_get(1).map_err(err)?,
                r.try_get(2).map_err(err)?,
                r.try_get(3).map_err(err)?,
                r.try_get(4).map_err(err)?,
                r.try_get(5).map_err(err)?,
                r.try_get(6).map_err(err)?,
                format!("{}0000", region.get(..2).unwrap_or("00")),
                r.try_get(8).map_err(err)?,
                rd.industry_section(&industry).unwrap_or("?").to_owned(),
            ))
        })
        .collect()
}

/// Times `run` over the mix after the same warm-up as jiuye, within the time budget.
async fn baseline_rounds<F, Fut>(name: String, m: &Mix, a: &Args, mut run: F) -> Result<Timing, String>
where
    F: FnMut(Search) -> Fut,
    Fut: std::future::Future<Output = Result<u64, String>>,
{
    let mut t = Timing::new(name);
    let budget = Duration::from_secs(a.baseline_seconds);
    // The warm-up has a budget of its own; what does not fit in it is left out.
    let warming = Instant::now();
    for k in m.draws.iter().take(WARM_UP) {
        run(m.searches[*k].clone()).await?;
        if warming.elapsed() > budget {
            break;
        }
    }
    let timing = Instant::now();
    for k in m.draws.iter().skip(WARM_UP).take(a.timed) {
        let started = Instant::now();
        let n = run(m.searches[*k].clone()).await?;
        t.times.push(started.elapsed());
        t.totals.push(n);
        if timing.elapsed() > budget {
            break;
        }
    }
    Ok(t)
}

/// PostgreSQL with `pg_trgm`: the postings copied into schema jiuye_bench (once, while the
/// approved postings stay the same), a GIN trigram index over title and description, B-trees on
/// the filters and the creation time; the page (the rows shown) and the count of one search.
async fn time_pg(
    url: &str,
    sqlite: &sqlx::SqlitePool,
    rd: &RefData,
    want: (i64, Uuid),
    m: &Mix,
    who: &Caller,
    a: &Args,
) -> Result<Timing, String> {
    let pool = sqlx::postgres::PgPoolOptions::new().max_connections(2).connect(url).await.map_err(err)?;
    for sql in [
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        "CREATE SCHEMA IF NOT EXISTS jiuye_bench",
        "CREATE TABLE IF NOT EXISTS jiuye_bench.mix_postings (id uuid PRIMARY KEY, title text NOT NULL, \
         description text NOT NULL, deadline text NOT NULL, created_at text NOT NULL, scope uuid NOT NULL, \
         province text NOT NULL, education text NOT NULL, industry text NOT NULL)",
    ] {
        sqlx::query(sql).execute(&pool).await.map_err(err)?;
    }
    let have: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM jiuye_bench.mix_postings").fetch_one(&pool).await.map_err(err)?;
    let has_last: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jiuye_bench.mix_postings WHERE id = $1")
        .bind(want.1)
        .fetch_one(&pool)
        .await
        .map_err(err)?;
    if (have, has_last) != (want.0, 1) {
        eprintln!("正在把 {} 个职位复制到 PostgreSQL 并建立 pg_trgm 索引……", want.0);
        let started = Instant::now();
        sqlx::query("DROP INDEX IF EXISTS jiuye_bench.mix_trgm").execute(&pool).await.map_err(err)?;
        sqlx::query("TRUNCATE jiuye_bench.mix_postings").execute(&pool).await.map_err(err)?;
        let mut after = 0i64;
        loop {
            let rows = base_rows(sqlite, rd, after).await?;
            let Some(last) = rows.last() else { break };
            after = last.0;
            for chunk in rows.chunks(1000) {
                let mut qb = sqlx::QueryBuilder::<sqlx::Postgres>::new(
                    "INSERT INTO jiuye_bench.mix_postings (id, title, description, deadline, created_at, scope, \
                     province, education, industry) ",
                );
                qb.push_values(chunk, |mut b, r| {
                    b.push_bind(r.1)
                        .push_bind(&r.2)
                        .push_bind(&r.3)
                        .push_bind(&r.4)
                        .push_bind(&r.5)
                        .push_bind(r.6)
                        .push_bind(&r.7)
                        .push_bind(&r.8)
                        .push_bind(&r.9);
                });
                qb.build().execute(&pool).await.map_err(err)?;
            }
        }
        for sql in [
            "CREATE INDEX mix_trgm ON jiuye_bench.mix_postings USING gin ((title || ' ' || description) gin_trgm_ops)",
            "CREATE INDEX IF NOT EXISTS mix_created ON jiuye_bench.mix_postings (created_at)",
            "CREATE INDEX IF NOT EXISTS mix_province ON jiuye_bench.mix_postings (province, created_at)",
            "ANALYZE jiuye_bench.mix_postings",
        ] {
            sqlx::query(sql).execute(&pool).await.map_err(err)?;
        }
        eprintln!("PostgreSQL 复制与索引用时 {:.0} 秒。", started.elapsed().as_secs_f64());
    }
    let (today, _) = today();
    let scopes = uuid_list(&who.scopes, false);
    baseline_rounds(format!("PostgreSQL pg_trgm GIN, {}", who.name), m, a, |s| {
        let (pool, today, scopes) = (pool.clone(), today.clone(), scopes.clone());
        async move {
            let (words, mut args) = if s.text.is_empty() {
                (String::new(), Vec::new())
            } else {
                (" AND (d.title || ' ' || d.description) LIKE $2".to_owned(), vec![format!("%{}%", s.text)])
            };
            let (filters, fargs) = sql_filters(&s, 2 + args.len());
            args.extend(fargs);
            let from = format!(
                "FROM jiuye_bench.mix_postings d WHERE d.deadline >= $1 AND d.scope IN ({scopes}){words}{filters}"
            );
            let list = format!(
                "SELECT d.id, d.title, d.description {from} ORDER BY d.created_at DESC LIMIT 20 OFFSET {}",
                (s.page - 1) * 20
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(list)).bind(&today);
            for v in &args {
                q = q.bind(v);
            }
            q.fetch_all(&pool).await.map_err(err)?;
            let count = format!("SELECT COUNT(*) {from}");
            let mut q = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(count)).bind(&today);
            for v in &args {
                q = q.bind(v);
            }
            Ok(q.fetch_one(&pool).await.map_err(err)? as u64)
        }
    })
    .await
}

/// SQLite FTS5 with the trigram tokenizer over title and description, in a file of its own next
/// to the database (built once, reused while the approved postings stay the same), with the
/// filters and visibility in an indexed table beside it. Words of three or more characters use
/// the index (`MATCH`); shorter ones cannot, and fall back to LIKE on the same table, as the
/// tokenizer's documentation says.
async fn time_fts5(
    sqlite: &sqlx::SqlitePool,
    rd: &RefData,
    file: &Path,
    want: (i64, Uuid),
    m: &Mix,
    who: &Caller,
    a: &Args,
) -> Result<Timing, String> {
    let url = format!("sqlite://{}?mode=rwc", file.display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.map_err(err)?;
    for sql in [
        "CREATE TABLE IF NOT EXISTS mix_docs (rowid INTEGER PRIMARY KEY, id BLOB NOT NULL, deadline TEXT NOT NULL, \
         created_at TEXT NOT NULL, scope BLOB NOT NULL, province TEXT NOT NULL, education TEXT NOT NULL, \
         industry TEXT NOT NULL)",
        "CREATE VIRTUAL TABLE IF NOT EXISTS mix_fts USING fts5(title, body, tokenize = 'trigram')",
    ] {
        sqlx::query(sql).execute(&mut conn).await.map_err(err)?;
    }
    let have: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM mix_docs").fetch_one(&mut conn).await.map_err(err)?;
    let has_last: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM mix_docs WHERE id = $1")
        .bind(want.1)
        .fetch_one(&mut conn)
        .await
        .map_err(err)?;
    if (have, has_last) != (want.0, 1) {
        eprintln!("正在建立 FTS5 trigram 索引（{} 个职位）……", want.0);
        let started = Instant::now();
        for sql in ["DELETE FROM mix_docs", "DELETE FROM mix_fts", "BEGIN"] {
            sqlx::query(sql).execute(&mut conn).await.map_err(err)?;
        }
        let mut after = 0i64;
        let mut next = 1i64;
        loop {
            let rows = base_rows(sqlite, rd, after).await?;
            let Some(last) = rows.last() else { break };
            after = last.0;
            for chunk in rows.chunks(500) {
                let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
                    "INSERT INTO mix_docs (rowid, id, deadline, created_at, scope, province, education, industry) ",
                );
                qb.push_values(chunk.iter().enumerate(), |mut b, (i, r)| {
                    b.push_bind(next + i as i64)
                        .push_bind(r.1)
                        .push_bind(&r.4)
                        .push_bind(&r.5)
                        .push_bind(r.6)
                        .push_bind(&r.7)
                        .push_bind(&r.8)
                        .push_bind(&r.9);
                });
                qb.build().execute(&mut conn).await.map_err(err)?;
                let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new("INSERT INTO mix_fts (rowid, title, body) ");
                qb.push_values(chunk.iter().enumerate(), |mut b, (i, r)| {
                    b.push_bind(next + i as i64).push_bind(&r.2).push_bind(&r.3);
                });
                qb.build().execute(&mut conn).await.map_err(err)?;
                next += chunk.len() as i64;
            }
        }
        for sql in [
            "COMMIT",
            "CREATE INDEX IF NOT EXISTS mix_docs_created ON mix_docs (created_at)",
            "CREATE INDEX IF NOT EXISTS mix_docs_province ON mix_docs (province, created_at)",
            "ANALYZE",
        ] {
            sqlx::query(sql).execute(&mut conn).await.map_err(err)?;
        }
        eprintln!("FTS5 索引用时 {:.0} 秒。", started.elapsed().as_secs_f64());
    }
    let (today, _) = today();
    let scopes = uuid_list(&who.scopes, true);
    let conn = Arc::new(tokio::sync::Mutex::new(conn));
    baseline_rounds(format!("SQLite FTS5 trigram, {}", who.name), m, a, |s| {
        let (conn, today, scopes) = (conn.clone(), today.clone(), scopes.clone());
        async move {
            let mut conn = conn.lock().await;
            let (words, join, mut args) = if s.text.is_empty() {
                (String::new(), "", Vec::new())
            } else if s.text.chars().count() >= 3 {
                (
                    " AND mix_fts MATCH $2".to_owned(),
                    "JOIN mix_fts ON mix_fts.rowid = d.rowid",
                    vec![format!("\"{}\"", s.text.replace('"', ""))],
                )
            } else {
                (
                    " AND (mix_fts.title LIKE $2 OR mix_fts.body LIKE $2)".to_owned(),
                    "JOIN mix_fts ON mix_fts.rowid = d.rowid",
                    vec![format!("%{}%", s.text)],
                )
            };
            let (filters, fargs) = sql_filters(&s, 2 + args.len());
            args.extend(fargs);
            let from =
                format!("FROM mix_docs d {join} WHERE d.deadline >= $1 AND d.scope IN ({scopes}){words}{filters}");
            let shown = if join.is_empty() { "d.id" } else { "d.id, mix_fts.title, mix_fts.body" };
            let list =
                format!("SELECT {shown} {from} ORDER BY d.created_at DESC LIMIT 20 OFFSET {}", (s.page - 1) * 20);
            let mut q = sqlx::query(sqlx::AssertSqlSafe(list)).bind(&today);
            for v in &args {
                q = q.bind(v);
            }
            q.fetch_all(&mut *conn).await.map_err(err)?;
            let count = format!("SELECT COUNT(*) {from}");
            let mut q = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(count)).bind(&today);
            for v in &args {
                q = q.bind(v);
            }
            Ok(q.fetch_one(&mut *conn).await.map_err(err)? as u64)
        }
    })
    .await
}

/// Loads the search endpoint with wrk, cycling through the mix's requests (each wrk thread from
/// its own starting point); with `count_answers`, wrk also counts the answers the node reused.
/// Returns wrk's summary lines.
fn wrk(
    base: &str,
    token: Option<&str>,
    seconds: u64,
    connections: u32,
    paths: &Path,
    count_answers: bool,
) -> Result<Vec<String>, String> {
    let header = token.map(|t| format!("wrk.headers[\"Authorization\"] = \"Bearer {t}\"\n")).unwrap_or_default();
    let counting = if count_answers {
        "reused = 0\ncomputed = 0\nresponse = function(status, headers, body)\n  local a = headers[\"x-jiuye-answer\"]\n  \
         if a == \"reused\" then reused = reused + 1 elseif a == \"computed\" then computed = computed + 1 end\nend\n"
    } else {
        ""
    };
    let script = format!(
        "{header}local threads = {{}}\nlocal next_id = 0\nsetup = function(thread)\n  thread:set(\"id\", next_id)\n  \
         next_id = next_id + 1\n  table.insert(threads, thread)\nend\nlocal paths = {{}}\nlocal i = 0\n\
         init = function(args)\n  for line in io.lines(\"{}\") do table.insert(paths, line) end\n  \
         i = math.floor(#paths * id / 2)\nend\nrequest = function()\n  i = i + 1\n  \
         return wrk.format(\"GET\", paths[(i % #paths) + 1])\nend\n{counting}\
         done = function(summary, latency, requests)\n  local r, c = 0, 0\n  for _, t in ipairs(threads) do\n    \
         r = r + (t:get(\"reused\") or 0)\n    c = c + (t:get(\"computed\") or 0)\n  end\n  \
         io.write(string.format(\"Answers: %d reused %d computed\\n\", r, c))\nend\n",
        paths.display()
    );
    let file = paths.with_extension("lua");
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
                || l.starts_with("Answers:")
        })
        .map(str::to_owned)
        .collect())
}

async fn http(
    store: Store,
    rd: Arc<RefData>,
    data: &crate::config::DataConfig,
    index_dir: PathBuf,
    m: &Mix,
    a: &Args,
) -> Result<(), String> {
    if std::process::Command::new("wrk").arg("--version").output().is_err() {
        println!("\nHTTP：未找到 wrk（Debian：apt-get install wrk），跳过。");
        return Ok(());
    }
    let paths_file = data.data_dir.join("bench-search-mix.txt");
    let lines: Vec<String> = m.draws.iter().map(|k| m.searches[*k].path()).collect();
    std::fs::write(&paths_file, lines.join("\n") + "\n").map_err(err)?;
    let keys = Arc::new(crate::config::load_or_create_keys(&data.key_file)?);
    let token = match store.user_by_username("demo_graduate").await.map_err(err)? {
        Some(u) => {
            Some(jiuye_app::accounts::issue_token(&*store, &u, "bench", Some(1)).await.map_err(|e| e.message)?.1)
        }
        None => None,
    };
    println!();
    println!(
        "HTTP: GET /api/v1/postings/search over the mix ({} requests cycled, each wrk thread from its own point), \
         wrk -t2 -d{}s on the same 2 cores; searches computed at once: {}",
        m.draws.len(),
        a.http_seconds,
        match a.search_concurrency.unwrap_or_else(|| jiuye_web::WebSettings::with_keys(keys.clone()).search_concurrency)
        {
            0 => "no limit".to_owned(),
            n => n.to_string(),
        }
    );
    println!();
    println!(
        "| configuration | caller | connections | requests/s | p50 latency | p99 latency | answers reused | errors |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for cache in [false, true] {
        let mut settings = jiuye_web::WebSettings::with_keys(keys.clone());
        settings.search_dir = Some(index_dir.clone());
        settings.evidence_dir = data.data_dir.join("evidence");
        settings.search_cache = cache;
        if let Some(n) = a.search_concurrency {
            settings.search_concurrency = n;
        }
        let server = LocalServer::start(jiuye_web::app(store.clone(), rd.clone(), settings)?).await?;
        let base = format!("http://{}", server.addr);
        // The first request opens the index (and lays out its segments): wait for it, then one
        // short run warms the caches.
        get_once(server.addr, "/api/v1/postings/search").await?;
        let _ = tokio::task::spawn_blocking({
            let (base, paths) = (base.clone(), paths_file.clone());
            move || wrk(&base, None, 3, 4, &paths, false)
        })
        .await
        .map_err(err)?;
        let (mode, conns) = if cache {
            ("normal (answers reused while the index is unchanged, up to a minute)", a.connections)
        } else {
            ("computed (answer reuse off)", a.computed_connections)
        };
        for (who, tok) in
            [("anonymous (nation-wide postings)", None), ("graduate (token; 四川大学 scopes)", token.clone())]
        {
            let (base, paths, secs) = (base.clone(), paths_file.clone(), a.http_seconds);
            let lines = tokio::task::spawn_blocking(move || wrk(&base, tok.as_deref(), secs, conns, &paths, cache))
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
            let reuse = lines
                .iter()
                .find(|l| l.starts_with("Answers:"))
                .and_then(|l| {
                    let n: Vec<f64> = l.split_whitespace().filter_map(|w| w.parse().ok()).collect();
                    let (r, c) = (*n.first()?, *n.get(1)?);
                    Some(if r + c > 0.0 { format!("{:.1}%", 100.0 * r / (r + c)) } else { "–".into() })
                })
                .filter(|_| cache)
                .unwrap_or_else(|| "0% (off)".into());
            let errors = lines
                .iter()
                .filter(|l| l.starts_with("Non-2xx") || l.starts_with("Socket errors"))
                .cloned()
                .collect::<Vec<_>>()
                .join("; ");
            println!(
                "| {mode} | {who} | {conns} | {} | {} | {} | {reuse} | {} |",
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

/// One GET, waiting as long as the answer takes; its status line.
async fn get_once(addr: std::net::SocketAddr, path: &str) -> Result<String, String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut conn = tokio::net::TcpStream::connect(addr).await.map_err(err)?;
    conn.write_all(format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes())
        .await
        .map_err(err)?;
    let mut answer = Vec::new();
    conn.read_to_end(&mut answer).await.map_err(err)?;
    Ok(String::from_utf8_lossy(&answer).lines().next().unwrap_or_default().to_owned())
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

/// The catalogue's one-letter industry sections.
fn industry_sections(rd: &RefData) -> Vec<String> {
    let mut v: Vec<String> = rd
        .entries_of(Catalogue::Industries)
        .filter(|e| e.code.len() == 1 && e.code.chars().all(|c| c.is_ascii_uppercase()))
        .map(|e| e.code.clone())
        .collect();
    v.sort();
    v
}

/// The most common posting titles and places of work, and the provinces postings are in.
async fn from_postings(pool: &sqlx::SqlitePool) -> Result<(Vec<String>, Vec<String>, Vec<String>), String> {
    let titles: Vec<String> = sqlx::query_scalar(
        "SELECT title FROM postings WHERE status = 'approved' GROUP BY title ORDER BY COUNT(*) DESC LIMIT 400",
    )
    .fetch_all(pool)
    .await
    .map_err(err)?;
    let places: Vec<String> = sqlx::query_scalar(
        "SELECT region_code FROM postings WHERE status = 'approved' GROUP BY region_code ORDER BY COUNT(*) DESC \
         LIMIT 300",
    )
    .fetch_all(pool)
    .await
    .map_err(err)?;
    let mut provinces: Vec<String> = places.iter().map(|p| format!("{}0000", p.get(..2).unwrap_or("00"))).collect();
    provinces.sort();
    provinces.dedup();
    Ok((titles, places, provinces))
}

fn timing_row(t: &Timing) {
    println!(
        "| {} | {} | {} | {} | {} | {:.0} | {} |",
        t.name,
        t.times.len(),
        ms(t.p50()),
        ms(t.p99()),
        ms(t.mean()),
        t.qps(),
        t.totals.iter().sum::<u64>() / t.totals.len().max(1) as u64
    );
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

    let (titles, places, provinces) = from_postings(&pool).await?;
    let words = mix::words(&rd, &titles, &places);
    let m = mix::build(&words, &provinces, &industry_sections(&rd), a.searches, a.draws, a.zipf, a.seed);

    // The index lives beside the serving one so that a running server is not disturbed.
    let index_dir = data.data_dir.join("bench-search-index");
    let started = Instant::now();
    let (ix, opened) = jiuye_app::search::open_current(&*store, &rd, Some(&index_dir)).await.map_err(|e| e.message)?;
    let open_secs = started.elapsed().as_secs_f64();
    let callers = [
        Caller { name: "anonymous", scopes: vec![jiuye_store::well_known_org_id(&OrgCode::nation())] },
        Caller { name: "graduate", scopes: graduate_scopes(&store).await? },
    ];
    let mut ours = Vec::new();
    for who in &callers {
        ours.push(time_jiuye(&ix, &m, who, a.timed)?);
    }
    let stage_line = stages(&store, &ix, &m, &callers[1], 300.min(a.timed)).await?;
    // The search page before anything is typed: every visible posting, newest first.
    let (_, today_n) = today();
    let landing = Search { text: String::new(), source: mix::Source::None, filters: Vec::new(), page: 1 };
    let mut landing_t = Timing::new("landing");
    for i in 0..60 {
        let started = Instant::now();
        let hits = ix.search(&query(&landing, &callers[1].scopes, today_n, true)).map_err(err)?;
        if i >= 10 {
            landing_t.times.push(started.elapsed());
            landing_t.totals.push(hits.total as u64);
        }
    }
    let rss = rss_mib();
    let mut baselines = Vec::new();
    for who in &callers {
        match time_pg(&a.pg_url, &pool, &rd, (approved, last), &m, who, &a).await {
            Ok(t) => baselines.push(t),
            Err(e) => eprintln!("PostgreSQL 基线跳过：{e}"),
        }
    }
    for who in &callers {
        baselines
            .push(time_fts5(&pool, &rd, &data.data_dir.join("bench-fts5.db"), (approved, last), &m, who, &a).await?);
    }

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
    println!("mix: {}", m.describe());
    println!(
        "in-process: one client, sequential; each method first runs the same {WARM_UP} requests of the mix untimed, \
         then times the next ones (jiuye: {}; each baseline: as many as fit in {} s); the baselines return the page \
         and the count, without facet counts",
        a.timed, a.baseline_seconds
    );
    println!();
    println!("| method, caller | requests timed | p50 ms | p99 ms | mean ms | requests/s | mean matches |");
    println!("|---|---|---|---|---|---|---|");
    for t in ours.iter().chain(&baselines) {
        timing_row(t);
    }
    let asked: Vec<&Search> = m.draws.iter().skip(WARM_UP).take(a.timed).map(|k| &m.searches[*k]).collect();
    for (who, t) in callers.iter().zip(&ours) {
        println!();
        print!("{}", kinds::table(who.name, &asked, &t.times, &t.totals));
    }
    println!();
    println!("{stage_line}");
    println!();
    println!(
        "No words, no filter (the search page before anything is typed, graduate): p50 {} ms, p99 {} ms, {} matches, \
         every facet counted over them",
        ms(landing_t.p50()),
        ms(landing_t.p99()),
        landing_t.totals.first().copied().unwrap_or(0)
    );
    drop(ix);
    if a.http_seconds > 0 {
        http(store, rd, &data, index_dir, &m, &a).await?;
    }
    Ok(())
}
