//! Applications: a graduate applies to a posting open to them; the employer sees only the
//! applicants to its own postings and moves each through the pipeline (submitted, viewed,
//! interview, offer, rejected); the graduate sees every state with its date and may withdraw;
//! both write messages on the application. A graduate's profile reaches an employer only
//! through an application. A blacklisted employer reaches no graduate any more: its account
//! reads no applicant, application, résumé, message or talent list, and writes nothing to them.

use crate::extract::page::{Page, PageParams};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{AuditEvent, Caller, Signed, audited};
use crate::error::{AppError, ErrorBody};
use crate::extract::query::ApiQuery;
use jiuye_app::applications::{self, ApplicationView};

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
    /// The attached résumé, when there is one (read it at `/api/v1/applications/{id}/resume`).
    pub resume: Option<ResumeDto>,
    /// The other party moved it or wrote on it since the caller last opened it
    /// (`GET /api/v1/applications/{id}` marks it seen).
    pub changed: bool,
}

/// A résumé attached to an application.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ResumeDto {
    pub content_type: String,
    pub size_bytes: i64,
}

impl From<ApplicationView> for ApplicationDto {
    fn from(v: ApplicationView) -> ApplicationDto {
        let a = v.application;
        ApplicationDto {
            id: a.id,
            posting_id: a.posting_id,
            posting_title: a.posting_title,
            employer_name: a.employer_name,
            graduate_name: a.graduate_name,
            programme_name: a.programme_name,
            university_name: a.university_name,
            status: a.status.id().to_owned(),
            note: a.note,
            version: a.version,
            history: v.history.into_iter().map(|(status, at)| StepDto { status: status.id().to_owned(), at }).collect(),
            messages: v.messages.into_iter().map(|m| MessageDto { sender: m.sender, body: m.body, at: m.at }).collect(),
            resume: a.resume.map(|(_, content_type, size_bytes)| ResumeDto { content_type, size_bytes }),
            changed: v.changed,
        }
    }
}

fn list(items: Vec<ApplicationView>) -> ApplicationList {
    ApplicationList { total: items.len() as i64, items: items.into_iter().map(ApplicationDto::from).collect() }
}

/// Which of the caller's applications a list shows.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangedParams {
    /// `true`: only those the other party moved or wrote on since the caller last opened them.
    pub changed: Option<bool>,
}

/// The list, or only its changed items when asked.
fn list_of(items: Vec<ApplicationView>, changed_only: bool) -> ApplicationList {
    list(items.into_iter().filter(|v| v.changed || !changed_only).collect())
}

/// Optional words to the employer.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ApplyInput {
    #[schema(max_length = 1000)]
    pub note: Option<String>,
}

/// Applies to a posting (graduates, to postings open to them; once each).
#[utoipa::path(post, path = "/api/v1/postings/{id}/applications", tag = "postings", params(("id" = Uuid, Path)), request_body = ApplyInput,
    responses((status = 201, description = "Applied", body = ApplicationDto), (status = 409, description = "`already_applied`", body = ErrorBody),
        (status = 404, description = "`posting_not_found`", body = ErrorBody), (status = 403, description = "`forbidden` (not a graduate)", body = ErrorBody),
        (status = 422, description = "`posting_closed`, `invalid_note`", body = ErrorBody)))]
pub async fn apply(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
    Json(input): Json<ApplyInput>,
) -> Response {
    let event = AuditEvent::new("application_create").target(format!("posting:{id}"), None);
    match apply_to(&state, &caller, id, &input).await {
        Ok(d) => {
            event.target(format!("application:{}", d.id), None).attach((StatusCode::CREATED, Json(d)).into_response())
        }
        Err(e) => audited(event, Err(e)),
    }
}

/// The caller (a graduate) applies to a posting they can read while it is open (the API and the
/// posting page).
pub(crate) async fn apply_to(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    input: &ApplyInput,
) -> Result<ApplicationDto, AppError> {
    let v = applications::apply(&state.postings(), &caller.actor, id, input.note.as_deref()).await?;
    Ok(v.into())
}

/// A list of applications.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationList {
    pub total: i64,
    pub items: Vec<ApplicationDto>,
}

/// The caller's own applications (graduates), newest first, each with every state and its date,
/// and whether the employer moved it or wrote on it since the graduate last opened it.
#[utoipa::path(get, path = "/api/v1/applications/mine", tag = "postings", params(ChangedParams),
    responses((status = 200, description = "The graduate's applications, newest first", body = ApplicationList), (status = 403, description = "`forbidden`", body = ErrorBody)))]
