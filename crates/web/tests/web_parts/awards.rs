//! The 基层就业卓越奖 nominations through HTTP: a college nominates, the university forwards or
//! returns, the province awards or declines; each level only takes its own steps, other
//! colleges, universities and employers get 404, a stale version gets 409, and the pages work.

use axum::http::{Method, StatusCode};
use jiuye_store::destinations::GraduateQuery;
use serde_json::{Value, json};
use uuid::Uuid;

use super::identity::{Auth, call, login, token_for};
use super::{Fixture, assert_error, fixtures};

const CITATION: &str =
    "毕业后参加西部计划赴甘孜州支教两年，所带班级成绩显著提高，服务期满后留任当地学校，获评州级优秀志愿者。";

/// Graduates of the demo university: (grassroots and not nominated yet, any other).
async fn candidates(f: &Fixture) -> (Vec<(Uuid, String)>, Uuid) {
    let scu = f.store.org_by_code(&jiuye_domain::OrgCode::parse("4151010610").unwrap()).await.unwrap().unwrap();
    let (all, _) = f
        .store
        .list_graduates(&GraduateQuery { scope_paths: vec![scu.path.clone()], limit: 1000, ..GraduateQuery::default() })
        .await
        .unwrap();
    let taken: Vec<Uuid> = f
        .store
        .nominations_under(std::slice::from_ref(&scu.path), None)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|n| n.nomination.graduate_id)
        .collect();
    let grassroots = all
        .iter()
        .filter(|g| g.dest_code.as_deref().is_some_and(jiuye_domain::awards::is_grassroots))
        .filter(|g| !taken.contains(&g.id))
        .map(|g| (g.id, g.student_no.clone()))
        .collect();
    let other = all.iter().find(|g| g.dest_code.as_deref() == Some("11")).expect("a contract graduate").id;
    (grassroots, other)
}

async fn step(f: &Fixture, token: &str, id: &str, body: Value) -> super::Reply {
    call(&f.app, Method::POST, &format!("/api/v1/awards/nominations/{id}/steps"), Some(body), &Auth::Bearer(token))
        .await
}

