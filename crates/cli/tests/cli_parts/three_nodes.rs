//! Three nodes as separate processes on loopback: a university (SQLite), its province and the
//! nation (PostgreSQL databases of their own when `DATABASE_URL` is set), peered university →
//! province → nation, each set up from the shell while it runs. A posting the university
//! shares with its province is found at the nation within 60 s and its withdrawal removes it
//! everywhere within 60 s; with the province stopped the university keeps publishing (100
//! postings), and once the province is back all three converge with no duplicate and no loss.
//! The nation's placement figure for the province is the sum of its universities' own counts.
//! On PostgreSQL a second province process serves the province's database (as behind a load
//! balancer): a posting written through either process is found through the other.
//!
//! Slow (three demo loads), so it runs in a CI step of its own: only when `JIUYE_THREE_NODES`
//! is set.

use std::io::Write;
use std::net::TcpStream;
use std::process::Child;
use std::time::{Duration, Instant};

use super::{
    Target, empty_like, fresh_pg, listening_addr, read_response, run, signal, spawn, stderr_tail, stdout, wait_exit,
};

/// An HTTP/1.1 request with a bearer token and an optional JSON body: (status, body).
fn http(addr: &str, method: &str, path: &str, token: &str, body: Option<&serde_json::Value>) -> (u16, String) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    let body = body.map(serde_json::Value::to_string).unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("write");
    read_response(&mut s)
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

/// A free loopback port (so that a node keeps its address across a restart).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

struct Node {
    target: Target,
    org: &'static str,
    addr: String,
    key: String,
    child: Option<Child>,
}

impl Node {
    fn args(&self) -> Vec<String> {
        self.target.args()
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn start(&mut self) {
        let child = spawn(&["serve", "--demo", "--listen", &self.addr], &self.args());
        let mut child = child;
        let said = listening_addr(&mut child);
        assert_eq!(said, self.addr, "{}", stderr_tail(&child));
        self.child = Some(child);
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            signal(&c, "-TERM");
            let status = wait_exit(&mut c, Duration::from_secs(30));
            assert!(status.success(), "{}: {status:?}", self.org);
        }
    }

    fn jiuye(&self, args: &[&str]) -> String {
        let o = run(args, &self.args());
        assert!(o.status.success(), "{} {args:?}: {}", self.org, String::from_utf8_lossy(&o.stderr));
        stdout(&o)
    }

    fn token(&self, username: &str) -> String {
        self.jiuye(&["token", "create", "--username", username, "--expires-days", "1"]).trim().to_owned()
    }

    fn found(&self, token: &str, q: &str) -> i64 {
        let path = format!("/api/v1/postings/search?q={}", q.bytes().map(|b| format!("%{b:02X}")).collect::<String>());
        let (status, body) = http(&self.addr, "GET", &path, token, None);
        assert_eq!(status, 200, "{}: {body}", self.org);
        json(&body)["total"].as_i64().unwrap_or(-1)
    }

    /// Waits (at most `secs`) until this node finds `q` `want` times.
    fn until_found(&self, token: &str, q: &str, want: i64, secs: u64) {
        let until = Instant::now() + Duration::from_secs(secs);
        loop {
            let n = self.found(token, q);
            if n == want {
                return;
            }
            let status = self.jiuye(&["federation", "status"]);
            assert!(Instant::now() < until, "{}: found {n} of {q}, waited for {want}\n{status}", self.org);
            std::thread::sleep(Duration::from_millis(500));
        }
    }
}

/// Submits a posting as `hr` and approves it as `reviewer` through the node at `addr`; its id.
fn shared_posting(addr: &str, hr: &str, reviewer: &str, title: &str) -> String {
    let deadline = (chrono::Local::now().date_naive() + chrono::Duration::days(30)).to_string();
    let body = serde_json::json!({"title": title, "description": "负责联邦互通联调，五险一金，双休。",
        "region": "510104", "position": "13", "education": "bachelor", "majors": ["0809"], "openings": 2,
        "salary_min": 7000, "salary_max": 11000, "deadline": deadline, "contact": "028-85412345",
        "apply_method": "平台内投递", "visibility": "province", "scope": "510000"});
    let (status, text) = http(addr, "POST", "/api/v1/postings", hr, Some(&body));
    assert_eq!(status, 201, "{text}");
    let id = json(&text)["id"].as_str().expect("id").to_owned();
    let review = serde_json::json!({"decision": "approve", "version": 1});
    let (status, text) = http(addr, "POST", &format!("/api/v1/postings/{id}/review"), reviewer, Some(&review));
    assert_eq!((status, json(&text)["status"].as_str()), (200, Some("approved")), "{text}");
    id
}

