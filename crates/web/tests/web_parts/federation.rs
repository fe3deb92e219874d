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
