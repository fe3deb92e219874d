//! The authorisation matrix: every route of the application (the page table and the OpenAPI
//! document's operations), called as nobody and as each demo role, on a record of the caller's
//! own organisation and on one of another, compared with the checked-in table
//! `docs/permissions-matrix.md`. A route that is not in the table, or a cell that changes, fails
//! the test. Run with `JIUYE_UPDATE_MATRIX=1` to write the table anew (and review the diff).
//!
//! Writes are sent with an empty body, so most are refused by their input check after access
//! has been decided; those that need no body run. The order of calls is fixed (routes sorted,
//! then own before other, then callers in a fixed order), so the table is the same on every run
//! and on both databases.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{Method, Request, header};
use serde_json::Value;
use uuid::Uuid;

use super::identity::{Auth, call, token_for};
use super::{Fixture, fixtures, send};

pub(crate) const CALLERS: [&str; 9] = [
    "demo_ministry",
    "demo_province",
    "demo_career",
    "demo_leader",
    "demo_college",
    "demo_major",
    "demo_counselor",
    "demo_graduate",
    "demo_employer",
];

/// A value that names no record.
const NOBODY: Uuid = Uuid::from_u128(0x6a69_7579_652d_0000_0000_0000_0000_0001);

/// Values for path parameters: of the caller's own organisation (四川大学 and its demo
/// records) and of another.
pub(crate) struct Values {
    pub own: BTreeMap<&'static str, String>,
    other: BTreeMap<&'static str, String>,
}

/// The demo's campaign records and postings on top of the test fixture (the same loaders
/// `serve --demo` runs), so that visits, bases and postings exist for both contexts.
pub(crate) async fn demo_records(f: &Fixture) {
    let rd = jiuye_domain::RefData::load().expect("refdata");
    let spring = jiuye_domain::campaign::Campaign::parse(jiuye_domain::campaign::SPRING_2023).expect("policy");
    f.store.save_campaign(&spring.id, &spring.name, jiuye_domain::campaign::SPRING_2023).await.expect("campaign");
    jiuye_seed::demo_visits(&*f.store, jiuye_security::password::Cost::fast_for_tests()).await.expect("visits");
    jiuye_seed::demo_campaign_records(&*f.store, &rd).await.expect("records");
    jiuye_seed::demo_postings(&*f.store, &rd, 300).await.expect("postings");
}

async fn first_field(f: &Fixture, token: &str, uri: &str, field: &str, pick: impl Fn(&Value) -> bool) -> String {
    let r = call(&f.app, Method::GET, uri, None, &Auth::Bearer(token)).await;
    let v = r.json();
    let items = v.get("items").and_then(Value::as_array).cloned().or_else(|| v.as_array().cloned()).unwrap_or_default();
    items
        .iter()
        .find(|i| pick(i))
        .and_then(|i| i.get(field).and_then(Value::as_str))
        .map(str::to_owned)
        .unwrap_or_default()
}

async fn first_id(f: &Fixture, token: &str, uri: &str, pick: impl Fn(&Value) -> bool) -> String {
    let r = call(&f.app, Method::GET, uri, None, &Auth::Bearer(token)).await;
    let v = r.json();
    let items = v.get("items").and_then(Value::as_array).cloned().or_else(|| v.as_array().cloned()).unwrap_or_default();
    items
        .iter()
        .find(|i| pick(i))
        .and_then(|i| i.get("id").and_then(Value::as_str))
        .map(str::to_owned)
        .unwrap_or_else(|| NOBODY.to_string())
}

