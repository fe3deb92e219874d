//! `jiuye bench fair`: a live virtual fair under load. For each run (a baseline with fewer
//! graduates, then the full one) a fresh node is started as its own process (`jiuye serve
//! --demo` on a new data directory and a free port); this process prepares an online fair
//! through the node's database and JSON API (booths, verified employers with approved
//! bookings, graduate accounts with API tokens), then connects every graduate and one
//! recruiter per booth to `GET /api/v1/events/{id}/live` and measures queue operations and chat
//! delivery for a fixed time. Prints one table, a row per run.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use jiuye_domain::access::Role;
use jiuye_domain::employer::Verification;
use jiuye_domain::live::{ClientMsg, Part, RateLimit, ServerMsg};
use jiuye_store::Store;
use jiuye_store::accounts::{NewGrant, NewUser};
use jiuye_store::destinations::GraduateQuery;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use uuid::Uuid;

use super::{DataArgs, data_config, init_logging, open};
use crate::config::{DataConfig, FileConfig};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Graduates connected at once in the measured run.
    #[arg(long, default_value_t = 10_000)]
    attendees: usize,
    /// Booths, each held by one employer whose recruiter is connected.
    #[arg(long, default_value_t = 100)]
    booths: usize,
    /// Seconds measured once everybody is connected and in a chat.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// Graduates of a smaller run first, on a node of its own (0 skips it).
    #[arg(long, default_value_t = 1_000)]
    baseline: usize,
    /// Keep the nodes' data directories (database and node log) instead of removing them.
    #[arg(long)]
    keep: bool,
}

/// How often a graduate in a chat says something.
const CHAT_EVERY: Duration = Duration::from_secs(30);
/// How often a graduate joins (then leaves) a second booth's queue.
const OP_EVERY: Duration = Duration::from_secs(60);
/// How often a recruiter checks whether to call the next graduate.
const CALL_EVERY: Duration = Duration::from_millis(200);
/// New connections a second while connecting.
const RAMP_PER_SECOND: u64 = 2_000;
/// A recruiter's own pace, a little under the node's allowance (5 a second, bursts of 20) so
/// that jitter on the way does not push it over.
const SEND_RATE: f64 = 4.5;
const SEND_BURST: f64 = 18.0;
/// Time allowed for messages in flight once sending stops.
const DRAIN: Duration = Duration::from_secs(3);
const GRADUATE_TEXT: &str = "您好，我想了解一下这个岗位的工作地点和培养方式。";
const RECRUITER_TEXT: &str = "你好，岗位在成都，入职有导师带教，欢迎投递简历。";

/// The phases of a run, as the connections see them.
const SETUP: u8 = 0;
const MEASURE: u8 = 1;
const DRAINING: u8 = 2;
const CLOSE: u8 = 3;

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// The value at quantile `p` of sorted microseconds, in milliseconds.
fn pct_ms(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    f64::from(sorted[i.min(sorted.len() - 1)]) / 1000.0
}

fn ms(v: f64) -> String {
    if v < 10.0 { format!("{v:.2}") } else { format!("{v:.0}") }
}

/// A small fast generator for the random phases (each connection seeds its own).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A duration in [0, d).
    fn below(&mut self, d: Duration) -> Duration {
        Duration::from_micros(self.next() % (d.as_micros() as u64).max(1))
    }
}

/// `kB` fields of `/proc/<pid>/status`, in MiB.
fn proc_status_mib(pid: u32, field: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with(field)).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

/// CPU seconds (user + system) a process has used so far.
fn cpu_seconds(pid: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            // The command name may hold spaces: the fields after it are counted from its ')'.
            let rest = &s[s.rfind(')')? + 2..];
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some(f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?)
        })
        .map(|ticks| ticks / 100.0)
        .unwrap_or(0.0)
}

/// The soft limit on open files of this process (the node inherits it).
fn open_files_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line["Max open files".len()..].split_whitespace().next()?.parse().ok()
}

fn free_port() -> Result<u16, String> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(err)?;
    Ok(l.local_addr().map_err(err)?.port())
}

/// The node under test: `jiuye serve --demo` in a process of its own.
struct Node {
    child: std::process::Child,
    addr: SocketAddr,
    dir: PathBuf,
}

