//! Hardship coverage travels upward as counts: the university counts its own ledger, the
//! province the universities whose ledgers it holds, and the nation sees each university's
//! counts as its own node counts them, with their sum; no name and no category travels, and
//! people outside the organisation cannot read them.

use axum::http::Method;
use jiuye_app::federation::hardship;
use serde_json::{Value, json};

use super::federation::{Peered, peered};
use super::identity::{Auth, call, token_for};
use super::{Fixture, assert_error};

async fn read(node: &Fixture, token: &str, uri: &str) -> Value {
    let r = call(&node.app, Method::GET, uri, None, &Auth::Bearer(token)).await;
    assert_eq!(r.status, 200, "{uri}: {}", r.body);
    r.json()
}

/// (total, each line's count) of a coverage figure as the API gives it.
fn counts(v: &Value) -> (i64, Vec<(String, i64)>) {
    let lines = v["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["id"].as_str().unwrap().to_owned(), l["count"].as_i64().unwrap_or(-1)))
        .collect();
    (v["total"].as_i64().unwrap_or(-1), lines)
}

#[tokio::test]
async fn hardship_coverage_travels_up_as_counts() {
    let Peered { university, province, nation, .. } = peered().await;
    let (u, p) = (university.store.as_ref(), province.store.as_ref());
    let now = chrono::Utc::now();

    // The university's career centre opens files for some of its graduates.
    let career = token_for(&university, "demo_career").await;
    let cohort = u.cohorts().await.unwrap()[0];
    let query = jiuye_store::destinations::GraduateQuery {
        scope_paths: vec!["CN/510000/4151010610".to_owned()],
        cohort: Some(cohort),
        limit: 100,
        ..jiuye_store::destinations::GraduateQuery::default()
    };
    let (graduates, _) = u.list_graduates(&query).await.unwrap();
    for (i, g) in graduates.iter().enumerate().filter(|(i, _)| i % 7 == 0).take(9) {
        let body = json!({"categories": ["minimum_living"], "evidence": "school_assessment", "verified": i % 2 == 0,
            "training": if i % 3 == 0 { "completed" } else { "enrolled" }});
        let uri = format!("/api/v1/graduates/{}/hardship", g.id);
        let r = call(&university.app, Method::PUT, &uri, Some(body), &Auth::Bearer(&career)).await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let v = read(&university, &career, &format!("/api/v1/hardship/coverage?org=4151010610&cohort={cohort}")).await;
    let own = counts(&v);
    assert_eq!(own.0, 9, "{v}");

    let at_u = hardship::check(u, now).await.unwrap();
    assert!(at_u.sent >= 1, "{at_u:?}");
    assert_eq!(hardship::check(u, now).await.unwrap().sent, 0, "nothing changed, nothing sent");
    hardship::check(p, now).await.unwrap();
    assert!(p.reports().await.unwrap().iter().all(|r| r.org_code != "4151010610"), "the university reports itself");

    let ministry = token_for(&nation, "demo_ministry").await;
    let uri = format!("/api/v1/hardship/coverage/federated?org=510000&cohort={cohort}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let v = loop {
        let v = read(&nation, &ministry, &uri).await;
        if v["reports"].as_array().is_some_and(|r| r.iter().any(|x| x["code"] == "4151010610")) {
            break v;
        }
        assert!(std::time::Instant::now() < deadline, "waited for the university's report: {v}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(v["exact"], Value::Bool(true), "{v}");
    let reports = v["reports"].as_array().unwrap();
    let scu = reports.iter().find(|r| r["code"] == "4151010610").unwrap();
    assert_eq!(scu["origin"], "4151010610", "{scu}");
    assert_eq!(counts(scu), own, "the nation sees what the university counts");
    assert!(scu["categories"].as_array().unwrap().is_empty(), "no category travels: {scu}");
    // The sum is the sum of the reports.
    let (total, lines) = counts(&v["total"]);
    assert_eq!(total, reports.iter().map(|r| counts(r).0).sum::<i64>());
    for (i, (id, n)) in lines.iter().enumerate() {
        assert_eq!(*n, reports.iter().map(|r| counts(r).1[i].1).sum::<i64>(), "{id}");
    }
    // Nothing about any one graduate was received.
    let held = nation.store.received_aggregates(cohort).await.unwrap();
    let today = chrono::Utc::now().date_naive().to_string();
    let files = u.hardship_files_under(&["CN/510000/4151010610".to_owned()], Some(cohort), &today).await.unwrap();
    assert!(!files.is_empty());
    for r in &held {
        for f in &files {
            assert!(!r.envelope.contains(&f.name) && !r.envelope.contains(&f.student_no), "{}", r.envelope);
        }
    }

    // The nation's hardship page shows them; a university's staff there may not read them.
    let page = call(
        &nation.app,
        Method::GET,
        &format!("/hardship?org=510000&cohort={cohort}"),
        None,
        &Auth::Bearer(&ministry),
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("id=\"h-cov-fed\""), "{}", page.body);
    let other = token_for(&nation, "demo_career").await;
    assert_error(&call(&nation.app, Method::GET, &uri, None, &Auth::Bearer(&other)).await, 403, "forbidden");
}
