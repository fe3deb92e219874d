//! Sensitive data sealed at rest: what the database and the file directory hold is not what was
//! written, every reader allowed to see it gets it back as written, and a sealed value moved to
//! another row (or a file put in another's place) is refused with `409 storage_corrupt`.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::json;
use uuid::Uuid;

use super::identity::{Auth, call, token_for};
use super::{Fixture, assert_error, fixtures, send};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR a visit photo";

async fn my_graduate_id(f: &Fixture, token: &str) -> String {
    let me = call(&f.app, Method::GET, "/api/v1/me", None, &Auth::Bearer(token)).await.json();
    me["grants"][0]["subject_id"].as_str().expect("graduate grant has a subject").to_owned()
}

async fn upload(f: &Fixture, path: &str, token: &str, bytes: &[u8]) -> super::Reply {
    let req = Request::post(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .body(Body::from(bytes.to_vec()))
        .unwrap();
    send(&f.app, req).await
}

async fn read_as(f: &Fixture, path: String, token: &str) -> super::Reply {
    call(&f.app, Method::GET, &path, None, &Auth::Bearer(token)).await
}

fn id_of(r: &super::Reply) -> Uuid {
    assert!(r.status.is_success(), "{}", r.body);
    r.json()["id"].as_str().unwrap().parse().unwrap()
}

/// The bytes kept on disk hold none of `plain` (not even its first 8 bytes).
fn sealed_on_disk(f: &Fixture, stored: &str, plain: &[u8]) -> Vec<u8> {
    let on_disk = std::fs::read(f.files.join(stored)).unwrap();
    assert!(on_disk.starts_with(b"JYS2"), "{}: not sealed", f.name);
    assert!(!on_disk.windows(8).any(|w| w == &plain[..8]), "{}: plaintext on disk", f.name);
    assert_ne!(on_disk, plain);
    on_disk
}

#[tokio::test]
async fn dispute_texts_are_sealed_in_the_database_and_one_moved_to_another_row_is_refused() {
    for f in fixtures().await {
        let grad = token_for(&f, "demo_graduate").await;
        let counselor = token_for(&f, "demo_counselor").await;
        let career = token_for(&f, "demo_career").await;
        let id = my_graduate_id(&f, &grad).await;
        let raise = |text: &'static str| {
            let path = format!("/api/v1/graduates/{id}/disputes");
            let grad = grad.clone();
            let app = f.app.clone();
            async move { call(&app, Method::POST, &path, Some(json!({"text": text})), &Auth::Bearer(&grad)).await }
        };
        let first = id_of(&raise("单位名称登记错误，应为成都锦程网络科技有限公司").await);
        let r = call(
            &f.app,
            Method::POST,
            &format!("/api/v1/disputes/{first}/answer"),
            Some(json!({"answer": "已核实并更正单位名称"})),
            &Auth::Bearer(&counselor),
        )
        .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
        let kept = f.store.dispute(first).await.unwrap().unwrap();
        let answer = kept.answer.clone().unwrap();
        assert!(kept.text.starts_with("v2:") && answer.starts_with("v2:"), "{}: {kept:?}", f.name);
        assert!(!kept.text.contains("锦程") && !answer.contains("核实"), "{}: plaintext in the database", f.name);

        // The graduate reads both as written; staff read the open ones (the demo's too).
        let second = id_of(&raise("我已签约，去向却显示为待就业").await);
        let mine = call(&f.app, Method::GET, &format!("/api/v1/graduates/{id}"), None, &Auth::Bearer(&grad)).await;
        assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
        let disputes = mine.json()["disputes"].as_array().unwrap().clone();
        assert!(
            disputes.iter().any(|d| d["text"] == "单位名称登记错误，应为成都锦程网络科技有限公司"
                && d["answer"] == "已核实并更正单位名称")
        );
        let open = call(&f.app, Method::GET, "/api/v1/disputes", None, &Auth::Bearer(&career)).await;
        assert_eq!(open.status, StatusCode::OK, "{}", open.body);
        let open = open.json();
        let texts: Vec<&str> = open.as_array().unwrap().iter().filter_map(|d| d["dispute"]["text"].as_str()).collect();
        assert!(texts.contains(&"我已签约，去向却显示为待就业"), "{texts:?}");
        // Nothing in the table is plaintext, the demo's disputes (when it made any) included.
        let all = f.store.dispute_texts(Uuid::nil(), 1000).await.unwrap();
        assert!(all.iter().all(|(_, t, a)| t.starts_with("v2:") && a.as_deref().is_none_or(|a| a.starts_with("v2:"))));

        // The first dispute's sealed text copied into the second row no longer opens.
        let was = f.store.dispute(second).await.unwrap().unwrap();
        assert!(f.store.replace_dispute_texts(second, &was.text, None, &kept.text, None).await.unwrap());
        let open = call(&f.app, Method::GET, "/api/v1/disputes", None, &Auth::Bearer(&career)).await;
        assert_error(&open, 409, "storage_corrupt");
        let mine = call(&f.app, Method::GET, &format!("/api/v1/graduates/{id}"), None, &Auth::Bearer(&grad)).await;
        assert_error(&mine, 409, "storage_corrupt");
        // Put back, it reads again.
        assert!(f.store.replace_dispute_texts(second, &kept.text, None, &was.text, None).await.unwrap());
        let mine = call(&f.app, Method::GET, &format!("/api/v1/graduates/{id}"), None, &Auth::Bearer(&grad)).await;
        assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
        f.cleanup().await;
    }
}

