//! Roster import and placement statistics through the HTTP API, on every backend.

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::Value;

use super::identity::{Auth, call, token_for};
use super::{Reply, assert_error, fixtures, send};

const HEADER: &str = "学号,姓名,性别,院系,专业代码,专业名称,学历层次,生源地,届别,毕业去向代码,单位名称,统一社会信用代码,单位所在地,单位性质,单位行业";

/// Ten graduates of 北京大学 (which has no graduates in the test data), cohort 2022, with known
/// destinations: 信息学院 4 placed of 6, 经济学院 2 of 4.
pub(crate) fn roster() -> String {
    let rows = [
        "2018001,赵一,男,信息学院,080901,计算机科学与技术,本科,110108,2022,11,北京某科技有限公司,91350100M000100Y43,110108,39,34",
        "2018002,钱二,女,信息学院,080901,计算机科学与技术,本科,110108,2022,10,北京某研究所,,110105,20,38",
        "2018003,孙三,男,信息学院,080902,软件工程,本科,510104,2022,801,,,,,",
        "2018004,李四,女,信息学院,080902,软件工程,本科,510104,2022,70,,,,,",
        "2018005,周五,男,信息学院,080901,计算机科学与技术,本科,130102,2022,,,,,,",
        "2018006,吴六,女,信息学院,080901,计算机科学与技术,本科,130102,2022,76,,,,,",
        "2018007,郑七,男,经济学院,020101,经济学,本科,110101,2022,75,,,,,",
        "2018008,王八,女,经济学院,020101,经济学,本科,110101,2022,85,,,,,",
        "2018009,冯九,男,经济学院,020101,经济学,本科,110101,2022,71,,,,,",
        "2018010,陈十,女,经济学院,020101,经济学,本科,110101,2022,,,,,,",
    ];
    format!("{HEADER}\n{}\n", rows.join("\n"))
}

pub(crate) async fn upload(
    app: &Router,
    token: &str,
    university: &str,
    name: &str,
    body: Vec<u8>,
    dry_run: bool,
) -> Reply {
    let uri =
        format!("/api/v1/imports/graduates?university={university}&cohort=2022&filename={name}&dry_run={dry_run}");
    let req = Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .body(Body::from(body))
        .unwrap();
    send(app, req).await
}

pub(crate) async fn stats(app: &Router, token: &str, org: &str) -> Value {
    let r =
        call(app, Method::GET, &format!("/api/v1/stats/placement?org={org}&cohort=2022"), None, &Auth::Bearer(token))
            .await;
    assert_eq!(r.status, StatusCode::OK, "{org}: {}", r.body);
    r.json()
}