#[tokio::test]
async fn a_nomination_goes_from_college_to_university_to_province_and_each_level_takes_only_its_steps() {
    for f in fixtures().await {
        let career = token_for(&f, "demo_career").await;
        let college = token_for(&f, "demo_college").await;
        let province = token_for(&f, "demo_province").await;
        let counselor = token_for(&f, "demo_counselor").await;
        let employer = token_for(&f, "demo_employer").await;
        let (grassroots, other) = candidates(&f).await;
        let (graduate, student_no) = grassroots.first().cloned().expect("a grassroots graduate in the demo university");

        // Only recent grassroots graduates; text is checked; the counselor may not nominate.
        let body = |g: Uuid| json!({"kind": "graduate", "graduate_id": g, "citation": CITATION});
        let r =
            call(&f.app, Method::POST, "/api/v1/awards/nominations", Some(body(other)), &Auth::Bearer(&career)).await;
        assert_error(&r, 422, "not_grassroots");
        let short = json!({"kind": "graduate", "graduate_id": graduate, "citation": "很好"});
        let r = call(&f.app, Method::POST, "/api/v1/awards/nominations", Some(short), &Auth::Bearer(&career)).await;
        assert_error(&r, 422, "invalid_text");
        let r =
            call(&f.app, Method::POST, "/api/v1/awards/nominations", Some(body(graduate)), &Auth::Bearer(&counselor))
                .await;
        assert_eq!(r.status.as_u16(), 404, "{}: {}", f.name, r.body);

        // The career centre nominates on the graduate's college's behalf, by 学号.
        let by_no = json!({"kind": "graduate", "student_no": student_no, "citation": CITATION});
        let r =
            call(&f.app, Method::POST, "/api/v1/awards/nominations", Some(by_no.clone()), &Auth::Bearer(&career)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {}", f.name, r.body);
        let n = r.json();
        let id = n["id"].as_str().unwrap().to_owned();
        assert_eq!((n["state"].as_str(), n["version"].as_i64()), (Some("submitted"), Some(1)), "{n}");
        let r = call(&f.app, Method::POST, "/api/v1/awards/nominations", Some(by_no), &Auth::Bearer(&career)).await;
        assert_error(&r, 409, "already_nominated");

        // The province does not see it before it is forwarded; nor does an employer, ever.
        for token in [&province, &employer] {
            let r = call(&f.app, Method::GET, &format!("/api/v1/awards/nominations/{id}"), None, &Auth::Bearer(token))
                .await;
            assert_error(&r, 404, "nomination_not_found");
        }
        let r = call(&f.app, Method::GET, "/api/v1/awards/nominations", None, &Auth::Bearer(&employer)).await;
        assert_error(&r, 403, "forbidden");

        // The university returns it (a reason is required), the career centre resubmits it with a
        // changed citation, then forwards it; a stale version changes nothing.
        let r = step(&f, &career, &id, json!({"step": "return", "version": 1})).await;
        assert_error(&r, 422, "invalid_reason");
        let r = step(&f, &career, &id, json!({"step": "award", "version": 1})).await;
        assert_error(&r, 403, "forbidden");
        let r = step(&f, &career, &id, json!({"step": "return", "reason": "请补充服务期满后的工作情况", "version": 1}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["state"], "returned");
        let changed = format!("{CITATION}服务期满后继续留任。");
        let r = step(&f, &career, &id, json!({"step": "resubmit", "citation": changed, "version": 2})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["citation"], changed.as_str());
        let r = step(&f, &career, &id, json!({"step": "forward", "version": 2})).await;
        assert_error(&r, 409, "version_conflict");
        let r = step(&f, &career, &id, json!({"step": "forward", "version": 3})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["state"], "forwarded");
        let r = step(&f, &career, &id, json!({"step": "withdraw", "version": 4})).await;
        assert_error(&r, 409, "invalid_transition");

        // The province sees it now, declines needs a reason, and awards it.
        let list = call(&f.app, Method::GET, "/api/v1/awards/nominations", None, &Auth::Bearer(&province)).await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.body);
        let list = list.json();
        let mine = list.as_array().unwrap().iter().find(|n| n["id"] == id.as_str()).expect("forwarded").clone();
        assert_eq!(mine["allowed"], json!(["award", "decline"]), "{mine}");
        assert!(list.as_array().unwrap().iter().all(|n| n["state"] != "submitted"), "{list}");
        let r = step(&f, &province, &id, json!({"step": "decline", "version": 4})).await;
        assert_error(&r, 422, "invalid_reason");
        let r = step(&f, &province, &id, json!({"step": "award", "version": 4})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let done = call(&f.app, Method::GET, &format!("/api/v1/awards/nominations/{id}"), None, &Auth::Bearer(&career))
            .await
            .json();
        assert_eq!(done["state"], "awarded");
        let steps: Vec<&str> =
            done["history"].as_array().unwrap().iter().map(|s| s["step"].as_str().unwrap()).collect();
        assert_eq!(steps, ["submit", "return", "resubmit", "forward", "award"]);
        assert_eq!(done["allowed"], json!([]));

        // A teacher nominated by the college leader, withdrawn by the college.
        let t = json!({"kind": "teacher", "teacher_name": "张老师", "citation": CITATION});
        let r = call(&f.app, Method::POST, "/api/v1/awards/nominations", Some(t), &Auth::Bearer(&college)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {}", f.name, r.body);
        let tid = r.json()["id"].as_str().unwrap().to_owned();
        let r = step(&f, &college, &tid, json!({"step": "forward", "version": 1})).await;
        assert_error(&r, 403, "forbidden");
        let r = step(&f, &college, &tid, json!({"step": "withdraw", "version": 1})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);

        // Another university's career centre and another college's leader see nothing of it.
        for (username, role, org) in
            [("award_other_uni", "career_staff", "4151010613"), ("award_other_col", "college_leader", "4151010610-02")]
        {
            let body = json!({"username": username, "display_name": username, "password": "Award-Pass-9",
                "role": role, "org": org});
            let boss = if role == "career_staff" { &province } else { &career };
            let r = call(&f.app, Method::POST, "/api/v1/users", Some(body), &Auth::Bearer(boss)).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
            let outsider = token_for(&f, username).await;
            for nid in [&id, &tid] {
                let r = call(
                    &f.app,
                    Method::GET,
                    &format!("/api/v1/awards/nominations/{nid}"),
                    None,
                    &Auth::Bearer(&outsider),
                )
                .await;
                assert_error(&r, 404, "nomination_not_found");
            }
        }
        f.cleanup().await;
    }
}

#[tokio::test]
async fn the_nomination_pages_nominate_list_and_move_a_nomination() {
    for f in fixtures().await {
        let (grassroots, _) = candidates(&f).await;
        let (_, student_no) = grassroots.first().cloned().expect("a grassroots graduate");
        let (cookie, csrf) = login(&f.app, "demo_career", "Jiuye-Demo-2023").await;
        let auth = Auth::Cookie { cookie: &cookie, csrf: Some(&csrf) };
        let page = call(&f.app, Method::GET, "/awards", None, &auth).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("基层就业卓越奖推荐") && page.body.contains("name=\"citation\""), "{}", page.body);
        // The demo has one forwarded nomination and others waiting for the career centre.
        let waiting = call(&f.app, Method::GET, "/awards?waiting=true", None, &auth).await;
        assert!(waiting.body.contains("待您处理"), "{}", waiting.body);
        // A form with an error keeps what was typed.
        let form =
            format!("csrf={csrf}&kind=graduate&student_no={student_no}&teacher_name=&citation=%E5%A4%AA%E7%9F%AD");
        let r = post_form(&f.app, "/awards", &form, &cookie).await;
        assert_eq!(r.status.as_u16(), 422, "{}", r.body);
        assert!(r.body.contains("role=\"alert\""), "{}", r.body);
        let citation: String = url_encode(CITATION);
        let form = format!("csrf={csrf}&kind=graduate&student_no={student_no}&teacher_name=&citation={citation}");
        let r = post_form(&f.app, "/awards", &form, &cookie).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let to = r.headers.get("location").unwrap().to_str().unwrap().to_owned();
        let id = to.trim_start_matches("/awards/").split('?').next().unwrap().to_owned();
        let detail = call(&f.app, Method::GET, &to, None, &auth).await;
        assert!(detail.body.contains("报送省级") && detail.body.contains("退回院系"), "{}", detail.body);
        let form = format!("csrf={csrf}&step=forward&reason=&citation=&version=1");
        let r = post_form(&f.app, &format!("/awards/{id}/steps"), &form, &cookie).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        // The same step again is refused on the page, with the reason.
        let r = post_form(&f.app, &format!("/awards/{id}/steps"), &form, &cookie).await;
        assert_eq!(r.status.as_u16(), 409, "{}", r.body);
        assert!(r.body.contains("role=\"alert\""), "{}", r.body);
        // The province's page lists it, with its buttons.
        let (pc, _) = login(&f.app, "demo_province", "Jiuye-Demo-2023").await;
        let p =
            call(&f.app, Method::GET, &format!("/awards/{id}"), None, &Auth::Cookie { cookie: &pc, csrf: None }).await;
        assert!(p.body.contains("评为获奖") && p.body.contains("不予评选"), "{}", p.body);
        f.cleanup().await;
    }
}

async fn post_form(app: &axum::Router, uri: &str, form: &str, cookie: &str) -> super::Reply {
    let req = axum::http::Request::post(uri)
        .header(axum::http::header::COOKIE, cookie)
        .header(axum::http::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(form.to_owned()))
        .unwrap();
    super::send(app, req).await
}

fn url_encode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}
