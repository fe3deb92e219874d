//! Job-seeking safety through HTTP: reloading the screening rules and screening the open
//! postings again.

use axum::http::{Method, StatusCode};
use serde_json::json;

use super::identity::{Auth, call, token_for};
use super::postings::{approved, posting, verified_employer};
use super::{assert_error, fixtures_with};

/// The data directory of the node under test (one per test process; only this test uses it).
static RULES_DIR: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();

fn rules_dir() -> &'static std::path::Path {
    RULES_DIR.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("jiuye-rules-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&d).expect("rules dir");
        d
    })
}

fn node_rules(s: &mut jiuye_web::WebSettings) {
    s.scam_rules = std::sync::Arc::new(jiuye_app::safety::rules::RuleBook::open(rules_dir()).expect("rules"));
}

#[tokio::test]
async fn reloaded_rules_screen_open_postings_again_and_send_approved_ones_back_to_review() {
    let file = rules_dir().join("scam_rules.toml");
    std::fs::remove_file(&file).ok();
    for f in fixtures_with(node_rules).await {
        let (hr, _) = verified_employer(&f).await;
        let career = token_for(&f, "demo_career").await;
        let province = token_for(&f, "demo_province").await;
        let graduate = token_for(&f, "demo_graduate").await;
        let text = "负责后端服务开发；入职即可参加带薪游学项目，五险一金。";
        let id = approved(&f, &hr, &career, posting("university", Some("4151010610"), text)).await;
        let pending = call(
            &f.app,
            Method::POST,
            "/api/v1/postings",
            Some(posting("university", Some("4151010610"), "带薪游学，欢迎应届生。")),
            &Auth::Bearer(&hr),
        )
        .await;
        let pending_id = pending.json()["id"].as_str().unwrap().to_owned();
        assert_eq!(pending.json()["risk_level"], "low", "{}", pending.body);

        // Only the ministry's and provinces' administrators reload.
        for who in [&career, &graduate, &hr] {
            let r = call(&f.app, Method::POST, "/api/v1/screening/reload", None, &Auth::Bearer(who)).await;
            assert_error(&r, 403, "forbidden");
        }
        assert_error(
            &call(&f.app, Method::POST, "/api/v1/screening/reload", None, &Auth::None).await,
            401,
            "unauthenticated",
        );
        // A broken file changes nothing.
        std::fs::write(&file, "[[pattern]]\ncode = \"x\"\nlevel = \"severe\"\n").expect("write");
        let r = call(&f.app, Method::POST, "/api/v1/screening/reload", None, &Auth::Bearer(&province)).await;
        assert_error(&r, 422, "invalid_rules");
        assert!(r.json()["message"].as_str().unwrap().contains("scam_rules.toml"), "{}", r.body);
        let r = call(
            &f.app,
            Method::POST,
            "/api/v1/postings/screen",
            Some(json!({"title": "t", "description": text})),
            &Auth::None,
        )
        .await;
        assert_eq!(r.json()["level"], "low", "{}", r.body);

        // A province's extension: the same posting is now high-risk.
        let extended = format!(
            "{}\n[[pattern]]\ncode = \"paid_study_tour\"\nlevel = \"high\"\nmessage = \"本省通报：以“带薪游学”为名收取费用\"\nslots = [\"带薪游学\"]\n",
            jiuye_domain::screening::SHIPPED_RULES
        );
        std::fs::write(&file, extended).expect("write");
        let r = call(&f.app, Method::POST, "/api/v1/screening/reload", None, &Auth::Bearer(&province)).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", f.name, r.body);
        let done = r.json();
        assert!(done["screened"].as_u64().unwrap() >= 2, "{done}");
        assert_eq!((done["recheck"].as_u64(), done["held"].as_u64()), (Some(1), Some(1)), "{done}");
        // The approved posting stays visible, with its new warning and exact evidence…
        let p = call(&f.app, Method::GET, &format!("/api/v1/postings/{id}"), None, &Auth::Bearer(&graduate)).await;
        assert_eq!(p.status, StatusCode::OK, "{}", p.body);
        let p = p.json();
        assert_eq!((p["status"].as_str(), p["risk_level"].as_str()), (Some("approved"), Some("high")), "{p}");
        assert_eq!(p["reasons"][0]["code"], "paid_study_tour", "{p}");
        assert!(text.contains(p["reasons"][0]["evidence"].as_str().unwrap()));
        // …and waits for the reviewers, who see it in their queue and on their workbench.
        let q = call(&f.app, Method::GET, "/api/v1/postings/review?status=recheck", None, &Auth::Bearer(&career)).await;
        assert_eq!(q.json()["total"], 1, "{}", q.body);
        assert_eq!(q.json()["items"][0]["id"], id.as_str(), "{}", q.body);
        let w = call(&f.app, Method::GET, "/api/v1/workbench", None, &Auth::Bearer(&career)).await;
        let item = w.json()["pending"].as_array().unwrap().iter().find(|i| i["item"] == "postings_recheck").cloned();
        assert_eq!(item.expect("recheck item")["count"], 1, "{}", w.body);
        // The pending one was held.
        let h =
            call(&f.app, Method::GET, &format!("/api/v1/postings/{pending_id}"), None, &Auth::Bearer(&career)).await;
        assert_eq!(h.json()["status"], "held", "{}", h.body);
        // Reloading unchanged rules screens nothing again.
        let again = call(&f.app, Method::POST, "/api/v1/screening/reload", None, &Auth::Bearer(&province)).await;
        assert_eq!(
            (again.json()["screened"].as_u64(), again.json()["changed"].as_u64()),
            (Some(0), Some(0)),
            "{}",
            again.body
        );

        // A decision takes it out of the re-check queue.
        let version = p["version"].as_i64().unwrap();
        let r = call(
            &f.app,
            Method::POST,
            &format!("/api/v1/postings/{id}/review"),
            Some(json!({"decision": "approve", "note": "已电话核实，游学为公司出资", "version": version})),
            &Auth::Bearer(&career),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let q = call(&f.app, Method::GET, "/api/v1/postings/review?status=recheck", None, &Auth::Bearer(&career)).await;
        assert_eq!(q.json()["total"], 0, "{}", q.body);
        // Back to the shipped rules: the warning goes.
        std::fs::remove_file(&file).expect("remove");
        let r = call(&f.app, Method::POST, "/api/v1/screening/reload", None, &Auth::Bearer(&province)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let p = call(&f.app, Method::GET, &format!("/api/v1/postings/{id}"), None, &Auth::Bearer(&graduate)).await;
        assert_eq!(p.json()["risk_level"], "low", "{}", p.body);
        f.cleanup().await;
    }
}

/// The actor of a demo account, as the use cases see it.
async fn actor(f: &super::Fixture, username: &str) -> jiuye_domain::access::Actor {
    let user = f.store.user_by_username(username).await.unwrap().unwrap();
    let grants = f.store.grants_of(user.id).await.unwrap();
    jiuye_domain::access::Actor {
        user_id: user.id,
        username: user.username,
        grants: grants.into_iter().map(|g| g.grant).collect(),
    }
}

#[tokio::test]
async fn rights_reports_reach_the_career_centre_then_the_province_and_never_the_employer() {
    for f in super::fixtures().await {
        let (hr, credit) = verified_employer(&f).await;
        let graduate = token_for(&f, "demo_graduate").await;
        let career = token_for(&f, "demo_career").await;
        let province = token_for(&f, "demo_province").await;
        let counselor = token_for(&f, "demo_counselor").await;
        let swjtu = call(
            &f.app,
            Method::POST,
            "/api/v1/users",
            Some(json!({"username": "swjtu_rights", "display_name": "交大就业中心", "password": "Swjtu-Career-99", "role": "career_staff", "org": "4151010613"})),
            &Auth::Bearer(&province),
        )
        .await;
        assert_eq!(swjtu.status, StatusCode::CREATED, "{}", swjtu.body);
        let other = token_for(&f, "swjtu_rights").await;

        // Refused input names what is wrong; nothing is stored.
        let file = |body: serde_json::Value, who: &str| {
            let who = who.to_owned();
            let app = f.app.clone();
            async move { call(&app, Method::POST, "/api/v1/rights-reports", Some(body), &Auth::Bearer(&who)).await }
        };
        assert_error(
            &file(json!({"kind": "bribery", "employer": credit, "description": "面试要求交押金五百元"}), &graduate)
                .await,
            422,
            "invalid_report_kind",
        );
        assert_error(
            &file(json!({"kind": "fees", "description": "面试要求交押金五百元"}), &graduate).await,
            422,
            "invalid_report_target",
        );
        assert_error(
            &file(
                json!({"kind": "fees", "employer": "91510100MA000000XX", "description": "面试要求交押金五百元"}),
                &graduate,
            )
            .await,
            422,
            "invalid_report_target",
        );
        assert_error(
            &file(json!({"kind": "fees", "employer": credit, "description": "押金"}), &graduate).await,
            422,
            "invalid_reason",
        );
        // Only graduates file.
        assert_error(
            &file(json!({"kind": "fees", "employer": credit, "description": "面试要求交押金五百元"}), &career).await,
            403,
            "forbidden",
        );
        assert_error(
            &file(json!({"kind": "fees", "employer": credit, "description": "面试要求交押金五百元"}), &hr).await,
            403,
            "forbidden",
        );

        // One step: about the employer, anonymous to it.
        let r = file(json!({"kind": "fees", "employer": credit, "description": "面试通过后要求先交押金 500 元才能签约。", "anonymous": true}), &graduate).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {}", f.name, r.body);
        let report = r.json();
        let id = report["id"].as_str().unwrap().to_owned();
        assert_eq!(
            (report["route"].as_str(), report["state"].as_str()),
            (Some("university"), Some("received")),
            "{report}"
        );
        assert_eq!(report["at_province"], false);
        let uri = format!("/api/v1/rights-reports/{id}");

        // The career centre of the graduate's university handles it; nobody else reads it.
        let list = call(&f.app, Method::GET, "/api/v1/rights-reports?state=open", None, &Auth::Bearer(&career)).await;
        assert_eq!(list.json()["total"], 1, "{}", list.body);
        for (who, token) in [
            ("employer", &hr),
            ("other university", &other),
            ("province before 5 working days", &province),
            ("counselor", &counselor),
        ] {
            let r = call(&f.app, Method::GET, &uri, None, &Auth::Bearer(token)).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{who}: {}", r.body);
            assert!(!r.body.contains("面试通过后"), "{who}");
            let moved = call(
                &f.app,
                Method::POST,
                &format!("{uri}/state"),
                Some(json!({"state": "handling", "note": "已联系", "version": 1})),
                &Auth::Bearer(token),
            )
            .await;
            assert_eq!(moved.status, StatusCode::NOT_FOUND, "{who}: {}", moved.body);
        }
        let hr_list = call(&f.app, Method::GET, "/api/v1/rights-reports", None, &Auth::Bearer(&hr)).await;
        assert_error(&hr_list, 403, "forbidden");
        let other_list = call(&f.app, Method::GET, "/api/v1/rights-reports", None, &Auth::Bearer(&other)).await;
        assert_eq!(other_list.json()["total"], 0, "{}", other_list.body);
        let prov_list = call(&f.app, Method::GET, "/api/v1/rights-reports", None, &Auth::Bearer(&province)).await;
        assert_eq!(prov_list.json()["total"], 0, "{}", prov_list.body);

        // Counts by kind and by employer name no reporter.
        let s = call(&f.app, Method::GET, "/api/v1/rights-reports/summary", None, &Auth::Bearer(&career)).await;
        assert_eq!(s.json()["by_kind"][0]["kind"], "fees", "{}", s.body);
        assert_eq!(s.json()["by_target"][0]["count"], 1, "{}", s.body);
        assert!(!s.body.contains("student_no"), "{}", s.body);
        assert_error(
            &call(&f.app, Method::GET, "/api/v1/rights-reports/summary", None, &Auth::Bearer(&graduate)).await,
            403,
            "forbidden",
        );

        // Untouched for 5 working days, it reaches the province as well.
        let today = chrono::Local::now().date_naive();
        let later = jiuye_app::safety::rights::Rights {
            store: f.store.as_ref(),
            calendar: jiuye_domain::safety::workdays::Calendar::shipped(),
            today: today + chrono::Duration::days(10),
        };
        let prov = actor(&f, "demo_province").await;
        let reads = jiuye_app::read_log::Reads { log: &f.read_log, ip: None };
        let (rows, total) = later.list(&prov, Some("open"), None, 50, 0, reads).await.expect("province list");
        assert_eq!(total, 1, "{}", f.name);
        assert_eq!(rows[0].report.id.to_string(), id);
        assert!(later.get(&prov, rows[0].report.id, reads).await.expect("province reads it").handler.is_some());
        let swjtu_actor = actor(&f, "swjtu_rights").await;
        assert!(later.get(&swjtu_actor, rows[0].report.id, reads).await.is_err(), "another university never");

        // Every read of a report is in the read log, for the career centre to search.
        f.read_log.flush().await;
        let log = call(&f.app, Method::GET, "/api/v1/read-log?kind=rights_report", None, &Auth::Bearer(&career)).await;
        assert_eq!(log.status, StatusCode::OK, "{}", log.body);
        let filter = format!("rights_report:{id}");
        let items = log.json()["items"].as_array().cloned().unwrap_or_default();
        assert!(
            items.iter().any(|e| e["reader"] == "demo_career" && e["rows"] == 1 && e["graduate"].is_null()),
            "the career centre's list is logged: {}",
            log.body
        );
        assert!(
            items.iter().any(|e| e["filter"] == filter.as_str() && e["reader"] == "demo_province"),
            "the province's read of the report is logged: {}",
            log.body
        );
        assert!(items.iter().all(|e| e["reader"] != "swjtu_rights"), "a refused read is not a read: {}", log.body);

        // Handling: a note the graduate reads, with the version seen.
        let moved = call(
            &f.app,
            Method::POST,
            &format!("{uri}/state"),
            Some(json!({"state": "handling", "note": "", "version": 1})),
            &Auth::Bearer(&career),
        )
        .await;
        assert_error(&moved, 422, "note_required");
        let moved = call(
            &f.app,
            Method::POST,
            &format!("{uri}/state"),
            Some(json!({"state": "received", "note": "退回", "version": 1})),
            &Auth::Bearer(&career),
        )
        .await;
        assert_error(&moved, 422, "invalid_report_state");
        let moved = call(
            &f.app,
            Method::POST,
            &format!("{uri}/state"),
            Some(json!({"state": "handling", "note": "已约谈该单位人事负责人", "version": 1})),
            &Auth::Bearer(&career),
        )
        .await;
        assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
        let stale = call(
            &f.app,
            Method::POST,
            &format!("{uri}/state"),
            Some(json!({"state": "resolved", "note": "已退还", "version": 1})),
            &Auth::Bearer(&career),
        )
        .await;
        assert_error(&stale, 409, "version_conflict");
        let mine = call(&f.app, Method::GET, &uri, None, &Auth::Bearer(&graduate)).await;
        assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
        let mine = mine.json();
        assert_eq!(mine["state"], "handling");
        assert_eq!(mine["steps"][1]["note"], "已约谈该单位人事负责人", "{mine}");
        // Taken up in time: it stays with the university.
        let (_, total) = later.list(&prov, Some("open"), None, 50, 0, reads).await.expect("province list");
        assert_eq!(total, 0, "{}", f.name);

        // About the graduate's own university: to the province directly.
        let r = file(json!({"kind": "withheld_documents", "unit": "4151010610-01", "description": "学院以不签三方协议就不发毕业证相要挟。"}), &graduate).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(r.json()["route"], "province", "{}", r.body);
        assert_eq!(r.json()["at_province"], true, "{}", r.body);
        let prov_list = call(&f.app, Method::GET, "/api/v1/rights-reports", None, &Auth::Bearer(&province)).await;
        assert_eq!(prov_list.json()["total"], 1, "{}", prov_list.body);
        let career_list = call(&f.app, Method::GET, "/api/v1/rights-reports", None, &Auth::Bearer(&career)).await;
        assert_eq!(career_list.json()["total"], 1, "only the first: {}", career_list.body);

        // The graduate's pages: the form, their list and a report with its steps.
        let (cookie, _) = super::identity::login(&f.app, "demo_graduate", jiuye_seed::DEMO_PASSWORD).await;
        for page in ["/rights", "/rights/new", &format!("/rights/{id}"), "/safety", "/safety/quiz"] {
            let r = super::send(
                &f.app,
                axum::http::Request::get(page)
                    .header(axum::http::header::COOKIE, &cookie)
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await;
            assert_eq!(r.status, StatusCode::OK, "{page}: {}", r.body);
        }
        let (hr_cookie, _) = super::identity::login(&f.app, "demo_employer", jiuye_seed::DEMO_PASSWORD).await;
        let r = super::send(
            &f.app,
            axum::http::Request::get(format!("/rights/{id}"))
                .header(axum::http::header::COOKIE, &hr_cookie)
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        f.cleanup().await;
    }
}

#[tokio::test]
async fn the_quiz_counts_for_the_graduates_college_and_warnings_explain_every_code() {
    for f in super::fixtures().await {
        let graduate = token_for(&f, "demo_graduate").await;
        let counselor = token_for(&f, "demo_counselor").await;
        let w = call(&f.app, Method::GET, "/api/v1/safety/warnings", None, &Auth::None).await;
        let codes: Vec<String> =
            w.json().as_array().unwrap().iter().map(|x| x["code"].as_str().unwrap().to_owned()).collect();
        for code in jiuye_domain::screening::Rules::shipped().codes() {
            assert!(codes.iter().any(|c| c == code), "{code} is explained");
        }
        let q = call(&f.app, Method::GET, "/api/v1/safety/quiz", None, &Auth::None).await.json();
        assert!(!q.to_string().contains("\"answer\""), "answers are not given away");
        // The demo graduate's cohort, counted in the counselor's college.
        let me = actor(&f, "demo_graduate").await;
        let id = me.grants.iter().find_map(|g| g.subject_id).unwrap();
        let cohort = f.store.graduate_view(id).await.unwrap().unwrap().graduate.cohort;
        let completion = format!("/api/v1/safety/quiz/completion?cohort={cohort}");
        let before = call(&f.app, Method::GET, &completion, None, &Auth::Bearer(&counselor)).await;
        assert_eq!(before.status, StatusCode::OK, "{}", before.body);
        let done = |v: &serde_json::Value| {
            v["colleges"].as_array().unwrap().iter().map(|c| c["completed"].as_i64().unwrap()).sum::<i64>()
        };
        assert_eq!(done(&before.json()), 0);
        // Wrong answers do not complete it.
        let wrong: Vec<serde_json::Value> =
            q["questions"].as_array().unwrap().iter().map(|x| json!({"id": x["id"], "option": 0})).collect();
        let r = call(
            &f.app,
            Method::POST,
            "/api/v1/safety/quiz",
            Some(json!({"answers": wrong})),
            &Auth::Bearer(&graduate),
        )
        .await;
        assert_eq!(r.json()["passed"], false, "{}", r.body);
        let right: Vec<serde_json::Value> = jiuye_domain::safety::quiz::Quiz::shipped()
            .questions
            .iter()
            .map(|x| json!({"id": x.id, "option": x.answer}))
            .collect();
        let r = call(
            &f.app,
            Method::POST,
            "/api/v1/safety/quiz",
            Some(json!({"answers": right})),
            &Auth::Bearer(&graduate),
        )
        .await;
        assert_eq!(r.json()["passed"], true, "{}", r.body);
        // A later failed try keeps the pass.
        call(&f.app, Method::POST, "/api/v1/safety/quiz", Some(json!({"answers": []})), &Auth::Bearer(&graduate)).await;
        let after = call(&f.app, Method::GET, &completion, None, &Auth::Bearer(&counselor)).await;
        assert_eq!(done(&after.json()), 1, "{}", after.body);
        assert_error(
            &call(&f.app, Method::POST, "/api/v1/safety/quiz", Some(json!({"answers": []})), &Auth::Bearer(&counselor))
                .await,
            403,
            "forbidden",
        );
        assert_error(
            &call(&f.app, Method::GET, "/api/v1/safety/quiz/completion", None, &Auth::Bearer(&graduate)).await,
            403,
            "forbidden",
        );
        f.cleanup().await;
    }
}