impl Node {
    /// Starts the node on `dir` and waits until it listens (the demo is loaded first).
    async fn start(dir: &Path) -> Result<Node, String> {
        let exe = std::env::current_exe().map_err(|e| format!("找不到本程序：{e}"))?;
        let port = free_port()?;
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let log = std::fs::File::create(dir.join("node.log")).map_err(err)?;
        let out = log.try_clone().map_err(err)?;
        let child = std::process::Command::new(exe)
            .arg("serve")
            .arg("--demo")
            .arg("--data-dir")
            .arg(dir)
            .arg("--listen")
            .arg(addr.to_string())
            .env_remove("JIUYE_CONFIG")
            .env_remove("JIUYE_DATABASE_URL")
            .env_remove("JIUYE_KEY_FILE")
            .stdin(std::process::Stdio::null())
            .stdout(out)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("无法启动节点：{e}"))?;
        let mut node = Node { child, addr, dir: dir.to_owned() };
        let started = Instant::now();
        loop {
            if let Some(status) = node.child.try_wait().map_err(err)? {
                return Err(format!("节点退出（{status}），见 {}", dir.join("node.log").display()));
            }
            if tokio::net::TcpStream::connect(addr).await.is_ok() {
                break;
            }
            if started.elapsed() > Duration::from_secs(1200) {
                return Err(format!("节点 20 分钟内未开始监听，见 {}", dir.join("node.log").display()));
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        eprintln!(
            "节点已在 {addr} 监听（pid {}，启动并载入演示数据用时 {:.0} 秒）。",
            node.pid(),
            started.elapsed().as_secs_f64()
        );
        Ok(node)
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGTERM, then waits for the node to finish (SIGKILL after 30 s).
    async fn stop(mut self) -> Result<(), String> {
        let _ = std::process::Command::new("kill").arg("-TERM").arg(self.pid().to_string()).status();
        let started = Instant::now();
        loop {
            if self.child.try_wait().map_err(err)?.is_some() {
                return Ok(());
            }
            if started.elapsed() > Duration::from_secs(30) {
                eprintln!("节点 30 秒内未退出，强制结束。");
                let _ = self.child.kill();
                let _ = self.child.wait();
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// One HTTP/1.1 request to the node's JSON API with a bearer token; answers the status and the
/// JSON body.
async fn api(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: &str,
    body: Option<&Value>,
) -> Result<(u16, Value), String> {
    let body = body.map(Value::to_string).unwrap_or_default();
    let what = format!("{method} {path}");
    let mut s = tokio::net::TcpStream::connect(addr).await.map_err(|e| format!("{what}：{e}"))?;
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nAccept: application/json\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(request.as_bytes()).await.map_err(|e| format!("{what}：{e}"))?;
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(60), s.read_to_end(&mut buf))
        .await
        .map_err(|_| format!("{what}：60 秒无应答"))?
        .map_err(|e| format!("{what}：{e}"))?;
    let split = memchr::memmem::find(&buf, b"\r\n\r\n").ok_or_else(|| format!("{what}：应答不完整"))?;
    let head = String::from_utf8_lossy(&buf[..split]).to_ascii_lowercase();
    let status: u16 =
        head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).ok_or_else(|| format!("{what}：无法识别的应答"))?;
    let mut payload = buf[split + 4..].to_vec();
    if head.contains("transfer-encoding: chunked") {
        payload = dechunk(&payload);
    }
    let json = if payload.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&payload).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&payload).into()))
    };
    Ok((status, json))
}

/// A chunked HTTP body, joined.
fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = memchr::memmem::find(b, b"\r\n") {
        let size = std::str::from_utf8(&b[..eol])
            .ok()
            .and_then(|s| usize::from_str_radix(s.split(';').next().unwrap_or("").trim(), 16).ok())
            .unwrap_or(0);
        if size == 0 || b.len() < eol + 2 + size {
            break;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + size]);
        b = &b[(eol + 4 + size).min(b.len())..];
    }
    out
}

async fn api_ok(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: &str,
    body: Option<&Value>,
    want: u16,
) -> Result<Value, String> {
    let (status, json) = api(addr, method, path, token, body).await?;
    if status != want {
        return Err(format!("{method} {path}：{status} {json}"));
    }
    Ok(json)
}

