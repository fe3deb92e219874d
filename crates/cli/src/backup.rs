//! Backups, restores and the exported key ring.
//!
//! `jiuye backup FILE` copies the database while the node keeps serving (SQLite: `VACUUM INTO`
//! inside one read transaction; PostgreSQL: `pg_dump` of a snapshot exported by a repeatable-read
//! transaction, in which the manifest's row counts are taken too), then the files under the data
//! directory (evidence, visit photos, résumés). Files are copied after the database, and a file
//! is written before the row naming it, so every file the copied database names is there. The
//! key ring is never in a backup: its file is left out, and the finished archive is scanned for
//! the key file's text and every key (base64 and raw); a hit deletes the archive.
//!
//! `jiuye key export FILE` writes the key file encrypted under a passphrase
//! (`jiuye_security::keyexport`). `jiuye restore FILE [--keys FILE]` fills an empty node from a
//! backup, installs the keys, rebuilds the search index and checks the result.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use clap::Args;
use serde::{Deserialize, Serialize};
use sqlx::Connection;

use super::{DataArgs, data_config, init_logging, open};
use crate::archive;
use crate::config::{DataConfig, FileConfig};

const MANIFEST: &str = "manifest.json";
const SQLITE_ENTRY: &str = "database/jiuye.db";
const PG_ENTRY: &str = "database/postgres.dump";
const FILES: &str = "files/";
const PASSPHRASE_ENV: &str = "JIUYE_KEY_PASSPHRASE";

#[derive(Args, Debug)]
pub(super) struct BackupArgs {
    #[command(flatten)]
    data: DataArgs,
    /// The archive to write (replaced if it exists; written under a temporary name first).
    file: PathBuf,
    /// pg_dump to run for a PostgreSQL node (its major version must be at least the server's).
    #[arg(long, env = "JIUYE_PG_DUMP", default_value = "pg_dump")]
    pg_dump: String,
}

#[derive(Args, Debug)]
pub(super) struct RestoreArgs {
    #[command(flatten)]
    data: DataArgs,
    /// The archive written by `jiuye backup`.
    file: PathBuf,
    /// The key ring exported by `jiuye key export`; it becomes the node's key file. The
    /// passphrase is read from JIUYE_KEY_PASSPHRASE, else from the first line of standard input.
    #[arg(long, value_name = "FILE")]
    keys: Option<PathBuf>,
    /// pg_restore to run for a PostgreSQL node.
    #[arg(long, env = "JIUYE_PG_RESTORE", default_value = "pg_restore")]
    pg_restore: String,
}

#[derive(Args, Debug)]
pub(super) struct KeyExportArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Where to write the encrypted key ring (must not exist yet, and must be outside the data
    /// directory so that backups of the directory never carry it). The passphrase (at least 12
    /// characters) is read from JIUYE_KEY_PASSPHRASE, else from the first line of standard input.
    file: PathBuf,
}

/// What a backup holds, written as its first entry.
#[derive(Serialize, Deserialize, Debug)]
struct Manifest {
    format: u32,
    engine: String,
    created_at: String,
    node_id: String,
    jiuye_version: String,
    /// Rows per table in the copied database.
    tables: BTreeMap<String, i64>,
    /// Files under the data directory found when the backup started.
    files: u64,
}

fn quote(table: &str) -> String {
    format!("\"{}\"", table.replace('"', "\"\""))
}

/// Rows per table, read over one connection (in whatever transaction it has open).
macro_rules! count_tables {
    ($conn:expr, $list:expr) => {{
        let names: Vec<String> = sqlx::query_scalar($list).fetch_all(&mut *$conn).await.map_err(|e| e.to_string())?;
        let mut tables = BTreeMap::new();
        for name in names {
            let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {}", quote(&name))))
                .fetch_one(&mut *$conn)
                .await
                .map_err(|e| format!("无法统计表 {name}：{e}"))?;
            tables.insert(name, n);
        }
        Ok::<_, String>(tables)
    }};
}

const SQLITE_TABLES: &str =
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name";
const PG_TABLES: &str = "SELECT table_name::text FROM information_schema.tables \
     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1";
const NODE_ID: &str = "SELECT value FROM meta WHERE key = 'node_id'";

async fn sqlite_connect(path: &Path, create: bool) -> Result<sqlx::SqliteConnection, String> {
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(create)
        .busy_timeout(std::time::Duration::from_secs(30));
    sqlx::SqliteConnection::connect_with(&options).await.map_err(|e| format!("无法打开 {}：{e}", path.display()))
}

