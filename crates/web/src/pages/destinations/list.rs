//! The graduates list page (毕业生名单): filters by unit, cohort, status, name and contact.

use askama::Template;
use axum::extract::{OriginalUri, State};
use axum::response::Response;
use jiuye_app::destinations::graduates::{self, GraduateFilter};
use jiuye_domain::destination::DestStatus;
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::error::{AppError, ErrorCode};
use crate::extract::query::ApiQuery;
use crate::extract::signed_in::SignedIn;
use crate::i18n::Lang;
use crate::render::page::{Base, group_digits, render};

#[derive(Template)]
#[template(path = "graduates.html")]
struct GraduatesPage {
    base: Base,
    org_picker: String,
    cohort: String,
    status: String,
    q: String,
    unplaced: bool,
    uncontacted_days: String,
    statuses: Vec<(String, String)>,
    summary: String,
    rows: Vec<ListRow>,
    prev_href: Option<String>,
    next_href: Option<String>,
}

struct ListRow {
    student_no: String,
    id: Uuid,
    name: String,
    college: String,
    cohort: i32,
    code: String,
    status: String,
    contact: String,
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    org: Option<String>,
    cohort: Option<String>,
    status: Option<String>,
    q: Option<String>,
    unplaced: Option<String>,
    uncontacted_days: Option<String>,
    page: Option<i64>,
}

/// Rows per page of the graduate list.
const GRADUATES_PER_PAGE: i64 = 50;

pub async fn graduates(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Response, AppError> {
    let base = Base::new(&state, lang, "graduates", &uri).signed_in(&me);
    let page_no = q.page.unwrap_or(1);
    if page_no < 1 {
        return Err(AppError::bad_request(ErrorCode::InvalidQuery, "页码应从 1 开始"));
    }
    // No cohort asked: the newest cohort in the caller's scope (an empty field means every cohort).
    let cohort: Option<i32> = match q.cohort.as_deref().map(str::trim) {
        Some("") => None,
        Some(c) => Some(c.parse().map_err(|_| AppError::bad_request(ErrorCode::InvalidCohort, "届别应为四位年份"))?),
        None => graduates::newest_cohort(state.store.as_ref(), &me.actor, q.org.as_deref()).await?,
    };
    let unplaced = q.unplaced.as_deref() == Some("true");
    let uncontacted_days =
        match q.uncontacted_days.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
            Some(d) => Some(d.parse::<i64>().map_err(|_| {
                AppError::bad_request(ErrorCode::InvalidQuery, "“超过多少天未联系”应为 1–365 之间的整数")
            })?),
            None => None,
        };
    let filter = GraduateFilter {
        org: q.org.clone(),
        cohort,
        status: q.status.clone(),
        unplaced,
        uncontacted_days,
        q: q.q.clone(),
    };
    let offset = (page_no - 1) * GRADUATES_PER_PAGE;
    let (items, total) =
        graduates::list(state.store.as_ref(), &me.actor, filter, GRADUATES_PER_PAGE, offset, state.reads(&me)).await?;
    let rows = items
        .into_iter()
        .map(|g| ListRow {
            contact: crate::api::destinations::graduate_list::contact_zh(&g.contact_state).to_owned(),
            status: g.dest_status.zh().to_owned(),
            student_no: g.student_no,
            id: g.id,
            name: g.name,
            college: g.college_name,
            cohort: g.cohort,
            code: g.dest_code.map(|c| crate::render::names::destination(&state.refdata, &c)).unwrap_or_default(),
        })
        .collect();
    let pages = ((total + GRADUATES_PER_PAGE - 1) / GRADUATES_PER_PAGE).max(1);
    let days = uncontacted_days.map(|d| d.to_string());
    let href = |p: i64| {
        let mut s = format!("/graduates?page={p}&cohort={}", cohort.map(|c| c.to_string()).unwrap_or_default());
        let unplaced = unplaced.then(|| "true".to_owned());
        for (k, v) in
            [("org", &q.org), ("status", &q.status), ("q", &q.q), ("unplaced", &unplaced), ("uncontacted_days", &days)]
        {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                s.push_str(&format!("&{k}={}", crate::render::page::encode_component(v)));
            }
        }
        s
    };
    let org_picker = crate::render::pickers::org_field(
        state.store.as_ref(),
        &base,
        &me.actor,
        &[jiuye_domain::access::Action::ViewGraduate],
        "g_org",
        "users.org",
        "picker.scope_all",
        q.org.as_deref().unwrap_or(""),
    )
    .await?;
    let page = GraduatesPage {
        org_picker,
        summary: base
            .t("common.page_of")
            .replace("{page}", &page_no.to_string())
            .replace("{pages}", &pages.to_string())
            .replace("{n}", &group_digits(total)),
        prev_href: (page_no > 1).then(|| href(page_no - 1)),
        next_href: (page_no < pages).then(|| href(page_no + 1)),
        cohort: cohort.map(|c| c.to_string()).unwrap_or_default(),
        status: q.status.unwrap_or_default(),
        q: q.q.unwrap_or_default(),
        unplaced,
        uncontacted_days: uncontacted_days.map(|d| d.to_string()).unwrap_or_default(),
        statuses: DestStatus::ALL.iter().map(|s| (s.id().to_owned(), base.zh_en(s.zh(), s.en()).to_owned())).collect(),
        rows,
        base,
    };
    render(&page)
}
