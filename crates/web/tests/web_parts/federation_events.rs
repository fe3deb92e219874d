//! Event coverage travels upward as counts: the university counts the events it and its
//! colleges held in a cohort's recruiting year (cancelled ones apart, those of another year
//! left out), and the nation sees each university's counts as its own node counts them, with
//! their sum, on the API and the statistics page; no graduate's name travels, and people
//! outside the organisation cannot read them.

use axum::http::Method;
use chrono::Duration;
use jiuye_app::federation::activity;
use jiuye_store::events::{EventRecord, RegistrationRecord};
use serde_json::Value;
use uuid::Uuid;

use super::events::graduates_under;
use super::federation::{Peered, peered};
use super::identity::{Auth, call, token_for};
use super::{Fixture, assert_error};

const SCU: &str = "4151010610";

/// Adds an event of `kind` at the university starting at `starts`, with `registered` graduates
/// of which `came` checked in, cancelled when asked.
async fn held(
    u: &Fixture,
    kind: &str,
    starts: chrono::DateTime<chrono::Utc>,
    graduates: &[(Uuid, Uuid)],
    came: usize,
    cancelled: bool,
) {
    let store = u.store.as_ref();
    let scu = store.org_by_code(&SCU.parse().unwrap()).await.unwrap().unwrap();
    let staff = store.user_by_username("demo_career").await.unwrap().unwrap();
    let event = EventRecord {
        id: Uuid::now_v7(),
        org_id: scu.id,
        kind: kind.into(),
        theme: "none".into(),
        title: format!("{kind} {starts}"),
        description: "联网上报测试".into(),
        venue: "体育馆".into(),
        online: false,
        stream_url: String::new(),
        starts_at: starts,
        ends_at: starts + Duration::hours(3),
        places: 100,
        taken: 0,
        hold_hours: 24,
        booths_open: false,
        cancelled_at: None,
        created_by: staff.id,
        created_at: starts - Duration::days(20),
    };
    store.add_event(&event, &[]).await.unwrap();
    let before = starts - Duration::days(2);
    for (i, (g, _)) in graduates.iter().enumerate() {
        let r = RegistrationRecord {
            id: Uuid::now_v7(),
            event_id: event.id,
            graduate_id: *g,
            state: "registered".into(),
            short_code: format!("F{}{i:04}", &event.id.simple().to_string()[24..]),
            offered_until: None,
            created_at: before,
            updated_at: before,
            checked_in_at: None,
        };
        store.register(&r, before).await.unwrap();
        if i < came {
            store.check_in(&format!("n-{}", r.id), event.id, r.id, staff.id, starts).await.unwrap();
        }
    }
    if cancelled {
        assert!(store.cancel_event(event.id, before).await.unwrap());
    }
}

/// (events, cancelled, registered, checked in) of a figure as the API gives it.
fn counts(v: &Value) -> (i64, i64, i64, i64) {
    let n = |k: &str| v[k].as_i64().unwrap_or(-1);
    (n("events"), n("cancelled"), n("registered"), n("checked_in"))
}

