//! The matching pages through HTTP: a graduate reads their recommendations with the reasons,
//! drops one with "不感兴趣", saves their intentions (a bad region comes back next to its field,
//! as typed), has their résumé read and sees the block "为你推荐" on the workbench and the search
//! page; an employer lists the graduates who fit its own posting and invites one, whom the
//! graduate answers on their page, while another employer gets 404; staff read the coverage of
//! their scope and refresh it, and a graduate or employer is refused.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::json;

use super::events::graduates_under;
use super::guidance::graduate_tokens;
use super::identity::{Auth, call, login, token_for};
use super::matching::pdf_with;
use super::postings::{approved, posting, verified_employer};
use super::{Fixture, Reply, fixtures, send};

async fn page(f: &Fixture, path: &str, auth: &Auth<'_>) -> Reply {
    call(&f.app, Method::GET, path, None, auth).await
}

/// A form sent as a browser sends it, with a session cookie or a bearer token.
async fn post_form(f: &Fixture, uri: &str, form: &str, auth: &Auth<'_>) -> Reply {
    let mut b = Request::post(uri).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    match auth {
        Auth::Cookie { cookie, .. } => b = b.header(header::COOKIE, *cookie),
        Auth::Bearer(t) => b = b.header(header::AUTHORIZATION, format!("Bearer {t}")),
        Auth::None => {}
    }
    send(&f.app, b.body(Body::from(form.to_owned())).unwrap()).await
}

fn location(r: &Reply) -> String {
    r.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

/// The postings a part of a page links to, in order.
fn posting_links(html: &str) -> Vec<String> {
    html.split("href=\"/postings/")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .filter(|id| id.len() == 36)
        .map(str::to_owned)
        .collect()
}

/// The recommendations part of the graduate's page.
fn recommended(html: &str) -> &str {
    let from = html.find("id=\"h-recommended\"").expect("recommendations");
    let to = html.find("id=\"h-intentions\"").unwrap_or(html.len());
    &html[from..to]
}

#[tokio::test]
async fn a_graduate_reads_recommendations_drops_one_and_states_intentions() {
    for f in fixtures().await {
        let rd = jiuye_domain::RefData::load().expect("refdata");
        jiuye_seed::demo_postings(&*f.store, &rd, 300).await.expect("postings");
        let (cookie, csrf) = login(&f.app, "demo_graduate", jiuye_seed::DEMO_PASSWORD).await;
        let me = Auth::Cookie { cookie: &cookie, csrf: None };
        let r = page(&f, "/matching", &me).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", f.name, r.body);
        let shown = posting_links(recommended(&r.body));
        assert!(shown.len() >= 10, "{}: {} recommendations shown", f.name, shown.len());
        assert!(recommended(&r.body).contains("意向地区"), "{}: the reasons name the intentions", f.name);
        for text in ["推荐理由", "不感兴趣", "允许已认证用人单位查看我的求职资料并邀请我", "name=\"resume\""]
        {
            assert!(r.body.contains(text), "{}: {text} missing", f.name);
        }
        assert!(r.body.contains("<label for=\"m_regions\">"), "every field has its label");

        // 不感兴趣: back to the page with a notice, the posting gone from the recommendations.
        let first = shown[0].clone();
        let uri = format!("/matching/postings/{first}/not-interested");
        let r = post_form(&f, &uri, &format!("csrf={csrf}"), &me).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}: {}", f.name, r.body);
        let r = page(&f, &location(&r), &me).await;
        assert!(r.body.contains("role=\"status\"") && r.body.contains("不会再推荐"), "{}", r.body);
        assert!(!posting_links(recommended(&r.body)).contains(&first), "{}: the dropped posting is back", f.name);
        assert!(post_form(&f, &uri, "csrf=wrong", &me).await.status == StatusCode::FORBIDDEN, "CSRF is checked");

        // A region that does not exist comes back next to its field, with what was typed.
        let form = |regions: &str| {
            format!(
                "csrf={csrf}&regions={regions}&industries=I&occupations=2-02-10-03&employer_types=&pay_min=6000\
                 &pay_max=&work=full_time&skills=%E6%95%B0%E6%8D%AE%E5%88%86%E6%9E%90&certificates="
            )
        };
        let r = post_form(&f, "/matching/intentions", &form("999999"), &me).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}: {}", f.name, r.body);
        assert!(r.body.contains("role=\"alert\"") && r.body.contains("意向地区代码无效"), "{}", r.body);
        assert!(r.body.contains("value=\"999999\" aria-describedby=\"m_regions_hint m_error\" aria-invalid=\"true\""));
        let before = call(&f.app, Method::GET, "/api/v1/me/intentions", None, &me).await.json();
        assert_ne!(before["regions"], json!(["999999"]), "nothing is stored");

        // Good intentions are kept, named on the page, and the talent-list choice follows the box.
        let r = post_form(&f, "/matching/intentions", &format!("{}&opted_in=1", form("510100")), &me).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}: {}", f.name, r.body);
        assert_eq!(location(&r), "/matching?done=saved");
        let back = call(&f.app, Method::GET, "/api/v1/me/intentions", None, &me).await.json();
        assert_eq!(back["regions"], json!(["510100"]), "{back}");
        assert_eq!((back["industries"].clone(), back["work"].clone()), (json!(["I"]), json!("full_time")));
        assert_eq!((back["pay_min"].clone(), back["opted_in"].clone()), (json!(6000), json!(true)));
        let r = page(&f, "/matching?done=saved", &me).await;
        assert!(r.body.contains("求职意向已保存") && r.body.contains("成都市"), "{}", r.body);
        let r = post_form(&f, "/matching/intentions", &form("510100"), &me).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let back = call(&f.app, Method::GET, "/api/v1/me/intentions", None, &me).await.json();
        assert_eq!(back["opted_in"], false, "an unticked box opts out");

        // The résumé PDF is read from the page's upload; a file that is no PDF is refused there.
        let b = "jiuyeMatchBoundary";
        let upload = |bytes: &[u8], csrf: &str| {
            let mut body = format!(
                "--{b}\r\nContent-Disposition: form-data; name=\"resume\"; filename=\"cv.pdf\"\r\n\
                 Content-Type: application/pdf\r\n\r\n"
            )
            .into_bytes();
            body.extend_from_slice(bytes);
            body.extend(format!("\r\n--{b}--\r\n").bytes());
            Request::post(format!("/matching/resume?csrf={csrf}"))
                .header(header::COOKIE, cookie.clone())
                .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={b}"))
                .body(Body::from(body))
                .unwrap()
        };
        let r = send(&f.app, upload(&pdf_with("Python SQL Linux"), &csrf)).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}: {}", f.name, r.body);
        let r = page(&f, &location(&r), &me).await;
        assert!(r.body.contains("已读取简历文字"), "{}", r.body);
        let r = send(&f.app, upload(b"not a pdf at all", &csrf)).await;
        assert!(r.status.is_client_error() && r.body.contains("role=\"alert\""), "{}: {}", r.status, r.body);
        assert!(r.body.contains("aria-invalid=\"true\""), "the file field is marked");

        // 为你推荐 on the workbench and the search page, for the graduate only.
        for path in ["/", "/postings"] {
            let r = page(&f, path, &me).await;
            assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
            let block = &r.body[r.body.find("id=\"h-picks\"").unwrap_or_else(|| panic!("{path}: no block"))..];
            assert!(block.contains("href=\"/matching\""), "{path}: {block}");
            let picks = posting_links(&block[..block.find("</section>").unwrap()]);
            assert!(!picks.is_empty() && picks.len() <= 5, "{path}: {picks:?}");
        }
        let (career, _) = login(&f.app, "demo_career", jiuye_seed::DEMO_PASSWORD).await;
        for path in ["/", "/postings"] {
            let r = page(&f, path, &Auth::Cookie { cookie: &career, csrf: None }).await;
            assert!(r.status == StatusCode::OK && !r.body.contains("id=\"h-picks\""), "{path}: staff get no block");
        }
        let r = page(&f, "/matching", &Auth::Cookie { cookie: &career, csrf: None }).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "staff have no recommendations: {}", r.body);
        f.cleanup().await;
    }
}

