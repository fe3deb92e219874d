//! Person–job matching through HTTP: the demo graduate's recommendations are all readable by
//! them, open and explained; a graduate elsewhere never gets a posting outside their reach;
//! feedback and blacklisting change what comes next; intentions are checked; a résumé PDF is
//! read; an employer sees only opted-in graduates for its own postings, without the hardship
//! rule, and invites them; the graduate answers; staff see and refresh coverage in their scope
//! only.

use axum::http::{Method, StatusCode};
use jiuye_domain::employer::Verification;
use serde_json::{Value, json};

use super::events::graduates_under;
use super::guidance::graduate_tokens;
use super::identity::{Auth, call, token_for};
use super::postings::{approved, posting, verified_employer};
use super::{assert_error, fixtures};

async fn recommended(f: &super::Fixture, token: &str) -> Vec<Value> {
    let r = call(&f.app, Method::GET, "/api/v1/me/recommendations?limit=50", None, &Auth::Bearer(token)).await;
    assert_eq!(r.status, StatusCode::OK, "{}: {}", f.name, r.body);
    r.json()["items"].as_array().cloned().unwrap_or_default()
}

fn ids(items: &[Value]) -> Vec<String> {
    items.iter().map(|i| i["posting_id"].as_str().unwrap_or_default().to_owned()).collect()
}

/// A one-page PDF showing `line`.
pub(crate) fn pdf_with(line: &str) -> Vec<u8> {
    let stream = format!("BT /F1 12 Tf 72 720 Td ({line}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_owned(),
        format!("<< /Length {} >>\nstream\n{stream}\nendstream", stream.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n{o}\nendobj\n", i + 1).bytes());
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).bytes());
    for off in offsets {
        out.extend(format!("{off:010} 00000 n \n").bytes());
    }
    out.extend(format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).bytes());
    out
}