#[tokio::test]
async fn event_coverage_travels_up_as_counts() {
    let Peered { university, province, nation, .. } = peered().await;
    let (u, p) = (university.store.as_ref(), province.store.as_ref());
    let now = chrono::Utc::now();
    let cohort = u.cohorts().await.unwrap()[0];
    let (from, to) = jiuye_domain::federation::activity::recruiting_year(cohort).unwrap();
    let start = (from + Duration::days(40)).min(now - Duration::days(2));
    assert!(start > from && start < to, "the cohort's year has begun");

    // In the year: a fair (4 registered, 3 came), a 宣讲会 (2 registered), one cancelled fair;
    // the year before: a fair that must not count.
    let scu = u.org_by_code(&SCU.parse().unwrap()).await.unwrap().unwrap();
    let graduates = graduates_under(&university, &scu.path, 6).await;
    held(&university, "campus_fair", start, &graduates[..4], 3, false).await;
    held(&university, "presentation", start + Duration::hours(5), &graduates[4..6], 0, false).await;
    held(&university, "campus_fair", start + Duration::days(1), &[], 0, true).await;
    held(&university, "campus_fair", from - Duration::days(30), &graduates[..2], 2, false).await;
    let own = jiuye_app::events::coverage::figures(u, &scu, cohort, now).await.unwrap();
    assert_eq!((own.events(), own.cancelled, own.totals.registered, own.totals.checked_in), (2, 1, 6, 3), "{own:?}");

    let at_u = activity::check(u, now).await.unwrap();
    assert!(at_u.sent >= 1, "{at_u:?}");
    assert_eq!(activity::check(u, now).await.unwrap().sent, 0, "nothing changed, nothing sent");
    activity::check(p, now).await.unwrap();
    assert!(p.reports().await.unwrap().iter().all(|r| r.org_code != SCU), "the university reports itself");

    let ministry = token_for(&nation, "demo_ministry").await;
    let uri = format!("/api/v1/stats/federated/events?org=510000&cohort={cohort}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let v = loop {
        let r = call(&nation.app, Method::GET, &uri, None, &Auth::Bearer(&ministry)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let v = r.json();
        if v["reports"].as_array().is_some_and(|r| r.iter().any(|x| x["code"] == SCU)) {
            break v;
        }
        assert!(std::time::Instant::now() < deadline, "waited for the university's report: {v}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let reports = v["reports"].as_array().unwrap();
    let scu_report = reports.iter().find(|r| r["code"] == SCU).unwrap();
    assert_eq!(scu_report["origin"], SCU, "{scu_report}");
    assert_eq!(counts(scu_report), (2, 1, 6, 3), "the nation sees what the university counts: {scu_report}");
    assert_eq!(
        (scu_report["held"]["campus_fair"].as_i64(), scu_report["held"]["presentation"].as_i64()),
        (Some(1), Some(1))
    );
    // The sum is the sum of the reports.
    let sum = reports.iter().map(counts).fold((0, 0, 0, 0), |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2, a.3 + b.3));
    assert_eq!(counts(&v["total"]), sum, "{v}");
    // Nothing about any one graduate was received.
    for r in &nation.store.received_aggregates(cohort).await.unwrap() {
        for (g, _) in &graduates {
            let g = u.graduate_view(*g).await.unwrap().unwrap().graduate;
            assert!(!r.envelope.contains(&g.name) && !r.envelope.contains(&g.student_no), "{}", r.envelope);
        }
    }

    // The nation's statistics page shows them; a graduate there may not read them.
    let page =
        call(&nation.app, Method::GET, &format!("/stats?org=510000&cohort={cohort}"), None, &Auth::Bearer(&ministry))
            .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("id=\"h-federated-events\""), "{}", page.body);
    let graduate = token_for(&nation, "demo_graduate").await;
    assert_error(&call(&nation.app, Method::GET, &uri, None, &Auth::Bearer(&graduate)).await, 403, "forbidden");
}

/// The titles of the events from other nodes that `token`'s holder sees at `node`, with whether
/// each is cancelled and where to register.
async fn elsewhere(node: &Fixture, token: &str) -> Vec<(String, bool, Option<String>)> {
    let r = call(&node.app, Method::GET, "/api/v1/events/elsewhere", None, &Auth::Bearer(token)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let title = e["title"].as_str().unwrap().to_owned();
            (title, e["cancelled"] == Value::Bool(true), e["register_at"].as_str().map(str::to_owned))
        })
        .collect()
}