pub async fn my_applications(
    State(state): State<AppState>,
    Signed(caller): Signed,
    ApiQuery(p): ApiQuery<ChangedParams>,
) -> Result<Json<ApplicationList>, AppError> {
    let items = applications::mine(state.store.as_ref(), &caller.actor).await?;
    Ok(Json(list_of(items, p.changed.unwrap_or(false))))
}

/// Every application to any posting of the caller's employer, newest first, and whether the
/// applicant moved it (applied, withdrew) or wrote on it since the caller last opened it.
#[utoipa::path(get, path = "/api/v1/applications/received", tag = "postings", params(ChangedParams),
    responses((status = 200, description = "The applications the employer received, newest first", body = ApplicationList),
        (status = 403, description = "`forbidden`, `employer_blacklisted`", body = ErrorBody)))]
pub async fn received_applications(
    State(state): State<AppState>,
    Signed(caller): Signed,
    ApiQuery(p): ApiQuery<ChangedParams>,
) -> Result<Json<ApplicationList>, AppError> {
    let items = applications::received(state.store.as_ref(), &caller.actor).await?;
    Ok(Json(list_of(items, p.changed.unwrap_or(false))))
}

/// The caller's applications for the applications page: a graduate's own, or those an
/// employer's account received (only the changed ones when asked).
pub(crate) async fn applications_of_caller(
    state: &AppState,
    caller: &Caller,
    changed_only: bool,
) -> Result<ApplicationList, AppError> {
    let items = match applications::own_graduate(&caller.actor) {
        Some(_) => applications::mine(state.store.as_ref(), &caller.actor).await?,
        None => applications::received(state.store.as_ref(), &caller.actor).await?,
    };
    Ok(list_of(items, changed_only))
}

/// One application with its history and messages, opened by one of its parties.
pub(crate) async fn open_application(state: &AppState, caller: &Caller, id: Uuid) -> Result<ApplicationDto, AppError> {
    Ok(applications::get(state.store.as_ref(), &caller.actor, id).await?.into())
}

/// Writes a message on an application as whichever party the caller is.
pub(crate) async fn write_message(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    body: &str,
) -> Result<ApplicationDto, AppError> {
    Ok(applications::message(state.store.as_ref(), &caller.actor, id, body).await?.into())
}

/// The audit entry of writing a message on an application.
pub(crate) fn message_event(id: Uuid) -> AuditEvent {
    AuditEvent::new("application_message").target(format!("application:{id}"), None)
}

/// The applicants to one of the caller's employer's postings; anyone else gets 404, and a
/// blacklisted employer 403.
#[utoipa::path(get, path = "/api/v1/postings/{id}/applications", tag = "postings", params(("id" = Uuid, Path)),
    responses((status = 200, description = "The applicants, oldest first", body = ApplicationList),
        (status = 403, description = "`employer_blacklisted`", body = ErrorBody),
        (status = 404, description = "`posting_not_found`", body = ErrorBody)))]
pub async fn posting_applications(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
) -> Result<Json<ApplicationList>, AppError> {
    Ok(Json(applicants_to(&state, &caller, id).await?))
}

/// The applicants to one of the caller's employer's postings (the API and the applicants page).
pub(crate) async fn applicants_to(state: &AppState, caller: &Caller, id: Uuid) -> Result<ApplicationList, AppError> {
    Ok(list(applications::applicants(state.store.as_ref(), &caller.actor, id).await?))
}

/// One application with its history and messages (its two parties only); opening it marks it
/// seen for the caller.
#[utoipa::path(get, path = "/api/v1/applications/{id}", tag = "postings", params(("id" = Uuid, Path)),
    responses((status = 200, description = "The application", body = ApplicationDto),
        (status = 403, description = "`employer_blacklisted`", body = ErrorBody),
        (status = 404, description = "`application_not_found`", body = ErrorBody)))]
pub async fn get_application(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
) -> Result<Json<ApplicationDto>, AppError> {
    Ok(Json(open_application(&state, &caller, id).await?))
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
    Ok(applications::move_to(state.store.as_ref(), &caller.actor, id, &input.status, input.version).await?.into())
}

