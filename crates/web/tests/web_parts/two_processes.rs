//! Two node processes serving one database (as behind a load balancer), each with its own
//! search index: a posting approved through one is found through the other within seconds,
//! and its withdrawal removes it there too; a blacklisting through one hides the employer's
//! postings at the other.

use std::sync::Arc;

use axum::http::Method;
use jiuye_domain::RefData;
use serde_json::json;

use super::federation::{blacklist, until_found};
use super::identity::{Auth, call, token_for};
use super::postings::{approved, posting, verified_employer};
use super::{Fixture, fixtures};

#[tokio::test]
async fn a_second_process_on_the_same_database_finds_what_the_first_wrote() {
    let one = fixtures().await.into_iter().next().expect("fixture");
    let rd = Arc::new(RefData::load().expect("refdata"));
    let mut settings = jiuye_web::WebSettings::with_keys(one.keys.clone());
    settings.auth.password_cost = jiuye_security::password::Cost::fast_for_tests();
    settings.search_follow = Some(std::time::Duration::from_millis(100));
    let two = Fixture {
        name: one.name,
        app: jiuye_web::app(one.store.clone(), rd, settings).expect("second process"),
        store: one.store.clone(),
        files: one.files.clone(),
        read_log: one.read_log.clone(),
        keys: one.keys.clone(),
        _dir: None,
        pg: None,
    };
    let reader = token_for(&two, "demo_graduate").await;
    let words = "双进程检索测试岗位";
    // The second process's index is open (a search) before the first writes.
    until_found(&two, &reader, words, 0).await;

    let (hr, credit_code) = verified_employer(&one).await;
    let reviewer = token_for(&one, "demo_career").await;
    let mut body = posting("university", Some("4151010610"), "负责双进程检索测试，五险一金，双休。");
    body["title"] = json!(words);
    let id = approved(&one, &hr, &reviewer, body).await;
    until_found(&two, &reader, words, 1).await;

    let r = call(
        &one.app,
        Method::POST,
        &format!("/api/v1/postings/{id}/withdraw"),
        Some(json!({"version": 2})),
        &Auth::Bearer(&hr),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    until_found(&two, &reader, words, 0).await;

    // Posted again, then the employer is blacklisted through the first process.
    let mut body = posting("university", Some("4151010610"), "负责双进程检索测试二期，五险一金。");
    body["title"] = json!(words);
    approved(&one, &hr, &reviewer, body).await;
    until_found(&two, &reader, words, 1).await;
    blacklist(&one, &credit_code).await;
    until_found(&two, &reader, words, 0).await;
    drop(two);
    one.cleanup().await;
}
