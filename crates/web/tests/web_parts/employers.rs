//! The shared employer directory through the HTTP API, on every backend.

use axum::http::{Method, StatusCode};
use serde_json::json;

use super::identity::{Auth, call, login, token_for};
use super::{assert_error, fixtures};

#[tokio::test]
async fn credit_codes_are_checked_exactly_and_duplicates_merge() {
    for f in fixtures().await {
        let counselor = token_for(&f, "demo_counselor").await;
        let body = |code: &str| json!({"credit_code": code, "name": "福州某某有限公司", "industry_code": "6513", "region_code": "350102", "employees": 150, "revenue_wan": 3000});
        // A published valid code, typed in lower case, is normalised and accepted.
        let r = call(
            &f.app,
            Method::POST,
            "/api/v1/employers",
            Some(body("91350100m000100y43")),
            &Auth::Bearer(&counselor),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {}", f.name, r.body);
        let v = r.json();
        assert_eq!(v["credit_code"], "91350100M000100Y43");
        assert_eq!(v["size_class"], "medium", "software, 150 people, 3000 万元");
        assert_eq!(v["verification"], "unverified");
        // Every single-character change is refused, naming what is wrong.
        let good = "91350100M000100Y43";
        for pos in 0..18 {
            let mut c: Vec<char> = good.chars().collect();
            c[pos] = if c[pos] == '1' { '2' } else { '1' };
            let bad: String = c.into_iter().collect();
            let r = call(&f.app, Method::POST, "/api/v1/employers", Some(body(&bad)), &Auth::Bearer(&counselor)).await;
            assert_error(&r, 422, "invalid_credit_code");
            assert!(r.json()["message"].as_str().unwrap().contains("第"), "{}", r.body);
        }
        for letter in ["I", "O", "S", "V", "Z"] {
            let bad = format!("91350100{letter}000100Y43");
            assert_error(
                &call(&f.app, Method::POST, "/api/v1/employers", Some(body(&bad)), &Auth::Bearer(&counselor)).await,
                422,
                "invalid_credit_code",
            );
        }
        // The same code again merges (200), keeping one record.
        let again = json!({"credit_code": good, "name": "福州某某科技有限公司", "industry_code": "6513", "region_code": "350102", "contact_name": "王经理"});
        let r = call(&f.app, Method::POST, "/api/v1/employers", Some(again), &Auth::Bearer(&counselor)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["name"], "福州某某科技有限公司");
        assert_eq!(r.json()["employees"], 150, "fields not given are kept");
        let got =
            call(&f.app, Method::GET, "/api/v1/employers/91350100m000100y43", None, &Auth::Bearer(&counselor)).await;
        assert_eq!(got.json()["contact_name"], "王经理");
        // Graduates cannot add or read the directory.
        let grad = token_for(&f, "demo_graduate").await;
        assert_error(
            &call(&f.app, Method::POST, "/api/v1/employers", Some(body(good)), &Auth::Bearer(&grad)).await,
            403,
            "forbidden",
        );
        assert_error(
            &call(&f.app, Method::GET, &format!("/api/v1/employers/{good}"), None, &Auth::Bearer(&grad)).await,
            404,
            "employer_not_found",
        );
        assert_error(
            &call(
                &f.app,
                Method::POST,
                "/api/v1/employers",
                Some(json!({"credit_code": good, "name": "x", "industry_code": "ZZ", "region_code": "350102"})),
                &Auth::Bearer(&counselor),
            )
            .await,
            422,
            "invalid_industry",
        );
        f.cleanup().await;
    }
}

#[tokio::test]
async fn employers_self_register_and_wait_for_verification() {
    for f in fixtures().await {
        let reg = json!({
            "employer": {"credit_code": "91110000802100433B", "name": "北京某某股份有限公司", "industry_code": "C", "region_code": "110105", "employees": 2000, "revenue_wan": 90000},
            "username": "hr_beijing", "password": "Hiring-Graduates-1", "display_name": "招聘负责人"
        });
        let r = call(&f.app, Method::POST, "/api/v1/employers/register", Some(reg.clone()), &Auth::None).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {}", f.name, r.body);
        assert_eq!(r.json()["size_class"], "large");
        assert_error(
            &call(&f.app, Method::POST, "/api/v1/employers/register", Some(reg), &Auth::None).await,
            409,
            "employer_exists",
        );
        let (cookie, _) = login(&f.app, "hr_beijing", "Hiring-Graduates-1").await;
        let own = call(
            &f.app,
            Method::GET,
            "/api/v1/employers/91110000802100433B",
            None,
            &Auth::Cookie { cookie: &cookie, csrf: None },
        )
        .await;
        assert_eq!(own.status, StatusCode::OK);
        assert_eq!(own.json()["verification"], "unverified");
        let other = call(
            &f.app,
            Method::GET,
            "/api/v1/employers/91350100M000100Y43",
            None,
            &Auth::Cookie { cookie: &cookie, csrf: None },
        )
        .await;
        assert_error(&other, 404, "employer_not_found");
        // Sichuan's administrator cannot verify a Beijing employer; the ministry can, and a
        // blacklisting needs a reason.
        let sichuan = token_for(&f, "demo_province").await;
        let r = call(
            &f.app,
            Method::POST,
            "/api/v1/employers/91110000802100433B/verification",
            Some(json!({"state": "verified"})),
            &Auth::Bearer(&sichuan),
        )
        .await;
        assert_error(&r, 403, "forbidden");
        let ministry = token_for(&f, "demo_ministry").await;
        let r = call(
            &f.app,
            Method::POST,
            "/api/v1/employers/91110000802100433B/verification",
            Some(json!({"state": "blacklisted"})),
            &Auth::Bearer(&ministry),
        )
        .await;
        assert_error(&r, 400, "reason_required");
        let r = call(
            &f.app,
            Method::POST,
            "/api/v1/employers/91110000802100433B/verification",
            Some(json!({"state": "verified"})),
            &Auth::Bearer(&ministry),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["verification"], "verified");
        let list = call(
            &f.app,
            Method::GET,
            "/api/v1/employers?verification=verified&q=%E5%8C%97%E4%BA%AC",
            None,
            &Auth::Bearer(&ministry),
        )
        .await
        .json();
        assert_eq!(list["total"], 1);
        f.cleanup().await;
    }
}

#[tokio::test]
async fn loaded_campaigns_are_listed_for_staff() {
    for f in fixtures().await {
        let c = jiuye_domain::campaign::Campaign::parse(jiuye_domain::campaign::SPRING_2023).unwrap();
        f.store.save_campaign(&c.id, &c.name, jiuye_domain::campaign::SPRING_2023).await.unwrap();
        let career = token_for(&f, "demo_career").await;
        let list = call(&f.app, Method::GET, "/api/v1/campaigns", None, &Auth::Bearer(&career)).await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.body);
        let v = list.json();
        assert_eq!(v[0]["id"], "2023-spring");
        assert_eq!(v[0]["start"], "2023-02-01");
        assert_eq!(v[0]["targets"][1]["applies_when"], "below_province_average");
        let one = call(&f.app, Method::GET, "/api/v1/campaigns/2023-spring", None, &Auth::Bearer(&career)).await;
        assert_eq!(one.json()["targets"][2]["extra_per_graduates"], 10);
        assert_error(
            &call(&f.app, Method::GET, "/api/v1/campaigns/none", None, &Auth::Bearer(&career)).await,
            404,
            "campaign_not_found",
        );
        let grad = token_for(&f, "demo_graduate").await;
        assert_error(
            &call(&f.app, Method::GET, "/api/v1/campaigns", None, &Auth::Bearer(&grad)).await,
            403,
            "forbidden",
        );
        f.cleanup().await;
    }
}

