//! Applications: a graduate applies to a posting open to them; the employer sees only the
//! applicants to its own postings and moves each through the pipeline (submitted, viewed,
//! interview, offer, rejected); the graduate sees every state with its date and may withdraw;
//! both write messages on the application. A graduate's profile reaches an employer only
//! through an application. A blacklisted employer reaches no graduate any more: its account
//! reads no applicant, application, résumé, message or talent list, and writes nothing to them.

use crate::error::ErrorCode;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use jiuye_domain::access::{self, Action, Resource, Role};
use jiuye_domain::employer::Verification;
use jiuye_domain::posting::ApplicationStatus;
use jiuye_store::postings::ApplicationRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{AuditEvent, Caller, Signed, audited, forbidden};
use crate::error::unprocessable;
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
    /// The attached résumé, when there is one (read it at `/api/v1/applications/{id}/resume`).
    pub resume: Option<ResumeDto>,
}

/// A résumé attached to an application.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ResumeDto {
    pub content_type: String,
    pub size_bytes: i64,
}

pub(crate) async fn dto(state: &AppState, a: ApplicationRow, with_messages: bool) -> Result<ApplicationDto, AppError> {
    let history = state
        .store
        .application_events(a.id)
        .await?
        .into_iter()
        .map(|(status, at)| StepDto { status: status.id().to_owned(), at })
        .collect();
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
        status: a.status.id().to_owned(),
        note: a.note,
        version: a.version,
        history,
        messages,
        resume: a.resume.map(|(_, content_type, size_bytes)| ResumeDto { content_type, size_bytes }),
    })
}

/// The graduate record the caller acts for, when they are a graduate.
pub(crate) fn own_graduate(caller: &Caller) -> Option<Uuid> {
    access::subject_of(&caller.actor, Role::Graduate)
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

/// `403 employer_blacklisted` when the employer may no longer reach graduates.
pub(crate) async fn reaches_graduates(state: &AppState, employer_id: Uuid) -> Result<(), AppError> {
    let verification =
        state.store.employer_by_id(employer_id).await?.map(|e| e.verification).unwrap_or(Verification::Unverified);
    if verification.reaches_graduates() {
        Ok(())
    } else {
        Err(AppError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::EmployerBlacklisted,
            "贵单位已被列入黑名单，不能再查看或联系毕业生",
        ))
    }
}

async fn parties_application(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
) -> Result<(ApplicationRow, &'static str), AppError> {
    let missing = || AppError::not_found(ErrorCode::ApplicationNotFound, "没有这份申请");
    let a = state.store.application(id).await?.ok_or_else(missing)?;
    let who = party(caller, &a).ok_or_else(missing)?;
    if who == "employer" {
        reaches_graduates(state, a.employer_id).await?;
    }
    Ok((a, who))
}

/// Optional words to the employer.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ApplyInput {
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
    {
        let graduate = own_graduate(caller)
            .ok_or_else(|| AppError::new(StatusCode::FORBIDDEN, ErrorCode::Forbidden, "只有毕业生账号可以投递"))?;
        let r = crate::api::postings::readers::readable_posting(state, Some(caller), id).await?;
        let today = chrono::Local::now().date_naive();
        if !jiuye_domain::posting::is_open(r.posting.status, r.posting.deadline, today) {
            return Err(unprocessable(ErrorCode::PostingClosed, "该职位未发布或已截止"));
        }
        let note = input.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
        if note.is_some_and(|n| n.chars().count() > 1000) {
            return Err(unprocessable(ErrorCode::InvalidNote, "附言不超过 1000 字"));
        }
        let app_id = Uuid::now_v7();
        if !state.store.add_application(app_id, id, graduate, note, caller.user.id).await? {
            return Err(AppError::new(StatusCode::CONFLICT, ErrorCode::AlreadyApplied, "您已投递过这个职位"));
        }
        let a = state.store.application(app_id).await?.ok_or_else(forbidden)?;
        dto(state, a, true).await
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
    responses((status = 200, description = "The graduate's applications, newest first", body = ApplicationList), (status = 403, description = "`forbidden`", body = ErrorBody)))]
pub async fn my_applications(
    State(state): State<AppState>,
    Signed(caller): Signed,
) -> Result<Json<ApplicationList>, AppError> {
    Ok(Json(applications_of_caller(&state, &caller).await?))
}

/// The caller's own applications (a graduate's; the API and the applications page).
pub(crate) async fn applications_of_caller(state: &AppState, caller: &Caller) -> Result<ApplicationList, AppError> {
    let graduate = own_graduate(caller).ok_or_else(forbidden)?;
    let mut items = Vec::new();
    for a in state.store.applications_of_graduate(graduate).await? {
        items.push(dto(state, a, false).await?);
    }
    Ok(ApplicationList { total: items.len() as i64, items })
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
    let missing = || AppError::not_found(ErrorCode::PostingNotFound, "没有这个职位，或它不对您开放");
    let p = state.store.posting(id).await?.ok_or_else(missing)?;
    access::can(&caller.actor, Action::PostJob, &Resource::owned("", p.posting.employer_id)).ok_or_else(missing)?;
    reaches_graduates(state, p.posting.employer_id).await?;
    let mut items = Vec::new();
    for a in state.store.applications_to_posting(id).await? {
        items.push(dto(state, a, false).await?);
    }
    Ok(ApplicationList { total: items.len() as i64, items })
}