/// Moves an application along (its employer), or withdraws it (its graduate).
#[utoipa::path(post, path = "/api/v1/applications/{id}/status", tag = "postings", params(("id" = Uuid, Path)), request_body = StatusInput,
    responses((status = 200, description = "Moved", body = ApplicationDto),
        (status = 403, description = "`employer_blacklisted`", body = ErrorBody),
        (status = 404, description = "`application_not_found`", body = ErrorBody),
        (status = 409, description = "`version_conflict`", body = ErrorBody),
        (status = 422, description = "`invalid_status`, `application_closed`", body = ErrorBody)))]
pub async fn post_status(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
    Json(input): Json<StatusInput>,
) -> Response {
    audited(
        status_event(id, &input),
        move_application(&state, &caller, id, &input).await.map(|d| Json(d).into_response()),
    )
}

/// The audit entry of moving an application.
pub(crate) fn status_event(id: Uuid, input: &StatusInput) -> AuditEvent {
    AuditEvent::new("application_status").target(format!("application:{id}"), None).detail(input.status.clone())
}

/// A message on an application.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MessageInput {
    /// 1–2000 characters.
    #[schema(max_length = 2000)]
    pub body: String,
}

/// Writes a message on an application (its employer or its graduate).
#[utoipa::path(post, path = "/api/v1/applications/{id}/messages", tag = "postings", params(("id" = Uuid, Path)), request_body = MessageInput,
    responses((status = 201, description = "Written", body = ApplicationDto),
        (status = 403, description = "`employer_blacklisted`", body = ErrorBody),
        (status = 404, description = "`application_not_found`", body = ErrorBody),
        (status = 422, description = "`invalid_message`", body = ErrorBody)))]
pub async fn post_message(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
    Json(input): Json<MessageInput>,
) -> Response {
    let result = write_message(&state, &caller, id, &input.body).await;
    audited(message_event(id), result.map(|d| (StatusCode::CREATED, Json(d)).into_response()))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(apply, posting_applications))
        .routes(routes!(my_applications))
        .routes(routes!(received_applications))
        .routes(routes!(get_application))
        .routes(routes!(post_status))
        .routes(routes!(post_message))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(put_resume, get_resume))
                .layer(axum::extract::DefaultBodyLimit::max(jiuye_app::files::MAX_FILE_BYTES + 64 * 1024)),
        )
        .routes(routes!(get_my_talent, put_my_talent))
        .routes(routes!(list_talent))
}

pub(crate) async fn store_resume(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    bytes: &[u8],
) -> Result<ApplicationDto, AppError> {
    Ok(applications::attach_resume(state.store.as_ref(), &state.files(), &caller.actor, id, bytes).await?.into())
}

/// Attaches a résumé (PDF, at most 5 MB) to the caller's own application, replacing any
/// earlier one. Only the applicant and the posting's employer can read it.
#[utoipa::path(put, path = "/api/v1/applications/{id}/resume", tag = "postings", params(("id" = Uuid, Path)),
    request_body(content = Vec<u8>, content_type = "application/pdf"),
    responses((status = 200, description = "Attached", body = ApplicationDto), (status = 400, description = "`invalid_file`", body = ErrorBody),
        (status = 403, description = "`forbidden` (the employer)", body = ErrorBody),
        (status = 404, description = "`application_not_found`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 422, description = "`application_closed`", body = ErrorBody)))]
pub async fn put_resume(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
    body: axum::body::Bytes,
) -> Response {
    audited(resume_event(id), store_resume(&state, &caller, id, &body).await.map(|d| Json(d).into_response()))
}

/// The audit entry of attaching a résumé.
pub(crate) fn resume_event(id: Uuid) -> AuditEvent {
    AuditEvent::new("application_resume").target(format!("application:{id}"), None)
}

/// The résumé of an application, for its two parties; each read is in the read log, each
/// refusal in the audit log. It is served as
/// a download (never shown inline), not stored by caches, and never sniffed as another type.
#[utoipa::path(get, path = "/api/v1/applications/{id}/resume", tag = "postings", params(("id" = Uuid, Path)),
    responses((status = 200, description = "The PDF, as an attachment named `resume-{id}.pdf`"),
        (status = 403, description = "`employer_blacklisted`", body = ErrorBody),
        (status = 404, description = "`resume_not_found`", body = ErrorBody)))]
