//! `FederationStore`: the node's settings are one row, replaced by a second init; peers are
//! kept as given, replaced by organisation code (keeping when they were first added), listed
//! in order and removed.

use chrono::{Duration, Utc};
use jiuye_store::federation::{FederationNode, PeerRecord};

use crate::support::{backends, micros};

#[tokio::test]
async fn node_settings_and_peers_story() {
    for b in backends().await {
        let (s, n) = (&*b.store, b.name);
        assert_eq!(s.federation_node().await.unwrap(), None, "{n}");
        let first = FederationNode {
            org_code: "4151010610".into(),
            base_url: "http://127.0.0.1:8081".into(),
            updated_at: micros(Utc::now()),
        };
        s.set_federation_node(&first).await.expect("set");
        assert_eq!(s.federation_node().await.unwrap(), Some(first.clone()), "{n}");
        let moved = FederationNode { base_url: "https://jy.scu.edu.cn".into(), ..first };
        s.set_federation_node(&moved).await.expect("set again");
        assert_eq!(s.federation_node().await.unwrap(), Some(moved), "{n}: one row, replaced");

        let at = micros(Utc::now());
        let province = PeerRecord {
            org_code: "510000".into(),
            base_url: "http://127.0.0.1:8082".into(),
            public_key: "A".repeat(43) + "=",
            relation: "parent".into(),
            receive: "posting,tombstone".into(),
            send: "aggregate,posting".into(),
            created_at: at,
            updated_at: at,
        };
        let sibling = PeerRecord { org_code: "4151010611".into(), relation: "sibling".into(), ..province.clone() };
        assert!(s.put_peer(&sibling).await.unwrap(), "{n}: new");
        assert!(s.put_peer(&province).await.unwrap(), "{n}: new");
        let later = micros(at + Duration::seconds(5));
        let rekeyed =
            PeerRecord { public_key: "B".repeat(43) + "=", created_at: later, updated_at: later, ..province.clone() };
        assert!(!s.put_peer(&rekeyed).await.unwrap(), "{n}: replaced");
        let got = s.peer("510000").await.unwrap().expect("peer");
        assert_eq!(got, PeerRecord { created_at: at, ..rekeyed }, "{n}: first added time kept");
        let codes: Vec<String> = s.peers().await.unwrap().into_iter().map(|p| p.org_code).collect();
        assert_eq!(codes, ["4151010611", "510000"], "{n}");
        assert!(s.remove_peer("4151010611").await.unwrap());
        assert!(!s.remove_peer("4151010611").await.unwrap(), "{n}: gone already");
        assert_eq!(s.peer("4151010611").await.unwrap(), None);
        assert_eq!(s.peers().await.unwrap().len(), 1);
        b.cleanup().await;
    }
}