#[tokio::test]
async fn an_employer_invites_a_fitting_graduate_who_answers_on_their_page() {
    for f in fixtures().await {
        let (hr, _) = verified_employer(&f).await;
        let career = token_for(&f, "demo_career").await;
        let id =
            approved(&f, &hr, &career, posting("university", Some("4151010610"), "软件研发，数据库与数据分析")).await;
        let scu = f.store.org_by_code(&"4151010610".parse().unwrap()).await.unwrap().unwrap().path;
        let people = graduates_under(&f, &scu, 3).await;
        let tokens = graduate_tokens(&f, "matchpage", &people).await;
        for t in &tokens {
            let body = Some(json!({"opted_in": true}));
            let r = call(&f.app, Method::PUT, "/api/v1/me/intentions", body, &Auth::Bearer(t)).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        }
        let name = f.store.match_profile(people[0].0).await.unwrap().unwrap().name;

        // The posting's own page leads its employer to the fitting graduates.
        let (cookie, csrf) = login(&f.app, "demo_employer", jiuye_seed::DEMO_PASSWORD).await;
        let hr_page = Auth::Cookie { cookie: &cookie, csrf: None };
        let own = page(&f, &format!("/postings/{id}"), &hr_page).await;
        assert!(own.body.contains(&format!("href=\"/postings/{id}/candidates\"")), "{}", own.body);
        let list = format!("/postings/{id}/candidates");
        let r = page(&f, &list, &hr_page).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", f.name, r.body);
        assert!(
            r.body.contains(&name) && r.body.contains("<caption id=\"c_caption\">合适的毕业生</caption>"),
            "{}",
            r.body
        );
        assert!(r.body.contains(&format!("name=\"graduate_id\" value=\"{}\"", people[0].0)), "{}", r.body);

        // Inviting: back with a notice and the state; a second invitation is refused on the page.
        let invite = format!("csrf={csrf}&graduate_id={}&message=%E6%AC%A2%E8%BF%8E%E6%8A%95%E9%80%92", people[0].0);
        let r = post_form(&f, &format!("/postings/{id}/invitations"), &invite, &hr_page).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}: {}", f.name, r.body);
        let r = page(&f, &location(&r), &hr_page).await;
        assert!(r.body.contains("邀请已发出") && r.body.contains("待答复"), "{}", r.body);
        let r = post_form(&f, &format!("/postings/{id}/invitations"), &invite, &hr_page).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        assert!(r.body.contains("role=\"alert\"") && r.body.contains("已邀请过"), "{}", r.body);

        // Another employer, staff and graduates get the API's 404.
        let others = super::events::employer_tokens(&f, "mp", 1).await;
        for t in [&others[0].1, &career, &tokens[0]] {
            let r = page(&f, &list, &Auth::Bearer(t)).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{}: {}", f.name, r.body);
            let r = post_form(&f, &format!("/postings/{id}/invitations"), &invite, &Auth::Bearer(t)).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{}: {}", f.name, r.body);
        }

        // The graduate sees the invitation on their page and accepts it, once.
        let grad = Auth::Bearer(&tokens[0]);
        let r = page(&f, "/matching", &grad).await;
        assert!(r.body.contains("收到的邀请") && r.body.contains("欢迎投递"), "{}", r.body);
        let at = r.body.find("action=\"/matching/invitations/").expect("answer form") + 8;
        let answer = r.body[at..].split('"').next().unwrap().to_owned();
        let r = post_form(&f, &answer, "accept=1", &grad).await;
        assert_eq!((r.status, location(&r)), (StatusCode::SEE_OTHER, "/matching?done=accepted".into()), "{}", r.body);
        assert!(page(&f, "/matching?done=accepted", &grad).await.body.contains("已接受"));
        let r = post_form(&f, &answer, "accept=0", &grad).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        let r = post_form(&f, &answer, "accept=1", &Auth::Bearer(&tokens[1])).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "another graduate may not answer: {}", r.body);
        assert!(page(&f, &list, &hr_page).await.body.contains("已接受"), "the employer sees the answer");
        f.cleanup().await;
    }
}

