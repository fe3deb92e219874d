//! Pushing: a university node delivers its outbox to its province's inbox without the province
//! reading its feed; the inbox answers only a registered peer's signed request, keeps each
//! envelope once (a second push of the same is already held), refuses a tampered envelope and
//! changes nothing for it, and refuses a body that is not envelopes.

use axum::body::Body;
use axum::http::Request;
use jiuye_domain::RefData;
use jiuye_domain::federation::{PeerSpec, request_text};
use jiuye_security::signing::NodeKey;
use serde_json::{Value, json};

use super::federation::{listen, until_found};
use super::identity::token_for;
use super::postings::{approved, posting, verified_employer};
use super::{Fixture, Reply, assert_error, fixtures, send};

/// POST `body` to `node`'s inbox signed as `org` with `key`.
async fn push(node: &Fixture, org: &str, key: &NodeKey, body: &Value) -> Reply {
    let at = chrono::Utc::now().timestamp();
    let sig = key.sign(request_text("POST", "/federation/v1/inbox", at, org).as_bytes());
    let req = Request::post("/federation/v1/inbox")
        .header("content-type", "application/json")
        .header("jiuye-node", org)
        .header("jiuye-date", at.to_string())
        .header("jiuye-signature", sig)
        .body(Body::from(body.to_string()))
        .expect("request");
    send(&node.app, req).await
}

#[tokio::test]
async fn a_university_pushes_to_its_provinces_inbox() {
    let mut two = Vec::new();
    for _ in 0..2 {
        two.push(fixtures().await.into_iter().next().expect("fixture"));
    }
    let (province, university) = (two.pop().unwrap(), two.pop().unwrap());
    let p_url = listen(&province).await;
    let (u, p) = (university.store.as_ref(), province.store.as_ref());
    let u_key = university.keys.node_key().unwrap();
    let p_key = province.keys.node_key().unwrap();
    jiuye_app::federation::init(u, "4151010610", "http://127.0.0.1:9", "admin").await.unwrap();
    jiuye_app::federation::init(p, "510000", &p_url, "admin").await.unwrap();
    let spec =
        |org: &str, url: &str, key: &str, relation: &str| PeerSpec::parse(org, url, key, relation, None, None).unwrap();
    jiuye_app::federation::add_peer(u, &spec("510000", &p_url, &p_key.public(), "parent"), "admin").await.unwrap();
    // The province cannot reach the university (no feed read): only pushes bring it anything.
    let child = spec("4151010610", "http://127.0.0.1:9", &u_key.public(), "child");
    jiuye_app::federation::add_peer(p, &child, "admin").await.unwrap();

    let (hr, _) = verified_employer(&university).await;
    let reviewer = token_for(&university, "demo_province").await;
    let words = "联邦推送测试岗位";
    let mut body = posting("province", Some("510000"), "负责联邦推送测试，五险一金，双休。");
    body["title"] = json!(words);
    approved(&university, &hr, &reviewer, body).await;

    // The university pushes its outbox: the province finds the posting.
    let rd = RefData::load().expect("refdata");
    let node = u.federation_node().await.unwrap().unwrap();
    let parent: jiuye_app::federation::Peer = u.peer("510000").await.unwrap().unwrap().into();
    let pushed = jiuye_app::federation::push::push(u, &rd, &node, &u_key, &parent, 10).await.unwrap();
    assert!(pushed.sent >= 1 && pushed.applied >= 1 && pushed.refused == 0, "{pushed:?}");
    assert_eq!(pushed.after, pushed.head, "{pushed:?}");
    let reader = token_for(&province, "demo_graduate").await;
    until_found(&province, &reader, words, 1).await;
    // Pushed again from the start: every envelope is already held.
    let page = jiuye_app::federation::feed::page(u, &rd, &node, &u_key, &parent, 0, 500).await.unwrap();
    let items: Vec<Value> = page.items.iter().map(|e| serde_json::to_value(e).unwrap()).collect();
    let r = push(&province, "4151010610", &u_key, &json!(items)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["already_held"].as_u64(), Some(items.len() as u64), "{}", r.body);
    assert_eq!((r.json()["applied"].as_u64(), r.json()["refused"].as_u64()), (Some(0), Some(0)));

    // A tampered envelope (a newer version with a changed title) is refused; nothing changes.
    let mut forged = items.iter().find(|e| e["kind"] == json!("posting")).expect("a posting").clone();
    forged["version"] = json!(forged["version"].as_i64().unwrap() + 5);
    forged["body"]["title"] = json!("篡改后的岗位");
    let r = push(&province, "4151010610", &u_key, &forged).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["refused"].as_u64(), Some(1), "{}", r.body);
    until_found(&province, &reader, "篡改后的岗位", 0).await;
    until_found(&province, &reader, words, 1).await;

    // Not envelopes, too many, unsigned, or signed by a key that is not the peer's.
    let r = push(&province, "4151010610", &u_key, &json!("hello")).await;
    assert_error(&r, 400, "invalid_envelopes");
    let r = push(&province, "4151010610", &u_key, &json!(vec![json!({}); 501])).await;
    assert_error(&r, 400, "invalid_envelopes");
    let unsigned = Request::post("/federation/v1/inbox").body(Body::from("[]")).expect("request");
    assert_error(&send(&province.app, unsigned).await, 401, "unsigned_request");
    let r = push(&province, "4151010610", &NodeKey::from_seed(&[7; 32]), &json!([])).await;
    assert_error(&r, 401, "invalid_signature");
    let r = push(&province, "4400000000", &u_key, &json!([])).await;
    assert_error(&r, 401, "unknown_peer");

    // The federation page: the node's administrators see each peer and how delivery stands.
    let admin = token_for(&province, "demo_province").await;
    let page = super::identity::call(
        &province.app,
        axum::http::Method::GET,
        "/federation",
        None,
        &super::identity::Auth::Bearer(&admin),
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("4151010610") && page.body.contains(&p_key.public()), "{}", page.body);
    let page = super::identity::call(
        &province.app,
        axum::http::Method::GET,
        "/federation",
        None,
        &super::identity::Auth::Bearer(&reader),
    )
    .await;
    assert_eq!(page.status, 403, "a graduate: {}", page.body);
    university.cleanup().await;
    province.cleanup().await;
}