#[tokio::test]
async fn evidence_is_sealed_on_disk_downloads_as_uploaded_and_a_swapped_file_is_refused() {
    for f in fixtures().await {
        let grad = token_for(&f, "demo_graduate").await;
        let counselor = token_for(&f, "demo_counselor").await;
        let id = my_graduate_id(&f, &grad).await;
        let path = format!("/api/v1/graduates/{id}/evidence?kind=offer&filename=offer.pdf");
        let (one, two) = (b"%PDF-1.4\n% the first offer\n".to_vec(), b"%PDF-1.4\n% the second offer\n".to_vec());
        let first = id_of(&upload(&f, &path, &grad, &one).await);
        let second = id_of(&upload(&f, &path, &grad, &two).await);
        let stored = |e: Uuid| {
            let store = f.store.clone();
            async move { store.evidence(e).await.unwrap().unwrap().stored_name }
        };
        let (first_name, second_name) = (stored(first).await, stored(second).await);
        let first_disk = sealed_on_disk(&f, &first_name, &one);
        sealed_on_disk(&f, &second_name, &two);
        let download = |e: Uuid| read_as(&f, format!("/api/v1/evidence/{e}"), &counselor);
        let got = download(first).await;
        assert_eq!((got.status, got.bytes.as_slice()), (StatusCode::OK, one.as_slice()), "{}", f.name);
        // The demo's evidence was sealed by the seed and opens the same way.
        let demo = f.store.evidence_of(id.parse().unwrap()).await.unwrap();
        let seeded = demo.iter().find(|e| e.id != first && e.id != second).expect("demo evidence");
        let got = download(seeded.id).await;
        assert_eq!(got.status, StatusCode::OK, "{}", got.body);
        assert!(got.bytes.starts_with(b"%PDF-1.4"));
        sealed_on_disk(&f, &seeded.stored_name, &got.bytes);

        // The first file put in the second's place: a clean refusal, not the other file.
        std::fs::write(f.files.join(&second_name), &first_disk).unwrap();
        assert_error(&download(second).await, 409, "storage_corrupt");
        assert_eq!(download(first).await.bytes, one, "the first still opens where it belongs");
        f.cleanup().await;
    }
}

#[tokio::test]
async fn visit_photos_and_resumes_are_sealed_on_disk_and_open_only_for_their_own_row() {
    for f in fixtures().await {
        let career = token_for(&f, "demo_career").await;
        let counselor = token_for(&f, "demo_counselor").await;
        let employer = json!({"credit_code": "91350100M000100Y43", "name": "福州某某软件有限公司", "industry_code": "6513", "region_code": "350102"});
        let r = call(&f.app, Method::POST, "/api/v1/employers", Some(employer), &Auth::Bearer(&career)).await;
        assert!(r.status.is_success(), "{}", r.body);
        let uni = f.store.org_by_code(&jiuye_domain::OrgCode::parse("4151010610").unwrap()).await.unwrap().unwrap();
        let college = f.store.org_children(&uni).await.unwrap()[0].org.code.to_string();
        let visit = json!({"unit": college, "employer": "91350100M000100Y43", "visit_date": "2023-03-01", "form": "on_site", "positions_opened": 2});
        let visit = id_of(&call(&f.app, Method::POST, "/api/v1/visits", Some(visit), &Auth::Bearer(&counselor)).await);
        let photo = id_of(&upload(&f, &format!("/api/v1/visits/{visit}/photos"), &counselor, PNG).await);
        let photo_name = f.store.photo(photo).await.unwrap().unwrap().stored_name;
        let photo_disk = sealed_on_disk(&f, &photo_name, PNG);
        let img =
            call(&f.app, Method::GET, &format!("/api/v1/visit-photos/{photo}"), None, &Auth::Bearer(&career)).await;
        assert_eq!((img.status, img.bytes.as_slice()), (StatusCode::OK, PNG), "{}", f.name);

        let (hr, _, _, application) = super::postings::applied_with_resume(&f).await;
        let aid: Uuid = application.parse().unwrap();
        let (resume_name, _, _) = f.store.application(aid).await.unwrap().unwrap().resume.unwrap();
        sealed_on_disk(&f, &resume_name, b"%PDF-1.4 my resume");
        let resume = format!("/api/v1/applications/{aid}/resume");
        let read = call(&f.app, Method::GET, &resume, None, &Auth::Bearer(&hr)).await;
        assert_eq!((read.status, read.bytes.as_slice()), (StatusCode::OK, &b"%PDF-1.4 my resume"[..]));

        // A sealed photo put in the résumé's place opens for neither the application nor anyone.
        std::fs::write(f.files.join(&resume_name), &photo_disk).unwrap();
        assert_error(&call(&f.app, Method::GET, &resume, None, &Auth::Bearer(&hr)).await, 409, "storage_corrupt");
        f.cleanup().await;
    }
}
