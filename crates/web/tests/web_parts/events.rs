//! Recruitment events through HTTP: 200 employers booking 10 booths at once and exactly 10
//! holding one; 200 graduates registering for 50 places and exactly 50 getting one, the rest in
//! line; a freed place offered to the next in line, taken, handed back or lapsing; signed
//! tickets that admit only to their own event, until its end, and a scanner's retry counting
//! once; who may see, organise, book and register; the calendar feeds.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use chrono::{Duration, Utc};
use jiuye_domain::access::Role;
use jiuye_domain::employer::Verification;
use jiuye_store::accounts::{NewGrant, NewUser};
use jiuye_store::destinations::GraduateQuery;
use serde_json::{Value, json};
use uuid::Uuid;

use super::guidance::graduate_tokens;
use super::identity::{Auth, call, token_for};
use super::{Fixture, assert_error, fixtures, send};

const SCU: &str = "4151010610";

pub(crate) fn event_body(org: &str, places: i64, booths: usize) -> Value {
    let starts = Utc::now() + Duration::days(5);
    let booths: Vec<Value> = (1..=booths).map(|i| json!({"label": format!("A{i:02}")})).collect();
    json!({"org": org, "kind": "campus_fair", "theme": "sme_100_days", "title": "2024届春季双选会",
        "description": "面向全体毕业生，百余家单位参会", "venue": "体育馆", "starts_at": starts,
        "ends_at": starts + Duration::hours(4), "places": places, "booths": booths, "booths_open": true})
}

pub(crate) async fn create(f: &Fixture, token: &str, body: Value) -> Value {
    let r = call(&f.app, Method::POST, "/api/v1/events", Some(body), &Auth::Bearer(token)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}: {}", f.name, r.body);
    r.json()
}

/// API tokens for `n` new verified employers (copies of a demo employer), each with its own
/// account; answers (employer id, token).
pub(crate) async fn employer_tokens(f: &Fixture, prefix: &str, n: usize) -> Vec<(Uuid, String)> {
    let demo = f.store.user_by_username("demo_employer").await.unwrap().unwrap();
    let grant = f.store.grants_of(demo.id).await.unwrap().remove(0);
    let model = f.store.employer_by_id(grant.grant.subject_id.unwrap()).await.unwrap().unwrap();
    let province = f.store.org_by_code(&"510000".parse().unwrap()).await.unwrap().unwrap();
    let mut out = Vec::new();
    for i in 0..n {
        let mut e = model.clone();
        e.id = Uuid::now_v7();
        e.credit_code = format!("91510100{prefix}{i:06}");
        e.name = format!("测试单位{prefix}{i}");
        assert!(f.store.insert_employer(&e).await.unwrap(), "employer");
        assert!(f.store.set_verification(&e.credit_code, Verification::Verified, demo.id, None).await.unwrap());
        let user = NewUser {
            id: Uuid::now_v7(),
            username: format!("hr_{prefix}_{i}"),
            display_name: format!("招聘负责人{i}"),
            org_id: province.id,
            password_hash: "$argon2id$v=19$placeholder".into(),
            must_change_password: false,
        };
        let grant = NewGrant {
            id: Uuid::now_v7(),
            user_id: user.id,
            role: Role::Employer,
            org_id: province.id,
            subject_id: Some(e.id),
            created_by: None,
        };
        assert!(f.store.create_user(&user, &[grant]).await.expect("user"));
        let record = f.store.user_by_id(user.id).await.unwrap().unwrap();
        let token = jiuye_app::accounts::issue_token(&*f.store, &record, "test", Some(1)).await.unwrap().1;
        out.push((e.id, token));
    }
    out
}

