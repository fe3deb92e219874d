//! `jiuye bench federation`: how fast a node takes in a peer's shared postings over the
//! federation protocol (signed feed pages on loopback, each envelope verified and kept), against
//! copying the same rows of the postings table with `pg_dump | psql` in the same run.
//!
//! Both nodes run on PostgreSQL databases of their own, made (and dropped first) on the server
//! given: a source university node (四川大学) with generated postings shared with its province,
//! and a target province node (四川省) that reads the source's feed until it has caught up.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use jiuye_domain::RefData;
use jiuye_domain::federation::PeerSpec;
use jiuye_domain::posting::PostingStatus;
use jiuye_store::Store;

use super::bench_search::LocalServer;
use super::config::{DataConfig, FileConfig};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Shared postings to sync (generated at the source from its seeded employers).
    #[arg(long, default_value_t = 1_000_000)]
    postings: usize,
    /// The PostgreSQL server the nodes' databases are made on: jiuye_bench_fed_source,
    /// jiuye_bench_fed_target and jiuye_bench_fed_copy (dropped first when they exist).
    #[arg(long, env = "JIUYE_BENCH_PG_URL", default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pg_url: String,
    /// pg_dump and psql for the baseline (their major version at least the server's).
    #[arg(long, default_value = "pg_dump")]
    pg_dump: String,
    #[arg(long, default_value = "psql")]
    psql: String,
    /// Keep the three databases afterwards (they are dropped at the end otherwise).
    #[arg(long)]
    keep: bool,
}

/// The nodes' files (key rings, evidence), removed at the end.
struct RemoveOnDrop(std::path::PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// `pg_url` with its database replaced by `name`.
fn database_url(pg_url: &str, name: &str) -> Result<String, String> {
    let (base, _) = pg_url.split_once('?').unwrap_or((pg_url, ""));
    let scheme_end = base.find("://").ok_or("--pg-url 应形如 postgres://user@host:5432/postgres")? + 3;
    let host_end = base[scheme_end..].find('/').map_or(base.len(), |i| scheme_end + i);
    Ok(format!("{}/{name}", &base[..host_end]))
}

async fn fresh_databases(pg_url: &str, names: &[&str]) -> Result<(), String> {
    let admin = sqlx::PgPool::connect(pg_url)
        .await
        .map_err(|e| format!("无法连接 {}：{e}", jiuye_store::redact_url(pg_url)))?;
    for name in names {
        for sql in [format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"), format!("CREATE DATABASE {name}")] {
            sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&admin).await.map_err(err)?;
        }
    }
    admin.close().await;
    Ok(())
}

async fn drop_databases(pg_url: &str, names: &[&str]) -> Result<(), String> {
    let admin = sqlx::PgPool::connect(pg_url).await.map_err(err)?;
    for name in names {
        let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&admin).await.map_err(err)?;
    }
    admin.close().await;
    Ok(())
}

/// A node on `url` with its files under `dir`: opened (migrated, reference data, audit key) and
/// its key ring.
async fn node(
    dir: &std::path::Path,
    url: String,
) -> Result<(Store, Arc<RefData>, Arc<jiuye_security::seal::KeyRing>), String> {
    let data = DataConfig {
        data_dir: dir.to_path_buf(),
        database_url: Some(url),
        read_database_urls: Vec::new(),
        key_file: dir.join("secret.key"),
    };
    let (store, rd) = super::open(&data).await?;
    let keys = super::config::load_or_create_keys(&data.key_file)?;
    Ok((store, rd, Arc::new(keys)))
}

