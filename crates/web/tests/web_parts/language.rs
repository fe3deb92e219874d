//! Chinese everywhere: every page route, signed in as each demo role and as nobody, in Chinese
//! and in English. A page fails when its visible text (tags, scripts, attribute values and
//! `<code>` elements stripped) shows a raw message key such as `posting.education`, or, in
//! Chinese, an English word outside a short allow-list (acronyms, product names, codes and
//! usernames). Codes are shown with their names, times in Beijing time, free-text limits in
//! the forms.

use std::collections::{BTreeMap, BTreeSet};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use jiuye_seed::DEMO_PASSWORD;

use super::identity::{Auth, call, login};
use super::matrix::{CALLERS, concrete, demo_records, values};
use super::{Fixture, fixtures, send};

/// English words a Chinese page may show: product and format names, units, and names the
/// fixture gives (`test` is the name of the API tokens the test helpers issue).
const ALLOWED_WORDS: [&str; 11] =
    ["API", "Excel", "English", "OpenAPI", "MiB", "KiB", "Token", "xlsx", "csv", "pdf", "test"];

/// The section names of the message files (`nav`, `posting`, …).
fn sections() -> BTreeSet<String> {
    let text = include_str!("../../i18n/zh-CN.toml");
    let table: toml::Table = text.parse().expect("zh-CN.toml");
    table.keys().cloned().collect()
}

/// Removes every `<tag …>…</tag>` element of these names (case as written in our templates).
fn drop_elements(html: &str, name: &str) -> String {
    let (open, close) = (format!("<{name}"), format!("</{name}>"));
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find(&open) {
        let after = &rest[i + open.len()..];
        // `<codeX` is another element.
        if !after.starts_with(['>', ' ', '\n']) {
            out.push_str(&rest[..i + open.len()]);
            rest = after;
            continue;
        }
        out.push_str(&rest[..i]);
        out.push(' ');
        rest = match after.find(&close) {
            Some(j) => &after[j + close.len()..],
            None => "",
        };
    }
    out.push_str(rest);
    out
}

/// The text a person reads: no tags (so no attribute values), scripts, styles or code.
pub(crate) fn visible_text(html: &str) -> String {
    let mut text = html.to_owned();
    for name in ["script", "style", "code", "pre", "svg", "title"] {
        text = drop_elements(&text, name);
    }
    let mut out = String::with_capacity(text.len());
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'")
}

/// Raw message keys (`section.key`) and, in Chinese, English words found in `text`.
fn problems(text: &str, zh: bool, sections: &BTreeSet<String>, allowed: &BTreeSet<String>) -> Vec<String> {
    let mut out = Vec::new();
    let is_token = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '@' | '-' | '/' | ':');
    for token in text.split(|c: char| !is_token(c)).filter(|t| !t.is_empty()) {
        let token = token.trim_matches(['.', '-', '/', ':']);
        let parts: Vec<&str> = token.split('.').collect();
        let lower =
            |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit());
        if parts.len() == 2 && parts.iter().all(|p| lower(p)) && sections.contains(parts[0]) {
            out.push(format!("raw key `{token}`"));
            continue;
        }
        if !zh {
            continue;
        }
        // Codes, usernames, addresses and numbers carry digits or punctuation.
        if token.chars().any(|c| !c.is_ascii_alphabetic()) {
            continue;
        }
        let acronym = token.chars().all(|c| c.is_ascii_uppercase());
        if token.chars().count() >= 2 && !acronym && !allowed.contains(token) {
            out.push(format!("English `{token}`"));
        }
    }
    out
}

/// Every page path that answers GET, with its parameters filled in, and a few more addresses
/// that show other catalogues, levels and filters.
async fn page_urls(f: &Fixture) -> Vec<String> {
    let v = values(f).await;
    let mut urls = Vec::new();
    for path in jiuye_web::routes::page_paths() {
        if matches!(path, "/lang/{id}" | "/logout" | "/api/openapi.json" | "/favicon.ico")
            || path.starts_with("/static/")
        {
            continue;
        }
        let url = concrete(path, &v.own);
        let probe = Request::builder().method(Method::PATCH).uri(&url).body(Body::empty()).expect("request");
        let allow = send(&f.app, probe).await;
        let allow = allow.headers.get(header::ALLOW).and_then(|a| a.to_str().ok()).unwrap_or("").to_owned();
        if allow.split(',').any(|m| m.trim() == "GET") {
            urls.push(url);
        }
    }
    for extra in [
        "/orgs/CN",
        "/orgs/510000",
        "/stats?org=CN",
        "/stats?org=510000",
        "/ref/destinations",
        "/ref/undergraduate_majors",
        "/ref/employer_industries",
        "/postings/review?status=approved",
        "/graduates?cohort=",
        "/audit?page=2",
    ] {
        urls.push(extra.to_owned());
    }
    urls
}