async fn pg_connect(url: &str) -> Result<sqlx::PgConnection, String> {
    sqlx::PgConnection::connect(url).await.map_err(|e| format!("无法连接数据库 {}：{e}", jiuye_store::redact_url(url)))
}

fn is_postgres(data: &DataConfig) -> Option<&str> {
    data.database_url.as_deref().filter(|u| u.starts_with("postgres://") || u.starts_with("postgresql://"))
}

/// A path next to `target` for work in progress.
fn partial(target: &Path, what: &str) -> PathBuf {
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "backup".into());
    target.with_file_name(format!(".{name}.{what}-{}", uuid::Uuid::new_v4().simple()))
}

/// Removes a file when dropped (work files of a backup or restore, also on failure).
struct Cleanup(PathBuf);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Whether a file under the data directory stays out of backups: the database itself (copied
/// consistently instead), the key ring and its temporary file, and the search index (rebuilt).
fn left_out(rel: &Path, abs: &Path, data: &DataConfig) -> bool {
    let first = rel.components().next().map(|c| c.as_os_str().to_string_lossy().into_owned()).unwrap_or_default();
    let name = rel.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let db_name = data.sqlite_file().and_then(|f| f.file_name().map(|n| n.to_string_lossy().into_owned()));
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    };
    first == "search-index"
        || name == "secret.key"
        || name.ends_with(".key.tmp")
        || same(abs, &data.key_file)
        || db_name.is_some_and(|db| rel.components().count() == 1 && name.starts_with(&db))
}