/// Generates `want` approved postings shared with the province (or the nation) at the source.
async fn generate(store: &Store, rd: &RefData, want: usize) -> Result<(), String> {
    let sichuan = store
        .org_by_code(&jiuye_domain::OrgCode::parse("510000").map_err(err)?)
        .await
        .map_err(err)?
        .ok_or("种子数据里没有四川省")?;
    let mut maker = jiuye_seed::PostingMaker::new(&**store, rd, 7).await.map_err(err)?.ok_or("没有已认证的用人单位")?;
    let bar = indicatif::ProgressBar::new(want as u64);
    bar.set_message("生成共享职位");
    let started = Instant::now();
    let mut left = want;
    while left > 0 {
        let mut batch = Vec::with_capacity(left.min(10_000));
        while batch.len() < left.min(10_000) {
            let mut p = maker.make(None);
            if p.status != PostingStatus::Approved {
                continue;
            }
            if p.visibility == "university" {
                p.visibility = "province".into();
                p.scope_org_id = sichuan.id;
            }
            batch.push(p);
        }
        store.add_postings(&batch).await.map_err(err)?;
        left -= batch.len();
        bar.inc(batch.len() as u64);
    }
    bar.finish();
    eprintln!("已在源节点生成 {want} 个共享职位，用时 {:.0} 秒。", started.elapsed().as_secs_f64());
    Ok(())
}

async fn count(url: &str, sql: &'static str) -> Result<i64, String> {
    let pool = sqlx::PgPool::connect(url).await.map_err(err)?;
    let n = sqlx::query_scalar(sql).fetch_one(&pool).await.map_err(err)?;
    pool.close().await;
    Ok(n)
}

/// `pg_dump --data-only -t postings SOURCE | psql COPY`: seconds and bytes through the pipe.
fn dump_and_load(a: &Args, source: &str, copy: &str) -> Result<(f64, u64), String> {
    let started = Instant::now();
    let mut dump = Command::new(&a.pg_dump)
        .args(["--data-only", "--disable-triggers", "--table=postings", "--dbname", source])
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("无法运行 {}：{e}", a.pg_dump))?;
    let mut load = Command::new(&a.psql)
        .args(["--quiet", "--no-psqlrc", "-v", "ON_ERROR_STOP=1", "--dbname", copy])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| format!("无法运行 {}：{e}", a.psql))?;
    let (mut from, mut to) = (dump.stdout.take().ok_or("pg_dump 没有输出")?, load.stdin.take().ok_or("psql 没有输入")?);
    let mut buf = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = from.read(&mut buf).map_err(err)?;
        if n == 0 {
            break;
        }
        to.write_all(&buf[..n]).map_err(err)?;
        bytes += n as u64;
    }
    drop(to);
    let (dumped, loaded) = (dump.wait().map_err(err)?, load.wait().map_err(err)?);
    if !dumped.success() || !loaded.success() {
        return Err(format!("pg_dump | psql 失败（{dumped}, {loaded}）"));
    }
    Ok((started.elapsed().as_secs_f64(), bytes))
}

