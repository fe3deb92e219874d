//! Contests through HTTP: an advisor opens one with named judges, graduates enter until entries
//! close, judges score only while judging and see only their own scores, the organiser ranks and
//! publishes, and everyone else (an employer, another college's leader) gets 404.

use axum::http::{Method, StatusCode};
use chrono::{Duration, Utc};
use jiuye_store::contests::{ContestRecord, EntryRecord};
use jiuye_store::destinations::GraduateQuery;
use serde_json::{Value, json};
use uuid::Uuid;

use super::identity::{Auth, call, login, token_for};
use super::{Fixture, assert_error, fixtures};

const SUMMARY: &str = "本作品面向川西高原农产品上行，设计了合作社直供、校园团购和直播带货相结合的销售模式，测算了三年的成本、收入与风险，并给出团队分工与阶段目标。";

async fn demo_graduate(f: &Fixture) -> Uuid {
    let grad = token_for(f, "demo_graduate").await;
    let me = call(&f.app, Method::GET, "/api/v1/me", None, &Auth::Bearer(&grad)).await.json();
    me["grants"][0]["subject_id"].as_str().expect("graduate grant").parse().expect("uuid")
}

async fn user(f: &Fixture, username: &str) -> Uuid {
    f.store.user_by_username(username).await.unwrap().unwrap().id
}

async fn get(f: &Fixture, token: &str, id: Uuid) -> super::Reply {
    call(&f.app, Method::GET, &format!("/api/v1/contests/{id}"), None, &Auth::Bearer(token)).await
}

async fn score(f: &Fixture, token: &str, id: Uuid, entry: &str, score: i64) -> super::Reply {
    let body = json!({"score": score, "comment": "结构完整"});
    call(&f.app, Method::PUT, &format!("/api/v1/contests/{id}/entries/{entry}/score"), Some(body), &Auth::Bearer(token))
        .await
}