#[tokio::test]
async fn recommendations_are_visible_open_explained_and_follow_feedback() {
    for f in fixtures().await {
        let rd = jiuye_domain::RefData::load().expect("refdata");
        jiuye_seed::demo_postings(&*f.store, &rd, 400).await.expect("postings");
        let graduate = token_for(&f, "demo_graduate").await;
        let items = recommended(&f, &graduate).await;
        assert!(items.len() >= 10, "{}: only {} recommendations", f.name, items.len());
        let today = chrono::Utc::now().date_naive() - chrono::Duration::days(1);
        for item in &items {
            let fits = item["fits"].as_array().expect("fits");
            assert!(!fits.is_empty(), "{}: no reason for {item}", f.name);
            assert!(fits.iter().all(|r| !r["text"].as_str().unwrap_or_default().is_empty()));
            let deadline: chrono::NaiveDate = item["deadline"].as_str().unwrap().parse().unwrap();
            assert!(deadline >= today, "{}: closed posting recommended", f.name);
            let uri = format!("/api/v1/postings/{}", item["posting_id"].as_str().unwrap());
            let r = call(&f.app, Method::GET, &uri, None, &Auth::Bearer(&graduate)).await;
            assert_eq!(r.status, StatusCode::OK, "{}: recommended but not readable: {}", f.name, r.body);
            assert_eq!(r.json()["risk_level"], "low", "{}", r.body);
        }
        // The demo graduate's intentions show in the reasons (their province, full-time work).
        let texts: Vec<String> = items
            .iter()
            .flat_map(|i| i["fits"].as_array().cloned().unwrap_or_default())
            .map(|r| r["text"].to_string())
            .collect();
        assert!(texts.iter().any(|t| t.contains("意向地区")), "{}: {texts:?}", f.name);

        // 不感兴趣: the posting does not come back.
        let first = ids(&items)[0].clone();
        let uri = format!("/api/v1/me/recommendations/{first}/feedback");
        let r = call(&f.app, Method::POST, &uri, Some(json!({"feedback": "not_interested"})), &Auth::Bearer(&graduate))
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
        assert!(!ids(&recommended(&f, &graduate).await).contains(&first), "{}: disliked posting returned", f.name);
        let r = call(&f.app, Method::POST, &uri, Some(json!({"feedback": "meh"})), &Auth::Bearer(&graduate)).await;
        assert!(r.status.is_client_error(), "{}", r.body);
        let nowhere = format!("/api/v1/me/recommendations/{}/feedback", uuid::Uuid::now_v7());
        let r = call(&f.app, Method::POST, &nowhere, Some(json!({"feedback": "interested"})), &Auth::Bearer(&graduate))
            .await;
        assert_error(&r, 404, "posting_not_found");

        // A graduate of another university never gets a posting outside their reach, such as
        // one shown to 四川大学 only.
        let (hr, _) = verified_employer(&f).await;
        let career = token_for(&f, "demo_career").await;
        let own =
            approved(&f, &hr, &career, posting("university", Some("4151010610"), "软件研发，Python 与数据库")).await;
        let scu = f.store.org_by_code(&"4151010610".parse().unwrap()).await.unwrap().unwrap();
        let mut elsewhere = Vec::new();
        for (g, p) in graduates_under(&f, "CN/510000", 400).await {
            let prof = f.store.match_profile(g).await.unwrap().unwrap();
            if prof.university_id != scu.id {
                elsewhere.push((g, p));
            }
            if elsewhere.len() == 2 {
                break;
            }
        }
        assert!(!elsewhere.is_empty(), "{}: no graduate outside 四川大学", f.name);
        for token in graduate_tokens(&f, "matchother", &elsewhere).await {
            let items = recommended(&f, &token).await;
            assert!(!ids(&items).contains(&own), "{}: a university-only posting reached another university", f.name);
            for id in ids(&items) {
                let r = call(&f.app, Method::GET, &format!("/api/v1/postings/{id}"), None, &Auth::Bearer(&token)).await;
                assert_eq!(r.status, StatusCode::OK, "{}: {}", f.name, r.body);
            }
        }
        // A blacklisted employer's postings leave the list at once.
        let second = ids(&recommended(&f, &graduate).await)[0].clone();
        let row = f.store.posting(second.parse().unwrap()).await.unwrap().unwrap();
        f.store.set_verification(&row.employer_code, Verification::Blacklisted, uuid::Uuid::nil(), None).await.unwrap();
        let after = recommended(&f, &graduate).await;
        for id in ids(&after) {
            let r = f.store.posting(id.parse().unwrap()).await.unwrap().unwrap();
            assert_ne!(r.posting.employer_id, row.posting.employer_id, "{}: blacklisted employer recommended", f.name);
        }

        // Only graduates have recommendations.
        let r = call(&f.app, Method::GET, "/api/v1/me/recommendations", None, &Auth::Bearer(&career)).await;
        assert_error(&r, 403, "forbidden");
        let r = call(&f.app, Method::GET, "/api/v1/me/recommendations", None, &Auth::None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        f.cleanup().await;
    }
}

#[tokio::test]
async fn intentions_and_resume_text_are_checked_and_kept() {
    for f in fixtures().await {
        let graduate = token_for(&f, "demo_graduate").await;
        let me = "/api/v1/me/intentions";
        let bad = json!({"regions": ["999999"]});
        assert_error(&call(&f.app, Method::PUT, me, Some(bad), &Auth::Bearer(&graduate)).await, 422, "invalid_region");
        let bad = json!({"occupations": ["9-99-99-99"]});
        assert_error(
            &call(&f.app, Method::PUT, me, Some(bad), &Auth::Bearer(&graduate)).await,
            422,
            "invalid_occupation",
        );
        let bad = json!({"pay_min": 9000, "pay_max": 5000});
        assert_error(&call(&f.app, Method::PUT, me, Some(bad), &Auth::Bearer(&graduate)).await, 422, "invalid_salary");
        let good = json!({"regions": ["510100"], "industries": ["I"], "occupations": ["2-02-10-03"], "pay_min": 6000,
            "work": "full_time", "skills": "Python、SQL", "opted_in": true});
        let r = call(&f.app, Method::PUT, me, Some(good), &Auth::Bearer(&graduate)).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", f.name, r.body);
        let back = call(&f.app, Method::GET, me, None, &Auth::Bearer(&graduate)).await.json();
        assert_eq!(back["regions"], json!(["510100"]));
        assert_eq!(back["occupations"], json!(["2-02-10-03"]));
        assert_eq!(back["work"], "full_time");
        assert_eq!(back["opted_in"], true);
        // The résumé's text is read from the PDF and kept beside the intentions.
        let req = axum::http::Request::put("/api/v1/me/resume-text")
            .header("authorization", format!("Bearer {graduate}"))
            .header("content-type", "application/pdf")
            .body(axum::body::Body::from(pdf_with("Python SQL Linux")))
            .unwrap();
        let r = super::send(&f.app, req).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", f.name, r.body);
        assert!(r.json()["chars"].as_u64().unwrap_or(0) >= 10, "{}", r.body);
        let back = call(&f.app, Method::GET, me, None, &Auth::Bearer(&graduate)).await.json();
        assert_eq!(back["skills"], "Python、SQL", "the résumé keeps the intentions");
        assert!(back["resume_chars"].as_u64().unwrap_or(0) >= 10);
        let req = axum::http::Request::put("/api/v1/me/resume-text")
            .header("authorization", format!("Bearer {graduate}"))
            .body(axum::body::Body::from("not a pdf"))
            .unwrap();
        assert_error(&super::send(&f.app, req).await, 400, "invalid_file");
        let career = token_for(&f, "demo_career").await;
        assert_error(&call(&f.app, Method::GET, me, None, &Auth::Bearer(&career)).await, 403, "forbidden");
        f.cleanup().await;
    }
}

#[tokio::test]
async fn employers_see_opted_in_graduates_for_their_own_postings_and_invite_them() {
    for f in fixtures().await {
        let (hr, _) = verified_employer(&f).await;
        let career = token_for(&f, "demo_career").await;
        let id =
            approved(&f, &hr, &career, posting("university", Some("4151010610"), "软件研发，Python 与数据库")).await;
        let scu_path = f.store.org_by_code(&"4151010610".parse().unwrap()).await.unwrap().unwrap().path;
        // Three graduates of 四川大学 opt in; one of them is in the hardship register.
        let people = graduates_under(&f, &scu_path, 4).await;
        let tokens = graduate_tokens(&f, "matchcand", &people).await;
        for t in &tokens[..3] {
            let r =
                call(&f.app, Method::PUT, "/api/v1/me/intentions", Some(json!({"opted_in": true})), &Auth::Bearer(t))
                    .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        }
        let uri = format!("/api/v1/postings/{id}/candidates");
        let r = call(&f.app, Method::GET, &uri, None, &Auth::Bearer(&hr)).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", f.name, r.body);
        let items = r.json()["items"].as_array().cloned().unwrap_or_default();
        let shown: Vec<String> = items.iter().map(|c| c["graduate_id"].as_str().unwrap().to_owned()).collect();
        for (g, _) in &people[..3] {
            assert!(shown.contains(&g.to_string()), "{}: an opted-in graduate is missing", f.name);
        }
        assert!(!shown.contains(&people[3].0.to_string()), "{}: a graduate who did not opt in is shown", f.name);
        assert!(
            items
                .iter()
                .flat_map(|c| c["fits"].as_array().cloned().unwrap_or_default())
                .all(|r| r["factor"] != "hardship"),
            "{}: the hardship rule reached an employer",
            f.name
        );
        // Nobody else sees them.
        for other in [&career, &tokens[0]] {
            assert_error(&call(&f.app, Method::GET, &uri, None, &Auth::Bearer(other)).await, 404, "posting_not_found");
        }
        // Inviting: once per graduate, only those who opted in.
        let inv = format!("/api/v1/postings/{id}/invitations");
        let body = json!({"graduate_id": people[0].0, "message": "欢迎投递"});
        let r = call(&f.app, Method::POST, &inv, Some(body.clone()), &Auth::Bearer(&hr)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {}", f.name, r.body);
        let invitation = r.json()["id"].as_str().unwrap().to_owned();
        assert_error(&call(&f.app, Method::POST, &inv, Some(body), &Auth::Bearer(&hr)).await, 409, "already_invited");
        let hidden = json!({"graduate_id": people[3].0});
        assert_error(
            &call(&f.app, Method::POST, &inv, Some(hidden), &Auth::Bearer(&hr)).await,
            404,
            "graduate_not_found",
        );
        // The graduate sees it and answers once; nobody else may.
        let mine = call(&f.app, Method::GET, "/api/v1/me/invitations", None, &Auth::Bearer(&tokens[0])).await.json();
        assert_eq!(mine["items"][0]["id"], invitation.as_str(), "{mine}");
        let answer = format!("/api/v1/me/invitations/{invitation}/answer");
        let r = call(&f.app, Method::POST, &answer, Some(json!({"accept": true})), &Auth::Bearer(&tokens[1])).await;
        assert_error(&r, 404, "invitation_not_found");
        let r = call(&f.app, Method::POST, &answer, Some(json!({"accept": true})), &Auth::Bearer(&tokens[0])).await;
        assert_eq!(r.json()["status"], "accepted", "{}", r.body);
        let r = call(&f.app, Method::POST, &answer, Some(json!({"accept": false})), &Auth::Bearer(&tokens[0])).await;
        assert_error(&r, 409, "already_answered");
        let list = call(&f.app, Method::GET, &inv, None, &Auth::Bearer(&hr)).await.json();
        assert_eq!(list["items"][0]["status"], "accepted");
        f.cleanup().await;
    }
}

#[tokio::test]
async fn staff_refresh_and_read_coverage_in_their_scope_only() {
    for f in fixtures().await {
        let rd = jiuye_domain::RefData::load().expect("refdata");
        jiuye_seed::demo_postings(&*f.store, &rd, 200).await.expect("postings");
        let career = token_for(&f, "demo_career").await;
        let r = call(&f.app, Method::POST, "/api/v1/matching/refresh", Some(json!({})), &Auth::Bearer(&career)).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", f.name, r.body);
        assert!(r.json()["graduates"].as_u64().unwrap_or(0) > 0, "{}", r.body);
        let cov = call(&f.app, Method::GET, "/api/v1/matching/coverage", None, &Auth::Bearer(&career)).await;
        assert_eq!(cov.status, StatusCode::OK, "{}", cov.body);
        let rows = cov.json()["items"].as_array().cloned().unwrap_or_default();
        assert!(!rows.is_empty());
        let covered: i64 = rows.iter().map(|c| c["covered"].as_i64().unwrap_or(0)).sum();
        let total: i64 = rows.iter().map(|c| c["graduates"].as_i64().unwrap_or(0)).sum();
        assert!(covered > 0 && covered <= total, "{}: covered {covered} of {total}", f.name);
        // The demo graduate's stored matches are readable by their counselor, not elsewhere.
        let demo = f.store.user_by_username("demo_graduate").await.unwrap().unwrap();
        let gid = f.store.grants_of(demo.id).await.unwrap()[0].grant.subject_id.unwrap();
        let counselor = token_for(&f, "demo_counselor").await;
        let uri = format!("/api/v1/graduates/{gid}/recommendations");
        let r = call(&f.app, Method::GET, &uri, None, &Auth::Bearer(&counselor)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let hr = token_for(&f, "demo_employer").await;
        assert_error(&call(&f.app, Method::GET, &uri, None, &Auth::Bearer(&hr)).await, 404, "graduate_not_found");
        assert_error(
            &call(&f.app, Method::GET, "/api/v1/matching/coverage", None, &Auth::Bearer(&hr)).await,
            403,
            "forbidden",
        );
        // Another university is outside 四川大学's career centre.
        let r =
            call(&f.app, Method::GET, "/api/v1/matching/coverage?org=4151010613", None, &Auth::Bearer(&career)).await;
        assert!(r.status == StatusCode::FORBIDDEN || r.status == StatusCode::NOT_FOUND, "{}", r.body);
        f.cleanup().await;
    }
}
