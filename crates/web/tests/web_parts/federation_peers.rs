//! Peers registered and removed by people, through the API and the federation page: only the
//! administrators of the organisation the node serves may, bad fields are refused with their
//! code and change nothing, and every change is in the audit log.

use axum::body::Body;
use axum::http::{Method, Request, header};
use jiuye_security::signing::NodeKey;
use serde_json::json;

use super::identity::{Auth, call, token_for};
use super::{Fixture, Reply, assert_error, fixtures, send};

const PEERS: &str = "/api/v1/federation/peers";

async fn post_form(f: &Fixture, uri: &str, form: &str, token: &str) -> Reply {
    let req = Request::post(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::from(form.to_owned()))
        .unwrap();
    send(&f.app, req).await
}

/// A career-staff account at another university (西南交通大学), made by the province.
async fn other_career(f: &Fixture) -> String {
    let body = json!({"username": "peer_other_career", "display_name": "交大就业", "password": "Swjtu-Career-99",
        "role": "career_staff", "org": "4151010613"});
    let r =
        call(&f.app, Method::POST, "/api/v1/users", Some(body), &Auth::Bearer(&token_for(f, "demo_province").await))
            .await;
    assert_eq!(r.status, 201, "{}", r.body);
    token_for(f, "peer_other_career").await
}