#[tokio::test]
async fn graduates_enter_judges_score_and_the_organiser_publishes_by_mean_score() {
    for f in fixtures().await {
        let advisor = token_for(&f, "demo_advisor").await;
        let graduate = token_for(&f, "demo_graduate").await;
        let career = token_for(&f, "demo_career").await;
        let counselor = token_for(&f, "demo_counselor").await;
        let employer = token_for(&f, "demo_employer").await;
        let college = token_for(&f, "demo_college").await;
        let close = Utc::now() + Duration::days(10);
        let body = |judges: Value| {
            json!({"kind": "entrepreneurship", "title": "第五届创新创业大赛", "description": "面向全校应届毕业生",
                "entries_close": close, "judges": judges})
        };

        // Judges are staff or teachers of the university, never an employer or a province.
        for bad in ["demo_employer", "demo_province", "nobody_here"] {
            let r =
                call(&f.app, Method::POST, "/api/v1/contests", Some(body(json!([bad]))), &Auth::Bearer(&advisor)).await;
            assert_error(&r, 422, "invalid_judge");
        }
        let r = call(
            &f.app,
            Method::POST,
            "/api/v1/contests",
            Some(body(json!(["demo_career"]))),
            &Auth::Bearer(&graduate),
        )
        .await;
        assert_error(&r, 403, "forbidden");
        let r = call(
            &f.app,
            Method::POST,
            "/api/v1/contests",
            Some(body(json!(["demo_career", "demo_counselor"]))),
            &Auth::Bearer(&advisor),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {}", f.name, r.body);
        let open: Uuid = r.json()["id"].as_str().unwrap().parse().unwrap();

        // The graduate enters, then changes the entry; a short summary is refused.
        let entry = json!({"title": "高原好物直通车", "summary": SUMMARY});
        let path = format!("/api/v1/contests/{open}/entry");
        let r = call(&f.app, Method::PUT, &path, Some(entry.clone()), &Auth::Bearer(&graduate)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let r = call(&f.app, Method::PUT, &path, Some(entry), &Auth::Bearer(&graduate)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let r =
            call(&f.app, Method::PUT, &path, Some(json!({"title": "x", "summary": "太短"})), &Auth::Bearer(&graduate))
                .await;
        assert_error(&r, 422, "invalid_text");
        // Judges may not score while entries are open.
        let mine = get(&f, &graduate, open).await.json();
        let mine_id = mine["mine"]["id"].as_str().unwrap().to_owned();
        assert_error(&score(&f, &career, open, &mine_id, 90).await, 409, "contest_not_judging");
        // Those who have nothing to do with it see nothing.
        assert_error(&get(&f, &employer, open).await, 404, "contest_not_found");
        assert_error(&get(&f, &college, open).await, 404, "contest_not_found");
        let r = call(&f.app, Method::GET, "/api/v1/contests", None, &Auth::Bearer(&employer)).await;
        assert_error(&r, 403, "forbidden");

        // A contest whose entries closed, with three entries.
        let scu = f.store.org_by_code(&jiuye_domain::OrgCode::parse("4151010610").unwrap()).await.unwrap().unwrap();
        let id = Uuid::now_v7();
        let past = Utc::now() - Duration::days(1);
        let record = ContestRecord {
            id,
            org_id: scu.id,
            kind: "career_planning".into(),
            title: "职业规划大赛".into(),
            description: "校赛".into(),
            entries_close: past,
            prizes: (0, 0, 0),
            published_at: None,
            created_by: user(&f, "demo_advisor").await,
            created_at: past - Duration::days(20),
        };
        let judges = [user(&f, "demo_career").await, user(&f, "demo_counselor").await];
        f.store.add_contest(&record, &judges).await.unwrap();
        let me = demo_graduate(&f).await;
        let (others, _) = f
            .store
            .list_graduates(&GraduateQuery {
                scope_paths: vec![scu.path.clone()],
                limit: 3,
                ..GraduateQuery::default()
            })
            .await
            .unwrap();
        let mut entrants = vec![me];
        entrants.extend(others.iter().map(|g| g.id).filter(|g| *g != me).take(2));
        for (i, g) in entrants.iter().enumerate() {
            let at = past - Duration::days(5 - i as i64);
            let e = EntryRecord {
                id: Uuid::now_v7(),
                contest_id: id,
                graduate_id: *g,
                title: format!("规划书 {i}"),
                summary: SUMMARY.into(),
                link: String::new(),
                submitted_at: at,
                updated_at: at,
            };
            assert!(f.store.upsert_entry(&e).await.unwrap());
        }
        let r = call(
            &f.app,
            Method::PUT,
            &format!("/api/v1/contests/{id}/entry"),
            Some(json!({"title": "迟到", "summary": SUMMARY})),
            &Auth::Bearer(&graduate),
        )
        .await;
        assert_error(&r, 409, "contest_closed");

        // Each judge scores; a judge sees only their own scores, no means.
        let judged = get(&f, &counselor, id).await.json();
        let list: Vec<String> =
            judged["entry_list"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap().to_owned()).collect();
        assert_eq!(list.len(), 3, "{judged}");
        for (entry, (a, b)) in list.iter().zip([(70, 80), (95, 91), (88, 90)]) {
            assert_eq!(score(&f, &counselor, id, entry, a).await.status, StatusCode::NO_CONTENT);
            assert_eq!(score(&f, &career, id, entry, b).await.status, StatusCode::NO_CONTENT);
        }
        assert_error(&score(&f, &career, id, &list[0], 101).await, 422, "invalid_text");
        assert_error(&score(&f, &advisor, id, &list[0], 60).await, 403, "forbidden");
        assert_error(&score(&f, &career, id, &mine_id, 60).await, 404, "entry_not_found");
        let judged = get(&f, &counselor, id).await.json();
        let first = &judged["entry_list"][0];
        assert_eq!((first["my_score"].as_i64(), first["mean"].is_null()), (Some(70), true), "{judged}");
        // The graduate sees their own entry, not yet a result.
        let before = get(&f, &graduate, id).await.json();
        assert_eq!((before["entry_list"].as_array().unwrap().len(), before["mine"]["rank"].is_null()), (0, true));

        // The organiser sees the ranking by mean; publishes once, with prizes no more than entries.
        let org = get(&f, &advisor, id).await.json();
        let means: Vec<f64> =
            org["entry_list"].as_array().unwrap().iter().map(|e| e["mean"].as_f64().unwrap()).collect();
        assert_eq!(means, [93.0, 89.0, 75.0], "{org}");
        let results = format!("/api/v1/contests/{id}/results");
        let r = call(
            &f.app,
            Method::POST,
            &results,
            Some(json!({"first": 1, "second": 1, "third": 5})),
            &Auth::Bearer(&advisor),
        )
        .await;
        assert_error(&r, 422, "invalid_capacity");
        let r = call(
            &f.app,
            Method::POST,
            &results,
            Some(json!({"first": 1, "second": 1, "third": 0})),
            &Auth::Bearer(&career),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let r = call(
            &f.app,
            Method::POST,
            &results,
            Some(json!({"first": 1, "second": 1, "third": 0})),
            &Auth::Bearer(&advisor),
        )
        .await;
        assert_error(&r, 409, "contest_not_judging");
        assert_error(&score(&f, &career, id, &list[0], 60).await, 409, "contest_not_judging");

        // Everyone who may enter sees the winners; the graduate their own result (third: no prize).
        let after = get(&f, &graduate, id).await.json();
        let prizes: Vec<&str> =
            after["entry_list"].as_array().unwrap().iter().map(|e| e["prize"].as_str().unwrap()).collect();
        assert_eq!(prizes, ["一等奖", "二等奖"], "{after}");
        assert_eq!((after["mine"]["rank"].as_i64(), after["mine"]["prize"].is_null()), (Some(3), true), "{after}");

        // The pages.
        let (cookie, _) = login(&f.app, "demo_counselor", "Jiuye-Demo-2023").await;
        let auth = Auth::Cookie { cookie: &cookie, csrf: None };
        let page = call(&f.app, Method::GET, "/guidance/contests", None, &auth).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("第五届创新创业大赛") && page.body.contains("职业规划大赛"), "{}", page.body);
        let page = call(&f.app, Method::GET, &format!("/guidance/contests/{open}"), None, &auth).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let (cookie, _) = login(&f.app, "demo_graduate", "Jiuye-Demo-2023").await;
        let auth = Auth::Cookie { cookie: &cookie, csrf: None };
        let page = call(&f.app, Method::GET, &format!("/guidance/contests/{id}"), None, &auth).await;
        assert!(page.body.contains("一等奖") && page.body.contains("获奖名单"), "{}", page.body);
        let page = call(&f.app, Method::GET, &format!("/guidance/contests/{open}"), None, &auth).await;
        assert!(page.body.contains("修改作品") && page.body.contains("name=\"summary\""), "{}", page.body);
        f.cleanup().await;
    }
}