/// Files under the data directory that go into a backup, by relative path (with `/`).
fn files_to_back_up(data: &DataConfig, skip: &[&Path]) -> Result<Vec<(String, PathBuf)>, String> {
    let mut out = Vec::new();
    let mut dirs = vec![data.data_dir.clone()];
    while let Some(dir) = dirs.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(format!("无法读取目录 {}：{e}", dir.display())),
        };
        for entry in entries {
            let entry = entry.map_err(|e| format!("无法读取目录 {}：{e}", dir.display()))?;
            let path = entry.path();
            let rel = path.strip_prefix(&data.data_dir).map_err(|e| e.to_string())?.to_path_buf();
            let kind = entry.file_type().map_err(|e| e.to_string())?;
            if left_out(&rel, &path, data)
                || skip.iter().any(|s| s.file_name() == path.file_name() && s.parent() == path.parent())
            {
                continue;
            }
            if kind.is_dir() {
                dirs.push(path);
            } else if kind.is_file() {
                let name: Vec<String> =
                    rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
                out.push((name.join("/"), path));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Refuses when `haystack` (a file) holds any of `needles`.
fn scan_for(path: &Path, needles: &[Vec<u8>]) -> Result<bool, String> {
    let needles: Vec<&Vec<u8>> = needles.iter().filter(|n| !n.is_empty()).collect();
    let longest = needles.iter().map(|n| n.len()).max().unwrap_or(0);
    if longest == 0 {
        return Ok(false);
    }
    let finders: Vec<memchr::memmem::Finder> = needles.iter().map(memchr::memmem::Finder::new).collect();
    let mut f = File::open(path).map_err(|e| format!("无法读取 {}：{e}", path.display()))?;
    let mut buf = vec![0u8; 8 << 20];
    let mut kept = 0;
    loop {
        let n = f.read(&mut buf[kept..]).map_err(|e| e.to_string())?;
        if n == 0 {
            return Ok(false);
        }
        let filled = kept + n;
        if finders.iter().any(|fi| fi.find(&buf[..filled]).is_some()) {
            return Ok(true);
        }
        // Keep the tail so a needle across two reads is still found.
        kept = (longest - 1).min(filled);
        buf.copy_within(filled - kept..filled, 0);
    }
}

fn key_secrets(data: &DataConfig) -> Result<Vec<Vec<u8>>, String> {
    match std::fs::read_to_string(&data.key_file) {
        Ok(text) => Ok(jiuye_security::keyexport::secrets_in_key_file(&text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(format!("无法读取密钥文件 {}：{e}", data.key_file.display())),
    }
}

/// Copies the SQLite database to `copy` inside one read transaction; answers the manifest's
/// table counts and node id, read from the copy.
async fn sqlite_snapshot(db: &Path, copy: &Path) -> Result<(BTreeMap<String, i64>, String), String> {
    if !db.exists() {
        return Err(format!("找不到数据库文件 {}", db.display()));
    }
    let mut conn = sqlite_connect(db, false).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("VACUUM INTO '{}'", copy.display().to_string().replace('\'', "''"))))
        .execute(&mut conn)
        .await
        .map_err(|e| format!("复制数据库失败：{e}"))?;
    conn.close().await.map_err(|e| e.to_string())?;
    let mut conn = sqlite_connect(copy, false).await?;
    let tables = count_tables!(&mut conn, SQLITE_TABLES)?;
    let node: Option<String> =
        sqlx::query_scalar(NODE_ID).fetch_optional(&mut conn).await.map_err(|e| e.to_string())?;
    conn.close().await.map_err(|e| e.to_string())?;
    Ok((tables, node.unwrap_or_default()))
}

/// Dumps the PostgreSQL database with `pg_dump` from a snapshot held open by a repeatable-read
/// transaction, in which the table counts are taken too.
async fn pg_snapshot(url: &str, pg_dump: &str, out: &Path) -> Result<(BTreeMap<String, i64>, String), String> {
    let mut conn = pg_connect(url).await?;
    let mut tx = conn.begin().await.map_err(|e| e.to_string())?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await
        .map_err(|e| e.to_string())?;
    let snapshot: String =
        sqlx::query_scalar("SELECT pg_export_snapshot()").fetch_one(&mut *tx).await.map_err(|e| e.to_string())?;
    let tables = count_tables!(&mut *tx, PG_TABLES)?;
    let node: Option<String> = sqlx::query_scalar(NODE_ID).fetch_optional(&mut *tx).await.map_err(|e| e.to_string())?;
    // The transaction stays open (holding the snapshot) until pg_dump is done.
    let mut dump = Command::new(pg_dump);
    dump.args(["--format=custom", "--compress=0", "--no-owner", "--no-privileges"])
        .arg(format!("--snapshot={snapshot}"))
        .arg(format!("--file={}", out.display()))
        .arg(format!("--dbname={url}"));
    let status = tokio::task::spawn_blocking(move || dump.status())
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("无法运行 {pg_dump}：{e}"))?;
    tx.rollback().await.map_err(|e| e.to_string())?;
    if !status.success() {
        return Err(format!("{pg_dump} 失败（{status}）"));
    }
    Ok((tables, node.unwrap_or_default()))
}

pub(super) async fn backup(a: BackupArgs, file: FileConfig) -> Result<(), String> {
    init_logging(file.log_format.as_deref().unwrap_or("text"))?;
    let data = data_config(&a.data, &file);
    let started = Instant::now();
    let secrets = key_secrets(&data)?;
    let target = a.file.clone();
    let work = partial(&target, "partial");
    let db_copy = partial(&target, "db");
    let _cleanup = (Cleanup(work.clone()), Cleanup(db_copy.clone()));

    let (engine, entry, (tables, node_id)) = match is_postgres(&data) {
        Some(url) => ("postgres", PG_ENTRY, pg_snapshot(url, &a.pg_dump, &db_copy).await?),
        None => {
            let db = data.sqlite_file().ok_or("不支持的数据库地址")?;
            ("sqlite", SQLITE_ENTRY, sqlite_snapshot(&db, &db_copy).await?)
        }
    };
    let files = files_to_back_up(&data, &[&target, &work, &db_copy])?;
    let manifest = Manifest {
        format: archive::VERSION,
        engine: engine.into(),
        created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        node_id,
        jiuye_version: env!("CARGO_PKG_VERSION").into(),
        tables,
        files: files.len() as u64,
    };
    let out = File::create(&work).map_err(|e| format!("无法写入 {}：{e}", work.display()))?;
    let mut w = archive::Writer::new(BufWriter::with_capacity(1 << 20, out)).map_err(|e| e.to_string())?;
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| e.to_string())?;
    w.add_bytes(MANIFEST, &json).map_err(|e| e.to_string())?;
    let mut db = File::open(&db_copy).map_err(|e| e.to_string())?;
    let len = db.metadata().map_err(|e| e.to_string())?.len();
    w.add_reader(entry, len, &mut db).map_err(|e| format!("写入数据库副本失败：{e}"))?;
    let mut copied = 0u64;
    for (name, path) in &files {
        // Each file is read whole (uploads are small), so one being replaced is never torn.
        match std::fs::read(path) {
            Ok(bytes) => {
                w.add_bytes(&format!("{FILES}{name}"), &bytes).map_err(|e| e.to_string())?;
                copied += 1;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                tracing::warn!(file = %path.display(), "a file went away during the backup");
            }
            Err(e) => return Err(format!("无法读取 {}：{e}", path.display())),
        }
    }
    let out = w.finish().map_err(|e| e.to_string())?;
    out.into_inner().map_err(|e| e.to_string())?.sync_all().map_err(|e| e.to_string())?;
    if scan_for(&work, &secrets)? {
        return Err("备份中发现了密钥环的内容，已删除该备份。请检查数据目录中是否放有密钥文件的副本。".into());
    }
    std::fs::rename(&work, &target).map_err(|e| format!("无法写入 {}：{e}", target.display()))?;
    let size = std::fs::metadata(&target).map(|m| m.len()).unwrap_or(0);
    let rows: i64 = manifest.tables.values().sum();
    println!(
        "备份已写入 {}（{}，{} 张表共 {rows} 行，文件 {copied} 个，{:.1} MiB），用时 {:.1} 秒。",
        target.display(),
        engine,
        manifest.tables.len(),
        size as f64 / 1048576.0,
        started.elapsed().as_secs_f64()
    );
    println!("备份不含密钥环；请另用 jiuye key export 导出密钥并与备份分开保管。");
    Ok(())
}

