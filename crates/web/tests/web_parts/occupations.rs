//! The occupation of a posting: chosen by the employer (checked against the table), shown with
//! the posting, suggested from the title, and learnt from: an approved posting's chosen
//! occupation raises that occupation for similar titles on the node.

use axum::http::{Method, StatusCode};

use super::identity::{Auth, call, token_for};
use super::postings::{approved, posting, verified_employer};
use super::{assert_error, fixtures};

async fn score_of(f: &super::Fixture, title: &str, code: &str) -> f64 {
    let uri = format!("/api/v1/occupations/suggestions?limit=20&title={}", urlencode(title));
    let r = call(&f.app, Method::GET, &uri, None, &Auth::None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let items = r.json()["items"].as_array().cloned().unwrap_or_default();
    assert!(!items.is_empty(), "{}", r.body);
    items.iter().find(|i| i["code"] == code).and_then(|i| i["score"].as_f64()).unwrap_or(0.0)
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

#[tokio::test]
async fn employers_choose_an_occupation_and_the_node_learns_from_it() {
    for f in fixtures().await {
        let (hr, _) = verified_employer(&f).await;
        let career = token_for(&f, "demo_career").await;
        let graduate = token_for(&f, "demo_graduate").await;
        let body = |occupation: &str| {
            let mut p = posting("university", Some("4151010610"), "负责门店商品陈列与顾客接待，五险一金。");
            p["title"] = serde_json::json!("门店储备干部");
            p["occupation"] = serde_json::json!(occupation);
            p
        };
        // A group, or a code the table does not have, is refused and names the field.
        for bad in ["4-01-00-00", "9-99-99-99"] {
            assert_error(
                &call(&f.app, Method::POST, "/api/v1/postings", Some(body(bad)), &Auth::Bearer(&hr)).await,
                422,
                "invalid_occupation",
            );
        }
        // Before any posting is labelled, the table alone decides.
        let before = score_of(&f, "门店储备干部", "4-01-02-03").await;
        let id = approved(&f, &hr, &career, body("4-01-02-03")).await;
        let r = call(&f.app, Method::GET, &format!("/api/v1/postings/{id}"), None, &Auth::Bearer(&graduate)).await;
        assert_eq!(
            (r.json()["occupation"].as_str(), r.json()["occupation_name"].as_str()),
            (Some("4-01-02-03"), Some("商品营业员"))
        );
        // Matching reads the approved postings again (a graduate asks for recommendations) and
        // learns the node's label for this title.
        let r = call(&f.app, Method::GET, "/api/v1/me/recommendations", None, &Auth::Bearer(&graduate)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let after = score_of(&f, "门店储备干部", "4-01-02-03").await;
        assert!(after > before, "{}: {before} → {after}", f.name);
        // A posting without a chosen occupation shows none.
        let plain = approved(
            &f,
            &hr,
            &career,
            posting("university", Some("4151010610"), "负责后端服务开发，熟悉 Rust 或 Go；五险一金。"),
        )
        .await;
        let r = call(&f.app, Method::GET, &format!("/api/v1/postings/{plain}"), None, &Auth::Bearer(&graduate)).await;
        assert!(r.json()["occupation"].is_null(), "{}", r.body);
        // Suggestions need a title of 1–100 characters.
        assert_error(
            &call(&f.app, Method::GET, "/api/v1/occupations/suggestions?title=", None, &Auth::None).await,
            400,
            "invalid_title",
        );
        let long = "长".repeat(101);
        let uri = format!("/api/v1/occupations/suggestions?title={}", urlencode(&long));
        assert_error(&call(&f.app, Method::GET, &uri, None, &Auth::None).await, 400, "invalid_title");
        f.cleanup().await;
    }
}
