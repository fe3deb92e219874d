//! The hardship ledger through HTTP: who opens, reads and changes a file (and who gets 404), the
//! graduate's consent, the version check, what is sealed in the database, the read log, coverage
//! that adds up at every level, the import with row errors, and the pages.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use jiuye_store::destinations::GraduateQuery;
use serde_json::{Value, json};
use uuid::Uuid;

use super::identity::{Auth, call, login, token_for};
use super::{Fixture, assert_error, fixtures, send};

async fn demo_graduate(f: &Fixture) -> Uuid {
    let grad = token_for(f, "demo_graduate").await;
    let me = call(&f.app, Method::GET, "/api/v1/me", None, &Auth::Bearer(&grad)).await.json();
    me["grants"][0]["subject_id"].as_str().expect("graduate grant").parse().expect("uuid")
}

async fn new_account(f: &Fixture, career: &str, username: &str, role: &str, org: &str) -> String {
    let body =
        json!({"username": username, "display_name": username, "password": "Helper-Pass-9", "role": role, "org": org});
    let r = call(&f.app, Method::POST, "/api/v1/users", Some(body), &Auth::Bearer(career)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    token_for(f, username).await
}

/// Everything the database holds, as text: the SQLite files, or PostgreSQL's rows of the tables
/// a file's values could reach.
async fn stored_text(f: &Fixture) -> String {
    if let Some(dir) = &f._dir {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            let p = entry.unwrap().path();
            if p.is_file() {
                out.extend(std::fs::read(p).unwrap());
            }
        }
        return String::from_utf8_lossy(&out).into_owned();
    }
    let (url, schema) = f.pg.as_ref().expect("postgres");
    let pool = sqlx::PgPool::connect(url).await.expect("pg");
    let mut out = String::new();
    for table in ["hardship_files", "audit_log", "read_log"] {
        let sql = format!("SELECT COALESCE(string_agg(t::text, ' '), '') FROM \"{schema}\".{table} t");
        let text: String = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(&pool).await.unwrap_or_default();
        out.push_str(&text);
    }
    out
}

async fn file(f: &Fixture, id: Uuid, token: &str) -> super::Reply {
    call(&f.app, Method::GET, &format!("/api/v1/graduates/{id}/hardship"), None, &Auth::Bearer(token)).await
}

async fn change(f: &Fixture, id: Uuid, token: &str, body: Value) -> super::Reply {
    call(&f.app, Method::PUT, &format!("/api/v1/graduates/{id}/hardship"), Some(body), &Auth::Bearer(token)).await
}

