//! Guidance through HTTP: an advisor publishes a slot; fifty graduates book its one place at
//! once and exactly one gets it; cancelling frees it; who may book, cancel and see what.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::{Duration, Utc};
use jiuye_domain::access::Role;
use jiuye_store::accounts::{NewGrant, NewUser};
use jiuye_store::destinations::GraduateQuery;
use serde_json::json;
use uuid::Uuid;

use super::identity::{Auth, call, login, token_for};
use super::{Fixture, assert_error, fixtures, send};

/// An API token for a new graduate account of each graduate given.
pub(crate) async fn graduate_tokens(f: &Fixture, prefix: &str, graduates: &[(Uuid, Uuid)]) -> Vec<String> {
    let mut out = Vec::new();
    for (i, (graduate, programme)) in graduates.iter().enumerate() {
        let user = NewUser {
            id: Uuid::now_v7(),
            username: format!("{prefix}_{i}"),
            display_name: format!("毕业生{i}"),
            org_id: *programme,
            password_hash: "$argon2id$v=19$placeholder".into(),
            must_change_password: false,
        };
        let grant = NewGrant {
            id: Uuid::now_v7(),
            user_id: user.id,
            role: Role::Graduate,
            org_id: *programme,
            subject_id: Some(*graduate),
            created_by: None,
        };
        assert!(f.store.create_user(&user, &[grant]).await.expect("user"));
        let record = f.store.user_by_id(user.id).await.expect("db").expect("user");
        out.push(jiuye_app::accounts::issue_token(&*f.store, &record, "test", Some(1)).await.expect("token").1);
    }
    out
}

/// Graduates (id, programme id) of a university, the demo graduate left out.
pub(crate) async fn graduates_of(f: &Fixture, university: &str, n: usize) -> Vec<(Uuid, Uuid)> {
    let org = f.store.org_by_code(&university.parse().unwrap()).await.unwrap().unwrap();
    let q = GraduateQuery { scope_paths: vec![org.path], limit: 200, ..GraduateQuery::default() };
    let (items, _) = f.store.list_graduates(&q).await.unwrap();
    let demo = f.store.user_by_username("demo_graduate").await.unwrap().unwrap();
    let demo = f.store.grants_of(demo.id).await.unwrap()[0].grant.subject_id;
    let mut out = Vec::new();
    for g in items.into_iter().filter(|g| Some(g.id) != demo).take(n) {
        let view = f.store.graduate_view(g.id).await.unwrap().unwrap();
        out.push((g.id, view.graduate.programme_id));
    }
    out
}

