//! The read log through the real HTTP application, on every backend: each read of a graduate's
//! record (API and page), of a list, of an evidence file and of a résumé leaves one entry with
//! its reader, subject and row count; career staff search their scope; nobody else does.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use jiuye_seed::DEMO_PASSWORD;
use serde_json::{Value, json};

use super::identity::{Auth, call, login, token_for};
use super::{Fixture, assert_error, fixtures, send};

async fn search(f: &Fixture, token: &str, query: &str) -> Value {
    let r = call(&f.app, Method::GET, &format!("/api/v1/read-log?{query}"), None, &Auth::Bearer(token)).await;
    assert_eq!(r.status, StatusCode::OK, "{}: {query}: {}", f.name, r.body);
    r.json()
}

/// The one entry the query finds.
async fn one(f: &Fixture, token: &str, query: &str) -> Value {
    let v = search(f, token, query).await;
    assert_eq!(v["total"], 1, "{}: {query}: {v}", f.name);
    v["items"][0].clone()
}

#[tokio::test]
async fn every_read_of_personal_data_leaves_one_entry_that_career_staff_find() {
    for f in fixtures().await {
        let grad = token_for(&f, "demo_graduate").await;
        let counselor = token_for(&f, "demo_counselor").await;
        let career = token_for(&f, "demo_career").await;
        let me = call(&f.app, Method::GET, "/api/v1/me", None, &Auth::Bearer(&grad)).await.json();
        let id = me["grants"][0]["subject_id"].as_str().unwrap().to_owned();
        let path = f.store.graduate_view(id.parse().unwrap()).await.unwrap().unwrap().programme_path;

        // A record through the API (counselor) and through the page (career staff).
        let r = call(&f.app, Method::GET, &format!("/api/v1/graduates/{id}"), None, &Auth::Bearer(&counselor)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let (cookie, _) = login(&f.app, "demo_career", DEMO_PASSWORD).await;
        let page =
            Request::get(format!("/graduates/{id}")).header(header::COOKIE, &cookie).body(Body::empty()).unwrap();
        let page = send(&f.app, page).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains(&format!("href=\"/read-log?graduate={id}\"")), "the record links to its readers");
        // A list, with its filter.
        let r =
            call(&f.app, Method::GET, "/api/v1/graduates?cohort=2023&limit=7", None, &Auth::Bearer(&counselor)).await;
        let listed = r.json()["items"].as_array().unwrap().len();
        assert!(listed > 0, "{}", r.body);
        // An evidence file uploaded by the graduate, downloaded by the counselor.
        let up = Request::post(format!("/api/v1/graduates/{id}/evidence?kind=offer&filename=offer.pdf"))
            .header(header::AUTHORIZATION, format!("Bearer {grad}"))
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .body(Body::from(b"%PDF-1.4\n% offer\n".to_vec()))
            .unwrap();
        let up = send(&f.app, up).await;
        assert_eq!(up.status, StatusCode::CREATED, "{}", up.body);
        let eid = up.json()["id"].as_str().unwrap().to_owned();
        let got = call(&f.app, Method::GET, &format!("/api/v1/evidence/{eid}"), None, &Auth::Bearer(&counselor)).await;
        assert_eq!(got.status, StatusCode::OK);
        // A résumé read by the employer applied to.
        let (hr, _, _, aid) = super::postings::applied_with_resume(&f).await;
        let got =
            call(&f.app, Method::GET, &format!("/api/v1/applications/{aid}/resume"), None, &Auth::Bearer(&hr)).await;
        assert_eq!(got.status, StatusCode::OK);
        f.read_log.flush().await;

        let e = one(&f, &career, &format!("graduate={id}&kind=graduate&reader=demo_counselor")).await;
        assert_eq!((e["reader_role"].as_str(), e["rows"].as_i64()), (Some("counselor"), Some(1)));
        assert_eq!(e["subject_org_path"].as_str(), Some(path.as_str()));
        assert_eq!(e["kind_zh"], "毕业生档案");
        let e = one(&f, &career, &format!("graduate={id}&kind=graduate&reader=demo_career")).await;
        assert_eq!(e["reader_role"], "career_staff", "the page logs like the API");
        let e = one(&f, &career, "kind=graduate_list&reader=demo_counselor").await;
        assert_eq!(e["rows"].as_u64(), Some(listed as u64));
        assert!(e["filter"].as_str().unwrap().contains("cohort=2023"), "{e}");
        assert!(e["filter"].as_str().unwrap().contains("limit=7"), "{e}");
        assert!(e["graduate"].is_null());
        let e = one(&f, &career, &format!("graduate={id}&kind=evidence")).await;
        assert_eq!(
            (e["reader"].as_str(), e["filter"].as_str()),
            (Some("demo_counselor"), Some(&*format!("evidence:{eid}")))
        );
        let e = one(&f, &career, &format!("graduate={id}&kind=resume")).await;
        assert_eq!((e["reader"].as_str(), e["reader_role"].as_str()), (Some("demo_employer"), Some("employer")));
        assert_eq!(e["filter"].as_str(), Some(&*format!("application:{aid}")));
        // Writes are in the audit log, not here: the upload left no read entry.
        assert_eq!(search(&f, &career, &format!("graduate={id}&reader=demo_graduate")).await["total"], 0);

        // The page answers the same question, in a table.
        let page = Request::get(format!("/read-log?graduate={id}"))
            .header(header::COOKIE, &cookie)
            .body(Body::empty())
            .unwrap();
        let page = send(&f.app, page).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        for word in
            ["该毕业生档案的查阅记录", "<table>", "<th scope=\"col\">", "demo_counselor", "demo_employer", "简历"]
        {
            assert!(page.body.contains(word), "{word} on the page");
        }
        let bad =
            Request::get("/read-log?graduate=nobody").header(header::COOKIE, &cookie).body(Body::empty()).unwrap();
        assert_eq!(send(&f.app, bad).await.status, StatusCode::BAD_REQUEST);

        // Another university's career centre finds nothing of 四川大学 and may not ask there;
        // a counselor, the graduate and the anonymous may not search at all.
        let province = token_for(&f, "demo_province").await;
        let made = call(&f.app, Method::POST, "/api/v1/users", Some(json!({"username": "swjtu_reads", "display_name": "交大就业中心", "password": "Swjtu-Career-99", "role": "career_staff", "org": "4151010613"})), &Auth::Bearer(&province)).await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        let swjtu = token_for(&f, "swjtu_reads").await;
        assert_eq!(search(&f, &swjtu, &format!("graduate={id}")).await["total"], 0);
        let r = call(&f.app, Method::GET, "/api/v1/read-log?org=4151010610", None, &Auth::Bearer(&swjtu)).await;
        assert_error(&r, 403, "forbidden");
        assert_eq!(
            search(&f, &province, &format!("graduate={id}")).await["total"],
            4,
            "record twice, evidence, résumé"
        );
        for outsider in [&counselor, &grad, &hr] {
            let r = call(&f.app, Method::GET, "/api/v1/read-log", None, &Auth::Bearer(outsider)).await;
            assert_error(&r, 403, "forbidden");
        }
        assert_error(&call(&f.app, Method::GET, "/api/v1/read-log", None, &Auth::None).await, 401, "unauthenticated");
        let bad = call(&f.app, Method::GET, "/api/v1/read-log?kind=diary", None, &Auth::Bearer(&career)).await;
        assert_error(&bad, 400, "invalid_kind");
        let bad = call(&f.app, Method::GET, "/api/v1/read-log?from=soon", None, &Auth::Bearer(&career)).await;
        assert_error(&bad, 400, "invalid_date");

        let metrics = call(&f.app, Method::GET, "/metrics", None, &Auth::None).await.body;
        assert!(metrics.contains("jiuye_read_log_dropped_total 0"), "{metrics}");
        assert!(!metrics.contains("jiuye_read_log_written_total 0\n"), "{metrics}");
        f.cleanup().await;
    }
}
