//! Destination registration, review, confirmation, evidence, disputes and integrity checks
//! through the HTTP API, on every backend.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};

use super::identity::{Auth, call, token_for};
use super::{Fixture, assert_error, fixtures, send};

async fn my_graduate_id(f: &Fixture, token: &str) -> String {
    let me = call(&f.app, Method::GET, "/api/v1/me", None, &Auth::Bearer(token)).await.json();
    me["grants"][0]["subject_id"].as_str().expect("graduate grant has a subject").to_owned()
}

async fn put(f: &Fixture, token: &str, id: &str, body: Value) -> super::Reply {
    call(&f.app, Method::PUT, &format!("/api/v1/graduates/{id}/destination"), Some(body), &Auth::Bearer(token)).await
}

async fn review(f: &Fixture, token: &str, id: &str, level: &str, decision: &str, reason: Option<&str>) -> super::Reply {
    let body = json!({"level": level, "decision": decision, "reason": reason});
    call(&f.app, Method::POST, &format!("/api/v1/graduates/{id}/destination/review"), Some(body), &Auth::Bearer(token))
        .await
}

fn rules(r: &super::Reply) -> Vec<String> {
    r.json()["violations"].as_array().unwrap().iter().map(|v| v["rule"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn register_review_confirm_with_rules_explained() {
    for f in fixtures().await {
        let grad = token_for(&f, "demo_graduate").await;
        let counselor = token_for(&f, "demo_counselor").await;
        let career = token_for(&f, "demo_career").await;
        let id = my_graduate_id(&f, &grad).await;
        // The demo graduate's cohort may be closed; open it the way an administrator would.
        let view = f.store.graduate_view(id.parse().unwrap()).await.unwrap().unwrap();
        f.store.set_cohort_closing(view.graduate.org_id, view.graduate.cohort, "2099-08-31").await.unwrap();

        let low = json!({"code": "12", "employer_name": "成都某科技有限公司", "employer_region": "510104", "monthly_pay": 1800, "proof_kind": "offer"});
        let r = put(&f, &grad, &id, low).await;
        assert_error(&r, 422, "registration_rules");
        assert_eq!(rules(&r), ["below_minimum_wage"], "{}", r.body);
        assert!(r.json()["message"].as_str().unwrap().contains("最低工资"));
        let intern = json!({"code": "12", "employer_name": "成都某科技有限公司", "employer_region": "510104", "monthly_pay": 5000, "proof_kind": "internship"});
        assert_eq!(rules(&put(&f, &grad, &id, intern).await), ["internship_not_employment"]);

        let ok = json!({"code": "12", "employer_name": "成都某科技有限公司", "employer_region": "510104", "monthly_pay": 5000, "proof_kind": "offer"});
        let r = put(&f, &grad, &id, ok).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", f.name, r.body);
        assert_eq!(r.json()["destination"]["status"], "submitted");
        // Nobody confirms before approval; a graduate cannot review.
        let c = call(
            &f.app,
            Method::POST,
            &format!("/api/v1/graduates/{id}/destination/confirm"),
            None,
            &Auth::Bearer(&grad),
        )
        .await;
        assert_error(&c, 409, "invalid_step");
        assert_error(&review(&f, &grad, &id, "college", "approve", None).await, 403, "forbidden");
        assert_error(&review(&f, &counselor, &id, "college", "return", None).await, 400, "reason_required");
        let r = review(&f, &counselor, &id, "college", "return", Some("录用函缺少单位公章")).await;
        assert_eq!(r.json()["destination"]["status"], "returned");
        assert_eq!(r.json()["destination"]["return_reason"], "录用函缺少单位公章");
        let ok = json!({"code": "12", "employer_name": "成都某科技有限公司", "employer_region": "510104", "monthly_pay": 5200, "proof_kind": "offer"});
        assert_eq!(put(&f, &grad, &id, ok).await.status, StatusCode::OK);
        let r = review(&f, &counselor, &id, "college", "approve", None).await;
        assert_eq!(r.json()["destination"]["status"], "approved", "{}", r.body);
        // The counselor cannot confirm for the graduate.
        let c = call(
            &f.app,
            Method::POST,
            &format!("/api/v1/graduates/{id}/destination/confirm"),
            None,
            &Auth::Bearer(&counselor),
        )
        .await;
        assert_error(&c, 403, "forbidden");
        let c = call(
            &f.app,
            Method::POST,
            &format!("/api/v1/graduates/{id}/destination/confirm"),
            None,
            &Auth::Bearer(&grad),
        )
        .await;
        assert_eq!(c.status, StatusCode::OK, "{}", c.body);
        let d = c.json();
        assert_eq!(d["destination"]["status"], "confirmed");
        let actions: Vec<&str> =
            d["versions"].as_array().unwrap().iter().map(|v| v["action"].as_str().unwrap()).collect();
        assert!(actions.ends_with(&["register", "return", "register", "approve", "confirm"]), "{actions:?}");
        assert!(d["versions"].as_array().unwrap().iter().all(|v| v["actor"].is_string()));

        // 自由职业: the signed statement, then the college, then the university.
        let free = json!({"code": "76", "employer_region": "510104", "monthly_pay": 6000, "proof_kind": "statement"});
        assert_eq!(rules(&put(&f, &grad, &id, free).await), ["statement_required"]);
        let free = json!({"code": "76", "employer_region": "510104", "monthly_pay": 6000, "proof_kind": "statement", "statement_signed": true});
        assert_eq!(put(&f, &grad, &id, free).await.status, StatusCode::OK);
        assert_error(&review(&f, &career, &id, "university", "approve", None).await, 409, "invalid_step");
        assert_eq!(
            review(&f, &counselor, &id, "college", "approve", None).await.json()["destination"]["status"],
            "college_approved"
        );
        assert_error(&review(&f, &counselor, &id, "university", "approve", None).await, 403, "forbidden");
        assert_eq!(
            review(&f, &career, &id, "university", "approve", None).await.json()["destination"]["status"],
            "approved"
        );

        // After the cohort closes, nothing changes any more.
        f.store.set_cohort_closing(view.graduate.org_id, view.graduate.cohort, "2020-08-31").await.unwrap();
        let late = json!({"code": "70"});
        assert_error(&put(&f, &grad, &id, late).await, 409, "cohort_closed");
        f.cleanup().await;
    }
}

#[tokio::test]
async fn graduates_and_counselors_only_reach_their_own() {
    for f in fixtures().await {
        let grad = token_for(&f, "demo_graduate").await;
        let counselor = token_for(&f, "demo_counselor").await;
        let id = my_graduate_id(&f, &grad).await;
        // The graduate sees their record, not lists, and not another graduate.
        let me = call(&f.app, Method::GET, &format!("/api/v1/graduates/{id}"), None, &Auth::Bearer(&grad)).await;
        assert_eq!(me.status, StatusCode::OK, "{}", me.body);
        assert_error(
            &call(&f.app, Method::GET, "/api/v1/graduates", None, &Auth::Bearer(&grad)).await,
            403,
            "forbidden",
        );
        let career = token_for(&f, "demo_career").await;
        let all =
            call(&f.app, Method::GET, "/api/v1/graduates?org=4151010610&limit=1000", None, &Auth::Bearer(&career))
                .await
                .json();
        let other = all["items"].as_array().unwrap().iter().find(|g| g["id"] != id.as_str()).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_error(
            &call(&f.app, Method::GET, &format!("/api/v1/graduates/{other}"), None, &Auth::Bearer(&grad)).await,
            404,
            "graduate_not_found",
        );
        assert_error(&put(&f, &grad, &other, json!({"code": "70"})).await, 404, "graduate_not_found");
        // The counselor's list holds their college only; another college's graduate is not found.
        let mine =
            call(&f.app, Method::GET, "/api/v1/graduates?limit=1000", None, &Auth::Bearer(&counselor)).await.json();
        let college = f.store.org_by_code(&"4151010610-01".parse().unwrap()).await.unwrap().unwrap().name;
        assert!(mine["items"].as_array().unwrap().iter().all(|g| g["college"] == college.as_str()), "{mine}");
        let outside = all["items"].as_array().unwrap().iter().find(|g| g["college"] != college.as_str()).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_error(
            &call(&f.app, Method::GET, &format!("/api/v1/graduates/{outside}"), None, &Auth::Bearer(&counselor)).await,
            404,
            "graduate_not_found",
        );
        assert_error(&review(&f, &counselor, &outside, "college", "approve", None).await, 404, "graduate_not_found");
        let r = call(&f.app, Method::GET, "/api/v1/graduates?org=4151010610-02", None, &Auth::Bearer(&counselor)).await;
        assert_error(&r, 403, "forbidden");
        let employer = token_for(&f, "demo_employer").await;
        assert_error(
            &call(&f.app, Method::GET, &format!("/api/v1/graduates/{id}"), None, &Auth::Bearer(&employer)).await,
            404,
            "graduate_not_found",
        );
        f.cleanup().await;
    }
}

#[tokio::test]
async fn evidence_files_are_checked_stored_and_scoped() {
    for f in fixtures().await {
        let grad = token_for(&f, "demo_graduate").await;
        let id = my_graduate_id(&f, &grad).await;
        let upload = |body: Vec<u8>, name: &str, kind: &str| {
            Request::post(format!("/api/v1/graduates/{id}/evidence?kind={kind}&filename={name}"))
                .header(header::AUTHORIZATION, format!("Bearer {grad}"))
                .header(header::CONTENT_TYPE, "application/octet-stream")
                .body(Body::from(body))
                .unwrap()
        };
        let pdf = b"%PDF-1.4\n% test\n".to_vec();
        let r = send(&f.app, upload(pdf.clone(), "offer.pdf", "offer")).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let eid = r.json()["id"].as_str().unwrap().to_owned();
        assert_error(
            &send(&f.app, upload(b"just text pretending".to_vec(), "x.pdf", "offer")).await,
            400,
            "invalid_file",
        );
        assert_error(&send(&f.app, upload(pdf.clone(), "x.pdf", "selfie")).await, 400, "invalid_kind");
        let mut big = b"%PDF-".to_vec();
        big.resize(6 * 1024 * 1024, b'x');
        assert_error(&send(&f.app, upload(big, "big.pdf", "offer")).await, 413, "payload_too_large");
        let counselor = token_for(&f, "demo_counselor").await;
        let req = Request::get(format!("/api/v1/evidence/{eid}"))
            .header(header::AUTHORIZATION, format!("Bearer {counselor}"))
            .body(Body::empty())
            .unwrap();
        let got = send(&f.app, req).await;
        assert_eq!(got.status, StatusCode::OK);
        assert_eq!(got.content_type, "application/pdf");
        assert_eq!(got.body.as_bytes(), pdf.as_slice());
        // Another university's career centre cannot fetch it.
        let swjtu = call(&f.app, Method::POST, "/api/v1/users", Some(json!({"username": "swjtu_c", "display_name": "交大", "password": "Swjtu-Career-99", "role": "career_staff", "org": "4151010613"})), &Auth::Bearer(&token_for(&f, "demo_province").await)).await;
        assert_eq!(swjtu.status, StatusCode::CREATED);
        let other = token_for(&f, "swjtu_c").await;
        let req = Request::get(format!("/api/v1/evidence/{eid}"))
            .header(header::AUTHORIZATION, format!("Bearer {other}"))
            .body(Body::empty())
            .unwrap();
        assert_error(&send(&f.app, req).await, 404, "evidence_not_found");
        f.cleanup().await;
    }
}

#[tokio::test]
async fn disputes_reach_staff_and_integrity_findings_are_listed() {
    for f in fixtures().await {
        let grad = token_for(&f, "demo_graduate").await;
        let counselor = token_for(&f, "demo_counselor").await;
        let career = token_for(&f, "demo_career").await;
        let id = my_graduate_id(&f, &grad).await;
        let r = call(
            &f.app,
            Method::POST,
            &format!("/api/v1/graduates/{id}/disputes"),
            Some(json!({"text": "我的去向登记有误"})),
            &Auth::Bearer(&grad),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let did = r.json()["id"].as_str().unwrap().to_owned();
        // Staff cannot raise disputes on a graduate's behalf.
        let r = call(
            &f.app,
            Method::POST,
            &format!("/api/v1/graduates/{id}/disputes"),
            Some(json!({"text": "x"})),
            &Auth::Bearer(&counselor),
        )
        .await;
        assert_error(&r, 403, "forbidden");
        let open = call(&f.app, Method::GET, "/api/v1/disputes", None, &Auth::Bearer(&counselor)).await.json();
        assert!(open.as_array().unwrap().iter().any(|d| d["dispute"]["id"] == did.as_str()));
        let r = call(
            &f.app,
            Method::POST,
            &format!("/api/v1/disputes/{did}/answer"),
            Some(json!({"answer": "已核实并更正"})),
            &Auth::Bearer(&counselor),
        )
        .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
        let again = call(
            &f.app,
            Method::POST,
            &format!("/api/v1/disputes/{did}/answer"),
            Some(json!({"answer": "x"})),
            &Auth::Bearer(&counselor),
        )
        .await;
        assert_error(&again, 409, "already_answered");
        let mine =
            call(&f.app, Method::GET, &format!("/api/v1/graduates/{id}"), None, &Auth::Bearer(&grad)).await.json();
        assert!(mine["disputes"].as_array().unwrap().iter().any(|d| d["answer"] == "已核实并更正"));

        // A counselor registers a batch to one employer in a day, without evidence: flagged.
        let college = f.store.org_by_code(&"4151010610-01".parse().unwrap()).await.unwrap().unwrap().name;
        let header = "学号,姓名,性别,院系,专业代码,专业名称,学历层次,生源地,届别";
        let rows: Vec<String> =
            (1..=6).map(|i| format!("2023900{i},测试{i},男,{college},060101,历史学,本科,510104,2027")).collect();
        let csv = format!("{header}\n{}\n", rows.join("\n"));
        let req = Request::post("/api/v1/imports/graduates?university=4151010610&cohort=2027&filename=r.csv")
            .header(header::AUTHORIZATION, format!("Bearer {career}"))
            .body(Body::from(csv))
            .unwrap();
        assert_eq!(send(&f.app, req).await.status, StatusCode::OK);
        let listed =
            call(&f.app, Method::GET, "/api/v1/graduates?cohort=2027&limit=100", None, &Auth::Bearer(&counselor))
                .await
                .json();
        let ids: Vec<String> =
            listed["items"].as_array().unwrap().iter().map(|g| g["id"].as_str().unwrap().to_owned()).collect();
        assert_eq!(ids.len(), 6, "{listed}");
        for gid in &ids {
            let body = json!({"code": "11", "employer_name": "成都锦程网络科技有限公司", "credit_code": "91350100M000100Y43", "proof_kind": "contract"});
            let r = put(&f, &counselor, gid, body).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            assert_eq!(r.json()["destination"]["source"], "staff");
        }
        let found =
            call(&f.app, Method::GET, "/api/v1/integrity?org=4151010610&cohort=2027", None, &Auth::Bearer(&career))
                .await;
        assert_eq!(found.status, StatusCode::OK, "{}", found.body);
        let kinds: Vec<String> =
            found.json().as_array().unwrap().iter().map(|x| x["kind"].as_str().unwrap().to_owned()).collect();
        assert!(
            kinds.contains(&"bulk_same_employer_same_day".to_owned()) && kinds.contains(&"no_evidence".to_owned()),
            "{kinds:?}"
        );
        assert_error(
            &call(&f.app, Method::GET, "/api/v1/integrity?org=4151010610&cohort=2027", None, &Auth::Bearer(&counselor))
                .await,
            403,
            "forbidden",
        );
        f.cleanup().await;
    }
}

#[tokio::test]
async fn pages_register_review_and_confirm() {
    for f in fixtures().await {
        let (gc, gcsrf) = super::identity::login(&f.app, "demo_graduate", jiuye_seed::DEMO_PASSWORD).await;
        let grad = token_for(&f, "demo_graduate").await;
        let id = my_graduate_id(&f, &grad).await;
        let view = f.store.graduate_view(id.parse().unwrap()).await.unwrap().unwrap();
        f.store.set_cohort_closing(view.graduate.org_id, view.graduate.cohort, "2099-08-31").await.unwrap();
        let page =
            |cookie: &str, uri: &str| Request::get(uri).header(header::COOKIE, cookie).body(Body::empty()).unwrap();
        let form = |cookie: &str, uri: &str, body: String| {
            Request::post(uri)
                .header(header::COOKIE, cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap()
        };
        let r = send(&f.app, page(&gc, "/me/destination")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let mine = send(&f.app, page(&gc, &format!("/graduates/{id}"))).await;
        assert_eq!(mine.status, StatusCode::OK);
        assert!(mine.body.contains("<label for=\"code\">") && mine.body.contains("提出异议"));
        // Breaking a rule re-shows the form with the reason.
        let bad = format!(
            "csrf={gcsrf}&code=12&employer_name=%E6%9F%90%E5%85%AC%E5%8F%B8&employer_region=510104&monthly_pay=1000&proof_kind=offer&note="
        );
        let r = send(&f.app, form(&gc, &format!("/graduates/{id}/destination"), bad)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("最低工资") && r.body.contains("role=\"alert\""));
        let good = format!(
            "csrf={gcsrf}&code=11&employer_name=%E6%9F%90%E5%85%AC%E5%8F%B8&credit_code=91350100M000100Y43&employer_region=510104&monthly_pay=&proof_kind=contract&note="
        );
        let r = send(&f.app, form(&gc, &format!("/graduates/{id}/destination"), good)).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        // The counselor reviews through the page.
        let (cc, ccsrf) = super::identity::login(&f.app, "demo_counselor", jiuye_seed::DEMO_PASSWORD).await;
        // The list shows the newest cohort unless asked for another.
        let queue = format!("/graduates?status=submitted&cohort={}", view.graduate.cohort);
        let queue = send(&f.app, page(&cc, &queue)).await;
        assert!(queue.body.contains(&id), "the graduate is in the review queue");
        let r = send(
            &f.app,
            form(
                &cc,
                &format!("/graduates/{id}/review"),
                format!("csrf={ccsrf}&level=college&decision=approve&reason="),
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let r = send(&f.app, form(&gc, &format!("/graduates/{id}/confirm"), format!("csrf={gcsrf}"))).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let mine = send(&f.app, page(&gc, &format!("/graduates/{id}"))).await;
        assert!(mine.body.contains("已确认"));
        // Without the CSRF token nothing happens.
        let r = send(&f.app, form(&gc, &format!("/graduates/{id}/confirm"), "csrf=nope".into())).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        f.cleanup().await;
    }
}

#[tokio::test]
async fn counselors_record_follow_up_and_staff_set_the_closing_date() {
    for f in fixtures().await {
        let counselor = token_for(&f, "demo_counselor").await;
        let grad = token_for(&f, "demo_graduate").await;
        let id = my_graduate_id(&f, &grad).await;
        let r = call(
            &f.app,
            Method::POST,
            &format!("/api/v1/graduates/{id}/contact"),
            Some(json!({"state": "needs_help"})),
            &Auth::Bearer(&counselor),
        )
        .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
        let list =
            call(&f.app, Method::GET, "/api/v1/graduates?limit=1000", None, &Auth::Bearer(&counselor)).await.json();
        let me = list["items"].as_array().unwrap().iter().find(|g| g["id"] == id.as_str()).unwrap().clone();
        assert_eq!(me["contact_state"], "needs_help");
        assert!(me["contacted_at"].is_string());
        let bad = call(
            &f.app,
            Method::POST,
            &format!("/api/v1/graduates/{id}/contact"),
            Some(json!({"state": "sleeping"})),
            &Auth::Bearer(&counselor),
        )
        .await;
        assert_error(&bad, 400, "invalid_state");
        let own = call(
            &f.app,
            Method::POST,
            &format!("/api/v1/graduates/{id}/contact"),
            Some(json!({"state": "contacted"})),
            &Auth::Bearer(&grad),
        )
        .await;
        assert_error(&own, 403, "forbidden");

        let career = token_for(&f, "demo_career").await;
        let r = call(
            &f.app,
            Method::PUT,
            "/api/v1/cohorts/4151010610/2022",
            Some(json!({"closes_on": "2099-12-31"})),
            &Auth::Bearer(&career),
        )
        .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
        let u = f.store.org_by_code(&"4151010610".parse().unwrap()).await.unwrap().unwrap();
        assert_eq!(f.store.cohort_closing(u.id, 2022).await.unwrap().as_deref(), Some("2099-12-31"));
        assert_error(
            &call(
                &f.app,
                Method::PUT,
                "/api/v1/cohorts/4151010610/2022",
                Some(json!({"closes_on": "soon"})),
                &Auth::Bearer(&career),
            )
            .await,
            400,
            "invalid_date",
        );
        assert_error(
            &call(
                &f.app,
                Method::PUT,
                "/api/v1/cohorts/4151010613/2022",
                Some(json!({"closes_on": "2099-12-31"})),
                &Auth::Bearer(&career),
            )
            .await,
            403,
            "forbidden",
        );
        assert_error(
            &call(
                &f.app,
                Method::PUT,
                "/api/v1/cohorts/4151010610/2022",
                Some(json!({"closes_on": "2099-12-31"})),
                &Auth::Bearer(&counselor),
            )
            .await,
            403,
            "forbidden",
        );
        f.cleanup().await;
    }
}

#[tokio::test]
async fn province_administrators_edit_their_minimum_wage_through_the_page() {
    for f in fixtures().await {
        let (pc, pcsrf) = super::identity::login(&f.app, "demo_province", jiuye_seed::DEMO_PASSWORD).await;
        let page =
            send(&f.app, Request::get("/min-wages").header(header::COOKIE, &pc).body(Body::empty()).unwrap()).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("action=\"/min-wages/510000\"") && !page.body.contains("action=\"/min-wages/110000\"")
        );
        let post = |cookie: &str, body: String, uri: &str| {
            Request::post(uri)
                .header(header::COOKIE, cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap()
        };
        let r = send(
            &f.app,
            post(&pc, format!("csrf={pcsrf}&monthly_yuan=2330&effective=2024-10-01"), "/min-wages/510000"),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(f.store.min_wage("510000").await.unwrap(), Some(2330));
        let r = send(
            &f.app,
            post(&pc, format!("csrf={pcsrf}&monthly_yuan=2600&effective=2024-10-01"), "/min-wages/110000"),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(f.store.min_wage("110000").await.unwrap(), Some(2420), "another province is untouched");
        f.cleanup().await;
    }
}