/// (action, result) of the audit log's peer changes about `target`, as the ministry reads them.
async fn audit_actions(f: &Fixture, target: &str) -> Vec<(String, String)> {
    let ministry = token_for(f, "demo_ministry").await;
    let mut found = Vec::new();
    for action in ["federation_peer_add", "federation_peer_remove"] {
        let uri = format!("/api/v1/audit?action={action}&limit=100");
        let r = call(&f.app, Method::GET, &uri, None, &Auth::Bearer(&ministry)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        found.extend(
            r.json()["items"].as_array().unwrap().iter().filter(|e| e["target"] == target).map(|e| {
                (e["action"].as_str().unwrap_or("").to_owned(), e["result"].as_str().unwrap_or("").to_owned())
            }),
        );
    }
    found
}

#[tokio::test]
async fn administrators_register_and_remove_peers_others_cannot() {
    for f in fixtures().await {
        let store = f.store.as_ref();
        let career = token_for(&f, "demo_career").await;
        let graduate = token_for(&f, "demo_graduate").await;
        let employer = token_for(&f, "demo_employer").await;
        let other = other_career(&f).await;
        let province_key = NodeKey::from_seed(&[21; 32]).public();
        let parent = json!({"org": "510000", "url": "http://127.0.0.1:9", "key": province_key, "relation": "parent"});

        // Before the node is set up: nobody may, and the administrators are told why.
        let r = call(&f.app, Method::POST, PEERS, Some(parent.clone()), &Auth::Bearer(&career)).await;
        assert_error(&r, 404, "federation_off");
        let r = call(&f.app, Method::POST, PEERS, Some(parent.clone()), &Auth::Bearer(&graduate)).await;
        assert_error(&r, 403, "forbidden");
        jiuye_app::federation::init(store, "4151010610", "http://127.0.0.1:8", "admin").await.unwrap();

        // People outside the node's organisation, graduates and employers may not.
        for t in [&graduate, &employer, &other] {
            let r = call(&f.app, Method::POST, PEERS, Some(parent.clone()), &Auth::Bearer(t)).await;
            assert_error(&r, 403, "forbidden");
            let r = call(&f.app, Method::DELETE, &format!("{PEERS}/510000"), None, &Auth::Bearer(t)).await;
            assert_error(&r, 403, "forbidden");
        }
        let r = call(&f.app, Method::GET, PEERS, None, &Auth::Bearer(&graduate)).await;
        assert_error(&r, 403, "forbidden");
        let r = call(&f.app, Method::POST, PEERS, Some(parent.clone()), &Auth::None).await;
        assert_error(&r, 401, "unauthenticated");
        assert!(jiuye_app::federation::peers(store).await.unwrap().is_empty());

        // Bad fields are refused with their code and keep nothing.
        for (field, value, code) in [
            ("org", json!("51000"), "invalid_org_code"),
            ("org", json!("4151010610"), "invalid_peer"),
            ("url", json!("ftp://example.org"), "invalid_url"),
            ("key", json!("not-a-key"), "invalid_peer"),
            ("relation", json!("cousin"), "invalid_peer"),
            ("receive", json!(["posting", "letters"]), "invalid_peer"),
        ] {
            let mut body = parent.clone();
            body[field] = value;
            let r = call(&f.app, Method::POST, PEERS, Some(body), &Auth::Bearer(&career)).await;
            assert_error(&r, 400, code);
        }
        assert!(jiuye_app::federation::peers(store).await.unwrap().is_empty());

        // The career centre registers its province; again, it is replaced.
        let r = call(&f.app, Method::POST, PEERS, Some(parent.clone()), &Auth::Bearer(&career)).await;
        assert_eq!(r.status, 201, "{}", r.body);
        let p = r.json();
        assert_eq!((p["org"].as_str(), p["relation"].as_str()), (Some("510000"), Some("parent")));
        assert_eq!(p["receive"], json!(["posting", "tombstone", "event", "blacklist", "campaign", "node_key"]));
        assert_eq!(p["send"], json!(["posting", "tombstone", "event", "blacklist", "aggregate", "node_key"]));
        let mut narrower = parent.clone();
        narrower["receive"] = json!(["blacklist", "posting"]);
        narrower["send"] = json!([]);
        let r = call(&f.app, Method::POST, PEERS, Some(narrower), &Auth::Bearer(&career)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(
            (r.json()["receive"].clone(), r.json()["send"].clone()),
            (json!(["posting", "blacklist"]), json!([]))
        );

        // A child's key is vouched for to the other peers.
        let head = store.outbox_head().await.unwrap();
        let child = json!({"org": "4151010610-01", "url": "http://127.0.0.1:7", "relation": "child",
            "key": NodeKey::from_seed(&[22; 32]).public()});
        let r = call(&f.app, Method::POST, PEERS, Some(child), &Auth::Bearer(&career)).await;
        // A college is not a node.
        assert_error(&r, 400, "invalid_org_code");
        assert_eq!(store.outbox_head().await.unwrap(), head);

        let r = call(&f.app, Method::GET, PEERS, None, &Auth::Bearer(&career)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let body = r.json();
        assert_eq!((body["org"].as_str(), body["may_manage"].as_bool()), (Some("4151010610"), Some(true)));
        assert_eq!(body["key"].as_str(), f.keys.node_key().map(|k| k.public()).as_deref());
        let orgs: Vec<&str> = body["peers"].as_array().unwrap().iter().filter_map(|p| p["org"].as_str()).collect();
        assert_eq!(orgs, ["510000"]);

        // Removed; removing again says there is none.
        let r = call(&f.app, Method::DELETE, &format!("{PEERS}/510000"), None, &Auth::Bearer(&career)).await;
        assert_eq!(r.status, 204, "{}", r.body);
        let r = call(&f.app, Method::DELETE, &format!("{PEERS}/510000"), None, &Auth::Bearer(&career)).await;
        assert_error(&r, 404, "peer_not_found");
        assert!(jiuye_app::federation::peers(store).await.unwrap().is_empty());

        let actions = audit_actions(&f, "510000").await;
        for want in [
            ("federation_peer_add", "ok"),
            ("federation_peer_add", "forbidden"),
            ("federation_peer_add", "invalid_url"),
            ("federation_peer_remove", "ok"),
            ("federation_peer_remove", "peer_not_found"),
        ] {
            assert!(actions.iter().any(|(a, r)| (a.as_str(), r.as_str()) == want), "{want:?} in {actions:?}");
        }
    }
}

#[tokio::test]
async fn the_federation_page_registers_and_removes_peers() {
    for f in fixtures().await {
        let store = f.store.as_ref();
        let career = token_for(&f, "demo_career").await;
        let other = other_career(&f).await;
        jiuye_app::federation::init(store, "4151010610", "http://127.0.0.1:8", "admin").await.unwrap();
        let key = NodeKey::from_seed(&[23; 32]).public();
        let encoded: String = key
            .bytes()
            .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
            .collect();

        // The form is shown to the node's administrators only.
        let page = call(&f.app, Method::GET, "/federation", None, &Auth::Bearer(&career)).await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains("action=\"/federation/peers\""), "{}", page.body);
        assert!(page.body.contains("<label for=\"p_key\">"));
        let page = call(&f.app, Method::GET, "/federation", None, &Auth::Bearer(&other)).await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(!page.body.contains("action=\"/federation/peers\""));

        // A bad key comes back with its message and the form as filled in.
        let form = "org=510000&url=http%3A%2F%2F127.0.0.1%3A9&key=short&relation=parent&receive=posting";
        let r = post_form(&f, "/federation/peers", form, &career).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body.contains("role=\"alert\""), "{}", r.body);
        assert!(
            r.body.contains("value=\"510000\"")
                && r.body.contains("id=\"r_posting\" name=\"receive\" value=\"posting\" checked")
        );
        assert!(jiuye_app::federation::peers(store).await.unwrap().is_empty());

        // Someone else's form post is refused.
        let form = format!("org=510000&url=http%3A%2F%2F127.0.0.1%3A9&key={encoded}&relation=parent");
        assert_error(&post_form(&f, "/federation/peers", &form, &other).await, 403, "forbidden");

        let r = post_form(&f, "/federation/peers", &format!("{form}&send=blacklist&send=aggregate"), &career).await;
        assert_eq!(r.status, 303, "{}", r.body);
        let peers = jiuye_app::federation::peers(store).await.unwrap();
        assert_eq!(peers.len(), 1);
        assert_eq!(peers[0].record.send, "blacklist,aggregate");
        assert_eq!(peers[0].receive, jiuye_domain::federation::Relation::Parent.default_receive());
        let page = call(&f.app, Method::GET, "/federation?done=added", None, &Auth::Bearer(&career)).await;
        assert!(page.body.contains("role=\"status\""), "{}", page.body);
        assert!(page.body.contains("action=\"/federation/peers/510000/remove\""), "{}", page.body);

        assert_error(&post_form(&f, "/federation/peers/510000/remove", "", &other).await, 403, "forbidden");
        let r = post_form(&f, "/federation/peers/510000/remove", "", &career).await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert!(jiuye_app::federation::peers(store).await.unwrap().is_empty());
    }
}
