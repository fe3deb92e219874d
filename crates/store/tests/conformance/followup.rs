//! `FollowupStore`: contacts kept as given (sealed values untouched), newest first; the latest
//! contact of each graduate, by ids or by subtree and cohort; logging one marks the graduate
//! contacted.

use chrono::{Duration, NaiveDate, Utc};
use jiuye_domain::access::Role;
use jiuye_store::followup::ContactRecord;
use uuid::Uuid;

use crate::support::{account, backends, campus, micros};

#[tokio::test]
async fn contacts_story() {
    for b in backends().await {
        let (s, n) = (&*b.store, b.name);
        let c = campus(s).await;
        let counselor = account(s, "fu_c", &c.cs, Role::Counselor, None).await;
        let (g0, g1, econ) = (&c.graduates[0], &c.graduates[1], &c.graduates[4]);
        let day = |d: u32| NaiveDate::from_ymd_opt(2026, 5, d).unwrap();
        let contact = |graduate: Uuid, on: NaiveDate, at: i64| ContactRecord {
            id: Uuid::now_v7(),
            graduate_id: graduate,
            on_day: on,
            channel: "phone".into(),
            by_user: counselor.id,
            needs: "resume,job_leads".into(),
            other_need: String::new(),
            summary: format!("v2:sealed-{at}"),
            mood: Some("v2:mood".into()),
            next_step: "发岗位".into(),
            next_due: Some(on + Duration::days(3)),
            created_at: micros(Utc::now() + Duration::seconds(at)),
        };
        // Logged out of order: the latest is by day, then by when it was logged.
        let late = contact(g0.id, day(20), 1);
        let early = contact(g0.id, day(10), 2);
        let same_day_later = contact(g0.id, day(20), 3);
        for x in [&late, &early, &same_day_later] {
            s.add_contact(x).await.expect("add");
        }
        let other = ContactRecord { mood: None, next_due: None, ..contact(econ.id, day(12), 4) };
        s.add_contact(&other).await.expect("add");

        let all = s.contacts(g0.id, 10).await.expect("contacts");
        let ids: Vec<Uuid> = all.iter().map(|r| r.contact.id).collect();
        assert_eq!(ids, [same_day_later.id, late.id, early.id], "{n}");
        assert_eq!(all[0].contact, same_day_later, "{n}: kept as given");
        assert_eq!(all[0].by_name, counselor.display_name);
        assert_eq!(all[0].programme_path, c.cs_major.path);
        assert_eq!(s.contacts(g0.id, 1).await.unwrap().len(), 1);
        assert!(s.contacts(g1.id, 10).await.unwrap().is_empty());

        let latest = s.latest_contacts_of(&[g0.id, g1.id, econ.id]).await.expect("latest");
        let mut got: Vec<Uuid> = latest.iter().map(|r| r.contact.id).collect();
        got.sort();
        let mut want = vec![same_day_later.id, other.id];
        want.sort();
        assert_eq!(got, want, "{n}");
        assert_eq!(latest.iter().find(|r| r.contact.id == other.id).unwrap().contact, other);

        let cohort = g0.cohort;
        let under = s.latest_contacts_under(std::slice::from_ref(&c.cs.path), cohort).await.expect("under");
        assert_eq!(under.iter().map(|r| r.contact.id).collect::<Vec<_>>(), [same_day_later.id], "{n}");
        assert!(s.latest_contacts_under(std::slice::from_ref(&c.uestc.path), cohort).await.unwrap().is_empty());
        assert!(s.latest_contacts_under(&[], cohort).await.unwrap().is_empty(), "{n}: no scope, no rows");
        assert!(s.latest_contacts_under(std::slice::from_ref(&c.cs.path), cohort + 1).await.unwrap().is_empty());

        // Logging a contact marks the graduate contacted.
        let (items, _) = s
            .list_graduates(&jiuye_store::destinations::GraduateQuery {
                scope_paths: vec![c.cs.path.clone()],
                q: Some(g0.student_no.clone()),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(items[0].contact_state, "contacted", "{n}");
        assert!(items[0].contacted_at.is_some());
        b.cleanup().await;
    }
}
