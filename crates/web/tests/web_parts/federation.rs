//! The federation feed as a peer reads it: only a registered peer's signed request is answered;
//! a province-wide posting approved here appears as a signed `JobPosting` envelope without the
//! employer's contacts, its withdrawal as a tombstone after it, and only the kinds this node
//! sends that peer.

use axum::body::Body;
use axum::http::{Method, Request};
use jiuye_domain::federation::{Envelope, PeerSpec, request_text};
use jiuye_security::signing::{NodeKey, verify};
use serde_json::json;

use super::identity::{Auth, call, token_for};
use super::postings::{approved, posting, verified_employer};
use super::{Fixture, Reply, assert_error, fixtures, send};

/// GET `uri` signed as `org` with `key`, dated `at` (Unix seconds).
async fn signed(f: &Fixture, uri: &str, org: &str, key: &NodeKey, at: i64) -> Reply {
    let sig = key.sign(request_text("GET", uri, at, org).as_bytes());
    let req = Request::get(uri)
        .header("jiuye-node", org)
        .header("jiuye-date", at.to_string())
        .header("jiuye-signature", sig)
        .body(Body::empty())
        .expect("request");
    send(&f.app, req).await
}

#[tokio::test]
async fn the_feed_answers_registered_peers_with_signed_envelopes_in_order() {
    for f in fixtures().await {
        let store = f.store.as_ref();
        let now = chrono::Utc::now().timestamp();
        let province_key = NodeKey::from_seed(&[7; 32]);
        let feed = "/federation/v1/feed?after=0&limit=100";
        // Not set up yet: nothing to serve.
        assert_error(&signed(&f, feed, "510000", &province_key, now).await, 404, "federation_off");
        jiuye_app::federation::init(store, "4151010610", "http://127.0.0.1:9", "admin").await.unwrap();
        assert_error(&signed(&f, feed, "510000", &province_key, now).await, 401, "unknown_peer");
        let spec =
            PeerSpec::parse("510000", "http://127.0.0.1:10", &province_key.public(), "parent", None, None).unwrap();
        jiuye_app::federation::add_peer(store, &spec, "admin").await.unwrap();
        // Unsigned, signed by another key, for another address, or too old: refused.
        let r = send(&f.app, Request::get(feed).body(Body::empty()).unwrap()).await;
        assert_error(&r, 401, "unsigned_request");
        let stranger = NodeKey::from_seed(&[9; 32]);
        assert_error(&signed(&f, feed, "510000", &stranger, now).await, 401, "invalid_signature");
        assert_error(&signed(&f, feed, "510000", &province_key, now - 3_600).await, 401, "invalid_signature");
        let sig =
            province_key.sign(request_text("GET", "/federation/v1/feed?after=0&limit=1", now, "510000").as_bytes());
        let req = Request::get(feed)
            .header("jiuye-node", "510000")
            .header("jiuye-date", now.to_string())
            .header("jiuye-signature", sig)
            .body(Body::empty())
            .unwrap();
        assert_error(&send(&f.app, req).await, 401, "invalid_signature");

        // A posting kept at the university does not travel; one shared with the province does.
        let (hr, _) = verified_employer(&f).await;
        let career = token_for(&f, "demo_career").await;
        let province = token_for(&f, "demo_province").await;
        approved(
            &f,
            &hr,
            &career,
            posting("university", Some("4151010610"), "负责后端服务开发，熟悉 Rust 或 Go；五险一金。"),
        )
        .await;
        let base = signed(&f, feed, "510000", &province_key, now).await.json()["head"].as_i64().unwrap();
        let shared =
            approved(&f, &hr, &province, posting("province", Some("510000"), "负责数据平台开发，五险一金，双休。"))
                .await;
        let r = call(
            &f.app,
            Method::POST,
            &format!("/api/v1/postings/{shared}/withdraw"),
            Some(json!({"version": 2})),
            &Auth::Bearer(&hr),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);

        let uri = format!("/federation/v1/feed?after={base}&limit=100");
        let page = signed(&f, &uri, "510000", &province_key, now).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let body = page.json();
        assert_eq!(
            (body["origin"].as_str(), body["next"].as_i64()),
            (Some("4151010610"), Some(base + 2)),
            "{}",
            page.body
        );
        let envelopes: Vec<Envelope> = serde_json::from_value(body["items"].clone()).unwrap();
        let node_key = f.keys.node_key().unwrap().public();
        let kinds: Vec<(&str, i64)> = envelopes.iter().map(|e| (e.kind.id(), e.seq)).collect();
        // The posting's own row is covered by its tombstone (it moved on); the tombstone stands.
        assert_eq!(kinds, [("tombstone", base + 2)], "{}", page.body);
        for e in &envelopes {
            assert_eq!((e.origin.as_str(), e.origin_key.as_str()), ("4151010610", node_key.as_str()));
            assert!(verify(&e.origin_key, &e.signing_bytes().unwrap(), e.signature.as_deref().unwrap()));
            assert_eq!(e.record.to_string(), shared);
        }

        // Shared again (edited, reviewed): the posting itself travels, without contacts.
        let again =
            approved(&f, &hr, &province, posting("province", Some("510000"), "负责推荐系统开发，五险一金，双休。"))
                .await;
        let uri = format!("/federation/v1/feed?after={}&limit=100", base + 2);
        let page = signed(&f, &uri, "510000", &province_key, now).await;
        let envelopes: Vec<Envelope> = serde_json::from_value(page.json()["items"].clone()).unwrap();
        assert_eq!(envelopes.len(), 1, "{}", page.body);
        let e = &envelopes[0];
        assert_eq!(
            (e.kind.id(), e.record.to_string(), e.body["@type"].as_str()),
            ("posting", again.clone(), Some("JobPosting"))
        );
        assert!(verify(&e.origin_key, &e.signing_bytes().unwrap(), e.signature.as_deref().unwrap()));
        assert!(!page.body.contains("028-85412345"), "contacts never travel: {}", page.body);
        // A changed byte breaks the signature.
        let mut forged = e.clone();
        forged.body["title"] = json!("高薪日结");
        assert!(!verify(&forged.origin_key, &forged.signing_bytes().unwrap(), forged.signature.as_deref().unwrap()));

        // A peer that is sent only aggregates gets none of this.
        let spec =
            PeerSpec::parse("510000", "http://127.0.0.1:10", &province_key.public(), "parent", None, Some("aggregate"))
                .unwrap();
        jiuye_app::federation::add_peer(store, &spec, "admin").await.unwrap();
        let page = signed(&f, &uri, "510000", &province_key, now).await;
        assert_eq!(page.json()["items"].as_array().map(Vec::len), Some(0), "{}", page.body);
        f.cleanup().await;
    }
}

