//! Job postings through the HTTP API: scam screening of drafts.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::json;

use super::identity::{Auth, call, login};
use super::{assert_error, fixtures};

#[tokio::test]
async fn a_node_screens_with_its_own_rule_file_when_it_has_one() {
    fn province_rules(s: &mut jiuye_web::WebSettings) {
        let text = format!(
            "{}\n[[pattern]]\ncode = \"local_warning\"\nlevel = \"high\"\nmessage = \"本省通报的诈骗话术\"\nslots = [\"带薪游学\"]\n",
            jiuye_domain::screening::SHIPPED_RULES
        );
        s.scam_rules = std::sync::Arc::new(jiuye_app::safety::rules::RuleBook::with_rules(
            jiuye_domain::screening::Rules::parse(&text).expect("rules"),
        ));
    }
    for f in super::fixtures_with(province_rules).await {
        let body = json!({"title": "储备干部", "description": "入职即可参加带薪游学项目。"});
        let r = call(&f.app, Method::POST, "/api/v1/postings/screen", Some(body), &Auth::None).await;
        assert_eq!(r.json()["level"], "high", "{}", r.body);
        assert_eq!(r.json()["reasons"][0]["code"], "local_warning");
        assert_eq!(r.json()["reasons"][0]["evidence"], "带薪游学");
        f.cleanup().await;
    }
}

#[tokio::test]
async fn drafts_are_screened_without_signing_in_and_nothing_is_stored() {
    for f in fixtures().await {
        let screen =
            |body: serde_json::Value| call(&f.app, Method::POST, "/api/v1/postings/screen", Some(body), &Auth::None);
        for (what, text, code) in [
            ("deposit", "入职需缴纳押金 300 元，工作满三个月退还。", "fee"),
            ("training loan", "零基础包就业，学费可办理分期，先培训后就业。", "training_loan"),
            ("ID card", "报到时身份证原件交由公司统一保管。", "identity_documents"),
        ] {
            let r = screen(json!({"title": "储备干部", "description": text, "salary_min": 4000, "salary_max": 6000, "region": "510104"})).await;
            assert_eq!(r.status, StatusCode::OK, "{}: {}", f.name, r.body);
            let v = r.json();
            assert_eq!(v["level"], "high", "{what}: {v}");
            assert_eq!(v["reasons"][0]["code"], code, "{what}: {v}");
            assert!(!v["reasons"][0]["message"].as_str().unwrap().is_empty());
            let evidence = v["reasons"][0]["evidence"].as_str().unwrap();
            assert!(!evidence.is_empty() && text.contains(evidence), "the words as written: {evidence}");
        }
        let ok = screen(json!({"title": "机械设计工程师", "description": "负责非标设备设计，机械类专业，五险一金，包住宿。", "salary_min": 6000, "salary_max": 9000, "region": "510104", "contact": "028-85412345"})).await;
        assert_eq!(ok.json(), json!({"level": "low", "reasons": []}), "{}", ok.body);
        assert_error(
            &screen(json!({"title": "x", "description": "y", "region": "999999"})).await,
            422,
            "invalid_region",
        );
        assert_error(&screen(json!({"title": "x"})).await, 422, "unprocessable_entity");

        // The page shows a posting's HTML as text.
        let (cookie, csrf) = login(&f.app, "demo_career", jiuye_seed::DEMO_PASSWORD).await;
        let page = super::send(
            &f.app,
            Request::post("/postings/screen")
                .header(header::COOKIE, &cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!(
                    "csrf={csrf}&title=%3Cscript%3Ealert(1)%3C%2Fscript%3E&description=%E5%88%B7%E5%8D%95%E8%BF%94%E4%BD%A3&salary_min=&salary_max=&region=&contact="
                )))
                .unwrap(),
        )
        .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(!page.body.contains("<script>alert(1)</script>"), "markup is escaped");
        assert!(page.body.contains("&lt;script&gt;") || page.body.contains("&#60;script&#62;"), "{}", page.body);
        assert!(page.body.contains("risk-high"), "刷单 is high risk");
        f.cleanup().await;
    }
}

/// The demo employer's account and credit code, verified by the province.
pub(crate) async fn verified_employer(f: &super::Fixture) -> (String, String) {
    let user = f.store.user_by_username("demo_employer").await.unwrap().unwrap();
    let grants = f.store.grants_of(user.id).await.unwrap();
    let id = grants.iter().find_map(|g| g.grant.subject_id).unwrap();
    let e = f.store.employer_by_id(id).await.unwrap().unwrap();
    let province = super::identity::token_for(f, "demo_province").await;
    let r = call(
        &f.app,
        Method::POST,
        &format!("/api/v1/employers/{}/verification", e.credit_code),
        Some(json!({"state": "verified"})),
        &Auth::Bearer(&province),
    )
    .await;
    assert!(r.status.is_success(), "{}", r.body);
    (super::identity::token_for(f, "demo_employer").await, e.credit_code)
}

pub(crate) fn posting(visibility: &str, scope: Option<&str>, description: &str) -> serde_json::Value {
    let deadline = (chrono::Local::now().date_naive() + chrono::Duration::days(30)).to_string();
    json!({"title": "软件开发工程师", "description": description, "region": "510104", "position": "13",
           "education": "bachelor", "majors": ["0809"], "openings": 3, "salary_min": 7000, "salary_max": 11000,
           "deadline": deadline, "contact": "028-85412345", "apply_method": "平台内投递",
           "visibility": visibility, "scope": scope})
}

