//! Applications: a graduate applies to a posting open to them; the employer sees only the
//! applicants to its own postings and moves each through the pipeline (submitted, viewed,
//! interview, offer, rejected); the graduate sees every state with its date and may withdraw;
//! both write messages on the application. A graduate's profile reaches an employer only
//! through an application.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use jiuye_domain::access::{self, Action, Resource, Role};
use jiuye_store::postings::ApplicationRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{AuditEvent, Caller, Signed, audited, forbidden};
use crate::employers_api::unprocessable;
use crate::error::{AppError, ErrorBody};

/// Where an application can go next, and who moves it there.
pub const EMPLOYER_STEPS: &[&str] = &["viewed", "interview", "offer", "rejected"];

/// One state an application went through.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct StepDto {
    pub status: String,
    pub at: DateTime<Utc>,
}

/// One message on an application.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MessageDto {
    /// `employer` or `graduate`.
    pub sender: String,
    pub body: String,
    pub at: DateTime<Utc>,
}

/// An application as its two parties see it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ApplicationDto {
    pub id: Uuid,
    pub posting_id: Uuid,
    pub posting_title: String,
    pub employer_name: String,
    pub graduate_name: String,
    pub programme_name: String,
    pub university_name: String,
    /// `submitted`, `viewed`, `interview`, `offer`, `rejected` or `withdrawn`.
    pub status: String,
    pub note: Option<String>,
    pub version: i64,
    /// Every state with its date, oldest first.
    pub history: Vec<StepDto>,
    pub messages: Vec<MessageDto>,
}

async fn dto(state: &AppState, a: ApplicationRow, with_messages: bool) -> Result<ApplicationDto, AppError> {
    let history =
        state.store.application_events(a.id).await?.into_iter().map(|(status, at)| StepDto { status, at }).collect();
    let messages = if with_messages {
        state
            .store
            .application_messages(a.id)
            .await?
            .into_iter()
            .map(|(sender, body, at)| MessageDto { sender, body, at })
            .collect()
    } else {
        Vec::new()
    };
    Ok(ApplicationDto {
        id: a.id,
        posting_id: a.posting_id,
        posting_title: a.posting_title,
        employer_name: a.employer_name,
        graduate_name: a.graduate_name,
        programme_name: a.programme_name,
        university_name: a.university_name,
        status: a.status,
        note: a.note,
        version: a.version,
        history,
        messages,
    })
}

/// The graduate record the caller acts for, when they are a graduate.
fn own_graduate(caller: &Caller) -> Option<Uuid> {
    caller.actor.grants.iter().find(|g| g.role == Role::Graduate).and_then(|g| g.subject_id)
}

/// Which party of the application the caller is: `graduate` or `employer`; None for anyone else.
fn party(caller: &Caller, a: &ApplicationRow) -> Option<&'static str> {
    if access::can(&caller.actor, Action::ApplyToPosting, &Resource::owned("", a.graduate_id)).is_some() {
        Some("graduate")
    } else if access::can(&caller.actor, Action::PostJob, &Resource::owned("", a.employer_id)).is_some() {
        Some("employer")
    } else {
        None
    }
}

async fn parties_application(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
) -> Result<(ApplicationRow, &'static str), AppError> {
    let missing = || AppError::not_found("application_not_found", "没有这份申请");
    let a = state.store.application(id).await?.ok_or_else(missing)?;
    let who = party(caller, &a).ok_or_else(missing)?;
    Ok((a, who))
}

/// Optional words to the employer.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ApplyInput {
    pub note: Option<String>,
}

/// Applies to a posting (graduates, to postings open to them; once each).
#[utoipa::path(post, path = "/api/v1/postings/{id}/applications", tag = "postings", params(("id" = Uuid, Path)), request_body = ApplyInput,
    responses((status = 201, body = ApplicationDto), (status = 409, description = "`already_applied`", body = ErrorBody),
        (status = 404, description = "`posting_not_found`", body = ErrorBody), (status = 403, description = "`forbidden` (not a graduate)", body = ErrorBody),
        (status = 422, description = "`posting_closed`, `invalid_note`", body = ErrorBody)))]
