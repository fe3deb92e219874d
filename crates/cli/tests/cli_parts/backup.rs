//! `jiuye backup`, `jiuye key export` and `jiuye restore`: a backup taken while the node serves
//! and a writer writes restores into an empty node with the same rows, files and readable sealed
//! values, and never holds the key ring.

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlx::Connection;

use super::{
    BIN, Target, empty_like, http_get, listening_addr, run, signal, spawn, stdout, tamper, targets, wait_exit,
};

const PASSPHRASE: &str = "backup drill passphrase 2023";

async fn scalar_rows(t: &Target, sql: &str) -> Vec<String> {
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    match &t.pg {
        Some((_, url)) => {
            let mut c = sqlx::PgConnection::connect(url).await.expect("connect");
            sqlx::query_scalar(sql).fetch_all(&mut c).await.expect("select")
        }
        None => {
            let path = t.dir.path().join("jiuye.db");
            let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await.expect("open");
            sqlx::query_scalar(sql).fetch_all(&mut c).await.expect("select")
        }
    }
}

/// Rows per table, counted directly in the database.
async fn table_counts(t: &Target) -> BTreeMap<String, i64> {
    let list = if t.pg.is_some() {
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() \
         AND table_type = 'BASE TABLE'"
    } else {
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    };
    let mut out = BTreeMap::new();
    for table in scalar_rows(t, list).await {
        let n = scalar_rows(t, &format!("SELECT CAST(COUNT(*) AS TEXT) FROM \"{table}\"")).await;
        out.insert(table, n[0].parse().expect("count"));
    }
    out
}

fn user_add(extra: &[String], username: &str) -> bool {
    let password = format!("Writer-Password-{}", username.len());
    let args = [
        "user",
        "add",
        "--username",
        username,
        "--password",
        &password,
        "--role",
        "career_staff",
        "--org",
        "4151010610",
    ];
    let o = run(&args, extra);
    if !o.status.success() {
        eprintln!("user add {username}: {}", String::from_utf8_lossy(&o.stderr));
    }
    o.status.success()
}

fn with_passphrase(args: &[&str], extra: &[String], passphrase: &str) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .args(extra)
        .env("JIUYE_KEY_PASSPHRASE", passphrase)
        .env_remove("JIUYE_LOG")
        .output()
        .expect("run jiuye")
}

fn org_counts(addr: &str) -> serde_json::Value {
    let (status, body) = http_get(addr, "/api/v1/orgs/510000");
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).expect("json");
    v["counts"].clone()
}

