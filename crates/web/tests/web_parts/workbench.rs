//! The workbench (工作台) at `/`, signed in as each demo role: that role's pending items, each
//! count equal to the total of the list it links to for the same person, every link on it
//! answering 200, and the same workbench over JSON.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use jiuye_domain::destination::{DestStatus, Registration};
use jiuye_seed::DEMO_PASSWORD;
use jiuye_store::destinations::DestinationRecord;
use serde_json::json;

use super::identity::{Auth, call, login, token_for};
use super::{Fixture, Reply, fixtures, send};

/// What each demo role finds waiting, in the order shown.
const ROLES: [(&str, &[&str]); 9] = [
    (
        "demo_ministry",
        &["postings_pending", "postings_reported", "postings_recheck", "corrections", "rights_open", "awards_waiting"],
    ),
    (
        "demo_province",
        &["postings_pending", "postings_reported", "postings_recheck", "corrections", "rights_open", "awards_waiting"],
    ),
    (
        "demo_career",
        &[
            "review_college",
            "review_university",
            "disputes",
            "postings_pending",
            "postings_reported",
            "postings_recheck",
            "corrections",
            "uncontacted",
            "targets_behind",
            "rights_open",
            "followup_today",
            "hardship_pending",
            "awards_waiting",
        ],
    ),
    ("demo_leader", &["corrections", "targets_behind"]),
    (
        "demo_college",
        &["review_college", "disputes", "corrections", "targets_behind", "followup_today", "hardship_pending"],
    ),
    ("demo_major", &["corrections", "targets_behind"]),
    (
        "demo_counselor",
        &[
            "review_college",
            "disputes",
            "corrections",
            "uncontacted",
            "targets_behind",
            "followup_today",
            "hardship_pending",
        ],
    ),
    ("demo_graduate", &["record_to_confirm", "applications_changed"]),
    ("demo_employer", &["applications_changed"]),
];

async fn page(f: &Fixture, uri: &str, cookie: &str) -> Reply {
    send(&f.app, Request::get(uri).header(header::COOKIE, cookie).body(Body::empty()).unwrap()).await
}

/// A page, following one redirect to a page of our own (`/me/destination` goes to the record).
async fn follow(f: &Fixture, uri: &str, cookie: &str) -> Reply {
    let r = page(f, uri, cookie).await;
    match r.headers.get(header::LOCATION).and_then(|l| l.to_str().ok()) {
        Some(to) if r.status.is_redirection() && to.starts_with('/') => page(f, to, cookie).await,
        _ => r,
    }
}

fn unescape(s: &str) -> String {
    s.replace("&amp;", "&")
        .replace("&#38;", "&")
        .replace("&#x2f;", "/")
        .replace("&#47;", "/")
        .replace("&#x3d;", "=")
        .replace("&#61;", "=")
}

/// The pending items on a workbench: (item, link, count).
fn pending(body: &str) -> Vec<(String, String, i64)> {
    body.split("id=\"pending-")
        .skip(1)
        .map(|part| {
            let id = part.split('"').next().unwrap().to_owned();
            let href = unescape(part.split("href=\"").nth(1).unwrap().split('"').next().unwrap());
            let count = part.split(&format!("data-count=\"{id}\">")).nth(1).unwrap().split('<').next().unwrap();
            (id, href, count.replace(',', "").parse().unwrap())
        })
        .collect()
}

/// The total a list page states in its status line (`<p role="status">共 12 条…</p>`).
fn stated_total(body: &str) -> i64 {
    let line = body.split("<p role=\"status\">").nth(1).unwrap_or_else(|| panic!("no status line: {body}"));
    let line = line.split("</p>").next().unwrap();
    // The total is the line's last number ("第 1 / 2 页，共 57 条", "3 条待审核").
    let digits: String = line
        .chars()
        .rev()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit() || *c == ',')
        .filter(char::is_ascii_digit)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    digits.parse().unwrap_or_else(|_| panic!("no number in {line}"))
}

/// What the list behind an item holds for the person.
fn total_of(item: &str, body: &str) -> i64 {
    match item {
        // Each target behind schedule is marked as such.
        "targets_behind" => body.matches("class=\"status-behind\"").count() as i64,
        // The graduate's own record, waiting for them or not.
        "record_to_confirm" => i64::from(body.contains("待本人确认")),
        _ => stated_total(body),
    }
}