#[tokio::test]
async fn a_file_is_sealed_shown_only_to_those_helping_with_consent_and_every_read_is_logged() {
    for f in fixtures().await {
        let id = demo_graduate(&f).await;
        let career = token_for(&f, "demo_career").await;
        let counselor = token_for(&f, "demo_counselor").await;
        let college = token_for(&f, "demo_college").await;
        let graduate = token_for(&f, "demo_graduate").await;
        let employer = token_for(&f, "demo_employer").await;
        let province = token_for(&f, "demo_province").await;
        let leader = token_for(&f, "demo_leader").await;
        let other = new_account(&f, &career, "hs_other_c", "counselor", "4151010610-02").await;

        // Only the career centre opens a file; before there is one, nobody reads one.
        let opening = json!({"categories": ["minimum_living", "disability"], "disability": "visual",
            "evidence": "disability_certificate", "evidence_note": "证号已登记", "verified": true});
        assert_error(&change(&f, id, &counselor, opening.clone()).await, 404, "hardship_not_found");
        assert_error(&file(&f, id, &career).await, 404, "hardship_not_found");
        let bad = json!({"categories": ["rich"], "evidence": "other"});
        assert_error(&change(&f, id, &career, bad).await, 422, "invalid_category");
        let bad = json!({"categories": ["minimum_living"], "disability": "visual", "evidence": "other"});
        assert_error(&change(&f, id, &career, bad).await, 422, "invalid_disability");
        let r = change(&f, id, &career, opening).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {}", f.name, r.body);
        let opened = r.json();
        assert_eq!(opened["consent"]["id"], "pending");
        assert!(opened["verified_by"].as_str().is_some_and(|v| !v.is_empty()), "{opened}");
        assert_eq!(opened["categories"].as_array().unwrap().len(), 2);

        // Sealed at rest: no category or disability kind is stored as written.
        let text = stored_text(&f).await;
        for plain in [
            "minimum_living",
            "低保家庭",
            "\"disability\":\"visual\"",
            "视力残疾",
            "证号已登记",
            "disability_certificate",
        ] {
            assert!(!text.contains(plain), "{}: {plain} is stored in clear", f.name);
        }

        // Without consent only the ledger keeper reads it.
        for who in [&counselor, &college, &employer, &other, &province, &leader] {
            assert_error(&file(&f, id, who).await, 404, "hardship_not_found");
        }
        let mine = call(&f.app, Method::GET, "/api/v1/me/hardship", None, &Auth::Bearer(&graduate)).await;
        assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
        let consent = |give: bool| {
            let app = f.app.clone();
            let graduate = graduate.clone();
            async move {
                let body = json!({"consent": give});
                call(&app, Method::PUT, "/api/v1/me/hardship/consent", Some(body), &Auth::Bearer(&graduate)).await
            }
        };
        let r = consent(true).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["consent"]["id"], "given");
        // Staff cannot give or withdraw it.
        assert_error(
            &call(
                &f.app,
                Method::PUT,
                "/api/v1/me/hardship/consent",
                Some(json!({"consent": true})),
                &Auth::Bearer(&career),
            )
            .await,
            403,
            "forbidden",
        );

        // With consent: the counselor and the college's leader read it; nobody else does.
        let r = file(&f, id, &counselor).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", f.name, r.body);
        assert_eq!(r.json()["reason"], "college");
        assert_eq!(file(&f, id, &college).await.status, StatusCode::OK);
        for who in [&employer, &other, &province, &leader] {
            assert_error(&file(&f, id, who).await, 404, "hardship_not_found");
            assert_error(
                &change(&f, id, who, json!({"version": 1, "training": "enrolled"})).await,
                404,
                "hardship_not_found",
            );
        }

        // The counselor writes and submits the plan; a stale version is refused; only the career
        // centre approves; the counselor may not touch the profile.
        let version = r.json()["version"].as_i64().unwrap();
        let plan = json!({"version": version, "goals": "三个月内落实去向",
            "actions": [{"what": "推荐三个对口岗位", "owner": "辅导员", "due": "2031-06-30"}], "plan_state": "submitted"});
        let r = change(&f, id, &counselor, plan.clone()).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", f.name, r.body);
        assert_eq!(r.json()["plan_state"]["id"], "submitted");
        assert_error(&change(&f, id, &counselor, plan).await, 409, "version_conflict");
        let v = r.json()["version"].as_i64().unwrap();
        assert_error(&change(&f, id, &counselor, json!({"training": "enrolled"})).await, 409, "version_conflict");
        assert_error(
            &change(&f, id, &counselor, json!({"version": v, "plan_state": "approved"})).await,
            409,
            "invalid_transition",
        );
        assert_error(
            &change(&f, id, &counselor, json!({"version": v, "categories": ["other"]})).await,
            403,
            "forbidden",
        );
        let r =
            change(&f, id, &career, json!({"version": v, "plan_state": "approved", "helper": "demo_advisor"})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let approved = r.json();
        assert_eq!(approved["plan_state"]["id"], "approved", "{approved}");
        assert!(approved["helper"].is_string(), "{approved}");
        let v = approved["version"].as_i64().unwrap();
        assert_error(
            &change(&f, id, &career, json!({"version": v, "helper": "demo_employer"})).await,
            422,
            "invalid_helper",
        );
        // The subsidy: applied by the counselor, approved by the university at the province's amount.
        let r = change(&f, id, &counselor, json!({"version": v, "subsidy": "applied"})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let v = r.json()["version"].as_i64().unwrap();
        assert_error(
            &change(&f, id, &counselor, json!({"version": v, "subsidy": "paid"})).await,
            409,
            "invalid_transition",
        );
        let r = change(&f, id, &career, json!({"version": v, "subsidy": "approved"})).await;
        assert_eq!(r.json()["subsidy_yuan"], 1000, "{}", r.body);

        // The named helper reads it too.
        let advisor = token_for(&f, "demo_advisor").await;
        let r = file(&f, id, &advisor).await;
        assert_eq!((r.status, r.json()["reason"].as_str().map(str::to_owned)), (StatusCode::OK, Some("helper".into())));

        // Withdrawal hides it again from all but the ledger keeper.
        assert_eq!(consent(false).await.status, StatusCode::OK);
        for who in [&counselor, &college, &advisor] {
            assert_error(&file(&f, id, who).await, 404, "hardship_not_found");
        }
        assert_eq!(file(&f, id, &career).await.json()["consent"]["id"], "withdrawn");

        // Every read by staff is in the read log, naming the reader and the reason.
        f.read_log.flush().await;
        let reads = call(&f.app, Method::GET, "/api/v1/read-log?kind=hardship", None, &Auth::Bearer(&career)).await;
        assert_eq!(reads.status, StatusCode::OK, "{}", reads.body);
        let items = reads.json()["items"].as_array().unwrap().clone();
        for who in ["demo_career", "demo_counselor", "demo_college", "demo_advisor"] {
            assert!(
                items.iter().any(|e| e["reader"] == who && e["graduate"] == id.to_string()),
                "{}: {who} in {items:?}",
                f.name
            );
        }
        f.cleanup().await;
    }
}

/// Sums a figure over children.
fn sum(children: &[Value], pick: impl Fn(&Value) -> i64) -> i64 {
    children.iter().map(pick).sum()
}

fn line(v: &Value, id: &str) -> i64 {
    v["lines"].as_array().unwrap().iter().find(|l| l["id"] == id).and_then(|l| l["count"].as_i64()).expect("exact")
}

#[tokio::test]
async fn coverage_adds_up_at_college_university_and_province_and_names_only_readable_files() {
    for f in fixtures().await {
        let career = token_for(&f, "demo_career").await;
        let province = token_for(&f, "demo_province").await;
        let counselor = token_for(&f, "demo_counselor").await;
        let scu = f.store.org_by_code(&jiuye_domain::OrgCode::parse("4151010610").unwrap()).await.unwrap().unwrap();
        let cohort = f.store.cohorts().await.unwrap()[0];
        let (graduates, _) = f
            .store
            .list_graduates(&GraduateQuery {
                scope_paths: vec![scu.path.clone()],
                cohort: Some(cohort),
                limit: 400,
                ..GraduateQuery::default()
            })
            .await
            .unwrap();
        // Files across the colleges, at different stages.
        let mut opened = 0;
        for (i, g) in graduates.iter().enumerate().filter(|(i, _)| i % 9 == 0).take(14) {
            let cats = [["poverty_relief"], ["minimum_living"], ["zero_employment"], ["long_unemployed"]][i % 4];
            let body = json!({"categories": cats, "evidence": "school_assessment", "verified": i % 2 == 0,
                "training": if i % 3 == 0 { "completed" } else { "enrolled" }});
            let r = change(&f, g.id, &career, body).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}: {}", f.name, r.body);
            opened += 1;
        }
        let uni = call(
            &f.app,
            Method::GET,
            &format!("/api/v1/hardship/coverage?cohort={cohort}"),
            None,
            &Auth::Bearer(&career),
        )
        .await;
        assert_eq!(uni.status, StatusCode::OK, "{}: {}", f.name, uni.body);
        let uni = uni.json();
        assert_eq!((uni["code"].as_str(), uni["exact"].as_bool()), (Some("4151010610"), Some(true)), "{uni}");
        assert_eq!(uni["total"], opened, "{uni}");
        let children = uni["children"].as_array().unwrap().clone();
        assert!(children.len() > 1, "{uni}");
        assert_eq!(sum(&children, |c| c["total"].as_i64().unwrap()), opened);
        for l in [
            "file",
            "plan",
            "helper",
            "recommended",
            "contacted",
            "training_enrolled",
            "training_completed",
            "subsidy_applied",
            "subsidy_paid",
            "placed",
        ] {
            assert_eq!(sum(&children, |c| line(c, l)), line(&uni, l), "{}: {l}", f.name);
        }
        let categories = |v: &Value| -> i64 {
            v["categories"].as_array().unwrap().iter().map(|c| c["count"].as_i64().unwrap()).sum()
        };
        assert_eq!(categories(&uni), opened, "one category each");
        assert_eq!(line(&uni, "training_enrolled"), opened);

        // Limited to one category: the total is that category's count, and it still adds up.
        let filtered = call(
            &f.app,
            Method::GET,
            &format!("/api/v1/hardship/coverage?cohort={cohort}&category=minimum_living"),
            None,
            &Auth::Bearer(&career),
        )
        .await
        .json();
        let of_category =
            uni["categories"].as_array().unwrap().iter().find(|c| c["id"] == "minimum_living").unwrap()["count"]
                .as_i64()
                .unwrap();
        assert_eq!(
            (filtered["total"].as_i64(), filtered["category"].as_str()),
            (Some(of_category), Some("minimum_living"))
        );
        let fc = filtered["children"].as_array().unwrap().clone();
        assert_eq!(sum(&fc, |c| line(c, "placed")), line(&filtered, "placed"));
        let r =
            call(&f.app, Method::GET, "/api/v1/hardship/coverage?category=rich", None, &Auth::Bearer(&career)).await;
        assert_error(&r, 400, "invalid_query");

        // A college adds up over its programmes; the province over its universities.
        let college =
            children.iter().find(|c| c["total"].as_i64().unwrap() > 0).unwrap()["code"].as_str().unwrap().to_owned();
        let c = call(
            &f.app,
            Method::GET,
            &format!("/api/v1/hardship/coverage?org={college}&cohort={cohort}"),
            None,
            &Auth::Bearer(&career),
        )
        .await
        .json();
        let programmes = c["children"].as_array().unwrap().clone();
        assert_eq!(sum(&programmes, |p| p["total"].as_i64().unwrap()), c["total"].as_i64().unwrap(), "{c}");
        let p = call(
            &f.app,
            Method::GET,
            &format!("/api/v1/hardship/coverage?org=510000&cohort={cohort}"),
            None,
            &Auth::Bearer(&province),
        )
        .await;
        assert_eq!(p.status, StatusCode::OK, "{}", p.body);
        let p = p.json();
        assert_eq!(p["exact"], true);
        let universities = p["children"].as_array().unwrap().clone();
        assert_eq!(sum(&universities, |u| u["total"].as_i64().unwrap()), p["total"].as_i64().unwrap(), "{p}");
        assert_eq!(line(&p, "file"), sum(&universities, |u| line(u, "file")));
        let scu_row = universities.iter().find(|u| u["code"] == "4151010610").unwrap();
        assert_eq!(scu_row["total"], opened);

        // The campaign report carries the same coverage lines, for the university and the province.
        let c = jiuye_domain::campaign::Campaign::parse(jiuye_domain::campaign::SPRING_2023).unwrap();
        f.store.save_campaign(&c.id, &c.name, jiuye_domain::campaign::SPRING_2023).await.unwrap();
        for (token, org, want) in [(&career, "4151010610", &uni), (&province, "510000", &p)] {
            let path = format!("/api/v1/campaigns/2023-spring/report.xlsx?org={org}&as_of=2023-04-30");
            let r = call(&f.app, Method::GET, &path, None, &Auth::Bearer(token)).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            let sheet = jiuye_sheets::read_xlsx_sheet(&r.bytes, "帮扶覆盖").expect("a coverage sheet");
            assert_eq!(sheet.headers[..5], ["单位代码", "单位名称", "届别", "帮扶对象数", "已建档（材料已核实）"]);
            assert_eq!(sheet.rows.len(), 1 + want["children"].as_array().unwrap().len(), "{org}");
            let top = &sheet.rows[0];
            assert_eq!(top[0], org);
            assert_eq!(
                (top[3].as_str(), top[4].as_str()),
                (&*want["total"].to_string(), &*line(want, "file").to_string())
            );
        }
        // Behind a figure: the career centre sees names; the province only a count.
        let path = format!("/api/v1/hardship/missing?cohort={cohort}&line=file");
        let m = call(&f.app, Method::GET, &path, None, &Auth::Bearer(&career)).await.json();
        assert_eq!(m["items"].as_array().unwrap().len() as i64, opened - line(&uni, "file"), "{m}");
        let m =
            call(&f.app, Method::GET, &format!("{path}&org=4151010610"), None, &Auth::Bearer(&province)).await.json();
        assert_eq!(
            (m["items"].as_array().unwrap().len(), m["unnamed"].as_i64().unwrap()),
            (0, opened - line(&uni, "file"))
        );
        // A counselor (outside the career centre) sees small cells as "<5"; an employer nothing.
        let mine = call(
            &f.app,
            Method::GET,
            &format!("/api/v1/hardship/coverage?cohort={cohort}"),
            None,
            &Auth::Bearer(&counselor),
        )
        .await
        .json();
        assert_eq!(mine["exact"], false);
        for l in mine["lines"].as_array().unwrap() {
            let shown = l["shown"].as_str().unwrap();
            assert!(shown == "<5" || shown.parse::<i64>().is_ok_and(|n| n == 0 || n >= 5), "{l}");
        }
        let employer = token_for(&f, "demo_employer").await;
        let r = call(&f.app, Method::GET, "/api/v1/hardship/coverage", None, &Auth::Bearer(&employer)).await;
        assert_error(&r, 403, "forbidden");
        let r =
            call(&f.app, Method::GET, "/api/v1/hardship/coverage?org=4151010613", None, &Auth::Bearer(&career)).await;
        assert_error(&r, 403, "forbidden");
        f.cleanup().await;
    }
}

