//! 基层就业卓越奖 pages: the nominations the caller sees with a college's form to nominate, and
//! one nomination with its history and the steps the caller may take.

use askama::Template;
use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiuye_app::awards::{NewNomination, NominationView, StepInput};
use jiuye_domain::access::{self, Action};
use jiuye_domain::awards::{NominationState, NomineeKind, Step};
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{AuditEvent, audited};
use crate::error::AppError;
use crate::extract::query::ApiQuery;
use crate::extract::signed_in::SignedIn;
use crate::i18n::Lang;
use crate::render::page::{Base, render};
use crate::render::time::local_minute;

/// A nomination as a row shows it.
struct Line {
    id: Uuid,
    year: i32,
    nominee: String,
    kind: &'static str,
    college: String,
    university: String,
    state: &'static str,
    waiting: bool,
    updated: String,
}

fn line(v: &NominationView) -> Line {
    let n = &v.row.nomination;
    let kind = NomineeKind::from_id(&n.kind).unwrap_or(NomineeKind::Graduate);
    Line {
        id: n.id,
        year: n.year,
        nominee: match kind {
            NomineeKind::Graduate => v.row.graduate_name.clone().unwrap_or_default(),
            NomineeKind::Teacher => n.teacher_name.clone(),
        },
        kind: kind.zh(),
        college: v.row.college_name.clone(),
        university: v.row.university_name.clone(),
        state: NominationState::from_id(&n.state).unwrap_or(NominationState::Withdrawn).zh(),
        waiting: !v.allowed.is_empty(),
        updated: local_minute(n.updated_at),
    }
}

#[derive(Template)]
#[template(path = "awards.html")]
struct AwardsPage {
    base: Base,
    nominator: bool,
    lines: Vec<Line>,
    kinds: Vec<(&'static str, &'static str)>,
    form: NominationForm,
    error: Option<String>,
    notice: bool,
    waiting: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct NominationForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    student_no: String,
    #[serde(default)]
    teacher_name: String,
    #[serde(default)]
    citation: String,
}

#[derive(Debug, Deserialize)]
pub struct AwardsQuery {
    done: Option<String>,
    /// Only those waiting for the caller's step.
    #[serde(default)]
    waiting: bool,
}

#[allow(clippy::too_many_arguments)]
async fn page(
    state: &AppState,
    lang: Lang,
    me: &crate::auth::Caller,
    uri: &axum::http::Uri,
    form: NominationForm,
    error: Option<String>,
    notice: bool,
    waiting: bool,
) -> Result<Response, AppError> {
    let mut list = state.awards().list(&me.actor, None).await?;
    if waiting {
        list.retain(|v| v.allowed.iter().any(|s| s.level() != jiuye_domain::awards::Level::College));
    }
    let nominator = !access::scope_paths(&me.actor, Action::NominateAward).is_empty();
    let base = Base::new(state, lang, "awards", uri).signed_in(me);
    let kinds = NomineeKind::ALL.into_iter().map(|k| (k.id(), k.zh())).collect();
    let failed = error.is_some();
    let lines = list.iter().map(line).collect();
    let res = render(&AwardsPage { base, nominator, lines, kinds, form, error, notice, waiting })?;
    Ok(if failed { (StatusCode::UNPROCESSABLE_ENTITY, res).into_response() } else { res })
}

/// The nominations the caller sees, and a college's form.
pub async fn awards_page(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    ApiQuery(q): ApiQuery<AwardsQuery>,
) -> Result<Response, AppError> {
    let form = NominationForm { kind: NomineeKind::Graduate.id().into(), ..NominationForm::default() };
    page(&state, lang, &me, &uri, form, None, q.done.is_some(), q.waiting).await
}

