//! Calendar feeds through HTTP: the secret address, the feed (RFC 5545, read back with an
//! independent parser) holding a graduate's bookings and an advisor's slots, renewal and
//! revocation.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use chrono::{Duration, Utc};
use serde_json::json;

use super::identity::{Auth, call, token_for};
use super::{assert_error, fixtures, send};

/// The events of a feed, each as its (SUMMARY, DTSTART, LOCATION), parsed by the `ical` crate.
pub(crate) fn events(ics: &str) -> Vec<(String, String, String)> {
    let mut parser = ical::IcalParser::new(std::io::BufReader::new(ics.as_bytes()));
    let cal = parser.next().expect("one calendar").expect("a calendar that parses");
    assert!(parser.next().is_none(), "exactly one calendar");
    let prop = |e: &ical::parser::ical::component::IcalEvent, name: &str| {
        e.properties.iter().find(|p| p.name == name).and_then(|p| p.value.clone()).unwrap_or_default()
    };
    for e in &cal.events {
        for required in ["UID", "DTSTAMP", "DTSTART", "DTEND"] {
            assert!(!prop(e, required).is_empty(), "{required} in {ics}");
        }
    }
    cal.events.iter().map(|e| (prop(e, "SUMMARY"), prop(e, "DTSTART"), prop(e, "LOCATION"))).collect()
}

async fn feed(app: &axum::Router, path: &str) -> super::Reply {
    send(app, Request::get(path).body(Body::empty()).unwrap()).await
}

#[tokio::test]
async fn a_feed_holds_bookings_and_slots_and_its_address_can_be_renewed_and_revoked() {
    for f in fixtures().await {
        let advisor = token_for(&f, "demo_advisor").await;
        let graduate = token_for(&f, "demo_graduate").await;
        let starts = Utc::now() + Duration::days(3);
        let slot = json!({"kind": "resume_review", "starts_at": starts, "ends_at": starts + Duration::minutes(45),
            "place": "就业指导中心 203, 二楼; 东侧", "capacity": 2});
        let r = call(&f.app, Method::POST, "/api/v1/guidance/slots", Some(slot), &Auth::Bearer(&advisor)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {}", f.name, r.body);
        let id = r.json()["id"].as_str().unwrap().to_owned();
        let r = call(
            &f.app,
            Method::POST,
            &format!("/api/v1/guidance/slots/{id}/bookings"),
            None,
            &Auth::Bearer(&graduate),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

        let mine = call(&f.app, Method::GET, "/api/v1/me/calendar", None, &Auth::Bearer(&graduate)).await;
        assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
        let mine = mine.json();
        let path = mine["path"].as_str().unwrap().to_owned();
        assert!(mine["url"].as_str().unwrap().ends_with(&path) && path.ends_with(".ics"), "{mine}");
        let again = call(&f.app, Method::GET, "/api/v1/me/calendar", None, &Auth::Bearer(&graduate)).await.json();
        assert_eq!(again["path"], path.as_str(), "the same address until renewed");

        // The feed needs no cookie: the address is the key.
        let r = feed(&f.app, &path).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.content_type.starts_with("text/calendar"), "{}", r.content_type);
        assert!(r.body.contains("\r\n") && !r.body.replace("\r\n", "").contains('\n'), "CRLF line ends");
        let got = events(&r.body);
        let start = starts.with_timezone(&Utc).format("%Y%m%dT%H%M%SZ").to_string();
        let booked = got.iter().find(|e| e.1 == start).unwrap_or_else(|| panic!("{}: the booking in {got:?}", f.name));
        assert!(booked.0.contains("简历指导") || booked.0.contains("简历"), "{booked:?}");
        assert_eq!(booked.2, "就业指导中心 203\\, 二楼\\; 东侧", "escaped as RFC 5545 TEXT");

        let theirs = call(&f.app, Method::GET, "/api/v1/me/calendar", None, &Auth::Bearer(&advisor)).await.json();
        let slots = events(&feed(&f.app, theirs["path"].as_str().unwrap()).await.body);
        assert!(
            slots.iter().any(|e| e.1 == start && e.0.contains("1/2")),
            "{}: the advisor's slot in {slots:?}",
            f.name
        );

        // Renewing kills the old address; revoking kills the new one.
        let renewed = call(&f.app, Method::POST, "/api/v1/me/calendar", None, &Auth::Bearer(&graduate)).await;
        assert_eq!(renewed.status, StatusCode::OK, "{}", renewed.body);
        let new_path = renewed.json()["path"].as_str().unwrap().to_owned();
        assert_ne!(new_path, path);
        assert_error(&feed(&f.app, &path).await, 404, "calendar_not_found");
        assert_eq!(feed(&f.app, &new_path).await.status, StatusCode::OK);
        let r = call(&f.app, Method::DELETE, "/api/v1/me/calendar", None, &Auth::Bearer(&graduate)).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
        assert_error(&feed(&f.app, &new_path).await, 404, "calendar_not_found");
        assert_error(&feed(&f.app, "/api/v1/calendar/guess.ics").await, 404, "calendar_not_found");
        assert_error(
            &call(&f.app, Method::GET, "/api/v1/me/calendar", None, &Auth::None).await,
            401,
            "unauthenticated",
        );
        // The token is not kept as written.
        let token = new_path.trim_start_matches("/api/v1/calendar/").trim_end_matches(".ics").to_owned();
        assert!(f.store.calendar_feed_user(&token).await.unwrap().is_none(), "looked up by hash only");
        f.cleanup().await;
    }
}