/// Up to `n` graduates (id, programme id) under `path`, the demo graduate left out.
pub(crate) async fn graduates_under(f: &Fixture, path: &str, n: usize) -> Vec<(Uuid, Uuid)> {
    let demo = f.store.user_by_username("demo_graduate").await.unwrap().unwrap();
    let demo = f.store.grants_of(demo.id).await.unwrap()[0].grant.subject_id;
    let mut out = Vec::new();
    let mut offset = 0;
    while out.len() < n {
        let q = GraduateQuery { scope_paths: vec![path.to_owned()], limit: 200, offset, ..GraduateQuery::default() };
        let (items, _) = f.store.list_graduates(&q).await.unwrap();
        if items.is_empty() {
            break;
        }
        offset += items.len() as i64;
        for g in items.into_iter().filter(|g| Some(g.id) != demo) {
            if out.len() < n {
                let view = f.store.graduate_view(g.id).await.unwrap().unwrap();
                out.push((g.id, view.graduate.programme_id));
            }
        }
    }
    out
}

/// Sends every request at once; answers the replies in order.
async fn all_at_once(f: &Fixture, requests: Vec<(String, Option<Value>, String)>) -> Vec<super::Reply> {
    let tasks: Vec<_> = requests
        .into_iter()
        .map(|(path, body, token)| {
            let app = f.app.clone();
            tokio::spawn(async move { call(&app, Method::POST, &path, body, &Auth::Bearer(&token)).await })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.expect("task"));
    }
    out
}

async fn get(f: &Fixture, path: &str, token: &str) -> super::Reply {
    call(&f.app, Method::GET, path, None, &Auth::Bearer(token)).await
}