async fn page(f: &Fixture, url: &str, cookie: Option<&str>, lang: &str) -> super::Reply {
    let sep = if url.contains('?') { '&' } else { '?' };
    let mut b = Request::builder().method(Method::GET).uri(format!("{url}{sep}lang={lang}"));
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, c);
    }
    send(&f.app, b.body(Body::empty()).expect("request")).await
}

#[tokio::test]
async fn every_page_speaks_chinese_without_raw_keys_in_both_languages() {
    let sections = sections();
    let allowed: BTreeSet<String> = ALLOWED_WORDS.iter().map(|w| (*w).to_owned()).collect();
    for f in fixtures().await {
        demo_records(&f).await;
        let urls = page_urls(&f).await;
        let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut shown: BTreeSet<String> = BTreeSet::new();
        let mut callers: Vec<(String, Option<String>)> = vec![("nobody".into(), None)];
        for role in CALLERS {
            let (cookie, _) = login(&f.app, role, DEMO_PASSWORD).await;
            callers.push((role.to_owned(), Some(cookie)));
        }
        for (who, cookie) in &callers {
            for url in &urls {
                for lang in ["zh", "en"] {
                    let r = page(&f, url, cookie.as_deref(), lang).await;
                    // A redirect (`/me/destination` → the graduate's record) leads to a page checked here.
                    if r.status.is_redirection() {
                        shown.insert(url.clone());
                        continue;
                    }
                    if r.status != StatusCode::OK || !r.content_type.starts_with("text/html") {
                        continue;
                    }
                    shown.insert(url.clone());
                    for p in problems(&visible_text(&r.body), lang == "zh", &sections, &allowed) {
                        found.entry(format!("{lang} {url}")).or_default().insert(format!("{p} ({who})"));
                    }
                }
            }
        }
        let report: Vec<String> = found
            .iter()
            .map(|(page, ps)| format!("{page}: {}", ps.iter().cloned().collect::<Vec<_>>().join("; ")))
            .collect();
        assert!(report.is_empty(), "{}: {} pages with problems:\n{}", f.name, report.len(), report.join("\n"));
        let unseen: Vec<&String> = urls.iter().filter(|u| !shown.contains(*u)).collect();
        assert!(unseen.is_empty(), "{}: pages no demo role could open: {unseen:?}", f.name);
        f.cleanup().await;
    }
}

#[test]
fn visible_text_drops_tags_attributes_scripts_and_code() {
    let html =
        r#"<p title="nav.home">首页 <code>sign_in</code><script>let a = "x.y";</script><a href="/a.b">链接</a></p>"#;
    let text = visible_text(html);
    assert!(!text.contains("nav.home") && !text.contains("sign_in") && !text.contains("x.y"), "{text}");
    assert!(text.contains("首页") && text.contains("链接"), "{text}");
    let sections: BTreeSet<String> = ["posting".to_owned()].into();
    let allowed: BTreeSet<String> = ["Excel".to_owned()].into();
    assert_eq!(problems("学历 posting.education", true, &sections, &allowed), ["raw key `posting.education`"]);
    assert_eq!(problems("下载 Excel、CSV demo_career 10", true, &sections, &allowed), Vec::<String>::new());
    assert_eq!(problems("状态 shipped", true, &sections, &allowed), ["English `shipped`"]);
    assert!(problems("status shipped", false, &sections, &allowed).is_empty());
}