/// One application with its history and messages (its two parties only).
#[utoipa::path(get, path = "/api/v1/applications/{id}", tag = "postings", params(("id" = Uuid, Path)),
    responses((status = 200, description = "The application", body = ApplicationDto),
        (status = 403, description = "`employer_blacklisted`", body = ErrorBody),
        (status = 404, description = "`application_not_found`", body = ErrorBody)))]
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
    let to = ApplicationStatus::from_id(to)
        .filter(|_| allowed)
        .ok_or_else(|| unprocessable(ErrorCode::InvalidStatus, format!("您不能把申请改为“{to}”")))?;
    if a.status.is_closed() {
        return Err(unprocessable(ErrorCode::ApplicationClosed, "这份申请已结束"));
    }
    if !state.store.set_application_status(id, input.version, to, caller.user.id).await? {
        return Err(AppError::new(StatusCode::CONFLICT, ErrorCode::VersionConflict, "申请状态已变化，请刷新后重试"));
    }
    let a = state.store.application(id).await?.ok_or_else(forbidden)?;
    dto(state, a, true).await
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
    let event = AuditEvent::new("application_message").target(format!("application:{id}"), None);
    let result = async {
        let (a, who) = parties_application(&state, &caller, id).await?;
        let body = input.body.trim();
        if !(1..=2000).contains(&body.chars().count()) {
            return Err(unprocessable(ErrorCode::InvalidMessage, "消息应为 1–2000 个字"));
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
    let (a, who) = parties_application(state, caller, id).await?;
    if who != "graduate" {
        return Err(AppError::new(StatusCode::FORBIDDEN, ErrorCode::Forbidden, "只有申请人本人可以上传简历"));
    }
    if a.status.is_closed() {
        return Err(unprocessable(ErrorCode::ApplicationClosed, "这份申请已结束"));
    }
    let content_type = jiuye_app::files::accept(
        bytes,
        |t| t == "application/pdf",
        "简历不能超过 5 MB",
        "简历请上传 PDF 文件（按文件内容判断）",
    )?;
    let dir = &state.settings.evidence_dir;
    let stored = jiuye_app::files::save(dir, bytes).await?;
    match state.store.set_application_resume(id, &stored, content_type, bytes.len() as i64).await {
        Ok(Some(old)) => jiuye_app::files::discard(dir, &old).await,
        Ok(None) => {}
        Err(e) => {
            jiuye_app::files::discard(dir, &stored).await;
            return Err(e.into());
        }
    }
    let a = state.store.application(id).await?.ok_or_else(forbidden)?;
    dto(state, a, true).await
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

/// The résumé of an application, for its two parties; each read is audited. It is served as
/// a download (never shown inline), not stored by caches, and never sniffed as another type.
#[utoipa::path(get, path = "/api/v1/applications/{id}/resume", tag = "postings", params(("id" = Uuid, Path)),
    responses((status = 200, description = "The PDF, as an attachment named `resume-{id}.pdf`"),
        (status = 403, description = "`employer_blacklisted`", body = ErrorBody),
        (status = 404, description = "`resume_not_found`", body = ErrorBody)))]
pub async fn get_resume(State(state): State<AppState>, Signed(caller): Signed, Path(id): Path<Uuid>) -> Response {
    use axum::http::header;
    let event = AuditEvent::new("application_resume_read").target(format!("application:{id}"), None);
    let result = async {
        let missing = || AppError::not_found(ErrorCode::ResumeNotFound, "这份申请没有简历");
        let (a, _) = parties_application(&state, &caller, id)
            .await
            .map_err(|e| if e.status == StatusCode::NOT_FOUND { missing() } else { e })?;
        let (stored, content_type, _) = a.resume.ok_or_else(missing)?;
        let bytes = tokio::fs::read(state.settings.evidence_dir.join(&stored)).await.map_err(|_| missing())?;
        // The name is made of the application's id only: nothing the uploader chose reaches it.
        let disposition = format!("attachment; filename=\"resume-{}.pdf\"", a.id.simple());
        Ok((
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, content_type),
                (header::CONTENT_DISPOSITION, disposition),
                (header::CACHE_CONTROL, "no-store".to_owned()),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            ],
            bytes,
        )
            .into_response())
    }
    .await;
    audited(event, result)
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
    let graduate = own_graduate(&caller).ok_or_else(forbidden)?;
    Ok(Json(TalentChoice { open: state.store.talent_optin(graduate).await? }))
}

pub(crate) async fn set_talent(state: &AppState, caller: &Caller, open: bool) -> Result<TalentChoice, AppError> {
    let graduate = own_graduate(caller).ok_or_else(forbidden)?;
    state.store.set_talent_optin(graduate, open).await?;
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

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TalentParams {
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

pub(crate) async fn talent_list(state: &AppState, caller: &Caller, p: &TalentParams) -> Result<TalentList, AppError> {
    if let Some(id) = access::subject_of(&caller.actor, Role::Employer) {
        reaches_graduates(state, id).await?;
    }
    crate::api::postings::own_employer(state, caller).await?;
    let (rows, total) = state.store.talent(p.limit.unwrap_or(50), p.offset.unwrap_or(0)).await?;
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
#[utoipa::path(get, path = "/api/v1/talent", tag = "postings", params(TalentParams),
    responses((status = 200, description = "A page of the talent list", body = TalentList),
        (status = 403, description = "`forbidden` (not an employer's account), `employer_blacklisted`", body = ErrorBody),
        (status = 422, description = "`employer_not_verified`", body = ErrorBody)))]
pub async fn list_talent(
    State(state): State<AppState>,
    Signed(caller): Signed,
    crate::extract::query::ApiQuery(p): crate::extract::query::ApiQuery<TalentParams>,
) -> Result<Json<TalentList>, AppError> {
    Ok(Json(talent_list(&state, &caller, &p).await?))
}