/// The passphrase: from JIUYE_KEY_PASSPHRASE, else the first line of standard input.
fn passphrase() -> Result<String, String> {
    if let Ok(p) = std::env::var(PASSPHRASE_ENV) {
        return Ok(p);
    }
    if std::io::stdin().is_terminal() {
        eprint!("请输入密钥口令（至少 {} 个字符）：", jiuye_security::keyexport::MIN_PASSPHRASE_CHARS);
        let _ = std::io::stderr().flush();
    }
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).map_err(|e| format!("无法读取标准输入：{e}"))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

fn export_error(e: jiuye_security::keyexport::ExportError) -> String {
    use jiuye_security::keyexport::ExportError;
    match e {
        ExportError::ShortPassphrase => format!(
            "口令太短：至少 {} 个字符（用 {PASSPHRASE_ENV} 或标准输入给出）",
            jiuye_security::keyexport::MIN_PASSPHRASE_CHARS
        ),
        ExportError::WrongPassphrase => "口令不对，或导出的密钥文件被改动过".into(),
        ExportError::Malformed(why) => format!("不是 jiuye key export 导出的密钥文件（{why}）"),
        other => other.to_string(),
    }
}

/// Writes `text` to a new file readable only by its owner.
fn write_private(path: &Path, text: &[u8]) -> Result<(), String> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path).map_err(|e| format!("无法写入 {}：{e}", path.display()))?;
    f.write_all(text).and_then(|()| f.sync_all()).map_err(|e| format!("无法写入 {}：{e}", path.display()))
}

fn inside(path: &Path, dir: &Path) -> bool {
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    match (parent.canonicalize(), dir.canonicalize()) {
        (Ok(p), Ok(d)) => p.starts_with(d),
        _ => false,
    }
}

pub(super) async fn key_export(a: KeyExportArgs, file: FileConfig) -> Result<(), String> {
    init_logging(file.log_format.as_deref().unwrap_or("text"))?;
    let data = data_config(&a.data, &file);
    let text =
        std::fs::read(&data.key_file).map_err(|e| format!("无法读取密钥文件 {}：{e}", data.key_file.display()))?;
    if a.file.exists() {
        return Err(format!("{} 已存在，不会覆盖", a.file.display()));
    }
    if inside(&a.file, &data.data_dir) {
        return Err(format!("请把导出的密钥放在数据目录 {} 之外", data.data_dir.display()));
    }
    let exported = jiuye_security::keyexport::export(&text, &passphrase()?).map_err(export_error)?;
    write_private(&a.file, exported.as_bytes())?;
    println!("密钥环已加密导出到 {}。请与备份分开保管，并记住口令：没有它无法恢复加密字段。", a.file.display());
    Ok(())
}

