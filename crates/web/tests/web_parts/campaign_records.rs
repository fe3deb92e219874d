//! The campaign's records beside the visits: corrections and photos, the base registry, the
//! demand survey, a person's own targets and the chart page, each tried by people outside.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use jiuye_domain::OrgCode;
use serde_json::json;

use super::identity::{Auth, call, login, token_for};
use super::{Fixture, assert_error, fixtures};

const EMPLOYER: &str = "91350100M000100Y43";
/// A 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0A, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00,
    0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

/// Two colleges of the demo university (A holds the demo counselor and major head).
async fn colleges(f: &Fixture) -> (String, String) {
    let uni = f.store.org_by_code(&OrgCode::parse("4151010610").unwrap()).await.unwrap().unwrap();
    let cs = f.store.org_children(&uni).await.unwrap();
    (cs[0].org.code.to_string(), cs[1].org.code.to_string())
}

async fn add_employer(f: &Fixture, token: &str) {
    let e = json!({"credit_code": EMPLOYER, "name": "福州某某软件有限公司", "industry_code": "6513", "region_code": "350102"});
    let r = call(&f.app, Method::POST, "/api/v1/employers", Some(e), &Auth::Bearer(token)).await;
    assert!(r.status.is_success(), "{}", r.body);
}

async fn upload(f: &Fixture, path: &str, token: &str, bytes: &[u8]) -> super::Reply {
    super::send(
        &f.app,
        Request::post(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .body(Body::from(bytes.to_vec()))
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn visits_are_corrected_only_inside_scope_and_carry_photos() {
    for f in fixtures().await {
        let (a, b) = colleges(&f).await;
        let career = token_for(&f, "demo_career").await;
        let counselor = token_for(&f, "demo_counselor").await;
        let major = token_for(&f, "demo_major").await;
        add_employer(&f, &career).await;
        let visit = |unit: &str, date: &str, positions: i64| json!({"unit": unit, "employer": EMPLOYER, "visit_date": date, "form": "on_site", "positions_opened": positions});
        let r =
            call(&f.app, Method::POST, "/api/v1/visits", Some(visit(&a, "2023-03-01", 2)), &Auth::Bearer(&counselor))
                .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {}", f.name, r.body);
        let id = r.json()["id"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/visits/{id}");
        // Someone outside the visit's unit cannot correct it (nor learn that it exists)…
        let r = call(&f.app, Method::PUT, &path, Some(visit(&a, "2023-03-02", 5)), &Auth::Bearer(&major)).await;
        assert_error(&r, 404, "visit_not_found");
        // …and its own logger cannot move it to another college.
        let r = call(&f.app, Method::PUT, &path, Some(visit(&b, "2023-03-02", 5)), &Auth::Bearer(&counselor)).await;
        assert_error(&r, 403, "forbidden");
        let mut bad = visit(&a, "2023-03-02", 5);
        bad["form"] = json!("letter");
        assert_error(
            &call(&f.app, Method::PUT, &path, Some(bad), &Auth::Bearer(&counselor)).await,
            422,
            "invalid_form",
        );
        // A correction inside scope is kept whole.
        let r = call(&f.app, Method::PUT, &path, Some(visit(&a, "2023-03-02", 5)), &Auth::Bearer(&counselor)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let got = call(&f.app, Method::GET, &path, None, &Auth::Bearer(&career)).await;
        assert_eq!(got.json()["visit_date"], "2023-03-02", "{}", got.body);
        assert_eq!(got.json()["positions_opened"], 5);
        assert_eq!(got.json()["photos"], json!([]));
        assert_error(&call(&f.app, Method::GET, &path, None, &Auth::Bearer(&major)).await, 404, "visit_not_found");

        // Photos: images only, read back by those who may see the visit.
        let photo = upload(&f, &format!("{path}/photos"), &counselor, PNG).await;
        assert_eq!(photo.status, StatusCode::CREATED, "{}", photo.body);
        let pid = photo.json()["id"].as_str().unwrap().to_owned();
        assert_error(
            &upload(&f, &format!("{path}/photos"), &counselor, b"%PDF-1.4 not a photo").await,
            400,
            "invalid_file",
        );
        assert_error(&upload(&f, &format!("{path}/photos"), &major, PNG).await, 404, "visit_not_found");
        let got = call(&f.app, Method::GET, &path, None, &Auth::Bearer(&career)).await;
        assert_eq!(got.json()["photos"], json!([pid]));
        let img = call(&f.app, Method::GET, &format!("/api/v1/visit-photos/{pid}"), None, &Auth::Bearer(&career)).await;
        assert_eq!(img.status, StatusCode::OK);
        assert_eq!(img.content_type, "image/png");
        assert_error(
            &call(&f.app, Method::GET, &format!("/api/v1/visit-photos/{pid}"), None, &Auth::Bearer(&major)).await,
            404,
            "photo_not_found",
        );

        // The page of the visit: correct it through a form, and it lists the photo.
        let (cookie, csrf) = login(&f.app, "demo_counselor", jiuye_seed::DEMO_PASSWORD).await;
        let page = call(
            &f.app,
            Method::GET,
            &format!("/visits/{id}/edit"),
            None,
            &Auth::Cookie { cookie: &cookie, csrf: None },
        )
        .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(
            page.body.contains(&format!("/api/v1/visit-photos/{pid}")) && page.body.contains("value=\"2023-03-02\"")
        );
        let form = super::send(
            &f.app,
            Request::post(format!("/visits/{id}/edit"))
                .header(header::COOKIE, &cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!(
                    "csrf={csrf}&unit={a}&employer={EMPLOYER}&visit_date=2023-03-03&form=online&programmes=&positions_opened=7&notes=%E5%A4%8D%E8%AE%BF"
                )))
                .unwrap(),
        )
        .await;
        assert_eq!(form.status, StatusCode::SEE_OTHER, "{}", form.body);
        // Someone outside the visit's scope learns nothing of it, even from a form that does
        // not parse.
        let (outsider, outsider_csrf) = login(&f.app, "demo_major", jiuye_seed::DEMO_PASSWORD).await;
        let probe = super::send(
            &f.app,
            Request::post(format!("/visits/{id}/edit"))
                .header(header::COOKIE, &outsider)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!(
                    "csrf={outsider_csrf}&unit={a}&employer={EMPLOYER}&visit_date=2023-03-03&form=online&programmes=&positions_opened=many&notes="
                )))
                .unwrap(),
        )
        .await;
        assert_eq!(probe.status, StatusCode::NOT_FOUND, "{}", probe.body);
        assert!(!probe.body.contains(&pid), "{}", probe.body);
        let got = call(&f.app, Method::GET, &path, None, &Auth::Bearer(&career)).await;
        assert_eq!((got.json()["form"].as_str(), got.json()["positions_opened"].as_i64()), (Some("online"), Some(7)));
        assert_eq!(got.json()["notes"], "复访");
        let list =
            call(&f.app, Method::GET, &format!("/visits?org={a}"), None, &Auth::Cookie { cookie: &cookie, csrf: None })
                .await;
        assert!(list.body.contains(&format!("/visits/{id}/edit")), "{}", list.body);
        // Deleting from the page removes it.
        let del = super::send(
            &f.app,
            Request::post(format!("/visits/{id}/delete"))
                .header(header::COOKIE, &cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!("csrf={csrf}")))
                .unwrap(),
        )
        .await;
        assert_eq!(del.status, StatusCode::SEE_OTHER, "{}", del.body);
        assert_error(&call(&f.app, Method::GET, &path, None, &Auth::Bearer(&career)).await, 404, "visit_not_found");
        f.cleanup().await;
    }
}

#[tokio::test]
async fn bases_are_registered_inside_scope_and_from_visits() {
    for f in fixtures().await {
        let (a, b) = colleges(&f).await;
        let career = token_for(&f, "demo_career").await;
        let counselor = token_for(&f, "demo_counselor").await;
        let major = token_for(&f, "demo_major").await;
        add_employer(&f, &career).await;
        let base = |unit: &str, kind: &str| json!({"unit": unit, "employer": EMPLOYER, "kind": kind, "capacity": 20, "start_date": "2023-03-10"});
        let r =
            call(&f.app, Method::POST, "/api/v1/bases", Some(base(&a, "practice")), &Auth::Bearer(&counselor)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {}", f.name, r.body);
        assert_eq!(r.json()["name"], "福州某某软件有限公司实习实践基地");
        let id = r.json()["id"].as_str().unwrap().to_owned();
        assert_error(
            &call(&f.app, Method::POST, "/api/v1/bases", Some(base(&a, "practice")), &Auth::Bearer(&counselor)).await,
            409,
            "base_exists",
        );
        assert_error(
            &call(&f.app, Method::POST, "/api/v1/bases", Some(base(&b, "practice")), &Auth::Bearer(&counselor)).await,
            403,
            "forbidden",
        );
        assert_error(
            &call(&f.app, Method::POST, "/api/v1/bases", Some(base(&a, "dormitory")), &Auth::Bearer(&counselor)).await,
            422,
            "invalid_kind",
        );
        let mut bad = base(&a, "internship");
        bad["end_date"] = json!("2023-01-01");
        assert_error(
            &call(&f.app, Method::POST, "/api/v1/bases", Some(bad), &Auth::Bearer(&counselor)).await,
            422,
            "invalid_date",
        );
        // A visit that agreed a base registers one.
        let v = json!({"unit": a, "employer": EMPLOYER, "visit_date": "2023-03-11", "form": "invited", "base_agreed": true});
        let r = call(&f.app, Method::POST, "/api/v1/visits", Some(v), &Auth::Bearer(&counselor)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let list = call(&f.app, Method::GET, &format!("/api/v1/bases?org={a}"), None, &Auth::Bearer(&career)).await;
        let items = list.json()["items"].as_array().unwrap().clone();
        assert_eq!(items.len(), 2, "{}", list.body);
        assert!(items.iter().any(|i| i["kind"] == "internship" && i["visit_id"] == r.json()["id"]));
        assert_error(
            &call(&f.app, Method::GET, &format!("/api/v1/bases?org={b}"), None, &Auth::Bearer(&counselor)).await,
            403,
            "forbidden",
        );
        assert_error(
            &call(&f.app, Method::DELETE, &format!("/api/v1/bases/{id}"), None, &Auth::Bearer(&major)).await,
            404,
            "base_not_found",
        );
        let r = call(&f.app, Method::DELETE, &format!("/api/v1/bases/{id}"), None, &Auth::Bearer(&career)).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT);
        let list = call(&f.app, Method::GET, &format!("/api/v1/bases?org={a}"), None, &Auth::Bearer(&career)).await;
        assert_eq!(list.json()["total"], 1);
        // The page lists and registers through the same rules.
        let (cookie, csrf) = login(&f.app, "demo_counselor", jiuye_seed::DEMO_PASSWORD).await;
        let page =
            call(&f.app, Method::GET, &format!("/bases?org={a}"), None, &Auth::Cookie { cookie: &cookie, csrf: None })
                .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("福州某某软件有限公司") && page.body.contains("<label for=\"b_kind\">"));
        let post = super::send(
            &f.app,
            Request::post("/bases")
                .header(header::COOKIE, &cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!(
                    "csrf={csrf}&unit={a}&employer={EMPLOYER}&name=&kind=employment&capacity=abc&start_date=2023-03-12&end_date=&programmes="
                )))
                .unwrap(),
        )
        .await;
        assert_eq!(post.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(post.body.contains("role=\"alert\""), "{}", post.body);
        f.cleanup().await;
    }
}

#[tokio::test]
async fn demand_answers_add_up_and_stay_in_scope() {
    for f in fixtures().await {
        let career = token_for(&f, "demo_career").await;
        let counselor = token_for(&f, "demo_counselor").await;
        add_employer(&f, &career).await;
        let line = |major: &str, n: i64, min: i64| {
            json!({"role": "软件开发工程师", "major_class": major, "education": "bachelor", "headcount": n,
                   "salary_min": min, "salary_max": min + 3000, "skills": "Rust、SQL"})
        };
        let survey = |lines: Vec<serde_json::Value>| json!({"employer": EMPLOYER, "org": "4151010610", "year": 2024, "lines": lines});
        let r = call(
            &f.app,
            Method::POST,
            "/api/v1/surveys",
            Some(survey(vec![line("0809", 4, 8000)])),
            &Auth::Bearer(&career),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {}", f.name, r.body);
        // Answering again replaces the earlier answer.
        let r = call(
            &f.app,
            Method::POST,
            "/api/v1/surveys",
            Some(survey(vec![line("0809", 6, 8000), line("1202", 2, 5000)])),
            &Auth::Bearer(&career),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["replaced"], true);
        let bad = call(
            &f.app,
            Method::POST,
            "/api/v1/surveys",
            Some(survey(vec![line("0809", 1, 8000), line("080901", 1, 8000)])),
            &Auth::Bearer(&career),
        )
        .await;
        assert_error(&bad, 422, "invalid_major_class");
        assert!(bad.body.contains("第 2 行"), "{}", bad.body);
        let d =
            call(&f.app, Method::GET, "/api/v1/surveys/demand?org=4151010610&year=2024", None, &Auth::Bearer(&career))
                .await;
        assert_eq!(d.status, StatusCode::OK, "{}", d.body);
        let d = d.json();
        assert_eq!(
            (d["employers"].as_i64(), d["headcount"].as_i64(), d["lines"].as_i64()),
            (Some(1), Some(8), Some(2))
        );
        assert_eq!(d["by_region"][0]["code"], "350000");
        assert_eq!(d["by_major_class"][0]["code"], "0809");
        assert_eq!(d["by_major_class"][0]["headcount"], 6);
        assert_eq!(d["by_industry"][0]["code"], "I", "6513 is in section I");
        // A counselor sees sums of their own college only, not the province's.
        assert_error(
            &call(&f.app, Method::GET, "/api/v1/surveys/demand?org=510000", None, &Auth::Bearer(&counselor)).await,
            403,
            "forbidden",
        );
        // An employer's own account answers for itself only.
        let user = f.store.user_by_username("demo_employer").await.unwrap().unwrap();
        let grants = f.store.grants_of(user.id).await.unwrap();
        let own = grants.iter().find_map(|g| g.grant.subject_id).unwrap();
        let own = f.store.employer_by_id(own).await.unwrap().unwrap();
        let hr = token_for(&f, "demo_employer").await;
        let mine = json!({"employer": own.credit_code, "year": 2024, "lines": [line("0809", 3, 7000)]});
        let r = call(&f.app, Method::POST, "/api/v1/surveys", Some(mine), &Auth::Bearer(&hr)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let r = call(
            &f.app,
            Method::POST,
            "/api/v1/surveys",
            Some(survey(vec![line("0809", 1, 8000)])),
            &Auth::Bearer(&hr),
        )
        .await;
        assert_error(&r, 403, "forbidden");
        // The page shows the sums with a text alternative for the chart.
        let (cookie, _) = login(&f.app, "demo_career", jiuye_seed::DEMO_PASSWORD).await;
        let page =
            call(&f.app, Method::GET, "/surveys?org=4151010610", None, &Auth::Cookie { cookie: &cookie, csrf: None })
                .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("计算机类") && page.body.contains("<desc"), "{}", page.body);
        f.cleanup().await;
    }
}

#[tokio::test]
async fn people_see_what_they_owe_and_the_charts() {
    for f in fixtures().await {
        let c = jiuye_domain::campaign::Campaign::parse(jiuye_domain::campaign::SPRING_2023).unwrap();
        f.store.save_campaign(&c.id, &c.name, jiuye_domain::campaign::SPRING_2023).await.unwrap();
        let career = token_for(&f, "demo_career").await;
        let leader = token_for(&f, "demo_leader").await;
        add_employer(&f, &career).await;
        let v = json!({"unit": "4151010610", "employer": EMPLOYER, "visit_date": "2023-03-01", "form": "on_site"});
        let r = call(&f.app, Method::POST, "/api/v1/visits", Some(v), &Auth::Bearer(&career)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let q = "/api/v1/campaigns/2023-spring/mine?as_of=2023-03-15";
        let mine = call(&f.app, Method::GET, q, None, &Auth::Bearer(&career)).await;
        assert_eq!(mine.status, StatusCode::OK, "{}: {}", f.name, mine.body);
        let mine = mine.json();
        assert_eq!((mine["my_visits"].as_u64(), mine["my_employers"].as_u64()), (Some(1), Some(1)));
        let all = call(
            &f.app,
            Method::GET,
            "/api/v1/campaigns/2023-spring/targets?org=4151010610&as_of=2023-03-15",
            None,
            &Auth::Bearer(&career),
        )
        .await;
        assert_eq!(mine["targets"].as_array().unwrap().len(), all.json().as_array().unwrap().len());
        for t in mine["targets"].as_array().unwrap() {
            let (req, ach) = (t["required"].as_u64().unwrap(), t["achieved"].as_u64().unwrap());
            assert_eq!(t["owed"].as_u64().unwrap(), req.saturating_sub(ach));
        }
        // A university leader answers for the leadership targets only.
        let lead = call(&f.app, Method::GET, q, None, &Auth::Bearer(&leader)).await.json();
        assert!(lead["targets"].as_array().unwrap().iter().all(|t| t["level"] == "university"), "{lead}");
        assert_eq!(lead["my_visits"], 0);
        let (cookie, _) = login(&f.app, "demo_province", jiuye_seed::DEMO_PASSWORD).await;
        let chart = call(
            &f.app,
            Method::GET,
            "/campaigns/2023-spring/chart?org=510000&as_of=2023-03-15",
            None,
            &Auth::Cookie { cookie: &cookie, csrf: None },
        )
        .await;
        assert_eq!(chart.status, StatusCode::OK, "{}", chart.body);
        assert!(chart.body.contains("<svg") && chart.body.contains("<desc") && chart.body.contains("<caption"));
        let (cookie, _) = login(&f.app, "demo_career", jiuye_seed::DEMO_PASSWORD).await;
        let page = call(
            &f.app,
            Method::GET,
            "/campaigns/2023-spring/mine?as_of=2023-03-15",
            None,
            &Auth::Cookie { cookie: &cookie, csrf: None },
        )
        .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("<h1>"));
        f.cleanup().await;
    }
}

/// The demo university's progress report as of the end of the window, read back.
async fn report(f: &Fixture, token: &str) -> jiuye_domain::roster::Table {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let res = f
        .app
        .clone()
        .oneshot(
            Request::get("/api/v1/campaigns/2023-spring/report.xlsx?org=4151010610&as_of=2023-04-30")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    jiuye_sheets::read_table("report.xlsx", &bytes).expect("a workbook")
}

/// The workbook that goes upward carries what was logged: visits, employers, new employers,
/// positions and bases inside the window, for the unit they were logged under.
#[tokio::test]
async fn the_report_upward_counts_what_was_logged() {
    for f in fixtures().await {
        let c = jiuye_domain::campaign::Campaign::parse(jiuye_domain::campaign::SPRING_2023).unwrap();
        f.store.save_campaign(&c.id, &c.name, jiuye_domain::campaign::SPRING_2023).await.unwrap();
        let (a, _) = colleges(&f).await;
        let career = token_for(&f, "demo_career").await;
        add_employer(&f, &career).await;
        let before = |unit: &str, date: &str, positions: i64, base: bool| {
            json!({"unit": unit, "employer": EMPLOYER, "visit_date": date, "form": "on_site",
                   "positions_opened": positions, "base_agreed": base})
        };
        for (date, positions, base) in [("2023-02-10", 4, true), ("2023-03-20", 6, false), ("2023-06-01", 9, false)] {
            let r = call(
                &f.app,
                Method::POST,
                "/api/v1/visits",
                Some(before(&a, date, positions, base)),
                &Auth::Bearer(&career),
            )
            .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        }
        let b = json!({"unit": a, "employer": EMPLOYER, "kind": "employment", "start_date": "2023-04-01"});
        assert_eq!(
            call(&f.app, Method::POST, "/api/v1/bases", Some(b), &Auth::Bearer(&career)).await.status,
            StatusCode::CREATED
        );
        let t = report(&f, &career).await;
        assert_eq!(
            t.headers[..7],
            [
                "单位代码",
                "单位名称",
                "走访次数",
                "走访用人单位数",
                "新开拓用人单位数",
                "开拓岗位数",
                "新建实习实践基地数"
            ]
        );
        let row = t.rows.iter().find(|r| r[0] == a).unwrap_or_else(|| panic!("{a} in {:?}", t.rows));
        // Two visits inside the window (the June one is outside), one employer, new to the
        // university, 4 + 6 positions, and two bases (one agreed on a visit, one registered).
        assert_eq!(row[2..7], ["2", "1", "1", "10", "2"], "{row:?}");
        // A posting of that employer at the university before the window: it is not new.
        let employer = f.store.employer(EMPLOYER).await.unwrap().unwrap();
        let uni = f.store.org_by_code(&OrgCode::parse("4151010610").unwrap()).await.unwrap().unwrap();
        let then = chrono::DateTime::parse_from_rfc3339("2022-11-01T09:00:00+08:00").unwrap().to_utc();
        let earlier = jiuye_store::postings::PostingRecord {
            id: uuid::Uuid::now_v7(),
            employer_id: employer.id,
            title: "软件工程师".into(),
            description: "2022 年秋季校园招聘。".into(),
            region_code: "350102".into(),
            position_code: "13".into(),
            education: "bachelor".into(),
            majors: String::new(),
            openings: 2,
            salary_min: None,
            salary_max: None,
            deadline: chrono::NaiveDate::from_ymd_opt(2022, 12, 31).unwrap(),
            contact: "0591-87654321".into(),
            apply_method: String::new(),
            visibility: "university".into(),
            scope_org_id: uni.id,
            specials: String::new(),
            status: jiuye_domain::posting::PostingStatus::Approved,
            risk_level: "low".into(),
            risk_reasons: "[]".into(),
            reviewed_by: None,
            reviewed_at: None,
            review_note: None,
            created_by: uuid::Uuid::nil(),
            created_at: then,
            updated_at: then,
            origin_node: uuid::Uuid::nil(),
            version: 1,
            occupation: None,
        };
        f.store.add_posting(&earlier).await.unwrap();
        let t = report(&f, &career).await;
        let row = t.rows.iter().find(|r| r[0] == a).unwrap();
        assert_eq!(row[4], "0", "{row:?}");
        f.cleanup().await;
    }
}
