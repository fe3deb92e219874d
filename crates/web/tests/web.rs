//! The real HTTP application against a real database: SQLite always, PostgreSQL too when
//! `DATABASE_URL` is set (in a fresh schema per test, dropped afterwards).

// The stories' helpers stop at the first surprise, as the tests themselves do.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use jiuye_domain::{RefData, RegionCode};
use jiuye_seed::SeedPlan;
use jiuye_store::Store;
use jiuye_store::postgres::PgStore;
use jiuye_store::sqlite::SqliteStore;
use serde_json::Value;
use tower::ServiceExt;

#[path = "web_parts/awards.rs"]
mod awards;
#[path = "web_parts/calendar.rs"]
mod calendar;
#[path = "web_parts/campaign_records.rs"]
mod campaign_records;
#[path = "web_parts/contests.rs"]
mod contests;
#[path = "web_parts/courses.rs"]
mod courses;
#[path = "web_parts/destinations.rs"]
mod destinations;
#[path = "web_parts/employers.rs"]
mod employers;
#[path = "web_parts/event_pages.rs"]
mod event_pages;
#[path = "web_parts/events.rs"]
mod events;
#[path = "web_parts/federation.rs"]
mod federation;
#[path = "web_parts/federation_delivery.rs"]
mod federation_delivery;
#[path = "web_parts/federation_events.rs"]
mod federation_events;
#[path = "web_parts/federation_figures.rs"]
mod federation_figures;
#[path = "web_parts/federation_hardship.rs"]
mod federation_hardship;
#[path = "web_parts/federation_peers.rs"]
mod federation_peers;
#[path = "web_parts/federation_progress.rs"]
mod federation_progress;
#[path = "web_parts/federation_push.rs"]
mod federation_push;
#[path = "web_parts/federation_tls.rs"]
mod federation_tls;
#[path = "web_parts/followup.rs"]
mod followup;
#[path = "web_parts/graduates.rs"]
mod graduates;
#[path = "web_parts/guidance.rs"]
mod guidance;
#[path = "web_parts/hardship.rs"]
mod hardship;
#[path = "web_parts/holes.rs"]
mod holes;
#[path = "web_parts/identity.rs"]
mod identity;
#[path = "web_parts/language.rs"]
mod language;
#[path = "web_parts/live.rs"]
mod live;
#[path = "web_parts/matching.rs"]
mod matching;
#[path = "web_parts/matching_pages.rs"]
mod matching_pages;
#[path = "web_parts/matrix.rs"]
mod matrix;
#[path = "web_parts/navigation.rs"]
mod navigation;
#[path = "web_parts/occupations.rs"]
mod occupations;
#[path = "web_parts/paging.rs"]
mod paging;
#[path = "web_parts/pickers.rs"]
mod pickers;
#[path = "web_parts/postings.rs"]
mod postings;
#[path = "web_parts/read_log.rs"]
mod read_log;
#[path = "web_parts/replicas.rs"]
mod replicas;
#[path = "web_parts/safety.rs"]
mod safety;
#[path = "web_parts/sealed.rs"]
mod sealed;
#[path = "web_parts/two_processes.rs"]
mod two_processes;
#[path = "web_parts/visits.rs"]
mod visits;
#[path = "web_parts/workbench.rs"]
mod workbench;