pub async fn get_resume(State(state): State<AppState>, Signed(caller): Signed, Path(id): Path<Uuid>) -> Response {
    use axum::http::header;
    let event = AuditEvent::new("application_resume_read").target(format!("application:{id}"), None);
    let result = async {
        let r =
            applications::resume(state.store.as_ref(), &state.files(), &caller.actor, id, state.reads(&caller)).await?;
        // The name is made of the application's id only: nothing the uploader chose reaches it.
        let disposition = format!("attachment; filename=\"resume-{}.pdf\"", r.application_id.simple());
        Ok((
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, r.content_type),
                (header::CONTENT_DISPOSITION, disposition),
                (header::CACHE_CONTROL, "no-store".to_owned()),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            ],
            r.bytes,
        )
            .into_response())
    }
    .await;
    match result {
        Ok(res) => res,
        Err(e) => audited(event, Err(e)),
    }
}

/// Whether employers may find the caller's profile without an application.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct TalentChoice {
    pub open: bool,
}

/// Whether the caller (a graduate) lets verified employers find their profile.
#[utoipa::path(get, path = "/api/v1/me/talent", tag = "postings",
    responses((status = 200, description = "The choice in force", body = TalentChoice), (status = 403, description = "`forbidden` (not a graduate)", body = ErrorBody)))]
pub async fn get_my_talent(
    State(state): State<AppState>,
    Signed(caller): Signed,
) -> Result<Json<TalentChoice>, AppError> {
    Ok(Json(TalentChoice { open: applications::talent_choice(state.store.as_ref(), &caller.actor).await? }))
}

pub(crate) async fn set_talent(state: &AppState, caller: &Caller, open: bool) -> Result<TalentChoice, AppError> {
    applications::set_talent_choice(state.store.as_ref(), &caller.actor, open).await?;
    Ok(TalentChoice { open })
}

/// Opts in (or out): verified employers see an opted-in graduate's name, university, programme,
/// education and cohort in the talent list; nothing else, and nothing at all otherwise.
#[utoipa::path(put, path = "/api/v1/me/talent", tag = "postings", request_body = TalentChoice,
    responses((status = 200, description = "Saved", body = TalentChoice), (status = 403, description = "`forbidden` (not a graduate)", body = ErrorBody)))]
pub async fn put_my_talent(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Json(input): Json<TalentChoice>,
) -> Response {
    audited(talent_event(input.open), set_talent(&state, &caller, input.open).await.map(|d| Json(d).into_response()))
}

/// The audit entry of opening or closing a profile to employers.
pub(crate) fn talent_event(open: bool) -> AuditEvent {
    AuditEvent::new("talent_optin").detail(open.to_string())
}

/// One graduate in the talent list.
#[derive(Debug, Serialize, ToSchema)]
pub struct TalentDto {
    pub graduate_id: Uuid,
    pub name: String,
    pub education_level: String,
    pub cohort: i32,
    pub programme_name: String,
    pub university_name: String,
    pub since: DateTime<Utc>,
}

/// A page of the talent list.
#[derive(Debug, Serialize, ToSchema)]
pub struct TalentList {
    pub total: i64,
    pub items: Vec<TalentDto>,
}

pub(crate) async fn talent_list(state: &AppState, caller: &Caller, page: Page) -> Result<TalentList, AppError> {
    let (rows, total) = applications::talent(state.store.as_ref(), &caller.actor, page.limit, page.offset).await?;
    let items = rows
        .into_iter()
        .map(|t| TalentDto {
            graduate_id: t.graduate_id,
            name: t.name,
            education_level: t.education_level,
            cohort: t.cohort,
            programme_name: t.programme_name,
            university_name: t.university_name,
            since: t.since,
        })
        .collect();
    Ok(TalentList { total, items })
}

/// Graduates who opted in to be found, newest first (accounts of verified employers only).
#[utoipa::path(get, path = "/api/v1/talent", tag = "postings", params(PageParams),
    responses((status = 200, description = "A page of the talent list", body = TalentList),
        (status = 403, description = "`forbidden` (not an employer's account), `employer_blacklisted`", body = ErrorBody),
        (status = 422, description = "`employer_not_verified`", body = ErrorBody)))]
pub async fn list_talent(
    State(state): State<AppState>,
    Signed(caller): Signed,
    page: Page,
) -> Result<Json<TalentList>, AppError> {
    Ok(Json(talent_list(&state, &caller, page).await?))
}
