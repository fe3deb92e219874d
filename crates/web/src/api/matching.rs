//! Person–job matching (人岗匹配) over JSON: a graduate's intentions, résumé text and
//! recommendations with their reasons, feedback and invitations; an employer's fitting
//! graduates for its own posting and its invitations; staff coverage and refreshing.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use jiuye_app::matching::invitations::Candidate;
use jiuye_app::matching::{IntentionsInput, IntentionsView, Matching, Recommendation};
use jiuye_domain::matching::recommend::{Feedback, Reason, WorkKind};
use jiuye_store::matching::{CoverageRow, InvitationRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{AuditEvent, Signed, audited};
use crate::error::{AppError, ErrorBody};
use crate::extract::query::ApiQuery;

impl AppState {
    /// The matching use cases on this node, with today's local date.
    pub fn matching(&self) -> Matching<'_> {
        Matching {
            store: self.store.as_ref(),
            refdata: &self.refdata,
            pool: &self.matching,
            readers: &self.search.readers,
            today: crate::render::time::today(),
        }
    }
}

/// A graduate's job intentions (求职意向). Every list empty means no preference.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct IntentionsDto {
    /// Region codes (GB/T 2260): provinces, cities or counties (at most 20).
    #[serde(default)]
    pub regions: Vec<String>,
    /// Industry sections (GB/T 4754 letters, e.g. `I`).
    #[serde(default)]
    pub industries: Vec<String>,
    /// Occupation codes of the 职业分类大典 2022 (any level, e.g. `2-02-10-03`).
    #[serde(default)]
    pub occupations: Vec<String>,
    /// Employer type codes (单位性质).
    #[serde(default)]
    pub employer_types: Vec<String>,
    /// Monthly pay wanted, in yuan.
    pub pay_min: Option<i64>,
    pub pay_max: Option<i64>,
    /// `any` (default), `full_time` or `internship`.
    #[serde(default)]
    pub work: Option<WorkKind>,
    /// Skills in words (up to 1,000 characters).
    #[serde(default)]
    pub skills: String,
    /// Certificates in words (up to 1,000 characters).
    #[serde(default)]
    pub certificates: String,
    /// Lets verified employers find the graduate and invite them (the talent list). Unchanged
    /// when absent.
    pub opted_in: Option<bool>,
    /// Characters read from the résumé PDF (read only).
    #[serde(default)]
    pub resume_chars: usize,
}

fn intentions_dto(v: IntentionsView) -> IntentionsDto {
    let i = v.intentions;
    IntentionsDto {
        regions: i.regions,
        industries: i.industries,
        occupations: i.occupations,
        employer_types: i.employer_types,
        pay_min: i.pay_min,
        pay_max: i.pay_max,
        work: Some(i.work),
        skills: v.skills,
        certificates: v.certificates,
        opted_in: Some(v.opted_in),
        resume_chars: v.resume_chars,
    }
}

/// Why a posting fits, or fits less.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReasonDto {
    /// `major`, `text`, `occupation`, `region`, `education`, `pay`, `recent`, `industry`,
    /// `employer_type`, `work`, `hardship` (graduate and staff only), `feedback`.
    pub factor: String,
    pub text: String,
}

fn reasons(r: Vec<Reason>) -> Vec<ReasonDto> {
    r.into_iter().map(|r| ReasonDto { factor: r.factor, text: r.text }).collect()
}

/// A recommended posting.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecommendationDto {
    pub posting_id: Uuid,
    pub title: String,
    pub employer_name: String,
    pub region_name: String,
    pub salary_min: Option<i64>,
    pub salary_max: Option<i64>,
    pub deadline: NaiveDate,
    pub score: f32,
    /// Why it fits, strongest first (at least one).
    pub fits: Vec<ReasonDto>,
    /// Why it fits less.
    pub fits_less: Vec<ReasonDto>,
}