pub(crate) struct Fixture {
    pub name: &'static str,
    pub app: Router,
    pub store: Store,
    /// Where the node keeps uploaded files (evidence, visit photos, résumés).
    pub files: std::path::PathBuf,
    /// The application's read log (flush it before looking at what it wrote).
    pub read_log: jiuye_app::read_log::ReadLog,
    /// The node's key ring (tickets are signed with a key derived from it).
    pub keys: Arc<jiuye_security::seal::KeyRing>,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl Fixture {
    /// The PostgreSQL schema the fixture's tables are in (`public` on SQLite, which has none).
    pub fn schema(&self) -> &str {
        self.pg.as_ref().map_or("public", |(_, schema)| schema)
    }

    pub async fn cleanup(self) {
        drop(self.app);
        drop(self.store);
        let _ = std::fs::remove_dir_all(&self.files);
        if let Some((url, schema)) = self.pg {
            PgStore::drop_schema(&url, &schema).await.expect("drop schema");
        }
    }
}

/// The audit key the test stores write their chain with (a node reads its own from the key file).
pub(crate) const AUDIT_KEY: [u8; 32] = [0x5a; 32];

/// A seeded node: the app, the directory of its uploaded files and its read log.
async fn seeded(
    store: Store,
    rd: &Arc<RefData>,
    tweak: fn(&mut jiuye_web::WebSettings),
) -> (Router, std::path::PathBuf, jiuye_app::read_log::ReadLog, Arc<jiuye_security::seal::KeyRing>) {
    // As on a new node: the store holds the audit key and the empty chain is keyed before anything.
    store.set_audit_key(jiuye_security::chain::AuditKey::new(AUDIT_KEY)).expect("audit key");
    store.reanchor_audit("(测试)").await.expect("key the audit chain");
    let plan = SeedPlan {
        seed: 5,
        province: RegionCode::parse("510000").ok(),
        universities: usize::MAX,
        graduates: 3_000,
        employers: 100,
        cohorts: vec![2022, 2023],
    };
    jiuye_seed::run(&*store, rd, &plan, &mut |_, _, _| {}).await.expect("seed");
    jiuye_seed::demo_accounts(&*store, jiuye_security::password::Cost::fast_for_tests()).await.expect("accounts");
    let evidence = std::env::temp_dir().join(format!("jiuye-test-evidence-{}", uuid::Uuid::new_v4().simple()));
    let keys = Arc::new(jiuye_security::seal::KeyRing::generate().expect("keys"));
    jiuye_seed::demo_workflow(&*store, &keys, &evidence).await.expect("demo workflow");
    let mut settings = jiuye_web::WebSettings::with_keys(keys.clone());
    settings.featured_org = Some("510000".into());
    settings.auth.password_cost = jiuye_security::password::Cost::fast_for_tests();
    settings.evidence_dir = evidence;
    let read_log = jiuye_app::read_log::ReadLog::start(store.clone(), Default::default());
    settings.read_log = Some(read_log.clone());
    tweak(&mut settings);
    let files = settings.evidence_dir.clone();
    (jiuye_web::app(store, rd.clone(), settings).expect("app"), files, read_log, keys)
}

pub(crate) async fn fixtures() -> Vec<Fixture> {
    fixtures_with(|_| {}).await
}

pub(crate) async fn fixtures_with(tweak: fn(&mut jiuye_web::WebSettings)) -> Vec<Fixture> {
    let rd = Arc::new(RefData::load().expect("refdata"));
    // PostgreSQL when DATABASE_URL is set (the suite's second pass), SQLite otherwise: each
    // engine is tested once per pass, not twice.
    if let Ok(url) = std::env::var("DATABASE_URL") {
        let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
        // With a streaming replica of that server (the replica step), reads may go to it.
        let replicas: Vec<String> = std::env::var("JIUYE_TEST_READ_DATABASE_URL").into_iter().collect();
        let pg: Store =
            Arc::new(PgStore::connect_with_replicas(&url, Some(&schema), &replicas).await.expect("postgres"));
        let (app, files, read_log, keys) = seeded(pg.clone(), &rd, tweak).await;
        replicas::caught_up(&*pg).await;
        return vec![Fixture {
            name: "postgres",
            app,
            store: pg,
            files,
            read_log,
            keys,
            _dir: None,
            pg: Some((url, schema)),
        }];
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let sqlite: Store = Arc::new(SqliteStore::open(&dir.path().join("jiuye.db")).await.expect("sqlite"));
    let (app, files, read_log, keys) = seeded(sqlite.clone(), &rd, tweak).await;
    vec![Fixture { name: "sqlite", app, store: sqlite, files, read_log, keys, _dir: Some(dir), pg: None }]
}

pub(crate) struct Reply {
    pub status: StatusCode,
    pub content_type: String,
    pub headers: axum::http::HeaderMap,
    pub body: String,
    /// The body as sent (for files).
    pub bytes: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

pub(crate) async fn send(app: &Router, req: Request<Body>) -> Reply {
    let res = app.clone().oneshot(req).await.expect("infallible");
    let status = res.status();
    let headers = res.headers().clone();
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    Reply { status, content_type, headers, body: String::from_utf8_lossy(&bytes).into_owned(), bytes: bytes.to_vec() }
}

pub(crate) async fn get(app: &Router, uri: &str) -> Reply {
    send(app, Request::get(uri).body(Body::empty()).expect("request")).await
}

pub(crate) fn assert_error(r: &Reply, status: u16, code: &str) {
    assert_eq!(r.status.as_u16(), status, "{}", r.body);
    assert!(r.content_type.starts_with("application/json"), "{}", r.content_type);
    let v = r.json();
    assert_eq!(v["error"], code, "{}", r.body);
    assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "{}", r.body);
}

#[tokio::test]
async fn organisation_api_answers_with_tree_and_counts() {
    for f in fixtures().await {
        let r = get(&f.app, "/api/v1/orgs/4151010610").await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", f.name, r.body);
        let v = r.json();
        assert_eq!(v["name"], "四川大学");
        assert_eq!(v["kind"], "university");
        assert_eq!(v["province_code"], "510000");
        assert_eq!(v["path"], "CN/510000/4151010610");
        assert_eq!(v["province"]["code"], "510000");
        assert_eq!(v["parent"]["name"], "四川省");
        assert_eq!(v["school_level"], "undergraduate");
        let children = v["children"].as_array().expect("children");
        assert!(!children.is_empty(), "{}: 四川大学 has colleges", f.name);
        let sum: i64 = children.iter().map(|c| c["counts"]["graduates"].as_i64().unwrap()).sum();
        assert_eq!(sum, v["counts"]["graduates"].as_i64().unwrap(), "{}", f.name);
        assert_eq!(children.len() as i64, v["counts"]["children"].as_i64().unwrap());

        // Walk down to a programme and back up.
        let college = children[0]["code"].as_str().unwrap().to_owned();
        let c = get(&f.app, &format!("/api/v1/orgs/{college}")).await.json();
        assert_eq!(c["kind"], "college");
        let programme = c["children"][0]["code"].as_str().unwrap().to_owned();
        let p = get(&f.app, &format!("/api/v1/orgs/{programme}")).await.json();
        assert_eq!(p["kind"], "programme");
        assert!(p["major_code"].as_str().is_some());
        let path: Vec<&str> = p["ancestors"].as_array().unwrap().iter().map(|a| a["code"].as_str().unwrap()).collect();
        assert_eq!(path, ["CN", "510000", "4151010610", college.as_str()]);

        let nation = get(&f.app, "/api/v1/orgs/CN").await.json();
        assert_eq!(nation["counts"]["graduates"], 3000);
        assert_eq!(nation["children"].as_array().unwrap().len(), 31);

        let list = get(&f.app, "/api/v1/orgs?q=%E6%88%90%E9%83%BD&kind=university&province=510000&limit=5").await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.body);
        let list = list.json();
        assert_eq!(list["items"].as_array().unwrap().len(), 5);
        assert!(list["total"].as_i64().unwrap() > 5);
        f.cleanup().await;
    }
}

#[tokio::test]
async fn bad_input_gets_stable_error_codes_never_500() {
    for f in fixtures().await {
        let app = &f.app;
        assert_error(&get(app, "/api/v1/orgs/41510106").await, 400, "invalid_org_code");
        assert_error(&get(app, "/api/v1/orgs/abc").await, 400, "invalid_org_code");
        assert_error(&get(app, "/api/v1/orgs/4151019999").await, 404, "org_not_found");
        assert_error(&get(app, "/api/v1/orgs/510000-01").await, 400, "invalid_org_code");
        assert_error(&get(app, "/api/v1/orgs/4151010610-99").await, 404, "org_not_found");
        assert_error(&get(app, "/api/v1/nothing-here").await, 404, "not_found");
        assert_error(&get(app, "/api/v1/orgs?limit=abc").await, 400, "invalid_query");
        assert_error(&get(app, "/api/v1/orgs?limit=0").await, 400, "invalid_query");
        assert_error(&get(app, "/api/v1/orgs?kind=planet").await, 400, "invalid_query");
        assert_error(&get(app, "/api/v1/orgs?province=510100").await, 400, "invalid_query");
        assert_error(&get(app, "/api/v1/ref/planets").await, 404, "unknown_catalogue");
        assert_error(&get(app, "/api/v1/ref/destinations/99").await, 404, "ref_entry_not_found");
        assert_error(&get(app, "/api/v1/ref/regions?offset=-1").await, 400, "invalid_query");
        let post = Request::builder().method(Method::POST).uri("/api/v1/orgs/CN").body(Body::empty()).unwrap();
        let r = send(app, post).await;
        assert_error(&r, 405, "method_not_allowed");
        assert_eq!(r.headers.get(header::ALLOW).map(|v| v.to_str().unwrap()), Some("GET,HEAD"));
        let big = Request::builder()
            .method(Method::POST)
            .uri("/api/v1/orgs")
            .header(header::CONTENT_LENGTH, 25 * 1024 * 1024)
            .body(Body::from(vec![b'x'; 25 * 1024 * 1024]))
            .unwrap();
        assert_error(&send(app, big).await, 413, "payload_too_large");
        // The extractors' refusals of a JSON body, in the error shape.
        let body = |content_type: &str, text: &'static str| {
            Request::builder()
                .method(Method::POST)
                .uri("/api/v1/session")
                .header(header::CONTENT_TYPE, content_type)
                .body(Body::from(text))
                .unwrap()
        };
        assert_error(&send(app, body("text/plain", "{}")).await, 415, "unsupported_media_type");
        assert_error(&send(app, body("application/json", "{\"username\": ")).await, 400, "bad_request");
        assert_error(&send(app, body("application/json", "{\"username\": 1}")).await, 422, "unprocessable_entity");

        let long = format!("/api/v1/orgs/{}", "9".repeat(5000));
        for uri in [
            "/orgs/%00",
            "/api/v1/orgs/%FF%FE",
            "/api/v1/orgs/CN-01",
            "/api/v1/orgs/AL",
            "/api/v1/ref/regions?level=999",
            "/api/v1/ref/regions?q=%25%5F%5C",
            "/ref/regions?page=0",
            "/ref/regions?page=99999",
            "/ref/regions?parent=ZZZ",
            "/orgs/search?q=%27%3B%20DROP%20TABLE%20orgs%3B--",
            "/lang/xx",
            long.as_str(),
        ] {
            let r = get(app, uri).await;
            assert!(r.status.as_u16() < 500, "{}: {uri} gave {}: {}", f.name, r.status, r.body);
            assert!(r.status.as_u16() >= 200);
        }
        f.cleanup().await;
    }
}

