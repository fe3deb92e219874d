//! Pickers, not codes: the posting, visit and destination forms submitted with values taken only
//! from what the pages offer (the options of their selects and the buttons of their search
//! pickers), on every backend.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use jiuye_seed::DEMO_PASSWORD;

use super::identity::{Auth, call, login};
use super::{Fixture, Reply, fixtures, send};

/// The (value, text) of every option of the select named `name`.
fn options(html: &str, name: &str) -> Vec<(String, String)> {
    let start = html.find(&format!("name=\"{name}\"")).unwrap_or_else(|| panic!("no select {name}"));
    let rest = &html[start..];
    let end = rest.find("</select>").expect("select closes");
    let mut out = Vec::new();
    for part in rest[..end].split("<option value=\"").skip(1) {
        let value = &part[..part.find('"').expect("value")];
        let text_start = part.find('>').expect(">") + 1;
        let text = &part[text_start..part.find("</option>").expect("option closes")];
        out.push((value.to_owned(), text.to_owned()));
    }
    out
}

/// The value of the option whose text is `text` (or contains it).
fn option(html: &str, name: &str, text: &str) -> String {
    let all = options(html, name);
    all.iter()
        .find(|(_, t)| t == text)
        .or_else(|| all.iter().find(|(_, t)| t.contains(text)))
        .unwrap_or_else(|| panic!("no option {text} in {name}: {all:?}"))
        .0
        .clone()
}

/// The (value, text) of the picker buttons whose value starts with `prefix`.
fn buttons(html: &str, prefix: &str) -> Vec<(String, String)> {
    let needle = format!("value=\"{prefix}");
    html.match_indices(&needle)
        .map(|(i, _)| {
            let rest = &html[i + 7..];
            let value = &rest[..rest.find('"').expect("value")];
            let text = &rest[rest.find('>').expect(">") + 1..rest.find("</button>").expect("button closes")];
            (value.to_owned(), text.to_owned())
        })
        .collect()
}

/// The value of the hidden field `name`.
fn hidden(html: &str, name: &str) -> String {
    let needle = format!("<input type=\"hidden\" name=\"{name}\" value=\"");
    let i = html.find(&needle).unwrap_or_else(|| panic!("no hidden {name}")) + needle.len();
    html[i..i + html[i..].find('"').expect("closes")].to_owned()
}

