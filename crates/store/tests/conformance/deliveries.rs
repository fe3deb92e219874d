//! `DeliveryStore`: a graduate applies once per posting of another node; pending deliveries
//! come due, are settled (delivered, or tried again later), and an application that arrived is
//! kept once however often it is delivered.

use chrono::{Duration, Utc};
use jiuye_store::deliveries::{Arrived, Delivery};
use uuid::Uuid;

use crate::postings::posting;
use crate::support::{backends, campus, micros};

#[tokio::test]
async fn deliveries_are_kept_once_come_due_and_settle() {
    for b in backends().await {
        let (s, n) = (&*b.store, b.name);
        let c = campus(s).await;
        let now = micros(Utc::now());
        let graduate = c.graduates[0].id;
        let remote = Uuid::now_v7();
        let d = Delivery {
            id: Uuid::now_v7(),
            posting: remote,
            origin: "510000".into(),
            graduate_id: graduate,
            title: "数据工程师".into(),
            employer_name: "某科技有限公司".into(),
            payload: "sealed".into(),
            state: "pending".into(),
            attempts: 0,
            last_error: None,
            next_attempt_at: None,
            delivered_at: None,
            created_at: now,
        };
        assert!(s.add_delivery(&d).await.unwrap(), "{n}");
        let again = Delivery { id: Uuid::now_v7(), ..d.clone() };
        assert!(!s.add_delivery(&again).await.unwrap(), "{n}: one per graduate and posting");
        assert_eq!(s.deliveries_due(now, 10).await.unwrap(), vec![d.clone()], "{n}");

        // A failed attempt waits out its backoff; then it is delivered.
        let later = now + Duration::seconds(4);
        s.settle_delivery(d.id, "pending", Some("HTTP 503"), Some(later), now).await.unwrap();
        assert!(s.deliveries_due(now, 10).await.unwrap().is_empty(), "{n}");
        assert_eq!(s.deliveries_due(later, 10).await.unwrap().len(), 1, "{n}");
        s.settle_delivery(d.id, "delivered", None, None, later).await.unwrap();
        let held = s.delivery(d.id).await.unwrap().unwrap();
        assert_eq!((held.state.as_str(), held.attempts, held.delivered_at), ("delivered", 2, Some(later)), "{n}");
        assert!(s.deliveries_due(later, 10).await.unwrap().is_empty(), "{n}");
        assert_eq!(s.deliveries_of(graduate).await.unwrap().len(), 1, "{n}");

        // On the posting's node: kept once, listed for its posting.
        let p = posting(&c, "后端开发工程师", c.sichuan.id, "province", 1);
        s.add_posting(&p).await.unwrap();
        let a = Arrived {
            id: Uuid::now_v7(),
            posting_id: p.id,
            from_node: "4151010610".into(),
            payload: "sealed".into(),
            received_at: now,
        };
        assert!(s.add_arrived(&a).await.unwrap(), "{n}");
        assert!(!s.add_arrived(&a).await.unwrap(), "{n}: a repeat");
        assert_eq!(s.arrived_for(p.id).await.unwrap(), vec![a], "{n}");
        b.cleanup().await;
    }
}