/// A Beijing employer that registered itself (so 北京市 registered it) with its contact
/// person, verified by the ministry; returns its account's token and its credit code.
async fn beijing_employer(f: &super::Fixture) -> (String, String) {
    let code = "91110000802100433B";
    let reg = json!({
        "employer": {"credit_code": code, "name": "北京某某股份有限公司", "industry_code": "C", "region_code": "110105",
                     "employees": 2000, "revenue_wan": 90000, "contact_name": "李经理", "contact_phone": "010-66001234",
                     "contact_email": "hr@example.com"},
        "username": "hr_beijing", "password": "Hiring-Graduates-1", "display_name": "招聘负责人"
    });
    let r = call(&f.app, Method::POST, "/api/v1/employers/register", Some(reg), &Auth::None).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}: {}", f.name, r.body);
    let ministry = token_for(f, "demo_ministry").await;
    let r = call(
        &f.app,
        Method::POST,
        &format!("/api/v1/employers/{code}/verification"),
        Some(json!({"state": "verified"})),
        &Auth::Bearer(&ministry),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    (token_for(f, "hr_beijing").await, code.to_owned())
}

fn job(visibility: &str, scope: Option<&str>) -> serde_json::Value {
    let deadline = (chrono::Local::now().date_naive() + chrono::Duration::days(30)).to_string();
    json!({"title": "机械设计工程师", "description": "负责非标设备设计，机械类专业，五险一金。", "region": "110105",
           "position": "13", "education": "bachelor", "majors": [], "openings": 2, "salary_min": 8000,
           "salary_max": 12000, "deadline": deadline, "contact": "010-66001234", "apply_method": "平台内投递",
           "visibility": visibility, "scope": scope})
}

