//! `GuidanceStore`: a slot takes no more bookings than its capacity however many arrive at once,
//! one graduate holds one place per slot, and a cancelled booking frees its place.

use chrono::{Duration, Utc};
use jiuye_domain::Graduate;
use jiuye_domain::access::Role;
use jiuye_store::guidance::{Booked, SlotRecord};
use uuid::Uuid;

use crate::support::{account, backends, campus, micros};

#[tokio::test]
async fn fifty_at_once_for_one_place_and_cancelling_frees_it() {
    for b in backends().await {
        let (s, n) = (&*b.store, b.name);
        let c = campus(s).await;
        let advisor = account(s, "g_adv", &c.scu, Role::CareerStaff, None).await;
        let now = micros(Utc::now());
        let slot = |capacity: i64| SlotRecord {
            id: Uuid::now_v7(),
            org_id: c.scu.id,
            advisor_id: advisor.id,
            kind: "mock_interview".into(),
            starts_at: now + Duration::days(2),
            ends_at: now + Duration::days(2) + Duration::minutes(45),
            place: "就业指导中心 203".into(),
            video_url: String::new(),
            capacity,
            booked: 0,
            cancelled_at: None,
            created_at: now,
        };
        let one = slot(1);
        s.add_slot(&one).await.expect("slot");
        assert_eq!(s.slot(one.id).await.unwrap().as_ref(), Some(&one), "{n}");

        // Fifty graduates book the one place at the same moment: exactly one gets it.
        let template = c.graduates[0].clone();
        let many: Vec<Graduate> = (0..50)
            .map(|i| Graduate {
                id: Uuid::now_v7(),
                student_no: format!("2020099{i:03}"),
                name: format!("同学{i}"),
                ..template.clone()
            })
            .collect();
        assert_eq!(s.insert_graduates(&many).await.unwrap(), 50);
        // Every booking polled together in this task, each on its own connection.
        let mut pending: Vec<_> = many.iter().map(|g| s.book(one.id, g.id, Utc::now())).collect();
        let mut results: Vec<Option<jiuye_store::Result<Booked>>> = pending.iter().map(|_| None).collect();
        std::future::poll_fn(|cx| {
            let mut waiting = false;
            for (f, r) in pending.iter_mut().zip(results.iter_mut()) {
                if r.is_none() {
                    match f.as_mut().poll(cx) {
                        std::task::Poll::Ready(done) => *r = Some(done),
                        std::task::Poll::Pending => waiting = true,
                    }
                }
            }
            if waiting { std::task::Poll::Pending } else { std::task::Poll::Ready(()) }
        })
        .await;
        drop(pending);
        let mut won = Vec::new();
        let mut full = 0;
        for r in results {
            match r.expect("polled to the end").expect("book") {
                Booked::Yes(id) => won.push(id),
                Booked::Full => full += 1,
                Booked::Already => panic!("{n}: nobody booked twice"),
            }
        }
        assert_eq!((won.len(), full), (1, 49), "{n}");
        assert_eq!(s.slot(one.id).await.unwrap().unwrap().booked, 1);
        assert_eq!(s.slot_bookings(one.id).await.unwrap().len(), 1);

        // Cancelling frees the place, once.
        assert!(s.cancel_booking(won[0], now).await.unwrap(), "{n}");
        assert!(!s.cancel_booking(won[0], now).await.unwrap(), "{n}: already cancelled");
        assert_eq!(s.slot(one.id).await.unwrap().unwrap().booked, 0);
        let (_, slot_id, _, cancelled) = s.booking(won[0]).await.unwrap().unwrap();
        assert_eq!((slot_id, cancelled.is_some()), (one.id, true));
        assert!(matches!(s.book(one.id, many[7].id, now).await.unwrap(), Booked::Yes(_)));

        // One place per graduate and slot; the refused second booking takes no place.
        let two = slot(2);
        s.add_slot(&two).await.unwrap();
        let g = c.graduates[1].id;
        assert!(matches!(s.book(two.id, g, now).await.unwrap(), Booked::Yes(_)));
        assert_eq!(s.book(two.id, g, now).await.unwrap(), Booked::Already, "{n}");
        assert_eq!(s.slot(two.id).await.unwrap().unwrap().booked, 1, "{n}: rolled back");
        assert!(matches!(s.book(two.id, c.graduates[2].id, now).await.unwrap(), Booked::Yes(_)));
        assert_eq!(s.book(two.id, c.graduates[3].id, now).await.unwrap(), Booked::Full);

        // Who booked, what a graduate holds, what is open where.
        let names: Vec<String> = s.slot_bookings(two.id).await.unwrap().into_iter().map(|b| b.graduate_name).collect();
        assert_eq!(names, [c.graduates[1].name.clone(), c.graduates[2].name.clone()], "{n}");
        let held = s.bookings_of(c.graduates[1].id).await.unwrap();
        assert_eq!((held.len(), held[0].1.slot.id, held[0].1.org_path.as_str()), (1, two.id, c.scu.path.as_str()));
        let open = s.open_slots_at(&[c.scu.id], now).await.unwrap();
        assert_eq!(open.iter().map(|r| r.slot.id).collect::<Vec<_>>(), [one.id, two.id], "{n}");
        assert!(s.open_slots_at(&[c.uestc.id], now).await.unwrap().is_empty());
        assert!(s.open_slots_at(&[c.scu.id], now + Duration::days(3)).await.unwrap().is_empty(), "{n}: started");
        assert_eq!(s.slots_under(std::slice::from_ref(&c.scu.path), now, 50).await.unwrap().len(), 2);
        assert!(s.slots_under(std::slice::from_ref(&c.uestc.path), now, 50).await.unwrap().is_empty());
        b.cleanup().await;
    }
}