#[tokio::test]
async fn reference_data_api() {
    for f in fixtures().await {
        let cats = get(&f.app, "/api/v1/ref").await.json();
        let ids: Vec<&str> = cats.as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
        assert!(ids.contains(&"destinations") && ids.contains(&"undergraduate_majors") && ids.contains(&"regions"));
        let d = get(&f.app, "/api/v1/ref/destinations?parent=50").await.json();
        let codes: Vec<&str> = d["items"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
        assert_eq!(codes, ["502", "503"], "{}", f.name);
        let m = get(&f.app, "/api/v1/ref/undergraduate_majors/080901").await.json();
        assert_eq!(m["name"], "计算机科学与技术");
        assert_eq!(m["parent_code"], "0809");
        let v = get(&f.app, "/api/v1/ref/vocational_majors?level=1").await.json();
        assert_eq!(v["total"], 19);
        let top = get(&f.app, "/api/v1/ref/regions?level=1&limit=1000").await.json();
        assert_eq!(top["total"], 34);
        f.cleanup().await;
    }
}

#[tokio::test]
async fn openapi_document_matches_snapshot() {
    let f = fixtures().await.into_iter().next().expect("a fixture");
    let r = get(&f.app, "/api/openapi.json").await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = r.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in ["/api/v1/orgs/{code}", "/api/v1/orgs", "/api/v1/ref", "/api/v1/ref/{catalogue}", "/healthz"] {
        assert!(doc["paths"].get(path).is_some(), "{path} documented");
    }
    insta::assert_json_snapshot!("openapi", doc);
    f.cleanup().await;
}

#[tokio::test]
async fn health_and_metrics() {
    for f in fixtures().await {
        let h = get(&f.app, "/healthz").await;
        assert_eq!(h.status, StatusCode::OK);
        assert_eq!(h.json()["status"], "ok");
        let _ = get(&f.app, "/api/v1/orgs/4151010610").await;
        let _ = get(&f.app, "/api/v1/orgs/bad").await;
        let m = get(&f.app, "/metrics").await;
        assert_eq!(m.status, StatusCode::OK);
        assert!(m.content_type.starts_with("text/plain"));
        assert!(
            m.body.contains("jiuye_http_requests_total{method=\"GET\",route=\"/api/v1/orgs/{code}\",status=\"200\"} 1"),
            "{}",
            m.body
        );
        assert!(m.body.contains("route=\"/api/v1/orgs/{code}\",status=\"400\"} 1"));
        assert!(m.body.contains("jiuye_http_request_duration_seconds_count{route=\"/healthz\"} 1"));
        assert!(m.body.contains("jiuye_db_pool_connections{"));
        assert!(m.body.contains(&format!("jiuye_db_up{{backend=\"{}\"}} 1", f.name)));
        f.cleanup().await;
    }
}

#[tokio::test]
async fn pages_render_in_chinese_and_english_with_landmarks() {
    for f in fixtures().await {
        let app = &f.app;
        let home = get(app, "/").await;
        assert_eq!(home.status, StatusCode::OK);
        assert!(home.content_type.starts_with("text/html"));
        assert!(home.body.contains("<html lang=\"zh-CN\">"));
        assert!(home.body.contains("高校毕业生就业服务平台"));
        for landmark in ["<header", "<nav aria-label=", "<main id=\"main\"", "<footer", "href=\"#main\"", "<h1>"] {
            assert!(home.body.contains(landmark), "{landmark}");
        }
        assert!(home.body.contains("<dd>3,000</dd>"), "graduate total shown");
        assert!(home.headers.get("content-security-policy").is_some());

        let sichuan = get(app, "/orgs/510000").await;
        assert_eq!(sichuan.status, StatusCode::OK);
        assert!(sichuan.body.contains("四川大学") && sichuan.body.contains("西南交通大学"));
        assert!(sichuan.body.contains("<th scope=\"col\""));
        let filtered = get(app, "/orgs/510000?q=%E5%B8%88%E8%8C%83").await;
        assert!(filtered.body.contains("四川师范大学") && !filtered.body.contains(">四川大学<"));

        let scu = get(app, "/orgs/4151010610").await;
        assert!(scu.body.contains("aria-current=\"page\">四川大学"), "breadcrumb marks the current page");
        assert!(scu.body.contains("教育部"));

        let en = get(app, "/orgs/4151010610?lang=en").await;
        assert!(en.body.contains("<html lang=\"en\">") && en.body.contains("Colleges"));
        let cookie = Request::get("/").header(header::COOKIE, "jiuye_lang=en").body(Body::empty()).unwrap();
        assert!(send(app, cookie).await.body.contains("Graduate employment platform"));

        let dest = get(app, "/ref/destinations").await;
        assert!(dest.body.contains("签就业协议形式就业"));
        let majors = get(app, "/ref/undergraduate_majors?parent=0809").await;
        assert!(majors.body.contains("计算机科学与技术") && majors.body.contains("aria-current=\"page\""));
        let search = get(app, "/orgs/search?q=%E7%94%B5%E5%AD%90%E7%A7%91%E6%8A%80").await;
        assert!(search.body.contains("电子科技大学"));

        // Errors are pages, in the person's language, with the stable code.
        let bad = get(app, "/orgs/xyz").await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert!(bad.content_type.starts_with("text/html") && bad.body.contains("invalid_org_code"));
        let missing = get(app, "/no/such/page").await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        assert!(missing.body.contains("找不到页面"));

        // The language switch only redirects to local paths.
        let r = get(app, "/lang/en?next=//evil.example/x").await;
        assert_eq!(r.headers.get(header::LOCATION).unwrap(), "/");
        assert!(r.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap().starts_with("jiuye_lang=en"));
        let r = get(app, "/lang/zh?next=/orgs/510000").await;
        assert_eq!(r.headers.get(header::LOCATION).unwrap(), "/orgs/510000");
        let css = get(app, "/static/app.css").await;
        assert!(css.content_type.starts_with("text/css"));
        f.cleanup().await;
    }
}

/// Every source file of the web crate: its module path (`crate::api::postings`) and its text.
fn web_sources() -> Vec<(String, std::path::PathBuf, String)> {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut stack = vec![src.clone()];
    let mut out = Vec::new();
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("src").flatten() {
            let path = e.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == "rs") {
                let rel = path.strip_prefix(&src).expect("under src").with_extension("");
                let parts: Vec<String> =
                    rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
                let module = match parts.as_slice() {
                    [root] if root == "lib" || root == "main" => "crate".to_owned(),
                    _ => format!("crate::{}", parts.join("::")),
                };
                let text = std::fs::read_to_string(&path).expect("read");
                out.push((module, path, text));
            }
        }
    }
    out
}

