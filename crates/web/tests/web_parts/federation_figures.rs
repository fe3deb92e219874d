//! Aggregate figures travel upward: the university reports its own counts, the province
//! reports the universities whose rosters it holds (not the one that runs its own node) and
//! relays the university's report, and the nation's figure for the province is the sum of
//! its universities' own counts. A change at the university reaches the nation; nothing
//! personal travels; a university's staff cannot read the province's figures at the nation.

use axum::http::Method;
use serde_json::{Value, json};

use super::federation::{Peered, peered};
use super::identity::{Auth, call, token_for};
use super::{Fixture, assert_error};

/// The caller's answer for `uri` on `node`, as JSON.
async fn read(node: &Fixture, token: &str, uri: &str) -> Value {
    let r = call(&node.app, Method::GET, uri, None, &Auth::Bearer(token)).await;
    assert_eq!(r.status, 200, "{uri}: {}", r.body);
    r.json()
}

/// (graduates, placed) of a JSON figure.
fn pair(v: &Value) -> (i64, i64) {
    (v["graduates"].as_i64().unwrap_or(-1), v["placed"].as_i64().unwrap_or(-1))
}

/// Waits (at most 30 s) until the nation's sum for the province is `want`; the answer.
async fn until_summed(nation: &Fixture, token: &str, cohort: i32, want: (i64, i64)) -> Value {
    let uri = format!("/api/v1/stats/federated?org=510000&cohort={cohort}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let v = read(nation, token, &uri).await;
        if pair(&v["total"]) == want {
            return v;
        }
        assert!(std::time::Instant::now() < deadline, "waited for {want:?}: {v}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn the_nations_figure_for_a_province_is_the_sum_of_its_universities_own_counts() {
    let Peered { university, province, nation, .. } = peered().await;
    let (u, p) = (university.store.as_ref(), province.store.as_ref());
    let cohort = *u.cohorts().await.unwrap().first().expect("a demo cohort");
    let now = chrono::Utc::now();

    // Each node reports what it holds: the university itself; the province its universities
    // except the one with a node of its own. Asked again with nothing changed, nothing is sent.
    let at_u = jiuye_app::federation::report::check(u, now).await.unwrap();
    let cohorts = u.cohorts().await.unwrap().len();
    assert_eq!((at_u.figures, at_u.sent), (cohorts, cohorts), "one university, each cohort");
    let at_p = jiuye_app::federation::report::check(p, now).await.unwrap();
    assert!(at_p.sent >= 1, "{at_p:?}");
    assert_eq!(jiuye_app::federation::report::check(p, now).await.unwrap().sent, 0);
    assert!(p.reports().await.unwrap().iter().all(|r| r.org_code != "4151010610"));

    // What each university's own node counts: the university at its node, the others at the
    // province's.
    let own_u = read(
        &university,
        &token_for(&university, "demo_career").await,
        &format!("/api/v1/stats/placement?org=4151010610&cohort={cohort}"),
    )
    .await;
    let p_admin = token_for(&province, "demo_province").await;
    let at_province = read(&province, &p_admin, &format!("/api/v1/stats/placement?org=510000&cohort={cohort}")).await;
    let mut want = pair(&own_u);
    for c in at_province["children"].as_array().unwrap() {
        if c["org"]["code"] != json!("4151010610") {
            want.0 += c["graduates"].as_i64().unwrap();
            want.1 += c["placed"].as_i64().unwrap();
        }
    }
    assert!(want.0 > 0);
    let ministry = token_for(&nation, "demo_ministry").await;
    let v = until_summed(&nation, &ministry, cohort, want).await;
    let reports = v["reports"].as_array().unwrap();
    let sum = reports.iter().fold((0, 0), |a, r| (a.0 + pair(r).0, a.1 + pair(r).1));
    assert_eq!(sum, want, "{v}");
    let own = reports.iter().find(|r| r["code"] == json!("4151010610")).expect("the university's report");
    assert_eq!((own["origin"].as_str(), own["via"].as_str()), (Some("4151010610"), Some("510000")), "{own}");
    assert_eq!(own["by_component"], own_u["by_component"], "{own}");
    assert!(own["as_of"].as_str().is_some_and(|t| t.ends_with('Z')), "{own}");
    // Counts only: no names, student numbers or ID numbers travel.
    let held = nation.store.received_aggregates(cohort).await.unwrap();
    assert!(!held.is_empty() && held.iter().all(|r| !r.envelope.contains("student") && !r.envelope.contains("姓名")));

    // A graduate placed at the university: the nation's sum follows.
    let colleges = u
        .org_children(&u.org_by_code(&jiuye_domain::OrgCode::parse("4151010610").unwrap()).await.unwrap().unwrap())
        .await
        .unwrap();
    let college = colleges[0].org.clone();
    let programme = u.org_children(&college).await.unwrap()[0].org.clone();
    let node = u.node().await.unwrap().node_id;
    let g = jiuye_domain::Graduate {
        id: uuid::Uuid::now_v7(),
        org_id: college.parent_id.unwrap(),
        college_id: college.id,
        programme_id: programme.id,
        student_no: "FED0000001".into(),
        name: "联邦统计".into(),
        gender: jiuye_domain::Gender::Female,
        education_level: jiuye_domain::EducationLevel::Bachelor,
        cohort,
        origin_region: "510104".into(),
        dest_code: Some("10".into()),
        dest_status: jiuye_domain::destination::DestStatus::Confirmed,
        dest_updated_at: Some(now),
        origin_node: node,
        version: 1,
    };
    assert_eq!(u.insert_graduates(&[g]).await.unwrap(), 1);
    assert_eq!(jiuye_app::federation::report::check(u, chrono::Utc::now()).await.unwrap().sent, 1);
    until_summed(&nation, &ministry, cohort, (want.0 + 1, want.1 + 1)).await;

    // The province's statistics page shows its universities' nodes with when they counted.
    let page =
        call(&province.app, Method::GET, &format!("/stats?org=510000&cohort={cohort}"), None, &Auth::Bearer(&p_admin))
            .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("联网上报") && page.body.contains("4151010610") && page.body.contains("数据截至"));
    // A university's staff at the nation cannot read the province's figures.
    let other = token_for(&nation, "demo_career").await;
    let r = call(
        &nation.app,
        Method::GET,
        &format!("/api/v1/stats/federated?org=510000&cohort={cohort}"),
        None,
        &Auth::Bearer(&other),
    )
    .await;
    assert_error(&r, 403, "forbidden");
    let r = call(
        &nation.app,
        Method::GET,
        "/api/v1/stats/federated?org=510000&cohort=1999",
        None,
        &Auth::Bearer(&ministry),
    )
    .await;
    assert_error(&r, 400, "invalid_cohort");
    university.cleanup().await;
    province.cleanup().await;
    nation.cleanup().await;
}