pub async fn apply(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
    Json(input): Json<ApplyInput>,
) -> Response {
    let event = AuditEvent::new("application_create").target(format!("posting:{id}"), None);
    let result = async {
        let graduate = own_graduate(&caller)
            .ok_or_else(|| AppError::new(StatusCode::FORBIDDEN, "forbidden", "只有毕业生账号可以投递"))?;
        let posting = crate::postings_api::readable_posting(&state, Some(&caller), id).await?;
        if posting.posting.status != "approved"
            || posting.posting.deadline < chrono::Local::now().date_naive().to_string()
        {
            return Err(unprocessable("posting_closed", "该职位未发布或已截止"));
        }
        let note = input.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
        if note.is_some_and(|n| n.chars().count() > 1000) {
            return Err(unprocessable("invalid_note", "附言不超过 1000 字"));
        }
        let app_id = Uuid::now_v7();
        if !state.store.add_application(app_id, id, graduate, note, caller.user.id).await? {
            return Err(AppError::new(StatusCode::CONFLICT, "already_applied", "您已投递过这个职位"));
        }
        let a = state.store.application(app_id).await?.ok_or_else(forbidden)?;
        dto(&state, a, true).await
    }
    .await;
    match result {
        Ok(d) => {
            event.target(format!("application:{}", d.id), None).attach((StatusCode::CREATED, Json(d)).into_response())
        }
        Err(e) => audited(event, Err(e)),
    }
}

/// A list of applications.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationList {
    pub total: i64,
    pub items: Vec<ApplicationDto>,
}

/// The caller's own applications (graduates), newest first, each with every state and its date.
#[utoipa::path(get, path = "/api/v1/applications/mine", tag = "postings",
    responses((status = 200, body = ApplicationList), (status = 403, description = "`forbidden`", body = ErrorBody)))]
pub async fn my_applications(
    State(state): State<AppState>,
    Signed(caller): Signed,
) -> Result<Json<ApplicationList>, AppError> {
    let graduate = own_graduate(&caller).ok_or_else(forbidden)?;
    let mut items = Vec::new();
    for a in state.store.applications_of_graduate(graduate).await? {
        items.push(dto(&state, a, false).await?);
    }
    Ok(Json(ApplicationList { total: items.len() as i64, items }))
}

/// The applicants to one of the caller's employer's postings; anyone else gets 404.
#[utoipa::path(get, path = "/api/v1/postings/{id}/applications", tag = "postings", params(("id" = Uuid, Path)),
    responses((status = 200, body = ApplicationList), (status = 404, description = "`posting_not_found`", body = ErrorBody)))]
pub async fn posting_applications(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
) -> Result<Json<ApplicationList>, AppError> {
    let missing = || AppError::not_found("posting_not_found", "没有这个职位，或它不对您开放");
    let p = state.store.posting(id).await?.ok_or_else(missing)?;
    access::can(&caller.actor, Action::PostJob, &Resource::owned("", p.posting.employer_id)).ok_or_else(missing)?;
    let mut items = Vec::new();
    for a in state.store.applications_to_posting(id).await? {
        items.push(dto(&state, a, false).await?);
    }
    Ok(Json(ApplicationList { total: items.len() as i64, items }))
}

/// One application with its history and messages (its two parties only).
#[utoipa::path(get, path = "/api/v1/applications/{id}", tag = "postings", params(("id" = Uuid, Path)),
    responses((status = 200, body = ApplicationDto), (status = 404, description = "`application_not_found`", body = ErrorBody)))]
pub async fn get_application(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
) -> Result<Json<ApplicationDto>, AppError> {
    let (a, _) = parties_application(&state, &caller, id).await?;
    Ok(Json(dto(&state, a, true).await?))
}

/// A move in the pipeline.
#[derive(Debug, Deserialize, ToSchema)]
pub struct StatusInput {
    /// The employer: `viewed`, `interview`, `offer` or `rejected`; the graduate: `withdrawn`.
    pub status: String,
    /// The version seen; a changed application answers 409.
    pub version: i64,
}

pub(crate) async fn move_application(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    input: &StatusInput,
) -> Result<ApplicationDto, AppError> {
    let (a, who) = parties_application(state, caller, id).await?;
    let to = input.status.trim();
    let allowed = match who {
        "employer" => EMPLOYER_STEPS.contains(&to),
        _ => to == "withdrawn",
    };
    if !allowed {
        return Err(unprocessable("invalid_status", format!("您不能把申请改为“{to}”")));
    }
    if matches!(a.status.as_str(), "rejected" | "withdrawn") {
        return Err(unprocessable("application_closed", "这份申请已结束"));
    }
    if !state.store.set_application_status(id, input.version, to, caller.user.id).await? {
        return Err(AppError::new(StatusCode::CONFLICT, "version_conflict", "申请状态已变化，请刷新后重试"));
    }
    let a = state.store.application(id).await?.ok_or_else(forbidden)?;
    dto(state, a, true).await
}

/// Moves an application along (its employer), or withdraws it (its graduate).
#[utoipa::path(post, path = "/api/v1/applications/{id}/status", tag = "postings", params(("id" = Uuid, Path)), request_body = StatusInput,
    responses((status = 200, body = ApplicationDto), (status = 404, description = "`application_not_found`", body = ErrorBody),
        (status = 409, description = "`version_conflict`", body = ErrorBody),
        (status = 422, description = "`invalid_status`, `application_closed`", body = ErrorBody)))]