/// Serves `node` on a loopback port; its base URL.
pub(crate) async fn listen(node: &Fixture) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let served = node.app.clone().into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, served).await });
    url
}

fn encode(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

/// Searches `node` for `q` as `token`'s holder; the number found.
pub(crate) async fn found(node: &Fixture, token: &str, q: &str) -> i64 {
    let uri = format!("/api/v1/postings/search?q={}", encode(q));
    let r = call(&node.app, Method::GET, &uri, None, &Auth::Bearer(token)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["total"].as_i64().unwrap_or(-1)
}

/// Waits (at most 30 s) until `node` finds `q` `want` times for `token`'s holder.
pub(crate) async fn until_found(node: &Fixture, token: &str, q: &str, want: i64) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let n = found(node, token, q).await;
        if n == want {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "{q}: found {n}, waited for {want}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// A university, a province and a nation node in one process, peered: the university and the
/// province listen on loopback; the province reads the university and the nation reads only
/// the province (learning the university's key from it).
pub(crate) struct Peered {
    pub university: Fixture,
    pub province: Fixture,
    pub nation: Fixture,
    /// The university's base URL and public key.
    pub url: String,
    pub u_key: String,
}

/// Blacklists the employer with `credit_code` at `f`, as the ministry's administrator (a
/// confirmed scam).
pub(crate) async fn blacklist(f: &super::Fixture, credit_code: &str) {
    let ministry = token_for(f, "demo_ministry").await;
    let r = call(
        &f.app,
        Method::POST,
        &format!("/api/v1/employers/{credit_code}/verification"),
        Some(json!({"state": "blacklisted", "reason": "冒充招聘收取培训费，已查实"})),
        &Auth::Bearer(&ministry),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
}

pub(crate) async fn peered() -> Peered {
    let university = fixtures().await.into_iter().next().expect("fixture");
    let province = super::fixtures_with(|s| s.federation_pull = Some(std::time::Duration::from_millis(200)))
        .await
        .into_iter()
        .next()
        .expect("fixture");
    let nation = super::fixtures_with(|s| s.federation_pull = Some(std::time::Duration::from_millis(200)))
        .await
        .into_iter()
        .next()
        .expect("fixture");
    let url = listen(&university).await;
    let p_url = listen(&province).await;

    let (u, p, n) = (university.store.as_ref(), province.store.as_ref(), nation.store.as_ref());
    let u_key = university.keys.node_key().unwrap().public();
    let p_key = province.keys.node_key().unwrap().public();
    let n_key = nation.keys.node_key().unwrap().public();
    jiuye_app::federation::init(u, "4151010610", &url, "admin").await.unwrap();
    jiuye_app::federation::init(p, "510000", &p_url, "admin").await.unwrap();
    jiuye_app::federation::init(n, "CN", "http://127.0.0.1:9", "admin").await.unwrap();
    let peer =
        |org: &str, url: &str, key: &str, relation: &str| PeerSpec::parse(org, url, key, relation, None, None).unwrap();
    jiuye_app::federation::add_peer(u, &peer("510000", &p_url, &p_key, "parent"), "admin").await.unwrap();
    jiuye_app::federation::add_peer(p, &peer("4151010610", &url, &u_key, "child"), "admin").await.unwrap();
    jiuye_app::federation::add_peer(p, &peer("CN", "http://127.0.0.1:9", &n_key, "parent"), "admin").await.unwrap();
    jiuye_app::federation::add_peer(n, &peer("510000", &p_url, &p_key, "child"), "admin").await.unwrap();
    Peered { university, province, nation, url, u_key }
}

#[tokio::test]
async fn university_province_and_nation_share_postings_withdrawals_and_blacklists() {
    let Peered { university, province, nation, url, u_key } = peered().await;
    let (u, p, n) = (university.store.as_ref(), province.store.as_ref(), nation.store.as_ref());

    // A posting the university shares with the province appears in the province's search.
    let (hr, credit_code) = verified_employer(&university).await;
    let reviewer = token_for(&university, "demo_province").await;
    let words = "联邦互通测试岗位";
    let mut body = posting("province", Some("510000"), "负责联邦互通测试，五险一金，双休。");
    body["title"] = json!(words);
    let shared = approved(&university, &hr, &reviewer, body).await;
    let reader = token_for(&province, "demo_graduate").await;
    until_found(&province, &reader, words, 1).await;
    // Relayed by the province unchanged, under the university's signature, to the nation.
    let far = token_for(&nation, "demo_graduate").await;
    until_found(&nation, &far, words, 1).await;
    let held = n.received_by_ids(&[shared.parse().unwrap()]).await.unwrap();
    assert_eq!((held[0].origin.as_str(), held[0].via.as_str()), ("4151010610", "510000"));
    let uri = format!("/api/v1/postings/search?q={}", encode(words));
    let r = call(&province.app, Method::GET, &uri, None, &Auth::Bearer(&reader)).await;
    let hit = &r.json()["results"][0];
    assert_eq!(hit["id"], json!(shared), "{}", r.body);
    assert_eq!(hit["employer_credit_code"], json!(credit_code), "{}", r.body);
    assert!(!r.body.contains("028-85412345"), "contacts stay at the origin: {}", r.body);
    // Its page and view: shown read-only, to be applied to at its origin.
    let r = call(&province.app, Method::GET, &format!("/api/v1/postings/{shared}"), None, &Auth::Bearer(&reader)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    assert_eq!((v["title"].as_str(), v["contact"].as_str()), (Some(words), Some("")), "{}", r.body);
    assert!(v["apply_method"].as_str().unwrap().contains(&format!("{url}/postings/{shared}")), "{}", r.body);
    let page = call(&province.app, Method::GET, &format!("/postings/{shared}"), None, &Auth::Bearer(&reader)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("由其他节点共享") && !page.body.contains("/apply\""), "{}", page.body);
    let r = call(
        &province.app,
        Method::POST,
        &format!("/api/v1/postings/{shared}/applications"),
        Some(json!({"note": "您好"})),
        &Auth::Bearer(&reader),
    )
    .await;
    assert!(r.status.is_client_error(), "applied at its origin, not here: {}", r.body);
    let cursor = p.cursor(jiuye_store::received::Line::Read, "4151010610").await.unwrap().expect("cursor");
    assert!(cursor.applied >= 1 && cursor.after_seq == cursor.head_seq, "{cursor:?}");
    assert_eq!((cursor.failures, cursor.last_error.as_deref()), (0, None));
    let metrics = super::get(&province.app, "/metrics").await.body;
    assert!(metrics.contains("jiuye_federation_peer_lag{peer=\"4151010610\"} 0"), "{metrics}");
    assert!(
        metrics.contains(&format!("jiuye_federation_peer_applied_total{{peer=\"4151010610\"}} {}", cursor.applied))
    );

    // Withdrawn at its origin: gone from the province too.
    let r = call(
        &university.app,
        Method::POST,
        &format!("/api/v1/postings/{shared}/withdraw"),
        Some(json!({"version": 2})),
        &Auth::Bearer(&hr),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    until_found(&province, &reader, words, 0).await;
    until_found(&nation, &far, words, 0).await;

    // Shared again, then the employer is blacklisted at the university: the province hides
    // the received posting and its own postings of that employer.
    let mut body = posting("province", Some("510000"), "负责联邦互通测试二期，五险一金。");
    body["title"] = json!(words);
    let again = approved(&university, &hr, &reviewer, body).await;
    assert_ne!(again, shared);
    until_found(&province, &reader, words, 1).await;
    until_found(&nation, &far, words, 1).await;
    // The same employer, registered at the province too, posts there.
    let (p_hr, p_code) = verified_employer(&province).await;
    assert_eq!(p_code, credit_code, "the demo seeds the same employers on both nodes");
    let p_reviewer = token_for(&province, "demo_province").await;
    let own =
        approved(&province, &p_hr, &p_reviewer, posting("province", Some("510000"), "负责省内数据治理，五险一金。"))
            .await;
    blacklist(&university, &credit_code).await;
    until_found(&province, &reader, words, 0).await;
    let held = p.blacklisted_elsewhere().await.unwrap();
    assert_eq!(held, std::slice::from_ref(&credit_code));
    until_found(&nation, &far, words, 0).await;
    assert_eq!(n.blacklisted_elsewhere().await.unwrap(), std::slice::from_ref(&credit_code));
    // The province's own postings of that employer are hidden too: not readable, not listed.
    let r = call(&province.app, Method::GET, &format!("/api/v1/postings/{own}"), None, &Auth::Bearer(&reader)).await;
    assert_error(&r, 404, "posting_not_found");
    let listed = call(&province.app, Method::GET, "/api/v1/postings?limit=100", None, &Auth::Bearer(&reader)).await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert!(!listed.body.contains(own.as_str()), "{}", listed.body);
    // Nothing the university published came back to it (the province's own province-wide
    // postings may reach it, pushed down).
    let back = u.received_postings_after(None, 100).await.unwrap();
    assert!(back.iter().all(|r| r.origin != "4151010610"), "{back:?}");

    // A forged envelope is refused and changes nothing.
    let peer: jiuye_app::federation::Peer = p.peer("4151010610").await.unwrap().unwrap().into();
    let mut forged = jiuye_domain::federation::Envelope::new(
        jiuye_domain::federation::Kind::Blacklist,
        "4151010610",
        &u_key,
        999_999,
        uuid::Uuid::new_v4(),
        1,
        json!({"identifier": "91510100MA6CXXXX0X", "blacklisted": true}),
    );
    forged.signature = Some(NodeKey::from_seed(&[3; 32]).sign(&forged.signing_bytes().unwrap()));
    let (outcome, touched) =
        jiuye_app::federation::receive::receive(p, "510000", &peer, &forged, chrono::Utc::now()).await.unwrap();
    assert_eq!(outcome.id(), "bad_signature");
    assert!(touched.is_empty());
    assert_eq!(p.blacklisted_elsewhere().await.unwrap().len(), 1);
    university.cleanup().await;
    province.cleanup().await;
    nation.cleanup().await;
}
