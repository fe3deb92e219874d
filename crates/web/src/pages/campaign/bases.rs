//! The base registry page: a unit's internship, practice and employment bases, with a form to
//! register one.

use crate::api::campaign::bases::BASE_KINDS;
use crate::api::campaign::bases::BaseDto;
use crate::api::campaign::bases::BaseList;
use crate::api::campaign::bases::base_event;
use crate::api::campaign::bases::base_list;
use crate::api::campaign::bases::base_saved;
use crate::extract::page::Page;
use crate::extract::signed_in::SignedIn;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiuye_domain::access::Action;
use serde::Deserialize;

use crate::AppState;
use crate::auth::{Caller, audited};
use crate::error::AppError;
use crate::extract::org::home_org;
use crate::extract::query::ApiQuery;

#[derive(askama::Template)]
#[template(path = "bases.html")]
struct BasesPage {
    base: crate::render::page::Base,
    org: String,
    /// The unit filter and the form's unit, as selects of the units the person may choose.
    org_picker: String,
    unit_picker: String,
    list: BaseList,
    kinds: Vec<(&'static str, &'static str)>,
    today: String,
    can_add: bool,
    error: Option<String>,
    added: bool,
    prev: Option<i64>,
    next: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub struct BasesQuery {
    org: Option<String>,
    added: Option<String>,
    offset: Option<i64>,
}

#[allow(clippy::too_many_arguments)]
async fn page(
    state: &AppState,
    lang: crate::i18n::Lang,
    uri: &axum::http::Uri,
    me: &Caller,
    org: String,
    error: Option<String>,
    added: bool,
    offset: i64,
) -> Result<Response, AppError> {
    let (found, list) = base_list(state, &me.actor, &org, Page { limit: 50, offset }).await?;
    let prev = (offset > 0).then(|| (offset - 50).max(0));
    let next = (offset + 50 < list.total).then_some(offset + 50);
    let can_add = found.can_add;
    let base = crate::render::page::Base::new(state, lang, "campaigns", uri).signed_in(me);
    let today = crate::render::time::today().to_string();
    let store = state.store.as_ref();
    let scope = |depth, id, name, label| {
        crate::render::pickers::scope(store, &base, &me.actor, Action::LogVisit, depth, id, name, label, &org)
    };
    let org_picker = scope(1, "b_org", "org", "picker.org").await?.html()?;
    let unit_picker = scope(2, "b_unit", "unit", "picker.unit").await?.required().html()?;
    crate::render::page::render(&BasesPage {
        base,
        org_picker,
        unit_picker,
        org,
        list,
        kinds: BASE_KINDS.to_vec(),
        today,
        can_add,
        error,
        added,
        prev,
        next,
    })
}

/// The base registry of a unit, with a form to register one.
pub async fn bases_page(
    State(state): State<AppState>,
    lang: crate::i18n::Lang,
    SignedIn(me): SignedIn,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    ApiQuery(q): ApiQuery<BasesQuery>,
) -> Result<Response, AppError> {
    let org = match q.org.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(o) => o.to_owned(),
        None => home_org(&me, &[Action::LogVisit, Action::ViewStatistics])?,
    };
    page(&state, lang, &uri, &me, org, None, q.added.is_some(), q.offset.unwrap_or(0).max(0)).await
}

#[derive(Debug, Deserialize)]
pub struct BaseFormData {
    unit: String,
    employer: String,
    #[serde(default)]
    name: String,
    kind: String,
    #[serde(default)]
    capacity: String,
    start_date: String,
    #[serde(default)]
    end_date: String,
    #[serde(default)]
    programmes: String,
}

/// Registers a base from the page's form through the same use case as the API.
pub async fn bases_submit(
    State(state): State<AppState>,
    lang: crate::i18n::Lang,
    SignedIn(me): SignedIn,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    axum::Form(f): axum::Form<BaseFormData>,
) -> Result<Response, AppError> {
    let unit = f.unit.trim().to_owned();
    let capacity = match f.capacity.trim() {
        "" => 0,
        s => match s.parse::<i64>() {
            Ok(n) => n,
            Err(_) => {
                let mut resp =
                    page(&state, lang, &uri, &me, unit, Some("每年可接收人数应为整数".into()), false, 0).await?;
                *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
                return Ok(resp);
            }
        },
    };
    let input = jiuye_app::campaign::bases::BaseInput {
        unit: f.unit.clone(),
        employer: f.employer,
        name: Some(f.name),
        kind: f.kind,
        capacity,
        start_date: f.start_date,
        end_date: Some(f.end_date),
        programmes: f
            .programmes
            .split([',', '，', ' ', '、'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        notes: None,
    };
    let event = base_event(&input);
    match jiuye_app::campaign::bases::register(state.store.as_ref(), &me.actor, &input).await.map_err(AppError::from) {
        Ok(base) => {
            let path = base.row.unit_path.clone();
            let dto = BaseDto::from(base);
            let to = format!("/bases?org={}&added=1", crate::render::page::encode_component(&unit));
            Ok(base_saved(event, &dto, &path).attach(axum::response::Redirect::to(&to).into_response()))
        }
        Err(e) if e.status == StatusCode::FORBIDDEN => Ok(audited(event, Err(e))),
        Err(e) => {
            let page = page(&state, lang, &uri, &me, unit, Some(e.message.clone()), false, 0).await?;
            let mut page = event.attach(page);
            *page.status_mut() = e.status;
            Ok(page)
        }
    }
}
