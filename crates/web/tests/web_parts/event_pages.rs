//! The event pages through HTTP: the career centre organises an event with its form, a graduate
//! registers on the event's page and reads the ticket's short code there, the organiser checks
//! them in by typing the code on the check-in page (a form sent twice admits once), the scanner's
//! JSON call works with the page's session, and an employer finds the booth booking form.

use axum::http::{Method, StatusCode};
use chrono::{Duration, FixedOffset, Utc};
use serde_json::json;

use super::identity::{Auth, call, login};
use super::{Reply, fixtures, send};

async fn page(f: &super::Fixture, path: &str, cookie: &str) -> Reply {
    call(&f.app, Method::GET, path, None, &Auth::Cookie { cookie, csrf: None }).await
}

async fn post_form(f: &super::Fixture, uri: &str, form: &str, cookie: &str) -> Reply {
    let req = axum::http::Request::post(uri)
        .header(axum::http::header::COOKIE, cookie)
        .header(axum::http::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(form.to_owned()))
        .unwrap();
    send(&f.app, req).await
}

fn url_encode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

/// A `datetime-local` value, Beijing time, `days` from now.
fn beijing(days: i64, hours: i64) -> String {
    let bj = FixedOffset::east_opt(8 * 3600).unwrap();
    (Utc::now() + Duration::days(days) + Duration::hours(hours)).with_timezone(&bj).format("%Y-%m-%dT%H:%M").to_string()
}

