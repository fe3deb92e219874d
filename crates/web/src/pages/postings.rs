//! Pages for job postings: the list of open postings, one posting (with schema.org `JobPosting`
//! data), the staff review queue, and the employer's own postings with the form to submit one.
//! Every page goes through the same code as the API.

pub mod screening;

use crate::auth::AuditEvent;
use crate::auth::audited;
use crate::extract::page::Page;
use crate::extract::signed_in::SignedIn;
use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::api::postings::PostingInput;
use crate::api::postings::review::PostingList;
use crate::api::postings::review::QueueParams;
use crate::api::postings::review::ReviewInput;
use crate::api::postings::review::queue;
use crate::api::postings::view::PostingDto;
use crate::auth::{Caller, MaybeCaller};
use crate::error::AppError;
use crate::extract::query::ApiQuery;
use crate::i18n::Lang;
use crate::render::page::Base;
use crate::render::page::render;

impl PostingDto {
    /// "7000–11000 元/月", or "面议".
    pub fn pay(&self) -> String {
        pay_text(self.salary_min, self.salary_max)
    }
}

/// "7000–11000 元/月", or "面议".
pub fn pay_text(min: Option<i64>, max: Option<i64>) -> String {
    match (min, max) {
        (Some(a), Some(b)) if a == b => format!("{a} 元/月"),
        (Some(a), Some(b)) => format!("{a}–{b} 元/月"),
        (Some(a), None) => format!("{a} 元/月起"),
        (None, Some(b)) => format!("最高 {b} 元/月"),
        (None, None) => "面议".into(),
    }
}