#[tokio::test]
async fn two_hundred_employers_booking_ten_booths_at_once_leave_exactly_ten_holding_one() {
    for f in fixtures().await {
        let career = token_for(&f, "demo_career").await;
        let graduate = token_for(&f, "demo_graduate").await;
        let employer = token_for(&f, "demo_employer").await;
        for who in [&graduate, &employer] {
            let r =
                call(&f.app, Method::POST, "/api/v1/events", Some(event_body(SCU, 50, 10)), &Auth::Bearer(who)).await;
            assert_error(&r, 403, "forbidden");
        }
        let mut bad = event_body(SCU, 50, 10);
        bad["kind"] = json!("party");
        let r = call(&f.app, Method::POST, "/api/v1/events", Some(bad), &Auth::Bearer(&career)).await;
        assert_error(&r, 422, "invalid_kind");
        let mut bad = event_body(SCU, 0, 10);
        bad["venue"] = json!("体育馆");
        let r = call(&f.app, Method::POST, "/api/v1/events", Some(bad), &Auth::Bearer(&career)).await;
        assert_error(&r, 422, "invalid_capacity");
        let r =
            call(&f.app, Method::POST, "/api/v1/events", Some(event_body("4151010613", 50, 1)), &Auth::Bearer(&career))
                .await;
        assert!(matches!(r.status.as_u16(), 403 | 404), "another university's event: {}", r.body);

        let event = create(&f, &career, event_body(SCU, 50, 10)).await;
        let id = event["id"].as_str().unwrap().to_owned();
        let detail = get(&f, &format!("/api/v1/events/{id}"), &career).await.json();
        assert_eq!(detail["stance"], "organiser");
        let booths: Vec<String> =
            detail["booths"].as_array().unwrap().iter().map(|b| b["id"].as_str().unwrap().to_owned()).collect();
        assert_eq!(booths.len(), 10);

        // 200 employers, 20 on each booth, all at once: exactly 10 hold a booth.
        let employers = employer_tokens(&f, "B", 200).await;
        let requests = employers
            .iter()
            .enumerate()
            .map(|(i, (_, t))| {
                (format!("/api/v1/events/{id}/booths/{}/bookings", booths[i % 10]), Some(json!({})), t.clone())
            })
            .collect();
        let replies = all_at_once(&f, requests).await;
        let mut held = Vec::new();
        for (i, r) in replies.iter().enumerate() {
            match r.status {
                StatusCode::CREATED => held.push((i, r.json())),
                _ => assert_error(r, 409, "booth_full"),
            }
        }
        assert_eq!(held.len(), 10, "{}: exactly ten bookings hold a booth", f.name);
        let mut booked: Vec<&str> = held.iter().map(|(_, b)| b["booth_id"].as_str().unwrap()).collect();
        booked.sort_unstable();
        booked.dedup();
        assert_eq!(booked.len(), 10, "one per booth");
        let detail = get(&f, &format!("/api/v1/events/{id}"), &career).await.json();
        assert!(detail["booths"].as_array().unwrap().iter().all(|b| b["held"] == 1));
        assert_eq!(detail["bookings"].as_array().unwrap().len(), 10);

        // A holder cannot take a second booth; a rejection needs a reason and frees the booth.
        let (winner, first) = &held[0];
        let other = booths.iter().find(|b| b.as_str() != first["booth_id"].as_str().unwrap()).unwrap();
        let r = call(
            &f.app,
            Method::POST,
            &format!("/api/v1/events/{id}/booths/{other}/bookings"),
            Some(json!({})),
            &Auth::Bearer(&employers[*winner].1),
        )
        .await;
        assert_error(&r, 409, "already_booked");
        let decision = format!("/api/v1/events/{id}/bookings/{}/decision", first["id"].as_str().unwrap());
        let r = call(&f.app, Method::POST, &decision, Some(json!({"approve": false})), &Auth::Bearer(&career)).await;
        assert_error(&r, 422, "invalid_text");
        let r = call(&f.app, Method::POST, &decision, Some(json!({"approve": true})), &Auth::Bearer(&employer)).await;
        assert_error(&r, 403, "forbidden");
        let r = call(
            &f.app,
            Method::POST,
            &decision,
            Some(json!({"approve": false, "reason": "行业不符"})),
            &Auth::Bearer(&career),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["state"], "rejected");
        let r = call(&f.app, Method::POST, &decision, Some(json!({"approve": true})), &Auth::Bearer(&career)).await;
        assert_error(&r, 409, "invalid_transition");
        let freed = first["booth_id"].as_str().unwrap();
        let loser = (0..200).find(|i| !held.iter().any(|(w, _)| w == i)).unwrap();
        let r = call(
            &f.app,
            Method::POST,
            &format!("/api/v1/events/{id}/booths/{freed}/bookings"),
            Some(json!({"note": "带 3 个岗位"})),
            &Auth::Bearer(&employers[loser].1),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "the freed booth: {}", r.body);

        // Approved employers show to graduates; pending ones do not.
        let second = &held[1].1;
        let decision = format!("/api/v1/events/{id}/bookings/{}/decision", second["id"].as_str().unwrap());
        let r = call(&f.app, Method::POST, &decision, Some(json!({"approve": true})), &Auth::Bearer(&career)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let seen = get(&f, &format!("/api/v1/events/{id}"), &graduate).await;
        assert_eq!(seen.status, StatusCode::OK, "{}", seen.body);
        let seen = seen.json();
        assert_eq!(seen["stance"], "graduate");
        let shown: Vec<&Value> = seen["bookings"].as_array().unwrap().iter().collect();
        assert_eq!(shown.len(), 1, "only the approved employer");
        assert_eq!(shown[0]["state"], "approved");

        // The employer withdraws: the booth is free; withdrawing again is refused.
        let withdraw = format!("/api/v1/events/{id}/bookings/{}", second["id"].as_str().unwrap());
        let holder = &employers[held[1].0].1;
        let r = call(&f.app, Method::DELETE, &withdraw, None, &Auth::Bearer(&employers[loser].1)).await;
        assert_error(&r, 404, "booking_not_found");
        let r = call(&f.app, Method::DELETE, &withdraw, None, &Auth::Bearer(holder)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let r = call(&f.app, Method::DELETE, &withdraw, None, &Auth::Bearer(holder)).await;
        assert_error(&r, 409, "invalid_transition");

        // A blacklisted employer cannot book.
        let (banned, banned_token) = &employers[199];
        let record = f.store.employer_by_id(*banned).await.unwrap().unwrap();
        let by = f.store.user_by_username("demo_career").await.unwrap().unwrap().id;
        let blacklisted = f.store.set_verification(&record.credit_code, Verification::Blacklisted, by, Some("诈骗"));
        assert!(blacklisted.await.unwrap());
        let r = call(
            &f.app,
            Method::POST,
            &format!("/api/v1/events/{id}/booths/{}/bookings", second["booth_id"].as_str().unwrap()),
            Some(json!({})),
            &Auth::Bearer(banned_token),
        )
        .await;
        assert_error(&r, 422, "employer_not_verified");

        // Closing booth booking: employers without a booking no longer see the event.
        let r = call(
            &f.app,
            Method::PUT,
            &format!("/api/v1/events/{id}/booths-open"),
            Some(json!({"open": false})),
            &Auth::Bearer(&career),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let r = get(&f, &format!("/api/v1/events/{id}"), &employers[150].1).await;
        assert_error(&r, 404, "event_not_found");
        assert_eq!(get(&f, &format!("/api/v1/events/{id}"), &employers[held[2].0].1).await.status, StatusCode::OK);
        f.cleanup().await;
    }
}

#[tokio::test]
async fn two_hundred_graduates_for_fifty_places_leave_fifty_registered_and_the_rest_in_line() {
    for f in fixtures().await {
        let province = token_for(&f, "demo_province").await;
        let career = token_for(&f, "demo_career").await;
        let employer = token_for(&f, "demo_employer").await;
        let mut body = event_body("510000", 50, 0);
        body["kind"] = json!("online_fair");
        body["venue"] = json!("");
        body["stream_url"] = json!("https://live.example.edu.cn/fair");
        body["booths_open"] = json!(false);
        let event = create(&f, &province, body).await;
        assert_eq!(event["online"], true);
        let id = event["id"].as_str().unwrap().to_owned();

        let graduates = graduates_under(&f, "CN/510000", 200).await;
        assert_eq!(graduates.len(), 200, "{}", f.name);
        let tokens = graduate_tokens(&f, "ev", &graduates).await;
        let path = format!("/api/v1/events/{id}/registrations");
        let replies = all_at_once(&f, tokens.iter().map(|t| (path.clone(), None, t.clone())).collect()).await;
        let mut places = Vec::new();
        let mut line = Vec::new();
        for (i, r) in replies.iter().enumerate() {
            assert_eq!(r.status, StatusCode::CREATED, "{}: {}", f.name, r.body);
            match r.json()["state"].as_str().unwrap() {
                "registered" => places.push(i),
                "waitlisted" => line.push(i),
                other => panic!("{other}"),
            }
        }
        assert_eq!((places.len(), line.len()), (50, 150), "{}", f.name);
        let seen = get(&f, &format!("/api/v1/events/{id}"), &province).await.json();
        assert_eq!((seen["taken"].as_i64(), seen["waitlisted"].as_i64()), (Some(50), Some(150)));
        let r = call(&f.app, Method::POST, &path, None, &Auth::Bearer(&tokens[places[0]])).await;
        assert_error(&r, 409, "already_registered");
        for who in [&employer, &province, &career] {
            assert_error(&call(&f.app, Method::POST, &path, None, &Auth::Bearer(who)).await, 403, "forbidden");
        }

        // Who waited longest is offered a freed place; taking it makes them registered.
        let mine = |t: &str| {
            let (app, path) = (f.app.clone(), format!("/api/v1/events/{id}"));
            let t = t.to_owned();
            async move { call(&app, Method::GET, &path, None, &Auth::Bearer(&t)).await.json()["mine"].clone() }
        };
        let first_in_line = line_order(&f, &id).await;
        let me = format!("/api/v1/events/{id}/registration");
        let r = call(&f.app, Method::DELETE, &me, None, &Auth::Bearer(&tokens[places[0]])).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
        let next = tokens_of(&tokens, &graduates, first_in_line[0]);
        let offered = mine(next).await;
        assert_eq!(offered["state"], "offered", "{offered}");
        assert!(offered["offered_until"].is_string());
        let r = call(&f.app, Method::POST, &format!("{me}/offer"), None, &Auth::Bearer(next)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["state"], "registered");
        let r = call(&f.app, Method::POST, &format!("{me}/offer"), None, &Auth::Bearer(next)).await;
        assert_error(&r, 409, "offer_not_held");

        // Handing an offered place back passes it on.
        let r = call(&f.app, Method::DELETE, &me, None, &Auth::Bearer(&tokens[places[1]])).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT);
        let second = tokens_of(&tokens, &graduates, first_in_line[1]);
        assert_eq!(mine(second).await["state"], "offered");
        assert_eq!(call(&f.app, Method::DELETE, &me, None, &Auth::Bearer(second)).await.status, StatusCode::NO_CONTENT);
        let third = tokens_of(&tokens, &graduates, first_in_line[2]);
        assert_eq!(mine(third).await["state"], "offered");

        // An offer not taken within the hold lapses and goes to the next in line.
        let event_id: Uuid = id.parse().unwrap();
        let later = Utc::now() + Duration::hours(25);
        let lapsed = f.store.lapse_offers(event_id, later, later + Duration::hours(24)).await.unwrap();
        assert_eq!(lapsed, 1);
        assert_eq!(mine(third).await["state"], "lapsed");
        let fourth = tokens_of(&tokens, &graduates, first_in_line[3]);
        assert_eq!(mine(fourth).await["state"], "offered");
        let seen = get(&f, &format!("/api/v1/events/{id}"), &province).await.json();
        assert_eq!(seen["taken"].as_i64(), Some(50), "a place passed on stays taken");
        f.cleanup().await;
    }
}

/// The graduates waiting for an event, longest first (their ids).
async fn line_order(f: &Fixture, id: &str) -> Vec<Uuid> {
    let regs = f.store.registrations(id.parse().unwrap(), 1000).await.unwrap();
    regs.into_iter().filter(|r| r.registration.state == "waitlisted").map(|r| r.registration.graduate_id).collect()
}

fn tokens_of<'a>(tokens: &'a [String], graduates: &[(Uuid, Uuid)], who: Uuid) -> &'a str {
    let i = graduates.iter().position(|(g, _)| *g == who).expect("a graduate of the test");
    &tokens[i]
}

