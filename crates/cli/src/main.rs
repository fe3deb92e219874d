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

mod config;

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
    DataConfig {
        data_dir: args
            .data_dir
            .clone()
            .or_else(|| file.data_dir.clone())
            .unwrap_or_else(|| PathBuf::from("jiuye-data")),
        database_url: args.database_url.clone().or_else(|| file.database_url.clone()),
    }
}

fn init_logging(format: &str) -> Result<(), String> {
    let filter = tracing_subscriber::EnvFilter::try_from_env("JIUYE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        "json" => builder.json().try_init().map_err(|e| e.to_string()),
        "text" => builder.try_init().map_err(|e| e.to_string()),
        other => Err(format!("未知的日志格式“{other}”，可选 text 或 json")),
    }
}

async fn open(data: &DataConfig) -> Result<(Store, Arc<RefData>), String> {
    let refdata = Arc::new(RefData::load().map_err(|e| format!("内置参考数据有误：{e}"))?);
    let store = jiuye_store::connect(&data.url())
        .await
        .map_err(|e| format!("无法打开数据库 {}：{e}", jiuye_store::redact_url(&data.url())))?;
    store.sync_reference_data(&refdata).await.map_err(|e| format!("载入参考数据失败：{e}"))?;
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
async fn ensure_demo(store: &Store, refdata: &RefData) -> Result<bool, String> {
    let state = store.meta_get(DEMO_STATE).await.map_err(|e| e.to_string())?;
    if state.as_deref() == Some("complete") {
        return Ok(false);
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
    let data = data_config(&args.data, &file);
    let listen = args.listen.clone().or(file.listen.clone()).unwrap_or_else(|| "127.0.0.1:8080".into());
    let addr: SocketAddr = listen.parse().map_err(|_| format!("监听地址“{listen}”无效，应形如 127.0.0.1:8080"))?;
    tracing::info!(config = ?data, %addr, "starting");
    let (store, refdata) = open(&data).await?;
    if args.demo {
        ensure_demo(&store, &refdata).await?;
    }
    let mut settings = jiuye_web::WebSettings::default();
    if let Some(n) = file.body_limit_bytes {
        settings.body_limit = n;
    }
    if let Some(s) = file.request_timeout_secs {
        settings.request_timeout = Duration::from_secs(s);
    }
    if args.demo {
        settings.featured_org = Some("510000".into());
    }
    let app = jiuye_web::app(store.clone(), refdata, settings)?;
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("无法监听 {addr}：{e}"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    println!("jiuye 已启动：http://{local}/");
    if args.demo {
        println!("演示省份：http://{local}/orgs/510000");
        println!(
            "演示登录：本版本尚无账号与登录，所有页面和接口可直接访问（身份与权限模块上线后将在此列出各角色的演示账号）。"
        );
    }
    println!("接口文档：http://{local}/api/openapi.json   健康检查：http://{local}/healthz");
    axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await.map_err(|e| e.to_string())?;
    tracing::info!("stopped");
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