#[tokio::test]
async fn postings_are_screened_reviewed_by_their_scope_and_seen_only_there() {
    use super::identity::token_for;
    for f in fixtures().await {
        let (hr, _) = verified_employer(&f).await;
        let career = token_for(&f, "demo_career").await;
        let province = token_for(&f, "demo_province").await;
        let graduate = token_for(&f, "demo_graduate").await;
        // Only an employer's own account posts.
        let ordinary = posting("university", Some("4151010610"), "负责后端服务开发，熟悉 Rust 或 Go；五险一金。");
        assert_error(
            &call(&f.app, Method::POST, "/api/v1/postings", Some(ordinary.clone()), &Auth::Bearer(&career)).await,
            403,
            "forbidden",
        );
        let r = call(&f.app, Method::POST, "/api/v1/postings", Some(ordinary.clone()), &Auth::Bearer(&hr)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {}", f.name, r.body);
        let p = r.json();
        assert_eq!((p["status"].as_str(), p["risk_level"].as_str()), (Some("pending"), Some("low")));
        let id = p["id"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/postings/{id}");
        // Nobody but its employer and its reviewers sees it before approval.
        assert_error(&call(&f.app, Method::GET, &path, None, &Auth::Bearer(&graduate)).await, 404, "posting_not_found");
        assert_error(&call(&f.app, Method::GET, &path, None, &Auth::None).await, 404, "posting_not_found");
        let queue = call(&f.app, Method::GET, "/api/v1/postings/review", None, &Auth::Bearer(&career)).await;
        assert_eq!(queue.json()["total"], 1, "{}", queue.body);
        assert_error(
            &call(&f.app, Method::GET, "/api/v1/postings/review", None, &Auth::Bearer(&graduate)).await,
            403,
            "forbidden",
        );
        // Reviewing needs the version seen and a note to reject.
        let review = |decision: &str, note: Option<&str>, version: i64| json!({"decision": decision, "note": note, "version": version});
        assert_error(
            &call(
                &f.app,
                Method::POST,
                &format!("{path}/review"),
                Some(review("reject", None, 1)),
                &Auth::Bearer(&career),
            )
            .await,
            422,
            "note_required",
        );
        assert_error(
            &call(
                &f.app,
                Method::POST,
                &format!("{path}/review"),
                Some(review("approve", None, 7)),
                &Auth::Bearer(&career),
            )
            .await,
            409,
            "version_conflict",
        );
        assert_error(
            &call(
                &f.app,
                Method::POST,
                &format!("{path}/review"),
                Some(review("approve", None, 1)),
                &Auth::Bearer(&graduate),
            )
            .await,
            404,
            "posting_not_found",
        );
        let r = call(
            &f.app,
            Method::POST,
            &format!("{path}/review"),
            Some(review("approve", None, 1)),
            &Auth::Bearer(&career),
        )
        .await;
        assert_eq!(r.json()["status"], "approved", "{}", r.body);
        // Now the university's graduate sees it; the public does not (it is not the nation's).
        assert_eq!(call(&f.app, Method::GET, &path, None, &Auth::Bearer(&graduate)).await.status, StatusCode::OK);
        assert_error(&call(&f.app, Method::GET, &path, None, &Auth::None).await, 404, "posting_not_found");
        let list = call(&f.app, Method::GET, "/api/v1/postings", None, &Auth::Bearer(&graduate)).await;
        assert!(list.body.contains(&id), "{}", list.body);
        let list = call(&f.app, Method::GET, "/api/v1/postings", None, &Auth::None).await;
        assert!(!list.body.contains(&id), "{}", list.body);
        // An edit is screened again and goes back to review; a deposit holds it.
        let risky = posting("university", Some("4151010610"), "入职需缴纳押金 500 元，转正后退还。");
        let r = call(&f.app, Method::PUT, &path, Some(risky), &Auth::Bearer(&hr)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!((r.json()["status"].as_str(), r.json()["risk_level"].as_str()), (Some("held"), Some("high")));
        assert_eq!(r.json()["reasons"][0]["code"], "fee");
        assert_error(&call(&f.app, Method::GET, &path, None, &Auth::Bearer(&graduate)).await, 404, "posting_not_found");
        let held = call(&f.app, Method::GET, "/api/v1/postings/review?status=held", None, &Auth::Bearer(&career)).await;
        assert_eq!(held.json()["items"][0]["id"], id.as_str());
        // A province-wide posting is reviewed by the province, not by a university.
        let wide = posting("province", Some("510000"), "负责后端服务开发，熟悉 Rust 或 Go；五险一金。");
        let r = call(&f.app, Method::POST, "/api/v1/postings", Some(wide), &Auth::Bearer(&hr)).await;
        let wid = r.json()["id"].as_str().unwrap().to_owned();
        let wpath = format!("/api/v1/postings/{wid}/review");
        assert_error(
            &call(&f.app, Method::POST, &wpath, Some(review("approve", None, 1)), &Auth::Bearer(&career)).await,
            404,
            "posting_not_found",
        );
        let r = call(&f.app, Method::POST, &wpath, Some(review("approve", None, 1)), &Auth::Bearer(&province)).await;
        assert_eq!(r.json()["status"], "approved", "{}", r.body);
        assert_eq!(
            call(&f.app, Method::GET, &format!("/api/v1/postings/{wid}"), None, &Auth::Bearer(&graduate)).await.status,
            StatusCode::OK
        );
        // Bad fields are named.
        let mut bad = posting("university", Some("4151010610"), "负责后端服务开发，熟悉 Rust 或 Go；五险一金。");
        bad["deadline"] = json!("2020-01-01");
        assert_error(
            &call(&f.app, Method::POST, "/api/v1/postings", Some(bad), &Auth::Bearer(&hr)).await,
            422,
            "invalid_deadline",
        );
        let mut bad = posting("alliance", Some("4151010610"), "负责后端服务开发，熟悉 Rust 或 Go；五险一金。");
        bad["majors"] = json!([]);
        assert_error(
            &call(&f.app, Method::POST, "/api/v1/postings", Some(bad), &Auth::Bearer(&hr)).await,
            422,
            "invalid_scope",
        );
        let mine = call(&f.app, Method::GET, "/api/v1/postings/mine", None, &Auth::Bearer(&hr)).await;
        assert_eq!(mine.json()["total"], 2, "{}", mine.body);
        f.cleanup().await;
    }
}

#[tokio::test]
async fn posting_pages_submit_review_and_show_postings_as_text() {
    for f in fixtures().await {
        let (_, _) = verified_employer(&f).await;
        let form = |cookie: &str, path: &str, body: String| {
            Request::post(path.to_owned())
                .header(header::COOKIE, cookie.to_owned())
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap()
        };
        let enc = |s: &str| {
            s.bytes()
                .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
                .collect::<String>()
        };
        let (hr, hr_csrf) = login(&f.app, "demo_employer", jiuye_seed::DEMO_PASSWORD).await;
        let deadline = (chrono::Local::now().date_naive() + chrono::Duration::days(20)).to_string();
        let title = "<script>alert(1)</script>测试工程师";
        let body = format!(
            "csrf={hr_csrf}&title={}&description={}&region=510104&position=13&education=bachelor&majors=0809&openings=2&salary_min=6000&salary_max=9000&deadline={deadline}&contact=028-85412345&apply_method=&visibility=university&scope=4151010610",
            enc(title),
            enc("负责软件测试，熟悉自动化测试工具。</script><b>粗体</b>")
        );
        let r = super::send(&f.app, form(&hr, "/postings/mine", body)).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}: {}", f.name, r.body);
        let bad = format!(
            "csrf={hr_csrf}&title=x&description=y&region=&position=&education=any&majors=&openings=&salary_min=&salary_max=&deadline=&contact=&apply_method=&visibility=nation&scope="
        );
        let r = super::send(&f.app, form(&hr, "/postings/mine", bad)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("role=\"alert\""), "{}", r.body);
        // The career centre approves it from the queue.
        let (staff, staff_csrf) = login(&f.app, "demo_career", jiuye_seed::DEMO_PASSWORD).await;
        let q = call(&f.app, Method::GET, "/postings/review", None, &Auth::Cookie { cookie: &staff, csrf: None }).await;
        assert_eq!(q.status, StatusCode::OK, "{}", q.body);
        assert!(!q.body.contains("<script>alert(1)</script>") && q.body.contains("测试工程师"));
        let queue =
            call(&f.app, Method::GET, "/api/v1/postings/review", None, &Auth::Cookie { cookie: &staff, csrf: None })
                .await;
        let id = queue.json()["items"][0]["id"].as_str().unwrap().to_owned();
        assert!(q.body.contains(&format!("/postings/{id}/review")));
        let r = super::send(
            &f.app,
            form(
                &staff,
                &format!("/postings/{id}/review"),
                format!("csrf={staff_csrf}&decision=approve&note=&version=1&back=pending"),
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        // The graduate sees it, as text, with schema.org data that cannot break out of its script.
        let (grad, _) = login(&f.app, "demo_graduate", jiuye_seed::DEMO_PASSWORD).await;
        let page =
            call(&f.app, Method::GET, &format!("/postings/{id}"), None, &Auth::Cookie { cookie: &grad, csrf: None })
                .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("\"@type\":\"JobPosting\""), "{}", page.body);
        assert!(!page.body.contains("<script>alert(1)") && !page.body.contains("<b>粗体</b>"), "{}", page.body);
        assert_eq!(
            page.body.matches("</script>").count(),
            page.body.matches("<script").count(),
            "only the page's own script elements (the JSON-LD and the menu's) close a script"
        );
        let list = call(&f.app, Method::GET, "/postings", None, &Auth::Cookie { cookie: &grad, csrf: None }).await;
        assert!(list.body.contains(&format!("/postings/{id}")), "{}", list.body);
        let mine = call(&f.app, Method::GET, "/postings/mine", None, &Auth::Cookie { cookie: &hr, csrf: None }).await;
        assert!(mine.body.contains("已发布"), "{}", mine.body);
        f.cleanup().await;
    }
}

#[tokio::test]
async fn reports_reach_the_reviewers_and_a_confirmed_scam_hides_the_employer_in_scope_and_reaches_its_registrar() {
    use super::identity::token_for;
    for f in fixtures().await {
        let (hr, code) = verified_employer(&f).await;
        let career = token_for(&f, "demo_career").await;
        let graduate = token_for(&f, "demo_graduate").await;
        let r = call(
            &f.app,
            Method::POST,
            "/api/v1/postings",
            Some(posting("university", Some("4151010610"), "招聘线上客服，工作轻松，时间自由，每天两小时。")),
            &Auth::Bearer(&hr),
        )
        .await;
        let id = r.json()["id"].as_str().unwrap().to_owned();
        let review = json!({"decision": "approve", "version": 1});
        call(&f.app, Method::POST, &format!("/api/v1/postings/{id}/review"), Some(review), &Auth::Bearer(&career))
            .await;
        // A graduate reports it in one step; a second report by the same person is not counted.
        // A second posting of the same employer, approved and found by search.
        let r = call(
            &f.app,
            Method::POST,
            "/api/v1/postings",
            Some(posting("university", Some("4151010610"), "招聘仓库管理员，负责出入库登记。")),
            &Auth::Bearer(&hr),
        )
        .await;
        let other = r.json()["id"].as_str().unwrap().to_owned();
        call(
            &f.app,
            Method::POST,
            &format!("/api/v1/postings/{other}/review"),
            Some(json!({"decision": "approve", "version": 1})),
            &Auth::Bearer(&career),
        )
        .await;
        let search = call(&f.app, Method::GET, "/api/v1/postings/search", None, &Auth::Bearer(&graduate)).await;
        assert!(search.body.contains(&other), "{}", search.body);
        let report = json!({"reason": "面试时要求先交 300 元服装费"});
        let path = format!("/api/v1/postings/{id}/reports");
        let r = call(&f.app, Method::POST, &path, Some(report.clone()), &Auth::Bearer(&graduate)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {}", f.name, r.body);
        assert_eq!(
            call(&f.app, Method::POST, &path, Some(report), &Auth::Bearer(&graduate)).await.status,
            StatusCode::OK
        );
        assert_error(
            &call(&f.app, Method::POST, &path, Some(json!({"reason": "x"})), &Auth::Bearer(&graduate)).await,
            422,
            "invalid_reason",
        );
        assert_eq!(
            call(&f.app, Method::POST, &path, Some(json!({"reason": "可疑"})), &Auth::None).await.status,
            StatusCode::UNAUTHORIZED
        );
        // The reviewers see it with the reason; the graduate does not see others' reports.
        let q =
            call(&f.app, Method::GET, "/api/v1/postings/review?status=reported", None, &Auth::Bearer(&career)).await;
        assert_eq!(q.json()["total"], 1, "{}", q.body);
        assert_eq!(q.json()["items"][0]["reports"][0]["reason"], "面试时要求先交 300 元服装费");
        let seen = call(&f.app, Method::GET, &format!("/api/v1/postings/{id}"), None, &Auth::Bearer(&graduate)).await;
        assert!(seen.json().get("reports").is_none(), "{}", seen.body);
        // The university's career centre confirms the scam. The employer was registered by the
        // province, so the university cannot blacklist it: the posting is rejected, the
        // employer's postings are hidden within the university, and the province is told.
        let version = q.json()["items"][0]["version"].as_i64().unwrap();
        let confirm = json!({"decision": "confirm_scam", "note": "核实收取服装费", "version": version});
        let r =
            call(&f.app, Method::POST, &format!("/api/v1/postings/{id}/review"), Some(confirm), &Auth::Bearer(&career))
                .await;
        assert_eq!(r.json()["status"], "rejected", "{}", r.body);
        let e = call(&f.app, Method::GET, &format!("/api/v1/employers/{code}"), None, &Auth::Bearer(&career)).await;
        assert_eq!(e.json()["verification"], "verified", "{}", e.body);
        assert_error(
            &call(
                &f.app,
                Method::POST,
                &format!("/api/v1/employers/{code}/verification"),
                Some(json!({"state": "blacklisted", "reason": "收取服装费"})),
                &Auth::Bearer(&career),
            )
            .await,
            403,
            "forbidden",
        );
        assert_error(
            &call(&f.app, Method::GET, &format!("/api/v1/postings/{id}"), None, &Auth::Bearer(&graduate)).await,
            404,
            "posting_not_found",
        );
        // Its other postings leave search, the list and reading within the university at once.
        let search = call(&f.app, Method::GET, "/api/v1/postings/search", None, &Auth::Bearer(&graduate)).await;
        assert!(!search.body.contains(&other), "{}", search.body);
        let list = call(&f.app, Method::GET, "/api/v1/postings?limit=200", None, &Auth::Bearer(&graduate)).await;
        assert!(!list.body.contains(&other), "{}", list.body);
        assert_error(
            &call(&f.app, Method::GET, &format!("/api/v1/postings/{other}"), None, &Auth::Bearer(&graduate)).await,
            404,
            "posting_not_found",
        );
        // The reviewers still see it; the employer still sees its own posting.
        let seen = call(&f.app, Method::GET, &format!("/api/v1/postings/{other}"), None, &Auth::Bearer(&career)).await;
        assert_eq!(seen.status, StatusCode::OK, "{}", seen.body);
        let seen = call(&f.app, Method::GET, &format!("/api/v1/postings/{other}"), None, &Auth::Bearer(&hr)).await;
        assert_eq!(seen.status, StatusCode::OK, "{}", seen.body);
        // The report reaches the province that registered the employer.
        let province = token_for(&f, "demo_province").await;
        let inbox = call(&f.app, Method::GET, "/api/v1/employers/scam-reports", None, &Auth::Bearer(&province)).await;
        assert_eq!(inbox.json()["total"], 1, "{}", inbox.body);
        let report = &inbox.json()["items"][0];
        assert_eq!(report["employer_credit_code"], code.as_str());
        assert_eq!(report["scope"], "4151010610");
        assert_eq!(report["blacklisted"], false);
        assert_eq!(report["posting_id"], id.as_str());
        assert!(report["reason"].as_str().unwrap().contains("核实收取服装费"), "{report}");
        let e = call(&f.app, Method::GET, &format!("/api/v1/employers/{code}"), None, &Auth::Bearer(&province)).await;
        assert_eq!(e.json()["scam_reports_in_force"], 1, "{}", e.body);
        let listed =
            call(&f.app, Method::GET, &format!("/api/v1/employers/{code}/scam-reports"), None, &Auth::Bearer(&career))
                .await;
        assert_eq!(listed.json()["total"], 1, "the confirming scope sees its report: {}", listed.body);
        assert_error(
            &call(&f.app, Method::GET, "/api/v1/employers/scam-reports", None, &Auth::Bearer(&graduate)).await,
            403,
            "forbidden",
        );
        let (cookie, _) = login(&f.app, "demo_province", jiuye_seed::DEMO_PASSWORD).await;
        let page = super::send(
            &f.app,
            Request::get("/postings/review").header(header::COOKIE, &cookie).body(Body::empty()).unwrap(),
        )
        .await;
        assert!(page.body.contains("上报至本范围的诈骗确认") && page.body.contains(&code), "{}", page.body);
        // The province blacklists it, with a reason.
        let r = call(
            &f.app,
            Method::POST,
            &format!("/api/v1/employers/{code}/verification"),
            Some(json!({"state": "blacklisted", "reason": "四川大学确认收取服装费"})),
            &Auth::Bearer(&province),
        )
        .await;
        assert_eq!(r.json()["verification"], "blacklisted", "{}", r.body);
        let inbox = call(&f.app, Method::GET, "/api/v1/employers/scam-reports", None, &Auth::Bearer(&province)).await;
        assert_eq!(inbox.json()["total"], 0, "decided: {}", inbox.body);
        // A blacklisted employer posts no more.
        let r = call(
            &f.app,
            Method::POST,
            "/api/v1/postings",
            Some(posting("nation", None, "招聘线上客服，工作轻松，时间自由。")),
            &Auth::Bearer(&hr),
        )
        .await;
        assert_error(&r, 422, "employer_not_verified");
        // Lifting the blacklisting (with a reason) leaves the university's own hide in force.
        let r = call(
            &f.app,
            Method::POST,
            &format!("/api/v1/employers/{code}/verification"),
            Some(json!({"state": "verified", "reason": "单位已整改并退还费用"})),
            &Auth::Bearer(&province),
        )
        .await;
        assert_eq!(r.json()["verification"], "verified", "{}", r.body);
        let other_path = format!("/api/v1/postings/{other}");
        assert_error(
            &call(&f.app, Method::GET, &other_path, None, &Auth::Bearer(&graduate)).await,
            404,
            "posting_not_found",
        );
        let inbox = call(&f.app, Method::GET, "/api/v1/employers/scam-reports", None, &Auth::Bearer(&province)).await;
        assert_eq!(inbox.json()["total"], 1, "waiting again: {}", inbox.body);
        // The university lifts its hide, with a reason; its graduates see the employer again.
        let lift = format!("/api/v1/employers/{code}/scam-reports/{}/lift", report["id"].as_str().unwrap());
        let lift_with = |reason: &str, token: &str| {
            let (app, uri, body, token) = (f.app.clone(), lift.clone(), json!({"reason": reason}), token.to_owned());
            async move { call(&app, Method::POST, &uri, Some(body), &Auth::Bearer(&token)).await }
        };
        assert_error(&lift_with("", &career).await, 422, "reason_required");
        assert_error(&lift_with("已核实", &graduate).await, 404, "employer_not_found");
        let r = lift_with("单位已整改", &career).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.json()["lifted_at"].is_string() && r.json()["lift_reason"] == "单位已整改", "{}", r.body);
        assert_error(&lift_with("单位已整改", &career).await, 409, "already_lifted");
        assert_eq!(call(&f.app, Method::GET, &other_path, None, &Auth::Bearer(&graduate)).await.status, StatusCode::OK);
        let e = call(&f.app, Method::GET, &format!("/api/v1/employers/{code}"), None, &Auth::Bearer(&province)).await;
        assert_eq!(e.json()["scam_reports_in_force"], 0, "{}", e.body);
        f.cleanup().await;
    }
}

#[tokio::test]
async fn graduates_apply_employers_see_only_their_applicants_and_every_step_is_dated() {
    use super::identity::token_for;
    for f in fixtures().await {
        let (hr, _) = verified_employer(&f).await;
        let career = token_for(&f, "demo_career").await;
        let graduate = token_for(&f, "demo_graduate").await;
        let r = call(
            &f.app,
            Method::POST,
            "/api/v1/postings",
            Some(posting("university", Some("4151010610"), "负责后端服务开发，熟悉 Rust 或 Go；五险一金。")),
            &Auth::Bearer(&hr),
        )
        .await;
        let id = r.json()["id"].as_str().unwrap().to_owned();
        let apply = format!("/api/v1/postings/{id}/applications");
        // Not before approval.
        assert_error(
            &call(&f.app, Method::POST, &apply, Some(json!({})), &Auth::Bearer(&graduate)).await,
            404,
            "posting_not_found",
        );
        call(
            &f.app,
            Method::POST,
            &format!("/api/v1/postings/{id}/review"),
            Some(json!({"decision": "approve", "version": 1})),
            &Auth::Bearer(&career),
        )
        .await;
        // Only graduates apply, once.
        assert_error(
            &call(&f.app, Method::POST, &apply, Some(json!({})), &Auth::Bearer(&career)).await,
            403,
            "forbidden",
        );
        let r = call(&f.app, Method::POST, &apply, Some(json!({"note": "熟悉 Rust"})), &Auth::Bearer(&graduate)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {}", f.name, r.body);
        let app = r.json();
        let aid = app["id"].as_str().unwrap().to_owned();
        assert_eq!(app["status"], "submitted");
        assert_error(
            &call(&f.app, Method::POST, &apply, Some(json!({})), &Auth::Bearer(&graduate)).await,
            409,
            "already_applied",
        );
        // The employer sees its applicant; staff and other people do not.
        let list = call(&f.app, Method::GET, &apply, None, &Auth::Bearer(&hr)).await;
        assert_eq!(list.json()["total"], 1, "{}", list.body);
        assert!(!list.json()["items"][0]["graduate_name"].as_str().unwrap().is_empty());
        assert_error(&call(&f.app, Method::GET, &apply, None, &Auth::Bearer(&career)).await, 404, "posting_not_found");
        assert_error(
            &call(&f.app, Method::GET, &apply, None, &Auth::Bearer(&graduate)).await,
            404,
            "posting_not_found",
        );
        // The pipeline: the employer moves it, the graduate can only withdraw, each step dated.
        let status = format!("/api/v1/applications/{aid}/status");
        let step = |s: &str, v: i64| json!({"status": s, "version": v});
        assert_error(
            &call(&f.app, Method::POST, &status, Some(step("offer", 1)), &Auth::Bearer(&graduate)).await,
            422,
            "invalid_status",
        );
        assert_error(
            &call(&f.app, Method::POST, &status, Some(step("viewed", 1)), &Auth::Bearer(&career)).await,
            404,
            "application_not_found",
        );
        let r = call(&f.app, Method::POST, &status, Some(step("interview", 1)), &Auth::Bearer(&hr)).await;
        assert_eq!(r.json()["status"], "interview", "{}", r.body);
        assert_error(
            &call(&f.app, Method::POST, &status, Some(step("offer", 1)), &Auth::Bearer(&hr)).await,
            409,
            "version_conflict",
        );
        let msg = call(
            &f.app,
            Method::POST,
            &format!("/api/v1/applications/{aid}/messages"),
            Some(json!({"body": "请于周三下午两点面试"})),
            &Auth::Bearer(&hr),
        )
        .await;
        assert_eq!(msg.status, StatusCode::CREATED, "{}", msg.body);
        let mine = call(&f.app, Method::GET, "/api/v1/applications/mine", None, &Auth::Bearer(&graduate)).await;
        let item = &mine.json()["items"][0];
        let steps: Vec<&str> =
            item["history"].as_array().unwrap().iter().map(|s| s["status"].as_str().unwrap()).collect();
        assert_eq!(steps, ["submitted", "interview"]);
        let detail =
            call(&f.app, Method::GET, &format!("/api/v1/applications/{aid}"), None, &Auth::Bearer(&graduate)).await;
        assert_eq!(detail.json()["messages"][0]["sender"], "employer");
        let r = call(&f.app, Method::POST, &status, Some(step("withdrawn", 2)), &Auth::Bearer(&graduate)).await;
        assert_eq!(r.json()["status"], "withdrawn", "{}", r.body);
        assert_error(
            &call(&f.app, Method::POST, &status, Some(step("offer", 3)), &Auth::Bearer(&hr)).await,
            422,
            "application_closed",
        );
        // The pages.
        let (cookie, _) = login(&f.app, "demo_graduate", jiuye_seed::DEMO_PASSWORD).await;
        let page =
            call(&f.app, Method::GET, "/applications", None, &Auth::Cookie { cookie: &cookie, csrf: None }).await;
        assert!(page.body.contains("已撤回") && page.body.contains("<time"), "{}", page.body);
        let (cookie, _) = login(&f.app, "demo_employer", jiuye_seed::DEMO_PASSWORD).await;
        let page = call(
            &f.app,
            Method::GET,
            &format!("/postings/{id}/applicants"),
            None,
            &Auth::Cookie { cookie: &cookie, csrf: None },
        )
        .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        f.cleanup().await;
    }
}

#[tokio::test]
async fn themed_campaigns_check_their_rules_and_filter() {
    for f in fixtures().await {
        let (hr, _) = verified_employer(&f).await;
        let career = super::identity::token_for(&f, "demo_career").await;
        let specials = call(&f.app, Method::GET, "/api/v1/specials", None, &Auth::None).await;
        assert_eq!(specials.json().as_array().unwrap().len(), 3, "{}", specials.body);
        // The demo employer has no size class: it cannot join the SME campaign, but a posting in
        // 四川 can join the western one.
        let mut p = posting("nation", None, "负责后端服务开发，熟悉 Rust 或 Go；五险一金。");
        p["specials"] = json!(["sme_100_days"]);
        assert_error(
            &call(&f.app, Method::POST, "/api/v1/postings", Some(p.clone()), &Auth::Bearer(&hr)).await,
            422,
            "special_not_eligible",
        );
        p["specials"] = json!(["nonexistent"]);
        assert_error(
            &call(&f.app, Method::POST, "/api/v1/postings", Some(p.clone()), &Auth::Bearer(&hr)).await,
            422,
            "invalid_special",
        );
        p["specials"] = json!(["western", "hongzhi"]);
        let r = call(&f.app, Method::POST, "/api/v1/postings", Some(p), &Auth::Bearer(&hr)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {}", f.name, r.body);
        assert_eq!(r.json()["specials"], json!(["western", "hongzhi"]));
        let id = r.json()["id"].as_str().unwrap().to_owned();
        let ministry = super::identity::token_for(&f, "demo_ministry").await;
        let review = json!({"decision": "approve", "version": 1});
        assert_error(
            &call(
                &f.app,
                Method::POST,
                &format!("/api/v1/postings/{id}/review"),
                Some(review.clone()),
                &Auth::Bearer(&career),
            )
            .await,
            404,
            "posting_not_found",
        );
        let r = call(
            &f.app,
            Method::POST,
            &format!("/api/v1/postings/{id}/review"),
            Some(review),
            &Auth::Bearer(&ministry),
        )
        .await;
        assert_eq!(r.json()["status"], "approved", "{}", r.body);
        let west = call(&f.app, Method::GET, "/api/v1/postings?special=western", None, &Auth::None).await;
        assert!(west.body.contains(&id), "{}", west.body);
        let sme = call(&f.app, Method::GET, "/api/v1/postings?special=sme_100_days", None, &Auth::None).await;
        assert!(!sme.body.contains(&id), "{}", sme.body);
        let page = call(&f.app, Method::GET, "/postings?special=hongzhi", None, &Auth::None).await;
        assert!(
            page.body.contains(&format!("/postings/{id}")) && page.body.contains("aria-current=\"page\""),
            "{}",
            page.body
        );
        f.cleanup().await;
    }
}

#[tokio::test]
async fn search_understands_chinese_and_respects_visibility() {
    use super::identity::token_for;
    for f in fixtures().await {
        let (hr, _) = verified_employer(&f).await;
        let career = token_for(&f, "demo_career").await;
        let graduate = token_for(&f, "demo_graduate").await;
        // Build the index first, so that the postings below reach it through the updates.
        let empty = call(&f.app, Method::GET, "/api/v1/postings/search?q=%E8%BD%AF%E4%BB%B6", None, &Auth::None).await;
        assert_eq!(empty.status, StatusCode::OK, "{}: {}", f.name, empty.body);
        let mut p = posting("university", Some("4151010610"), "招聘计算机科学与技术专业毕业生，负责后端开发。");
        p["majors"] = json!(["080901"]);
        let r = call(&f.app, Method::POST, "/api/v1/postings", Some(p), &Auth::Bearer(&hr)).await;
        let id = r.json()["id"].as_str().unwrap().to_owned();
        let search = |q: &str, token: Option<&str>| {
            let app = f.app.clone();
            let url = format!("/api/v1/postings/search?{q}");
            let token = token.map(str::to_owned);
            async move {
                let auth = match &token {
                    Some(t) => Auth::Bearer(t),
                    None => Auth::None,
                };
                let r = call(&app, Method::GET, &url, None, &auth).await;
                assert_eq!(r.status, StatusCode::OK, "{}", r.body);
                r.json()
            }
        };
        let q = |s: &str| format!("q={}", s.bytes().map(|b| format!("%{b:02X}")).collect::<String>());
        assert_eq!(search(&q("计算机科学"), Some(&graduate)).await["total"], 0, "not approved yet");
        call(
            &f.app,
            Method::POST,
            &format!("/api/v1/postings/{id}/review"),
            Some(json!({"decision": "approve", "version": 1})),
            &Auth::Bearer(&career),
        )
        .await;
        for words in ["计算机科学", "科学与技术", "計算機", "后端开发"] {
            let hits = search(&q(words), Some(&graduate)).await;
            assert_eq!(hits["results"][0]["id"], id.as_str(), "{words}: {hits}");
        }
        // Filters and facets.
        let hits = search(&format!("{}&region=510104", q("计算机")), Some(&graduate)).await;
        assert_eq!(hits["total"], 1);
        assert_eq!(hits["facets"]["region"][0]["key"], "510000");
        assert_eq!(hits["facets"]["region"][0]["name"], "四川省");
        assert_eq!(search(&format!("{}&region=110000", q("计算机")), Some(&graduate)).await["total"], 0);
        // Every facet counts the match; each value filters to it.
        let facets = hits["facets"].clone();
        assert_eq!(facets["major_class"][0]["key"], "0809", "{facets}");
        assert_eq!(facets["major_class"][0]["name"], "计算机类");
        assert_eq!(facets["salary"][0]["key"], "8k-12k", "7000–11000 sits in its middle's band");
        assert!(
            facets["size"].as_array().unwrap().is_empty(),
            "the demo employer, a public institution, has no size class"
        );
        for facet in ["industry", "major_class", "education", "salary", "employer_type"] {
            let key = facets[facet][0]["key"].as_str().unwrap_or_else(|| panic!("{facet}: {facets}")).to_owned();
            assert!(!facets[facet][0]["name"].as_str().unwrap_or("").is_empty(), "{facet}: {facets}");
            let narrowed = search(&format!("{}&{facet}={key}", q("计算机")), Some(&graduate)).await;
            assert_eq!(narrowed["total"], 1, "{facet}={key}");
        }
        assert_eq!(search(&format!("{}&salary=lt4k", q("计算机")), Some(&graduate)).await["total"], 0);
        assert_eq!(search(&format!("{}&major_class=1202", q("计算机")), Some(&graduate)).await["total"], 0);
        // Nobody outside the university finds it.
        assert_eq!(search(&q("计算机科学"), None).await["total"], 0);
        // An edit sends it back to review and out of search at once.
        let edit = posting("university", Some("4151010610"), "招聘计算机科学与技术专业毕业生，负责后端开发与运维。");
        call(&f.app, Method::PUT, &format!("/api/v1/postings/{id}"), Some(edit), &Auth::Bearer(&hr)).await;
        assert_eq!(search(&q("计算机科学"), Some(&graduate)).await["total"], 0);
        assert_error(
            &call(&f.app, Method::GET, &format!("/api/v1/postings/search?{}", q(&"长".repeat(101))), None, &Auth::None)
                .await,
            400,
            "query_too_long",
        );
        f.cleanup().await;
    }
}

/// An app on the fixture's store whose search index is kept in `dir`.
fn app_with_index(f: &super::Fixture, dir: &std::path::Path) -> axum::Router {
    let keys = std::sync::Arc::new(jiuye_security::seal::KeyRing::generate().expect("keys"));
    let mut settings = jiuye_web::WebSettings::with_keys(keys);
    settings.search_dir = Some(dir.to_path_buf());
    let rd = std::sync::Arc::new(jiuye_domain::RefData::load().expect("refdata"));
    jiuye_web::app(f.store.clone(), rd, settings).expect("app")
}

#[tokio::test]
async fn an_index_on_disk_catches_up_with_changes_made_while_it_was_closed() {
    use super::identity::token_for;
    for f in fixtures().await {
        let (hr, _) = verified_employer(&f).await;
        let career = token_for(&f, "demo_career").await;
        let graduate = token_for(&f, "demo_graduate").await;
        let dir = tempfile::tempdir().expect("tempdir");
        let found = |app: axum::Router, words: &'static str| {
            let graduate = graduate.clone();
            async move {
                let q: String = words.bytes().map(|b| format!("%{b:02X}")).collect();
                let r =
                    call(&app, Method::GET, &format!("/api/v1/postings/search?q={q}"), None, &Auth::Bearer(&graduate))
                        .await;
                assert_eq!(r.status, StatusCode::OK, "{}", r.body);
                r.json()["results"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p["id"].as_str().unwrap().to_owned())
                    .collect::<Vec<_>>()
            }
        };
        let first = app_with_index(&f, dir.path());
        assert!(found(first.clone(), "园艺").await.is_empty(), "{}", f.name);
        let r = call(
            &first,
            Method::POST,
            "/api/v1/postings",
            Some(posting("university", Some("4151010610"), "招聘园艺专业毕业生，负责苗圃管理。")),
            &Auth::Bearer(&hr),
        )
        .await;
        let id = r.json()["id"].as_str().unwrap().to_owned();
        call(
            &first,
            Method::POST,
            &format!("/api/v1/postings/{id}/review"),
            Some(json!({"decision": "approve", "version": 1})),
            &Auth::Bearer(&career),
        )
        .await;
        assert_eq!(found(first.clone(), "园艺").await, std::slice::from_ref(&id), "{}", f.name);
        drop(first);
        // While no server holds the index, the posting is rejected in the database itself.
        let uuid: uuid::Uuid = id.parse().unwrap();
        let row = f.store.posting(uuid).await.unwrap().unwrap();
        assert!(
            f.store
                .review_posting(uuid, row.posting.version, jiuye_domain::posting::PostingStatus::Rejected, uuid, None)
                .await
                .unwrap()
        );
        let second = app_with_index(&f, dir.path());
        assert!(found(second.clone(), "园艺").await.is_empty(), "{}: the index caught up", f.name);
        drop(second);
        f.cleanup().await;
    }
}

async fn put_bytes(app: &axum::Router, uri: &str, bytes: &[u8], token: &str) -> super::Reply {
    let req = Request::builder()
        .method(Method::PUT)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/pdf")
        .body(Body::from(bytes.to_vec()))
        .unwrap();
    super::send(app, req).await
}

#[tokio::test]
async fn resumes_reach_only_the_employer_applied_to_profiles_only_when_opted_in_and_postings_can_be_withdrawn() {
    use super::identity::token_for;
    for f in fixtures().await {
        let (hr, _) = verified_employer(&f).await;
        let career = token_for(&f, "demo_career").await;
        let graduate = token_for(&f, "demo_graduate").await;
        let counselor = token_for(&f, "demo_counselor").await;
        let r = call(
            &f.app,
            Method::POST,
            "/api/v1/postings",
            Some(posting("university", Some("4151010610"), "负责园林景观设计与施工管理；五险一金。")),
            &Auth::Bearer(&hr),
        )
        .await;
        let id = r.json()["id"].as_str().unwrap().to_owned();
        call(
            &f.app,
            Method::POST,
            &format!("/api/v1/postings/{id}/review"),
            Some(json!({"decision": "approve", "version": 1})),
            &Auth::Bearer(&career),
        )
        .await;
        let r = call(
            &f.app,
            Method::POST,
            &format!("/api/v1/postings/{id}/applications"),
            Some(json!({})),
            &Auth::Bearer(&graduate),
        )
        .await;
        let aid = r.json()["id"].as_str().unwrap().to_owned();
        assert!(r.json()["resume"].is_null());
        let resume = format!("/api/v1/applications/{aid}/resume");
        // A résumé must be a PDF by its content.
        assert_error(&put_bytes(&f.app, &resume, b"<html>not a pdf</html>", &graduate).await, 400, "invalid_file");
        assert_error(&put_bytes(&f.app, &resume, b"%PDF-1.4 resume", &hr).await, 403, "forbidden");
        let r = put_bytes(&f.app, &resume, b"%PDF-1.4 first", &graduate).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", f.name, r.body);
        let r = put_bytes(&f.app, &resume, b"%PDF-1.4 second", &graduate).await;
        assert_eq!(r.json()["resume"]["size_bytes"], 15, "the second replaces the first");
        let read = call(&f.app, Method::GET, &resume, None, &Auth::Bearer(&hr)).await;
        assert_eq!((read.status, read.body.as_str()), (StatusCode::OK, "%PDF-1.4 second"), "{}", f.name);
        assert_eq!(read.content_type, "application/pdf");
        for outsider in [&counselor, &career] {
            assert_error(
                &call(&f.app, Method::GET, &resume, None, &Auth::Bearer(outsider)).await,
                404,
                "resume_not_found",
            );
        }
        // The profile reaches employers only after opting in.
        let talent = |token: String| {
            let app = f.app.clone();
            async move { call(&app, Method::GET, "/api/v1/talent", None, &Auth::Bearer(&token)).await }
        };
        assert_eq!(talent(hr.clone()).await.json()["total"], 0, "{}", f.name);
        assert_error(&talent(career.clone()).await, 403, "forbidden");
        assert_error(&talent(graduate.clone()).await, 403, "forbidden");
        let r =
            call(&f.app, Method::PUT, "/api/v1/me/talent", Some(json!({"open": true})), &Auth::Bearer(&graduate)).await;
        assert_eq!(r.json()["open"], true, "{}", r.body);
        assert_error(
            &call(&f.app, Method::PUT, "/api/v1/me/talent", Some(json!({"open": true})), &Auth::Bearer(&hr)).await,
            403,
            "forbidden",
        );
        let list = talent(hr.clone()).await.json();
        assert_eq!(list["total"], 1, "{list}");
        assert!(list["items"][0]["name"].as_str().is_some_and(|n| !n.is_empty()));
        assert!(list["items"][0].get("student_no").is_none() && list["items"][0].get("id_number").is_none());
        call(&f.app, Method::PUT, "/api/v1/me/talent", Some(json!({"open": false})), &Auth::Bearer(&graduate)).await;
        assert_eq!(talent(hr.clone()).await.json()["total"], 0);
        // Withdrawing takes the posting out of search at once; applications stay readable.
        let q: String = "园林景观".bytes().map(|b| format!("%{b:02X}")).collect();
        let found =
            call(&f.app, Method::GET, &format!("/api/v1/postings/search?q={q}"), None, &Auth::Bearer(&graduate)).await;
        assert_eq!(found.json()["total"], 1, "{}", found.body);
        let version = call(&f.app, Method::GET, &format!("/api/v1/postings/{id}"), None, &Auth::Bearer(&hr))
            .await
            .json()["version"]
            .as_i64()
            .unwrap();
        let withdraw = format!("/api/v1/postings/{id}/withdraw");
        assert_error(
            &call(&f.app, Method::POST, &withdraw, Some(json!({"version": version})), &Auth::Bearer(&graduate)).await,
            404,
            "posting_not_found",
        );
        assert_error(
            &call(&f.app, Method::POST, &withdraw, Some(json!({"version": version + 7})), &Auth::Bearer(&hr)).await,
            409,
            "version_conflict",
        );
        let r = call(&f.app, Method::POST, &withdraw, Some(json!({"version": version})), &Auth::Bearer(&hr)).await;
        assert_eq!(r.json()["status"], "withdrawn", "{}: {}", f.name, r.body);
        let found =
            call(&f.app, Method::GET, &format!("/api/v1/postings/search?q={q}"), None, &Auth::Bearer(&graduate)).await;
        assert_eq!(found.json()["total"], 0, "{}", found.body);
        assert_error(
            &call(&f.app, Method::POST, &withdraw, Some(json!({"version": version + 1})), &Auth::Bearer(&hr)).await,
            422,
            "posting_withdrawn",
        );
        let mine = call(&f.app, Method::GET, "/api/v1/applications/mine", None, &Auth::Bearer(&graduate)).await;
        assert!(mine.body.contains(&aid), "{}", mine.body);
        f.cleanup().await;
    }
}

#[tokio::test]
async fn pages_upload_a_resume_open_the_profile_and_withdraw_a_posting() {
    use super::identity::token_for;
    for f in fixtures().await {
        let (hr_token, _) = verified_employer(&f).await;
        let career = token_for(&f, "demo_career").await;
        let graduate = token_for(&f, "demo_graduate").await;
        let r = call(
            &f.app,
            Method::POST,
            "/api/v1/postings",
            Some(posting("university", Some("4151010610"), "负责档案数字化与信息管理；双休。")),
            &Auth::Bearer(&hr_token),
        )
        .await;
        let id = r.json()["id"].as_str().unwrap().to_owned();
        call(
            &f.app,
            Method::POST,
            &format!("/api/v1/postings/{id}/review"),
            Some(json!({"decision": "approve", "version": 1})),
            &Auth::Bearer(&career),
        )
        .await;
        let r = call(
            &f.app,
            Method::POST,
            &format!("/api/v1/postings/{id}/applications"),
            Some(json!({})),
            &Auth::Bearer(&graduate),
        )
        .await;
        let aid = r.json()["id"].as_str().unwrap().to_owned();
        let (grad, grad_csrf) = login(&f.app, "demo_graduate", jiuye_seed::DEMO_PASSWORD).await;
        let form = |cookie: &str, path: String, body: String| {
            Request::post(path)
                .header(header::COOKIE, cookie.to_owned())
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap()
        };
        // The résumé from the applications page (multipart; the token rides in the URL).
        let page = call(&f.app, Method::GET, "/applications", None, &Auth::Cookie { cookie: &grad, csrf: None }).await;
        assert!(page.body.contains(&format!("/applications/{aid}/resume?csrf=")), "{}", page.body);
        let b = "jiuyeBoundary7";
        let body = format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"resume\"; filename=\"cv.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 page\r\n--{b}--\r\n"
        );
        let upload = |csrf: &str| {
            Request::post(format!("/applications/{aid}/resume?csrf={csrf}"))
                .header(header::COOKIE, grad.clone())
                .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={b}"))
                .body(Body::from(body.clone()))
                .unwrap()
        };
        assert_eq!(super::send(&f.app, upload("wrong")).await.status, StatusCode::FORBIDDEN, "{}", f.name);
        let r = super::send(&f.app, upload(&grad_csrf)).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}: {}", f.name, r.body);
        let app =
            call(&f.app, Method::GET, &format!("/api/v1/applications/{aid}"), None, &Auth::Bearer(&graduate)).await;
        assert_eq!(app.json()["resume"]["size_bytes"], 13, "{}", app.body);
        // Opening the profile from the same page puts the graduate on the employer's talent page.
        let r =
            super::send(&f.app, form(&grad, "/applications/talent".into(), format!("csrf={grad_csrf}&open=1"))).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let (hr, hr_csrf) = login(&f.app, "demo_employer", jiuye_seed::DEMO_PASSWORD).await;
        let talent = call(&f.app, Method::GET, "/talent", None, &Auth::Cookie { cookie: &hr, csrf: None }).await;
        let name = app.json()["graduate_name"].as_str().unwrap().to_owned();
        assert!(talent.body.contains(&name), "{}", talent.body);
        let staff = login(&f.app, "demo_career", jiuye_seed::DEMO_PASSWORD).await.0;
        let denied = call(&f.app, Method::GET, "/talent", None, &Auth::Cookie { cookie: &staff, csrf: None }).await;
        assert_eq!(denied.status, StatusCode::FORBIDDEN);
        // The employer withdraws the posting from its list.
        let mine = call(&f.app, Method::GET, "/postings/mine", None, &Auth::Cookie { cookie: &hr, csrf: None }).await;
        assert!(mine.body.contains(&format!("/postings/{id}/withdraw")), "{}", mine.body);
        let version = call(&f.app, Method::GET, &format!("/api/v1/postings/{id}"), None, &Auth::Bearer(&hr_token))
            .await
            .json()["version"]
            .as_i64()
            .unwrap();
        let r = super::send(
            &f.app,
            form(&hr, format!("/postings/{id}/withdraw"), format!("csrf={hr_csrf}&version={version}")),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let p = call(&f.app, Method::GET, &format!("/api/v1/postings/{id}"), None, &Auth::Bearer(&hr_token)).await;
        assert_eq!(p.json()["status"], "withdrawn");
        f.cleanup().await;
    }
}

/// Submits a posting as `hr` and approves it as `reviewer`; returns its id.
pub(crate) async fn approved(f: &super::Fixture, hr: &str, reviewer: &str, body: serde_json::Value) -> String {
    let r = call(&f.app, Method::POST, "/api/v1/postings", Some(body), &Auth::Bearer(hr)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_str().unwrap().to_owned();
    let review = json!({"decision": "approve", "version": 1});
    let uri = format!("/api/v1/postings/{id}/review");
    let r = call(&f.app, Method::POST, &uri, Some(review), &Auth::Bearer(reviewer)).await;
    assert_eq!(r.json()["status"], "approved", "{}", r.body);
    id
}

/// A university posting by the demo employer, approved by 四川大学, with the demo graduate's
/// application carrying a résumé and a message; returns (employer token, credit code, posting,
/// application).
pub(crate) async fn applied_with_resume(f: &super::Fixture) -> (String, String, String, String) {
    use super::identity::token_for;
    let (hr, code) = verified_employer(f).await;
    let career = token_for(f, "demo_career").await;
    let graduate = token_for(f, "demo_graduate").await;
    let body = posting("university", Some("4151010610"), "负责数据分析与报表开发；五险一金。");
    let id = approved(f, &hr, &career, body).await;
    let r = call(
        &f.app,
        Method::POST,
        &format!("/api/v1/postings/{id}/applications"),
        Some(json!({"note": "期待面试"})),
        &Auth::Bearer(&graduate),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let aid = r.json()["id"].as_str().unwrap().to_owned();
    let r = put_bytes(&f.app, &format!("/api/v1/applications/{aid}/resume"), b"%PDF-1.4 my resume", &graduate).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = call(
        &f.app,
        Method::POST,
        &format!("/api/v1/applications/{aid}/messages"),
        Some(json!({"body": "您好，我的手机号是 13900000000"})),
        &Auth::Bearer(&graduate),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    (hr, code, id, aid)
}

#[tokio::test]
async fn resumes_are_served_as_uncached_attachments() {
    use super::identity::token_for;
    for f in fixtures().await {
        let (hr, _, _, aid) = applied_with_resume(&f).await;
        let graduate = token_for(&f, "demo_graduate").await;
        for token in [&hr, &graduate] {
            let r =
                call(&f.app, Method::GET, &format!("/api/v1/applications/{aid}/resume"), None, &Auth::Bearer(token))
                    .await;
            assert_eq!((r.status, r.body.as_str()), (StatusCode::OK, "%PDF-1.4 my resume"), "{}", f.name);
            let header = |name: header::HeaderName| r.headers.get(name).map(|v| v.to_str().unwrap().to_owned());
            let disposition = header(header::CONTENT_DISPOSITION).unwrap_or_default();
            assert!(disposition.starts_with("attachment;"), "{disposition}");
            assert!(
                disposition.contains(&format!("filename=\"resume-{}.pdf\"", aid.replace('-', ""))),
                "{disposition}"
            );
            assert_eq!(header(header::CACHE_CONTROL).as_deref(), Some("no-store"));
            assert_eq!(header(header::X_CONTENT_TYPE_OPTIONS).as_deref(), Some("nosniff"));
        }
        f.cleanup().await;
    }
}

#[tokio::test]
async fn a_blacklisted_employer_reads_nothing_of_graduates_until_the_blacklisting_is_lifted() {
    use super::identity::token_for;
    for f in fixtures().await {
        let (hr, code, id, aid) = applied_with_resume(&f).await;
        let graduate = token_for(&f, "demo_graduate").await;
        let province = token_for(&f, "demo_province").await;
        call(&f.app, Method::PUT, "/api/v1/me/talent", Some(json!({"open": true})), &Auth::Bearer(&graduate)).await;
        let applicants = format!("/api/v1/postings/{id}/applications");
        let application = format!("/api/v1/applications/{aid}");
        let r = call(&f.app, Method::GET, &applicants, None, &Auth::Bearer(&hr)).await;
        assert_eq!(r.json()["total"], 1, "{}: {}", f.name, r.body);
        assert_eq!(call(&f.app, Method::GET, "/api/v1/talent", None, &Auth::Bearer(&hr)).await.json()["total"], 1);
        let version =
            call(&f.app, Method::GET, &application, None, &Auth::Bearer(&hr)).await.json()["version"].as_i64().unwrap();
        // The province that registered the employer blacklists it.
        let verification = format!("/api/v1/employers/{code}/verification");
        let r = call(
            &f.app,
            Method::POST,
            &verification,
            Some(json!({"state": "blacklisted", "reason": "多名毕业生反映收取培训费"})),
            &Auth::Bearer(&province),
        )
        .await;
        assert_eq!(r.json()["verification"], "blacklisted", "{}", r.body);
        // From now on its account reads nothing of graduates and writes nothing to them.
        let refused = [
            call(&f.app, Method::GET, &applicants, None, &Auth::Bearer(&hr)).await,
            call(&f.app, Method::GET, &application, None, &Auth::Bearer(&hr)).await,
            call(&f.app, Method::GET, &format!("{application}/resume"), None, &Auth::Bearer(&hr)).await,
            call(&f.app, Method::GET, "/api/v1/talent", None, &Auth::Bearer(&hr)).await,
            call(
                &f.app,
                Method::POST,
                &format!("{application}/messages"),
                Some(json!({"body": "请先转账 500 元"})),
                &Auth::Bearer(&hr),
            )
            .await,
            call(
                &f.app,
                Method::POST,
                &format!("{application}/status"),
                Some(json!({"status": "interview", "version": version})),
                &Auth::Bearer(&hr),
            )
            .await,
        ];
        for r in &refused {
            assert_error(r, 403, "employer_blacklisted");
            assert!(!r.body.contains("13900000000") && !r.body.contains("PDF"), "{}", r.body);
        }
        let (cookie, _) = login(&f.app, "demo_employer", jiuye_seed::DEMO_PASSWORD).await;
        for page in [format!("/postings/{id}/applicants"), "/talent".to_owned()] {
            let r =
                super::send(&f.app, Request::get(&page).header(header::COOKIE, &cookie).body(Body::empty()).unwrap())
                    .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{page}: {}", r.body);
            assert!(r.body.contains("employer_blacklisted") && !r.body.contains("13900000000"), "{page}");
        }
        // Nothing was written: the application is where it was, with the graduate's message only.
        let own = call(&f.app, Method::GET, &application, None, &Auth::Bearer(&graduate)).await;
        assert_eq!(own.status, StatusCode::OK, "{}", own.body);
        assert_eq!((own.json()["status"].as_str(), own.json()["version"].as_i64()), (Some("submitted"), Some(version)));
        assert_eq!(own.json()["messages"].as_array().unwrap().len(), 1, "{}", own.body);
        // Lifting needs a reason, from the same scope; then the employer reads its applicants again.
        assert_error(
            &call(&f.app, Method::POST, &verification, Some(json!({"state": "verified"})), &Auth::Bearer(&province))
                .await,
            400,
            "reason_required",
        );
        let career = token_for(&f, "demo_career").await;
        assert_error(
            &call(
                &f.app,
                Method::POST,
                &verification,
                Some(json!({"state": "verified", "reason": "误判"})),
                &Auth::Bearer(&career),
            )
            .await,
            403,
            "forbidden",
        );
        let r = call(
            &f.app,
            Method::POST,
            &verification,
            Some(json!({"state": "verified", "reason": "经核查系他人冒用单位名义，已报警处理"})),
            &Auth::Bearer(&province),
        )
        .await;
        assert_eq!(
            (r.json()["verification"].as_str(), r.json()["blacklist_reason"].as_str()),
            (Some("verified"), None)
        );
        assert_eq!(call(&f.app, Method::GET, &applicants, None, &Auth::Bearer(&hr)).await.status, StatusCode::OK);
        let ministry = token_for(&f, "demo_ministry").await;
        let audit = call(
            &f.app,
            Method::GET,
            "/api/v1/audit?action=employer_verification&limit=20",
            None,
            &Auth::Bearer(&ministry),
        )
        .await
        .json();
        let details: Vec<&str> =
            audit["items"].as_array().unwrap().iter().filter_map(|r| r["detail"].as_str()).collect();
        assert!(details.iter().any(|d| d.contains("多名毕业生反映收取培训费")), "{details:?}");
        assert!(details.iter().any(|d| d.contains("解除黑名单") && d.contains("他人冒用")), "{details:?}");
        f.cleanup().await;
    }
}

#[tokio::test]
async fn region_codes_that_are_not_two_digits_first_are_refused_with_a_code() {
    use super::identity::token_for;
    for f in fixtures().await {
        let graduate = token_for(&f, "demo_graduate").await;
        for region in ["%E5%9B%9B%E5%B7%9D", "5%E5%9B%9B", "ab0000"] {
            let r = call(
                &f.app,
                Method::GET,
                &format!("/api/v1/postings/search?region={region}"),
                None,
                &Auth::Bearer(&graduate),
            )
            .await;
            assert_error(&r, 400, "invalid_region");
        }
        let ok =
            call(&f.app, Method::GET, "/api/v1/postings/search?region=510104", None, &Auth::Bearer(&graduate)).await;
        assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
        for region in ["四川", "5四0104", "５１０１０４"] {
            let r = call(
                &f.app,
                Method::POST,
                "/api/v1/postings/screen",
                Some(json!({"title": "会计", "description": "负责账务", "region": region})),
                &Auth::None,
            )
            .await;
            assert_error(&r, 422, "invalid_region");
        }
        f.cleanup().await;
    }
}

#[tokio::test]
async fn blacklisting_an_employer_takes_its_postings_out_of_search_and_lifting_brings_them_back() {
    use super::identity::token_for;
    for f in fixtures().await {
        let (hr, code) = verified_employer(&f).await;
        let province = token_for(&f, "demo_province").await;
        let graduate = token_for(&f, "demo_graduate").await;
        let mut body = posting("province", Some("510000"), "负责链上合约审计与安全评估；五险一金。");
        body["title"] = json!("区块链审计工程师");
        let id = approved(&f, &hr, &province, body).await;
        let found = || async {
            let url = "/api/v1/postings/search?q=%E5%8C%BA%E5%9D%97%E9%93%BE%E5%AE%A1%E8%AE%A1";
            let s = call(&f.app, Method::GET, url, None, &Auth::Bearer(&graduate)).await.json();
            s["results"].as_array().unwrap().iter().any(|p| p["id"] == id.as_str())
        };
        assert!(found().await, "approved and in scope");
        let verification = format!("/api/v1/employers/{code}/verification");
        let to = |state: &str, reason: &str| json!({"state": state, "reason": reason});
        let r =
            call(&f.app, Method::POST, &verification, Some(to("blacklisted", "收取押金")), &Auth::Bearer(&province))
                .await;
        assert_eq!(r.json()["verification"], "blacklisted", "{}", r.body);
        assert!(!found().await, "a blacklisted employer's postings leave search at once");
        let r = call(
            &f.app,
            Method::POST,
            &verification,
            Some(to("verified", "已退还押金并整改")),
            &Auth::Bearer(&province),
        )
        .await;
        assert_eq!(r.json()["verification"], "verified", "{}", r.body);
        assert!(found().await, "lifting the blacklisting brings them back");
        f.cleanup().await;
    }
}