#[tokio::test]
async fn a_ticket_admits_only_to_its_own_event_until_the_end_and_a_retry_counts_once() {
    for f in fixtures().await {
        let career = token_for(&f, "demo_career").await;
        let graduate = token_for(&f, "demo_graduate").await;
        let a = create(&f, &career, event_body(SCU, 2, 0)).await["id"].as_str().unwrap().to_owned();
        let b = create(&f, &career, event_body(SCU, 2, 0)).await["id"].as_str().unwrap().to_owned();
        let r = call(&f.app, Method::GET, &format!("/api/v1/events/{a}/ticket"), None, &Auth::Bearer(&graduate)).await;
        assert_error(&r, 404, "registration_not_found");
        for e in [&a, &b] {
            let r = call(
                &f.app,
                Method::POST,
                &format!("/api/v1/events/{e}/registrations"),
                None,
                &Auth::Bearer(&graduate),
            )
            .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        }
        let ticket = get(&f, &format!("/api/v1/events/{a}/ticket"), &graduate).await;
        assert_eq!(ticket.status, StatusCode::OK, "{}", ticket.body);
        let ticket = ticket.json();
        let token = ticket["token"].as_str().unwrap().to_owned();
        assert!(ticket["svg"].as_str().unwrap().contains("<svg"));
        assert_eq!(ticket["short_code"].as_str().unwrap().len(), 8);

        let checkin = |event: &str, body: Value, who: &str| {
            let (app, path, who) = (f.app.clone(), format!("/api/v1/events/{event}/checkins"), who.to_owned());
            async move { call(&app, Method::POST, &path, Some(body), &Auth::Bearer(&who)).await }
        };
        // Not at another event, not altered, not expired, not by the graduate.
        let r = checkin(&b, json!({"token": token, "nonce": "scan-0001"}), &career).await;
        assert_error(&r, 422, "ticket_invalid");
        let mut altered: Vec<char> = token.chars().collect();
        altered[50] = if altered[50] == 'A' { 'B' } else { 'A' };
        let altered: String = altered.into_iter().collect();
        assert_error(
            &checkin(&a, json!({"token": altered, "nonce": "scan-0002"}), &career).await,
            422,
            "ticket_invalid",
        );
        let reg: Uuid = get(&f, &format!("/api/v1/events/{a}"), &graduate).await.json()["mine"]["id"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let expired =
            jiuye_app::events::tickets::issue(&f.keys, a.parse().unwrap(), reg, Utc::now() - Duration::minutes(1));
        assert_error(
            &checkin(&a, json!({"token": expired, "nonce": "scan-0003"}), &career).await,
            422,
            "ticket_expired",
        );
        assert_error(&checkin(&a, json!({"token": token, "nonce": "scan-0004"}), &graduate).await, 403, "forbidden");
        assert_error(&checkin(&a, json!({"token": token, "nonce": "x"}), &career).await, 422, "invalid_text");

        // The first scan admits; its retry (same nonce) and a new scan change nothing.
        let r = checkin(&a, json!({"token": token, "nonce": "scan-0005"}), &career).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["outcome"], "first");
        assert_eq!(
            checkin(&a, json!({"token": token, "nonce": "scan-0005"}), &career).await.json()["outcome"],
            "retry"
        );
        let again = checkin(&a, json!({"token": token, "nonce": "scan-0006"}), &career).await.json();
        assert_eq!(again["outcome"], "before");
        let code = ticket["short_code"].as_str().unwrap().to_lowercase();
        let typed = checkin(&a, json!({"code": code, "nonce": "scan-0007"}), &career).await.json();
        assert_eq!(typed["outcome"], "before", "{typed}");
        let stats = get(&f, &format!("/api/v1/events/{a}/stats"), &career).await;
        assert_eq!(stats.status, StatusCode::OK, "{}", stats.body);
        let stats = stats.json();
        assert_eq!((stats["registered"].as_i64(), stats["checked_in"].as_i64()), (Some(1), Some(1)));
        assert_eq!(stats["universities"].as_array().unwrap().len(), 1);
        assert_error(&get(&f, &format!("/api/v1/events/{a}/stats"), &graduate).await, 403, "forbidden");

        // A waiting graduate has no ticket.
        let others = graduate_tokens(&f, "tk", &graduates_under(&f, &format!("CN/510000/{SCU}"), 3).await).await;
        for t in &others {
            let r =
                call(&f.app, Method::POST, &format!("/api/v1/events/{b}/registrations"), None, &Auth::Bearer(t)).await;
            assert_eq!(r.status, StatusCode::CREATED);
        }
        let r = get(&f, &format!("/api/v1/events/{b}/ticket"), &others[2]).await;
        assert_error(&r, 409, "not_registered");
        f.cleanup().await;
    }
}