/// Runs `f(0..n)` on `workers` tasks; answers the results in order.
async fn pooled<T, F, Fut>(n: usize, workers: usize, f: F) -> Result<Vec<T>, String>
where
    T: Send + 'static,
    F: Fn(usize) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<T, String>> + Send + 'static,
{
    let next = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..workers.max(1))
        .map(|_| {
            let (next, f) = (next.clone(), f.clone());
            tokio::spawn(async move {
                let mut done = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n {
                        break;
                    }
                    match f(i).await {
                        Ok(t) => done.push((i, t)),
                        Err(e) => {
                            // Stops the other workers too.
                            next.store(n, Ordering::Relaxed);
                            return Err(e);
                        }
                    }
                }
                Ok(done)
            })
        })
        .collect();
    let mut all = Vec::with_capacity(n);
    let mut first_error = None;
    for t in tasks {
        match t.await.map_err(err)? {
            Ok(done) => all.extend(done),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    all.sort_by_key(|(i, _)| *i);
    Ok(all.into_iter().map(|(_, t)| t).collect())
}

/// The fair as prepared: its event, booths in order, one recruiter token per booth and one
/// token per graduate.
struct Fair {
    event: Uuid,
    booths: Vec<Uuid>,
    recruiters: Vec<String>,
    graduates: Vec<String>,
    setup: String,
}

const TOKEN_NAME: &str = "bench fair";

/// A new account with one grant and an API token for it.
async fn account(
    store: &Store,
    username: String,
    name: String,
    org: Uuid,
    role: Role,
    subject: Uuid,
) -> Result<String, String> {
    let user = NewUser {
        id: Uuid::now_v7(),
        username,
        display_name: name,
        org_id: org,
        password_hash: "$argon2id$v=19$placeholder".into(),
        must_change_password: false,
    };
    let grant = NewGrant {
        id: Uuid::now_v7(),
        user_id: user.id,
        role,
        org_id: org,
        subject_id: Some(subject),
        created_by: None,
    };
    if !store.create_user(&user, &[grant]).await.map_err(err)? {
        return Err(format!("账号 {} 已存在", user.username));
    }
    let record = store.user_by_id(user.id).await.map_err(err)?.ok_or("新建的账号读不到")?;
    Ok(jiuye_app::accounts::issue_token(&**store, &record, TOKEN_NAME, Some(1)).await.map_err(|e| e.message)?.1)
}

/// Sets up the fair on the running node: the event (API, as demo_province), `booths` verified
/// employers with accounts (store) booking a booth each and approved by the organiser (API),
/// and `attendees` graduate accounts with tokens (store).
async fn prepare(node: &Node, attendees: usize, booths: usize) -> Result<Fair, String> {
    let started = Instant::now();
    let data = data_config(
        &DataArgs { data_dir: Some(node.dir.clone()), database_url: None, key_file: None },
        &FileConfig::default(),
    );
    let store = open_store(&data).await?;
    let province =
        store.org_by_code(&"510000".parse().map_err(err)?).await.map_err(err)?.ok_or("没有演示省份 510000")?;
    let organiser = store.user_by_username("demo_province").await.map_err(err)?.ok_or("没有演示账号 demo_province")?;
    let org_token =
        jiuye_app::accounts::issue_token(&*store, &organiser, TOKEN_NAME, Some(1)).await.map_err(|e| e.message)?.1;

    // The event: an online fair starting shortly (the hall is open while it is upcoming or
    // in progress).
    let starts = chrono::Utc::now() + chrono::Duration::minutes(1);
    let labels: Vec<Value> = (1..=booths).map(|i| json!({"label": format!("B{i:03}")})).collect();
    let body = json!({"org": "510000", "kind": "online_fair", "theme": "none",
        "title": "四川省 2024 届高校毕业生线上双选会", "description": "直播带岗，线上排队与招聘负责人一对一交流",
        "venue": "", "stream_url": "https://live.example.edu.cn/fair", "starts_at": starts,
        "ends_at": starts + chrono::Duration::hours(6), "places": attendees.clamp(1, 100_000),
        "booths": labels, "booths_open": true});
    let ev = api_ok(node.addr, "POST", "/api/v1/events", &org_token, Some(&body), 201).await?;
    let event: Uuid = ev["id"].as_str().and_then(|s| s.parse().ok()).ok_or_else(|| format!("新活动没有 id：{ev}"))?;
    let detail = api_ok(node.addr, "GET", &format!("/api/v1/events/{event}"), &org_token, None, 200).await?;
    let mut listed: Vec<(String, Uuid)> = detail["booths"]
        .as_array()
        .map(|a| {
            a.iter().filter_map(|b| Some((b["label"].as_str()?.to_owned(), b["id"].as_str()?.parse().ok()?))).collect()
        })
        .unwrap_or_default();
    listed.sort();
    let booth_ids: Vec<Uuid> = listed.into_iter().map(|(_, id)| id).collect();
    if booth_ids.len() != booths {
        return Err(format!("活动有 {} 个展位，应为 {booths}", booth_ids.len()));
    }

    // Employers: copies of the demo employer, verified, each with a recruiter account.
    let demo = store.user_by_username("demo_employer").await.map_err(err)?.ok_or("没有演示账号 demo_employer")?;
    let grant = store.grants_of(demo.id).await.map_err(err)?.into_iter().next().ok_or("demo_employer 没有授权")?;
    let model = store
        .employer_by_id(grant.grant.subject_id.ok_or("demo_employer 没有单位")?)
        .await
        .map_err(err)?
        .ok_or("demo_employer 的单位不存在")?;
    let (st, model, by, org) = (store.clone(), Arc::new(model), demo.id, province.id);
    let recruiters = pooled(booths, 4, move |i| {
        let (store, model) = (st.clone(), model.clone());
        async move {
            let mut e = (*model).clone();
            e.id = Uuid::now_v7();
            e.credit_code = format!("91510100MA{i:08}");
            e.name = format!("线上双选会参展单位{:03}", i + 1);
            if !store.insert_employer(&e).await.map_err(err)? {
                return Err(format!("单位 {} 已存在", e.credit_code));
            }
            store.set_verification(&e.credit_code, Verification::Verified, by, None).await.map_err(err)?;
            account(&store, format!("fair_hr_{i}"), format!("招聘负责人{}", i + 1), org, Role::Employer, e.id).await
        }
    })
    .await?;

    // Bookings, one booth each, approved by the organiser.
    let (addr, ids) = (node.addr, Arc::new(booth_ids.clone()));
    let tokens = Arc::new(recruiters.clone());
    let bookings = pooled(booths, 8, move |i| {
        let (ids, tokens) = (ids.clone(), tokens.clone());
        async move {
            let path = format!("/api/v1/events/{event}/booths/{}/bookings", ids[i]);
            let b = api_ok(addr, "POST", &path, &tokens[i], Some(&json!({})), 201).await?;
            b["id"].as_str().map(str::to_owned).ok_or_else(|| format!("预订没有 id：{b}"))
        }
    })
    .await?;
    let (org_token, bookings) = (Arc::new(org_token), Arc::new(bookings));
    pooled(booths, 8, move |i| {
        let (t, bookings) = (org_token.clone(), bookings.clone());
        async move {
            let path = format!("/api/v1/events/{event}/bookings/{}/decision", bookings[i]);
            api_ok(addr, "POST", &path, &t, Some(&json!({"approve": true})), 200).await.map(|_| ())
        }
    })
    .await?;
    let fair_secs = started.elapsed().as_secs_f64();

    // Graduates of the province, the demo graduate left out, each with an account and a token.
    let started = Instant::now();
    let demo_graduate = match store.user_by_username("demo_graduate").await.map_err(err)? {
        Some(u) => store.grants_of(u.id).await.map_err(err)?.into_iter().find_map(|g| g.grant.subject_id),
        None => None,
    };
    let mut graduates = Vec::with_capacity(attendees);
    let mut offset = 0;
    while graduates.len() < attendees {
        let q =
            GraduateQuery { scope_paths: vec![province.path.clone()], limit: 500, offset, ..GraduateQuery::default() };
        let (items, _) = store.list_graduates(&q).await.map_err(err)?;
        if items.is_empty() {
            break;
        }
        offset += items.len() as i64;
        graduates.extend(items.into_iter().map(|g| g.id).filter(|id| Some(*id) != demo_graduate));
    }
    graduates.truncate(attendees);
    if graduates.len() < attendees {
        return Err(format!("演示省份只有 {} 名毕业生，少于 --attendees {attendees}", graduates.len()));
    }
    let bar = indicatif::ProgressBar::new(attendees as u64);
    bar.set_message("毕业生账号");
    let (st, list, b) = (store.clone(), Arc::new(graduates), bar.clone());
    let tokens = pooled(attendees, 8, move |i| {
        let (store, list, bar) = (st.clone(), list.clone(), b.clone());
        async move {
            let view = store.graduate_view(list[i]).await.map_err(err)?.ok_or("毕业生记录不见了")?;
            let programme = view.graduate.programme_id;
            let t = account(&store, format!("fair_g_{i}"), format!("毕业生{i}"), programme, Role::Graduate, list[i])
                .await?;
            bar.inc(1);
            Ok(t)
        }
    })
    .await?;
    bar.finish_and_clear();
    let setup = format!(
        "fair (event, {booths} employers with accounts, bookings approved) {fair_secs:.1} s; {attendees} graduate accounts and tokens {:.1} s",
        started.elapsed().as_secs_f64()
    );
    eprintln!("准备完毕：{setup}");
    Ok(Fair { event, booths: booth_ids, recruiters, graduates: tokens, setup })
}

/// Opens the node's database the way the other commands do (reference data, audit key).
async fn open_store(data: &DataConfig) -> Result<Store, String> {
    Ok(open(data).await?.0)
}

/// What one connection saw, merged after the run.
#[derive(Default)]
struct Tally {
    /// Join/Leave to that booth's Queue, in the measured window (µs).
    queue_us: Vec<u32>,
    /// The first Join of each graduate, while everybody connects (µs).
    ramp_us: Vec<u32>,
    /// Say to the other side's Message (µs), recorded by the receiver.
    chat_us: Vec<u32>,
    queue_ops: u64,
    said: u64,
    /// Keys of this connection's own messages the node acknowledged.
    acked: Vec<u64>,
    /// Keys of messages received, first time, in one of this connection's chats.
    delivered: Vec<u64>,
    duplicates: u64,
    misdelivered: u64,
    /// Own messages sent back to the sending connection.
    echoed: u64,
    /// Error frames and failures from the measured window on, by code.
    errors: HashMap<String, u64>,
    /// The same while connecting and calling everybody in.
    setup_errors: HashMap<String, u64>,
    connected: bool,
    /// Closed by the node before the end.
    dropped: bool,
}

fn key(conn: u32, seq: u32) -> u64 {
    (u64::from(conn) << 32) | u64::from(seq)
}

/// `"{conn}-{seq}-{micros}"`.
fn parse_client_id(id: &str) -> Option<(u32, u32, u64)> {
    let mut p = id.split('-');
    let conn = p.next()?.parse().ok()?;
    let seq = p.next()?.parse().ok()?;
    let at = p.next()?.parse().ok()?;
    Some((conn, seq, at))
}

/// What every connection shares with the coordinator.
struct Shared {
    base: Instant,
    addr: SocketAddr,
    path: String,
    booths: Vec<Uuid>,
    /// Connections that got their Welcome.
    welcomed: AtomicUsize,
    /// Connections that failed or were refused.
    failed: AtomicUsize,
    /// Graduates whose first booth's chat started.
    in_chat: AtomicUsize,
}

impl Shared {
    fn now_us(&self) -> u64 {
        self.base.elapsed().as_micros() as u64
    }
}

type Ws = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

/// One live connection and its bookkeeping.
struct Conn {
    id: u32,
    ws: Ws,
    sh: Arc<Shared>,
    user: Uuid,
    /// (chat, booth) of the chats this connection takes part in.
    chats: Vec<(Uuid, Uuid)>,
    seen: HashSet<u64>,
    seq: u32,
    phase: u8,
    t: Tally,
}

fn count(map: &mut HashMap<String, u64>, code: &str) {
    match map.get_mut(code) {
        Some(n) => *n += 1,
        None => {
            map.insert(code.to_owned(), 1);
        }
    }
}

async fn connect(sh: &Shared, token: &str) -> Result<Ws, String> {
    let stream = tokio::net::TcpStream::connect(sh.addr).await.map_err(|e| {
        if e.raw_os_error() == Some(24) { "connect_emfile".to_owned() } else { format!("connect: {}", e.kind()) }
    })?;
    let _ = stream.set_nodelay(true);
    let mut req = format!("ws://{}{}", sh.addr, sh.path).into_client_request().map_err(err)?;
    let value = format!("Bearer {token}").parse().map_err(err)?;
    req.headers_mut().insert("authorization", value);
    match tokio_tungstenite::client_async(req, stream).await {
        Ok((ws, _)) => Ok(ws),
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => Err(format!("upgrade_http_{}", r.status().as_u16())),
        Err(e) => Err(format!("upgrade: {e}")),
    }
}

impl Conn {
    fn error(&mut self, code: &str) {
        let map = if self.phase == SETUP { &mut self.t.setup_errors } else { &mut self.t.errors };
        count(map, code);
    }

    async fn send(&mut self, m: &ClientMsg) {
        let text = serde_json::to_string(m).unwrap_or_default();
        if self.ws.send(Message::text(text)).await.is_err() {
            self.error("send_failed");
        }
    }

    /// Says something in `chat`, with the send time in the client id.
    async fn say(&mut self, chat: Uuid, text: &str) {
        self.seq += 1;
        let client_id = format!("{}-{}-{}", self.id, self.seq, self.sh.now_us());
        self.t.said += 1;
        self.send(&ClientMsg::Say { chat, text: text.to_owned(), client_id }).await;
    }

    /// A Message frame: counts it once, for the right person; true when it is a new message
    /// from the other side of one of this connection's chats.
    fn receive(&mut self, chat: Uuid, from: Uuid, client_id: &str) -> bool {
        let Some((conn, seq, at)) = parse_client_id(client_id) else {
            self.t.misdelivered += 1;
            return false;
        };
        if conn == self.id || from == self.user {
            self.t.echoed += 1;
            return false;
        }
        if !self.chats.iter().any(|(c, _)| *c == chat) {
            self.t.misdelivered += 1;
            return false;
        }
        let k = key(conn, seq);
        if !self.seen.insert(k) {
            self.t.duplicates += 1;
            return false;
        }
        self.t.delivered.push(k);
        self.t.chat_us.push(self.sh.now_us().saturating_sub(at).min(u64::from(u32::MAX)) as u32);
        true
    }

    fn acked(&mut self, client_id: &str) {
        match parse_client_id(client_id) {
            Some((conn, seq, _)) if conn == self.id => self.t.acked.push(key(conn, seq)),
            _ => self.error("ack_unknown"),
        }
    }

    /// The next text frame as a server message; None when the connection ended.
    fn on_frame(
        &mut self,
        m: Option<Result<Message, tokio_tungstenite::tungstenite::Error>>,
    ) -> Option<Option<ServerMsg>> {
        match m {
            Some(Ok(Message::Text(text))) => match serde_json::from_str::<ServerMsg>(text.as_str()) {
                Ok(msg) => Some(Some(msg)),
                Err(_) => {
                    self.error("unreadable_frame");
                    Some(None)
                }
            },
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => {
                if self.phase < CLOSE {
                    self.t.dropped = true;
                    self.error("closed_by_node");
                }
                None
            }
            Some(Ok(_)) => Some(None),
        }
    }
}

/// A Join or Leave waiting for its Queue.
#[derive(Clone, Copy)]
struct Pending {
    booth: Uuid,
    join: bool,
    at_us: u64,
    measured: bool,
}

fn far_interval(every: Duration) -> tokio::time::Interval {
    tokio::time::interval_at(tokio::time::Instant::now() + Duration::from_secs(365 * 86_400), every)
}

fn phased(rng: &mut Rng, every: Duration) -> tokio::time::Interval {
    let mut i = tokio::time::interval_at(tokio::time::Instant::now() + rng.below(every), every);
    i.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    i
}

/// A graduate: joins the queue of booth `i % booths`; once measuring, says something every 30 s
/// in a chat and joins or leaves a second booth's queue every 60 s.
async fn graduate(id: u32, i: usize, token: String, sh: Arc<Shared>, mut phase: watch::Receiver<u8>) -> Tally {
    let ws = match connect(&sh, &token).await {
        Ok(ws) => ws,
        Err(e) => {
            sh.failed.fetch_add(1, Ordering::Relaxed);
            let mut t = Tally::default();
            count(&mut t.setup_errors, &e);
            return t;
        }
    };
    drop(token);
    let primary = sh.booths[i % sh.booths.len()];
    let mut c = Conn {
        id,
        ws,
        sh: sh.clone(),
        user: Uuid::nil(),
        chats: Vec::new(),
        seen: HashSet::new(),
        seq: 0,
        phase: *phase.borrow_and_update(),
        t: Tally { connected: true, ..Tally::default() },
    };
    let mut rng = Rng(0x5EED ^ u64::from(id).wrapping_mul(0x2545_F491_4F6C_DD1D));
    let mut pending: Option<Pending> = None;
    let mut in_primary = false;
    let mut welcomed = false;
    // The second booth and whether this graduate waits in its queue.
    let mut second: Option<Uuid> = None;
    let mut second_queued = false;
    let mut talk = far_interval(CHAT_EVERY);
    let mut ops = far_interval(OP_EVERY);
    let mut turn = 0usize;
    loop {
        let measuring = c.phase == MEASURE;
        tokio::select! {
            m = c.ws.next() => {
                let Some(frame) = c.on_frame(m) else { break };
                let Some(msg) = frame else { continue };
                match msg {
                    ServerMsg::Welcome { user, role, .. } => {
                        c.user = user;
                        if role != Part::Graduate {
                            c.error("wrong_role");
                        }
                        if !welcomed {
                            welcomed = true;
                            sh.welcomed.fetch_add(1, Ordering::Relaxed);
                            pending = Some(Pending { booth: primary, join: true, at_us: sh.now_us(), measured: false });
                            c.send(&ClientMsg::Join { booth: primary }).await;
                        }
                    }
                    ServerMsg::Queue { booth, position, .. } => {
                        if let Some(p) = pending.filter(|p| p.booth == booth && p.join == (position >= 1)) {
                            let took = sh.now_us().saturating_sub(p.at_us).min(u64::from(u32::MAX)) as u32;
                            if p.measured {
                                c.t.queue_us.push(took);
                            } else {
                                c.t.ramp_us.push(took);
                            }
                            pending = None;
                        } else if Some(booth) == second && position == 0 {
                            second_queued = false;
                        }
                    }
                    ServerMsg::ChatStarted { chat, booth, .. } => {
                        c.chats.push((chat, booth));
                        if booth == primary && !in_primary {
                            in_primary = true;
                            sh.in_chat.fetch_add(1, Ordering::Relaxed);
                        }
                        if Some(booth) == second {
                            second_queued = false;
                        }
                    }
                    ServerMsg::ChatEnded { chat, .. } => c.chats.retain(|(x, _)| *x != chat),
                    ServerMsg::Message { chat, from, client_id, .. } => {
                        c.receive(chat, from, &client_id);
                    }
                    ServerMsg::Ack { client_id, .. } => c.acked(&client_id),
                    ServerMsg::Error { code, .. } => c.error(&code),
                    ServerMsg::Removed => c.error("removed"),
                    ServerMsg::Muted { .. } => c.error("muted"),
                    _ => {}
                }
            }
            _ = talk.tick(), if measuring => {
                if !c.chats.is_empty() {
                    let chat = c.chats[turn % c.chats.len()].0;
                    turn += 1;
                    c.say(chat, GRADUATE_TEXT).await;
                }
            }
            _ = ops.tick(), if measuring => {
                if pending.take().is_some() {
                    c.error("queue_no_answer");
                }
                let (booth, join) = match second {
                    Some(b) if second_queued => (b, false),
                    _ => {
                        // A booth other than the first that this graduate is not chatting with.
                        let n = sh.booths.len();
                        let Some(b) = (1..n)
                            .map(|k| sh.booths[(i + k) % n])
                            .find(|b| !c.chats.iter().any(|(_, x)| x == b))
                        else {
                            continue;
                        };
                        (b, true)
                    }
                };
                second = Some(booth);
                second_queued = join;
                c.t.queue_ops += 1;
                pending = Some(Pending { booth, join, at_us: sh.now_us(), measured: true });
                let m = if join { ClientMsg::Join { booth } } else { ClientMsg::Leave { booth } };
                c.send(&m).await;
            }
            r = phase.changed() => {
                if r.is_err() {
                    break;
                }
                c.phase = *phase.borrow_and_update();
                if c.phase == MEASURE {
                    talk = phased(&mut rng, CHAT_EVERY);
                    ops = phased(&mut rng, OP_EVERY);
                }
                if c.phase >= CLOSE {
                    let _ = c.ws.close(None).await;
                    break;
                }
            }
        }
    }
    if pending.is_some_and(|p| p.measured) {
        c.error("queue_no_answer");
    }
    if !welcomed {
        sh.failed.fetch_add(1, Ordering::Relaxed);
    }
    c.t
}

/// A recruiter: holds up to `cap` chats, calls the next graduate whenever someone waits and a
/// chat is free, and answers each message with one reply while measuring.
async fn recruiter(id: u32, token: String, cap: u32, sh: Arc<Shared>, mut phase: watch::Receiver<u8>) -> Tally {
    let ws = match connect(&sh, &token).await {
        Ok(ws) => ws,
        Err(e) => {
            sh.failed.fetch_add(1, Ordering::Relaxed);
            let mut t = Tally::default();
            count(&mut t.setup_errors, &e);
            return t;
        }
    };
    let mut c = Conn {
        id,
        ws,
        sh: sh.clone(),
        user: Uuid::nil(),
        chats: Vec::new(),
        seen: HashSet::new(),
        seq: 0,
        phase: *phase.borrow_and_update(),
        t: Tally { connected: true, ..Tally::default() },
    };
    let mut welcomed = false;
    let mut ready = false;
    let mut waiting = 0u32;
    let mut calling: Option<u64> = None;
    // The node allows 5 messages a second with bursts of 20 per connection: replies wait here
    // for their turn, and calls are made only within that allowance.
    let mut limit = RateLimit::new(SEND_RATE, SEND_BURST, 0);
    let mut replies: VecDeque<Uuid> = VecDeque::new();
    let mut tick = tokio::time::interval(CALL_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let mut call = false;
        tokio::select! {
            m = c.ws.next() => {
                let Some(frame) = c.on_frame(m) else { break };
                let Some(msg) = frame else { continue };
                match msg {
                    ServerMsg::Welcome { user, role, .. } => {
                        c.user = user;
                        if role != Part::Recruiter {
                            c.error("wrong_role");
                        }
                        if !welcomed {
                            welcomed = true;
                            sh.welcomed.fetch_add(1, Ordering::Relaxed);
                            limit = RateLimit::new(SEND_RATE, SEND_BURST, (sh.now_us() / 1000) as i64);
                            limit.allow((sh.now_us() / 1000) as i64);
                            c.send(&ClientMsg::SetCapacity { max_chats: cap }).await;
                        }
                    }
                    ServerMsg::BoothState { waiting: w, max_chats, .. } => {
                        waiting = w;
                        ready |= max_chats == cap;
                        call = true;
                    }
                    ServerMsg::ChatStarted { chat, booth, .. } => {
                        c.chats.push((chat, booth));
                        waiting = waiting.saturating_sub(1);
                        calling = None;
                        call = true;
                    }
                    ServerMsg::ChatEnded { chat, .. } => c.chats.retain(|(x, _)| *x != chat),
                    ServerMsg::Message { chat, from, client_id, .. } => {
                        let new = c.receive(chat, from, &client_id);
                        if new && c.phase == MEASURE {
                            replies.push_back(chat);
                        }
                    }
                    ServerMsg::Ack { client_id, .. } => c.acked(&client_id),
                    ServerMsg::Error { code, .. } => {
                        if code == "queue_empty" {
                            waiting = 0;
                        }
                        if matches!(code.as_str(), "queue_empty" | "chats_full" | "queue_paused" | "rate_limited") {
                            calling = None;
                        }
                        c.error(&code);
                    }
                    _ => {}
                }
            }
            _ = tick.tick() => call = true,
            r = phase.changed() => {
                if r.is_err() {
                    break;
                }
                c.phase = *phase.borrow_and_update();
                if c.phase >= CLOSE {
                    let _ = c.ws.close(None).await;
                    break;
                }
            }
        }
        let now = sh.now_us();
        let now_ms = (now / 1000) as i64;
        if c.phase != MEASURE {
            replies.clear();
        }
        while let Some(&chat) = replies.front() {
            if !limit.allow(now_ms) {
                break;
            }
            replies.pop_front();
            c.say(chat, RECRUITER_TEXT).await;
        }
        // One call at a time: the next once the node answered this one (or after 2 s).
        let free = calling.is_none_or(|at| now.saturating_sub(at) > 2_000_000);
        if call
            && ready
            && free
            && replies.is_empty()
            && waiting > 0
            && (c.chats.len() as u32) < cap
            && c.phase <= MEASURE
            && limit.allow(now_ms)
        {
            calling = Some(now);
            c.send(&ClientMsg::CallNext).await;
        }
    }
    if !welcomed {
        sh.failed.fetch_add(1, Ordering::Relaxed);
    }
    c.t
}

/// One run's results.
struct Run {
    attendees: usize,
    booths: usize,
    connections: usize,
    connected: usize,
    queue_us: Vec<u32>,
    ramp_us: Vec<u32>,
    chat_us: Vec<u32>,
    queue_sent: u64,
    said: u64,
    acked: usize,
    delivered: usize,
    lost: usize,
    delivered_unacked: usize,
    duplicates: u64,
    misdelivered: u64,
    echoed: u64,
    dropped: usize,
    errors: BTreeMap<String, u64>,
    setup_errors: BTreeMap<String, u64>,
    rss_mib: f64,
    hwm_mib: f64,
    node_cpu: f64,
    load_cpu: f64,
    measured_secs: f64,
    connect_secs: f64,
    chats_secs: f64,
    in_chat: usize,
    expected_in_chat: usize,
    setup: String,
}

impl Run {
    fn errors_total(&self) -> u64 {
        self.errors.values().sum::<u64>() + self.setup_errors.values().sum::<u64>()
    }
}

/// Graduates that can be in a chat with their first booth at once: each booth's recruiter holds
/// `cap` chats.
fn callable(attendees: usize, booths: usize, cap: u32) -> usize {
    (0..booths).map(|b| (attendees / booths + usize::from(b < attendees % booths)).min(cap as usize)).sum()
}

/// Connects everybody, waits for the chats, measures for `seconds`, closes.
async fn load(node: &Node, fair: Fair, attendees: usize, seconds: u64) -> Result<Run, String> {
    let booths = fair.booths.len();
    let cap = attendees.div_ceil(booths).clamp(1, jiuye_domain::live::MAX_CHATS as usize) as u32;
    let expected_in_chat = callable(attendees, booths, cap);
    let sh = Arc::new(Shared {
        base: Instant::now(),
        addr: node.addr,
        path: format!("/api/v1/events/{}/live", fair.event),
        booths: fair.booths.clone(),
        welcomed: AtomicUsize::new(0),
        failed: AtomicUsize::new(0),
        in_chat: AtomicUsize::new(0),
    });
    let (phase_tx, phase_rx) = watch::channel(SETUP);
    let connections = booths + attendees;
    eprintln!("正在连接 {booths} 名招聘负责人和 {attendees} 名毕业生（每秒 {RAMP_PER_SECOND} 个）……");
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(connections);
    for (b, token) in fair.recruiters.into_iter().enumerate() {
        tasks.push(tokio::spawn(recruiter(b as u32, token, cap, sh.clone(), phase_rx.clone())));
    }
    let ramp_start = tokio::time::Instant::now();
    for (i, token) in fair.graduates.into_iter().enumerate() {
        if i % 20 == 0 {
            tokio::time::sleep_until(ramp_start + Duration::from_micros(i as u64 * 1_000_000 / RAMP_PER_SECOND)).await;
        }
        tasks.push(tokio::spawn(graduate((booths + i) as u32, i, token, sh.clone(), phase_rx.clone())));
    }
    // Everybody in (or refused), then everybody callable in a chat.
    let mut last = (0, 0, Instant::now());
    let mut connect_secs = 0.0;
    loop {
        let (w, f, n) = (
            sh.welcomed.load(Ordering::Relaxed),
            sh.failed.load(Ordering::Relaxed),
            sh.in_chat.load(Ordering::Relaxed),
        );
        if w + f >= connections && connect_secs == 0.0 {
            connect_secs = started.elapsed().as_secs_f64();
        }
        if w + f >= connections && n >= expected_in_chat.min(w.saturating_sub(booths)) {
            break;
        }
        if (w + f, n) != (last.0, last.1) {
            last = (w + f, n, Instant::now());
        } else if last.2.elapsed() > Duration::from_secs(60) {
            eprintln!("60 秒没有进展：已连接 {w}，失败 {f}，进入对话 {n}/{expected_in_chat}；开始计时。");
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let chats_secs = started.elapsed().as_secs_f64();
    let in_chat = sh.in_chat.load(Ordering::Relaxed);
    eprintln!(
        "已连接 {}/{connections}，{in_chat} 名毕业生在对话中（用时 {chats_secs:.1} 秒）；计时 {seconds} 秒……",
        sh.welcomed.load(Ordering::Relaxed)
    );
    let node_pid = node.pid().to_string();
    let (node_cpu0, load_cpu0) = (cpu_seconds(&node_pid), cpu_seconds("self"));
    let window = Instant::now();
    let _ = phase_tx.send(MEASURE);
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let measured_secs = window.elapsed().as_secs_f64();
    let rss_mib = proc_status_mib(node.pid(), "VmRSS:");
    let hwm_mib = proc_status_mib(node.pid(), "VmHWM:");
    let node_cpu = cpu_seconds(&node_pid) - node_cpu0;
    let load_cpu = cpu_seconds("self") - load_cpu0;
    let _ = phase_tx.send(DRAINING);
    tokio::time::sleep(DRAIN).await;
    let _ = phase_tx.send(CLOSE);

    let mut run = Run {
        attendees,
        booths,
        connections,
        connected: 0,
        queue_us: Vec::new(),
        ramp_us: Vec::new(),
        chat_us: Vec::new(),
        queue_sent: 0,
        said: 0,
        acked: 0,
        delivered: 0,
        lost: 0,
        delivered_unacked: 0,
        duplicates: 0,
        misdelivered: 0,
        echoed: 0,
        dropped: 0,
        errors: BTreeMap::new(),
        setup_errors: BTreeMap::new(),
        rss_mib,
        hwm_mib,
        node_cpu,
        load_cpu,
        measured_secs,
        connect_secs,
        chats_secs,
        in_chat,
        expected_in_chat,
        setup: fair.setup,
    };
    let mut acked = HashSet::new();
    let mut delivered = HashSet::new();
    for t in tasks {
        let t = match tokio::time::timeout(Duration::from_secs(30), t).await {
            Ok(Ok(t)) => t,
            _ => {
                count_btree(&mut run.errors, "task_lost", 1);
                continue;
            }
        };
        run.connected += usize::from(t.connected);
        run.dropped += usize::from(t.dropped);
        run.queue_us.extend(t.queue_us);
        run.ramp_us.extend(t.ramp_us);
        run.chat_us.extend(t.chat_us);
        run.queue_sent += t.queue_ops;
        run.said += t.said;
        acked.extend(t.acked);
        for k in t.delivered {
            if !delivered.insert(k) {
                // Delivered to two connections.
                run.duplicates += 1;
            }
        }
        run.duplicates += t.duplicates;
        run.misdelivered += t.misdelivered;
        run.echoed += t.echoed;
        for (code, n) in t.errors {
            count_btree(&mut run.errors, &code, n);
        }
        for (code, n) in t.setup_errors {
            count_btree(&mut run.setup_errors, &code, n);
        }
    }
    run.acked = acked.len();
    run.delivered = delivered.len();
    run.lost = acked.difference(&delivered).count();
    run.delivered_unacked = delivered.difference(&acked).count();
    for v in [&mut run.queue_us, &mut run.ramp_us, &mut run.chat_us] {
        v.sort_unstable();
    }
    Ok(run)
}

fn count_btree(map: &mut BTreeMap<String, u64>, code: &str, n: u64) {
    *map.entry(code.to_owned()).or_insert(0) += n;
}

fn codes(map: &BTreeMap<String, u64>) -> String {
    if map.is_empty() {
        return "none".into();
    }
    map.iter().map(|(c, n)| format!("{c} {n}")).collect::<Vec<_>>().join(", ")
}

/// One run on a fresh node in `dir`.
async fn one_run(dir: &Path, attendees: usize, booths: usize, seconds: u64) -> Result<Run, String> {
    let node = Node::start(dir).await?;
    let result = async {
        let fair = prepare(&node, attendees, booths).await?;
        load(&node, fair, attendees, seconds).await
    }
    .await;
    node.stop().await?;
    result
}

pub(super) async fn run(a: Args, file: FileConfig) -> Result<(), String> {
    init_logging(file.log_format.as_deref().unwrap_or("text"))?;
    if a.booths < 2 {
        return Err("--booths 至少为 2（毕业生还会排第二个展位的队）".into());
    }
    if a.attendees == 0 {
        return Err("--attendees 至少为 1".into());
    }
    let mut sizes = Vec::new();
    if a.baseline > 0 {
        sizes.push(a.baseline);
    }
    sizes.push(a.attendees);
    let needed = (a.attendees + a.booths) as u64 + 200;
    match open_files_limit() {
        Some(n) if n < needed => eprintln!(
            "注意：每个进程最多可打开 {n} 个文件，少于 {needed}（连接数加余量）；连接可能失败（connect_emfile）。"
        ),
        _ => {}
    }
    let mut runs = Vec::new();
    for (k, &attendees) in sizes.iter().enumerate() {
        let dir = std::env::temp_dir().join(format!("jiuye-bench-fair-{}-{k}-{attendees}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("无法创建 {}：{e}", dir.display()))?;
        eprintln!("第 {} 轮：{attendees} 名毕业生，{} 个展位，数据目录 {}", k + 1, a.booths, dir.display());
        let result = one_run(&dir, attendees, a.booths, a.seconds).await;
        if a.keep {
            eprintln!("数据目录保留在 {}（节点日志 node.log）", dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&dir);
        }
        runs.push(result?);
    }

    println!();
    println!(
        "Live fair: one node process (jiuye serve --demo, SQLite), this process as the load generator; {} s measured \
         after everybody connected ({RAMP_PER_SECOND}/s) and was called into a chat; each graduate says something \
         every {} s and joins or leaves a second booth's queue every {} s (random phases); recruiters answer every \
         message once",
        a.seconds,
        CHAT_EVERY.as_secs(),
        OP_EVERY.as_secs()
    );
    println!();
    println!(
        "| attendees | booths | connections ok | queue ops | queue p50 ms | queue p99 ms | messages sent | delivered | \
         chat p50 ms | chat p99 ms | node RSS MiB | errors |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for r in &runs {
        println!(
            "| {} | {} | {}/{} | {} | {} | {} | {} | {} | {} | {} | {:.0} | {} |",
            r.attendees,
            r.booths,
            r.connected,
            r.connections,
            r.queue_us.len(),
            ms(pct_ms(&r.queue_us, 0.5)),
            ms(pct_ms(&r.queue_us, 0.99)),
            r.acked,
            r.delivered,
            ms(pct_ms(&r.chat_us, 0.5)),
            ms(pct_ms(&r.chat_us, 0.99)),
            r.rss_mib,
            r.errors_total()
        );
    }
    println!();
    for r in &runs {
        println!(
            "{} attendees: setup: {}; connected and {}/{} graduates in a chat after {:.1} s (ramp {:.1} s); \
             first joins while connecting p50 {} ms, p99 {} ms; queue operations sent {}, answered {}; Say frames sent {}, acknowledged {}, delivered {}, \
             lost {}, delivered without an ack {}, duplicates {}, misdelivered {}, echoed to the sender {}; \
             connections closed by the node {}; errors while measuring: {}; while connecting: {}; \
             node VmHWM {:.0} MiB, node CPU {:.0}% and load generator CPU {:.0}% of one core over {:.0} s",
            r.attendees,
            r.setup,
            r.in_chat,
            r.expected_in_chat,
            r.chats_secs,
            r.connect_secs,
            ms(pct_ms(&r.ramp_us, 0.5)),
            ms(pct_ms(&r.ramp_us, 0.99)),
            r.queue_sent,
            r.queue_us.len(),
            r.said,
            r.acked,
            r.delivered,
            r.lost,
            r.delivered_unacked,
            r.duplicates,
            r.misdelivered,
            r.echoed,
            r.dropped,
            codes(&r.errors),
            codes(&r.setup_errors),
            r.hwm_mib,
            100.0 * r.node_cpu / r.measured_secs.max(1e-9),
            100.0 * r.load_cpu / r.measured_secs.max(1e-9),
            r.measured_secs
        );
        println!();
    }
    if let Some(r) = runs.last() {
        let (q, c) = (pct_ms(&r.queue_us, 0.99), pct_ms(&r.chat_us, 0.99));
        let yes = |v: f64| if v < 100.0 { "yes" } else { "no" };
        println!(
            "Target p99 < 100 ms at {} attendees: queue operations p99 {} ms ({}), chat delivery p99 {} ms ({}).",
            r.attendees,
            ms(q),
            yes(q),
            ms(c),
            yes(c)
        );
    }
    Ok(())
}
