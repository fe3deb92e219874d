//! The application pages: a graduate's applications, an employer's applicants, résumés, and the talent list.

pub mod detail;

use crate::api::applications::ApplicationList;
use crate::api::applications::ApplyInput;
use crate::api::applications::StatusInput;
use crate::api::applications::TalentList;
use crate::api::applications::talent_list;
use crate::extract::page::Page;
use crate::extract::signed_in::SignedIn;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::AppState;
use crate::auth::{AuditEvent, audited};
use crate::error::AppError;
use uuid::Uuid;

#[derive(askama::Template)]
#[template(path = "applications.html")]
struct ApplicationsPage {
    base: crate::render::page::Base,
    title: String,
    /// Set on an employer's list of applicants to one posting.
    posting: Option<Uuid>,
    list: ApplicationList,
    steps: Vec<&'static str>,
    /// On a graduate's own page: whether employers may find them.
    talent_open: Option<bool>,
    /// Only the applications with news since the caller last opened them.
    changed_only: bool,
    /// A graduate's applications to other nodes' postings.
    remote_sent: Vec<crate::api::federation_deliveries::DeliveryDto>,
    /// An employer's applications that other nodes delivered for this posting.
    remote_arrived: Vec<crate::api::federation_deliveries::ArrivedDto>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    changed: Option<String>,
}

/// A graduate's applications with every state and its date, or the applications an employer
/// received across its postings; `?changed=true` keeps those with news since last opened.
pub async fn my_applications_page(
    State(state): State<AppState>,
    lang: crate::i18n::Lang,
    SignedIn(me): SignedIn,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    crate::extract::query::ApiQuery(q): crate::extract::query::ApiQuery<ListQuery>,
) -> Result<Response, AppError> {
    let graduate = jiuye_app::applications::own_graduate(&me.actor).is_some();
    let talent_open = match graduate {
        true => Some(jiuye_app::applications::talent_choice(state.store.as_ref(), &me.actor).await?),
        false => None,
    };
    let changed_only = q.changed.as_deref() == Some("true");
    let list = crate::api::applications::applications_of_caller(&state, &me, changed_only).await?;
    let base = crate::render::page::Base::new(&state, lang, "postings", &uri).signed_in(&me);
    let title = base.t(if graduate { "application.mine_title" } else { "application.received_title" }).to_owned();
    let steps = moves_of(&me);
    let remote_sent = match graduate {
        true => jiuye_app::federation::deliver::mine(state.store.as_ref(), &me.actor).await?,
        false => Vec::new(),
    };
    crate::render::page::render(&ApplicationsPage {
        base,
        title,
        posting: None,
        list,
        steps,
        talent_open,
        changed_only,
        remote_sent: remote_sent.iter().map(crate::api::federation_deliveries::delivery_dto).collect(),
        remote_arrived: Vec::new(),
    })
}

/// The applicants to one of the employer's postings, with the pipeline's buttons.
pub async fn applicants_page(
    State(state): State<AppState>,
    lang: crate::i18n::Lang,
    SignedIn(me): SignedIn,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let list = crate::api::applications::applicants_to(&state, &me, id).await?;
    let arrived =
        jiuye_app::federation::deliver::arrived_for(state.store.as_ref(), &state.settings.keys, &me.actor, id).await?;
    let base = crate::render::page::Base::new(&state, lang, "postings", &uri).signed_in(&me);
    let title = base.t("application.applicants_title").to_owned();
    crate::render::page::render(&ApplicationsPage {
        base,
        title,
        posting: Some(id),
        list,
        steps: employer_moves(),
        talent_open: None,
        changed_only: false,
        remote_sent: Vec::new(),
        remote_arrived: arrived.iter().map(|(a, app)| crate::api::federation_deliveries::arrived_dto(a, app)).collect(),
    })
}

/// The moves an employer makes on an application, as the forms send them.
fn employer_moves() -> Vec<&'static str> {
    jiuye_app::applications::EMPLOYER_STEPS.iter().map(|s| s.id()).collect()
}

/// The moves the caller's buttons offer: the employer's pipeline, or none for the applicant (who
/// may only withdraw).
pub(crate) fn moves_of(me: &crate::auth::Caller) -> Vec<&'static str> {
    if jiuye_app::applications::own_graduate(&me.actor).is_some() { Vec::new() } else { employer_moves() }
}