pub(crate) async fn values(f: &Fixture) -> Values {
    let ministry = token_for(f, "demo_ministry").await;
    let employer = token_for(f, "demo_employer").await;
    let graduate = token_for(f, "demo_graduate").await;
    let me = call(&f.app, Method::GET, "/api/v1/me", None, &Auth::Bearer(&graduate)).await.json();
    let own_graduate = me["grants"][0]["subject_id"].as_str().expect("graduate").to_owned();
    let other_graduate = first_id(f, &ministry, "/api/v1/graduates?org=4151010613&limit=1", |_| true).await;
    let counselor = f.store.user_by_username("demo_counselor").await.expect("db").expect("user").id.to_string();
    let emp = call(&f.app, Method::GET, "/api/v1/me", None, &Auth::Bearer(&employer)).await.json();
    let employer_id = emp["grants"][0]["subject_id"].as_str().unwrap_or_default().to_owned();
    let own_posting = first_id(f, &employer, "/api/v1/postings/mine?limit=5", |_| true).await;
    let other_posting = first_id(f, &ministry, "/api/v1/postings?limit=50", |p| {
        p.get("employer_id").and_then(Value::as_str) != Some(employer_id.as_str())
    })
    .await;
    let own_visit = first_id(f, &ministry, "/api/v1/visits?org=4151010610&limit=1", |_| true).await;
    let elsewhere = |v: &Value| v.get("unit").and_then(Value::as_str).is_some_and(|u| !u.starts_with("4151010610"));
    let other_visit = first_id(f, &ministry, "/api/v1/visits?org=510000&limit=200", elsewhere).await;
    let own_base = first_id(f, &ministry, "/api/v1/bases?org=4151010610&limit=1", |_| true).await;
    let other_base = first_id(f, &ministry, "/api/v1/bases?org=510000&limit=200", elsewhere).await;
    let own_application = first_id(f, &graduate, "/api/v1/applications/mine", |_| true).await;
    let own_employer = match employer_id.parse::<Uuid>() {
        Ok(id) => f.store.employer_by_id(id).await.expect("db").map(|e| e.credit_code).unwrap_or_default(),
        Err(_) => String::new(),
    };
    let other_employer = first_field(f, &ministry, "/api/v1/employers?limit=200", "credit_code", |e| {
        e.get("credit_code").and_then(Value::as_str) != Some(own_employer.as_str())
    })
    .await;
    // The demo graduate's own rights report (about the demo employer).
    let filed = call(
        &f.app,
        Method::POST,
        "/api/v1/rights-reports",
        Some(serde_json::json!({"kind": "fees", "target_name": "某培训公司", "description": "面试时要求先交培训费 800 元。"})),
        &Auth::Bearer(&graduate),
    )
    .await;
    let own_report = filed.json()["id"].as_str().map(str::to_owned).unwrap_or_else(|| NOBODY.to_string());
    let nobody = NOBODY.to_string();
    let mut own = BTreeMap::new();
    let mut other = BTreeMap::new();
    for (k, a, b) in [
        ("code", "4151010610", "4111010001"),
        ("catalogue", "regions", "regions"),
        ("province", "510000", "110000"),
        ("university", "4151010610", "4111010001"),
        ("cohort", "2023", "2023"),
        ("campaigns", "2023-spring", "2023-autumn"),
    ] {
        own.insert(k, a.to_owned());
        other.insert(k, b.to_owned());
    }
    own.insert("credit_code", own_employer);
    other.insert("credit_code", other_employer);
    for (k, a, b) in [
        ("followup", own_graduate.clone(), other_graduate.clone()),
        ("graduates", own_graduate, other_graduate),
        ("users", counselor, nobody.clone()),
        ("postings", own_posting, other_posting),
        ("visits", own_visit, other_visit),
        ("bases", own_base, other_base),
        ("applications", own_application, nobody.clone()),
        ("rights-reports", own_report.clone(), nobody.clone()),
        ("rights", own_report, nobody.clone()),
    ] {
        own.insert(k, a);
        other.insert(k, b);
    }
    Values { own, other }
}

/// The path with its parameters filled in for one context.
pub(crate) fn concrete(path: &str, v: &BTreeMap<&'static str, String>) -> String {
    let segments: Vec<&str> = path.split('/').collect();
    let mut out = Vec::with_capacity(segments.len());
    for (i, seg) in segments.iter().enumerate() {
        let Some(name) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
            out.push((*seg).to_owned());
            continue;
        };
        let value = match name {
            "id" => {
                // The record kind is the segment before the id.
                let kind = segments[..i].iter().rev().find(|s| !s.is_empty() && !s.starts_with('{')).copied();
                kind.and_then(|k| v.get(k)).cloned().unwrap_or_else(|| NOBODY.to_string())
            }
            "grant_id" => NOBODY.to_string(),
            other => v.get(other).cloned().unwrap_or_else(|| NOBODY.to_string()),
        };
        out.push(value);
    }
    out.join("/")
}

