//! Holes found from outside, each replayed against the real application on every backend:
//! open redirects, tokens that outlive a password or a grant, lockout that leaks or never ends,
//! forwarded addresses from anyone, self-review of destinations, imports over workflow records,
//! byte slicing of people's text, and caching of personal data.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use jiuye_seed::DEMO_PASSWORD;
use serde_json::json;

use super::identity::{Auth, call, login, token_for};
use super::{Fixture, Reply, assert_error, fixtures, fixtures_with, get, send};

const HOSTILE_NEXT: [&str; 12] = [
    "/%09/evil.example",
    "/%0D%0A/evil.example",
    "/%0a/evil.example",
    "/%5C/evil.example",
    "/%5Cevil.example",
    "/\\/evil.example",
    "//evil.example",
    "/.//evil.example",
    "/%2F%2Fevil.example",
    "https://evil.example/",
    "/..//evil.example",
    "/%20/%2F/evil.example",
];

fn assert_local(location: &str, next: &str) {
    assert!(location.starts_with('/'), "{next} → {location}");
    assert!(!location.starts_with("//") && !location.contains('\\'), "{next} → {location}");
    assert!(!location.chars().any(|c| c.is_control() || c.is_whitespace()), "{next} → {location:?}");
    let parsed = url::Url::parse("http://jiuye.test/").unwrap().join(location).unwrap();
    assert_eq!(parsed.host_str(), Some("jiuye.test"), "{next} → {location}");
}

#[tokio::test]
async fn redirects_stay_on_this_site() {
    for f in fixtures().await {
        for next in HOSTILE_NEXT {
            let r = get(&f.app, &format!("/lang/zh?next={next}")).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{next}: {}", r.body);
            let location = r.headers.get(header::LOCATION).unwrap().to_str().unwrap();
            assert_local(location, next);

            // Sign-in with the same `next`.
            let page = get(&f.app, &format!("/login?next={next}")).await;
            assert_eq!(page.status, StatusCode::OK);
            let kept = page.body.split("name=\"next\" value=\"").nth(1).and_then(|v| v.split('"').next()).unwrap();
            assert_local(&kept.replace("&#x2f;", "/").replace("&#47;", "/"), next);
            let csrf = "pre-csrf-token-for-test";
            let body = format!(
                "csrf={csrf}&username=demo_leader&password={DEMO_PASSWORD}&next={}",
                next.replace('%', "%25").replace('/', "%2F").replace('\\', "%5C")
            );
            let req = Request::post("/login")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::COOKIE, format!("jiuye_csrf={csrf}"))
                .body(Body::from(body))
                .unwrap();
            let r = send(&f.app, req).await;
            assert!(r.status.is_redirection(), "{next}: {} {}", r.status, r.body);
            let location = r.headers.get(header::LOCATION).unwrap().to_str().unwrap();
            assert_local(location, next);
        }
        // Ordinary local targets still work, with their query.
        let r = get(&f.app, "/lang/en?next=/orgs/510000%3Fq%3Dx").await;
        assert_eq!(r.headers.get(header::LOCATION).unwrap(), "/orgs/510000?q=x");
        f.cleanup().await;
    }
}

async fn me_status(f: &Fixture, token: &str) -> StatusCode {
    call(&f.app, Method::GET, "/api/v1/me", None, &Auth::Bearer(token)).await.status
}

async fn user_id(f: &Fixture, username: &str) -> String {
    f.store.user_by_username(username).await.unwrap().unwrap().id.to_string()
}