#[tokio::test]
async fn events_are_seen_by_their_universities_members_and_province_and_by_nobody_else() {
    for f in fixtures().await {
        let career = token_for(&f, "demo_career").await;
        let graduate = token_for(&f, "demo_graduate").await;
        let province = token_for(&f, "demo_province").await;
        let mut college_fair = event_body(SCU, 30, 0);
        college_fair["booths_open"] = json!(false);
        let id = create(&f, &career, college_fair).await["id"].as_str().unwrap().to_owned();
        // A graduate and the career centre of another university of the province.
        let other = graduates_under(&f, "CN/510000/4151010613", 1).await;
        let outsider = graduate_tokens(&f, "out", &other).await.remove(0);
        for (who, status) in [(&graduate, 200), (&province, 200), (&outsider, 404)] {
            let r = get(&f, &format!("/api/v1/events/{id}"), who).await;
            assert_eq!(r.status.as_u16(), status, "{}: {}", f.name, r.body);
        }
        let r =
            call(&f.app, Method::POST, &format!("/api/v1/events/{id}/registrations"), None, &Auth::Bearer(&outsider))
                .await;
        assert_error(&r, 404, "event_not_found");
        let listed = get(&f, "/api/v1/events", &outsider).await.json();
        assert!(!listed.as_array().unwrap().iter().any(|e| e["id"] == id.as_str()), "not listed elsewhere");
        let listed = get(&f, "/api/v1/events?kind=campus_fair", &graduate).await.json();
        assert!(listed.as_array().unwrap().iter().any(|e| e["id"] == id.as_str()));
        let listed = get(&f, "/api/v1/events?kind=presentation", &graduate).await.json();
        assert!(!listed.as_array().unwrap().iter().any(|e| e["id"] == id.as_str()));
        assert_error(&get(&f, "/api/v1/events?from=yesterday", &graduate).await, 400, "invalid_query");

        // A province event reaches every university's graduates.
        let mut fair = event_body("510000", 100, 0);
        fair["booths_open"] = json!(false);
        let pid = create(&f, &province, fair).await["id"].as_str().unwrap().to_owned();
        assert_eq!(get(&f, &format!("/api/v1/events/{pid}"), &outsider).await.status, StatusCode::OK);
        // The university's staff see it but do not run it.
        let r = call(&f.app, Method::POST, &format!("/api/v1/events/{pid}/cancel"), None, &Auth::Bearer(&career)).await;
        assert_error(&r, 403, "forbidden");
        let r =
            call(&f.app, Method::POST, &format!("/api/v1/events/{pid}/cancel"), None, &Auth::Bearer(&province)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let r =
            call(&f.app, Method::POST, &format!("/api/v1/events/{pid}/registrations"), None, &Auth::Bearer(&outsider))
                .await;
        assert_error(&r, 409, "event_closed");

        // The graduate's calendar feed holds their event; the university's public calendar its events.
        let r =
            call(&f.app, Method::POST, &format!("/api/v1/events/{id}/registrations"), None, &Auth::Bearer(&graduate))
                .await;
        assert_eq!(r.status, StatusCode::CREATED);
        let feed = get(&f, "/api/v1/me/calendar", &graduate).await.json();
        let ics = send(&f.app, Request::get(feed["path"].as_str().unwrap()).body(Body::empty()).unwrap()).await;
        assert_eq!(ics.status, StatusCode::OK);
        let entries = super::calendar::events(&ics.body);
        assert!(entries.iter().any(|(s, _, l)| s.contains("2024届春季双选会") && l == "体育馆"), "{entries:?}");
        let public =
            send(&f.app, Request::get(format!("/api/v1/universities/{SCU}/calendar")).body(Body::empty()).unwrap())
                .await;
        assert_eq!(public.status, StatusCode::OK);
        assert!(public.content_type.starts_with("text/calendar"));
        assert!(super::calendar::events(&public.body).iter().any(|(s, _, _)| s.contains("2024届春季双选会")));
        let r = send(&f.app, Request::get("/api/v1/universities/510000/calendar").body(Body::empty()).unwrap()).await;
        assert_error(&r, 404, "org_not_found");
        f.cleanup().await;
    }
}

#[tokio::test]
async fn the_campaign_report_counts_the_events_held_in_its_window() {
    use chrono::TimeZone;
    use jiuye_store::events::{EventRecord, RegistrationRecord};
    for f in fixtures().await {
        let career = token_for(&f, "demo_career").await;
        let c = jiuye_domain::campaign::Campaign::parse(jiuye_domain::campaign::SPRING_2023).unwrap();
        f.store.save_campaign(&c.id, &c.name, jiuye_domain::campaign::SPRING_2023).await.unwrap();
        let scu = f.store.org_by_code(&SCU.parse().unwrap()).await.unwrap().unwrap();
        let staff = f.store.user_by_username("demo_career").await.unwrap().unwrap();
        // A fair held in March 2023: three registered, two came.
        let starts = Utc.with_ymd_and_hms(2023, 3, 15, 1, 0, 0).unwrap();
        let event = EventRecord {
            id: Uuid::now_v7(),
            org_id: scu.id,
            kind: "campus_fair".into(),
            theme: "none".into(),
            title: "2023届春季双选会".into(),
            description: "春季".into(),
            venue: "体育馆".into(),
            online: false,
            stream_url: String::new(),
            starts_at: starts,
            ends_at: starts + Duration::hours(5),
            places: 100,
            taken: 0,
            hold_hours: 24,
            booths_open: false,
            cancelled_at: None,
            created_by: staff.id,
            created_at: starts - Duration::days(20),
        };
        f.store.add_event(&event, &[]).await.unwrap();
        let before = starts - Duration::days(3);
        for (i, (g, _)) in graduates_under(&f, &scu.path, 3).await.into_iter().enumerate() {
            let r = RegistrationRecord {
                id: Uuid::now_v7(),
                event_id: event.id,
                graduate_id: g,
                state: "registered".into(),
                short_code: format!("RPT{i:05}"),
                offered_until: None,
                created_at: before,
                updated_at: before,
                checked_in_at: None,
            };
            f.store.register(&r, before).await.unwrap();
            if i < 2 {
                f.store.check_in(&format!("nonce-{i}-rpt"), event.id, r.id, staff.id, starts).await.unwrap();
            }
        }
        let path = format!("/api/v1/campaigns/2023-spring/report.xlsx?org={SCU}&as_of=2023-04-30");
        let r = call(&f.app, Method::GET, &path, None, &Auth::Bearer(&career)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let sheet = jiuye_sheets::read_xlsx_sheet(&r.bytes, "招聘活动").expect("an events sheet");
        assert_eq!(sheet.headers[..6], ["活动名称", "类型", "主办单位", "开始时间", "参会单位数", "岗位数"]);
        let row = sheet.rows.iter().find(|r| r[0] == "2023届春季双选会").expect("the fair").clone();
        let col = |name: &str| sheet.headers.iter().position(|h| h == name).unwrap();
        assert_eq!(
            (row[col("报名人数")].as_str(), row[col("签到人数")].as_str(), row[col("未到场人数")].as_str()),
            ("3", "2", "1")
        );
        assert_eq!(sheet.rows.last().unwrap()[0], "合计");
        // Someone who neither sees the university's statistics nor organises gets no such sheet.
        let employer = token_for(&f, "demo_employer").await;
        let r = call(&f.app, Method::GET, &path, None, &Auth::Bearer(&employer)).await;
        assert!(r.status.is_client_error(), "{}", r.status);
        f.cleanup().await;
    }
}

#[tokio::test]
async fn an_alliance_event_reaches_the_graduates_of_every_member_and_no_one_else() {
    for f in fixtures().await {
        let career = token_for(&f, "demo_career").await;
        let scu = f.store.org_by_code(&SCU.parse().unwrap()).await.unwrap().unwrap();
        let alliance = f.store.alliances_of(scu.id).await.unwrap().into_iter().next().expect("an alliance of 四川大学");
        let members: Vec<_> = f.store.org_children(&alliance).await.unwrap().into_iter().map(|m| m.org).collect();
        let other = members.iter().find(|m| m.id != scu.id).expect("another member").clone();
        let province = f.store.org_by_code(&"510000".parse().unwrap()).await.unwrap().unwrap();
        let outside = f
            .store
            .org_children(&province)
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.org)
            .find(|o| o.kind == jiuye_domain::OrgKind::University && !members.iter().any(|m| m.id == o.id))
            .expect("a university outside the alliance");
        // A member's career centre organises it for the alliance.
        let mut body = event_body(&alliance.code.to_string(), 100, 0);
        body["booths_open"] = json!(false);
        let id = create(&f, &career, body).await["id"].as_str().unwrap().to_owned();
        let member = graduate_tokens(&f, "am", &graduates_under(&f, &other.path, 1).await).await.remove(0);
        let stranger = graduate_tokens(&f, "ao", &graduates_under(&f, &outside.path, 1).await).await.remove(0);
        let r = call(&f.app, Method::POST, &format!("/api/v1/events/{id}/registrations"), None, &Auth::Bearer(&member))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {}", f.name, r.body);
        let r =
            call(&f.app, Method::POST, &format!("/api/v1/events/{id}/registrations"), None, &Auth::Bearer(&stranger))
                .await;
        assert_error(&r, 404, "event_not_found");
        // Statistics per university; the member's line is there.
        let stats = get(&f, &format!("/api/v1/events/{id}/stats"), &career).await;
        assert_eq!(stats.status, StatusCode::OK, "{}", stats.body);
        let unis = stats.json()["universities"].as_array().unwrap().clone();
        assert_eq!(unis.len(), 1);
        assert_eq!(unis[0]["university"], other.name.as_str());
        f.cleanup().await;
    }
}