/// The value of the text input `name`.
fn input_value(html: &str, name: &str) -> String {
    let i = html.find(&format!("name=\"{name}\"")).unwrap_or_else(|| panic!("no input {name}"));
    let rest = &html[i..];
    let v = rest.find("value=\"").expect("value") + 7;
    rest[v..v + rest[v..].find('"').expect("closes")].to_owned()
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b == b'-' { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

async fn page(f: &Fixture, cookie: &str, uri: &str) -> Reply {
    send(&f.app, Request::get(uri).header(header::COOKIE, cookie).body(Body::empty()).unwrap()).await
}

/// A JSON read with the session cookie.
async fn api(f: &Fixture, cookie: &str, uri: &str) -> Reply {
    call(&f.app, Method::GET, uri, None, &Auth::Cookie { cookie, csrf: None }).await
}

async fn post(f: &Fixture, cookie: &str, uri: &str, fields: &[(&str, String)]) -> Reply {
    let body = fields.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect::<Vec<_>>().join("&");
    let req = Request::post(uri)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    send(&f.app, req).await
}

/// `fields` with `key` set to `value`.
fn with(fields: &[(&'static str, String)], key: &'static str, value: &str) -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> = fields.iter().filter(|(k, _)| *k != key).cloned().collect();
    out.push((key, value.to_owned()));
    out
}

#[tokio::test]
async fn the_posting_form_submits_with_pickers_alone() {
    for f in fixtures().await {
        super::postings::verified_employer(&f).await;
        let (cookie, csrf) = login(&f.app, "demo_employer", DEMO_PASSWORD).await;
        let form = page(&f, &cookie, "/postings/mine").await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.body);
        assert!(form.body.contains("/static/pickers.js"), "the enhancement is loaded");
        assert!(!form.body.contains("（可选）\" required") && !form.body.contains("联系方式（可选）"));
        let region = option(&form.body, "region", "成都市");
        let position = option(&form.body, "position", "工程技术人员");
        let scope = option(&form.body, "scope", "四川大学");
        let deadline = (chrono::Local::now().date_naive() + chrono::Duration::days(20)).to_string();
        let fields: Vec<(&'static str, String)> = vec![
            ("csrf", csrf.clone()),
            ("title", "测试工程师".into()),
            ("description", "负责软件测试，熟悉自动化测试工具。".into()),
            ("region", region.clone()),
            ("position", position.clone()),
            ("education", "bachelor".into()),
            ("majors", hidden(&form.body, "majors")),
            ("majors_q", "计算机".into()),
            ("openings", "2".into()),
            ("salary_min", "6000".into()),
            ("salary_max", "9000".into()),
            ("deadline", deadline),
            ("contact", "028-85412345".into()),
            ("apply_method", String::new()),
            ("visibility", "university".into()),
            ("scope", scope.clone()),
        ];
        // Majors are found by name, in either catalogue, and chosen from the results.
        let found = post(&f, &cookie, "/postings/mine", &with(&fields, "picker", "find:majors")).await;
        assert_eq!(found.status, StatusCode::OK, "{}", found.body);
        let results = buttons(&found.body, "add:majors:");
        assert!(results.iter().any(|(_, t)| t.contains("高职专科")), "{results:?}");
        let (add, _) = results.iter().find(|(_, t)| t.contains("计算机科学与技术（本科")).expect("a bachelor's major");
        let picked = post(&f, &cookie, "/postings/mine", &with(&fields, "picker", add)).await;
        assert_eq!(picked.status, StatusCode::OK);
        let majors = hidden(&picked.body, "majors");
        assert_eq!(majors, "080901");
        // Nothing was saved by the picker's steps; the title typed is still there.
        assert!(picked.body.contains("value=\"测试工程师\""));
        // The occupation is found from the title when nothing is typed, and chosen from the results.
        let fields = with(&fields, "majors", &majors);
        let found = post(&f, &cookie, "/postings/mine", &with(&fields, "picker", "find:occupation")).await;
        let results = buttons(&found.body, "add:occupation:");
        let (add, text) = results.first().cloned().expect("occupations for 测试工程师");
        assert!(text.contains("（"), "{text}");
        let picked = post(&f, &cookie, "/postings/mine", &with(&fields, "picker", &add)).await;
        let occupation = hidden(&picked.body, "occupation");
        assert_eq!(format!("add:occupation:{occupation}"), add);
        let done = post(&f, &cookie, "/postings/mine", &with(&fields, "occupation", &occupation)).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}: {}", f.name, done.body);
        let mine = api(&f, &cookie, "/api/v1/postings/mine").await;
        let saved = mine.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["title"] == "测试工程师")
            .cloned()
            .expect("saved");
        assert_eq!(saved["region"], "510100");
        assert_eq!(saved["position"], position.as_str());
        assert_eq!(saved["majors"], serde_json::json!(["080901"]));
        assert_eq!(saved["scope"], scope.as_str());
        assert_eq!(saved["occupation"], occupation.as_str());
        assert!(saved["occupation_name"].as_str().is_some_and(|n| !n.is_empty()), "{saved}");
        f.cleanup().await;
    }
}