pub(crate) fn recommendation_dto(r: Recommendation) -> RecommendationDto {
    RecommendationDto {
        posting_id: r.posting_id,
        title: r.title,
        employer_name: r.employer_name,
        region_name: r.region_name,
        salary_min: r.salary_min,
        salary_max: r.salary_max,
        deadline: r.deadline,
        score: r.score,
        fits: reasons(r.fits),
        fits_less: reasons(r.fits_less),
    }
}

/// Recommendations.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecommendationList {
    pub items: Vec<RecommendationDto>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LimitParams {
    /// How many (1–50, default 20).
    pub limit: Option<usize>,
}

/// The caller's intentions (a graduate).
#[utoipa::path(get, path = "/api/v1/me/intentions", tag = "matching",
    responses((status = 200, description = "The intentions", body = IntentionsDto),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: not a graduate", body = ErrorBody)))]
pub async fn get_intentions(
    State(state): State<AppState>,
    Signed(caller): Signed,
) -> Result<Json<IntentionsDto>, AppError> {
    Ok(Json(intentions_dto(state.matching().intentions(&caller.actor).await?)))
}

/// States the caller's intentions (a graduate); recommendations follow them at once.
#[utoipa::path(put, path = "/api/v1/me/intentions", tag = "matching", request_body = IntentionsDto,
    responses((status = 200, description = "Stored", body = IntentionsDto),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: not a graduate", body = ErrorBody),
        (status = 422, description = "`invalid_region`, `invalid_industry`, `invalid_occupation`, `invalid_employer_type`, `invalid_salary`, `invalid_kind`, `invalid_skills`", body = ErrorBody)))]
pub async fn put_intentions(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Json(i): Json<IntentionsDto>,
) -> Response {
    let event = AuditEvent::new("intentions_set").target("intentions", None);
    let input = IntentionsInput {
        regions: i.regions,
        industries: i.industries,
        occupations: i.occupations,
        employer_types: i.employer_types,
        pay_min: i.pay_min,
        pay_max: i.pay_max,
        work: i.work.unwrap_or_default().id().to_owned(),
        skills: i.skills,
        certificates: i.certificates,
        opted_in: i.opted_in,
    };
    let r = state.matching().set_intentions(&caller.actor, &input).await;
    audited(event, r.map(|v| Json(intentions_dto(v)).into_response()).map_err(AppError::from))
}

/// What was read of a résumé.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResumeRead {
    /// Characters of text read (at most 20,000).
    pub chars: usize,
}

/// Reads the text of the caller's résumé (a PDF of at most 5 MB and 20 pages, as the request
/// body) to feed matching. The text is kept; the file is not.
#[utoipa::path(put, path = "/api/v1/me/resume-text", tag = "matching",
    request_body(content = Vec<u8>, content_type = "application/pdf"),
    responses((status = 200, description = "Read", body = ResumeRead),
        (status = 400, description = "`invalid_file`: empty, or not a PDF (by its content)", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: not a graduate", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 422, description = "`invalid_file`: unreadable, or more than 20 pages", body = ErrorBody)))]
pub async fn put_resume_text(State(state): State<AppState>, Signed(caller): Signed, body: Bytes) -> Response {
    let event = AuditEvent::new("resume_text_read").target("resume_text", None);
    let r = state.matching().set_resume(&caller.actor, body.to_vec()).await;
    audited(event, r.map(|chars| Json(ResumeRead { chars }).into_response()).map_err(AppError::from))
}

/// Postings recommended to the caller (为你推荐), best first, each with its reasons. Only
/// postings the caller may read: open, approved, of low risk, from an employer neither
/// blacklisted nor hidden, reaching the caller.
#[utoipa::path(get, path = "/api/v1/me/recommendations", tag = "matching", params(LimitParams),
    responses((status = 200, description = "Recommendations", body = RecommendationList),
        (status = 400, description = "`invalid_query`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: not a graduate", body = ErrorBody)))]
pub async fn my_recommendations(
    State(state): State<AppState>,
    Signed(caller): Signed,
    ApiQuery(p): ApiQuery<LimitParams>,
) -> Result<Json<RecommendationList>, AppError> {
    let items = state.matching().mine(&caller.actor, p.limit.unwrap_or(20)).await?;
    Ok(Json(RecommendationList { items: items.into_iter().map(recommendation_dto).collect() }))
}