/// Every link inside the page's main content.
fn links_in_main(body: &str) -> Vec<String> {
    let main = body.split("<main").nth(1).unwrap().split("</main>").next().unwrap();
    main.split("href=\"").skip(1).map(|p| unescape(p.split('"').next().unwrap())).collect()
}

/// Work for the reviewers: the demo campaign and postings, a reported posting, a correction of
/// an employer registered by 四川省, and the demo graduate's record approved for confirmation.
async fn work_waiting(f: &Fixture) {
    super::matrix::demo_records(f).await;
    let graduate = token_for(f, "demo_graduate").await;
    // A posting open to the whole nation, which every graduate reads.
    let (approved, _) = f.store.postings_in(&["CN".to_owned()], &["approved"], 500, 0).await.unwrap();
    let posting = approved.iter().find(|p| p.scope_path == "CN").expect("a nationwide posting").posting.id;
    let report = json!({"reason": "面试时要求先交 300 元培训费"});
    let r = call(
        &f.app,
        Method::POST,
        &format!("/api/v1/postings/{posting}/reports"),
        Some(report),
        &Auth::Bearer(&graduate),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}: {}", f.name, r.body);

    let employer_user = f.store.user_by_username("demo_employer").await.unwrap().unwrap();
    let employer_id = f.store.grants_of(employer_user.id).await.unwrap()[0].grant.subject_id.unwrap();
    let employer = f.store.employer_by_id(employer_id).await.unwrap().unwrap();
    let counselor = token_for(f, "demo_counselor").await;
    let r = call(
        &f.app,
        Method::POST,
        &format!("/api/v1/employers/{}/corrections", employer.credit_code),
        Some(json!({"name": "更正后的单位名称有限公司", "note": "据营业执照"})),
        &Auth::Bearer(&counselor),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}: {}", f.name, r.body);

    let me = f.store.user_by_username("demo_graduate").await.unwrap().unwrap();
    let graduate_id = f.store.grants_of(me.id).await.unwrap()[0].grant.subject_id.unwrap();
    let view = f.store.graduate_view(graduate_id).await.unwrap().unwrap();
    let now = chrono::Utc::now();
    let approved = DestinationRecord {
        graduate_id,
        org_id: view.graduate.org_id,
        status: DestStatus::Approved,
        registration: Registration {
            code: "801".into(),
            employer_name: Some("四川大学".into()),
            proof_kind: Some("admission".into()),
            ..Registration::default()
        },
        return_reason: None,
        college_reviewer: None,
        university_reviewer: None,
        registered_by: None,
        source: "graduate".into(),
        version: 0,
        created_at: now,
        updated_at: now,
        confirmed_at: None,
    };
    let expected = f.store.destination(graduate_id).await.unwrap().map(|d| d.version);
    assert!(f.store.save_destination(&approved, expected, "approve", None).await.unwrap(), "{}", f.name);
    // The graduate objects to it: the college's staff must answer.
    let text = json!({"text": "我已被录取为研究生，录取学校填写有误，请更正。"});
    let r = call(
        &f.app,
        Method::POST,
        &format!("/api/v1/graduates/{graduate_id}/disputes"),
        Some(text),
        &Auth::Bearer(&graduate),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}: {}", f.name, r.body);
}