#[tokio::test]
async fn the_visit_form_finds_picks_and_adds_employers() {
    for f in fixtures().await {
        let (cookie, csrf) = login(&f.app, "demo_counselor", DEMO_PASSWORD).await;
        let form = page(&f, &cookie, "/visits/new").await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.body);
        let units = options(&form.body, "unit");
        assert!(units.len() > 1, "the college and its programmes: {units:?}");
        assert!(units.iter().all(|(v, _)| !v.is_empty()));
        let unit = units[0].0.clone();
        let (listed, _) = f.store.list_employers(None, None, 100, 0).await.unwrap();
        let known = listed
            .iter()
            .find(|e| e.verification != jiuye_domain::employer::Verification::Blacklisted)
            .cloned()
            .expect("an employer in good standing");
        let part: String = known.name.chars().take(4).collect();
        let fields: Vec<(&'static str, String)> = vec![
            ("csrf", csrf.clone()),
            ("unit", unit.clone()),
            ("employer", hidden(&form.body, "employer")),
            ("employer_q", part),
            ("visit_date", "2023-03-01".into()),
            ("form", option(&form.body, "form", "线上")),
            ("positions_opened", "3".into()),
            ("new_name", String::new()),
            ("new_credit_code", String::new()),
            ("new_region", String::new()),
            ("new_industry", String::new()),
        ];
        // Found by part of the name, chosen from the results.
        let found = post(&f, &cookie, "/visits/new", &with(&fields, "picker", "find:employer")).await;
        assert_eq!(found.status, StatusCode::OK, "{}", found.body);
        let results = buttons(&found.body, "add:employer:");
        let (add, _) = results.iter().find(|(_, t)| t.contains(&known.name)).expect("the employer is found by name");
        let picked = post(&f, &cookie, "/visits/new", &with(&fields, "picker", add)).await;
        let employer = hidden(&picked.body, "employer");
        assert_eq!(employer, known.credit_code);
        assert!(picked.body.contains(&known.name), "the choice is shown by name");
        let done = post(&f, &cookie, "/visits/new", &with(&fields, "employer", &employer)).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}: {}", f.name, done.body);
        let to = done.headers.get(header::LOCATION).unwrap().to_str().unwrap().to_owned();
        let id = to.trim_start_matches("/visits/").split('/').next().unwrap().to_owned();
        let v = api(&f, &cookie, &format!("/api/v1/visits/{id}")).await.json();
        assert_eq!(v["employer_credit_code"], known.credit_code.as_str());
        assert_eq!(v["unit"], unit.as_str());

        // A missing employer is added inline; a wrong check character is named, nothing added.
        let region = option(&form.body, "new_region", "成都市");
        let industry = option(&form.body, "new_industry", "软件和信息技术服务业");
        let mut new = with(&fields, "new_name", "成都拾光科技有限公司");
        new = with(&new, "new_region", &region);
        new = with(&new, "new_industry", &industry);
        let bad = post(
            &f,
            &cookie,
            "/visits/new",
            &with(&with(&new, "new_credit_code", "91350100M000100Y44"), "picker", "new:employer"),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
        assert!(bad.body.contains("role=\"alert\"") && bad.body.contains("统一社会信用代码"), "{}", bad.body);
        assert!(bad.body.contains("aria-invalid=\"true\""));
        let added = post(
            &f,
            &cookie,
            "/visits/new",
            &with(&with(&new, "new_credit_code", "91350100m000100y43"), "picker", "new:employer"),
        )
        .await;
        assert_eq!(added.status, StatusCode::OK, "{}", added.body);
        assert_eq!(hidden(&added.body, "employer"), "91350100M000100Y43");
        let e = api(&f, &cookie, "/api/v1/employers/91350100M000100Y43").await;
        assert_eq!(e.status, StatusCode::OK, "{}", e.body);
        assert_eq!(e.json()["region_code"], region.as_str());
        f.cleanup().await;
    }
}

