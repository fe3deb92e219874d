//! Employer visits through the HTTP API: scope of who may log, read and delete them.

use axum::http::{Method, StatusCode};
use jiuye_domain::OrgCode;
use serde_json::json;

use super::identity::{Auth, call, token_for};
use super::{Fixture, assert_error, fixtures};

/// Two colleges of the demo university (A holds the demo counselor) and a programme of each.
async fn colleges(f: &Fixture) -> (String, String, String, String) {
    let uni = f.store.org_by_code(&OrgCode::parse("4151010610").unwrap()).await.unwrap().unwrap();
    let cs = f.store.org_children(&uni).await.unwrap();
    assert!(cs.len() >= 2, "the demo university has two colleges or more");
    let (a, b) = (cs[0].org.clone(), cs[1].org.clone());
    let pa = f.store.org_children(&a).await.unwrap()[0].org.code.to_string();
    let pb = f.store.org_children(&b).await.unwrap()[0].org.code.to_string();
    (a.code.to_string(), b.code.to_string(), pa, pb)
}

#[tokio::test]
async fn visits_are_logged_only_inside_the_callers_scope() {
    for f in fixtures().await {
        let (a, b, pa, pb) = colleges(&f).await;
        let career = token_for(&f, "demo_career").await;
        let counselor = token_for(&f, "demo_counselor").await;
        let major = token_for(&f, "demo_major").await;
        let employer = json!({"credit_code": "91350100M000100Y43", "name": "福州某某有限公司", "industry_code": "6513", "region_code": "350102"});
        let r = call(&f.app, Method::POST, "/api/v1/employers", Some(employer), &Auth::Bearer(&career)).await;
        assert!(r.status.is_success(), "{}", r.body);
        let visit = |unit: &str, programmes: Vec<&str>| {
            json!({"unit": unit, "employer": "91350100m000100y43", "visit_date": "2023-03-01", "form": "on_site",
                   "programmes": programmes, "positions_opened": 12, "base_agreed": true})
        };
        // A counselor of college A logs for A, serving one of A's programmes.
        let r =
            call(&f.app, Method::POST, "/api/v1/visits", Some(visit(&a, vec![&pa])), &Auth::Bearer(&counselor)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {}", f.name, r.body);
        let v = r.json();
        assert_eq!(v["roles"], json!(["counselor"]));
        assert_eq!(v["programmes"], json!([pa]));
        assert_eq!(v["university"], "4151010610");
        let id = v["id"].as_str().unwrap().to_owned();
        // …but cannot attribute a visit to college B, directly or through B's programme.
        assert_error(
            &call(&f.app, Method::POST, "/api/v1/visits", Some(visit(&b, vec![])), &Auth::Bearer(&counselor)).await,
            403,
            "forbidden",
        );
        assert_error(
            &call(&f.app, Method::POST, "/api/v1/visits", Some(visit(&a, vec![&pb])), &Auth::Bearer(&counselor)).await,
            422,
            "programme_outside_unit",
        );
        // Bad input is named.
        let mut bad = visit(&a, vec![]);
        bad["visit_date"] = json!("2023-02-30");
        assert_error(
            &call(&f.app, Method::POST, "/api/v1/visits", Some(bad), &Auth::Bearer(&counselor)).await,
            422,
            "invalid_date",
        );
        let mut bad = visit(&a, vec![]);
        bad["form"] = json!("phone");
        assert_error(
            &call(&f.app, Method::POST, "/api/v1/visits", Some(bad), &Auth::Bearer(&counselor)).await,
            422,
            "invalid_form",
        );
        let mut bad = visit(&a, vec![]);
        bad["employer"] = json!("91110000802100433B");
        assert_error(
            &call(&f.app, Method::POST, "/api/v1/visits", Some(bad), &Auth::Bearer(&counselor)).await,
            422,
            "employer_not_found",
        );
        // A programme head below A may neither see the college-level visit in a delete nor remove it.
        assert_error(
            &call(&f.app, Method::DELETE, &format!("/api/v1/visits/{id}"), None, &Auth::Bearer(&major)).await,
            404,
            "visit_not_found",
        );
        let list = call(&f.app, Method::GET, &format!("/api/v1/visits?org={a}"), None, &Auth::Bearer(&career)).await;
        assert_eq!(list.json()["total"], 1, "{}", list.body);
        let list_b = call(&f.app, Method::GET, &format!("/api/v1/visits?org={b}"), None, &Auth::Bearer(&career)).await;
        assert_eq!(list_b.json()["total"], 0, "{}", list_b.body);
        assert_error(
            &call(&f.app, Method::GET, &format!("/api/v1/visits?org={b}"), None, &Auth::Bearer(&counselor)).await,
            403,
            "forbidden",
        );
        // The counselor deletes it; it is gone.
        let r = call(&f.app, Method::DELETE, &format!("/api/v1/visits/{id}"), None, &Auth::Bearer(&counselor)).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
        let list = call(&f.app, Method::GET, &format!("/api/v1/visits?org={a}"), None, &Auth::Bearer(&career)).await;
        assert_eq!(list.json()["total"], 0, "{}", list.body);
        f.cleanup().await;
    }
}
