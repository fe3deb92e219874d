//! Employer visits through the HTTP API: scope of who may log, read and delete them.

use axum::http::{Method, StatusCode};
use jiuye_domain::OrgCode;
use serde_json::json;

use super::identity::{Auth, call, login, token_for};
use super::{Fixture, assert_error, fixtures};

/// Two colleges of the demo university (A holds the demo counselor) and a programme of each.
async fn colleges(f: &Fixture) -> (String, String, String, String) {
    let uni = f.store.org_by_code(&OrgCode::parse("4151010610").unwrap()).await.unwrap().unwrap();
    let cs = f.store.org_children(&uni).await.unwrap();
    assert!(cs.len() >= 2, "the demo university has two colleges or more");
    let (a, b) = (cs[0].org.clone(), cs[1].org.clone());
    let pa = f.store.org_children(&a).await.unwrap()[0].org.code.to_string();
    let pb = f.store.org_children(&b).await.unwrap()[0].org.code.to_string();
    (a.code.to_string(), b.code.to_string(), pa, pb)
}

#[tokio::test]
async fn visits_are_logged_only_inside_the_callers_scope() {
    for f in fixtures().await {
        let (a, b, pa, pb) = colleges(&f).await;
        let career = token_for(&f, "demo_career").await;
        let counselor = token_for(&f, "demo_counselor").await;
        let major = token_for(&f, "demo_major").await;
        let employer = json!({"credit_code": "91350100M000100Y43", "name": "福州某某有限公司", "industry_code": "6513", "region_code": "350102"});
        let r = call(&f.app, Method::POST, "/api/v1/employers", Some(employer), &Auth::Bearer(&career)).await;
        assert!(r.status.is_success(), "{}", r.body);
        let visit = |unit: &str, programmes: Vec<&str>| {
            json!({"unit": unit, "employer": "91350100m000100y43", "visit_date": "2023-03-01", "form": "on_site",
                   "programmes": programmes, "positions_opened": 12, "base_agreed": true})
        };
        // A counselor of college A logs for A, serving one of A's programmes.
        let r =
            call(&f.app, Method::POST, "/api/v1/visits", Some(visit(&a, vec![&pa])), &Auth::Bearer(&counselor)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {}", f.name, r.body);
        let v = r.json();
        assert_eq!(v["roles"], json!(["counselor"]));
        assert_eq!(v["programmes"], json!([pa]));
        assert_eq!(v["university"], "4151010610");
        let id = v["id"].as_str().unwrap().to_owned();
        // …but cannot attribute a visit to college B, directly or through B's programme.
        assert_error(
            &call(&f.app, Method::POST, "/api/v1/visits", Some(visit(&b, vec![])), &Auth::Bearer(&counselor)).await,
            403,
            "forbidden",
        );
        assert_error(
            &call(&f.app, Method::POST, "/api/v1/visits", Some(visit(&a, vec![&pb])), &Auth::Bearer(&counselor)).await,
            422,
            "programme_outside_unit",
        );
        // Bad input is named.
        let mut bad = visit(&a, vec![]);
        bad["visit_date"] = json!("2023-02-30");
        assert_error(
            &call(&f.app, Method::POST, "/api/v1/visits", Some(bad), &Auth::Bearer(&counselor)).await,
            422,
            "invalid_date",
        );
        let mut bad = visit(&a, vec![]);
        bad["form"] = json!("phone");
        assert_error(
            &call(&f.app, Method::POST, "/api/v1/visits", Some(bad), &Auth::Bearer(&counselor)).await,
            422,
            "invalid_form",
        );
        let mut bad = visit(&a, vec![]);
        bad["employer"] = json!("91110000802100433B");
        assert_error(
            &call(&f.app, Method::POST, "/api/v1/visits", Some(bad), &Auth::Bearer(&counselor)).await,
            422,
            "employer_not_found",
        );
        // A programme head below A may neither see the college-level visit in a delete nor remove it.
        assert_error(
            &call(&f.app, Method::DELETE, &format!("/api/v1/visits/{id}"), None, &Auth::Bearer(&major)).await,
            404,
            "visit_not_found",
        );
        let list = call(&f.app, Method::GET, &format!("/api/v1/visits?org={a}"), None, &Auth::Bearer(&career)).await;
        assert_eq!(list.json()["total"], 1, "{}", list.body);
        let list_b = call(&f.app, Method::GET, &format!("/api/v1/visits?org={b}"), None, &Auth::Bearer(&career)).await;
        assert_eq!(list_b.json()["total"], 0, "{}", list_b.body);
        assert_error(
            &call(&f.app, Method::GET, &format!("/api/v1/visits?org={b}"), None, &Auth::Bearer(&counselor)).await,
            403,
            "forbidden",
        );
        // The counselor deletes it; it is gone.
        let r = call(&f.app, Method::DELETE, &format!("/api/v1/visits/{id}"), None, &Auth::Bearer(&counselor)).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
        let list = call(&f.app, Method::GET, &format!("/api/v1/visits?org={a}"), None, &Auth::Bearer(&career)).await;
        assert_eq!(list.json()["total"], 0, "{}", list.body);
        f.cleanup().await;
    }
}

/// The engine's conditions, recomputed here from the placement counts.
#[tokio::test]
async fn targets_follow_the_reference_cohort_and_the_logged_visits() {
    use jiuye_domain::destination::Rollup;
    for f in fixtures().await {
        let c = jiuye_domain::campaign::Campaign::parse(jiuye_domain::campaign::SPRING_2023).unwrap();
        f.store.save_campaign(&c.id, &c.name, jiuye_domain::campaign::SPRING_2023).await.unwrap();
        let province_token = token_for(&f, "demo_province").await;
        let career = token_for(&f, "demo_career").await;
        let counselor = token_for(&f, "demo_counselor").await;
        let province = f.store.org_by_code(&OrgCode::parse("510000").unwrap()).await.unwrap().unwrap();
        let rows = f.store.placement_counts(&province, 2022, &Default::default()).await.unwrap();
        let rollup = Rollup::build(&rows);
        let prate = rollup.of(province.id).rate();
        let r = call(
            &f.app,
            Method::GET,
            "/api/v1/campaigns/2023-spring/targets?org=510000&as_of=2023-03-15",
            None,
            &Auth::Bearer(&province_token),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", f.name, r.body);
        let items = r.json();
        let items = items.as_array().unwrap();
        let (mut below, mut above) = (0, 0);
        for u in f.store.org_children(&province).await.unwrap().into_iter().map(|c| c.org) {
            let t = rollup.of(u.id);
            if t.graduates == 0 {
                continue;
            }
            let has = items.iter().find(|i| i["org"] == u.code.to_string() && i["rule"] == "leaders_open_new");
            if t.rate() < prate {
                below += 1;
                let has = has.unwrap_or_else(|| panic!("{} is below the province average: {}", u.name, r.body));
                let reason = has["reason"].as_str().unwrap();
                assert!(reason.contains(&format!("{:.1}%", t.rate() * 100.0)), "{reason}");
                assert!(reason.contains(&format!("{:.1}%", prate * 100.0)), "{reason}");
                assert_eq!(has["required"], 100);
                assert_eq!(has["expected_by_now"], 49, "43 of 89 days, rounded up");
            } else {
                above += 1;
                assert!(has.is_none(), "{} is above the province average", u.name);
            }
        }
        assert!(below > 0 && above > 0, "the demo has universities on both sides ({below}/{above})");

        // Programme targets appear exactly for the colleges below the university's average.
        let uni = f.store.org_by_code(&OrgCode::parse("4151010610").unwrap()).await.unwrap().unwrap();
        let urate = rollup.of(uni.id).rate();
        let r = call(
            &f.app,
            Method::GET,
            "/api/v1/campaigns/2023-spring/targets?org=4151010610&as_of=2023-03-15",
            None,
            &Auth::Bearer(&career),
        )
        .await;
        let items = r.json();
        let items = items.as_array().unwrap().clone();
        let mut programme_target = None;
        for c in f.store.org_children(&uni).await.unwrap().into_iter().map(|c| c.org) {
            let ct = rollup.of(c.id);
            for p in f.store.org_children(&c).await.unwrap().into_iter().map(|c| c.org) {
                let has = items.iter().find(|i| i["org"] == p.code.to_string() && i["rule"] == "programme_contacts");
                let expected = ct.graduates > 0 && ct.rate() < urate;
                assert_eq!(has.is_some(), expected, "{} in {}", p.name, c.name);
                if let Some(h) = has {
                    let g = rollup.of(p.id).graduates;
                    let want = if g > 30 { 10 + (g - 30 + 9) / 10 } else { 10 };
                    assert_eq!(h["required"], want, "{g} graduates");
                    programme_target.get_or_insert((p.code.to_string(), c.code.to_string()));
                }
            }
        }
        let (programme, college) = programme_target.expect("some college of the demo university is below its average");

        // A visit for that programme counts once; a second visit to the same employer does not
        // count again; deleting both brings progress back.
        let employer = json!({"credit_code": "91350100M000100Y43", "name": "福州某某有限公司", "industry_code": "6513", "region_code": "350102"});
        call(&f.app, Method::POST, "/api/v1/employers", Some(employer), &Auth::Bearer(&career)).await;
        let visit =
            json!({"unit": programme, "employer": "91350100M000100Y43", "visit_date": "2023-03-01", "form": "online"});
        let mut ids = Vec::new();
        for _ in 0..2 {
            let r = call(&f.app, Method::POST, "/api/v1/visits", Some(visit.clone()), &Auth::Bearer(&career)).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
            ids.push(r.json()["id"].as_str().unwrap().to_owned());
        }
        let progress = |token: String| {
            let app = f.app.clone();
            let programme = programme.clone();
            async move {
                let r = call(
                    &app,
                    Method::GET,
                    &format!("/api/v1/campaigns/2023-spring/targets?org={programme}&as_of=2023-03-15"),
                    None,
                    &Auth::Bearer(&token),
                )
                .await;
                assert_eq!(r.status, StatusCode::OK, "{}", r.body);
                r.json()[0]["achieved"].as_u64().unwrap()
            }
        };
        assert_eq!(progress(career.clone()).await, 1);
        // The report upward counts both visits for the programme's college, one employer.
        let xlsx = call(
            &f.app,
            Method::GET,
            "/api/v1/campaigns/2023-spring/report.xlsx?org=4151010610&as_of=2023-03-15",
            None,
            &Auth::Bearer(&career),
        )
        .await;
        assert_eq!(xlsx.status, StatusCode::OK);
        assert!(xlsx.content_type.starts_with("application/vnd.openxmlformats"), "{}", xlsx.content_type);
        let summary = jiuye_sheets::read_table("report.xlsx", &xlsx.bytes).expect("a workbook");
        assert_eq!(summary.headers[..4], ["单位代码", "单位名称", "走访次数", "走访用人单位数"]);
        let row = summary.rows.iter().find(|r| r[0] == college).unwrap_or_else(|| panic!("{college}: {summary:?}"));
        assert_eq!((row[2].as_str(), row[3].as_str()), ("2", "1"), "two visits to one employer: {row:?}");
        let (cookie, _) = login(&f.app, "demo_career", "Jiuye-Demo-2023").await;
        let page = call(
            &f.app,
            Method::GET,
            &format!("/campaigns/2023-spring?org={college}&as_of=2023-03-15"),
            None,
            &Auth::Cookie { cookie: &cookie, csrf: None },
        )
        .await;
        assert!(page.body.contains(&programme), "{}", page.body);
        // The page shows the same targets, behind first, with the status in words.
        let page = call(
            &f.app,
            Method::GET,
            "/campaigns/2023-spring?org=4151010610&as_of=2023-03-15",
            None,
            &Auth::Cookie { cookie: &cookie, csrf: None },
        )
        .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.content_type.starts_with("text/html"));
        assert!(page.body.contains(&programme) && page.body.contains("<caption"), "{}", page.body);
        // A programme target of at least ten with one visit by 15 March is behind.
        assert!(page.body.contains("滞后"), "status in words");
        for id in &ids {
            let r = call(&f.app, Method::DELETE, &format!("/api/v1/visits/{id}"), None, &Auth::Bearer(&career)).await;
            assert_eq!(r.status, StatusCode::NO_CONTENT);
        }
        assert_eq!(progress(career.clone()).await, 0);
        // Someone from another college cannot read its targets (the demo counselor works in A).
        let (a, b, _, _) = colleges(&f).await;
        let other = if college != a { college.clone() } else { b };
        assert_error(
            &call(
                &f.app,
                Method::GET,
                &format!("/api/v1/campaigns/2023-spring/targets?org={other}"),
                None,
                &Auth::Bearer(&counselor),
            )
            .await,
            403,
            "forbidden",
        );
        assert_error(
            &call(
                &f.app,
                Method::GET,
                "/api/v1/campaigns/2023-spring/targets?org=4151010610&as_of=2023-13-01",
                None,
                &Auth::Bearer(&career),
            )
            .await,
            400,
            "invalid_date",
        );
        f.cleanup().await;
    }
}

/// The visit form logs through the same rules as the API and re-shows a refused entry's reason.
#[tokio::test]
async fn the_visit_form_logs_and_explains_refusals() {
    use axum::body::Body;
    use axum::http::{Request, header};
    for f in fixtures().await {
        let (a, b, _, _) = colleges(&f).await;
        let career = token_for(&f, "demo_career").await;
        let employer = json!({"credit_code": "91350100M000100Y43", "name": "福州某某有限公司", "industry_code": "6513", "region_code": "350102"});
        call(&f.app, Method::POST, "/api/v1/employers", Some(employer), &Auth::Bearer(&career)).await;
        let (cookie, csrf) = login(&f.app, "demo_counselor", jiuye_seed::DEMO_PASSWORD).await;
        let page = super::send(
            &f.app,
            Request::get("/visits/new").header(header::COOKIE, &cookie).body(Body::empty()).unwrap(),
        )
        .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("<label for=\"v_employer\">") && page.body.contains(&format!("value=\"{a}\"")));
        let post = |unit: &str| {
            Request::post("/visits/new")
                .header(header::COOKIE, &cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!(
                    "csrf={csrf}&unit={unit}&employer=91350100m000100y43&visit_date=2023-03-02&form=invited&programmes=&positions_opened=3&base_agreed=true&notes="
                )))
                .unwrap()
        };
        let ok = super::send(&f.app, post(&a)).await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
        let refused = super::send(&f.app, post(&b)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
        assert!(refused.body.contains("role=\"alert\"") && refused.body.contains("<form"), "{}", refused.body);
        let list = call(&f.app, Method::GET, &format!("/api/v1/visits?org={a}"), None, &Auth::Bearer(&career)).await;
        let v = list.json();
        assert_eq!(v["total"], 1, "{}", list.body);
        assert_eq!(v["items"][0]["form"], "invited");
        assert_eq!(v["items"][0]["base_agreed"], true);
        assert_eq!(v["items"][0]["positions_opened"], 3);
        f.cleanup().await;
    }
}