#[tokio::test]
async fn staff_read_and_refresh_the_coverage_of_their_scope() {
    for f in fixtures().await {
        let rd = jiuye_domain::RefData::load().expect("refdata");
        jiuye_seed::demo_postings(&*f.store, &rd, 200).await.expect("postings");
        let (cookie, csrf) = login(&f.app, "demo_career", jiuye_seed::DEMO_PASSWORD).await;
        let career = Auth::Cookie { cookie: &cookie, csrf: None };
        let r = page(&f, "/matching/coverage", &career).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", f.name, r.body);
        for text in
            ["id=\"cv_caption\"", "name=\"org\" type=\"text\"", "value=\"4151010610\"", "刷新匹配", "困难毕业生"]
        {
            assert!(r.body.contains(text), "{}: {text} missing: {}", f.name, r.body);
        }
        assert!(r.body.contains("href=\"/matching/coverage\" aria-current=\"page\""), "in the menu");

        let r = post_form(&f, "/matching/refresh", &format!("csrf={csrf}&org=4151010610"), &career).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}: {}", f.name, r.body);
        let to = location(&r);
        let n: usize = to.split("&n=").nth(1).and_then(|n| n.parse().ok()).unwrap_or(0);
        assert!(to.starts_with("/matching/coverage?org=4151010610&done=refreshed") && n > 0, "{to}");
        let r = page(&f, &to, &career).await;
        assert!(r.body.contains(&format!("已刷新 {} 名毕业生", jiuye_web::render::page::group_digits(n as i64))));
        // Some college now has graduates with three matches or more.
        let covered = r.body.split("data-label=\"有 3 条以上匹配\">").skip(1).any(|c| !c.starts_with('0'));
        assert!(covered, "{}: {}", f.name, r.body);
        let admin = token_for(&f, "demo_career").await;
        let log = call(&f.app, Method::GET, "/api/v1/audit?action=matches_refresh", None, &Auth::Bearer(&admin)).await;
        assert_eq!(log.json()["total"], 1, "the refresh is audited: {}", log.body);

        // Counselors read their own college; nobody reads another university, nor graduates and employers.
        let counselor = token_for(&f, "demo_counselor").await;
        assert_eq!(page(&f, "/matching/coverage", &Auth::Bearer(&counselor)).await.status, StatusCode::OK);
        let r = page(&f, "/matching/coverage?org=4151010613", &career).await;
        assert!(r.status == StatusCode::FORBIDDEN || r.status == StatusCode::NOT_FOUND, "{}", r.status);
        for who in ["demo_graduate", "demo_employer"] {
            let t = token_for(&f, who).await;
            let r = page(&f, "/matching/coverage", &Auth::Bearer(&t)).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}: {}", r.body);
            assert!(r.content_type.starts_with("text/html"), "{who}: an error page");
            let r = post_form(&f, "/matching/refresh", "org=", &Auth::Bearer(&t)).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}: {}", r.body);
        }
        f.cleanup().await;
    }
}