#[tokio::test]
async fn imported_cohort_gives_exact_counts_at_every_level() {
    for f in fixtures().await {
        let admin = token_for(&f, "demo_ministry").await;
        let r = upload(&f.app, &admin, "4111010001", "roster.csv", roster().into_bytes(), false).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", f.name, r.body);
        let v = r.json();
        assert_eq!(
            (v["rows"].as_i64(), v["created"].as_i64(), v["destinations"].as_i64()),
            (Some(10), Some(10), Some(8))
        );
        assert_eq!(v["new_colleges"], serde_json::json!(["信息学院", "经济学院"]));
        assert_eq!(v["new_programmes"].as_array().unwrap().len(), 3);

        let pku = stats(&f.app, &admin, "4111010001").await;
        assert_eq!((pku["graduates"].as_i64(), pku["placed"].as_i64()), (Some(10), Some(6)), "{pku}");
        assert_eq!(pku["rate"], 0.6);
        assert_eq!(pku["by_code"]["11"], 1);
        assert_eq!(pku["by_code"]["70"], 1);
        assert_eq!(pku["by_component"]["employed"], 2);
        assert_eq!(pku["by_component"]["self_employed"], 1);
        assert_eq!(pku["by_component"]["freelance"], 1);
        assert_eq!(pku["by_component"]["further_study"], 2);
        assert_eq!(pku["by_component"]["not_placed"], 4);
        let children = pku["children"].as_array().unwrap();
        let info = children.iter().find(|c| c["org"]["name"] == "信息学院").unwrap();
        let econ = children.iter().find(|c| c["org"]["name"] == "经济学院").unwrap();
        assert_eq!(
            (info["graduates"].as_i64(), info["placed"].as_i64(), info["rate"].as_f64()),
            (Some(6), Some(4), Some(0.6667))
        );
        assert_eq!(info["below_parent_average"], false);
        assert_eq!(
            (econ["graduates"].as_i64(), econ["placed"].as_i64(), econ["rate"].as_f64()),
            (Some(4), Some(2), Some(0.5))
        );
        assert_eq!(econ["below_parent_average"], true);
        // Up the tree: Beijing holds exactly these ten for 2022.
        let beijing = stats(&f.app, &admin, "110000").await;
        assert_eq!((beijing["graduates"].as_i64(), beijing["placed"].as_i64()), (Some(10), Some(6)));
        let nation = stats(&f.app, &admin, "CN").await;
        let sum: i64 = nation["children"].as_array().unwrap().iter().map(|c| c["graduates"].as_i64().unwrap()).sum();
        assert_eq!(sum, nation["graduates"].as_i64().unwrap(), "provinces add up to the nation");
        let placed: i64 = nation["children"].as_array().unwrap().iter().map(|c| c["placed"].as_i64().unwrap()).sum();
        assert_eq!(placed, nation["placed"].as_i64().unwrap());
        // A programme drill-down adds up too.
        let info_code = info["org"]["code"].as_str().unwrap();
        let college = stats(&f.app, &admin, info_code).await;
        let sum: i64 = college["children"].as_array().unwrap().iter().map(|c| c["graduates"].as_i64().unwrap()).sum();
        assert_eq!(sum, 6);

        // The same file again changes nothing; one changed name is one update.
        let again = upload(&f.app, &admin, "4111010001", "roster.csv", roster().into_bytes(), false).await.json();
        assert_eq!((again["created"].as_i64(), again["unchanged"].as_i64()), (Some(0), Some(10)));
        let changed = roster().replace("赵一", "赵壹");
        let again = upload(&f.app, &admin, "4111010001", "roster.csv", changed.into_bytes(), false).await.json();
        assert_eq!((again["updated"].as_i64(), again["unchanged"].as_i64()), (Some(1), Some(9)));
        assert_eq!(stats(&f.app, &admin, "4111010001").await["graduates"], 10, "no duplicates");

        // Excel export: one sheet per level, with totals; CSV too.
        let x = call(
            &f.app,
            Method::GET,
            "/api/v1/stats/placement.xlsx?org=4111010001&cohort=2022",
            None,
            &Auth::Bearer(&admin),
        )
        .await;
        assert_eq!(x.status, StatusCode::OK);
        assert!(x.content_type.contains("spreadsheetml"));
        let c = call(
            &f.app,
            Method::GET,
            "/api/v1/stats/placement.csv?org=4111010001&cohort=2022",
            None,
            &Auth::Bearer(&admin),
        )
        .await;
        assert!(c.body.contains("合计（北京大学）") && c.body.contains("60.00%"), "{}", c.body);
        f.cleanup().await;
    }
}

#[tokio::test]
async fn xlsx_rosters_import_and_exports_read_back() {
    for f in fixtures().await {
        let admin = token_for(&f, "demo_ministry").await;
        let rows: Vec<Vec<jiuye_sheets::Cell>> = roster()
            .lines()
            .skip(1)
            .map(|l| l.split(',').map(|c| jiuye_sheets::Cell::Text(c.to_owned())).collect())
            .collect();
        let headers = HEADER.split(',').map(str::to_owned).collect();
        let bytes = jiuye_sheets::write_xlsx(&[jiuye_sheets::Sheet { name: "名单".into(), headers, rows }]).unwrap();
        let r = upload(&f.app, &admin, "4111010001", "名单.xlsx", bytes, false).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["created"], 10);
        let x = call(
            &f.app,
            Method::GET,
            "/api/v1/stats/placement.xlsx?org=4111010001&cohort=2022",
            None,
            &Auth::Bearer(&admin),
        )
        .await;
        let req = Request::get("/api/v1/stats/placement.xlsx?org=4111010001&cohort=2022")
            .header(header::AUTHORIZATION, format!("Bearer {admin}"))
            .body(Body::empty())
            .unwrap();
        let res = tower::ServiceExt::oneshot(f.app.clone(), req).await.unwrap();
        let bytes = http_body_util::BodyExt::collect(res.into_body()).await.unwrap().to_bytes();
        let table = jiuye_sheets::read_table("s.xlsx", &bytes).unwrap();
        assert_eq!(table.headers[4], "毕业去向落实率");
        assert!(table.rows.iter().any(|r| r[1] == "合计（北京大学）"), "{:?}", table.rows);
        assert_eq!(x.status, StatusCode::OK);
        f.cleanup().await;
    }
}