#[tokio::test]
async fn destination_forms_take_the_place_from_the_picker_and_staff_the_employer_from_the_directory() {
    for f in fixtures().await {
        let grad = f.store.user_by_username("demo_graduate").await.unwrap().unwrap();
        let grants = f.store.grants_of(grad.id).await.unwrap();
        let id = grants.iter().find_map(|g| g.grant.subject_id).unwrap();
        let view = f.store.graduate_view(id).await.unwrap().unwrap();
        f.store.set_cohort_closing(view.graduate.org_id, view.graduate.cohort, "2099-08-31").await.unwrap();
        let uri = format!("/graduates/{id}");
        let action = format!("/graduates/{id}/destination");

        // The graduate: the place from the picker, the employer's credit code as on the contract.
        let (gc, gcsrf) = login(&f.app, "demo_graduate", DEMO_PASSWORD).await;
        let mine = page(&f, &gc, &uri).await;
        assert_eq!(mine.status, StatusCode::OK);
        assert!(!mine.body.contains("name=\"directory_q\""), "graduates do not search the directory");
        let fields = vec![
            ("csrf", gcsrf.clone()),
            ("code", option(&mine.body, "code", "签劳动合同形式就业")),
            ("employer_name", "成都某某有限公司".to_owned()),
            ("credit_code", "91350100M000100Y43".to_owned()),
            ("employer_region", option(&mine.body, "employer_region", "绵阳市")),
            ("monthly_pay", String::new()),
            ("proof_kind", option(&mine.body, "proof_kind", "劳动合同")),
            ("note", String::new()),
        ];
        let r = post(&f, &gc, &action, &fields).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}: {}", f.name, r.body);
        let shown = page(&f, &gc, &uri).await;
        assert!(shown.body.contains("510700 绵阳市"), "the record names the place");

        // Career staff: the employer chosen from the directory fills name, code and place.
        let (sc, scsrf) = login(&f.app, "demo_career", DEMO_PASSWORD).await;
        let form = page(&f, &sc, &uri).await;
        assert!(form.body.contains("name=\"directory_q\""));
        let (listed, _) = f.store.list_employers(None, None, 1, 0).await.unwrap();
        let known = listed[0].clone();
        let part: String = known.name.chars().take(4).collect();
        let staff = vec![
            ("csrf", scsrf.clone()),
            ("code", option(&form.body, "code", "签劳动合同形式就业")),
            ("employer_name", String::new()),
            ("credit_code", String::new()),
            ("employer_region", String::new()),
            ("monthly_pay", String::new()),
            ("proof_kind", option(&form.body, "proof_kind", "劳动合同")),
            ("note", String::new()),
            ("directory", String::new()),
            ("directory_q", part),
        ];
        let found = post(&f, &sc, &action, &with(&staff, "picker", "find:directory")).await;
        assert_eq!(found.status, StatusCode::OK, "{}", found.body);
        let results = buttons(&found.body, "add:directory:");
        let (add, _) = results.iter().find(|(_, t)| t.contains(&known.name)).expect("found by name");
        let picked = post(&f, &sc, &action, &with(&staff, "picker", add)).await;
        assert_eq!(input_value(&picked.body, "credit_code"), known.credit_code);
        let region = options(&picked.body, "employer_region");
        let chosen_region = picked.body.contains(&format!("<option value=\"{}\" selected>", known.region_code));
        assert!(chosen_region || known.region_code.is_empty(), "the place comes with the employer: {region:?}");
        let mut submit = with(&staff, "credit_code", &known.credit_code);
        submit = with(&submit, "employer_name", &input_value(&picked.body, "employer_name"));
        submit = with(&submit, "employer_region", &known.region_code);
        let r = post(&f, &sc, &action, &submit).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}: {}", f.name, r.body);
        let after = page(&f, &sc, &uri).await;
        assert!(after.body.contains(&known.credit_code));
        f.cleanup().await;
    }
}

#[tokio::test]
async fn the_region_endpoint_answers_the_cascade_and_the_script_is_served() {
    for f in fixtures().await {
        let r = super::get(&f.app, "/api/v1/ref/regions?parent=510100&limit=100").await;
        assert_eq!(r.status, StatusCode::OK);
        let items = r.json()["items"].as_array().unwrap().clone();
        assert!(items.iter().any(|i| i["name"] == "锦江区" && i["code"] == "510104"));
        // The screening page, where the place is optional, says so and offers it as a picker too.
        let screen = super::get(&f.app, "/postings/screen").await;
        assert_eq!(option(&screen.body, "region", "成都市"), "510100");
        assert!(screen.body.contains("工作地点（可选）") && !screen.body.contains("6 位行政区划代码"));
        let js = super::get(&f.app, "/static/pickers.js").await;
        assert_eq!(js.status, StatusCode::OK);
        assert!(js.content_type.starts_with("text/javascript"));
        assert!(js.body.contains("aria-activedescendant"));
        f.cleanup().await;
    }
}