#[tokio::test]
async fn tokens_die_with_the_password_and_with_their_grant() {
    for f in fixtures().await {
        let admin = token_for(&f, "demo_career").await;

        // The owner's own password change.
        let mine = token_for(&f, "demo_leader").await;
        assert_eq!(me_status(&f, &mine).await, StatusCode::OK);
        let r = call(
            &f.app,
            Method::POST,
            "/api/v1/me/password",
            Some(json!({"current_password": DEMO_PASSWORD, "new_password": "Another-Pass-2024"})),
            &Auth::Bearer(&mine),
        )
        .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
        assert_eq!(me_status(&f, &mine).await, StatusCode::UNAUTHORIZED, "{}: own change", f.name);

        // An administrator's reset.
        let theirs = token_for(&f, "demo_counselor").await;
        assert_eq!(me_status(&f, &theirs).await, StatusCode::OK);
        let id = user_id(&f, "demo_counselor").await;
        let r = call(
            &f.app,
            Method::POST,
            &format!("/api/v1/users/{id}/password"),
            Some(json!({"new_password": "Reset-By-Admin-2024"})),
            &Auth::Bearer(&admin),
        )
        .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
        assert_eq!(me_status(&f, &theirs).await, StatusCode::UNAUTHORIZED, "{}: reset", f.name);

        // A second grant, a token under it, then the grant's removal.
        let counselor = token_for(&f, "demo_college").await;
        let me = call(&f.app, Method::GET, "/api/v1/me", None, &Auth::Bearer(&counselor)).await.json();
        let college = me["grants"][0]["org_code"].as_str().unwrap().to_owned();
        let uid = user_id(&f, "demo_major").await;
        let r = call(
            &f.app,
            Method::POST,
            &format!("/api/v1/users/{uid}/grants"),
            Some(json!({"role": "counselor", "org": college})),
            &Auth::Bearer(&admin),
        )
        .await;
        assert!(r.status.is_success(), "{}", r.body);
        let (cookie, csrf) = login(&f.app, "demo_major", DEMO_PASSWORD).await;
        let session = Auth::Cookie { cookie: &cookie, csrf: Some(&csrf) };
        let me = call(&f.app, Method::GET, "/api/v1/me", None, &session).await.json();
        let grants = me["grants"].as_array().unwrap().clone();
        let extra = grants.iter().find(|g| g["role"] == "counselor").expect("the new grant")["id"].clone();
        let kept = grants.iter().find(|g| g["role"] == "major_head").expect("the old grant")["id"].clone();
        let make = |grant: serde_json::Value| {
            call(&f.app, Method::POST, "/api/v1/me/tokens", Some(json!({"name": "脚本", "grant_id": grant})), &session)
        };
        let r = make(extra.clone()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let under_extra = r.json()["token"].as_str().unwrap().to_owned();
        let under_kept = make(kept).await.json()["token"].as_str().unwrap().to_owned();
        // The token acts under its one grant only.
        let me = call(&f.app, Method::GET, "/api/v1/me", None, &Auth::Bearer(&under_extra)).await.json();
        assert_eq!(me["grants"].as_array().unwrap().len(), 1, "{me}");
        assert_eq!(me["grants"][0]["role"], "counselor");
        let bad = make(json!(uuid::Uuid::now_v7())).await;
        assert_error(&bad, 400, "invalid_grant");
        let r = call(
            &f.app,
            Method::DELETE,
            &format!("/api/v1/users/{uid}/grants/{}", extra.as_str().unwrap()),
            None,
            &Auth::Bearer(&admin),
        )
        .await;
        assert!(r.status.is_success(), "{}", r.body);
        assert_eq!(me_status(&f, &under_extra).await, StatusCode::UNAUTHORIZED, "{}: grant removed", f.name);
        assert_eq!(me_status(&f, &under_kept).await, StatusCode::OK, "the other grant's token lives");
        f.cleanup().await;
    }
}

async fn sign_in(f: &Fixture, username: &str, password: &str) -> Reply {
    call(
        &f.app,
        Method::POST,
        "/api/v1/session",
        Some(json!({"username": username, "password": password})),
        &Auth::None,
    )
    .await
}

#[tokio::test]
async fn a_locked_account_looks_like_a_wrong_password_and_the_lock_ends() {
    for f in fixtures_with(|s| {
        s.auth.lock_threshold = 3;
        s.auth.lock_duration = std::time::Duration::from_secs(2);
    })
    .await
    {
        let wrong = sign_in(&f, "demo_counselor", "Wrong-Password-1").await;
        assert_error(&wrong, 401, "invalid_credentials");
        for _ in 0..2 {
            assert_error(&sign_in(&f, "demo_counselor", "Wrong-Password-1").await, 401, "invalid_credentials");
        }
        // Locked now: the right password gets exactly the wrong-password answer.
        let locked = sign_in(&f, "demo_counselor", DEMO_PASSWORD).await;
        assert_eq!((locked.status, locked.body.as_str()), (wrong.status, wrong.body.as_str()), "{}", f.name);
        // Failures during the lock do not extend it.
        assert_error(&sign_in(&f, "demo_counselor", "Wrong-Password-1").await, 401, "invalid_credentials");
        tokio::time::sleep(std::time::Duration::from_millis(2200)).await;
        // After the lock, one more mistake does not lock again.
        assert_error(&sign_in(&f, "demo_counselor", "Wrong-Password-1").await, 401, "invalid_credentials");
        let r = sign_in(&f, "demo_counselor", DEMO_PASSWORD).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", f.name, r.body);

        // An administrator lifts a lock.
        for _ in 0..3 {
            sign_in(&f, "demo_graduate", "Wrong-Password-1").await;
        }
        assert_error(&sign_in(&f, "demo_graduate", DEMO_PASSWORD).await, 401, "invalid_credentials");
        let id = user_id(&f, "demo_graduate").await;
        let outsider = token_for(&f, "demo_employer").await;
        let r = call(&f.app, Method::POST, &format!("/api/v1/users/{id}/unlock"), None, &Auth::Bearer(&outsider)).await;
        assert!(r.status == StatusCode::FORBIDDEN || r.status == StatusCode::NOT_FOUND, "{}", r.body);
        let admin = token_for(&f, "demo_career").await;
        let r = call(&f.app, Method::POST, &format!("/api/v1/users/{id}/unlock"), None, &Auth::Bearer(&admin)).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
        assert_eq!(sign_in(&f, "demo_graduate", DEMO_PASSWORD).await.status, StatusCode::OK);
        let log = call(&f.app, Method::GET, "/api/v1/audit?action=user_unlock", None, &Auth::Bearer(&admin)).await;
        assert_eq!(log.json()["total"], 1, "{}", log.body);
        f.cleanup().await;
    }
}

fn from_peer(peer: &str, forwarded: Option<&str>, body: serde_json::Value) -> Request<Body> {
    let mut b = Request::post("/api/v1/session").header(header::CONTENT_TYPE, "application/json");
    if let Some(x) = forwarded {
        b = b.header("x-forwarded-for", x);
    }
    let mut req = b.body(Body::from(body.to_string())).unwrap();
    req.extensions_mut().insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
    req
}

#[tokio::test]
async fn forwarded_addresses_are_believed_only_from_listed_proxies() {
    for f in fixtures_with(|s| {
        s.auth.trusted_proxies = jiuye_web::auth::IpRange::parse_list("10.0.0.0/8").unwrap();
        s.auth.ip_failure_limit = 3;
    })
    .await
    {
        let bad = json!({"username": "nobody", "password": "whatever-123"});
        let good = json!({"username": "demo_career", "password": DEMO_PASSWORD});
        // A client that is not a proxy cannot pick its own address: each forged header still
        // counts against its real one.
        for i in 0..3 {
            let r = send(&f.app, from_peer("203.0.113.5:1000", Some(&format!("198.51.100.{i}")), bad.clone())).await;
            assert_error(&r, 401, "invalid_credentials");
        }
        let r = send(&f.app, from_peer("203.0.113.5:1000", Some("198.51.100.77"), good.clone())).await;
        assert_error(&r, 429, "too_many_requests");
        // Behind the proxy, the client is the rightmost address the proxy did not add; what the
        // client wrote to the left of it is ignored.
        for i in 0..3 {
            let xff = format!("1.2.3.{i}, 192.0.2.44, 10.0.0.9");
            let r = send(&f.app, from_peer("10.0.0.2:1000", Some(&xff), bad.clone())).await;
            assert_error(&r, 401, "invalid_credentials");
        }
        let r = send(&f.app, from_peer("10.0.0.2:1000", Some("9.9.9.9, 192.0.2.44"), good.clone())).await;
        assert_error(&r, 429, "too_many_requests");
        let r = send(&f.app, from_peer("10.0.0.2:1000", Some("192.0.2.45"), good.clone())).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        f.cleanup().await;
    }
}

async fn graduate_id(f: &Fixture, token: &str) -> String {
    let me = call(&f.app, Method::GET, "/api/v1/me", None, &Auth::Bearer(token)).await.json();
    me["grants"][0]["subject_id"].as_str().expect("graduate grant has a subject").to_owned()
}

async fn open_cohort(f: &Fixture, id: &str) -> jiuye_store::destinations::GraduateView {
    let view = f.store.graduate_view(id.parse().unwrap()).await.unwrap().unwrap();
    f.store.set_cohort_closing(view.graduate.org_id, view.graduate.cohort, "2099-08-31").await.unwrap();
    view
}

#[tokio::test]
async fn whoever_registers_a_destination_never_reviews_it() {
    for f in fixtures().await {
        let grad = token_for(&f, "demo_graduate").await;
        let counselor = token_for(&f, "demo_counselor").await;
        let college = token_for(&f, "demo_college").await;
        let id = graduate_id(&f, &grad).await;
        open_cohort(&f, &id).await;
        let reg = json!({"code": "12", "employer_name": "成都某科技有限公司", "employer_region": "510104", "monthly_pay": 5000, "proof_kind": "offer"});
        let uri = format!("/api/v1/graduates/{id}/destination");
        let r = call(&f.app, Method::PUT, &uri, Some(reg), &Auth::Bearer(&counselor)).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", f.name, r.body);
        let review = |token: String, decision: &'static str| {
            let body = json!({"level": "college", "decision": decision, "reason": "缺少材料"});
            let uri = format!("/api/v1/graduates/{id}/destination/review");
            let app = f.app.clone();
            async move { call(&app, Method::POST, &uri, Some(body), &Auth::Bearer(&token)).await }
        };
        assert_error(&review(counselor.clone(), "approve").await, 403, "separation_of_duties");
        assert_error(&review(counselor.clone(), "return").await, 403, "separation_of_duties");
        let d = f.store.destination(id.parse().unwrap()).await.unwrap().unwrap();
        assert_eq!(d.status.id(), "submitted", "not counted before someone else reviews it");
        // Someone else reviews; the record waits for the graduate.
        let r = review(college, "approve").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["destination"]["status"], "approved");
        f.cleanup().await;
    }
}