#[tokio::test]
async fn fifty_graduates_book_one_place_at_once_and_exactly_one_gets_it() {
    for f in fixtures().await {
        let advisor = token_for(&f, "demo_advisor").await;
        let graduate = token_for(&f, "demo_graduate").await;
        let employer = token_for(&f, "demo_employer").await;
        let starts = Utc::now() + Duration::days(3);
        let slot = |capacity: i64| {
            json!({"kind": "mock_interview", "starts_at": starts, "ends_at": starts + Duration::minutes(45),
                "place": "就业指导中心 205", "capacity": capacity})
        };
        let r = call(&f.app, Method::POST, "/api/v1/guidance/slots", Some(slot(1)), &Auth::Bearer(&advisor)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {}", f.name, r.body);
        let id = r.json()["id"].as_str().unwrap().to_owned();
        for who in [&graduate, &employer] {
            let r = call(&f.app, Method::POST, "/api/v1/guidance/slots", Some(slot(1)), &Auth::Bearer(who)).await;
            assert_error(&r, 403, "forbidden");
        }
        let past = json!({"kind": "consultation", "starts_at": Utc::now() - Duration::hours(1),
            "ends_at": Utc::now(), "place": "x", "capacity": 1});
        for (body, code) in [
            (past, "invalid_date"),
            (
                json!({"kind": "chat", "starts_at": starts, "ends_at": starts + Duration::hours(1), "place": "x", "capacity": 1}),
                "invalid_kind",
            ),
            (
                json!({"kind": "consultation", "starts_at": starts, "ends_at": starts + Duration::hours(1), "place": "x", "capacity": 0}),
                "invalid_capacity",
            ),
            (
                json!({"kind": "consultation", "starts_at": starts, "ends_at": starts + Duration::hours(1), "capacity": 1}),
                "invalid_text",
            ),
        ] {
            let r = call(&f.app, Method::POST, "/api/v1/guidance/slots", Some(body), &Auth::Bearer(&advisor)).await;
            assert_error(&r, 422, code);
        }

        // Fifty graduates of the university at once: one 201, forty-nine 409 slot_full.
        let tokens = graduate_tokens(&f, "scu", &graduates_of(&f, "4151010610", 50).await).await;
        assert_eq!(tokens.len(), 50, "{}", f.name);
        let path = format!("/api/v1/guidance/slots/{id}/bookings");
        let tasks: Vec<_> = tokens
            .iter()
            .map(|t| {
                let (app, path, t) = (f.app.clone(), path.clone(), t.clone());
                tokio::spawn(async move { call(&app, Method::POST, &path, None, &Auth::Bearer(&t)).await })
            })
            .collect();
        let mut won = Vec::new();
        for t in tasks {
            let r = t.await.expect("task");
            match r.status {
                StatusCode::CREATED => won.push(r.json()["id"].as_str().unwrap().to_owned()),
                _ => assert_error(&r, 409, "slot_full"),
            }
        }
        assert_eq!(won.len(), 1, "{}: exactly one booking", f.name);

        // The demo graduate sees the slot, full; booking it is refused.
        let list = call(&f.app, Method::GET, "/api/v1/guidance/slots", None, &Auth::Bearer(&graduate)).await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.body);
        let mine = list.json()["items"].as_array().unwrap().iter().find(|s| s["id"] == id).cloned().expect("listed");
        assert_eq!((mine["booked"].as_i64(), mine["capacity"].as_i64()), (Some(1), Some(1)));
        assert!(mine.get("bookings").is_none(), "graduates do not see who booked");
        assert_error(&call(&f.app, Method::POST, &path, None, &Auth::Bearer(&graduate)).await, 409, "slot_full");

        // Only the holder or the advisor cancels; then the place is free again.
        let cancel = format!("/api/v1/guidance/bookings/{}", won[0]);
        assert_error(
            &call(&f.app, Method::DELETE, &cancel, None, &Auth::Bearer(&graduate)).await,
            404,
            "booking_not_found",
        );
        assert_error(
            &call(&f.app, Method::DELETE, &cancel, None, &Auth::Bearer(&employer)).await,
            404,
            "booking_not_found",
        );
        let staff = call(&f.app, Method::GET, "/api/v1/guidance/slots", None, &Auth::Bearer(&advisor)).await.json();
        let seen = staff["items"].as_array().unwrap().iter().find(|s| s["id"] == id).cloned().unwrap();
        assert_eq!(seen["bookings"].as_array().unwrap().len(), 1, "the advisor sees who booked");
        let r = call(&f.app, Method::DELETE, &cancel, None, &Auth::Bearer(&advisor)).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
        assert_error(
            &call(&f.app, Method::DELETE, &cancel, None, &Auth::Bearer(&advisor)).await,
            404,
            "booking_not_found",
        );
        let r = call(&f.app, Method::POST, &path, None, &Auth::Bearer(&graduate)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let booking = r.json()["id"].as_str().unwrap().to_owned();
        let cap2 = call(&f.app, Method::POST, "/api/v1/guidance/slots", Some(slot(2)), &Auth::Bearer(&advisor)).await;
        let two = cap2.json()["id"].as_str().unwrap().to_owned();
        let path2 = format!("/api/v1/guidance/slots/{two}/bookings");
        assert_eq!(
            call(&f.app, Method::POST, &path2, None, &Auth::Bearer(&graduate)).await.status,
            StatusCode::CREATED
        );
        assert_error(&call(&f.app, Method::POST, &path2, None, &Auth::Bearer(&graduate)).await, 409, "already_booked");
        let r = call(
            &f.app,
            Method::DELETE,
            &format!("/api/v1/guidance/bookings/{booking}"),
            None,
            &Auth::Bearer(&graduate),
        )
        .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "the holder cancels");

        // A graduate of another university neither sees nor books it.
        let other = graduate_tokens(&f, "other", &graduates_of(&f, "4151010613", 1).await).await;
        let theirs = call(&f.app, Method::GET, "/api/v1/guidance/slots", None, &Auth::Bearer(&other[0])).await.json();
        assert!(theirs["items"].as_array().unwrap().iter().all(|s| s["id"] != id), "{}", f.name);
        assert_error(&call(&f.app, Method::POST, &path, None, &Auth::Bearer(&other[0])).await, 404, "slot_not_found");
        assert_error(
            &call(&f.app, Method::GET, "/api/v1/guidance/slots", None, &Auth::Bearer(&employer)).await,
            403,
            "forbidden",
        );
        f.cleanup().await;
    }
}