#[derive(askama::Template)]
#[template(path = "postings.html")]
struct ListPage {
    base: Base,
    found: std::sync::Arc<crate::api::search::SearchResults>,
    q: String,
    /// (parameter, value) of every filter in force, the text included.
    params: Vec<(&'static str, String)>,
    special: String,
    specials: Vec<(String, String, String)>,
    groups: Vec<FacetGroup>,
    prev: Option<String>,
    next: Option<String>,
}

/// One facet's links: (href, label, chosen).
struct FacetGroup {
    heading: String,
    links: Vec<(String, String, bool)>,
    clear: Option<String>,
}

/// A link to the search page with `params`, one of them changed (an empty value drops it).
fn search_link(params: &[(&'static str, String)], key: &str, value: &str) -> String {
    let mut query: Vec<String> = params
        .iter()
        .filter(|(k, _)| *k != key && *k != "page")
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", crate::render::page::encode_component(v)))
        .collect();
    if !value.is_empty() {
        query.push(format!("{key}={}", crate::render::page::encode_component(value)));
    }
    format!("/postings?{}", query.join("&"))
}

impl ListPage {
    /// A link to these results with one filter changed.
    fn with(&self, key: &str, value: &str) -> String {
        search_link(&self.params, key, value)
    }
}

/// Search over the postings open to the visitor, with filters and their counts.
pub async fn postings_page(
    State(state): State<AppState>,
    lang: Lang,
    caller: MaybeCaller,
    uri: axum::http::Uri,
    ApiQuery(p): ApiQuery<crate::api::search::SearchParams>,
) -> Result<Response, AppError> {
    use jiuye_search::Facet;
    let found = crate::api::search::run(&state, caller.0.as_deref(), &p).await?;
    let base = Base::new(&state, lang, "postings", &uri).with_caller(&caller);
    let mut params: Vec<(&'static str, String)> = vec![("q", p.q.clone().unwrap_or_default())];
    params.extend(Facet::ALL.into_iter().filter_map(|f| Some((f.name(), p.value(f)?.to_owned()))));
    let page = found.page;
    let page_link = |n: usize| format!("{}&page={n}", search_link(&params, "page", ""));
    let prev = (page > 1).then(|| page_link(page - 1));
    let next = (page * 20 < found.total).then(|| page_link(page + 1));
    let headings = [
        (Facet::Province, "posting.by_region"),
        (Facet::Industry, "posting.by_industry"),
        (Facet::MajorClass, "posting.by_major_class"),
        (Facet::Education, "posting.education"),
        (Facet::Salary, "posting.by_salary"),
        (Facet::EmployerType, "posting.by_employer_type"),
        (Facet::Size, "posting.by_size"),
    ];
    let groups = headings
        .into_iter()
        .map(|(f, key)| {
            let chosen = p
                .value(f)
                .map(|v| if f == Facet::Province { format!("{}0000", v.get(..2).unwrap_or(v)) } else { v.to_owned() });
            FacetGroup {
                heading: base.t(key).to_owned(),
                links: found
                    .facets
                    .of(f)
                    .iter()
                    .map(|c| {
                        let label = format!("{}（{}）", c.name, c.count);
                        (search_link(&params, f.name(), &c.key), label, chosen.as_deref() == Some(c.key.as_str()))
                    })
                    .collect(),
                clear: chosen.is_some().then(|| search_link(&params, f.name(), "")),
            }
        })
        .filter(|g| !g.links.is_empty() || g.clear.is_some())
        .collect();
    let specials = jiuye_domain::posting::specials()
        .iter()
        .map(|s| (s.id.clone(), s.name.clone(), s.description.clone()))
        .collect();
    render(&ListPage {
        base,
        found,
        q: p.q.clone().unwrap_or_default(),
        special: p.special.clone().unwrap_or_default(),
        params,
        specials,
        groups,
        prev,
        next,
    })
}

#[derive(askama::Template)]
#[template(path = "posting.html")]
struct PostingPage {
    base: Base,
    p: PostingDto,
    pay: String,
    education: String,
    /// The majors asked for, each "名称（代码）".
    majors: Vec<String>,
    json_ld: String,
    reviewer: bool,
    status_label: String,
    signed_in: bool,
    reported: bool,
    owner: bool,
}

#[derive(Debug, Deserialize)]
pub struct PostingQuery {
    reported: Option<String>,
}

/// schema.org `JobPosting` for search engines, safe inside a `<script>` element.
fn json_ld(p: &PostingDto, origin: &str) -> String {
    let mut salary = serde_json::json!({"@type": "QuantitativeValue", "unitText": "MONTH"});
    if let Some(a) = p.salary_min {
        salary["minValue"] = a.into();
    }
    if let Some(b) = p.salary_max {
        salary["maxValue"] = b.into();
    }
    let v = serde_json::json!({
        "@context": "https://schema.org/",
        "@type": "JobPosting",
        "title": p.title,
        "description": p.description,
        "identifier": {"@type": "PropertyValue", "name": origin, "value": p.id.to_string()},
        "datePosted": crate::render::time::local_date(p.created_at).to_string(),
        "validThrough": format!("{}T23:59:59+08:00", p.deadline),
        "employmentType": "FULL_TIME",
        "totalJobOpenings": p.openings,
        "hiringOrganization": {"@type": "Organization", "name": p.employer_name, "identifier": p.employer_credit_code},
        "jobLocation": {"@type": "Place", "address": {"@type": "PostalAddress", "addressRegion": p.region_name, "addressCountry": "CN"}},
        "baseSalary": {"@type": "MonetaryAmount", "currency": "CNY", "value": salary},
    });
    // `<`, `>` and `&` as JSON escapes, so no text can close the script element.
    v.to_string().replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}

/// One posting, with a plain warning when screening found something.
pub async fn posting_page(
    State(state): State<AppState>,
    lang: Lang,
    caller: MaybeCaller,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    ApiQuery(q): ApiQuery<PostingQuery>,
) -> Result<Response, AppError> {
    let signed_in = caller.0.is_some();
    let me = caller.0.clone();
    let p = crate::api::postings::posting_for(&state, caller.0.as_deref(), id).await?;
    let base = Base::new(&state, lang, "postings", &uri).with_caller(&caller);
    let reviewer = p.status != "approved";
    let education = jiuye_domain::posting::EDUCATION
        .iter()
        .find(|(k, _)| *k == p.education)
        .map(|(_, v)| (*v).to_owned())
        .unwrap_or_default();
    let status_label = base.t(&format!("posting.status_{}", p.status)).to_owned();
    let owner = me.as_deref().is_some_and(|c| {
        c.actor
            .grants
            .iter()
            .any(|g| g.role == jiuye_domain::access::Role::Employer && g.subject_id == Some(p.employer_id))
    });
    render(&PostingPage {
        owner,
        signed_in,
        reported: q.reported.is_some(),
        status_label,
        pay: pay_text(p.salary_min, p.salary_max),
        majors: p.majors.iter().map(|m| crate::render::names::major(&state.refdata, m)).collect(),
        json_ld: json_ld(&p, "jiuye"),
        base,
        education,
        reviewer,
        p,
    })
}

#[derive(askama::Template)]
#[template(path = "posting_review.html")]
struct ReviewPage {
    base: Base,
    status: String,
    list: PostingList,
    statuses: Vec<(&'static str, String)>,
    done: bool,
    /// Scams other scopes confirmed about employers registered within the reviewer's scope.
    scam_reports: crate::api::employers::reviews::ScamReportList,
}

#[derive(Debug, Deserialize)]
pub struct ReviewQuery {
    status: Option<String>,
    done: Option<String>,
}

/// The staff review queue with each posting's screening and the decision form.
pub async fn review_page(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    ApiQuery(q): ApiQuery<ReviewQuery>,
) -> Result<Response, AppError> {
    let status = q.status.clone().filter(|s| !s.is_empty()).unwrap_or_else(|| "pending".into());
    let list = queue(&state, &me, &QueueParams { status: Some(status.clone()) }, Page::first()).await?;
    let base = Base::new(&state, lang, "postings", &uri).signed_in(&me);
    let statuses = ["pending", "held", "reported", "approved", "rejected"]
        .into_iter()
        .map(|s| (s, base.t(&format!("posting.status_{s}")).to_owned()))
        .collect();
    let scam_reports =
        match crate::api::employers::reviews::scam_inbox(&state, &me, Page { limit: 20, offset: 0 }).await {
            Ok(found) => found,
            // Reviewers who do not verify employers get no reports.
            Err(e) if e.status == StatusCode::FORBIDDEN => {
                crate::api::employers::reviews::ScamReportList { total: 0, items: Vec::new() }
            }
            Err(e) => return Err(e),
        };
    render(&ReviewPage { base, status, list, statuses, done: q.done.is_some(), scam_reports })
}

#[derive(Debug, Deserialize)]
pub struct ReviewForm {
    decision: String,
    #[serde(default)]
    note: String,
    version: i64,
    #[serde(default)]
    back: String,
}

/// Records a decision from the queue and returns to it.
pub async fn review_submit(
    State(state): State<AppState>,
    SignedIn(me): SignedIn,
    Path(id): Path<Uuid>,
    axum::Form(f): axum::Form<ReviewForm>,
) -> Result<Response, AppError> {
    let input = ReviewInput { decision: f.decision, note: Some(f.note), version: f.version };
    let event = crate::api::postings::review::review_event(id, &input);
    match crate::api::postings::review::review(&state, &me, id, &input).await {
        Ok((row, grant, detail)) => {
            let back = if ["pending", "held", "approved", "rejected"].contains(&f.back.as_str()) {
                f.back
            } else {
                "pending".into()
            };
            let to = Redirect::to(&format!("/postings/review?status={back}&done=1"));
            Ok(event
                .by(&grant)
                .target(format!("posting:{id}"), Some(&row.scope_path))
                .detail(detail)
                .attach(to.into_response()))
        }
        Err(e) => Ok(audited(event, Err(e))),
    }
}

#[derive(askama::Template)]
#[template(path = "posting_mine.html")]
struct MinePage {
    base: Base,
    list: PostingList,
    education: Vec<(&'static str, &'static str)>,
    deadline: String,
    error: Option<String>,
    added: bool,
    v: PostingFormData,
}

#[derive(Debug, Default, Deserialize)]
pub struct PostingFormData {
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    position: String,
    #[serde(default)]
    education: String,
    #[serde(default)]
    majors: String,
    #[serde(default)]
    openings: String,
    #[serde(default)]
    salary_min: String,
    #[serde(default)]
    salary_max: String,
    #[serde(default)]
    deadline: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    apply_method: String,
    #[serde(default)]
    visibility: String,
    #[serde(default)]
    scope: String,
    special_sme_100_days: Option<String>,
    special_western: Option<String>,
    special_hongzhi: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct MineQuery {
    added: Option<String>,
}

pub(crate) async fn mine(
    state: &AppState,
    lang: Lang,
    uri: &axum::http::Uri,
    me: &Caller,
    v: PostingFormData,
    error: Option<String>,
    added: bool,
) -> Result<Response, AppError> {
    let list = crate::api::postings::review::postings_of_caller(state, me).await?;
    let base = Base::new(state, lang, "postings", uri).signed_in(me);
    let deadline = (crate::render::time::today() + chrono::Duration::days(30)).to_string();
    render(&MinePage { base, list, education: jiuye_domain::posting::EDUCATION.to_vec(), deadline, error, added, v })
}

/// The employer's postings with their state and screening, and the form to submit one.
pub async fn mine_page(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    ApiQuery(q): ApiQuery<MineQuery>,
) -> Result<Response, AppError> {
    mine(&state, lang, &uri, &me, PostingFormData::default(), None, q.added.is_some()).await
}

/// Submits a posting from the form through the API's code.
pub async fn mine_submit(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    axum::Form(f): axum::Form<PostingFormData>,
) -> Result<Response, AppError> {
    let num = |s: &str| s.trim().parse::<i64>().ok();
    let input = PostingInput {
        title: f.title.clone(),
        description: f.description.clone(),
        region: f.region.clone(),
        position: f.position.clone(),
        education: f.education.clone(),
        majors: f.majors.split([',', '，', ' ', '、']).filter(|s| !s.trim().is_empty()).map(str::to_owned).collect(),
        openings: num(&f.openings).unwrap_or(0),
        salary_min: num(&f.salary_min),
        salary_max: num(&f.salary_max),
        deadline: f.deadline.clone(),
        contact: f.contact.clone(),
        apply_method: f.apply_method.clone(),
        visibility: f.visibility.clone(),
        scope: Some(f.scope.clone()),
        specials: [
            ("sme_100_days", &f.special_sme_100_days),
            ("western", &f.special_western),
            ("hongzhi", &f.special_hongzhi),
        ]
        .into_iter()
        .filter(|(_, v)| v.is_some())
        .map(|(k, _)| k.to_owned())
        .collect(),
    };
    let event = AuditEvent::new("posting_create");
    match state.postings().submit(&me.actor, &input.form()).await.map_err(AppError::from) {
        Ok(row) => {
            let detail = format!("{} {}", row.posting.status.id(), row.posting.risk_level);
            Ok(event
                .target(format!("posting:{}", row.posting.id), Some(&row.scope_path))
                .detail(detail)
                .attach(Redirect::to("/postings/mine?added=1").into_response()))
        }
        Err(e) if e.status == StatusCode::FORBIDDEN => Ok(audited(event, Err(e))),
        Err(e) => {
            let page = mine(&state, lang, &uri, &me, f, Some(e.message.clone()), false).await?;
            let mut page = event.attach(page);
            *page.status_mut() = e.status;
            Ok(page)
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct ReportForm {
    #[serde(default)]
    reason: String,
}

/// Reports a posting from its page in one step.
pub async fn report_submit(
    State(state): State<AppState>,
    SignedIn(me): SignedIn,
    Path(id): Path<Uuid>,
    axum::Form(f): axum::Form<ReportForm>,
) -> Result<Response, AppError> {
    let event = AuditEvent::new("posting_report").target(format!("posting:{id}"), None);
    match state.postings().report(&me.actor, id, &f.reason).await {
        Ok((path, _)) => Ok(event
            .target(format!("posting:{id}"), Some(&path))
            .attach(Redirect::to(&format!("/postings/{id}?reported=1")).into_response())),
        Err(e) => Ok(audited(event, Err(e.into()))),
    }
}

#[derive(Debug, Deserialize)]
pub struct WithdrawForm {
    version: i64,
}

/// Withdraws a posting from the employer's list.
pub async fn withdraw_submit(
    State(state): State<AppState>,
    SignedIn(me): SignedIn,
    Path(id): Path<uuid::Uuid>,
    axum::Form(f): axum::Form<WithdrawForm>,
) -> Result<Response, AppError> {
    let event = AuditEvent::new("posting_withdraw").target(format!("posting:{id}"), None);
    match state.postings().withdraw(&me.actor, id, f.version).await {
        Ok(row) => Ok(event
            .target(format!("posting:{id}"), Some(&row.scope_path))
            .attach(axum::response::Redirect::to("/postings/mine").into_response())),
        Err(e) => Ok(audited(event, Err(e.into()))),
    }
}
