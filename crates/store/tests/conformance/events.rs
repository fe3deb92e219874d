//! `EventStore`: places never exceed capacity and the rest wait in line in arrival order; a
//! freed place goes to the longest waiting, held until a deadline, and lapses to the next; one
//! live registration per graduate even when two arrive at once; a booth holds no more bookings
//! than its capacity and one per employer; a check-in scan's nonce counts once.

use chrono::{Duration, Utc};
use jiuye_domain::Graduate;
use jiuye_domain::access::Role;
use jiuye_store::events::{
    BookingRecord, BoothBooked, CheckedIn, EventFilter, EventRecord, Registered, RegistrationRecord,
};
use uuid::Uuid;

use crate::support::{account, backends, campus, employer_record, micros};

fn registration(event: Uuid, graduate: Uuid, n: usize) -> RegistrationRecord {
    let now = micros(Utc::now());
    RegistrationRecord {
        id: Uuid::now_v7(),
        event_id: event,
        graduate_id: graduate,
        state: "registered".into(),
        short_code: format!("CODE{n:04}"),
        offered_until: None,
        created_at: now + Duration::milliseconds(n as i64),
        updated_at: now,
        checked_in_at: None,
    }
}

#[tokio::test]
async fn places_lines_offers_booths_and_check_ins() {
    for b in backends().await {
        let (s, n) = (&*b.store, b.name);
        let c = campus(s).await;
        let staff = account(s, "ev_staff", &c.scu, Role::CareerStaff, None).await;
        let now = micros(Utc::now());
        let event = EventRecord {
            id: Uuid::now_v7(),
            org_id: c.scu.id,
            kind: "campus_fair".into(),
            theme: "none".into(),
            title: "春季双选会".into(),
            description: "面向 2024 届".into(),
            venue: "体育馆".into(),
            online: false,
            stream_url: String::new(),
            starts_at: now + Duration::days(2),
            ends_at: now + Duration::days(2) + Duration::hours(4),
            places: 2,
            taken: 0,
            hold_hours: 24,
            booths_open: true,
            cancelled_at: None,
            created_by: staff.id,
            created_at: now,
        };
        s.add_event(&event, &[("A01".into(), 1), ("A02".into(), 2)]).await.expect("event");
        let row = s.event(event.id).await.unwrap().expect("stored");
        assert_eq!(
            (&row.event, row.org_path.as_str(), row.org_kind.as_str()),
            (&event, c.scu.path.as_str(), "university"),
            "{n}"
        );

        // Two places, six graduates in order: two registered, four in line.
        let g: Vec<&Graduate> = c.graduates.iter().collect();
        let mut ids = Vec::new();
        for (i, grad) in g.iter().enumerate() {
            match s.register(&registration(event.id, grad.id, i), now).await.unwrap() {
                Registered::Place(id) if i < 2 => ids.push(id),
                Registered::Waitlisted(id) if i >= 2 => ids.push(id),
                other => panic!("{n}: graduate {i}: {other:?}"),
            }
        }
        assert_eq!(s.register(&registration(event.id, g[0].id, 9), now).await.unwrap(), Registered::Already, "{n}");
        let row = s.event(event.id).await.unwrap().unwrap();
        assert_eq!((row.event.taken, row.waitlisted), (2, 4), "{n}");

        // A place given up goes to the longest waiting, held; a place in line given up frees nothing.
        let until = now + Duration::hours(24);
        assert_eq!(s.cancel_registration(ids[0], now, until).await.unwrap().as_deref(), Some("registered"));
        assert_eq!(s.cancel_registration(ids[0], now, until).await.unwrap(), None, "{n}: once");
        let offered = s.registration(ids[2]).await.unwrap().unwrap();
        assert_eq!((offered.state.as_str(), offered.offered_until), ("offered", Some(until)), "{n}");
        assert_eq!(s.cancel_registration(ids[5], now, until).await.unwrap().as_deref(), Some("waitlisted"));
        assert_eq!(s.registration(ids[3]).await.unwrap().unwrap().state, "waitlisted", "{n}");
        // Taken in time it is a place; not taken, it lapses to the next.
        assert!(!s.take_offer(ids[2], until + Duration::seconds(1)).await.unwrap(), "{n}: too late");
        assert_eq!(
            s.lapse_offers(event.id, until + Duration::seconds(1), until + Duration::hours(24)).await.unwrap(),
            1
        );
        assert_eq!(s.registration(ids[2]).await.unwrap().unwrap().state, "lapsed");
        assert_eq!(s.registration(ids[3]).await.unwrap().unwrap().state, "offered");
        assert!(s.take_offer(ids[3], until + Duration::seconds(2)).await.unwrap(), "{n}");
        assert_eq!(s.event(event.id).await.unwrap().unwrap().event.taken, 2);
        // With nobody left in line a freed place is free again.
        assert_eq!(s.cancel_registration(ids[4], now, until).await.unwrap().as_deref(), Some("waitlisted"));
        s.cancel_registration(ids[1], now, until).await.unwrap();
        assert_eq!(s.event(event.id).await.unwrap().unwrap().event.taken, 1, "{n}");

        // Check-in: a nonce counts once; a second scan finds them in already.
        assert_eq!(s.check_in("nonce-1", event.id, ids[3], staff.id, now).await.unwrap(), CheckedIn::First);
        assert_eq!(s.check_in("nonce-1", event.id, ids[3], staff.id, now).await.unwrap(), CheckedIn::Retry, "{n}");
        assert!(matches!(s.check_in("nonce-2", event.id, ids[3], staff.id, now).await.unwrap(), CheckedIn::Before(_)));
        let per = s.event_attendance(event.id).await.unwrap();
        assert_eq!((per.len(), per[0].registered, per[0].checked_in), (1, 1, 1), "{n}");
        let code = s.registration_by_code(event.id, "CODE0003").await.unwrap().expect("by code");
        assert_eq!((code.registration.id, code.name.as_str()), (ids[3], g[3].name.as_str()));

        // Booths: capacity, one per employer, freed by a rejection.
        let booths = s.booths(event.id).await.unwrap();
        assert_eq!(booths.iter().map(|b| (b.label.as_str(), b.capacity)).collect::<Vec<_>>(), [("A01", 1), ("A02", 2)]);
        let mut employers = Vec::new();
        for i in 0..3 {
            let e = employer_record(c.node, c.sichuan.id, &format!("91510100MA6CEV{i:04}"), &format!("单位{i}"));
            assert!(s.insert_employer(&e).await.unwrap());
            employers.push(e.id);
        }
        let booking = |booth: Uuid, employer: Uuid| BookingRecord {
            id: Uuid::now_v7(),
            event_id: event.id,
            booth_id: booth,
            employer_id: employer,
            state: "pending".into(),
            note: String::new(),
            reason: String::new(),
            created_by: staff.id,
            created_at: now,
            decided_at: None,
        };
        let first = booking(booths[0].id, employers[0]);
        assert_eq!(s.book_booth(&first, &[], now).await.unwrap(), BoothBooked::Held(first.id), "{n}");
        assert_eq!(s.book_booth(&booking(booths[0].id, employers[1]), &[], now).await.unwrap(), BoothBooked::Full);
        assert_eq!(s.book_booth(&booking(booths[1].id, employers[0]), &[], now).await.unwrap(), BoothBooked::Already);
        assert!(s.move_booking(first.id, &["pending"], "rejected", staff.id, "不符", now).await.unwrap());
        assert!(!s.move_booking(first.id, &["pending"], "approved", staff.id, "", now).await.unwrap(), "{n}");
        assert_eq!(s.booths(event.id).await.unwrap()[0].held, 0, "{n}: freed");
        assert!(matches!(
            s.book_booth(&booking(booths[0].id, employers[1]), &[], now).await.unwrap(),
            BoothBooked::Held(_)
        ));
        assert!(s.set_booths_open(event.id, false).await.unwrap());
        assert_eq!(s.book_booth(&booking(booths[1].id, employers[2]), &[], now).await.unwrap(), BoothBooked::Closed);
        assert_eq!(s.employer_bookings(employers[0]).await.unwrap().len(), 1);

        // Listing by organiser, by subtree, by kind; never a sibling's.
        let f = |orgs: Vec<Uuid>, under: Vec<String>| EventFilter { orgs, under, limit: 50, ..EventFilter::default() };
        assert_eq!(s.events(&f(vec![c.scu.id], vec![])).await.unwrap().len(), 1, "{n}");
        assert_eq!(s.events(&f(vec![], vec![c.sichuan.path.clone()])).await.unwrap().len(), 1);
        assert!(s.events(&f(vec![c.uestc.id], vec![c.uestc.path.clone()])).await.unwrap().is_empty());
        let kind = EventFilter { kind: Some("presentation".into()), ..f(vec![c.scu.id], vec![]) };
        assert!(s.events(&kind).await.unwrap().is_empty());
        assert!(s.cancel_event(event.id, now).await.unwrap());
        assert_eq!(s.register(&registration(event.id, g[5].id, 20), now).await.unwrap(), Registered::Closed, "{n}");
        b.cleanup().await;
    }
}
