//! `jiuye bench reads`: reads per second of the graduate list and a graduate's record over HTTP
//! with the read log on and off (the same server build, the same warm-up, alternating rounds),
//! to show that reading does not wait on logging. Loads the demo province when the database is
//! empty; drives the server with wrk. Prints a table.

use std::path::Path;
use std::sync::Arc;

use jiuye_app::read_log::{ReadLog, WriterSettings};

use super::bench_search::LocalServer;
use super::{DataArgs, data_config, ensure_demo, init_logging, open};
use crate::config::FileConfig;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    data: DataArgs,
    /// Seconds wrk loads each endpoint, per round.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Connections wrk keeps open.
    #[arg(long, default_value_t = 32)]
    connections: u32,
    /// Rounds of (off, on).
    #[arg(long, default_value_t = 2)]
    rounds: u32,
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// wrk's requests per second, p50 and p99 latency, and any error line.
fn wrk(url: &str, token: &str, seconds: u64, connections: u32, dir: &Path) -> Result<[String; 4], String> {
    let script = dir.join("bench-reads.lua");
    std::fs::write(&script, format!("wrk.headers[\"Authorization\"] = \"Bearer {token}\"\n")).map_err(err)?;
    let out = std::process::Command::new("wrk")
        .args(["-t2", &format!("-c{connections}"), &format!("-d{seconds}s"), "--latency", "-s"])
        .arg(&script)
        .arg(url)
        .output()
        .map_err(|e| format!("wrk：{e}"))?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let find = |prefix: &str| {
        text.lines()
            .map(str::trim)
            .find(|l| l.starts_with(prefix))
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap_or("?")
            .to_owned()
    };
    let errors = text
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("Non-2xx") || l.starts_with("Socket errors"))
        .collect::<Vec<_>>()
        .join("; ");
    Ok([find("Requests/sec"), find("50%"), find("99%"), if errors.is_empty() { "none".into() } else { errors }])
}

pub(super) async fn run(a: Args, file: FileConfig) -> Result<(), String> {
    init_logging(file.log_format.as_deref().unwrap_or("text"))?;
    if std::process::Command::new("wrk").arg("--version").output().is_err() {
        return Err("未找到 wrk（Debian：apt-get install wrk）".into());
    }
    let data = data_config(&a.data, &file);
    let (store, rd) = open(&data).await?;
    let keys = Arc::new(crate::config::load_or_create_keys(&data.key_file)?);
    ensure_demo(&store, &rd, &keys, &data.data_dir.join("evidence")).await?;
    let career = store.user_by_username("demo_career").await.map_err(err)?.ok_or("没有演示账号 demo_career")?;
    let token = jiuye_app::accounts::issue_token(&*store, &career, "bench", Some(1)).await.map_err(|e| e.message)?.1;
    let graduate = store.user_by_username("demo_graduate").await.map_err(err)?.ok_or("没有演示账号 demo_graduate")?;
    let grants = store.grants_of(graduate.id).await.map_err(err)?;
    let id = grants.iter().find_map(|g| g.grant.subject_id).ok_or("demo_graduate 没有毕业生记录")?;
    let endpoints = [
        ("GET /api/v1/graduates?limit=50 (list, 50 rows)", "/api/v1/graduates?limit=50".to_owned()),
        ("GET /api/v1/graduates/{id} (one record)", format!("/api/v1/graduates/{id}")),
    ];
    println!(
        "HTTP as demo_career (四川大学), wrk -t2 -c{} -d{}s per cell, after a 3 s warm-up per server; {} rounds",
        a.connections, a.seconds, a.rounds
    );
    println!();
    println!("| round | endpoint | read log | requests/s | p50 | p99 | errors | entries written (batches) | dropped |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for round in 1..=a.rounds {
        for on in [false, true] {
            let log = if on { ReadLog::start(store.clone(), WriterSettings::default()) } else { ReadLog::disabled() };
            let mut settings = jiuye_web::WebSettings::with_keys(keys.clone());
            settings.evidence_dir = data.data_dir.join("evidence");
            settings.read_log = Some(log.clone());
            let server = LocalServer::start(jiuye_web::app(store.clone(), rd.clone(), settings)?).await?;
            let addr = server.addr;
            for (name, path) in &endpoints {
                let url = format!("http://{addr}{path}");
                let before = log.counts();
                let (warm, t, dir) = (url.clone(), token.clone(), data.data_dir.clone());
                let _ = tokio::task::spawn_blocking(move || wrk(&warm, &t, 3, 8, &dir)).await.map_err(err)?;
                let (u, t, dir, secs, conns) = (url, token.clone(), data.data_dir.clone(), a.seconds, a.connections);
                let [rps, p50, p99, errors] =
                    tokio::task::spawn_blocking(move || wrk(&u, &t, secs, conns, &dir)).await.map_err(err)??;
                log.flush().await;
                let after = log.counts();
                let written = if on {
                    format!("{} ({})", after.written - before.written, after.batches - before.batches)
                } else {
                    "—".to_owned()
                };
                let dropped = if on { (after.dropped - before.dropped).to_string() } else { "—".to_owned() };
                let mode = if on { "on" } else { "off" };
                println!("| {round} | {name} | {mode} | {rps} | {p50} | {p99} | {errors} | {written} | {dropped} |");
            }
            server.stop().await?;
            log.close().await;
        }
    }
    Ok(())
}
