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
