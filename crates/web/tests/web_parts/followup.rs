//! Counselor follow-up through HTTP: logging contacts, who reads them (and the confidential
//! mark), what is sealed in the database, the alerts, the read log, and the pages.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::json;
use uuid::Uuid;

use super::identity::{Auth, call, login, token_for};
use super::{Fixture, assert_error, fixtures, send};

/// The demo graduate's record id.
async fn demo_graduate(f: &Fixture) -> Uuid {
    let grad = token_for(f, "demo_graduate").await;
    let me = call(&f.app, Method::GET, "/api/v1/me", None, &Auth::Bearer(&grad)).await.json();
    me["grants"][0]["subject_id"].as_str().expect("graduate grant").parse().expect("uuid")
}

/// A counselor of the university's second college (not the demo graduate's).
async fn other_counselor(f: &Fixture, career: &str) -> String {
    let body = json!({"username": "fu_other_c", "display_name": "另一学院辅导员", "password": "Counselor-Pass-9",
        "role": "counselor", "org": "4151010610-02"});
    let r = call(&f.app, Method::POST, "/api/v1/users", Some(body), &Auth::Bearer(career)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    token_for(f, "fu_other_c").await
}

#[tokio::test]
async fn contacts_are_logged_sealed_read_by_those_who_follow_up_and_flag_the_graduate() {
    for f in fixtures().await {
        let id = demo_graduate(&f).await;
        let counselor = token_for(&f, "demo_counselor").await;
        let college = token_for(&f, "demo_college").await;
        let career = token_for(&f, "demo_career").await;
        let leader = token_for(&f, "demo_leader").await;
        let employer = token_for(&f, "demo_employer").await;
        let graduate = token_for(&f, "demo_graduate").await;
        let other = other_counselor(&f, &career).await;
        let path = format!("/api/v1/graduates/{id}/contacts");
        let before = f.store.contacts(id, 200).await.expect("contacts").len();
        let today = chrono::Utc::now().with_timezone(&chrono_tz_offset()).date_naive();

        let contact = json!({"channel": "phone", "summary": "准备国企笔试，压力很大，睡眠不好", "needs": ["resume", "emotional"],
            "other_need": "想了解西部计划", "mood": 2, "professional_help": true, "next_step": "周五前推荐三个岗位",
            "next_due": today.to_string()});
        let r = call(&f.app, Method::POST, &path, Some(contact.clone()), &Auth::Bearer(&counselor)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {}", f.name, r.body);
        let logged = r.json();
        assert_eq!((logged["mood"].as_u64(), logged["professional_help"].as_bool()), (Some(2), Some(true)), "{logged}");
        assert_eq!(logged["on"], today.to_string());

        // Sealed at rest: neither the summary nor the state of mind is stored as written.
        let stored = f.store.contacts(id, 10).await.expect("contacts");
        let c = &stored[0].contact;
        assert!(c.summary.starts_with("v2:") && !c.summary.contains("笔试"), "{}: {c:?}", f.name);
        assert!(c.mood.as_deref().is_some_and(|m| m.starts_with("v2:")), "{c:?}");

        // The counselor and the college's leader see the confidential mark; the career centre
        // sees the state of mind without it.
        for who in [&counselor, &college] {
            let log = call(&f.app, Method::GET, &path, None, &Auth::Bearer(who)).await;
            assert_eq!(log.status, StatusCode::OK, "{}", log.body);
            let log = log.json();
            assert_eq!(log["items"][0]["professional_help"], true, "{log}");
            assert_eq!(log["items"][0]["summary"], "准备国企笔试，压力很大，睡眠不好");
            let flags = log["flags"].as_array().unwrap();
            assert!(flags.contains(&json!("step_due")) && flags.contains(&json!("anxious")), "{log}");
        }
        let log = call(&f.app, Method::GET, &path, None, &Auth::Bearer(&career)).await.json();
        assert_eq!(log["items"][0]["mood"], 2, "{log}");
        assert!(log["items"][0].get("professional_help").is_none(), "{log}");

        // Nobody else learns the graduate exists: the employer, the graduate, the university's
        // leader, another college's counselor.
        for who in [&employer, &graduate, &leader, &other] {
            assert_error(&call(&f.app, Method::GET, &path, None, &Auth::Bearer(who)).await, 404, "graduate_not_found");
            let r = call(&f.app, Method::POST, &path, Some(contact.clone()), &Auth::Bearer(who)).await;
            assert_error(&r, 404, "graduate_not_found");
        }
        assert_error(&call(&f.app, Method::GET, &path, None, &Auth::None).await, 401, "unauthenticated");

        // The alerts: the graduate is on the counselor's list, not on the other college's (a later
        // contact that finds them settled takes them off).
        let cohort = f.store.graduate_view(id).await.unwrap().unwrap().graduate.cohort;
        let alerts_of = format!("/api/v1/followup/alerts?cohort={cohort}");
        let alerts = call(&f.app, Method::GET, &alerts_of, None, &Auth::Bearer(&counselor)).await;
        assert_eq!(alerts.status, StatusCode::OK, "{}", alerts.body);
        let alerts = alerts.json();
        let mine = alerts["items"].as_array().unwrap().iter().find(|a| a["id"] == id.to_string()).cloned();
        let mine = mine.expect("the graduate is flagged");
        assert!(mine["flags"].as_array().unwrap().contains(&json!("step_due")), "{mine}");
        assert_eq!(mine["next_step"], "周五前推荐三个岗位");
        let theirs = call(&f.app, Method::GET, &alerts_of, None, &Auth::Bearer(&other)).await.json();
        assert!(theirs["items"].as_array().unwrap().iter().all(|a| a["id"] != id.to_string()), "{}", f.name);
        assert!(theirs["items"].as_array().unwrap().iter().all(|a| a["college"] != mine["college"]));
        for who in [&employer, &graduate, &leader] {
            let r = call(&f.app, Method::GET, "/api/v1/followup/alerts", None, &Auth::Bearer(who)).await;
            assert_error(&r, 403, "forbidden");
        }
        let r = call(&f.app, Method::GET, "/api/v1/followup/alerts?org=4151010610-02", None, &Auth::Bearer(&counselor))
            .await;
        assert_error(&r, 403, "forbidden");

        // The career centre may log a contact but not set the confidential mark.
        let by_career =
            json!({"channel": "in_person", "summary": "来中心咨询简历", "mood": 4, "professional_help": true});
        let r = call(&f.app, Method::POST, &path, Some(by_career), &Auth::Bearer(&career)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let log = call(&f.app, Method::GET, &path, None, &Auth::Bearer(&counselor)).await.json();
        assert_eq!(log["items"].as_array().unwrap().len(), before + 2);
        let newest = &log["items"][0];
        assert_eq!(
            (newest["summary"].as_str(), newest["professional_help"].as_bool()),
            (Some("来中心咨询简历"), Some(false))
        );
        let after = call(&f.app, Method::GET, &alerts_of, None, &Auth::Bearer(&counselor)).await.json();
        assert!(after["items"].as_array().unwrap().iter().all(|a| a["id"] != id.to_string()), "{}: settled", f.name);

        // Bad input: a clear code, nothing written.
        for (body, code) in [
            (json!({"channel": "fax", "summary": "x"}), "invalid_channel"),
            (json!({"channel": "phone", "summary": "x", "mood": 9}), "invalid_mood"),
            (json!({"channel": "phone", "summary": "x", "needs": ["dance"]}), "invalid_need"),
            (json!({"channel": "phone", "summary": "x", "on": "2999-01-01"}), "invalid_date"),
            (json!({"channel": "phone", "summary": "x", "next_due": "2000-01-01", "next_step": "y"}), "invalid_date"),
            (json!({"channel": "phone", "summary": "   "}), "invalid_text"),
            (json!({"channel": "phone", "summary": "字".repeat(2001)}), "text_too_long"),
        ] {
            let r = call(&f.app, Method::POST, &path, Some(body), &Auth::Bearer(&counselor)).await;
            assert_error(&r, 422, code);
        }
        assert_eq!(f.store.contacts(id, 200).await.unwrap().len(), before + 2, "{}: nothing half-written", f.name);

        // Every read of the log is in the read log, naming the reader.
        f.read_log.flush().await;
        let reads = call(&f.app, Method::GET, "/api/v1/read-log?kind=followup", None, &Auth::Bearer(&career)).await;
        assert_eq!(reads.status, StatusCode::OK, "{}", reads.body);
        let readers: Vec<String> = reads.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["graduate"] == id.to_string())
            .filter_map(|e| e["reader"].as_str().map(str::to_owned))
            .collect();
        for who in ["demo_counselor", "demo_college", "demo_career"] {
            assert!(readers.iter().any(|r| r == who), "{}: {who} in {readers:?}", f.name);
        }
        f.cleanup().await;
    }
}

/// Beijing time (the pages' and the API's "today").
fn chrono_tz_offset() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(8 * 3600).expect("offset")
}

#[tokio::test]
async fn the_pages_list_whom_to_reach_and_log_a_contact_from_a_form() {
    for f in fixtures().await {
        let id = demo_graduate(&f).await;
        let (cookie, csrf) = login(&f.app, "demo_counselor", jiuye_seed::DEMO_PASSWORD).await;
        let get = |uri: String| {
            let cookie = cookie.clone();
            let app = f.app.clone();
            async move { send(&app, Request::get(uri).header(header::COOKIE, cookie).body(Body::empty()).unwrap()).await }
        };
        let g = f.store.graduate_view(id).await.unwrap().unwrap().graduate;
        let list = get(format!("/followup?all=1&cohort={}&q={}", g.cohort, g.student_no)).await;
        assert_eq!(list.status, StatusCode::OK, "{}: {}", f.name, list.body);
        assert!(list.body.contains(&format!("/followup/{id}")), "the demo graduate is listed");
        let page = get(format!("/followup/{id}")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("name=\"professional_help\""), "the counselor may set the mark");

        let post = |body: String| {
            let cookie = cookie.clone();
            let app = f.app.clone();
            let uri = format!("/followup/{id}");
            async move {
                let req = Request::post(uri)
                    .header(header::COOKIE, cookie)
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(body))
                    .unwrap();
                send(&app, req).await
            }
        };
        let ok = post(format!(
            "csrf={csrf}&on=&channel=wechat&summary=%E5%B7%B2%E6%8A%95%E9%80%92%E7%AE%80%E5%8E%86&need=job_leads&need=interview&other_need=&mood=4&next_step=&next_due="
        ))
        .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
        let stored = f.store.contacts(id, 10).await.unwrap();
        assert_eq!(stored[0].contact.needs, "job_leads,interview", "{}", f.name);
        assert_eq!(stored[0].contact.channel, "wechat");
        let page = get(format!("/followup/{id}?logged=1")).await;
        assert!(page.body.contains("已投递简历") && page.body.contains("岗位信息、面试辅导"), "{}", page.body);

        let bad = post(format!("csrf={csrf}&channel=phone&summary=&mood=&next_step=&next_due=")).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
        assert!(bad.body.contains("role=\"alert\""), "the message is shown");
        let bad_date = post(format!("csrf={csrf}&on=yesterday&channel=phone&summary=x")).await;
        assert_eq!(bad_date.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad_date.body);

        // The employer has no follow-up page; another graduate's log is not found for them.
        let (employer, _) = login(&f.app, "demo_employer", jiuye_seed::DEMO_PASSWORD).await;
        let r = send(&f.app, Request::get("/followup").header(header::COOKIE, &employer).body(Body::empty()).unwrap())
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", f.name);
        let r = send(
            &f.app,
            Request::get(format!("/followup/{id}")).header(header::COOKIE, &employer).body(Body::empty()).unwrap(),
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", f.name);
        f.cleanup().await;
    }
}

#[tokio::test]
async fn the_career_centres_psychology_contact_alone_in_the_centre_sees_the_confidential_mark() {
    for f in fixtures().await {
        let id = demo_graduate(&f).await;
        let career = token_for(&f, "demo_career").await;
        let counselor = token_for(&f, "demo_counselor").await;
        let body = json!({"username": "fu_psych", "display_name": "心理联络人", "password": "Psych-Contact-9",
            "role": "career_staff", "org": "4151010610"});
        let r = call(&f.app, Method::POST, "/api/v1/users", Some(body), &Auth::Bearer(&career)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {}", f.name, r.body);
        let psych = token_for(&f, "fu_psych").await;
        let path = format!("/api/v1/graduates/{id}/contacts");
        let contact =
            json!({"channel": "in_person", "summary": "情绪低落，建议心理咨询", "mood": 1, "professional_help": true});
        assert_eq!(
            call(&f.app, Method::POST, &path, Some(contact), &Auth::Bearer(&counselor)).await.status,
            StatusCode::CREATED
        );
        let mark = |token: String| {
            let app = f.app.clone();
            let path = path.clone();
            async move {
                let log = call(&app, Method::GET, &path, None, &Auth::Bearer(&token)).await.json();
                log["items"][0].get("professional_help").cloned()
            }
        };
        assert_eq!(mark(psych.clone()).await, None, "not yet appointed");

        let appoint = |token: String, who: serde_json::Value| {
            let app = f.app.clone();
            async move {
                let body = json!({"username": who});
                call(&app, Method::PUT, "/api/v1/followup/psychology-contact", Some(body), &Auth::Bearer(&token)).await
            }
        };
        assert_error(&appoint(counselor.clone(), json!("fu_psych")).await, 403, "forbidden");
        assert_error(&appoint(career.clone(), json!("demo_counselor")).await, 422, "invalid_helper");
        assert_eq!(appoint(career.clone(), json!("fu_psych")).await.status, StatusCode::NO_CONTENT);
        assert_eq!(mark(psych.clone()).await, Some(json!(true)), "{}: the contact sees the mark", f.name);
        assert_eq!(mark(career.clone()).await, None, "the rest of the centre does not");
        assert_eq!(mark(counselor.clone()).await, Some(json!(true)));
        let who = call(&f.app, Method::GET, "/api/v1/followup/psychology-contact", None, &Auth::Bearer(&counselor))
            .await
            .json();
        assert_eq!(who["username"], "fu_psych", "{who}");
        assert_eq!(appoint(career.clone(), serde_json::Value::Null).await.status, StatusCode::NO_CONTENT);
        assert_eq!(mark(psych).await, None, "removed");
        f.cleanup().await;
    }
}
