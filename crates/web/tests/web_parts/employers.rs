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