/// Why the target node is not empty, if it is not.
async fn not_empty(data: &DataConfig, keys_given: bool) -> Result<Option<String>, String> {
    if let Ok(entries) = std::fs::read_dir(&data.data_dir) {
        for entry in entries {
            let entry = entry.map_err(|e| e.to_string())?;
            let path = entry.path();
            let is_key = path.file_name() == data.key_file.file_name() && path.parent() == data.key_file.parent();
            if is_key && !keys_given {
                continue;
            }
            return Ok(Some(format!(
                "数据目录 {} 不是空的（其中有 {}）",
                data.data_dir.display(),
                entry.file_name().to_string_lossy()
            )));
        }
    }
    if keys_given && data.key_file.exists() {
        return Ok(Some(format!("密钥文件 {} 已存在，不会覆盖", data.key_file.display())));
    }
    match is_postgres(data) {
        Some(url) => {
            let mut conn = pg_connect(url).await?;
            let n: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()",
            )
            .fetch_one(&mut conn)
            .await
            .map_err(|e| e.to_string())?;
            if n > 0 {
                return Ok(Some(format!("数据库 {} 中已有 {n} 张表", jiuye_store::redact_url(url))));
            }
        }
        None => {
            if let Some(db) = data.sqlite_file().filter(|f| f.exists()) {
                return Ok(Some(format!("数据库文件 {} 已存在", db.display())));
            }
        }
    }
    Ok(None)
}

fn open_archive(path: &Path) -> Result<(archive::Reader<BufReader<File>>, Manifest), String> {
    let f = File::open(path).map_err(|e| format!("无法读取备份 {}：{e}", path.display()))?;
    let mut r = archive::Reader::new(BufReader::with_capacity(1 << 20, f))
        .map_err(|e| format!("{} 不是可用的备份：{e}", path.display()))?;
    match r.next_entry().map_err(|e| e.to_string())? {
        Some((name, _)) if name == MANIFEST => {}
        _ => return Err(format!("{} 不是可用的备份：缺少清单", path.display())),
    }
    let bytes = r.read_vec(16 << 20).map_err(|e| e.to_string())?;
    let manifest: Manifest = serde_json::from_slice(&bytes).map_err(|e| format!("备份清单有误：{e}"))?;
    Ok((r, manifest))
}

