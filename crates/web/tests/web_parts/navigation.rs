//! Navigation by task, walked as each demo role: every link in the header menu and on the home
//! page answers, and so does every link on the pages the menu leads to (one level further). No
//! page reachable from a role's navigation answers 4xx/5xx to that role. Error pages keep the
//! signed-in menu, say what happened in their title and offer a way back.

use std::collections::{BTreeMap, BTreeSet};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};

use super::identity::{Auth, call, login};
use super::{Fixture, fixtures, send};

/// The `href` of every `<a>` in `html`, as written (entities decoded).
fn hrefs(html: &str) -> Vec<String> {
    html.split("<a ")
        .skip(1)
        .filter_map(|a| {
            let tag = &a[..a.find('>').unwrap_or(a.len())];
            let at = tag.find("href=\"")? + 6;
            let end = tag[at..].find('"')? + at;
            Some(tag[at..end].replace("&amp;", "&").replace("&#38;", "&"))
        })
        .collect()
}

/// The part of a page between `<header` and `</header>`: the site's navigation.
fn header(html: &str) -> &str {
    let start = html.find("<header").unwrap_or(0);
    let end = html.find("</header>").unwrap_or(html.len());
    &html[start..end]
}

/// Whether a link is a page of this site a browser would GET (not a download, the JSON API, a
/// language switch or an anchor).
fn page_link(href: &str) -> bool {
    href.starts_with('/')
        && !href.starts_with("//")
        && !["/api/", "/lang/", "/static/", "/logout", "/favicon"].iter().any(|p| href.starts_with(p))
        && !href.contains(".xlsx")
        && !href.contains(".csv")
}

/// Links that differ only in an identifier or a parameter's value are the same page: the walk
/// follows a few of each (`/graduates/<id>` once per three graduates, not three thousand).
fn shape(href: &str) -> String {
    let (path, query) = href.split_once('?').unwrap_or((href, ""));
    let path: Vec<&str> = path
        .split('/')
        .map(|seg| if seg.len() > 4 && seg.chars().filter(char::is_ascii_digit).count() >= 4 { "*" } else { seg })
        .collect();
    let mut keys: Vec<&str> = query.split('&').filter_map(|kv| kv.split_once('=').map(|(k, _)| k)).collect();
    keys.sort();
    format!("{}?{}", path.join("/"), keys.join("&"))
}

struct Walk<'a> {
    f: &'a Fixture,
    role: &'a str,
    cookie: String,
    seen: BTreeSet<String>,
    shapes: BTreeMap<String, usize>,
    failures: Vec<String>,
}

impl Walk<'_> {
    /// GETs `href` (following a redirect within the site once) unless it was seen or its shape
    /// was walked enough; a 4xx/5xx is a failure naming the role, the page and where it was
    /// linked from. Returns the page.
    async fn visit(&mut self, href: &str, from: &str) -> Option<String> {
        if !page_link(href) || !self.seen.insert(href.to_owned()) {
            return None;
        }
        let n = self.shapes.entry(shape(href)).or_default();
        *n += 1;
        if *n > 3 {
            return None;
        }
        let auth = Auth::Cookie { cookie: &self.cookie, csrf: None };
        let mut r = call(&self.f.app, Method::GET, href, None, &auth).await;
        if r.status.is_redirection()
            && let Some(to) = r.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).map(str::to_owned)
            && to.starts_with('/')
        {
            r = call(&self.f.app, Method::GET, &to, None, &auth).await;
        }
        if r.status.is_client_error() || r.status.is_server_error() {
            let why: String = r.body.split("role=\"alert\">").nth(1).unwrap_or("").chars().take(80).collect();
            self.failures.push(format!("{}: {href} (linked from {from}) answers {} {why}", self.role, r.status));
            return None;
        }
        Some(r.body)
    }
}

#[tokio::test]
async fn every_page_reachable_from_each_roles_navigation_answers() {
    for f in fixtures().await {
        super::matrix::demo_records(&f).await;
        let mut failures = Vec::new();
        for role in super::matrix::CALLERS {
            let (cookie, _) = login(&f.app, role, jiuye_seed::DEMO_PASSWORD).await;
            let mut walk =
                Walk { f: &f, role, cookie, seen: BTreeSet::new(), shapes: BTreeMap::new(), failures: Vec::new() };
            let home = walk.visit("/", "(start)").await.unwrap_or_default();
            let menu: Vec<String> = hrefs(header(&home)).into_iter().filter(|h| page_link(h)).collect();
            assert!(menu.len() >= 4, "{}: {role} has a menu: {menu:?}", f.name);
            assert!(header(&home).contains("action=\"/logout\""), "{role}: signed in, the header offers to sign out");
            let mut targets = Vec::new();
            for href in &menu {
                if let Some(page) = walk.visit(href, "the menu").await {
                    targets.push((href.clone(), page));
                }
            }
            for href in hrefs(&home) {
                walk.visit(&href, "/").await;
            }
            // One level further from each page of the menu.
            for (from, page) in &targets {
                let main = &page[page.find("<main").unwrap_or(0)..];
                for href in hrefs(main) {
                    walk.visit(&href, from).await;
                }
            }
            failures.extend(walk.failures);
        }
        assert!(failures.is_empty(), "{}: dead ends:\n{}", f.name, failures.join("\n"));
        f.cleanup().await;
    }
}