async fn upload(f: &Fixture, token: &str, csv: &str) -> super::Reply {
    let req = Request::post("/api/v1/hardship/import?filename=ledger.csv")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .body(Body::from(csv.to_owned()))
        .unwrap();
    send(&f.app, req).await
}

#[tokio::test]
async fn the_ledger_imports_with_row_errors_and_imported_files_wait_for_consent() {
    for f in fixtures().await {
        let career = token_for(&f, "demo_career").await;
        let counselor = token_for(&f, "demo_counselor").await;
        let scu = f.store.org_by_code(&jiuye_domain::OrgCode::parse("4151010610").unwrap()).await.unwrap().unwrap();
        let (graduates, _) = f
            .store
            .list_graduates(&GraduateQuery {
                scope_paths: vec![scu.path.clone()],
                limit: 3,
                ..GraduateQuery::default()
            })
            .await
            .unwrap();
        let head = "学号,困难类别,残疾类型,证明材料,材料说明,已核实,帮扶责任人账号,宏志助航培训\n";
        let bad = format!(
            "{head}{},低保家庭,,低保证明（民政部门）,,是,,已报名\n{},残疾,,残疾人证,,是,,\n9999999999,脱贫家庭,,other,,否,,\n",
            graduates[0].student_no, graduates[1].student_no
        );
        let r = upload(&f, &career, &bad).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}: {}", f.name, r.body);
        let errors = r.json()["errors"].as_array().unwrap().clone();
        assert!(errors.iter().any(|e| e["row"] == 3 && e["column"] == "残疾类型"), "{errors:?}");
        assert!(errors.iter().any(|e| e["row"] == 4 && e["column"] == "学号"), "{errors:?}");
        assert_error(&file(&f, graduates[0].id, &career).await, 404, "hardship_not_found");

        let good = format!(
            "{head}{},低保家庭,,低保证明（民政部门）,,是,demo_counselor,已报名\n{},残疾,肢体残疾,残疾人证,,否,,\n",
            graduates[0].student_no, graduates[1].student_no
        );
        assert_error(&upload(&f, &counselor, &good).await, 403, "forbidden");
        let r = upload(&f, &career, &good).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", f.name, r.body);
        assert_eq!(r.json()["opened"], 2);
        let imported = file(&f, graduates[0].id, &career).await.json();
        assert_eq!(
            (imported["consent"]["id"].as_str(), imported["source"].as_str()),
            (Some("pending"), Some("import"))
        );
        assert_eq!(imported["training"]["id"], "enrolled");
        // The helper named in the file does not read it before the graduate consents.
        assert_error(&file(&f, graduates[0].id, &counselor).await, 404, "hardship_not_found");
        let again = upload(&f, &career, &good).await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", again.body);
        let t = call(&f.app, Method::GET, "/api/v1/hardship/import/template.xlsx", None, &Auth::Bearer(&career)).await;
        assert_eq!(t.status, StatusCode::OK);
        assert!(t.bytes.starts_with(b"PK"));
        f.cleanup().await;
    }
}