/// Feedback on a recommended posting.
#[derive(Debug, Deserialize, ToSchema)]
pub struct FeedbackInput {
    /// `not_interested` (不感兴趣: not shown again; its employer and occupation count less) or
    /// `interested`.
    pub feedback: Feedback,
}

/// Records the caller's feedback on a posting they may read; the next recommendations follow it.
#[utoipa::path(post, path = "/api/v1/me/recommendations/{posting_id}/feedback", tag = "matching",
    params(("posting_id" = Uuid, Path)), request_body = FeedbackInput,
    responses((status = 204, description = "Recorded"),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: not a graduate", body = ErrorBody),
        (status = 404, description = "`posting_not_found`", body = ErrorBody)))]
pub async fn recommendation_feedback(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(posting_id): Path<Uuid>,
    Json(f): Json<FeedbackInput>,
) -> Response {
    let event = AuditEvent::new("match_feedback").target(format!("posting:{posting_id}"), None).detail(f.feedback.id());
    let r = state.matching().feedback(&caller.actor, posting_id, f.feedback).await;
    audited(event, r.map(|()| StatusCode::NO_CONTENT.into_response()).map_err(AppError::from))
}

/// A graduate who fits a posting, as its employer sees them.
#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateDto {
    pub graduate_id: Uuid,
    pub name: String,
    pub education_level: String,
    pub programme: String,
    pub university: String,
    pub score: f32,
    pub fits: Vec<ReasonDto>,
    pub fits_less: Vec<ReasonDto>,
    /// The invitation already sent: `pending`, `accepted` or `declined`.
    pub invitation: Option<String>,
}

pub(crate) fn candidate_dto(c: Candidate) -> CandidateDto {
    CandidateDto {
        graduate_id: c.graduate_id,
        name: c.name,
        education_level: c.education_level,
        programme: c.programme_name,
        university: c.university_name,
        score: c.score,
        fits: reasons(c.fits),
        fits_less: reasons(c.fits_less),
        invitation: c.invitation,
    }
}

/// Fitting graduates.
#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateList {
    pub items: Vec<CandidateDto>,
}

/// Graduates who fit one of the caller's own open postings (合适的毕业生), best first: only those
/// who opted in to the talent list or applied to it, and whom the posting reaches.
#[utoipa::path(get, path = "/api/v1/postings/{id}/candidates", tag = "matching", params(("id" = Uuid, Path), LimitParams),
    responses((status = 200, description = "Fitting graduates", body = CandidateList),
        (status = 400, description = "`invalid_query`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 404, description = "`posting_not_found`: no such posting of the caller's employer", body = ErrorBody),
        (status = 409, description = "`posting_closed`: not published or past its deadline", body = ErrorBody)))]
pub async fn posting_candidates(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
    ApiQuery(p): ApiQuery<LimitParams>,
) -> Result<Json<CandidateList>, AppError> {
    let items = state.matching().candidates(&caller.actor, id, p.limit.unwrap_or(20)).await?;
    Ok(Json(CandidateList { items: items.into_iter().map(candidate_dto).collect() }))
}

/// An invitation to apply.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationDto {
    pub id: Uuid,
    pub posting_id: Uuid,
    pub posting_title: String,
    pub employer_name: String,
    pub graduate_id: Uuid,
    pub graduate_name: String,
    pub message: String,
    /// `pending`, `accepted` or `declined`.
    pub status: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub answered_at: Option<chrono::DateTime<chrono::Utc>>,
}

pub(crate) fn invitation_dto(r: InvitationRow) -> InvitationDto {
    let i = r.invitation;
    InvitationDto {
        id: i.id,
        posting_id: i.posting_id,
        posting_title: r.posting_title,
        employer_name: r.employer_name,
        graduate_id: i.graduate_id,
        graduate_name: r.graduate_name,
        message: i.message,
        status: i.status,
        created_at: i.created_at,
        answered_at: i.answered_at,
    }
}