fn roster_row(v: &jiuye_store::destinations::GraduateView, major_code: &str, dest: &str) -> String {
    let g = &v.graduate;
    format!(
        "学号,姓名,性别,院系,专业代码,专业名称,学历层次,生源地,届别,毕业去向代码\n{},{},{},{},{},{},{},{},{},{}\n",
        g.student_no,
        g.name,
        if g.gender.id() == "male" { "男" } else { "女" },
        v.college_name,
        major_code,
        v.programme_name,
        g.education_level.zh(),
        g.origin_region,
        g.cohort,
        dest
    )
}

async fn import(f: &Fixture, token: &str, university: &str, cohort: i32, csv: String) -> Reply {
    let uri = format!("/api/v1/imports/graduates?university={university}&cohort={cohort}&filename=r.csv");
    let req = Request::post(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .body(Body::from(csv))
        .unwrap();
    send(&f.app, req).await
}

#[tokio::test]
async fn an_import_never_overwrites_a_workflow_record_and_waits_for_the_graduate() {
    for f in fixtures().await {
        let grad = token_for(&f, "demo_graduate").await;
        let career = token_for(&f, "demo_career").await;
        let id = graduate_id(&f, &grad).await;
        let view = open_cohort(&f, &id).await;
        let programme = f.store.org_by_id(view.graduate.programme_id).await.unwrap().unwrap();
        let major = programme.major_code.clone().unwrap();
        let university = f.store.org_by_id(view.graduate.org_id).await.unwrap().unwrap();
        let reg = json!({"code": "12", "employer_name": "成都某科技有限公司", "employer_region": "510104", "monthly_pay": 5000, "proof_kind": "offer"});
        let r =
            call(&f.app, Method::PUT, &format!("/api/v1/graduates/{id}/destination"), Some(reg), &Auth::Bearer(&grad))
                .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);

        // The submitted record is a conflict, not overwritten.
        let csv = roster_row(&view, &major, "70");
        let r = import(&f, &career, university.code.as_str(), view.graduate.cohort, csv.clone()).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", f.name, r.body);
        let v = r.json();
        assert_eq!(v["conflicts"].as_array().unwrap().len(), 1, "{v}");
        assert_eq!(v["conflicts"][0]["row"], 2);
        assert_eq!(v["conflicts"][0]["status"], "submitted");
        assert_eq!(v["conflicts"][0]["file_code"], "70");
        let d = f.store.destination(id.parse().unwrap()).await.unwrap().unwrap();
        assert_eq!((d.status.id(), d.registration.code.as_str(), d.source.as_str()), ("submitted", "12", "graduate"));
        let g = f.store.graduate_view(id.parse().unwrap()).await.unwrap().unwrap().graduate;
        assert_eq!(g.dest_code.as_deref(), Some("12"));

        // A row without a destination never erases one.
        let csv = roster_row(&view, &major, "");
        let r = import(&f, &career, university.code.as_str(), view.graduate.cohort, csv).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let g = f.store.graduate_view(id.parse().unwrap()).await.unwrap().unwrap().graduate;
        assert_eq!((g.dest_code.as_deref(), g.dest_status.id()), (Some("12"), "submitted"));

        // A graduate with no record gets one approved by the university, awaiting confirmation,
        // marked as imported with the importer.
        let others = call(
            &f.app,
            Method::GET,
            &format!("/api/v1/graduates?org={}&status=none&limit=1", university.code),
            None,
            &Auth::Bearer(&career),
        )
        .await;
        assert_eq!(others.status, StatusCode::OK, "{}", others.body);
        let other: uuid::Uuid = others.json()["items"][0]["id"].as_str().unwrap().parse().unwrap();
        let ov = f.store.graduate_view(other).await.unwrap().unwrap();
        let programme = f.store.org_by_id(ov.graduate.programme_id).await.unwrap().unwrap();
        let csv = roster_row(&ov, programme.major_code.as_deref().unwrap(), "70");
        let r = import(&f, &career, university.code.as_str(), ov.graduate.cohort, csv).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.json()["conflicts"].as_array().unwrap().is_empty());
        let d = f.store.destination(other).await.unwrap().unwrap();
        let importer = f.store.user_by_username("demo_career").await.unwrap().unwrap().id;
        assert_eq!((d.status.id(), d.source.as_str(), d.registered_by), ("approved", "import", Some(importer)));
        assert!(d.confirmed_at.is_none());
        f.cleanup().await;
    }
}