#[tokio::test]
async fn every_role_finds_its_work_on_the_workbench_with_counts_that_match_the_lists() {
    for f in fixtures().await {
        work_waiting(&f).await;
        let mut counted = std::collections::BTreeMap::new();
        for (user, items) in ROLES {
            let (cookie, _) = login(&f.app, user, DEMO_PASSWORD).await;
            let home = page(&f, "/", &cookie).await;
            assert_eq!(home.status, StatusCode::OK, "{}: {user}", f.name);
            assert!(home.body.contains("<h1>工作台</h1>"), "{user}: the workbench, not the landing page");
            let found = pending(&home.body);
            let ids: Vec<&str> = found.iter().map(|(id, _, _)| id.as_str()).collect();
            assert_eq!(ids, items, "{}: {user}", f.name);
            for (id, href, count) in &found {
                let list = follow(&f, href, &cookie).await;
                assert_eq!(list.status, StatusCode::OK, "{user}: {href}: {}", list.body);
                assert_eq!(total_of(id, &list.body), *count, "{}: {user}: {id} at {href}", f.name);
                counted.insert(format!("{user}/{id}"), *count);
            }
            for link in links_in_main(&home.body) {
                let r = follow(&f, &link, &cookie).await;
                assert_eq!(r.status, StatusCode::OK, "{}: {user}: {link}", f.name);
            }
            // The same over JSON.
            let api =
                call(&f.app, Method::GET, "/api/v1/workbench", None, &Auth::Cookie { cookie: &cookie, csrf: None })
                    .await;
            assert_eq!(api.status, StatusCode::OK, "{}", api.body);
            let v = api.json();
            let from_api: Vec<(String, String, i64)> = v["pending"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| {
                    (
                        p["item"].as_str().unwrap().to_owned(),
                        p["href"].as_str().unwrap().to_owned(),
                        p["count"].as_i64().unwrap(),
                    )
                })
                .collect();
            assert_eq!(from_api, found, "{}: {user}", f.name);
            assert!(
                v["pending"].as_array().unwrap().iter().all(|p| p["label"].as_str().is_some_and(|l| !l.is_empty()))
            );
        }
        // The demo leaves real work for someone, so these checks can fail.
        for (key, at_least) in [
            ("demo_counselor/review_college", 1),
            ("demo_counselor/disputes", 1),
            ("demo_career/review_college", 1),
            ("demo_counselor/uncontacted", 1),
            ("demo_counselor/followup_today", 1),
            ("demo_ministry/postings_reported", 1),
            ("demo_province/corrections", 1),
            ("demo_career/targets_behind", 1),
            ("demo_graduate/record_to_confirm", 1),
        ] {
            assert!(counted[key] >= at_least, "{}: {key}: {counted:?}", f.name);
        }
        assert_eq!(counted["demo_counselor/corrections"], 0, "not registered by the counselor's college");
        f.cleanup().await;
    }
}

#[tokio::test]
async fn numbers_show_the_units_rate_against_its_parent_and_no_data_is_not_zero() {
    for f in fixtures().await {
        let (cookie, _) = login(&f.app, "demo_counselor", DEMO_PASSWORD).await;
        let v = call(&f.app, Method::GET, "/api/v1/workbench", None, &Auth::Cookie { cookie: &cookie, csrf: None })
            .await
            .json();
        let p = &v["placement"];
        assert_eq!(p["cohort"], 2023, "{v}");
        assert!(p["unit"]["graduates"].as_i64().unwrap() > 0, "{v}");
        let rate = p["unit"]["rate"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&rate), "{v}");
        assert_eq!(p["parent"]["org_name"], "四川大学", "the college is set against its university: {v}");
        let home = page(&f, "/", &cookie).await;
        assert!(home.body.contains(&format!("{:.2}%", rate * 100.0)), "the page shows the same rate");
        assert!(home.body.contains("四川大学（上级）落实率"));

        // A graduate has no statistics; an employer no numbers, and nothing new on its applications.
        let (cookie, _) = login(&f.app, "demo_employer", DEMO_PASSWORD).await;
        let v = call(&f.app, Method::GET, "/api/v1/workbench", None, &Auth::Cookie { cookie: &cookie, csrf: None })
            .await
            .json();
        assert!(v["placement"].is_null(), "{v}");
        assert_eq!(
            v["pending"],
            json!([{"item": "applications_changed", "label": "有新动态的申请（状态变化或新消息）", "count": 0, "href": "/applications?changed=true"}])
        );
        let hrefs: Vec<&str> = v["shortcuts"].as_array().unwrap().iter().map(|s| s["href"].as_str().unwrap()).collect();
        assert_eq!(hrefs, ["/postings/mine", "/applications", "/talent", "/surveys"]);

        // Signed out: the public landing page, and the API asks who is calling.
        let landing = super::get(&f.app, "/").await;
        assert!(landing.body.contains("<dd>3,000</dd>") && !landing.body.contains("<h1>工作台</h1>"));
        assert_eq!(super::get(&f.app, "/api/v1/workbench").await.status, StatusCode::UNAUTHORIZED);
        f.cleanup().await;
    }
}