/// The web crate stays in rooms a reader can take in: no source file over 600 lines.
#[test]
fn no_web_source_file_is_over_600_lines() {
    let long: Vec<String> = web_sources()
        .into_iter()
        .filter(|(_, _, text)| text.lines().count() > 600)
        .map(|(_, path, text)| format!("{} ({})", path.display(), text.lines().count()))
        .collect();
    assert!(long.is_empty(), "files over 600 lines: {long:?}");
}

/// Every web module names what it takes from another: no glob imports or glob re-exports of
/// crate modules (tests may still `use super::*`), so that a reader can follow each name.
#[test]
fn no_web_module_glob_imports_another() {
    let mut globs = Vec::new();
    for (_, path, text) in web_sources() {
        for (i, line) in text.lines().enumerate() {
            let t = line.trim_start();
            let import = t.starts_with("use crate::")
                || t.starts_with("pub use crate::")
                || t.starts_with("pub(crate) use crate::");
            if import && t.trim_end().ends_with("::*;") {
                globs.push(format!("{}:{}", path.display(), i + 1));
            }
        }
    }
    assert!(globs.is_empty(), "glob imports of crate modules: {globs:?}");
}

/// Web modules depend on each other in one direction only: a capability's module assembles its
/// sub-modules, which never reach back into it, and no two capabilities lean on each other in a
/// circle. (Each `crate::…` path named in a file counts, resolved to the module that holds it;
/// the crate root, which declares every module, is left out.)
#[test]
fn no_import_circle_between_web_modules() {
    use std::collections::{BTreeMap, BTreeSet};
    let sources = web_sources();
    let modules: BTreeSet<&str> = sources.iter().map(|(m, _, _)| m.as_str()).filter(|m| *m != "crate").collect();
    let mut uses: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (module, _, text) in &sources {
        if module == "crate" {
            continue;
        }
        let deps = uses.entry(module.as_str()).or_default();
        for (at, _) in text.match_indices("crate::") {
            let path: String =
                text[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':').collect();
            let mut parts: Vec<&str> = path.trim_end_matches(':').split("::").collect();
            while parts.len() > 1 {
                let candidate = parts.join("::");
                if let Some(found) = modules.get(candidate.as_str()) {
                    if *found != module.as_str() {
                        deps.insert(found);
                    }
                    break;
                }
                parts.pop();
            }
        }
    }
    // Depth-first search for a module that reaches itself again.
    fn visit<'a>(
        m: &'a str,
        uses: &BTreeMap<&'a str, BTreeSet<&'a str>>,
        done: &mut BTreeSet<&'a str>,
        path: &mut Vec<&'a str>,
    ) -> Option<Vec<&'a str>> {
        if let Some(i) = path.iter().position(|p| *p == m) {
            return Some(path[i..].iter().copied().chain(std::iter::once(m)).collect());
        }
        if !done.insert(m) {
            return None;
        }
        path.push(m);
        for d in uses.get(m).into_iter().flatten() {
            if let Some(circle) = visit(d, uses, done, path) {
                return Some(circle);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    for m in uses.keys() {
        let circle = visit(m, &uses, &mut done, &mut Vec::new());
        assert!(circle.is_none(), "web modules in a circle: {}", circle.unwrap_or_default().join(" → "));
    }
}