#[tokio::test]
async fn staff_outside_the_registering_scope_propose_corrections_and_cannot_take_over_an_employer() {
    for f in fixtures().await {
        let (hr, code) = beijing_employer(&f).await;
        let ministry = token_for(&f, "demo_ministry").await;
        let counselor = token_for(&f, "demo_counselor").await;
        let career = token_for(&f, "demo_career").await;
        let employer = format!("/api/v1/employers/{code}");
        // It posts nationwide; the ministry approves.
        let r = call(&f.app, Method::POST, "/api/v1/postings", Some(job("nation", None)), &Auth::Bearer(&hr)).await;
        let pid = r.json()["id"].as_str().unwrap().to_owned();
        let r = call(
            &f.app,
            Method::POST,
            &format!("/api/v1/postings/{pid}/review"),
            Some(json!({"decision": "approve", "version": 1})),
            &Auth::Bearer(&ministry),
        )
        .await;
        assert_eq!(r.json()["status"], "approved", "{}", r.body);
        let before = call(&f.app, Method::GET, &employer, None, &Auth::Bearer(&ministry)).await.json();
        // A counselor in Sichuan tries to rename it and replace its phone: only a correction.
        let takeover = json!({"credit_code": code, "name": "冒名顶替有限公司", "industry_code": "C", "region_code": "110105",
                              "contact_phone": "13800000000"});
        let r = call(&f.app, Method::POST, "/api/v1/employers", Some(takeover), &Auth::Bearer(&counselor)).await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}: {}", f.name, r.body);
        assert_eq!(r.json()["status"], "correction_proposed");
        let takeover_id = r.json()["id"].as_str().unwrap().to_owned();
        let after = call(&f.app, Method::GET, &employer, None, &Auth::Bearer(&ministry)).await.json();
        assert_eq!(after, before, "nothing changed");
        assert_eq!(after["contact_phone"], "010-66001234");
        let shown = call(&f.app, Method::GET, &format!("/api/v1/postings/{pid}"), None, &Auth::None).await.json();
        assert_eq!(shown["employer_name"], "北京某某股份有限公司");
        // An identical entry changes nothing and proposes nothing.
        let same =
            json!({"credit_code": code, "name": "北京某某股份有限公司", "industry_code": "C", "region_code": "110105"});
        let r = call(&f.app, Method::POST, "/api/v1/employers", Some(same), &Auth::Bearer(&counselor)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["version"], before["version"]);
        // The proposer sees their proposal, the registering scope sees all, others none.
        let corrections = format!("{employer}/corrections");
        let mine = call(&f.app, Method::GET, &corrections, None, &Auth::Bearer(&counselor)).await.json();
        assert_eq!(mine["total"], 1, "{mine}");
        let c = &mine["items"][0];
        assert_eq!(
            (c["proposed"]["name"].as_str(), c["proposed"]["contact_phone"].as_str()),
            (Some("冒名顶替有限公司"), Some("13800000000"))
        );
        assert!(c["proposed"]["industry_code"].is_null() && c["proposed"]["region_code"].is_null(), "{c}");
        assert_eq!((c["status"].as_str(), c["proposed_by"].as_str()), (Some("proposed"), Some("demo_counselor")));
        assert_eq!(call(&f.app, Method::GET, &corrections, None, &Auth::Bearer(&career)).await.json()["total"], 0);
        assert_eq!(call(&f.app, Method::GET, &corrections, None, &Auth::Bearer(&ministry)).await.json()["total"], 1);
        let graduate = token_for(&f, "demo_graduate").await;
        assert_error(
            &call(&f.app, Method::GET, &corrections, None, &Auth::Bearer(&graduate)).await,
            404,
            "employer_not_found",
        );
        // A correction proposed explicitly, checked as an entry would be.
        let propose = |body: serde_json::Value| {
            let (app, uri, token) = (f.app.clone(), corrections.clone(), career.clone());
            async move { call(&app, Method::POST, &uri, Some(body), &Auth::Bearer(&token)).await }
        };
        assert_error(&propose(json!({"name": "北京某某股份有限公司"})).await, 422, "no_change");
        assert_error(&propose(json!({"region_code": "999999"})).await, 422, "invalid_region");
        let r = propose(json!({"employees": 2500, "note": "官网显示 2500 人"})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(
            (r.json()["proposed"]["employees"].as_i64(), r.json()["proposed"]["name"].as_str()),
            (Some(2500), None)
        );
        let size_id = r.json()["id"].as_str().unwrap().to_owned();
        // Only the registering scope decides; rejecting needs a note.
        let decide = |id: &str, body: serde_json::Value, token: &str| {
            let (app, uri, token) = (f.app.clone(), format!("{corrections}/{id}/decision"), token.to_owned());
            async move { call(&app, Method::POST, &uri, Some(body), &Auth::Bearer(&token)).await }
        };
        assert_error(&decide(&takeover_id, json!({"accept": true}), &counselor).await, 403, "forbidden");
        assert_error(&decide(&takeover_id, json!({"accept": true}), &hr).await, 403, "forbidden");
        assert_error(&decide(&takeover_id, json!({"accept": false}), &ministry).await, 422, "note_required");
        let r = decide(&takeover_id, json!({"accept": false, "note": "与营业执照不符"}), &ministry).await;
        assert_eq!(
            (r.json()["status"].as_str(), r.json()["decision_note"].as_str()),
            (Some("rejected"), Some("与营业执照不符"))
        );
        assert_error(&decide(&takeover_id, json!({"accept": true}), &ministry).await, 409, "correction_decided");
        let r = decide(&size_id, json!({"accept": true}), &ministry).await;
        assert_eq!(r.json()["status"], "accepted", "{}", r.body);
        let now = call(&f.app, Method::GET, &employer, None, &Auth::Bearer(&ministry)).await.json();
        assert_eq!((now["employees"].as_i64(), now["name"].as_str()), (Some(2500), Some("北京某某股份有限公司")));
        assert_eq!(now["version"].as_i64(), before["version"].as_i64().map(|v| v + 1));
        // The employer's own account changes its own record directly, and its postings show it.
        let renamed = json!({"credit_code": code, "name": "北京某某科技股份有限公司", "industry_code": "C", "region_code": "110105"});
        let r = call(&f.app, Method::POST, "/api/v1/employers", Some(renamed), &Auth::Bearer(&hr)).await;
        assert_eq!(
            (r.status, r.json()["name"].as_str()),
            (StatusCode::OK, Some("北京某某科技股份有限公司")),
            "{}",
            r.body
        );
        assert_eq!(r.json()["employees"], 2500, "fields not given are kept");
        let shown = call(&f.app, Method::GET, &format!("/api/v1/postings/{pid}"), None, &Auth::None).await.json();
        assert_eq!(shown["employer_name"], "北京某某科技股份有限公司");
        // Every step is audited.
        let audit = |action: &str| {
            let (app, uri, token) =
                (f.app.clone(), format!("/api/v1/audit?action={action}&result=ok&limit=50"), ministry.clone());
            async move { call(&app, Method::GET, &uri, None, &Auth::Bearer(&token)).await.json()["total"].as_i64() }
        };
        assert_eq!(audit("employer_correction_propose").await, Some(2));
        assert_eq!(audit("employer_correction_decide").await, Some(2));
        f.cleanup().await;
    }
}