/// The value of the hidden field `name` in a page.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let at = html.find(&marker).unwrap_or_else(|| panic!("no {name} in {html}")) + marker.len();
    html[at..].split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn an_event_is_organised_joined_and_checked_in_through_its_pages() {
    for f in fixtures().await {
        let (career, career_csrf) = login(&f.app, "demo_career", jiuye_seed::DEMO_PASSWORD).await;
        let list = page(&f, "/events", &career).await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.body);
        assert!(list.body.contains("name=\"booth_prefix\"") && list.body.contains("href=\"/events\""), "{}", list.body);

        // A start in the past is refused on the page, with what was typed kept.
        let title = "春季校园双选会（页面）";
        let form = |starts: &str, ends: &str| {
            format!(
                "csrf={career_csrf}&org=&kind=campus_fair&theme=sme_100_days&title={}&description={}&venue={}\
                 &stream_url=&starts_at={}&ends_at={}&places=2&hold_hours=24&booths=3&booth_prefix=A&booths_open=true",
                url_encode(title),
                url_encode("面向全校毕业生，<b>不是标记</b>"),
                url_encode("体育馆"),
                url_encode(starts),
                url_encode(ends),
            )
        };
        let r = post_form(&f, "/events", &form(&beijing(-1, 0), &beijing(-1, 3)), &career).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("role=\"alert\"") && r.body.contains(title), "{}", r.body);
        let r = post_form(&f, "/events", &form(&beijing(3, 0), &beijing(3, 4)), &career).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let to = r.headers.get("location").unwrap().to_str().unwrap().to_owned();
        assert!(to.ends_with("?done=created"), "{to}");
        let id = to.trim_start_matches("/events/").split('?').next().unwrap().to_owned();
        let mine = page(&f, &to, &career).await;
        assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
        for shown in ["A01", "A03", "中小企业百日招聘", "href=\"/events/", "/checkin\"", "报名名单", "关闭展位预订"]
        {
            assert!(mine.body.contains(shown), "{shown}: {}", mine.body);
        }
        assert!(
            mine.body.contains("不是标记") && !mine.body.contains("<b>"),
            "typed text is never markup: {}",
            mine.body
        );

        // The graduate finds it in the list and the calendar, and registers on its page.
        let (grad, grad_csrf) = login(&f.app, "demo_graduate", jiuye_seed::DEMO_PASSWORD).await;
        let list = page(&f, "/events", &grad).await;
        assert!(list.body.contains(&format!("href=\"/events/{id}\"")) && list.body.contains("name=\"own_college\""));
        let month = &beijing(3, 0)[..7];
        let cal = page(&f, &format!("/events?view=calendar&month={month}"), &grad).await;
        assert_eq!(cal.status, StatusCode::OK, "{}", cal.body);
        assert!(cal.body.contains("<th scope=\"col\">周一</th>") && cal.body.contains(&format!("/events/{id}\"")));
        let detail = page(&f, &format!("/events/{id}"), &grad).await;
        assert!(detail.body.contains(&format!("action=\"/events/{id}/registration\"")), "{}", detail.body);
        assert!(!detail.body.contains("报名名单"), "graduates never see who else registered");
        let r = post_form(&f, &format!("/events/{id}/registration"), &format!("csrf={grad_csrf}"), &grad).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        // Registering twice is refused on the page.
        let again = post_form(&f, &format!("/events/{id}/registration"), &format!("csrf={grad_csrf}"), &grad).await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
        assert!(again.body.contains("role=\"alert\""), "{}", again.body);
        let ticket = call(
            &f.app,
            Method::GET,
            &format!("/api/v1/events/{id}/ticket"),
            None,
            &Auth::Cookie { cookie: &grad, csrf: None },
        )
        .await
        .json();
        let code = ticket["short_code"].as_str().unwrap().to_owned();
        let token = ticket["token"].as_str().unwrap().to_owned();
        let detail = page(&f, &format!("/events/{id}?done=registered"), &grad).await;
        assert!(detail.body.contains(&format!("<code>{code}</code>")), "{}", detail.body);
        assert!(detail.body.contains("role=\"img\" aria-label=\"入场二维码\"") && detail.body.contains("<svg"));
        assert!(!detail.body.contains("<?xml"), "the QR code is inlined as SVG, not as a document");
        assert!(detail.body.contains("取消报名") && detail.body.contains("href=\"/guidance#h-calendar\""));

        // Door staff type the code (as typed: lower case, with a dash); the same form sent again
        // admits once. The graduate may not open the check-in page.
        let denied = page(&f, &format!("/events/{id}/checkin"), &grad).await;
        assert_eq!(denied.status, StatusCode::FORBIDDEN, "{}", denied.body);
        let door = page(&f, &format!("/events/{id}/checkin"), &career).await;
        assert_eq!(door.status, StatusCode::OK, "{}", door.body);
        assert!(door.body.contains("src=\"/static/js/checkin.js\"") && door.body.contains("aria-live=\"polite\""));
        let nonce = hidden(&door.body, "nonce");
        let typed = format!("{}-{}", &code[..4], code[4..].to_lowercase());
        let form = format!("csrf={career_csrf}&nonce={nonce}&code={typed}");
        let r = post_form(&f, &format!("/events/{id}/checkin"), &form, &career).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("签到成功") && r.body.contains("已签到 1 / 已报名 1"), "{}", r.body);
        assert_ne!(hidden(&r.body, "nonce"), nonce, "each page carries a fresh nonce");
        let r = post_form(&f, &format!("/events/{id}/checkin"), &form, &career).await;
        assert!(r.body.contains("本次签到已记录") && r.body.contains("已签到 1 / 已报名 1"), "{}", r.body);
        let wrong = format!("csrf={career_csrf}&nonce={nonce}x&code=ABCDEFGH");
        let r = post_form(&f, &format!("/events/{id}/checkin"), &wrong, &career).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("role=\"alert\""), "{}", r.body);
        // The scanner's call: the page's session with its CSRF token; a retry counts once.
        let scan = json!({"token": token, "nonce": "scan-0001-abcdef"});
        let uri = format!("/api/v1/events/{id}/checkins");
        let auth = Auth::Cookie { cookie: &career, csrf: Some(&career_csrf) };
        let r = call(&f.app, Method::POST, &uri, Some(scan.clone()), &auth).await;
        assert_eq!((r.status, r.json()["outcome"].as_str()), (StatusCode::OK, Some("before")), "{}", r.body);
        assert_eq!(call(&f.app, Method::POST, &uri, Some(scan), &auth).await.json()["outcome"], "retry");
        let organiser = page(&f, &format!("/events/{id}"), &career).await;
        assert!(organiser.body.contains("到场统计") && organiser.body.contains("<td data-label=\"学号\">"));

        // An employer sees the booths it may book, with its approved postings to bring.
        let (employer, _) = login(&f.app, "demo_employer", jiuye_seed::DEMO_PASSWORD).await;
        let offer = page(&f, &format!("/events/{id}"), &employer).await;
        assert_eq!(offer.status, StatusCode::OK, "{}", offer.body);
        assert!(offer.body.contains(&format!("action=\"/events/{id}/booths/")) && offer.body.contains("提交预订"));
        assert!(!offer.body.contains("报名名单") && !offer.body.contains("/checkin\""), "{}", offer.body);
        f.cleanup().await;
    }
}
