//! Pages for job postings: the list of open postings, one posting (with schema.org `JobPosting`
//! data), the staff review queue, and the employer's own postings with the form to submit one.
//! Every page goes through the same code as the API.

pub mod review;
pub mod screening;

pub use review::{review_page, review_submit};

use crate::auth::AuditEvent;
use crate::auth::audited;
use crate::extract::signed_in::SignedIn;
use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::api::postings::PostingInput;
use crate::api::postings::review::PostingList;
use crate::api::postings::view::PostingDto;
use crate::auth::{Caller, MaybeCaller};
use crate::error::AppError;
use crate::extract::query::ApiQuery;
use crate::i18n::Lang;
use crate::render::page::Base;
use crate::render::page::render;
use crate::render::pickers::{self, PickerAction};
use jiuye_domain::access::Action;

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
    cards: Vec<JobCard>,
    /// How many filters are in force (shown on the button that opens them).
    filters_on: usize,
    /// A signed-in graduate's top recommendations (为你推荐), on the first page only.
    picks: Vec<crate::pages::matching::picks::Pick>,
}

/// A result as a card: the posting with its tags (region, pay, education, employer type,
/// special campaigns).
struct JobCard {
    id: Uuid,
    title: String,
    employer: String,
    pay: String,
    region: String,
    education: String,
    employer_type: Option<String>,
    specials: Vec<String>,
    openings: i64,
    deadline: String,
    risky: Option<String>,
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
    let specials: Vec<(String, String, String)> = jiuye_domain::posting::specials()
        .iter()
        .map(|s| (s.id.clone(), s.name.clone(), s.description.clone()))
        .collect();
    let mut employers: Vec<Uuid> = found.results.iter().map(|p| p.employer_id).collect();
    employers.sort();
    employers.dedup();
    let mut employer_types: std::collections::HashMap<Uuid, Option<String>> = std::collections::HashMap::new();
    for id in employers {
        let kind = state
            .store
            .employer_by_id(id)
            .await?
            .map(|e| crate::api::search::facet_name(&state.refdata, Facet::EmployerType, &e.employer_type))
            .filter(|n| !n.is_empty());
        employer_types.insert(id, kind);
    }
    let cards = found
        .results
        .iter()
        .map(|p| JobCard {
            id: p.id,
            title: p.title.clone(),
            employer: p.employer_name.clone(),
            pay: p.pay(),
            region: p.region_name.clone(),
            education: jiuye_domain::posting::EDUCATION
                .iter()
                .find(|(k, _)| *k == p.education)
                .map(|(_, v)| (*v).to_owned())
                .unwrap_or_default(),
            employer_type: employer_types.get(&p.employer_id).cloned().flatten(),
            specials: p
                .specials
                .iter()
                .filter_map(|id| specials.iter().find(|s| &s.0 == id).map(|s| s.1.clone()))
                .collect(),
            openings: p.openings,
            deadline: p.deadline.clone(),
            risky: (p.risk_level != "low").then(|| format!("risk-{}", p.risk_level)),
        })
        .collect();
    let picks = match caller.0.as_deref() {
        Some(me) if page == 1 => crate::pages::matching::picks::top(&state, me).await,
        _ => Vec::new(),
    };
    let filters_on = params.iter().filter(|(k, v)| *k != "q" && *k != "special" && !v.is_empty()).count();
    render(&ListPage {
        picks,
        cards,
        filters_on,
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
    /// Received from another node: shown here, applied to and reported at its origin.
    received: bool,
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
    let received = state.store.posting(id).await?.is_none();
    let base = Base::new(&state, lang, "postings", &uri).with_caller(&caller);
    let reviewer = p.status != "approved";
    let education = jiuye_domain::posting::EDUCATION
        .iter()
        .find(|(k, _)| *k == p.education)
        .map(|(_, v)| (*v).to_owned())
        .unwrap_or_default();
    let status_label = base.t(&format!("posting.status_{}", p.status)).to_owned();
    // The posting's own employer (its accounts post for it).
    let owner = me.as_deref().is_some_and(|c| {
        let own = jiuye_domain::access::Resource::owned("", p.employer_id);
        jiuye_domain::access::can(&c.actor, jiuye_domain::access::Action::PostJob, &own).is_some()
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
        received,
        p,
    })
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
    region: String,
    position: String,
    majors: String,
    occupation: String,
    scope: String,
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
    /// The majors picker's search box.
    #[serde(default)]
    majors_q: String,
    /// The occupation chosen (职业分类大典 2022 code), empty when the title decides.
    #[serde(default)]
    occupation: String,
    /// The occupation picker's search box.
    #[serde(default)]
    occupation_q: String,
    /// A picker button (`find:majors`, `add:majors:<code>`, `drop:majors:<code>`): the form
    /// comes back with the choice instead of being submitted.
    picker: Option<String>,
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
    let rd = &state.refdata;
    let region =
        pickers::region(&base, rd, "pf_region", "region", "picker.place_of_work", &v.region).required().html()?;
    let position =
        pickers::position(&base, rd, "pf_position", "position", "picker.position", &v.position).required().html()?;
    let chosen = pickers::split_codes(&v.majors)
        .into_iter()
        .map(|c| pickers::Choice { label: pickers::major_label(rd, &c).unwrap_or_else(|| c.clone()), value: c })
        .collect();
    let mut majors = pickers::SearchPicker::new(
        &base,
        "majors",
        "pf_majors",
        "majors",
        "posting.majors",
        "picker.majors_help",
        true,
        chosen,
    );
    let find = match v.picker.as_deref().and_then(PickerAction::parse) {
        Some(PickerAction::Find(field)) => field,
        _ => String::new(),
    };
    if find == "majors" {
        majors = majors.searched(&v.majors_q, pickers::major_matches(rd, &v.majors_q, 30));
    }
    let majors = majors.html()?;
    let typed = if v.occupation_q.trim().is_empty() { v.title.trim() } else { v.occupation_q.trim() };
    let occupation = pickers::occupation(state, &base, "pf_occupation", &v.occupation, typed, find == "occupation")?;
    let scope = pickers::scope(
        state.store.as_ref(),
        &base,
        &me.actor,
        Action::PostJob,
        0,
        "pf_scope",
        "scope",
        "picker.scope",
        &v.scope,
    )
    .await?
    .empty(&base, "picker.scope_nation")
    .hint(&base, "picker.scope_help")
    .html()?;
    render(&MinePage {
        base,
        list,
        education: jiuye_domain::posting::EDUCATION.to_vec(),
        deadline,
        error,
        added,
        v,
        region,
        position,
        majors,
        occupation,
        scope,
    })
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
    axum::Form(mut f): axum::Form<PostingFormData>,
) -> Result<Response, AppError> {
    if let Some(action) = f.picker.as_deref().and_then(PickerAction::parse) {
        f.majors = pickers::apply_to_codes(&f.majors, &action, "majors", true);
        f.occupation = pickers::apply_to_codes(&f.occupation, &action, "occupation", false);
        return mine(&state, lang, &uri, &me, f, None, false).await;
    }
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
        occupation: f.occupation.trim().to_owned(),
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