pub(super) async fn restore(a: RestoreArgs, file: FileConfig) -> Result<bool, String> {
    init_logging(file.log_format.as_deref().unwrap_or("text"))?;
    let data = data_config(&a.data, &file);
    let started = Instant::now();
    let (mut r, manifest) = open_archive(&a.file)?;
    let engine = if is_postgres(&data).is_some() { "postgres" } else { "sqlite" };
    if manifest.engine != engine {
        return Err(format!("备份来自 {} 节点，不能恢复到 {engine} 节点（请用同一种数据库）", manifest.engine));
    }
    if let Some(why) = not_empty(&data, a.keys.is_some()).await? {
        return Err(format!("只能恢复到空节点：{why}。请换一个新的数据目录和空数据库。"));
    }
    // The keys are opened before anything is written, so a wrong passphrase leaves no trace.
    let keys = match &a.keys {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("无法读取 {}：{e}", path.display()))?;
            let plain = jiuye_security::keyexport::import(&text, &passphrase()?).map_err(export_error)?;
            let ring = String::from_utf8(plain).map_err(|_| "导出的密钥内容有误".to_owned())?;
            jiuye_security::seal::KeyRing::parse(&ring).map_err(|e| format!("导出的密钥内容有误：{e}"))?;
            Some(ring)
        }
        None => None,
    };
    std::fs::create_dir_all(&data.data_dir).map_err(|e| format!("无法创建 {}：{e}", data.data_dir.display()))?;
    if let Some(ring) = &keys {
        write_private(&data.key_file, ring.as_bytes())?;
    }

    let mut files = 0u64;
    let mut database = false;
    while let Some((name, _)) = r.next_entry().map_err(|e| format!("备份有误：{e}"))? {
        if name == SQLITE_ENTRY || name == PG_ENTRY {
            let wanted = if engine == "postgres" { PG_ENTRY } else { SQLITE_ENTRY };
            if name != wanted {
                return Err(format!("备份有误：{name} 与清单中的 {} 不符", manifest.engine));
            }
            restore_database(&mut r, &data, &a.pg_restore).await?;
            database = true;
        } else if let Some(rel) = name.strip_prefix(FILES) {
            let path = data.data_dir.join(rel);
            if left_out(Path::new(rel), &path, &data) {
                tracing::warn!(entry = %name, "a backup entry that belongs to no backup was skipped");
                continue;
            }
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| format!("无法创建 {}：{e}", dir.display()))?;
            }
            let mut out = File::create_new(&path).map_err(|e| format!("无法写入 {}：{e}", path.display()))?;
            r.copy_to(&mut out).map_err(|e| format!("备份有误：{e}"))?;
            out.sync_all().map_err(|e| e.to_string())?;
            files += 1;
        } else {
            tracing::warn!(entry = %name, "unknown backup entry skipped");
        }
    }
    if !database {
        return Err("备份有误：其中没有数据库".into());
    }

    // The restored database holds what the backup counted, table by table.
    let counts = match is_postgres(&data) {
        Some(url) => {
            let mut conn = pg_connect(url).await?;
            count_tables!(&mut conn, PG_TABLES)?
        }
        None => {
            let mut conn = sqlite_connect(&data.sqlite_file().ok_or("不支持的数据库地址")?, false).await?;
            let c = count_tables!(&mut conn, SQLITE_TABLES)?;
            conn.close().await.map_err(|e| e.to_string())?;
            c
        }
    };
    let mut problems: Vec<String> = Vec::new();
    for (table, n) in &manifest.tables {
        let got = counts.get(table).copied().unwrap_or(-1);
        if got != *n {
            problems.push(format!("表 {table}：备份中 {n} 行，恢复后 {got} 行"));
        }
    }
    if keys.is_none() && !data.key_file.exists() {
        eprintln!("注意：没有给出 --keys，将生成新的密钥；备份中加密的字段（如两步验证密钥）将无法读取。");
    }
    let (store, refdata) = open(&data).await?;
    let ix = jiuye_app::search::open(Some(&data.search_dir()))
        .await
        .map_err(|e| format!("无法打开检索索引：{}（{}）", e.message, e.code))?;
    let indexed = jiuye_app::search::rebuild(&*store, &refdata, &ix)
        .await
        .map_err(|e| format!("重建检索索引失败：{}（{}）", e.message, e.code))?;
    problems.extend(store.integrity_check().await.map_err(|e| e.to_string())?);
    let (ring, _) = crate::config::load_keys_with_audit_key(&data.key_file)?;
    let audit_key = jiuye_security::chain::AuditKey::new(*ring.audit_key().ok_or("密钥文件中没有审计密钥")?);
    match jiuye_store::accounts::verify_audit_chain(&*store, &audit_key).await.map_err(|e| e.to_string())? {
        jiuye_store::accounts::ChainCheck::Intact { .. } => {}
        jiuye_store::accounts::ChainCheck::Broken { seq, reason } => {
            problems.push(format!("审计日志第 {seq} 条起哈希链断裂（{reason}）"));
        }
    }
    let rows: i64 = counts.values().sum();
    println!(
        "已从 {} 恢复（{}，节点 {}，备份于 {}）：{} 张表共 {rows} 行，文件 {files} 个，检索索引 {indexed} 个职位；用时 {:.1} 秒。",
        a.file.display(),
        manifest.engine,
        manifest.node_id,
        manifest.created_at,
        counts.len(),
        started.elapsed().as_secs_f64()
    );
    if problems.is_empty() {
        println!("检查通过：各表行数与备份一致，数据库完好，审计日志完整。");
        Ok(true)
    } else {
        for p in &problems {
            println!("问题：{p}");
        }
        Ok(false)
    }
}

async fn restore_database(
    r: &mut archive::Reader<BufReader<File>>,
    data: &DataConfig,
    pg_restore: &str,
) -> Result<(), String> {
    match is_postgres(data) {
        Some(url) => {
            let dump = partial(&data.data_dir.join("postgres.dump"), "restoring");
            let _cleanup = Cleanup(dump.clone());
            let mut out = File::create_new(&dump).map_err(|e| format!("无法写入 {}：{e}", dump.display()))?;
            r.copy_to(&mut out).map_err(|e| format!("备份有误：{e}"))?;
            drop(out);
            let status = Command::new(pg_restore)
                .args(["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"])
                .arg(format!("--dbname={url}"))
                .arg(&dump)
                .status()
                .map_err(|e| format!("无法运行 {pg_restore}：{e}"))?;
            if !status.success() {
                return Err(format!("{pg_restore} 失败（{status}）"));
            }
        }
        None => {
            let db = data.sqlite_file().ok_or("不支持的数据库地址")?;
            let work = partial(&db, "restoring");
            let _cleanup = Cleanup(work.clone());
            let mut out = File::create_new(&work).map_err(|e| format!("无法写入 {}：{e}", work.display()))?;
            r.copy_to(&mut out).map_err(|e| format!("备份有误：{e}"))?;
            out.sync_all().map_err(|e| e.to_string())?;
            std::fs::rename(&work, &db).map_err(|e| format!("无法写入 {}：{e}", db.display()))?;
        }
    }
    Ok(())
}