pub(super) async fn run(a: Args, file: FileConfig) -> Result<(), String> {
    super::init_logging(file.log_format.as_deref().unwrap_or("text"))?;
    const NAMES: [&str; 3] = ["jiuye_bench_fed_source", "jiuye_bench_fed_target", "jiuye_bench_fed_copy"];
    fresh_databases(&a.pg_url, &NAMES).await?;
    let [source_url, target_url, copy_url] = NAMES.map(|n| database_url(&a.pg_url, n));
    let (source_url, target_url, copy_url) = (source_url?, target_url?, copy_url?);
    let dir = std::env::temp_dir().join(format!("jiuye-bench-federation-{}", uuid::Uuid::new_v4().simple()));
    let _remove = RemoveOnDrop(dir.clone());

    // The source: the demo province (its universities, employers, people) and the postings.
    let (source, rd, source_keys) = node(&dir.as_path().join("source"), source_url.clone()).await?;
    let evidence = dir.join("source/evidence");
    super::ensure_demo(&source, &rd, &source_keys, &evidence).await?;
    generate(&source, &rd, a.postings).await?;
    sqlx::query("ANALYZE").execute(&sqlx::PgPool::connect(&source_url).await.map_err(err)?).await.map_err(err)?;
    let shared = count(&source_url, "SELECT COUNT(*) FROM federation_outbox WHERE kind = 'posting'").await?;
    let rows = count(&source_url, "SELECT COUNT(*) FROM postings").await?;

    // The source serves its feed on loopback; the target reads it.
    let mut settings = jiuye_web::WebSettings::with_keys(source_keys.clone());
    settings.evidence_dir = evidence;
    let server = LocalServer::start(jiuye_web::app(source.clone(), rd.clone(), settings).map_err(err)?).await?;
    let source_base = format!("http://{}", server.addr);
    let (target, _, target_keys) = node(&dir.as_path().join("target"), target_url.clone()).await?;
    let public = |k: &jiuye_security::seal::KeyRing| k.node_key().map(|k| k.public()).ok_or("缺少节点密钥");
    let peer = |org: &str, url: &str, key: &str, relation: &str| {
        PeerSpec::parse(org, url, key, relation, None, None).map_err(err)
    };
    use jiuye_app::federation as fed;
    fed::init(&*source, "4151010610", &source_base, "bench").await.map_err(|e| e.message)?;
    fed::init(&*target, "510000", "http://127.0.0.1:9", "bench").await.map_err(|e| e.message)?;
    fed::add_peer(&*source, &peer("510000", "http://127.0.0.1:9", &public(&target_keys)?, "parent")?, "bench")
        .await
        .map_err(|e| e.message)?;
    fed::add_peer(&*target, &peer("4151010610", &source_base, &public(&source_keys)?, "child")?, "bench")
        .await
        .map_err(|e| e.message)?;
    let node = target.federation_node().await.map_err(err)?.ok_or("目标节点未初始化")?;
    let key = target_keys.node_key().ok_or("缺少节点密钥")?;
    let from = fed::peers(&*target)
        .await
        .map_err(|e| e.message)?
        .into_iter()
        .find(|p| p.record.org_code == "4151010610")
        .ok_or("目标节点没有登记源节点")?;

    let bar = indicatif::ProgressBar::new(shared as u64);
    bar.set_message("同步");
    let started = Instant::now();
    let (mut applied, mut bytes, mut pages) = (0u64, 0u64, 0u64);
    loop {
        let pulled = fed::pull::pull(&*target, &node, &key, &from, 200).await.map_err(|e| e.message)?;
        applied += pulled.applied;
        bytes += pulled.bytes;
        pages += pulled.pages;
        bar.set_position(applied);
        if pulled.after >= pulled.head {
            break;
        }
    }
    let sync_secs = started.elapsed().as_secs_f64();
    bar.finish();
    server.stop().await?;
    let held = count(&target_url, "SELECT COUNT(*) FROM federation_records WHERE kind = 'posting'").await?;
    if held != shared {
        return Err(format!("目标节点持有 {held} 个职位，源节点共享了 {shared} 个"));
    }

    // The baseline: the same rows of the postings table, dumped and loaded into a migrated,
    // empty node database.
    drop(jiuye_store::connect(&copy_url).await.map_err(err)?);
    let (dump_secs, dump_bytes) = {
        let (a, s, c) = (&a, source_url.clone(), copy_url.clone());
        tokio::task::block_in_place(|| dump_and_load(a, &s, &c))?
    };
    let copied = count(&copy_url, "SELECT COUNT(*) FROM postings").await?;

    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    println!();
    println!("shared postings at the source: {shared} (postings table: {rows} rows); held at the target: {held}");
    println!();
    println!("| method | postings | seconds | MiB moved | postings/s |");
    println!("|---|---|---|---|---|");
    println!(
        "| jiuye feed: {pages} signed pages on loopback, each envelope verified and kept | {applied} | {sync_secs:.1} | {:.0} | {:.0} |",
        mib(bytes),
        applied as f64 / sync_secs
    );
    println!(
        "| pg_dump --data-only -t postings \\| psql (rows only, no signing) | {copied} | {dump_secs:.1} | {:.0} | {:.0} |",
        mib(dump_bytes),
        copied as f64 / dump_secs
    );
    drop((source, target));
    if !a.keep {
        drop_databases(&a.pg_url, &NAMES).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_urls_swap_the_database() {
        let u = super::database_url("postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "x").unwrap();
        assert_eq!(u, "postgres://postgres@127.0.0.1:5432/x");
        assert_eq!(super::database_url("postgres://h", "y").unwrap(), "postgres://h/y");
        assert!(super::database_url("nothing", "y").is_err());
    }
}