#[tokio::test]
async fn people_s_text_is_never_sliced_by_bytes() {
    for f in fixtures().await {
        let grad = token_for(&f, "demo_graduate").await;
        let id = graduate_id(&f, &grad).await;
        open_cohort(&f, &id).await;
        for region in ["中国", "四川", "é", "5", "中", "51０１０４"] {
            let reg = json!({"code": "12", "employer_name": "某公司", "employer_region": region, "monthly_pay": 5000, "proof_kind": "offer"});
            let r = call(
                &f.app,
                Method::PUT,
                &format!("/api/v1/graduates/{id}/destination"),
                Some(reg),
                &Auth::Bearer(&grad),
            )
            .await;
            assert_error(&r, 422, "registration_rules");
            assert!(r.body.contains("invalid_region"), "{region}: {}", r.body);
        }
        f.cleanup().await;
    }
}

#[tokio::test]
async fn personal_data_is_never_cached_and_https_nodes_send_hsts() {
    for f in fixtures_with(|s| s.hsts = true).await {
        let token = token_for(&f, "demo_graduate").await;
        let me = call(&f.app, Method::GET, "/api/v1/me", None, &Auth::Bearer(&token)).await;
        assert_eq!(me.headers.get(header::CACHE_CONTROL).unwrap(), "no-store");
        assert!(me.headers.get(header::STRICT_TRANSPORT_SECURITY).unwrap().to_str().unwrap().contains("max-age="));
        let page = get(&f.app, "/login").await;
        assert_eq!(page.headers.get(header::CACHE_CONTROL).unwrap(), "no-store");
        let css = get(&f.app, "/static/app.css").await;
        assert!(css.headers.get(header::CACHE_CONTROL).unwrap().to_str().unwrap().starts_with("public"));
        f.cleanup().await;
    }
    assert_eq!(jiuye_web::redact_query("csrf=abc&x=1&token=t"), "csrf=***&x=1&token=***");
}

