//! The `jiuye` binary as an operator runs it: help text, serving and stopping, and surviving
//! SIGKILL in the middle of writing. Runs on SQLite, and on PostgreSQL too when `DATABASE_URL`
//! is set (in a fresh database per test, dropped afterwards).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use sqlx::Connection;

#[path = "cli_parts/backup.rs"]
mod backup;
#[path = "cli_parts/federation.rs"]
mod federation;
#[path = "cli_parts/three_nodes.rs"]
mod three_nodes;

const BIN: &str = env!("CARGO_BIN_EXE_jiuye");

/// Where a test keeps its data: a temp dir, plus a throwaway PostgreSQL database when
/// `DATABASE_URL` is set.
struct Target {
    dir: tempfile::TempDir,
    pg: Option<(String, String)>,
}

impl Target {
    fn args(&self) -> Vec<String> {
        let mut a = vec!["--data-dir".to_owned(), self.dir.path().display().to_string()];
        if let Some((_, url)) = &self.pg {
            a.push("--database-url".into());
            a.push(url.clone());
        }
        a
    }
    fn name(&self) -> &'static str {
        if self.pg.is_some() { "postgres" } else { "sqlite" }
    }
    async fn cleanup(self) {
        if let Some((admin, url)) = self.pg {
            let db = url.rsplit('/').next().unwrap_or_default().to_owned();
            let mut c = sqlx::PgConnection::connect(&admin).await.expect("connect admin");
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)")))
                .execute(&mut c)
                .await
                .expect("drop database");
        }
    }
}

async fn fresh_pg(admin: &str) -> Target {
    let db = format!("jiuye_t_{}", uuid::Uuid::new_v4().simple());
    let mut c = sqlx::PgConnection::connect(admin).await.expect("connect admin");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db}"))).execute(&mut c).await.expect("create db");
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(admin).to_owned();
    Target { dir: tempfile::tempdir().expect("tempdir"), pg: Some((admin.to_owned(), format!("{base}/{db}"))) }
}

async fn targets() -> Vec<Target> {
    let mut out = vec![Target { dir: tempfile::tempdir().expect("tempdir"), pg: None }];
    if let Ok(admin) = std::env::var("DATABASE_URL") {
        out.push(fresh_pg(&admin).await);
    }
    out
}

/// An empty node on the same engine as `t`.
async fn empty_like(t: &Target) -> Target {
    match &t.pg {
        Some((admin, _)) => fresh_pg(admin).await,
        None => Target { dir: tempfile::tempdir().expect("tempdir"), pg: None },
    }
}

fn run(args: &[&str], extra: &[String]) -> Output {
    Command::new(BIN).args(args).args(extra).env_remove("JIUYE_LOG").output().expect("run jiuye")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Where a spawned server's standard error goes, so that a failure can show it.
fn stderr_log(pid: u32) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("jiuye-cli-test-{}-{pid}.log", std::process::id()))
}

fn spawn(args: &[&str], extra: &[String]) -> Child {
    let log = tempfile::NamedTempFile::new().expect("log file");
    let err = log.reopen().expect("reopen log");
    let child = Command::new(BIN)
        .args(args)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::from(err))
        .spawn()
        .expect("spawn jiuye");
    log.persist(stderr_log(child.id())).expect("keep log");
    child
}