/// The count of applications with news on `token`'s workbench.
async fn news(f: &Fixture, token: &str) -> i64 {
    let v = call(&f.app, Method::GET, "/api/v1/workbench", None, &Auth::Bearer(token)).await.json();
    let item = v["pending"].as_array().unwrap().iter().find(|p| p["item"] == "applications_changed");
    item.unwrap_or_else(|| panic!("no applications item: {v}"))["count"].as_i64().unwrap()
}

#[tokio::test]
async fn applications_moved_or_messaged_by_the_other_side_are_news_until_opened() {
    for f in fixtures().await {
        // The graduate applies, attaches a résumé and writes: news for the employer only.
        let (hr, _, _, aid) = super::postings::applied_with_resume(&f).await;
        let graduate = token_for(&f, "demo_graduate").await;
        assert_eq!((news(&f, &hr).await, news(&f, &graduate).await), (1, 0), "{}", f.name);
        let received =
            call(&f.app, Method::GET, "/api/v1/applications/received?changed=true", None, &Auth::Bearer(&hr)).await;
        assert_eq!(received.json()["total"], 1, "{}", received.body);
        assert_eq!(received.json()["items"][0]["changed"], true);
        // Opening it is reading the news.
        let opened = call(&f.app, Method::GET, &format!("/api/v1/applications/{aid}"), None, &Auth::Bearer(&hr)).await;
        assert_eq!(opened.status, StatusCode::OK, "{}", opened.body);
        assert_eq!(news(&f, &hr).await, 0);
        let received =
            call(&f.app, Method::GET, "/api/v1/applications/received?changed=true", None, &Auth::Bearer(&hr)).await;
        assert_eq!(received.json()["total"], 0, "{}", received.body);
        let all = call(&f.app, Method::GET, "/api/v1/applications/received", None, &Auth::Bearer(&hr)).await;
        assert_eq!(all.json()["total"], 1, "{}", all.body);
        // The employer invites to an interview: news for the graduate, shown on the list it links to.
        let version = opened.json()["version"].as_i64().unwrap();
        let moved = json!({"status": "interview", "version": version});
        let r =
            call(&f.app, Method::POST, &format!("/api/v1/applications/{aid}/status"), Some(moved), &Auth::Bearer(&hr))
                .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!((news(&f, &hr).await, news(&f, &graduate).await), (0, 1), "{}", f.name);
        let (cookie, csrf) = login(&f.app, "demo_graduate", DEMO_PASSWORD).await;
        let list = page(&f, "/applications?changed=true", &cookie).await;
        assert_eq!(stated_total(&list.body), 1, "{}", list.body);
        assert!(list.body.contains("有新动态") && list.body.contains(&format!("/applications/{aid}")));
        // The graduate opens the page and answers from it: news for the employer again.
        let detail = page(&f, &format!("/applications/{aid}"), &cookie).await;
        assert_eq!(detail.status, StatusCode::OK, "{}", detail.body);
        assert!(detail.body.contains("邀请面试") && detail.body.contains("您好，我的手机号是 13900000000"));
        assert_eq!(news(&f, &graduate).await, 0);
        let post = Request::post(format!("/applications/{aid}/messages"))
            .header(header::COOKIE, &cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("csrf={csrf}&body=%E5%B7%B2%E6%94%B6%E5%88%B0")))
            .unwrap();
        let r = send(&f.app, post).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!((news(&f, &hr).await, news(&f, &graduate).await), (1, 0), "{}", f.name);
        let detail = page(&f, &format!("/applications/{aid}"), &cookie).await;
        assert!(detail.body.contains("已收到"));
        // Nobody else opens it.
        let career = token_for(&f, "demo_career").await;
        let r = call(&f.app, Method::GET, &format!("/api/v1/applications/{aid}"), None, &Auth::Bearer(&career)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
        let (staff, _) = login(&f.app, "demo_career", DEMO_PASSWORD).await;
        assert_eq!(page(&f, &format!("/applications/{aid}"), &staff).await.status, StatusCode::NOT_FOUND);
        f.cleanup().await;
    }
}
