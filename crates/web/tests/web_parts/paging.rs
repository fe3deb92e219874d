//! Every list pages by one rule: `limit` 1–1000 and `offset` 0 or more, or `400 invalid_query`.

use axum::http::{Method, StatusCode};

use super::identity::{Auth, call, token_for};
use super::{assert_error, fixtures};

#[tokio::test]
async fn every_list_pages_by_one_rule() {
    for f in fixtures().await {
        let career = token_for(&f, "demo_career").await;
        let employer = token_for(&f, "demo_employer").await;
        let province = token_for(&f, "demo_province").await;
        // The paging is checked before anything else; the talent list of the (unverified) demo
        // employer answers 422 once it is.
        let lists: [(&str, Option<&str>); 12] = [
            ("/api/v1/orgs?q=大学", None),
            ("/api/v1/ref/regions?level=1", None),
            ("/api/v1/postings?", None),
            ("/api/v1/postings/review?status=pending", Some(&career)),
            ("/api/v1/graduates?cohort=2024", Some(&career)),
            ("/api/v1/users?org=4151010610", Some(&career)),
            ("/api/v1/audit?org=4151010610", Some(&career)),
            ("/api/v1/talent?", Some(&employer)),
            ("/api/v1/visits?org=4151010610", Some(&career)),
            ("/api/v1/bases?org=4151010610", Some(&career)),
            ("/api/v1/employers?q=公司", Some(&province)),
            ("/api/v1/employers/scam-reports?", Some(&province)),
        ];
        for (list, token) in lists {
            let auth = token.map(Auth::Bearer).unwrap_or(Auth::None);
            for bad in ["limit=0", "limit=1001", "offset=-1", "limit=-5", "limit=ten"] {
                let r = call(&f.app, Method::GET, &format!("{list}&{bad}"), None, &auth).await;
                assert_error(&r, 400, "invalid_query");
            }
            if list.starts_with("/api/v1/talent") {
                continue;
            }
            for good in ["limit=1", "limit=1000&offset=0", "offset=100000"] {
                let r = call(&f.app, Method::GET, &format!("{list}&{good}"), None, &auth).await;
                assert_eq!(r.status, StatusCode::OK, "{list}&{good}: {}", r.body);
            }
            let one = call(&f.app, Method::GET, &format!("{list}&limit=1"), None, &auth).await.json();
            let items = one["items"].as_array().map(Vec::len).unwrap_or(0);
            assert!(items <= 1, "{list}: {items} items for limit=1");
        }
        f.cleanup().await;
    }
}