/// Every (method, path) of the application: the page table and the OpenAPI operations.
async fn routes(f: &Fixture) -> Vec<(Method, String)> {
    let doc = super::get(&f.app, "/api/openapi.json").await.json();
    let mut out: Vec<(Method, String)> = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for m in item.as_object().expect("item").keys() {
            if let Ok(method) = m.to_ascii_uppercase().parse::<Method>() {
                out.push((method, path.clone()));
            }
        }
    }
    for path in jiuye_web::routes::page_paths() {
        // The methods a page path answers, as the router tells them (405 with `Allow`).
        let probe = Request::builder().method(Method::PATCH).uri(concrete(path, &BTreeMap::new())).body(Body::empty());
        let r = send(&f.app, probe.expect("request")).await;
        assert_eq!(r.status.as_u16(), 405, "{path} answers PATCH?");
        let allow = r.headers.get(header::ALLOW).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        for m in allow.split(',').map(str::trim).filter(|m| !m.is_empty() && *m != "HEAD") {
            let method = m.parse::<Method>().expect("method");
            if !out.iter().any(|(om, op)| *om == method && op == path) {
                out.push((method, path.to_owned()));
            }
        }
    }
    // Reads before writes on each path, deletions last, so the reads see the records.
    let rank = |m: &Method| match *m {
        Method::GET => 0,
        Method::DELETE => 2,
        _ => 1,
    };
    out.sort_by(|a, b| (&a.1, rank(&a.0), a.0.as_str()).cmp(&(&b.1, rank(&b.0), b.0.as_str())));
    out
}

fn cell(r: &super::Reply) -> String {
    let code = if r.content_type.starts_with("application/json") && r.status.as_u16() >= 400 {
        serde_json::from_str::<Value>(&r.body).ok().and_then(|v| v["error"].as_str().map(str::to_owned))
    } else {
        None
    };
    match code {
        Some(c) => format!("{} {c}", r.status.as_u16()),
        None => r.status.as_u16().to_string(),
    }
}

async fn request(f: &Fixture, method: &Method, uri: &str, token: Option<&str>) -> super::Reply {
    let mut b = Request::builder().method(method.clone()).uri(uri);
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let body = if *method == Method::GET || *method == Method::DELETE {
        Body::empty()
    } else if uri.starts_with("/api/") {
        b = b.header(header::CONTENT_TYPE, "application/json");
        Body::from("{}")
    } else {
        b = b.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        Body::empty()
    };
    send(&f.app, b.body(body).expect("request")).await
}

async fn matrix(f: &Fixture) -> String {
    let values = values(f).await;
    let mut tokens = Vec::new();
    for c in CALLERS {
        tokens.push(token_for(f, c).await);
    }
    let mut out = String::from(
        "# Authorisation matrix\n\n\
         Generated by the web test `matrix` (`JIUYE_UPDATE_MATRIX=1 cargo test -p jiuye-web --test web matrix`);\n\
         do not edit by hand. Every route, called with an empty body as nobody and as each demo\n\
         role, on a record of 四川大学 (the demo roles' own organisation) and on one of another\n\
         organisation. A cell is the status, with the error code for JSON errors. Writes that need\n\
         no body run for real, in the order of the table.\n\n\
         | route | on | anonymous |",
    );
    for c in CALLERS {
        out.push_str(&format!(" {} |", c.trim_start_matches("demo_")));
    }
    out.push_str("\n|---|---|---|");
    out.push_str(&"---|".repeat(CALLERS.len()));
    out.push('\n');
    for (method, path) in routes(f).await {
        for (on, v) in [("own", &values.own), ("other", &values.other)] {
            let uri = concrete(&path, v);
            let mut row = format!("| {method} {path} | {on} | {} |", cell(&request(f, &method, &uri, None).await));
            for t in &tokens {
                row.push_str(&format!(" {} |", cell(&request(f, &method, &uri, Some(t)).await)));
            }
            out.push_str(&row);
            out.push('\n');
        }
    }
    out
}

#[tokio::test]
async fn every_route_as_every_role_matches_the_checked_in_matrix() {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/permissions-matrix.md");
    for f in fixtures().await {
        demo_records(&f).await;
        let table = matrix(&f).await;
        if std::env::var_os("JIUYE_UPDATE_MATRIX").is_some() && f.name == "sqlite" {
            std::fs::write(&file, &table).expect("write the matrix");
        }
        let expected = std::fs::read_to_string(&file).unwrap_or_default();
        if table != expected {
            let want: Vec<&str> = expected.lines().collect();
            let got: Vec<&str> = table.lines().collect();
            let diff: Vec<String> = got
                .iter()
                .enumerate()
                .filter(|(i, l)| want.get(*i) != Some(*l))
                .take(20)
                .map(|(i, l)| {
                    format!("line {}:\n  expected: {}\n  got:      {l}", i + 1, want.get(i).unwrap_or(&"(none)"))
                })
                .collect();
            panic!(
                "{}: the authorisation matrix changed ({} lines expected, {} got):\n{}",
                f.name,
                want.len(),
                got.len(),
                diff.join("\n")
            );
        }
        f.cleanup().await;
    }
}