/// Nominates from the form.
pub async fn nominate_submit(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    axum::Form(f): axum::Form<NominationForm>,
) -> Result<Response, AppError> {
    let event = AuditEvent::new("award_nominate");
    let input = NewNomination {
        kind: &f.kind,
        student_no: Some(&f.student_no),
        teacher: &f.teacher_name,
        citation: &f.citation,
        ..NewNomination::default()
    };
    match state.awards().nominate(&me.actor, &input).await {
        Ok((row, grant)) => Ok(event
            .target(format!("nomination:{}", row.nomination.id), Some(&row.college_path))
            .by(&grant)
            .attach(Redirect::to(&format!("/awards/{}?done=1", row.nomination.id)).into_response())),
        Err(e)
            if matches!(e.kind, jiuye_app::ErrorKind::Unprocessable | jiuye_app::ErrorKind::Conflict)
                || e.code == jiuye_app::ErrorCode::GraduateNotFound =>
        {
            let code = e.code.as_str();
            let res = page(&state, lang, &me, &uri, f, Some(e.message), false, false).await?;
            Ok(event.result(code).attach(res))
        }
        Err(e) => Ok(audited(event, Err(e.into()))),
    }
}

#[derive(Template)]
#[template(path = "award.html")]
struct AwardPage {
    base: Base,
    l: Line,
    citation: String,
    student_no: String,
    version: i64,
    /// (step id, label, needs a reason, is a resubmission).
    steps: Vec<(&'static str, &'static str, bool, bool)>,
    /// (when, step, by, reason).
    history: Vec<(String, String, String, String)>,
    error: Option<String>,
    notice: bool,
}

fn step_label(id: &str) -> String {
    match Step::from_id(id) {
        Some(s) => s.zh().to_owned(),
        None => "院系推荐".to_owned(),
    }
}

async fn award_page(
    state: &AppState,
    lang: Lang,
    me: &crate::auth::Caller,
    uri: &axum::http::Uri,
    id: Uuid,
    error: Option<String>,
    notice: bool,
) -> Result<Response, AppError> {
    let v = state.awards().get(&me.actor, id).await?;
    let steps = v.allowed.iter().map(|s| (s.id(), s.zh(), s.needs_reason(), *s == Step::Resubmit)).collect();
    let history = v
        .steps
        .iter()
        .map(|s| (local_minute(s.step.at), step_label(&s.step.step), s.by_name.clone(), s.step.reason.clone()))
        .collect();
    let base = Base::new(state, lang, "awards", uri).signed_in(me);
    let failed = error.is_some();
    let res = render(&AwardPage {
        base,
        l: line(&v),
        citation: v.row.nomination.citation.clone(),
        student_no: v.row.student_no.clone().unwrap_or_default(),
        version: v.row.nomination.version,
        steps,
        history,
        error,
        notice,
    })?;
    Ok(if failed { (StatusCode::CONFLICT, res).into_response() } else { res })
}

/// One nomination.
pub async fn award_view(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    ApiQuery(q): ApiQuery<AwardsQuery>,
) -> Result<Response, AppError> {
    award_page(&state, lang, &me, &uri, id, None, q.done.is_some()).await
}

#[derive(Debug, Deserialize)]
pub struct StepForm {
    step: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    citation: String,
    version: i64,
}

/// Takes a step from the form.
pub async fn step_submit(
    State(state): State<AppState>,
    lang: Lang,
    SignedIn(me): SignedIn,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<Uuid>,
    axum::Form(f): axum::Form<StepForm>,
) -> Result<Response, AppError> {
    let event = AuditEvent::new("award_step").target(format!("nomination:{id}"), None);
    let input = StepInput { step: &f.step, reason: &f.reason, citation: Some(&f.citation), version: f.version };
    match state.awards().step(&me.actor, id, &input).await {
        Ok((v, grant)) => Ok(event
            .target(format!("nomination:{id}"), Some(&v.row.college_path))
            .by(&grant)
            .detail(f.step.clone())
            .attach(Redirect::to(&format!("/awards/{id}?done=1")).into_response())),
        Err(e) if matches!(e.kind, jiuye_app::ErrorKind::Unprocessable | jiuye_app::ErrorKind::Conflict) => {
            let code = e.code.as_str();
            let res = award_page(&state, lang, &me, &uri, id, Some(e.message), false).await?;
            Ok(event.result(code).attach(res))
        }
        Err(e) => Ok(audited(event, Err(e.into()))),
    }
}