/// Waits (at most 30 s, reading the province's feed as it goes) until `check` holds for what
/// `token`'s holder sees at `node`.
async fn until(
    node: &Fixture,
    reader: Option<&Fixture>,
    token: &str,
    check: impl Fn(&[(String, bool, Option<String>)]) -> bool,
) -> Vec<(String, bool, Option<String>)> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        if let Some(u) = reader {
            super::federation_progress::read_parent(u).await;
        }
        let seen = elsewhere(node, token).await;
        if check(&seen) {
            return seen;
        }
        assert!(std::time::Instant::now() < deadline, "waited: {seen:?}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn events_travel_between_nodes_without_registrations() {
    let Peered { university, province, .. } = peered().await;
    let (u, p) = (university.store.as_ref(), province.store.as_ref());
    let now = chrono::Utc::now();

    // The province organises a fair for its graduates; the university one 宣讲会.
    let sichuan = p.org_by_code(&"510000".parse().unwrap()).await.unwrap().unwrap();
    let official = p.user_by_username("demo_province").await.unwrap().unwrap();
    let fair = EventRecord {
        id: Uuid::now_v7(),
        org_id: sichuan.id,
        kind: "campus_fair".into(),
        theme: "none".into(),
        title: "四川省冬季联合双选会".into(),
        description: "省内高校毕业生均可参加".into(),
        venue: "成都世纪城新国际会展中心".into(),
        online: false,
        stream_url: String::new(),
        starts_at: now + Duration::days(10),
        ends_at: now + Duration::days(10) + Duration::hours(5),
        places: 3000,
        taken: 0,
        hold_hours: 24,
        booths_open: false,
        cancelled_at: None,
        created_by: official.id,
        created_at: now,
    };
    p.add_event(&fair, &[]).await.unwrap();
    let scu = u.org_by_code(&SCU.parse().unwrap()).await.unwrap().unwrap();
    let staff = u.user_by_username("demo_career").await.unwrap().unwrap();
    let talk = EventRecord {
        id: Uuid::now_v7(),
        org_id: scu.id,
        kind: "presentation".into(),
        title: "四川大学专场宣讲会（联网）".into(),
        venue: "望江校区".into(),
        places: 200,
        created_by: staff.id,
        ..fair.clone()
    };
    u.add_event(&talk, &[]).await.unwrap();
    // The university node also holds another university's data (as its demo does): an event
    // organised there is not the university's to send.
    let sichuan_here = u.org_by_code(&"510000".parse().unwrap()).await.unwrap().unwrap();
    let other = u.org_children(&sichuan_here).await.unwrap().into_iter().map(|c| c.org);
    let other = other.into_iter().find(|o| o.kind == jiuye_domain::OrgKind::University && o.id != scu.id).unwrap();
    let theirs =
        EventRecord { id: Uuid::now_v7(), org_id: other.id, title: "别校的宣讲会".into(), ..talk.clone() };
    u.add_event(&theirs, &[]).await.unwrap();
    let graduates = graduates_under(&university, &scu.path, 2).await;
    let registration = RegistrationRecord {
        id: Uuid::now_v7(),
        event_id: talk.id,
        graduate_id: graduates[0].0,
        state: "registered".into(),
        short_code: "FEDEV1".into(),
        offered_until: None,
        created_at: now,
        updated_at: now,
        checked_in_at: None,
    };
    u.register(&registration, now).await.unwrap();

    // The university's graduates see the province's fair, with where to register.
    let graduate = token_for(&university, "demo_graduate").await;
    let seen = until(&university, Some(&university), &graduate, |s| s.iter().any(|e| e.0 == fair.title)).await;
    let (_, cancelled, register_at) = seen.iter().find(|e| e.0 == fair.title).unwrap();
    assert!(!cancelled);
    assert!(register_at.as_deref().is_some_and(|u| u.ends_with(&format!("/events/{}", fair.id))), "{seen:?}");
    // An employer sees it only while it takes booth bookings.
    let employer = token_for(&university, "demo_employer").await;
    assert!(!elsewhere(&university, &employer).await.iter().any(|e| e.0 == fair.title));

    // The province's staff see the university's 宣讲会; nobody's registration went with it.
    let provincial = token_for(&province, "demo_province").await;
    until(&province, None, &provincial, |s| s.iter().any(|e| e.0 == talk.title)).await;
    // The university speaks only for its own events: the province refused nothing it read, and
    // the other university's event is not there.
    let read = p.cursor(jiuye_store::received::Line::Read, SCU).await.unwrap().unwrap();
    assert_eq!((read.refused, read.last_error.as_deref()), (0, None), "{read:?}");
    assert!(p.received_by_ids(&[theirs.id]).await.unwrap().is_empty());
    let held = p.received_by_ids(&[talk.id]).await.unwrap();
    assert_eq!(held.len(), 1);
    let g = u.graduate_view(graduates[0].0).await.unwrap().unwrap().graduate;
    assert!(!held[0].envelope.contains(&g.name) && !held[0].envelope.contains(&g.student_no), "{}", held[0].envelope);
    assert!(!held[0].envelope.contains("FEDEV1"), "{}", held[0].envelope);

    // Cancelled at the province: cancelled at the university too.
    assert!(p.cancel_event(fair.id, now).await.unwrap());
    until(&university, Some(&university), &graduate, |s| s.iter().any(|e| e.0 == fair.title && e.1)).await;
    let page = call(&university.app, Method::GET, "/events", None, &Auth::Bearer(&graduate)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("id=\"h-elsewhere\"") && page.body.contains(&fair.title), "{}", page.body);

    // Anonymous callers get nothing.
    let r = call(&university.app, Method::GET, "/api/v1/events/elsewhere", None, &Auth::None).await;
    assert_error(&r, 401, "unauthenticated");
}
