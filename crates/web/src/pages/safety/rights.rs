//! Rights report pages (维权反映): a graduate's one-step form and their reports with every step;
//! the handlers' list with counts by kind and by employer, and the form that moves a report on.

use askama::Template;
use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiuye_domain::safety::rights::{Kind, State as ReportState};
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::api::safety::rights::{
    ReportFilter, ReportList, ReportSummary, RightsReportDto, advance_event, reports, summary_dto, view_dto,
};
use crate::auth::{AuditEvent, audited};
use crate::error::AppError;
use crate::extract::page::Page;
use crate::extract::query::ApiQuery;
use crate::extract::signed_in::SignedIn;
use crate::i18n::Lang;
use crate::render::page::{Base, render};
use crate::render::time::local_minute;

#[derive(Template)]
#[template(path = "rights.html")]
struct RightsPage {
    base: Base,
    list: ReportList,
    summary: Option<ReportSummary>,
    state: String,
    states: Vec<(&'static str, &'static str)>,
    filed: bool,
}

#[derive(Debug, Deserialize)]
pub struct RightsQuery {
    state: Option<String>,
    filed: Option<String>,
}

/// A graduate's reports, or the reports a handler sees with their counts.
pub async fn rights_page(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    ApiQuery(q): ApiQuery<RightsQuery>,
) -> Result<Response, AppError> {
    let filter = ReportFilter { state: q.state.clone(), kind: None };
    let list = reports(&state, &me, &filter, Page { limit: 100, offset: 0 }).await?;
    let summary = match state.rights().summary(&me.actor).await {
        Ok(s) => Some(summary_dto(s)),
        Err(_) => None,
    };
    let base = Base::new(&state, lang, "rights", &uri).signed_in(&me);
    let states = std::iter::once(("open", "待处理"))
        .chain(ReportState::ALL.into_iter().map(|s| (s.id(), s.name())))
        .chain(std::iter::once(("all", "全部")))
        .collect();
    render(&RightsPage { base, list, summary, state: q.state.unwrap_or_default(), states, filed: q.filed.is_some() })
}

#[derive(Template)]
#[template(path = "rights_new.html")]
struct NewPage {
    base: Base,
    kinds: Vec<(&'static str, &'static str)>,
    error: Option<String>,
    form: NewForm,
}

#[derive(Debug, Default, Deserialize)]
pub struct NewForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    employer: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    target_name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    anonymous: Option<String>,
}

fn kinds() -> Vec<(&'static str, &'static str)> {
    Kind::ALL.into_iter().map(|k| (k.id(), k.name())).collect()
}

/// The one-step form (graduates).
pub async fn new_page(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
) -> Result<Response, AppError> {
    let base = Base::new(&state, lang, "rights", &uri).signed_in(&me);
    if !base.is_graduate {
        return Err(AppError::from(jiuye_app::Error::forbidden()));
    }
    render(&NewPage { base, kinds: kinds(), error: None, form: NewForm::default() })
}

/// Files the report and shows the graduate's list; refused input comes back with the message.
pub async fn new_submit(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    axum::Form(f): axum::Form<NewForm>,
) -> Result<Response, AppError> {
    let event = AuditEvent::new("rights_report_file");
    let pick = |which: &str, v: &str| if f.target == which && !v.trim().is_empty() { Some(v.to_owned()) } else { None };
    let (employer, unit, name) = (pick("employer", &f.employer), pick("unit", &f.unit), pick("other", &f.target_name));
    let new = jiuye_app::safety::rights::NewReport {
        kind: &f.kind,
        employer: employer.as_deref(),
        unit: unit.as_deref(),
        target_name: name.as_deref(),
        description: &f.description,
        anonymous: f.anonymous.is_some(),
    };
    match state.rights().file(&me.actor, &new).await {
        Ok(row) => Ok(event
            .target(format!("rights_report:{}", row.report.id), Some(&row.university_path))
            .detail(row.report.kind.clone())
            .attach(Redirect::to("/rights?filed=1").into_response())),
        Err(e) if e.kind == jiuye_app::ErrorKind::Unprocessable => {
            let message = e.message.clone();
            let base = Base::new(&state, lang, "rights", &uri).signed_in(&me);
            let page = render(&NewPage { base, kinds: kinds(), error: Some(message), form: f })?;
            Ok(event.result(e.code.as_str()).attach((StatusCode::UNPROCESSABLE_ENTITY, page).into_response()))
        }
        Err(e) => Ok(audited(event, Err(e.into()))),
    }
}

#[derive(Template)]
#[template(path = "rights_report.html")]
struct ReportPage {
    base: Base,
    r: RightsReportDto,
    filed_at: String,
    steps: Vec<(String, String, String, String)>,
    /// The caller handles it: the states it may move to.
    moves: Vec<(&'static str, &'static str)>,
    error: Option<String>,
}

async fn report_page(
    state: &AppState,
    lang: Lang,
    me: &crate::auth::Caller,
    uri: &axum::http::Uri,
    id: Uuid,
    error: Option<String>,
) -> Result<Response, AppError> {
    let view = state.rights().get(&me.actor, id, state.reads(me)).await?;
    let handles = view.handler.is_some();
    let from = ReportState::from_id(&view.row.report.state).unwrap_or(ReportState::Received);
    let moves = if handles {
        ReportState::ALL.into_iter().filter(|s| from.may_become(*s)).map(|s| (s.id(), s.name())).collect()
    } else {
        Vec::new()
    };
    let r = view_dto(view);
    let steps = r
        .steps
        .iter()
        .map(|s| (local_minute(s.at), s.state_name.clone(), s.by.clone().unwrap_or_default(), s.note.clone()))
        .collect();
    let base = Base::new(state, lang, "rights", uri).signed_in(me);
    let page = ReportPage { filed_at: local_minute(r.created_at), base, r, steps, moves, error };
    match render(&page) {
        Ok(res) if page.error.is_some() => Ok((StatusCode::UNPROCESSABLE_ENTITY, res).into_response()),
        other => other,
    }
}

/// One report with its steps (the graduate who filed it, or a handler).
pub async fn report_view(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    report_page(&state, lang, &me, &uri, id, None).await
}

#[derive(Debug, Deserialize)]
pub struct MoveForm {
    state: String,
    #[serde(default)]
    note: String,
    version: i64,
}

/// A handler moves a report on; refused input comes back with the message.
pub async fn move_submit(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    axum::Form(f): axum::Form<MoveForm>,
) -> Result<Response, AppError> {
    let event = advance_event(id, &f.state);
    match state.rights().advance(&me.actor, id, &f.state, &f.note, f.version).await {
        Ok((view, grant)) => Ok(event
            .by(&grant)
            .target(format!("rights_report:{id}"), Some(&view.row.university_path))
            .attach(Redirect::to(&format!("/rights/{id}")).into_response())),
        Err(e) if e.kind == jiuye_app::ErrorKind::Unprocessable => {
            let shown = report_page(&state, lang, &me, &uri, id, Some(e.message.clone())).await?;
            Ok(event.result(e.code.as_str()).attach(shown))
        }
        Err(e) => Ok(audited(event, Err(e.into()))),
    }
}