/// Invitations.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationList {
    pub items: Vec<InvitationDto>,
}

/// Whom to invite.
#[derive(Debug, Deserialize, ToSchema)]
pub struct InvitationInput {
    pub graduate_id: Uuid,
    /// A few words to the graduate (up to 500 characters).
    #[serde(default)]
    #[schema(max_length = 500)]
    pub message: String,
}

/// Invites a graduate who opted in (or applied) to apply to one of the caller's open postings;
/// the graduate sees it on their workbench and answers.
#[utoipa::path(post, path = "/api/v1/postings/{id}/invitations", tag = "matching", params(("id" = Uuid, Path)),
    request_body = InvitationInput,
    responses((status = 201, description = "Invited", body = InvitationDto),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 404, description = "`posting_not_found`, `graduate_not_found` (or not opted in, or out of the posting's reach)", body = ErrorBody),
        (status = 409, description = "`already_invited`, `posting_closed`", body = ErrorBody),
        (status = 422, description = "`invalid_message`", body = ErrorBody)))]
pub async fn invite_graduate(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
    Json(i): Json<InvitationInput>,
) -> Response {
    let event = AuditEvent::new("graduate_invite").target(format!("posting:{id}"), None);
    let r = state.matching().invite(&caller.actor, id, i.graduate_id, &i.message).await;
    audited(
        event,
        r.map(|row| (StatusCode::CREATED, Json(invitation_dto(row))).into_response()).map_err(AppError::from),
    )
}

/// The invitations of one of the caller's postings, newest first.
#[utoipa::path(get, path = "/api/v1/postings/{id}/invitations", tag = "matching", params(("id" = Uuid, Path)),
    responses((status = 200, description = "Invitations", body = InvitationList),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 404, description = "`posting_not_found`", body = ErrorBody)))]
pub async fn posting_invitations(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
) -> Result<Json<InvitationList>, AppError> {
    let items = state.matching().posting_invitations(&caller.actor, id).await?;
    Ok(Json(InvitationList { items: items.into_iter().map(invitation_dto).collect() }))
}

/// The caller's invitations (a graduate), newest first.
#[utoipa::path(get, path = "/api/v1/me/invitations", tag = "matching",
    responses((status = 200, description = "Invitations", body = InvitationList),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: not a graduate", body = ErrorBody)))]
pub async fn my_invitations(
    State(state): State<AppState>,
    Signed(caller): Signed,
) -> Result<Json<InvitationList>, AppError> {
    let items = state.matching().my_invitations(&caller.actor).await?;
    Ok(Json(InvitationList { items: items.into_iter().map(invitation_dto).collect() }))
}

/// An answer to an invitation.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AnswerInput {
    pub accept: bool,
}

/// Accepts or declines one of the caller's invitations.
#[utoipa::path(post, path = "/api/v1/me/invitations/{id}/answer", tag = "matching", params(("id" = Uuid, Path)),
    request_body = AnswerInput,
    responses((status = 200, description = "Answered", body = InvitationDto),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 404, description = "`invitation_not_found`", body = ErrorBody),
        (status = 409, description = "`already_answered`", body = ErrorBody)))]
