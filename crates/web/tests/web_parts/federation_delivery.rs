//! An application to another node's posting crosses nodes only with the graduate's consent:
//! the university's graduate sees what would be sent and to whom, nothing is kept without
//! consent, and once they consent the application goes straight to the province's node, where
//! only the posting's employer reads it; it is sealed at rest on both nodes, and the province
//! refuses deliveries that are unsigned or whose body does not match the signed digest.

use axum::body::Body;
use axum::http::{Method, Request};
use jiuye_app::federation::deliver;
use serde_json::json;

use super::federation::{Peered, peered};
use super::identity::{Auth, call, token_for};
use super::postings::{approved, posting, verified_employer};
use super::{Reply, assert_error, send};

async fn post_form(app: &axum::Router, uri: &str, form: &str, token: &str) -> Reply {
    let req = Request::post(uri)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::from(form.to_owned()))
        .unwrap();
    send(app, req).await
}

#[tokio::test]
async fn applications_cross_nodes_only_with_consent() {
    let Peered { university, province, .. } = peered().await;
    let (u, p) = (university.store.as_ref(), province.store.as_ref());

    // An employer's posting approved at the province for the whole province.
    let (hr, _) = verified_employer(&province).await;
    let official = token_for(&province, "demo_province").await;
    let id =
        approved(&province, &hr, &official, posting("province", Some("510000"), "负责跨平台数据服务开发；五险一金。"))
            .await;
    let graduate = token_for(&university, "demo_graduate").await;
    let offer_uri = format!("/api/v1/postings/{id}/remote-offer");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let offer = loop {
        super::federation_progress::read_parent(&university).await;
        let r = call(&university.app, Method::GET, &offer_uri, None, &Auth::Bearer(&graduate)).await;
        if r.status == 200 {
            break r.json();
        }
        assert!(std::time::Instant::now() < deadline, "waited for the posting: {}", r.body);
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(offer["origin"], "510000", "{offer}");
    let name = offer["applicant"]["name"].as_str().unwrap().to_owned();
    assert!(!name.is_empty() && offer["consent"].as_str().unwrap().contains("软件开发工程师"), "{offer}");

    // Without consent, or without a way to be reached, nothing is kept.
    let apply = format!("/api/v1/postings/{id}/remote-applications");
    let no =
        call(&university.app, Method::POST, &apply, Some(json!({"phone": "13800000000"})), &Auth::Bearer(&graduate))
            .await;
    assert_error(&no, 422, "invalid_consent");
    let no_contact = json!({"consent": true});
    assert_error(
        &call(&university.app, Method::POST, &apply, Some(no_contact), &Auth::Bearer(&graduate)).await,
        422,
        "invalid_contact",
    );
    let mine =
        call(&university.app, Method::GET, "/api/v1/me/remote-applications", None, &Auth::Bearer(&graduate)).await;
    assert_eq!(mine.json(), json!([]), "{}", mine.body);
    // The page says what is sent and to whom; without the box ticked it comes back, filled in.
    let page_uri = format!("/postings/{id}/remote-apply");
    let page = call(&university.app, Method::GET, &page_uri, None, &Auth::Bearer(&graduate)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(&name) && page.body.contains("id=\"ra_consent\""), "{}", page.body);
    let posting_page =
        call(&university.app, Method::GET, &format!("/postings/{id}"), None, &Auth::Bearer(&graduate)).await;
    assert!(posting_page.body.contains(&format!("href=\"{page_uri}\"")), "{}", posting_page.body);
    let r = post_form(&university.app, &page_uri, "phone=13800000000&note=hi", &graduate).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("role=\"alert\"") && r.body.contains("value=\"13800000000\""), "{}", r.body);
    let mine =
        call(&university.app, Method::GET, "/api/v1/me/remote-applications", None, &Auth::Bearer(&graduate)).await;
    assert_eq!(mine.json(), json!([]), "{}", mine.body);

    // Staff may not apply for a graduate.
    let career = token_for(&university, "demo_career").await;
    let yes = json!({"consent": true, "phone": "13800000000", "note": "可随时到岗"});
    assert_error(
        &call(&university.app, Method::POST, &apply, Some(yes.clone()), &Auth::Bearer(&career)).await,
        403,
        "forbidden",
    );

    // With consent: kept sealed, then sent straight to the province.
    let r = call(&university.app, Method::POST, &apply, Some(yes.clone()), &Auth::Bearer(&graduate)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["state"], "pending", "{}", r.body);
    assert_error(
        &call(&university.app, Method::POST, &apply, Some(yes), &Auth::Bearer(&graduate)).await,
        409,
        "already_applied",
    );
    let node = jiuye_app::federation::node(u).await.unwrap().unwrap();
    let key = university.keys.node_key().unwrap();
    let round = deliver::deliver_due(u, &university.keys, &node, &key, chrono::Utc::now()).await.unwrap();
    assert_eq!(round.delivered, 1, "{round:?}");
    let mine =
        call(&university.app, Method::GET, "/api/v1/me/remote-applications", None, &Auth::Bearer(&graduate)).await;
    assert_eq!(mine.json()[0]["state"], "delivered", "{}", mine.body);

    // Only the posting's employer reads it at the province.
    let list_uri = format!("/api/v1/postings/{id}/remote-applications");
    let list = call(&province.app, Method::GET, &list_uri, None, &Auth::Bearer(&hr)).await;
    assert_eq!(list.status, 200, "{}", list.body);
    let got = list.json();
    assert_eq!(got.as_array().map(Vec::len), Some(1), "{got}");
    assert_eq!(
        (got[0]["applicant"]["name"].as_str(), got[0]["applicant"]["phone"].as_str()),
        (Some(name.as_str()), Some("13800000000"))
    );
    assert_eq!(got[0]["from_node"], "4151010610");
    for who in ["demo_province", "demo_graduate", "demo_career"] {
        let t = token_for(&province, who).await;
        assert_error(
            &call(&province.app, Method::GET, &list_uri, None, &Auth::Bearer(&t)).await,
            404,
            "posting_not_found",
        );
    }

    // Both pages list it.
    let mine = call(&university.app, Method::GET, "/applications", None, &Auth::Bearer(&graduate)).await;
    assert!(mine.body.contains("id=\"h-remote-sent\""), "{}", mine.body);
    let theirs =
        call(&province.app, Method::GET, &format!("/postings/{id}/applicants"), None, &Auth::Bearer(&hr)).await;
    assert_eq!(theirs.status, 200, "{}", theirs.body);
    assert!(theirs.body.contains("id=\"h-remote-arrived\"") && theirs.body.contains(&name), "{}", theirs.body);

    // Sealed at rest on both nodes.
    let posting_id: uuid::Uuid = id.parse().unwrap();
    let held = p.arrived_for(posting_id).await.unwrap();
    assert_eq!(held.len(), 1);
    assert!(!held[0].payload.contains(&name) && !held[0].payload.contains("13800000000"), "{}", held[0].payload);
    let me = u.user_by_username("demo_graduate").await.unwrap().unwrap();
    let g = u.grants_of(me.id).await.unwrap()[0].grant.subject_id.unwrap();
    let sent = u.deliveries_of(g).await.unwrap();
    assert!(!sent[0].payload.contains(&name), "{}", sent[0].payload);

    // The province refuses a delivery that is unsigned, or whose body is not the one signed.
    let body = r#"{"@type":"RemoteApplication"}"#;
    let unsigned = Request::post("/federation/v1/applications?digest=00").body(Body::from(body)).unwrap();
    assert_error(&send(&province.app, unsigned).await, 401, "unsigned_request");
    let at = chrono::Utc::now().timestamp();
    let path = format!("/federation/v1/applications?digest={}", jiuye_security::sha256_hex(b"something else"));
    let sig = key.sign(jiuye_domain::federation::request_text("POST", &path, at, "4151010610").as_bytes());
    let forged = Request::post(path.as_str())
        .header("jiuye-node", "4151010610")
        .header("jiuye-date", at.to_string())
        .header("jiuye-signature", sig)
        .header("content-type", "application/json")
        .body(Body::from(body))
        .unwrap();
    assert_error(&send(&province.app, forged).await, 401, "invalid_signature");
    assert_eq!(p.arrived_for(posting_id).await.unwrap().len(), 1, "nothing more kept");
}
