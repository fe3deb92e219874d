//! Job postings through the HTTP API: scam screening of drafts.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::json;

use super::identity::{Auth, call, login};
use super::{assert_error, fixtures};

#[tokio::test]
async fn drafts_are_screened_without_signing_in_and_nothing_is_stored() {
    for f in fixtures().await {
        let screen =
            |body: serde_json::Value| call(&f.app, Method::POST, "/api/v1/postings/screen", Some(body), &Auth::None);
        for (what, text, code) in [
            ("deposit", "入职需缴纳押金 300 元，工作满三个月退还。", "fee"),
            ("training loan", "零基础包就业，学费可办理分期，先培训后就业。", "training_loan"),
            ("ID card", "报到时身份证原件交由公司统一保管。", "identity_documents"),
        ] {
            let r = screen(json!({"title": "储备干部", "description": text, "salary_min": 4000, "salary_max": 6000, "region": "510104"})).await;
            assert_eq!(r.status, StatusCode::OK, "{}: {}", f.name, r.body);
            let v = r.json();
            assert_eq!(v["level"], "high", "{what}: {v}");
            assert_eq!(v["reasons"][0]["code"], code, "{what}: {v}");
            assert!(!v["reasons"][0]["message"].as_str().unwrap().is_empty());
            assert!(!v["reasons"][0]["evidence"].as_str().unwrap().is_empty());
        }
        let ok = screen(json!({"title": "机械设计工程师", "description": "负责非标设备设计，机械类专业，五险一金，包住宿。", "salary_min": 6000, "salary_max": 9000, "region": "510104", "contact": "028-85412345"})).await;
        assert_eq!(ok.json(), json!({"level": "low", "reasons": []}), "{}", ok.body);
        assert_error(
            &screen(json!({"title": "x", "description": "y", "region": "999999"})).await,
            422,
            "invalid_region",
        );
        assert_error(&screen(json!({"title": "x"})).await, 422, "unprocessable_entity");

        // The page shows a posting's HTML as text.
        let (cookie, csrf) = login(&f.app, "demo_career", jiuye_seed::DEMO_PASSWORD).await;
        let page = super::send(
            &f.app,
            Request::post("/postings/screen")
                .header(header::COOKIE, &cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!(
                    "csrf={csrf}&title=%3Cscript%3Ealert(1)%3C%2Fscript%3E&description=%E5%88%B7%E5%8D%95%E8%BF%94%E4%BD%A3&salary_min=&salary_max=&region=&contact="
                )))
                .unwrap(),
        )
        .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(!page.body.contains("<script>alert(1)</script>"), "markup is escaped");
        assert!(page.body.contains("&lt;script&gt;") || page.body.contains("&#60;script&#62;"), "{}", page.body);
        assert!(page.body.contains("risk-high"), "刷单 is high risk");
        f.cleanup().await;
    }
}