/// Applies from the posting's page.
pub async fn apply_submit(
    State(state): State<AppState>,
    SignedIn(me): SignedIn,
    Path(id): Path<Uuid>,
    axum::Form(f): axum::Form<std::collections::HashMap<String, String>>,
) -> Result<Response, AppError> {
    let input = ApplyInput { note: f.get("note").cloned() };
    let event = AuditEvent::new("application_create").target(format!("posting:{id}"), None);
    let to = || axum::response::Redirect::to("/applications").into_response();
    match crate::api::applications::apply_to(&state, &me, id, &input).await {
        Ok(d) => Ok(event.target(format!("application:{}", d.id), None).attach(to())),
        // Applied before: the list shows the earlier application.
        Err(e) if e.status == StatusCode::CONFLICT => Ok(event.attach(to())),
        Err(e) => Ok(audited(event, Err(e))),
    }
}

#[derive(Debug, Deserialize)]
pub struct StatusForm {
    status: String,
    version: i64,
    #[serde(default)]
    back: String,
}

/// Moves an application from a page and returns to it.
pub async fn status_submit(
    State(state): State<AppState>,
    SignedIn(me): SignedIn,
    Path(id): Path<Uuid>,
    axum::Form(f): axum::Form<StatusForm>,
) -> Result<Response, AppError> {
    let input = StatusInput { status: f.status, version: f.version };
    let event = crate::api::applications::status_event(id, &input);
    let back = match (f.back.as_str(), f.back.parse::<Uuid>()) {
        ("application", _) => format!("/applications/{id}"),
        (_, Ok(p)) => format!("/postings/{p}/applicants"),
        _ => "/applications".into(),
    };
    let moved = crate::api::applications::move_application(&state, &me, id, &input).await;
    Ok(audited(event, moved.map(|_| axum::response::Redirect::to(&back).into_response())))
}

/// Attaches a résumé from the applications page (multipart; the CSRF token rides in the
/// action URL).
pub async fn resume_submit(
    State(state): State<AppState>,
    SignedIn(me): SignedIn,
    Path(id): Path<Uuid>,
    mut form: axum::extract::Multipart,
) -> Result<Response, AppError> {
    let bytes = crate::extract::upload::multipart_file(&mut form, "resume", "请选择简历文件").await?;
    let stored = crate::api::applications::store_resume(&state, &me, id, &bytes).await;
    Ok(back_to_applications(crate::api::applications::resume_event(id), stored.map(|_| ())))
}

/// A page form's answer: back to `/applications` on success, the error otherwise, with the
/// audit entry either way.
fn back_to_applications(event: AuditEvent, done: Result<(), AppError>) -> Response {
    audited(event, done.map(|()| axum::response::Redirect::to("/applications").into_response()))
}

#[derive(Debug, Deserialize)]
pub struct TalentForm {
    open: String,
}

/// Opens or closes the graduate's profile to employers from the applications page.
pub async fn talent_submit(
    State(state): State<AppState>,
    SignedIn(me): SignedIn,
    axum::Form(f): axum::Form<TalentForm>,
) -> Result<Response, AppError> {
    let open = f.open == "1";
    let done = crate::api::applications::set_talent(&state, &me, open).await.map(|_| ());
    Ok(back_to_applications(crate::api::applications::talent_event(open), done))
}

#[derive(askama::Template)]
#[template(path = "talent.html")]
struct TalentPage {
    base: crate::render::page::Base,
    list: TalentList,
    prev: Option<i64>,
    next: Option<i64>,
}

impl TalentPage {
    fn education(&self, id: &str) -> String {
        jiuye_domain::EducationLevel::from_id(id).map(|l| l.zh()).unwrap_or(id).to_owned()
    }
}

/// The talent list for employers.
pub async fn talent_page(
    State(state): State<AppState>,
    lang: crate::i18n::Lang,
    SignedIn(me): SignedIn,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    page: Page,
) -> Result<Response, AppError> {
    let offset = page.offset;
    let list = talent_list(&state, &me, Page { limit: 50, offset }).await?;
    let base = crate::render::page::Base::new(&state, lang, "postings", &uri).signed_in(&me);
    let prev = (offset > 0).then(|| (offset - 50).max(0));
    let next = (offset + 50 < list.total).then_some(offset + 50);
    crate::render::page::render(&TalentPage { base, list, prev, next })
}