/// The end of a spawned server's standard error.
fn stderr_tail(child: &Child) -> String {
    let text = std::fs::read_to_string(stderr_log(child.id())).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

fn signal(child: &Child, sig: &str) {
    let ok = Command::new("kill").args([sig, &child.id().to_string()]).status().expect("kill").success();
    assert!(ok, "kill {sig}");
}

fn wait_exit(child: &mut Child, within: Duration) -> std::process::ExitStatus {
    let until = Instant::now() + within;
    loop {
        if let Some(s) = child.try_wait().expect("wait") {
            return s;
        }
        assert!(Instant::now() < until, "process did not exit in {within:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Reads the "jiuye 已启动：http://ADDR/" line the server prints once it listens.
fn listening_addr(child: &mut Child) -> String {
    let out = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(out).lines();
    for line in lines.by_ref() {
        let line = line.expect("line");
        if let Some(rest) = line.split("http://").nth(1)
            && line.contains("已启动")
        {
            let addr = rest.trim_end_matches('/').to_owned();
            // Keep draining stdout so the server never blocks on a full pipe.
            std::thread::spawn(move || for _ in lines {});
            return addr;
        }
    }
    let status = child.wait().map(|s| s.to_string()).unwrap_or_default();
    panic!("server exited before listening ({status}); its standard error ends:\n{}", stderr_tail(child));
}

fn http_get(addr: &str, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").expect("write");
    read_response(&mut s)
}

/// Reads an HTTP/1.1 response to its end: (status, body).
fn read_response(s: &mut TcpStream) -> (u16, String) {
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).expect("read");
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}

fn db_exists(dir: &Path) -> bool {
    dir.join("jiuye.db").exists()
}

#[test]
fn help_explains_every_command() {
    let o = run(&["--help"], &[]);
    assert!(o.status.success());
    let text = stdout(&o);
    for word in [
        "serve",
        "seed",
        "check",
        "user",
        "token",
        "audit",
        "read-log",
        "key",
        "import",
        "campaign",
        "bench",
        "reindex",
        "backup",
        "restore",
        "eval",
        "federation",
        "--config",
    ] {
        assert!(text.contains(word), "{word} in:\n{text}");
    }
    let serve = stdout(&run(&["serve", "--help"], &[]));
    for word in ["--data-dir", "--database-url", "--listen", "--demo", "JIUYE_DATA_DIR", "127.0.0.1:8080"] {
        assert!(serve.contains(word), "{word} in:\n{serve}");
    }
    let seed = stdout(&run(&["seed", "--help"], &[]));
    for word in ["--universities", "--graduates", "--employers", "--seed", "--data-dir", "--database-url"] {
        assert!(seed.contains(word), "{word} in:\n{seed}");
    }
}

#[test]
fn eval_screening_measures_both_rule_sets_and_check_fails_on_a_missed_target() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("set.jsonl");
    let lines = [
        r#"{"id":"a","label":"scam","split":"held_out","text":"入职当天请携带身份证原件和本人银行卡交由公司统一保管。"}"#,
        r#"{"id":"b","label":"honest","split":"held_out","text":"公司不收取任何押金或培训费。"}"#,
        r#"{"id":"c","label":"scam","split":"tune","text":"招聘文员，月薪四千。"}"#,
    ];
    std::fs::write(&file, lines.join("\n")).expect("write");
    let f = file.display().to_string();
    let o = run(&["eval", "screening", &f, "--check"], &[]);
    let text = stdout(&o);
    assert!(o.status.success(), "{text}");
    assert!(text.contains("baseline (word lists)") && text.contains("targets met"), "{text}");
    // The baseline misses the first and rates the second high; both are in the table.
    assert!(text.contains("1 scam, 1 honest"), "{text}");
    // The tune half holds a scam no rule can see: --check fails there.
    let o = run(&["eval", "screening", &f, "--split", "tune", "--check"], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let o = run(&["eval", "screening", &dir.path().join("none.jsonl").display().to_string()], &[]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn bad_settings_are_refused_with_a_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().display().to_string();
    let o = run(&["serve", "--data-dir", &d, "--listen", "not-an-address"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("监听地址"));
    // A node's own screening rules that do not parse stop the start, naming the line.
    std::fs::write(dir.path().join("scam_rules.toml"), "[classes]\nx = 1\n").expect("write");
    let o = run(&["serve", "--data-dir", &d, "--listen", "127.0.0.1:0"], &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("scam_rules.toml") && err.contains("第 2 行"), "{err}");
    std::fs::remove_file(dir.path().join("scam_rules.toml")).expect("remove");
    let o = run(&["seed", "--data-dir", &d, "--province", "510100", "--graduates", "1"], &[]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&["check", "--database-url", "mysql://x/y"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unsupported database URL"));
    let cfg = dir.path().join("bad.toml");
    std::fs::write(&cfg, "lisen = 1\n").expect("write");
    let o = run(&["--config", cfg.to_str().expect("utf-8"), "check", "--data-dir", &d], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("lisen"));
}

#[tokio::test]
async fn sigkill_during_seed_leaves_a_sound_database_that_completes_on_rerun() {
    for t in targets().await {
        let extra = t.args();
        let plan = ["seed", "--universities", "300", "--graduates", "150000", "--employers", "2000", "--seed", "9"];
        let mut child = spawn(&plan, &extra);
        // Let it get well into writing graduates, then pull the plug.
        let until = Instant::now() + Duration::from_secs(60);
        while t.pg.is_none() && !db_exists(t.dir.path()) && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(50));
        }
        std::thread::sleep(Duration::from_millis(2500));
        let finished_early = child.try_wait().expect("wait").is_some();
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
        assert!(!finished_early, "{}: the seed finished before the kill; nothing was interrupted", t.name());

        let check = run(&["check"], &extra);
        assert!(check.status.success(), "{}: {}{}", t.name(), stdout(&check), String::from_utf8_lossy(&check.stderr));
        assert!(stdout(&check).contains("数据库完好"));

        // The same plan again completes the data set, without duplicates.
        let again = run(&plan, &extra);
        assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
        let check = stdout(&run(&["check"], &extra));
        assert!(check.contains("毕业生 150000"), "{}: {check} (finished before kill: {finished_early})", t.name());
        t.cleanup().await;
    }
}

#[tokio::test]
async fn server_survives_sigkill_during_demo_load_then_serves_and_stops_on_sigterm() {
    for t in targets().await {
        let extra = t.args();
        let serve = ["serve", "--demo", "--listen", "127.0.0.1:0"];

        // Killed while loading the demo: once the load has begun writing graduates, and
        // provably before it finished.
        let mut child = spawn(&serve, &extra);
        let until = Instant::now() + Duration::from_secs(300);
        while demo_progress(&t).await.is_none_or(|(_, graduates)| graduates == 0) {
            assert!(Instant::now() < until, "{}: the demo load never began", t.name());
            std::thread::sleep(Duration::from_millis(100));
        }
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
        let (state, graduates) = demo_progress(&t).await.expect("demo state");
        assert_eq!(state, "started", "{}: the kill landed after the demo load ({graduates} graduates)", t.name());
        let check = run(&["check"], &extra);
        assert!(check.status.success(), "{}: {}", t.name(), stdout(&check));

        // Restarted: the demo completes and the node serves.
        let mut child = spawn(&serve, &extra);
        let addr = listening_addr(&mut child);
        let (status, body) = http_get(&addr, "/healthz");
        assert_eq!(status, 200, "{body}");
        let (status, body) = http_get(&addr, "/");
        assert_eq!(status, 200);
        assert!(body.contains("lang=\"zh-CN\"") && body.contains("高校毕业生就业服务平台"));
        let (status, body) = http_get(&addr, "/api/v1/orgs/510000");
        assert_eq!(status, 200);
        let v: serde_json::Value = serde_json::from_str(&body).expect("json");
        assert_eq!(v["counts"]["graduates"], 20000, "{}: demo complete after restart", t.name());
        let (status, _) = http_get(&addr, "/api/openapi.json");
        assert_eq!(status, 200);
        // The demo's postings are searchable; the index on disk is the server's while it runs.
        let (status, body) = http_get(&addr, "/api/v1/postings/search?q=%E5%B7%A5%E7%A8%8B%E5%B8%88");
        assert_eq!(status, 200, "{body}");
        let found: serde_json::Value = serde_json::from_str(&body).expect("json");
        assert!(found["total"].as_u64().unwrap_or(0) > 100, "{}: {found}", t.name());
        let busy = run(&["reindex"], &extra);
        assert_eq!(busy.status.code(), Some(2), "{}", stdout(&busy));
        assert!(String::from_utf8_lossy(&busy.stderr).contains("请先停止服务"), "{:?}", busy);

        // SIGTERM: graceful stop with success.
        signal(&child, "-TERM");
        let status = wait_exit(&mut child, Duration::from_secs(20));
        assert!(status.success(), "{}: exit {status:?}", t.name());
        let check = run(&["check"], &extra);
        assert!(stdout(&check).contains("毕业生 20000"), "{}", stdout(&check));
        // Stopped, the index is rebuilt from the database.
        let reindex = run(&["reindex"], &extra);
        assert!(reindex.status.success(), "{}: {:?}", t.name(), reindex);
        let said = stdout(&reindex);
        let n: u64 = said
            .split("重建：")
            .nth(1)
            .and_then(|r| r.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{said}"));
        assert!((2_900..=3_000).contains(&n), "{said}");
        t.cleanup().await;
    }
}

/// The demo load's marker and the graduates written so far, read while it runs.
async fn demo_progress(t: &Target) -> Option<(String, i64)> {
    let state = "SELECT value FROM meta WHERE key = 'demo_state'";
    let count = "SELECT COUNT(*) FROM graduates";
    match &t.pg {
        Some((_, url)) => {
            let mut c = sqlx::PgConnection::connect(url).await.ok()?;
            let state: String = sqlx::query_scalar(state).fetch_optional(&mut c).await.ok()??;
            Some((state, sqlx::query_scalar(count).fetch_one(&mut c).await.ok()?))
        }
        None => {
            let path = t.dir.path().join("jiuye.db");
            if !path.exists() {
                return None;
            }
            let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await.ok()?;
            let state: String = sqlx::query_scalar(state).fetch_optional(&mut c).await.ok()??;
            Some((state, sqlx::query_scalar(count).fetch_one(&mut c).await.ok()?))
        }
    }
}

async fn tamper(t: &Target, sql: &'static str) {
    match &t.pg {
        Some((_, url)) => {
            let mut c = sqlx::PgConnection::connect(url).await.expect("connect");
            sqlx::query(sql).execute(&mut c).await.expect("tamper");
        }
        None => {
            let path = t.dir.path().join("jiuye.db");
            let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await.expect("open");
            sqlx::query(sql).execute(&mut c).await.expect("tamper");
        }
    }
}

async fn stored_totp(t: &Target, username: &str) -> String {
    let sql = "SELECT totp_secret FROM users WHERE username = $1";
    match &t.pg {
        Some((_, url)) => {
            let mut c = sqlx::PgConnection::connect(url).await.expect("connect");
            sqlx::query_scalar(sql).bind(username).fetch_one(&mut c).await.expect("select")
        }
        None => {
            let path = t.dir.path().join("jiuye.db");
            let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await.expect("open");
            sqlx::query_scalar(sql).bind(username).fetch_one(&mut c).await.expect("select")
        }
    }
}

#[tokio::test]
async fn operator_accounts_tokens_and_audit_verification() {
    for t in targets().await {
        let extra = t.args();
        // The first administrator, from the shell; the password from standard input.
        let mut child = Command::new(BIN)
            .args([
                "user",
                "add",
                "--username",
                "first_admin",
                "--password-stdin",
                "--role",
                "province_admin",
                "--org",
                "510000",
            ])
            .args(&extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        child.stdin.take().expect("stdin").write_all(b"Province-Admin-2023\n").expect("write");
        let o = child.wait_with_output().expect("wait");
        assert!(o.status.success(), "{}: {}", t.name(), String::from_utf8_lossy(&o.stderr));
        // Weak passwords and unknown roles are refused with a reason.
        let weak = run(
            &[
                "user",
                "add",
                "--username",
                "weakling",
                "--password",
                "123",
                "--role",
                "counselor",
                "--org",
                "4151010610-01",
            ],
            &extra,
        );
        assert_eq!(weak.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&weak.stderr).contains("weak_password"));
        let bad_role = run(&["user", "grant", "--username", "first_admin", "--role", "emperor", "--org", "CN"], &extra);
        assert!(String::from_utf8_lossy(&bad_role.stderr).contains("未知角色"));
        let ok = run(
            &["user", "grant", "--username", "first_admin", "--role", "career_staff", "--org", "4151010610"],
            &extra,
        );
        assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));

        // `token create` prints only the token, and it works at once.
        let o = run(
            &[
                "token",
                "create",
                "--username",
                "first_admin",
                "--expires-days",
                "7",
                "--role",
                "career_staff",
                "--org",
                "4151010610",
            ],
            &extra,
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let token = stdout(&o).trim().to_owned();
        assert!(token.starts_with("jy_") && !token.contains(char::is_whitespace), "{token}");
        let mut child = spawn(&["serve", "--listen", "127.0.0.1:0"], &extra);
        let addr = listening_addr(&mut child);
        let mut s = TcpStream::connect(&addr).expect("connect");
        write!(
            s,
            "GET /api/v1/me HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
        )
        .expect("write");
        let mut buf = String::new();
        s.read_to_string(&mut buf).expect("read");
        assert!(buf.starts_with("HTTP/1.1 200"), "{buf}");
        assert!(buf.contains("\"username\":\"first_admin\"") && buf.contains("career_staff"));
        assert!(!buf.contains(&token), "the token is not echoed");
        signal(&child, "-TERM");
        wait_exit(&mut child, Duration::from_secs(20));

        // The audit chain holds, then an edited row is found and named.
        let v = run(&["audit", "verify"], &extra);
        assert!(v.status.success(), "{}: {}", t.name(), stdout(&v));
        tamper(&t, "UPDATE audit_log SET result = 'ok, honestly' WHERE seq = 2").await;
        let v = run(&["audit", "verify"], &extra);
        assert_eq!(v.status.code(), Some(1), "{}", stdout(&v));
        assert!(stdout(&v).contains("第 2 条"), "{}", stdout(&v));
        t.cleanup().await;
    }
}

#[tokio::test]
async fn audit_verify_notices_deleted_rows_and_key_rotation_keeps_secrets_readable() {
    for t in targets().await {
        let extra = t.args();
        for (i, u) in ["a_user_1", "a_user_2", "a_user_3"].iter().enumerate() {
            let o = run(
                &[
                    "user",
                    "add",
                    "--username",
                    u,
                    "--password",
                    &format!("Long-Password-{i}x"),
                    "--role",
                    "career_staff",
                    "--org",
                    "4151010610",
                ],
                &extra,
            );
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        }
        // A sealed two-factor secret under the first key…
        let ring = jiuye_security::seal::KeyRing::parse(
            &std::fs::read_to_string(t.dir.path().join("secret.key")).expect("key file"),
        )
        .expect("ring");
        let sealed = ring.seal(b"JBSWY3DPEHPK3PXP").expect("seal");
        assert!(sealed.starts_with("v1:1:"));
        let sql: &'static str = Box::leak(
            format!("UPDATE users SET totp_secret = '{sealed}' WHERE username = 'a_user_1'").into_boxed_str(),
        );
        tamper(&t, sql).await;
        let rotate = run(&["key", "rotate"], &extra);
        assert!(rotate.status.success(), "{}", String::from_utf8_lossy(&rotate.stderr));
        assert!(stdout(&rotate).contains("重新加密 1 项"), "{}", stdout(&rotate));
        let keys = std::fs::read_to_string(t.dir.path().join("secret.key")).expect("key file");
        let sealing =
            keys.lines().filter(|l| !l.starts_with('#') && !l.starts_with("audit:") && !l.starts_with("node:")).count();
        assert_eq!(sealing, 2, "old key kept, new key added");
        assert_eq!(keys.lines().filter(|l| l.starts_with("audit:")).count(), 1, "the audit key is kept");
        // …is re-sealed under the new key and still opens to the same secret.
        let ring = jiuye_security::seal::KeyRing::parse(&keys).expect("ring");
        let stored = stored_totp(&t, "a_user_1").await;
        assert!(stored.starts_with("v1:2:"), "{stored}");
        assert_eq!(ring.open(&stored).expect("open"), b"JBSWY3DPEHPK3PXP");
        tamper(&t, "DELETE FROM audit_log WHERE seq = 2").await;
        let v = run(&["audit", "verify"], &extra);
        assert_eq!(v.status.code(), Some(1));
        assert!(stdout(&v).contains("第 2 条"), "{}", stdout(&v));
        t.cleanup().await;
    }
}

#[tokio::test]
async fn an_older_node_keys_its_audit_log_once_and_verify_needs_the_key() {
    for t in targets().await {
        let extra = t.args();
        let key_file = t.dir.path().join("secret.key");
        // A node from before the keyed chain: a log written without a key…
        let url = match &t.pg {
            Some((_, url)) => url.clone(),
            None => t.dir.path().join("jiuye.db").display().to_string(),
        };
        let store = jiuye_store::connect(&url).await.expect("open store");
        for i in 1..=3 {
            let entry = jiuye_store::accounts::AuditEntry {
                username: Some("(命令行)".into()),
                action: "user_create".into(),
                result: "ok".into(),
                detail: Some(format!("旧记录 {i}")),
                ..Default::default()
            };
            store.append_audit(&entry).await.expect("append");
        }
        drop(store);
        // …cannot be verified without a key file, and verify makes none.
        let v = run(&["audit", "verify"], &extra);
        assert_eq!(v.status.code(), Some(2), "{}: {}", t.name(), stdout(&v));
        let err = String::from_utf8_lossy(&v.stderr).into_owned();
        assert!(err.contains("无法校验") && err.contains("找不到密钥文件"), "{err}");
        assert!(!stdout(&v).contains("完整") && !key_file.exists());
        // …nor with a key file from before the audit key.
        let mut older = jiuye_security::seal::KeyRing::generate().expect("ring").to_file();
        older = older.lines().filter(|l| !l.starts_with("audit:")).map(|l| format!("{l}\n")).collect();
        std::fs::write(&key_file, &older).expect("write key file");
        let v = run(&["audit", "verify"], &extra);
        assert_eq!(v.status.code(), Some(2), "{}", stdout(&v));
        assert!(String::from_utf8_lossy(&v.stderr).contains("没有审计密钥"), "{:?}", v);
        assert_eq!(std::fs::read_to_string(&key_file).expect("key file"), older, "verify changed the key file");

        // The first start after the upgrade adds the audit key and re-anchors the old rows, once.
        let o = run(&["check"], &extra);
        assert!(o.status.success(), "{}: {:?}", t.name(), o);
        assert!(String::from_utf8_lossy(&o.stderr).contains("3 条旧记录已用审计密钥重新锚定"), "{:?}", o);
        let keys = std::fs::read_to_string(&key_file).expect("key file");
        assert!(keys.starts_with(&older) && keys.lines().any(|l| l.starts_with("audit:")), "{keys}");
        let v = run(&["audit", "verify"], &extra);
        assert!(v.status.success() && stdout(&v).contains("共 4 条"), "{}: {}", t.name(), stdout(&v));
        let r = run(&["audit", "reanchor"], &extra);
        assert!(r.status.success() && stdout(&r).contains("无需重新锚定"), "{}", stdout(&r));
        let o = run(&["check"], &extra);
        assert!(!String::from_utf8_lossy(&o.stderr).contains("重新锚定"), "{:?}", o);
        let v = run(&["audit", "verify"], &extra);
        assert!(v.status.success() && stdout(&v).contains("共 4 条"), "{}", stdout(&v));
        // An old row edited afterwards is found.
        tamper(&t, "UPDATE audit_log SET detail = '改过' WHERE seq = 2").await;
        let v = run(&["audit", "verify"], &extra);
        assert_eq!(v.status.code(), Some(1), "{}", stdout(&v));
        assert!(stdout(&v).contains("第 2 条"), "{}", stdout(&v));
        t.cleanup().await;
    }
}

/// One row of `disputes` (id, text, answer) and the evidence row's id, as stored.
async fn stored_dispute_and_evidence(t: &Target) -> (uuid::Uuid, String, Option<String>, uuid::Uuid) {
    let d = "SELECT id, text, answer FROM disputes";
    let e = "SELECT id FROM evidence";
    macro_rules! read {
        ($c:expr) => {{
            let (id, text, answer): (uuid::Uuid, String, Option<String>) =
                sqlx::query_as(d).fetch_one(&mut $c).await.expect("dispute");
            let evidence: uuid::Uuid = sqlx::query_scalar(e).fetch_one(&mut $c).await.expect("evidence");
            (id, text, answer, evidence)
        }};
    }
    match &t.pg {
        Some((_, url)) => {
            let mut c = sqlx::PgConnection::connect(url).await.expect("connect");
            read!(c)
        }
        None => {
            let path = t.dir.path().join("jiuye.db");
            let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await.expect("open");
            read!(c)
        }
    }
}

#[tokio::test]
async fn key_rotate_seals_legacy_plaintext_disputes_and_files_bound_to_their_rows() {
    use jiuye_security::seal::{KeyRing, row_aad};
    for t in targets().await {
        let extra = t.args();
        let seed = ["seed", "--province", "510000", "--universities", "1", "--graduates", "5", "--employers", "1"];
        let o = run(&seed, &extra);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        // Rows and a file written before sealing existed: plaintext at rest.
        tamper(
            &t,
            "INSERT INTO disputes (id, graduate_id, org_id, text, status, answer, created_at) \
             SELECT id, id, org_id, '单位名称有误，请更正', 'answered', '已核实并更正', CURRENT_TIMESTAMP \
             FROM graduates ORDER BY id LIMIT 1",
        )
        .await;
        tamper(
            &t,
            "INSERT INTO evidence (id, graduate_id, org_id, kind, stored_name, original_name, content_type, \
             size_bytes, sha256, uploaded_at) SELECT id, id, org_id, 'offer', 'legacy-offer.bin', 'offer.pdf', \
             'application/pdf', 17, 'x', CURRENT_TIMESTAMP FROM graduates ORDER BY id LIMIT 1",
        )
        .await;
        let pdf = b"%PDF-1.4 legacy offer";
        let file = t.dir.path().join("evidence").join("legacy-offer.bin");
        std::fs::create_dir_all(file.parent().expect("dir")).expect("evidence dir");
        std::fs::write(&file, pdf).expect("legacy file");

        let rotate = run(&["key", "rotate"], &extra);
        assert!(rotate.status.success(), "{}: {}", t.name(), String::from_utf8_lossy(&rotate.stderr));
        assert!(stdout(&rotate).contains("首次加密 2，重新加密 0"), "{}", stdout(&rotate));
        let ring =
            KeyRing::parse(&std::fs::read_to_string(t.dir.path().join("secret.key")).expect("keys")).expect("ring");
        let (id, text, answer, evidence) = stored_dispute_and_evidence(&t).await;
        let answer = answer.expect("answer kept");
        assert!(text.starts_with("v2:2:") && answer.starts_with("v2:2:"), "{}: {text} {answer}", t.name());
        assert!(!text.contains("单位") && !answer.contains("核实"));
        let opened = ring.open_bound(&text, &row_aad("disputes", "text", &id.to_string())).expect("text opens");
        assert_eq!(String::from_utf8(opened).expect("utf-8"), "单位名称有误，请更正");
        let opened = ring.open_bound(&answer, &row_aad("disputes", "answer", &id.to_string())).expect("answer opens");
        assert_eq!(String::from_utf8(opened).expect("utf-8"), "已核实并更正");
        let on_disk = std::fs::read(&file).expect("file");
        assert!(on_disk.starts_with(b"JYS2") && !on_disk.windows(8).any(|w| w == b"%PDF-1.4"));
        let aad = row_aad("evidence", "stored_name", &evidence.to_string());
        assert_eq!(ring.open_bytes_bound(&on_disk, &aad).expect("file opens"), pdf);
        assert!(
            ring.open_bound(&text, &row_aad("disputes", "answer", &id.to_string())).is_err(),
            "bound to its column"
        );

        // Rotating again seals the same values with the newer key; the old keys stay.
        let again = run(&["key", "rotate"], &extra);
        assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
        assert!(stdout(&again).contains("首次加密 0，重新加密 2"), "{}", stdout(&again));
        let (_, text, _, _) = stored_dispute_and_evidence(&t).await;
        assert!(text.starts_with("v2:3:"), "{text}");
        let ring =
            KeyRing::parse(&std::fs::read_to_string(t.dir.path().join("secret.key")).expect("keys")).expect("ring");
        assert_eq!(ring.current_id(), 3);
        assert_eq!(jiuye_security::seal::bytes_key_id(&std::fs::read(&file).expect("file")), Some(3));
        let v = run(&["audit", "verify"], &extra);
        assert!(v.status.success(), "{}", stdout(&v));
        t.cleanup().await;
    }
}

#[test]
fn campaign_policies_load_or_are_refused_with_their_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().display().to_string();
    let shipped = concat!(env!("CARGO_MANIFEST_DIR"), "/../../policies/2023-spring.toml");
    let o = run(&["campaign", "load", shipped, "--data-dir", &d], &[]);
    assert!(o.status.success(), "{}{}", stdout(&o), String::from_utf8_lossy(&o.stderr));
    assert!(stdout(&o).contains("2023-spring") && stdout(&o).contains("3 项目标"));
    let bad = dir.path().join("bad.toml");
    let text = std::fs::read_to_string(shipped).expect("policy").replace("required = 10\n", "required = -3\n");
    std::fs::write(&bad, text).expect("write");
    let o = run(&["campaign", "load", bad.to_str().expect("utf-8"), "--data-dir", &d], &[]);
    assert_eq!(o.status.code(), Some(1));
    let shipped_text = std::fs::read_to_string(shipped).expect("policy");
    let line = shipped_text.lines().position(|l| l == "required = 10").expect("the line changed") + 1;
    assert!(stdout(&o).contains(&format!("第 {line} 行")), "line {line}: {}", stdout(&o));
}

/// The command line uses the web crate only to serve; everything else goes through the
/// application layer (`jiuye_app`), as the pages and the API do.
#[test]
fn the_cli_uses_the_web_crate_only_to_serve() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let allowed = ["jiuye_web::WebSettings", "jiuye_web::app(", "jiuye_web::auth::IpRange"];
    let mut files = Vec::new();
    let mut dirs = vec![src];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("src") {
            let path = entry.expect("entry").path();
            if path.is_dir() { dirs.push(path) } else { files.push(path) }
        }
    }
    assert!(files.len() > 10, "the sources were not found");
    for path in files {
        let text = std::fs::read_to_string(&path).expect("read");
        for (i, line) in text.lines().enumerate() {
            let mut rest = line;
            while let Some(at) = rest.find("jiuye_web::") {
                let tail = &rest[at..];
                assert!(
                    allowed.iter().any(|a| tail.starts_with(a)),
                    "{}:{}: the CLI reaches into the web crate: {}",
                    path.display(),
                    i + 1,
                    line.trim()
                );
                rest = &tail["jiuye_web::".len()..];
            }
        }
    }
}

/// The read log's retention is refused below six months (flag, environment or file), and a purge
/// runs from the shell, leaves its audit entry and keeps the audit chain whole.
#[tokio::test]
async fn read_log_retention_is_at_least_six_months_and_the_purge_is_audited() {
    for t in targets().await {
        let extra = t.args();
        let o = run(&["read-log", "purge", "--read-log-retention-days", "100"], &extra);
        assert_eq!(o.status.code(), Some(2), "{}", t.name());
        let err = String::from_utf8_lossy(&o.stderr).to_string();
        assert!(err.contains("183") && err.contains("1095"), "{err}");
        let cfg = t.dir.path().join("short.toml");
        std::fs::write(&cfg, "read_log_retention_days = 30\n").expect("write");
        let o = run(&["--config", cfg.to_str().expect("utf-8"), "read-log", "purge"], &extra);
        assert_eq!(o.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&o.stderr).contains("183"));
        let o = Command::new(BIN)
            .args(["read-log", "purge"])
            .args(&extra)
            .env("JIUYE_READ_LOG_RETENTION_DAYS", "182")
            .output()
            .expect("run jiuye");
        assert_eq!(o.status.code(), Some(2), "the environment is checked as well");
        let o = run(&["read-log", "purge", "--read-log-retention-days", "200"], &extra);
        assert!(o.status.success(), "{}: {}", t.name(), String::from_utf8_lossy(&o.stderr));
        assert!(String::from_utf8_lossy(&o.stdout).contains("已删除 0 条查阅记录"));
        let v = run(&["audit", "verify"], &extra);
        assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stderr));
        assert!(String::from_utf8_lossy(&v.stdout).contains("共 2 条"), "the chain's keying and the purge");
        t.cleanup().await;
    }
}