#[tokio::test]
async fn employer_contacts_reach_only_itself_its_registrar_and_universities_it_works_with() {
    for f in fixtures().await {
        let (hr, code) = beijing_employer(&f).await;
        let ministry = token_for(&f, "demo_ministry").await;
        let counselor = token_for(&f, "demo_counselor").await;
        let career = token_for(&f, "demo_career").await;
        let province = token_for(&f, "demo_province").await;
        let one = format!("/api/v1/employers/{code}");
        let listed = format!("/api/v1/employers?q={code}");
        let phone_of = |uri: String, token: String| {
            let app = f.app.clone();
            async move {
                let v = call(&app, Method::GET, &uri, None, &Auth::Bearer(&token)).await.json();
                let e = if v.get("items").is_some() { v["items"][0].clone() } else { v };
                assert_eq!(e["credit_code"], "91110000802100433B", "{e}");
                let contact = [&e["contact_name"], &e["contact_phone"], &e["contact_email"]];
                assert!(contact.iter().all(|c| c.is_null()) || contact.iter().all(|c| !c.is_null()), "{e}");
                e["contact_phone"].as_str().map(str::to_owned)
            }
        };
        let phone = Some("010-66001234".to_owned());
        // The employer itself and the scope that registered it (and above).
        assert_eq!(phone_of(one.clone(), hr.clone()).await, phone, "{}", f.name);
        assert_eq!(phone_of(one.clone(), ministry.clone()).await, phone);
        assert_eq!(phone_of(listed.clone(), ministry.clone()).await, phone);
        // Staff elsewhere read the directory without the contact person.
        for token in [&counselor, &career, &province] {
            assert_eq!(phone_of(one.clone(), token.clone()).await, None);
            assert_eq!(phone_of(listed.clone(), token.clone()).await, None);
        }
        // Once it posts at 四川大学, the university's staff see it; the province still does not.
        let r = call(
            &f.app,
            Method::POST,
            "/api/v1/postings",
            Some(job("university", Some("4151010610"))),
            &Auth::Bearer(&hr),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        for token in [&counselor, &career] {
            assert_eq!(phone_of(one.clone(), token.clone()).await, phone);
            assert_eq!(phone_of(listed.clone(), token.clone()).await, phone);
        }
        assert_eq!(phone_of(one.clone(), province.clone()).await, None);
        let graduate = token_for(&f, "demo_graduate").await;
        assert_error(&call(&f.app, Method::GET, &one, None, &Auth::Bearer(&graduate)).await, 404, "employer_not_found");
        f.cleanup().await;
    }
}

#[tokio::test]
async fn anonymous_employer_registration_is_limited_per_client_address() {
    for f in super::fixtures_with(|s| {
        s.auth.trusted_proxies = jiuye_web::auth::IpRange::parse_list("127.0.0.1").expect("proxies")
    })
    .await
    {
        let attempt = |ip: &'static str, code: &str| {
            let body = json!({
                "employer": {"credit_code": code, "name": "某某有限公司", "industry_code": "C", "region_code": "110105"},
                "username": format!("hr_{}", code.to_ascii_lowercase()), "password": "Hiring-Graduates-1", "display_name": "招聘"
            });
            let mut req = axum::http::Request::post("/api/v1/employers/register")
                .header(axum::http::header::CONTENT_TYPE, "application/json")
                .header("x-forwarded-for", ip)
                .body(axum::body::Body::from(body.to_string()))
                .unwrap();
            // Through the local reverse proxy.
            let proxy: std::net::SocketAddr = "127.0.0.1:40000".parse().unwrap();
            req.extensions_mut().insert(axum::extract::ConnectInfo(proxy));
            let app = f.app.clone();
            async move { super::send(&app, req).await }
        };
        for _ in 0..20 {
            assert_error(&attempt("203.0.113.9", "91110000802100433X").await, 422, "invalid_credit_code");
        }
        assert_error(&attempt("203.0.113.9", "91110000802100433X").await, 429, "too_many_requests");
        assert_error(&attempt("203.0.113.9", "91110000802100433B").await, 429, "too_many_requests");
        // Another address is not held back.
        let r = attempt("198.51.100.7", "91110000802100433B").await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {}", f.name, r.body);
        let ministry = token_for(&f, "demo_ministry").await;
        let audit = call(
            &f.app,
            Method::GET,
            "/api/v1/audit?action=employer_self_register&result=rate_limited",
            None,
            &Auth::Bearer(&ministry),
        )
        .await;
        assert_eq!(audit.json()["total"], 2, "{}", audit.body);
        f.cleanup().await;
    }
}