/// A 20,000-character note is refused with `422 text_too_long` by the API and nothing is
/// written; through the visit form the form comes back with the reason, and the form states the
/// limit.
#[tokio::test]
async fn free_text_over_its_limit_is_refused_by_the_api_and_the_form() {
    for f in fixtures().await {
        demo_records(&f).await;
        let (cookie, csrf) = login(&f.app, "demo_career", DEMO_PASSWORD).await;
        let auth = Auth::Cookie { cookie: &cookie, csrf: Some(&csrf) };
        let long = "长".repeat(20_000);
        let before = call(&f.app, Method::GET, "/api/v1/visits?org=4151010610&limit=1", None, &auth).await.json();

        let employer = before["items"][0]["employer_credit_code"].as_str().map(str::to_owned);
        let employer = match employer {
            Some(e) => e,
            None => call(&f.app, Method::GET, "/api/v1/employers?limit=1", None, &auth).await.json()["items"][0]
                ["credit_code"]
                .as_str()
                .expect("an employer")
                .to_owned(),
        };
        let today = chrono::Utc::now().date_naive().pred_opt().expect("yesterday").to_string();
        let visit = serde_json::json!({
            "unit": "4151010610", "employer": employer, "visit_date": today, "form": "on_site", "notes": long,
        });
        let r = call(&f.app, Method::POST, "/api/v1/visits", Some(visit.clone()), &auth).await;
        super::assert_error(&r, 422, "text_too_long");
        assert!(r.json()["message"].as_str().is_some_and(|m| m.contains("2000")), "{}", r.body);
        let after = call(&f.app, Method::GET, "/api/v1/visits?org=4151010610&limit=1", None, &auth).await.json();
        assert_eq!(before["total"], after["total"], "{}: nothing is written", f.name);

        // A posting review note of 20,000 characters: refused the same way, the posting unchanged.
        let (ministry, mcsrf) = login(&f.app, "demo_province", DEMO_PASSWORD).await;
        let mauth = Auth::Cookie { cookie: &ministry, csrf: Some(&mcsrf) };
        let queue = call(&f.app, Method::GET, "/api/v1/postings/review?status=pending&limit=1", None, &mauth).await;
        if let Some(p) = queue.json()["items"].get(0).cloned() {
            let id = p["id"].as_str().expect("id");
            let body = serde_json::json!({"decision": "reject", "note": long, "version": p["version"]});
            let r = call(&f.app, Method::POST, &format!("/api/v1/postings/{id}/review"), Some(body), &mauth).await;
            super::assert_error(&r, 422, "text_too_long");
            let again = call(&f.app, Method::GET, &format!("/api/v1/postings/{id}"), None, &mauth).await.json();
            assert_eq!(again["status"], p["status"], "{}: the posting is not reviewed", f.name);
        }

        // The page form: shown again with the reason, the limit stated next to the field.
        let form = page(&f, "/visits/new", Some(&cookie), "zh").await;
        assert!(form.body.contains("最多 2,000 字") && form.body.contains(r#"maxlength="2000""#), "{}", form.body);
        let body = format!(
            "csrf={csrf}&unit=4151010610&employer={employer}&visit_date={today}&form=on_site&notes={}",
            "%E9%95%BF".repeat(20_000)
        );
        let post = Request::builder()
            .method(Method::POST)
            .uri("/visits/new")
            .header(header::COOKIE, &cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("request");
        let r = send(&f.app, post).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("<form") && r.body.contains("走访记录最多 2000 字"), "{}", r.body);
        let after = call(&f.app, Method::GET, "/api/v1/visits?org=4151010610&limit=1", None, &auth).await.json();
        assert_eq!(before["total"], after["total"], "{}: nothing is written", f.name);
        f.cleanup().await;
    }
}

/// The defaults a person sees: a finished campaign measured at its end, the graduate list of
/// the newest cohort in pages of 50 with the total, no data shown as such.
#[tokio::test]
async fn defaults_show_the_newest_cohort_a_finished_campaign_at_its_end_and_no_data_as_such() {
    for f in fixtures().await {
        demo_records(&f).await;
        let (cookie, _) = login(&f.app, "demo_career", DEMO_PASSWORD).await;
        let list = page(&f, "/graduates", Some(&cookie), "zh").await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.body);
        assert!(
            list.body.contains(r#"name="cohort" type="number" min="2000" max="2100" value="2023""#),
            "{}",
            list.body
        );
        let rows = list.body.matches("<a href=\"/graduates/").count();
        assert_eq!(rows, 50, "{}: one page of 50", f.name);
        assert!(list.body.contains("第 1 / ") && list.body.contains("rel=\"next\""), "{}", list.body);
        assert!(!visible_text(&list.body).contains("2022"), "{}: only the newest cohort", f.name);
        let next = page(&f, "/graduates?page=2&cohort=2023", Some(&cookie), "zh").await;
        assert!(next.body.contains("第 2 / ") && next.body.contains("rel=\"prev\""), "{}", next.body);

        let spring = jiuye_domain::campaign::Campaign::parse(jiuye_domain::campaign::SPRING_2023).expect("policy");
        let c = page(&f, &format!("/campaigns/{}", spring.id), Some(&cookie), "zh").await;
        assert_eq!(c.status, StatusCode::OK, "{}", c.body);
        assert!(c.body.contains(&format!(r#"name="as_of" type="date" value="{}""#, spring.end)), "{}", c.body);

        let (ministry, _) = login(&f.app, "demo_ministry", DEMO_PASSWORD).await;
        for url in ["/orgs/CN", "/stats?org=CN"] {
            let r = page(&f, url, Some(&ministry), "zh").await;
            assert_eq!(r.status, StatusCode::OK, "{url}: {}", r.body);
            let text = visible_text(&r.body);
            assert!(text.contains("暂无数据") && !text.contains("0.00%"), "{url}: {text}");
        }
        f.cleanup().await;
    }
}