/// The menu by task: what each role is offered first, and what it is not offered at all.
#[tokio::test]
async fn each_role_is_offered_its_own_tasks() {
    for f in fixtures().await {
        let menu_of = async |role: &str| {
            let (cookie, _) = login(&f.app, role, jiuye_seed::DEMO_PASSWORD).await;
            let r = call(&f.app, Method::GET, "/", None, &Auth::Cookie { cookie: &cookie, csrf: None }).await;
            hrefs(header(&r.body))
        };
        let graduate = menu_of("demo_graduate").await;
        for task in ["/postings", "/applications", "/me/destination"] {
            assert!(graduate.iter().any(|h| h == task), "graduate: {task} in {graduate:?}");
        }
        assert!(!graduate.iter().any(|h| h == "/graduates" || h == "/postings/review"), "{graduate:?}");
        let employer = menu_of("demo_employer").await;
        for task in ["/postings/mine", "/talent", "/surveys"] {
            assert!(employer.iter().any(|h| h == task), "employer: {task} in {employer:?}");
        }
        let career = menu_of("demo_career").await;
        for task in ["/postings/review", "/graduates", "/integrity", "/stats", "/campaigns", "/imports", "/users"] {
            assert!(career.iter().any(|h| h == task), "career centre: {task} in {career:?}");
        }
        let counselor = menu_of("demo_counselor").await;
        assert!(counselor.iter().any(|h| h == "/integrity"), "counselors see their college's integrity");
        assert!(!counselor.iter().any(|h| h == "/postings/review" || h == "/imports"), "{counselor:?}");
        // The leader's own campaign targets: the menu's 访企拓岗, then 我的任务 (two clicks).
        let (leader, _) = login(&f.app, "demo_leader", jiuye_seed::DEMO_PASSWORD).await;
        super::matrix::demo_records(&f).await;
        let campaigns =
            call(&f.app, Method::GET, "/campaigns", None, &Auth::Cookie { cookie: &leader, csrf: None }).await;
        assert!(menu_of("demo_leader").await.iter().any(|h| h == "/campaigns"));
        assert!(
            hrefs(&campaigns.body).iter().any(|h| h.starts_with("/campaigns/") && h.ends_with("/mine")),
            "{}",
            campaigns.body
        );
        let visitor = call(&f.app, Method::GET, "/", None, &Auth::None).await;
        let visitor = hrefs(header(&visitor.body));
        for page in ["/", "/postings", "/orgs", "/ref", "/login"] {
            assert!(visitor.iter().any(|h| h == page), "visitor: {page} in {visitor:?}");
        }
        assert!(!visitor.iter().any(|h| h == "/account" || h == "/graduates"), "{visitor:?}");
        f.cleanup().await;
    }
}

#[tokio::test]
async fn error_pages_keep_the_signed_in_menu_and_say_what_happened() {
    for f in fixtures().await {
        let (cookie, _) = login(&f.app, "demo_counselor", jiuye_seed::DEMO_PASSWORD).await;
        let get = |path: &'static str| {
            Request::get(path)
                .header(header::COOKIE, cookie.clone())
                .header(header::REFERER, "http://localhost/graduates?cohort=2023")
                .body(Body::empty())
                .unwrap()
        };
        for (path, status, title) in
            [("/imports", 403, "无权访问"), ("/no/such/page", 404, "找不到页面"), ("/postings/review", 403, "无权访问")]
        {
            let r = send(&f.app, get(path)).await;
            assert_eq!(r.status.as_u16(), status, "{path}: {}", r.body);
            assert!(r.content_type.starts_with("text/html"), "{path}");
            assert!(r.body.contains(&format!("<h1>{title}</h1>")), "{path}: {}", r.body);
            assert!(r.body.contains(&format!("<title>{title}")), "{path}");
            let menu = header(&r.body);
            assert!(menu.contains("action=\"/logout\"") && menu.contains("href=\"/graduates\""), "{path}: {menu}");
            assert!(!menu.contains("href=\"/login\""), "{path}: signed in, no sign-in link");
            assert!(r.body.contains("href=\"/graduates?cohort=2023\""), "{path}: back to the previous page");
            assert!(r.body.contains("href=\"/\""), "{path}: home");
        }
        // Signed out, a page of the signed-in layout's menu is not offered.
        let r = send(&f.app, Request::get("/no/such/page").body(Body::empty()).unwrap()).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(header(&r.body).contains("href=\"/login\"") && !header(&r.body).contains("/logout"));
        f.cleanup().await;
    }
}

#[tokio::test]
async fn a_rejection_without_its_reason_shows_the_review_form_again_with_the_error() {
    for f in fixtures().await {
        let (hr, _) = super::postings::verified_employer(&f).await;
        let body =
            super::postings::posting("university", Some("4151010610"), "负责后端服务开发，熟悉 Rust 或 Go；五险一金。");
        let r = call(&f.app, Method::POST, "/api/v1/postings", Some(body), &Auth::Bearer(&hr)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let id = r.json()["id"].as_str().unwrap().to_owned();
        let (staff, csrf) = login(&f.app, "demo_career", jiuye_seed::DEMO_PASSWORD).await;
        let form = Request::post(format!("/postings/{id}/review"))
            .header(header::COOKIE, staff.clone())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("csrf={csrf}&decision=reject&note=&version=1&back=pending")))
            .unwrap();
        let r = send(&f.app, form).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.content_type.starts_with("text/html"));
        assert!(r.body.contains("<h1>职位审核</h1>"), "the review queue, not an error page: {}", r.body);
        assert!(r.body.contains(&format!("id=\"e-{id}\"")) && r.body.contains("aria-invalid=\"true\""), "{}", r.body);
        f.cleanup().await;
    }
}