#[tokio::test]
async fn the_page_books_and_cancels_in_one_tap_and_publishes_slots() {
    for f in fixtures().await {
        let (cookie, csrf) = login(&f.app, "demo_graduate", jiuye_seed::DEMO_PASSWORD).await;
        let post = |uri: String, body: String, cookie: String| {
            let app = f.app.clone();
            async move {
                let req = Request::post(uri)
                    .header(header::COOKIE, cookie)
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(body))
                    .unwrap();
                send(&app, req).await
            }
        };
        let get = |uri: &str, cookie: &str| {
            let req = Request::get(uri).header(header::COOKIE, cookie).body(Body::empty()).unwrap();
            send(&f.app, req)
        };
        let page = get("/guidance", &cookie).await;
        assert_eq!(page.status, StatusCode::OK, "{}: {}", f.name, page.body);
        // The demo's open slots are offered; book the first one that is not full.
        let action =
            page.body.split("action=\"/guidance/slots/").nth(1).map(|s| s.split('"').next().unwrap().to_owned());
        let action = action.expect("a slot to book");
        let r = post(format!("/guidance/slots/{action}"), format!("csrf={csrf}"), cookie.clone()).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = get("/guidance?done=booked", &cookie).await;
        assert!(page.body.contains("预约成功"), "{}", page.body);
        let cancel =
            page.body.split("action=\"/guidance/bookings/").nth(1).map(|s| s.split('"').next().unwrap().to_owned());
        let r =
            post(format!("/guidance/bookings/{}", cancel.expect("a booking")), format!("csrf={csrf}"), cookie.clone())
                .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

        let (advisor, acsrf) = login(&f.app, "demo_advisor", jiuye_seed::DEMO_PASSWORD).await;
        let page = get("/guidance", &advisor).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("name=\"starts_at\""), "the publish form");
        let when = (Utc::now() + Duration::days(5)).with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap());
        let body = format!(
            "csrf={acsrf}&kind=resume_review&starts_at={}&minutes=30&place=%E5%9B%BE%E4%B9%A6%E9%A6%86&video_url=&capacity=3",
            when.format("%Y-%m-%dT%H%%3A%M")
        );
        let r = post("/guidance/slots".into(), body, advisor.clone()).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let bad = post(
            "/guidance/slots".into(),
            format!("csrf={acsrf}&kind=resume_review&starts_at=&minutes=30&place=x&capacity=1"),
            advisor.clone(),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
        assert!(bad.body.contains("role=\"alert\""));
        let (employer, _) = login(&f.app, "demo_employer", jiuye_seed::DEMO_PASSWORD).await;
        assert_eq!(get("/guidance", &employer).await.status, StatusCode::FORBIDDEN);
        f.cleanup().await;
    }
}

#[tokio::test]
async fn advisors_keep_notes_and_the_graduate_sees_only_those_shared_with_them() {
    for f in fixtures().await {
        let advisor = token_for(&f, "demo_advisor").await;
        let graduate = token_for(&f, "demo_graduate").await;
        let employer = token_for(&f, "demo_employer").await;
        let counselor = token_for(&f, "demo_counselor").await;
        let me = call(&f.app, Method::GET, "/api/v1/me", None, &Auth::Bearer(&graduate)).await.json();
        let id = me["grants"][0]["subject_id"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/graduates/{id}/guidance-notes");
        let team = json!({"body": "简历项目经历偏弱，下次模拟面试重点练 STAR 表达"});
        let shared = json!({"body": "建议把实习经历放在教育背景前面，并投递成都的两家国企", "shared": true});
        for body in [team.clone(), shared] {
            let r = call(&f.app, Method::POST, &path, Some(body), &Auth::Bearer(&advisor)).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}: {}", f.name, r.body);
        }
        let all = call(&f.app, Method::GET, &path, None, &Auth::Bearer(&advisor)).await.json();
        assert_eq!(all.as_array().unwrap().len(), 2, "{all}");
        let mine = call(&f.app, Method::GET, "/api/v1/me/guidance-notes", None, &Auth::Bearer(&graduate)).await;
        assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
        let mine = mine.json();
        assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
        assert!(mine[0]["body"].as_str().unwrap().contains("国企"));
        for who in [&employer, &counselor, &graduate] {
            assert_error(&call(&f.app, Method::GET, &path, None, &Auth::Bearer(who)).await, 404, "graduate_not_found");
            let r = call(&f.app, Method::POST, &path, Some(team.clone()), &Auth::Bearer(who)).await;
            assert_error(&r, 404, "graduate_not_found");
        }
        assert_error(
            &call(&f.app, Method::GET, "/api/v1/me/guidance-notes", None, &Auth::Bearer(&advisor)).await,
            403,
            "forbidden",
        );
        for (body, code) in
            [(json!({"body": "  "}), "invalid_text"), (json!({"body": "字".repeat(2001)}), "text_too_long")]
        {
            assert_error(&call(&f.app, Method::POST, &path, Some(body), &Auth::Bearer(&advisor)).await, 422, code);
        }

        // The pages: the advisor's notes page, the graduate's guidance page with the shared note.
        let (cookie, _) = login(&f.app, "demo_advisor", jiuye_seed::DEMO_PASSWORD).await;
        let page = send(
            &f.app,
            Request::get(format!("/guidance/graduates/{id}"))
                .header(header::COOKIE, cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("STAR") && page.body.contains("name=\"shared\""));
        let (gcookie, _) = login(&f.app, "demo_graduate", jiuye_seed::DEMO_PASSWORD).await;
        let page =
            send(&f.app, Request::get("/guidance").header(header::COOKIE, gcookie).body(Body::empty()).unwrap()).await;
        assert!(page.body.contains("国企") && !page.body.contains("STAR"), "{}", page.body);
        f.cleanup().await;
    }
}