pub async fn post_status(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
    Json(input): Json<StatusInput>,
) -> Response {
    let event =
        AuditEvent::new("application_status").target(format!("application:{id}"), None).detail(input.status.clone());
    audited(event, move_application(&state, &caller, id, &input).await.map(|d| Json(d).into_response()))
}

/// A message on an application.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MessageInput {
    /// 1–2000 characters.
    pub body: String,
}

/// Writes a message on an application (its employer or its graduate).
#[utoipa::path(post, path = "/api/v1/applications/{id}/messages", tag = "postings", params(("id" = Uuid, Path)), request_body = MessageInput,
    responses((status = 201, body = ApplicationDto), (status = 404, description = "`application_not_found`", body = ErrorBody),
        (status = 422, description = "`invalid_message`", body = ErrorBody)))]
pub async fn post_message(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
    Json(input): Json<MessageInput>,
) -> Response {
    let event = AuditEvent::new("application_message").target(format!("application:{id}"), None);
    let result = async {
        let (a, who) = parties_application(&state, &caller, id).await?;
        let body = input.body.trim();
        if !(1..=2000).contains(&body.chars().count()) {
            return Err(unprocessable("invalid_message", "消息应为 1–2000 个字"));
        }
        state.store.add_application_message(id, who, body).await?;
        dto(&state, a, true).await
    }
    .await;
    audited(event, result.map(|d| (StatusCode::CREATED, Json(d)).into_response()))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(apply, posting_applications))
        .routes(routes!(my_applications))
        .routes(routes!(get_application))
        .routes(routes!(post_status))
        .routes(routes!(post_message))
}

#[derive(askama::Template)]
#[template(path = "applications.html")]
struct ApplicationsPage {
    base: crate::pages::Base,
    title: String,
    /// Set on an employer's list of applicants to one posting.
    posting: Option<Uuid>,
    list: ApplicationList,
    steps: Vec<&'static str>,
}

/// A graduate's applications with every state and its date.
pub async fn my_applications_page(
    State(state): State<AppState>,
    lang: crate::i18n::Lang,
    caller: crate::auth::MaybeCaller,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
) -> Result<Response, AppError> {
    let Some(me) = caller.0.clone() else { return Ok(crate::pages::login_redirect(&uri)) };
    let Json(list) = my_applications(State(state.clone()), Signed(me)).await?;
    let base = crate::pages::Base::new(&state, lang, "postings", &uri).with_caller(&caller);
    let title = base.t("application.mine_title").to_owned();
    crate::pages::render(&ApplicationsPage { base, title, posting: None, list, steps: Vec::new() })
}

/// The applicants to one of the employer's postings, with the pipeline's buttons.
pub async fn applicants_page(
    State(state): State<AppState>,
    lang: crate::i18n::Lang,
    caller: crate::auth::MaybeCaller,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let Some(me) = caller.0.clone() else { return Ok(crate::pages::login_redirect(&uri)) };
    let Json(list) = posting_applications(State(state.clone()), Signed(me), Path(id)).await?;
    let base = crate::pages::Base::new(&state, lang, "postings", &uri).with_caller(&caller);
    let title = base.t("application.applicants_title").to_owned();
    crate::pages::render(&ApplicationsPage { base, title, posting: Some(id), list, steps: EMPLOYER_STEPS.to_vec() })
}

/// Applies from the posting's page.
pub async fn apply_submit(
    State(state): State<AppState>,
    caller: crate::auth::MaybeCaller,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    Path(id): Path<Uuid>,
    axum::Form(f): axum::Form<std::collections::HashMap<String, String>>,
) -> Result<Response, AppError> {
    let Some(me) = caller.0.clone() else { return Ok(crate::pages::login_redirect(&uri)) };
    let input = ApplyInput { note: f.get("note").cloned() };
    let mut resp = apply(State(state), Signed(me), Path(id), Json(input)).await;
    if resp.status() == StatusCode::CREATED || resp.status() == StatusCode::CONFLICT {
        return Ok(crate::auth::carry_audit(&mut resp, axum::response::Redirect::to("/applications").into_response()));
    }
    Ok(resp)
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
    caller: crate::auth::MaybeCaller,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    Path(id): Path<Uuid>,
    axum::Form(f): axum::Form<StatusForm>,
) -> Result<Response, AppError> {
    let Some(me) = caller.0.clone() else { return Ok(crate::pages::login_redirect(&uri)) };
    let input = StatusInput { status: f.status, version: f.version };
    let mut resp = post_status(State(state), Signed(me), Path(id), Json(input)).await;
    if resp.status() == StatusCode::OK {
        let back = match f.back.parse::<Uuid>() {
            Ok(p) => format!("/postings/{p}/applicants"),
            Err(_) => "/applications".into(),
        };
        return Ok(crate::auth::carry_audit(&mut resp, axum::response::Redirect::to(&back).into_response()));
    }
    Ok(resp)
}