#[tokio::test]
async fn backup_while_serving_and_writing_restores_into_an_empty_node_without_the_key_ring() {
    for t in targets().await {
        let extra = t.args();
        let seed = ["seed", "--province", "510000", "--universities", "2", "--graduates", "400", "--employers", "40"];
        let o = run(&seed, &extra);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(user_add(&extra, "sealed_user"));
        // A sealed value (a two-factor secret) and an uploaded file.
        let key_text = std::fs::read_to_string(t.dir.path().join("secret.key")).expect("key file");
        let ring = jiuye_security::seal::KeyRing::parse(&key_text).expect("ring");
        let sealed = ring.seal(b"JBSWY3DPEHPK3PXP").expect("seal");
        let sql: &'static str = Box::leak(
            format!("UPDATE users SET totp_secret = '{sealed}' WHERE username = 'sealed_user'").into_boxed_str(),
        );
        tamper(&t, sql).await;
        let evidence = t.dir.path().join("evidence");
        std::fs::create_dir_all(&evidence).expect("evidence dir");
        std::fs::write(evidence.join("0a1b.bin"), b"%PDF-1.4 evidence of a contract").expect("file");

        // The node serves; a writer adds accounts (each with its audit row) all along.
        let mut server = spawn(&["serve", "--listen", "127.0.0.1:0"], &extra);
        let addr = listening_addr(&mut server);
        let source_counts = org_counts(&addr);
        let stop = Arc::new(AtomicBool::new(false));
        let done = Arc::new(Mutex::new(Vec::<Instant>::new()));
        let writer = {
            let (stop, done, extra) = (stop.clone(), done.clone(), extra.clone());
            std::thread::spawn(move || {
                for i in 0.. {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    if user_add(&extra, &format!("writer_{i}")) {
                        done.lock().expect("lock").push(Instant::now());
                    }
                }
            })
        };
        let wait_for = |what: &dyn Fn(&[Instant]) -> bool| {
            let until = Instant::now() + Duration::from_secs(120);
            while !what(&done.lock().expect("lock")) {
                assert!(Instant::now() < until, "the writer stalled");
                std::thread::sleep(Duration::from_millis(20));
            }
        };
        wait_for(&|w| !w.is_empty());
        let archive = tempfile::tempdir().expect("tempdir");
        let file = archive.path().join("node.jyb");
        let began = Instant::now();
        let o = run(&["backup", file.to_str().expect("utf-8")], &extra);
        let ended = Instant::now();
        wait_for(&|w| w.iter().any(|t| *t > ended));
        stop.store(true, Ordering::SeqCst);
        writer.join().expect("writer");
        let writes = done.lock().expect("lock").clone();
        assert!(o.status.success(), "{}: {}{}", t.name(), stdout(&o), String::from_utf8_lossy(&o.stderr));
        assert!(
            writes.iter().any(|w| *w < began) && writes.iter().any(|w| *w > ended),
            "{}: the writer wrote before and after the backup ({} writes)",
            t.name(),
            writes.len()
        );
        signal(&server, "-TERM");
        wait_exit(&mut server, Duration::from_secs(20));

        // The archive never holds the key ring: not the file, not a key in base64 or raw.
        let bytes = std::fs::read(&file).expect("archive");
        let secrets = jiuye_security::keyexport::secrets_in_key_file(&key_text);
        assert_eq!(secrets.len(), 7, "the file, the sealing, audit and node keys, each in base64 and raw");
        for s in &secrets {
            assert!(!bytes.windows(s.len()).any(|w| w == s.as_slice()), "{}: key material in the backup", t.name());
        }
        assert!(bytes.windows(31).any(|w| w == b"%PDF-1.4 evidence of a contract"), "the file is in it");

        // The keys go separately, under a passphrase; a short one is refused.
        let keys = archive.path().join("keys.txt");
        let k = keys.to_str().expect("utf-8");
        let o = with_passphrase(&["key", "export", k], &extra, "short");
        assert_eq!(o.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&o.stderr).contains("口令太短"), "{o:?}");
        let o = with_passphrase(&["key", "export", k], &extra, PASSPHRASE);
        assert!(o.status.success(), "{o:?}");
        let exported = std::fs::read_to_string(&keys).expect("exported");
        for s in &secrets {
            assert!(!exported.as_bytes().windows(s.len()).any(|w| w == s.as_slice()));
        }

        // A wrong passphrase restores nothing.
        let r = empty_like(&t).await;
        let target = r.args();
        let restore = ["restore", file.to_str().expect("utf-8"), "--keys", k];
        let o = with_passphrase(&restore, &target, "not the passphrase at all");
        assert_eq!(o.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&o.stderr).contains("口令不对"), "{o:?}");
        assert_eq!(std::fs::read_dir(r.dir.path()).expect("dir").count(), 0, "nothing written");

        let o = with_passphrase(&restore, &target, PASSPHRASE);
        assert!(o.status.success(), "{}: {}{}", t.name(), stdout(&o), String::from_utf8_lossy(&o.stderr));
        assert!(stdout(&o).contains("检查通过"), "{}", stdout(&o));
        assert!(stdout(&o).contains("文件 1 个"), "{}", stdout(&o));

        // Every table holds what the source held; only the writer's tables moved on since.
        let before = table_counts(&t).await;
        let after = table_counts(&r).await;
        assert_eq!(before.keys().collect::<Vec<_>>(), after.keys().collect::<Vec<_>>(), "{}", t.name());
        for (table, n) in &before {
            let m = after[table];
            if ["users", "grants", "audit_log"].contains(&table.as_str()) {
                assert!(m > 0 && m <= *n, "{}: {table} {m} of {n}", t.name());
            } else {
                assert_eq!(m, *n, "{}: {table}", t.name());
            }
        }
        assert!(before["graduates"] == 400 && before["employers"] > 0, "{before:?}");
        for sample in [
            "SELECT student_no || name || gender FROM graduates ORDER BY student_no, name LIMIT 50",
            "SELECT credit_code || name FROM employers ORDER BY credit_code LIMIT 20",
            "SELECT code || name || path FROM orgs ORDER BY code LIMIT 200",
        ] {
            assert_eq!(scalar_rows(&t, sample).await, scalar_rows(&r, sample).await, "{}: {sample}", t.name());
        }
        let restored_users = scalar_rows(&r, "SELECT username FROM users WHERE username LIKE 'writer_%'").await;
        assert!(
            restored_users.len() >= writes.iter().filter(|w| **w < began).count(),
            "{}: every write acknowledged before the backup began is in it",
            t.name()
        );
        assert_eq!(
            std::fs::read(r.dir.path().join("evidence/0a1b.bin")).expect("restored file"),
            b"%PDF-1.4 evidence of a contract"
        );

        // The sealed value opens with the restored key file.
        let restored_keys = std::fs::read_to_string(r.dir.path().join("secret.key")).expect("restored keys");
        assert_eq!(restored_keys, key_text);
        let ring = jiuye_security::seal::KeyRing::parse(&restored_keys).expect("ring");
        let stored = scalar_rows(&r, "SELECT totp_secret FROM users WHERE username = 'sealed_user'").await;
        assert_eq!(ring.open(&stored[0]).expect("open"), b"JBSWY3DPEHPK3PXP");

        for cmd in [&["check"][..], &["audit", "verify"][..]] {
            let o = run(cmd, &target);
            assert!(o.status.success(), "{}: {cmd:?}: {}", t.name(), stdout(&o));
        }
        // The restored node answers the same counts.
        let mut server = spawn(&["serve", "--listen", "127.0.0.1:0"], &target);
        let addr = listening_addr(&mut server);
        assert_eq!(org_counts(&addr), source_counts, "{}", t.name());
        signal(&server, "-TERM");
        wait_exit(&mut server, Duration::from_secs(20));

        // A node with data is never restored over.
        let o = with_passphrase(&restore, &target, PASSPHRASE);
        assert_eq!(o.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&o.stderr).contains("只能恢复到空节点"), "{o:?}");
        r.cleanup().await;
        t.cleanup().await;
    }
}