#[tokio::test]
async fn malformed_rosters_are_refused_and_change_nothing() {
    for f in fixtures().await {
        let admin = token_for(&f, "demo_ministry").await;
        let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
            ("wrong.csv", "学号,名字\n1,张三\n".into(), 422, "invalid_roster"),
            ("codes.csv", format!("{HEADER}\n2018001,赵一,男,信息学院,999999,无,本科,999999,2022,99,,,,,\n").into_bytes(), 422, "invalid_roster"),
            ("dups.csv", format!("{HEADER}\n2018001,赵一,男,信息学院,080901,计算机,本科,110108,2022\n2018001,钱二,女,信息学院,080901,计算机,本科,110108,2022\n").into_bytes(), 422, "invalid_roster"),
            ("empty.csv", format!("{HEADER}\n").into_bytes(), 422, "invalid_roster"),
            ("fake.xlsx", b"MZ\x90\x00this is an executable, not a workbook".to_vec(), 400, "invalid_file"),
            ("nothing.csv", Vec::new(), 400, "invalid_file"),
        ];
        for (name, body, status, code) in cases {
            let r = upload(&f.app, &admin, "4111010001", name, body, false).await;
            assert_error(&r, status, code);
            if code == "invalid_roster" {
                let errors = r.json()["errors"].as_array().unwrap().clone();
                assert!(!errors.is_empty(), "{name}");
                assert!(errors.iter().all(|e| e["row"].as_u64().is_some() && e["reason"].as_str().is_some()));
            }
        }
        // Every bad cell of a mixed file is listed with its row and column.
        let mixed = format!(
            "{HEADER}\n2018001,赵一,男,信息学院,080901,计算机,本科,110108,2022\n2018002,,X,信息学院,080901,计算机,本科,110108,2021\n"
        );
        let r = upload(&f.app, &admin, "4111010001", "mixed.csv", mixed.into_bytes(), false).await;
        assert_eq!(r.status.as_u16(), 422, "{}", r.body);
        let r = r.json();
        let at = |col: &str| r["errors"].as_array().unwrap().iter().any(|e| e["row"] == 3 && e["column"] == col);
        assert!(at("姓名") && at("性别") && at("届别"), "{r}");
        // 50 MB is refused before anything is read.
        let big = upload(&f.app, &admin, "4111010001", "big.csv", vec![b'a'; 50 * 1024 * 1024], false).await;
        assert_error(&big, 413, "payload_too_large");
        // A dry run of a good file writes nothing either.
        let dry = upload(&f.app, &admin, "4111010001", "roster.csv", roster().into_bytes(), true).await;
        assert_eq!(dry.json()["created"], 10);
        let pku = stats(&f.app, &admin, "4111010001").await;
        assert_eq!(pku["graduates"], 0, "{}: nothing written", f.name);
        assert!(pku["children"].as_array().unwrap().is_empty(), "no colleges created");
        f.cleanup().await;
    }
}

#[tokio::test]
async fn import_and_statistics_are_scoped() {
    for f in fixtures().await {
        let career = token_for(&f, "demo_career").await;
        let r = upload(&f.app, &career, "4111010001", "roster.csv", roster().into_bytes(), true).await;
        assert_error(&r, 403, "forbidden");
        let scu_roster = roster();
        let r = upload(&f.app, &career, "4151010610", "roster.csv", scu_roster.into_bytes(), true).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let counselor = token_for(&f, "demo_counselor").await;
        assert_error(
            &upload(&f.app, &counselor, "4151010610", "roster.csv", roster().into_bytes(), true).await,
            403,
            "forbidden",
        );
        let own = call(
            &f.app,
            Method::GET,
            "/api/v1/stats/placement?org=4151010610-01&cohort=2022",
            None,
            &Auth::Bearer(&counselor),
        )
        .await;
        assert_eq!(own.status, StatusCode::OK, "{}", own.body);
        let other = call(
            &f.app,
            Method::GET,
            "/api/v1/stats/placement?org=4151010610-02&cohort=2022",
            None,
            &Auth::Bearer(&counselor),
        )
        .await;
        assert_error(&other, 403, "forbidden");
        let whole = call(
            &f.app,
            Method::GET,
            "/api/v1/stats/placement?org=4151010610&cohort=2022",
            None,
            &Auth::Bearer(&counselor),
        )
        .await;
        assert_error(&whole, 403, "forbidden");
        let graduate = token_for(&f, "demo_graduate").await;
        let g = call(
            &f.app,
            Method::GET,
            "/api/v1/stats/placement?org=4151010610-01&cohort=2022",
            None,
            &Auth::Bearer(&graduate),
        )
        .await;
        assert_error(&g, 403, "forbidden");
        let anon = call(&f.app, Method::GET, "/api/v1/stats/placement?org=CN&cohort=2022", None, &Auth::None).await;
        assert_error(&anon, 401, "unauthenticated");
        // The seeded demo cohorts: 2022 is final, so the province's counts add up from its
        // universities.
        let province = token_for(&f, "demo_province").await;
        let s =
            call(&f.app, Method::GET, "/api/v1/stats/placement?org=510000&cohort=2022", None, &Auth::Bearer(&province))
                .await
                .json();
        let sum: i64 = s["children"].as_array().unwrap().iter().map(|c| c["graduates"].as_i64().unwrap()).sum();
        assert_eq!(sum, s["graduates"].as_i64().unwrap());
        assert!(s["rate"].as_f64().unwrap() > 0.5 && s["rate"].as_f64().unwrap() < 1.0, "{}", s["rate"]);
        assert!(s["children"].as_array().unwrap().iter().any(|c| c["below_parent_average"] == true));
        f.cleanup().await;
    }
}