#[tokio::test]
async fn the_pages_show_coverage_open_and_change_a_file_and_let_the_graduate_consent() {
    for f in fixtures().await {
        let id = demo_graduate(&f).await;
        let g = f.store.graduate_view(id).await.unwrap().unwrap().graduate;
        let (cookie, csrf) = login(&f.app, "demo_career", jiuye_seed::DEMO_PASSWORD).await;
        let get = |uri: String, cookie: String| {
            let app = f.app.clone();
            async move { send(&app, Request::get(uri).header(header::COOKIE, cookie).body(Body::empty()).unwrap()).await }
        };
        let post = |uri: String, cookie: String, body: String| {
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
        let page = get("/hardship".into(), cookie.clone()).await;
        assert_eq!(page.status, StatusCode::OK, "{}: {}", f.name, page.body);
        assert!(page.body.contains("<table") && page.body.contains("/hardship/open"), "coverage and the open form");
        let opened = post(
            "/hardship/open".into(),
            cookie.clone(),
            format!("csrf={csrf}&student_no={}&category=zero_employment&disability=&evidence=unemployment_registration&evidence_note=&verified=1", g.student_no),
        )
        .await;
        assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
        let page = get(format!("/hardship/graduates/{id}"), cookie.clone()).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("零就业家庭") && page.body.contains("name=\"version\""), "{}", page.body);
        let saved = post(
            format!("/hardship/graduates/{id}"),
            cookie.clone(),
            format!("csrf={csrf}&version=1&part=plan&goals=%E8%90%BD%E5%AE%9E%E5%8E%BB%E5%90%91&what=%E6%8E%A8%E8%8D%90%E5%B2%97%E4%BD%8D&owner=%E6%9D%8E%E8%80%81%E5%B8%88&due=&what=&owner=&due=&plan_state=approved"),
        )
        .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let stale = post(
            format!("/hardship/graduates/{id}"),
            cookie.clone(),
            format!("csrf={csrf}&version=1&part=progress&training=enrolled&subsidy=none&case_state=open"),
        )
        .await;
        assert_eq!(stale.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", stale.body);
        assert!(stale.body.contains("role=\"alert\""));
        let m = get(format!("/hardship/missing?line=plan&cohort={}", g.cohort), cookie.clone()).await;
        assert_eq!(m.status, StatusCode::OK, "{}", m.body);
        // The export: every file of the cohort, watermarked first and last with who and when.
        let csv = get(format!("/hardship/export.csv?cohort={}", g.cohort), cookie.clone()).await;
        assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
        let lines: Vec<&str> = csv.body.trim_end().lines().collect();
        assert!(lines[1].contains("导出人") && lines[lines.len() - 1].contains("导出人"), "{}", csv.body);
        assert!(csv.body.contains(&g.student_no) && csv.body.contains("零就业家庭"));

        // The graduate sees their file and consents from the page.
        let (gcookie, gcsrf) = login(&f.app, "demo_graduate", jiuye_seed::DEMO_PASSWORD).await;
        let mine = get("/hardship".into(), gcookie.clone()).await;
        assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
        assert!(mine.body.contains("零就业家庭") && mine.body.contains("value=\"give\""), "{}", mine.body);
        let r = post("/me/hardship/consent".into(), gcookie.clone(), format!("csrf={gcsrf}&consent=give")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let (ccookie, _) = login(&f.app, "demo_counselor", jiuye_seed::DEMO_PASSWORD).await;
        let theirs = get(format!("/hardship/graduates/{id}"), ccookie.clone()).await;
        assert_eq!(theirs.status, StatusCode::OK, "{}", theirs.body);
        let (ecookie, _) = login(&f.app, "demo_employer", jiuye_seed::DEMO_PASSWORD).await;
        assert_eq!(get(format!("/hardship/graduates/{id}"), ecookie.clone()).await.status, StatusCode::NOT_FOUND);
        assert_eq!(get("/hardship/export.csv".into(), ccookie.clone()).await.status, StatusCode::FORBIDDEN);
        assert_eq!(get("/hardship".into(), ecookie).await.status, StatusCode::FORBIDDEN);

        // The subsidy table: shipped unverified, corrected by the province's administrators only.
        let (pcookie, pcsrf) = login(&f.app, "demo_province", jiuye_seed::DEMO_PASSWORD).await;
        let table = get("/hardship/subsidy".into(), pcookie.clone()).await;
        assert_eq!(table.status, StatusCode::OK, "{}", table.body);
        assert!(table.body.contains("未核实") && table.body.contains("action=\"/hardship/subsidy/510000\""));
        let set = post(
            "/hardship/subsidy/510000".into(),
            pcookie.clone(),
            format!("csrf={pcsrf}&yuan=1500&effective=2023-03-01"),
        )
        .await;
        assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.body);
        assert_eq!(f.store.subsidy_amount("510000").await.unwrap(), Some(1500));
        let bad = post(
            "/hardship/subsidy/510000".into(),
            pcookie.clone(),
            format!("csrf={pcsrf}&yuan=lots&effective=2023-03-01"),
        )
        .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
        let other =
            post("/hardship/subsidy/110000".into(), pcookie, format!("csrf={pcsrf}&yuan=1500&effective=2023-03-01"))
                .await;
        assert_eq!(other.status, StatusCode::FORBIDDEN, "another province");
        let by_career =
            post("/hardship/subsidy/510000".into(), cookie.clone(), format!("csrf={csrf}&yuan=1&effective=2023-03-01"))
                .await;
        assert_eq!(by_career.status, StatusCode::FORBIDDEN);
        assert_eq!(f.store.subsidy_amount("510000").await.unwrap(), Some(1500), "nothing written");
        f.cleanup().await;
    }
}