#[tokio::test]
async fn three_nodes_share_postings_and_converge_after_a_stop() {
    if std::env::var_os("JIUYE_THREE_NODES").is_none() {
        eprintln!("three_nodes: set JIUYE_THREE_NODES=1 to run (a CI step of its own)");
        return;
    }
    let sqlite = Target { dir: tempfile::tempdir().expect("tempdir"), pg: None };
    let (province_target, nation_target) = match std::env::var("DATABASE_URL") {
        Ok(admin) => (fresh_pg(&admin).await, fresh_pg(&admin).await),
        Err(_) => (empty_like(&sqlite).await, empty_like(&sqlite).await),
    };
    let node = |target: Target, org: &'static str| Node {
        target,
        org,
        addr: format!("127.0.0.1:{}", free_port()),
        key: String::new(),
        child: None,
    };
    let mut u = node(sqlite, "4151010610");
    let mut p = node(province_target, "510000");
    let mut n = node(nation_target, "CN");
    for x in [&mut u, &mut p, &mut n] {
        x.start();
        // Set up while running: the server picks it up within seconds.
        let url = x.url();
        let said = x.jiuye(&["federation", "init", "--org", x.org, "--url", &url]);
        x.key = said.lines().last().expect("key").trim().to_owned();
    }
    let peer = |at: &Node, other: &Node, relation: &str| {
        at.jiuye(&[
            "federation",
            "peer",
            "add",
            "--org",
            other.org,
            "--url",
            &other.url(),
            "--key",
            &other.key,
            "--relation",
            relation,
        ]);
    };
    peer(&u, &p, "parent");
    peer(&p, &u, "child");
    peer(&p, &n, "parent");
    // The nation registers only the province; the province vouches for the university's key.
    peer(&n, &p, "child");

    let hr = u.token("demo_employer");
    let reviewer = u.token("demo_province");
    let p_reader = p.token("demo_graduate");
    let n_reader = n.token("demo_graduate");

    // Shared at the university: at the nation within 60 s; withdrawn: gone everywhere within 60 s.
    let title = "三节点互通测试岗位";
    let id = shared_posting(&u.addr, &hr, &reviewer, title);
    n.until_found(&n_reader, title, 1, 60);
    p.until_found(&p_reader, title, 1, 60);
    let (status, text) = http(
        &u.addr,
        "POST",
        &format!("/api/v1/postings/{id}/withdraw"),
        &hr,
        Some(&serde_json::json!({"version": 2})),
    );
    assert_eq!(status, 200, "{text}");
    n.until_found(&n_reader, title, 0, 60);
    p.until_found(&p_reader, title, 0, 60);

    // The province stops; the university keeps publishing; the province comes back.
    p.stop();
    let batch = "三节点收敛测试岗位";
    for _ in 0..100 {
        shared_posting(&u.addr, &hr, &reviewer, batch);
    }
    p.start();
    p.until_found(&p_reader, batch, 100, 180);
    n.until_found(&n_reader, batch, 100, 180);
    // Still exactly 100 a while later: nothing delivered twice.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!((p.found(&p_reader, batch), n.found(&n_reader, batch)), (100, 100));
    let status = n.jiuye(&["federation", "status"]);
    assert!(status.contains("510000"), "{status}");

    // Figures: reported on demand at the university and the province; the nation's sum for
    // the province equals its universities' own counts (the university's at its own node,
    // the others' at the province, which leaves out the university that runs its own node).
    for x in [&u, &p] {
        let said = x.jiuye(&["federation", "report"]);
        assert!(said.contains("已核对"), "{said}");
    }
    let cohort = 2023;
    let stats = |x: &Node, token: &str, org: &str| {
        let (status, body) =
            http(&x.addr, "GET", &format!("/api/v1/stats/placement?org={org}&cohort={cohort}"), token, None);
        assert_eq!(status, 200, "{body}");
        json(&body)
    };
    let pair = |v: &serde_json::Value| (v["graduates"].as_i64().unwrap_or(-1), v["placed"].as_i64().unwrap_or(-1));
    let mut want = pair(&stats(&u, &u.token("demo_career"), "4151010610"));
    for c in stats(&p, &p.token("demo_province"), "510000")["children"].as_array().expect("children") {
        if c["org"]["code"] != serde_json::json!("4151010610") {
            want = (want.0 + pair(c).0, want.1 + pair(c).1);
        }
    }
    let ministry = n.token("demo_ministry");
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        let (status, body) =
            http(&n.addr, "GET", &format!("/api/v1/stats/federated?org=510000&cohort={cohort}"), &ministry, None);
        assert_eq!(status, 200, "{body}");
        if pair(&json(&body)["total"]) == want {
            break;
        }
        assert!(Instant::now() < until, "the nation's sum for 510000, waited for {want:?}: {body}");
        std::thread::sleep(Duration::from_millis(500));
    }

    // Two province processes on one PostgreSQL database, as behind a load balancer: a posting
    // written through either is found through the other (each follows the other's writes).
    if let Some((_, url)) = p.target.pg.clone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let key = p.target.dir.path().join("secret.key");
        let addr = format!("127.0.0.1:{}", free_port());
        let args = [
            "--data-dir".to_owned(),
            dir.path().display().to_string(),
            "--database-url".to_owned(),
            url,
            "--key-file".to_owned(),
            key.display().to_string(),
        ];
        let mut second = spawn(&["serve", "--listen", &addr], &args);
        assert_eq!(listening_addr(&mut second), addr, "{}", stderr_tail(&second));
        let (hr, reviewer) = (p.token("demo_employer"), p.token("demo_province"));
        let found_at = |at: &str, q: &str| {
            let path =
                format!("/api/v1/postings/search?q={}", q.bytes().map(|b| format!("%{b:02X}")).collect::<String>());
            let (status, body) = http(at, "GET", &path, &p_reader, None);
            assert_eq!(status, 200, "{body}");
            json(&body)["total"].as_i64().unwrap_or(-1)
        };
        for (write, read, title) in [(&p.addr, &addr, "两进程同库甲岗位"), (&addr, &p.addr, "两进程同库乙岗位")]
        {
            shared_posting(write, &hr, &reviewer, title);
            let until = Instant::now() + Duration::from_secs(30);
            while found_at(read, title) != 1 {
                assert!(Instant::now() < until, "written through {write}, not found through {read}: {title}");
                std::thread::sleep(Duration::from_millis(200));
            }
        }
        signal(&second, "-TERM");
        assert!(wait_exit(&mut second, Duration::from_secs(30)).success());
    }

    for mut x in [u, p, n] {
        x.stop();
        x.target.cleanup().await;
    }
}