pub async fn answer_invitation(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
    Json(a): Json<AnswerInput>,
) -> Response {
    let event = AuditEvent::new("invitation_answer").target(format!("invitation:{id}"), None);
    let r = state.matching().answer(&caller.actor, id, a.accept).await;
    audited(event, r.map(|row| Json(invitation_dto(row)).into_response()).map_err(AppError::from))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CoverageParams {
    /// Organisation code (default: the caller's own).
    pub org: Option<String>,
    pub cohort: Option<i32>,
}

/// One college's matching coverage.
#[derive(Debug, Serialize, ToSchema)]
pub struct CoverageDto {
    pub college_id: Uuid,
    pub college: String,
    pub graduates: i64,
    /// Graduates with at least three stored matches.
    pub covered: i64,
    /// Graduates with an open hardship file.
    pub hardship: i64,
    pub hardship_covered: i64,
}

fn coverage_dto(r: CoverageRow) -> CoverageDto {
    CoverageDto {
        college_id: r.college_id,
        college: r.college_name,
        graduates: r.graduates,
        covered: r.covered,
        hardship: r.hardship,
        hardship_covered: r.hardship_covered,
    }
}

/// Matching coverage per college.
#[derive(Debug, Serialize, ToSchema)]
pub struct CoverageList {
    pub items: Vec<CoverageDto>,
}

/// Per college at or under the organisation: how many graduates have at least three current
/// matches, and how many of those in difficulty (staff).
#[utoipa::path(get, path = "/api/v1/matching/coverage", tag = "matching", params(CoverageParams),
    responses((status = 200, description = "Coverage", body = CoverageList),
        (status = 400, description = "`invalid_query`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`org_not_found`", body = ErrorBody)))]
pub async fn match_coverage(
    State(state): State<AppState>,
    Signed(caller): Signed,
    ApiQuery(p): ApiQuery<CoverageParams>,
) -> Result<Json<CoverageList>, AppError> {
    let m = state.matching();
    let path = m.staff_scope(&caller.actor, p.org.as_deref()).await?;
    let rows = m.coverage(&caller.actor, &path, p.cohort).await?;
    Ok(Json(CoverageList { items: rows.into_iter().map(coverage_dto).collect() }))
}

/// Where to refresh matches.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RefreshInput {
    /// Organisation code (default: the caller's own).
    pub org: Option<String>,
}

/// How many graduates' matches were refreshed.
#[derive(Debug, Serialize, ToSchema)]
pub struct Refreshed {
    pub graduates: usize,
}

/// Recomputes and stores the matches of every graduate at or under the organisation, graduates
/// in difficulty first (staff).
#[utoipa::path(post, path = "/api/v1/matching/refresh", tag = "matching", request_body = RefreshInput,
    responses((status = 200, description = "Refreshed", body = Refreshed),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`org_not_found`", body = ErrorBody)))]
pub async fn refresh_matches(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Json(r): Json<RefreshInput>,
) -> Response {
    let event = AuditEvent::new("matches_refresh");
    let m = state.matching();
    let result = async {
        let path = m.staff_scope(&caller.actor, r.org.as_deref()).await?;
        let n = m.push(&caller.actor, &path).await?;
        Ok::<_, jiuye_app::Error>((path, n))
    }
    .await;
    match result {
        Ok((path, n)) => {
            event.target(format!("org:{path}"), Some(&path)).attach(Json(Refreshed { graduates: n }).into_response())
        }
        Err(e) => audited(event, Err(e.into())),
    }
}

/// A graduate's recommendations as the staff helping them see them (the hardship rule only for
/// those who may read the graduate's hardship file).
#[utoipa::path(get, path = "/api/v1/graduates/{id}/recommendations", tag = "matching", params(("id" = Uuid, Path), LimitParams),
    responses((status = 200, description = "Recommendations", body = RecommendationList),
        (status = 400, description = "`invalid_query`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 404, description = "`graduate_not_found`: no such graduate in the caller's scope", body = ErrorBody)))]
pub async fn graduate_recommendations(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
    ApiQuery(p): ApiQuery<LimitParams>,
) -> Result<Json<RecommendationList>, AppError> {
    let items = state.matching().of_graduate(&caller.actor, id, p.limit.unwrap_or(20)).await?;
    Ok(Json(RecommendationList { items: items.into_iter().map(recommendation_dto).collect() }))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_intentions, put_intentions))
        .routes(routes!(put_resume_text))
        .routes(routes!(my_recommendations))
        .routes(routes!(recommendation_feedback))
        .routes(routes!(posting_candidates))
        .routes(routes!(invite_graduate, posting_invitations))
        .routes(routes!(my_invitations))
        .routes(routes!(answer_invitation))
        .routes(routes!(match_coverage))
        .routes(routes!(refresh_matches))
        .routes(routes!(graduate_recommendations))
}
