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
    org: String,
    cohort: String,
    status: String,
    q: String,
    unplaced: bool,
    uncontacted_days: String,
    statuses: Vec<(String, String)>,
    summary: String,
    rows: Vec<ListRow>,
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
}

pub async fn graduates(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Response, AppError> {
    let base = Base::new(&state, lang, "graduates", &uri).signed_in(&me);
    let cohort: Option<i32> = q.cohort.as_deref().and_then(|c| c.trim().parse().ok());
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
    let (items, total) = graduates::list(state.store.as_ref(), &me.actor, filter, 200, 0, state.reads(&me)).await?;
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
            code: g.dest_code.unwrap_or_default(),
        })
        .collect();
    let page = GraduatesPage {
        summary: format!(
            "{} {}",
            group_digits(total),
            if lang == Lang::Zh { "名毕业生（最多显示 200 名）" } else { "graduates (showing up to 200)" }
        ),
        org: q.org.unwrap_or_default(),
        cohort: cohort.map(|c| c.to_string()).unwrap_or_default(),
        status: q.status.unwrap_or_default(),
        q: q.q.unwrap_or_default(),
        unplaced,
        uncontacted_days: uncontacted_days.map(|d| d.to_string()).unwrap_or_default(),
        statuses: DestStatus::ALL.iter().map(|s| (s.id().to_owned(), s.zh().to_owned())).collect(),
        rows,
        base,
    };
    render(&page)
}
