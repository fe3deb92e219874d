//! Courses and livestream lessons through HTTP: publishing, enrolling, joining a livestream
//! (attendance recorded), marking attendance, the roll, completion per college, and the pages.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::{Duration, Utc};
use serde_json::json;

use super::identity::{Auth, call, login, token_for};
use super::{assert_error, fixtures, send};

#[tokio::test]
async fn graduates_enrol_join_a_livestream_and_count_in_their_colleges_completion() {
    for f in fixtures().await {
        let advisor = token_for(&f, "demo_advisor").await;
        let graduate = token_for(&f, "demo_graduate").await;
        let employer = token_for(&f, "demo_employer").await;
        let soon = Utc::now() + Duration::minutes(10);
        let live = json!({"kind": "livestream", "title": "简历写作直播课", "starts_at": soon, "ends_at": soon + Duration::hours(1),
            "url": "https://live.example.edu.cn/resume"});
        let r = call(&f.app, Method::POST, "/api/v1/guidance/courses", Some(live), &Auth::Bearer(&advisor)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {}", f.name, r.body);
        let live_id = r.json()["id"].as_str().unwrap().to_owned();
        let later = Utc::now() + Duration::days(2);
        let room = json!({"kind": "course", "title": "职业生涯规划", "starts_at": later, "ends_at": later + Duration::hours(2),
            "place": "明远楼 101"});
        let r = call(&f.app, Method::POST, "/api/v1/guidance/courses", Some(room), &Auth::Bearer(&advisor)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let room_id = r.json()["id"].as_str().unwrap().to_owned();
        let bad = json!({"kind": "livestream", "title": "x", "starts_at": later, "ends_at": later + Duration::hours(1), "place": "A"});
        assert_error(
            &call(&f.app, Method::POST, "/api/v1/guidance/courses", Some(bad), &Auth::Bearer(&advisor)).await,
            422,
            "invalid_text",
        );
        let c = json!({"kind": "course", "title": "x", "starts_at": later, "ends_at": later + Duration::hours(1), "place": "A"});
        assert_error(
            &call(&f.app, Method::POST, "/api/v1/guidance/courses", Some(c), &Auth::Bearer(&employer)).await,
            403,
            "forbidden",
        );

        // The graduate sees both (the link only once enrolled), enrols once, joins the livestream.
        let list = call(&f.app, Method::GET, "/api/v1/guidance/courses", None, &Auth::Bearer(&graduate)).await.json();
        let mine = list.as_array().unwrap().iter().find(|c| c["id"] == live_id.as_str()).cloned().expect("listed");
        assert_eq!((mine["url"].as_str(), mine["mine"]["enrolled"].as_bool()), (Some(""), Some(false)), "{mine}");
        let enrol = |id: String| {
            let app = f.app.clone();
            let graduate = graduate.clone();
            async move {
                call(
                    &app,
                    Method::POST,
                    &format!("/api/v1/guidance/courses/{id}/enrolments"),
                    None,
                    &Auth::Bearer(&graduate),
                )
                .await
            }
        };
        assert_eq!(enrol(live_id.clone()).await.status, StatusCode::CREATED);
        assert_eq!(enrol(live_id.clone()).await.status, StatusCode::OK);
        let joined = call(
            &f.app,
            Method::POST,
            &format!("/api/v1/guidance/courses/{live_id}/attendance"),
            None,
            &Auth::Bearer(&graduate),
        )
        .await;
        assert_eq!(joined.status, StatusCode::OK, "{}", joined.body);
        assert_eq!(joined.json()["url"], "https://live.example.edu.cn/resume");
        assert_eq!(enrol(room_id.clone()).await.status, StatusCode::CREATED);
        let r = call(
            &f.app,
            Method::POST,
            &format!("/api/v1/guidance/courses/{room_id}/attendance"),
            None,
            &Auth::Bearer(&graduate),
        )
        .await;
        assert_error(&r, 409, "course_not_live");
        let r = call(
            &f.app,
            Method::POST,
            &format!("/api/v1/guidance/courses/{room_id}/enrolments"),
            None,
            &Auth::Bearer(&employer),
        )
        .await;
        assert_error(&r, 403, "forbidden");

        // The publisher: the roll, no marking before the start, completion per college.
        let roll = call(
            &f.app,
            Method::GET,
            &format!("/api/v1/guidance/courses/{live_id}/roll"),
            None,
            &Auth::Bearer(&advisor),
        )
        .await
        .json();
        assert!(roll[0]["attended_at"].is_string(), "{roll}");
        let gid = roll[0]["graduate_id"].as_str().unwrap().to_owned();
        let r = call(
            &f.app,
            Method::POST,
            &format!("/api/v1/guidance/courses/{room_id}/attendance"),
            Some(json!({"graduate_id": gid})),
            &Auth::Bearer(&advisor),
        )
        .await;
        assert_error(&r, 409, "course_not_live");
        assert_error(
            &call(
                &f.app,
                Method::GET,
                &format!("/api/v1/guidance/courses/{live_id}/roll"),
                None,
                &Auth::Bearer(&employer),
            )
            .await,
            404,
            "course_not_found",
        );
        let cohort = f.store.graduate_view(gid.parse().unwrap()).await.unwrap().unwrap().graduate.cohort;
        let path = format!("/api/v1/guidance/courses/completion?cohort={cohort}");
        let done = call(&f.app, Method::GET, &path, None, &Auth::Bearer(&advisor)).await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
        let done = done.json();
        let attended: i64 = done.as_array().unwrap().iter().map(|c| c["attended"].as_i64().unwrap()).sum();
        assert_eq!(attended, 1, "{}: {done}", f.name);

        // The pages.
        let (gcookie, _) = login(&f.app, "demo_graduate", jiuye_seed::DEMO_PASSWORD).await;
        let page = send(
            &f.app,
            Request::get("/guidance/courses").header(header::COOKIE, gcookie).body(Body::empty()).unwrap(),
        )
        .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("简历写作直播课") && page.body.contains("已出勤"), "{}", page.body);
        let (acookie, _) = login(&f.app, "demo_advisor", jiuye_seed::DEMO_PASSWORD).await;
        let page = send(
            &f.app,
            Request::get(format!("/guidance/courses/{live_id}"))
                .header(header::COOKIE, acookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        f.cleanup().await;
    }
}