/// A small workbook whose first sheet has a cell at A1 and one at XFD1048576 (the last cell a
/// sheet can have): dense, that range is 17 billion cells.
fn corner_to_corner_workbook() -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "学号").unwrap();
    ws.write_string(1_048_575, 16_383, "x").unwrap();
    wb.save_to_buffer().unwrap()
}

#[tokio::test]
async fn a_hostile_workbook_gets_a_4xx_and_the_node_keeps_serving() {
    for f in fixtures().await {
        let career = token_for(&f, "demo_career").await;
        let bytes = corner_to_corner_workbook();
        assert!(bytes.len() < 16 * 1024, "a small file: {} bytes", bytes.len());
        let uri = "/api/v1/imports/graduates?university=4151010610&cohort=2023&filename=r.xlsx";
        let req = Request::post(uri)
            .header(header::AUTHORIZATION, format!("Bearer {career}"))
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .body(Body::from(bytes.clone()))
            .unwrap();
        let r = send(&f.app, req).await;
        assert_error(&r, 422, "sheet_too_large");
        assert!(r.json()["message"].as_str().unwrap().contains("上限"), "{}", r.body);
        // The node is still there for everyone.
        assert_eq!(get(&f.app, "/healthz").await.status, StatusCode::OK);
        assert_eq!(get(&f.app, "/api/v1/orgs/4151010610").await.status, StatusCode::OK);
        f.cleanup().await;
    }
}
