//! The 基层就业卓越奖 nominations over JSON: nominate, list, read one with its history, and take
//! a step (college → university → province).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use jiuye_app::awards::{Awards, NewNomination, NominationView, StepInput};
use jiuye_domain::awards::{NominationState, NomineeKind, Step};
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
    /// The award use cases on this node, now.
    pub fn awards(&self) -> Awards<'_> {
        Awards { store: self.store.as_ref(), now: Utc::now() }
    }
}

/// A nomination as typed.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NominationInput {
    /// `graduate` (基层就业毕业生) or `teacher` (指导教师).
    pub kind: String,
    /// The graduate nominated (kind `graduate`); their college nominates.
    pub graduate_id: Option<Uuid>,
    /// Or the graduate's 学号 at the caller's university.
    pub student_no: Option<String>,
    /// The nominating college's code (kind `teacher`; default: the caller's college).
    pub college: Option<String>,
    /// The teacher's name (kind `teacher`).
    #[serde(default)]
    #[schema(max_length = 50)]
    pub teacher_name: String,
    /// 事迹材料, 30–2000 characters.
    #[schema(min_length = 30, max_length = 2000)]
    pub citation: String,
    /// The award's year (default: this year).
    pub year: Option<i32>,
}

/// A step taken on a nomination.
#[derive(Debug, Serialize, ToSchema)]
pub struct NominationStepDto {
    pub step: String,
    pub from_state: String,
    pub to_state: String,
    pub reason: String,
    pub by: String,
    pub at: DateTime<Utc>,
}

/// A nomination.
#[derive(Debug, Serialize, ToSchema)]
pub struct NominationDto {
    pub id: Uuid,
    pub year: i32,
    pub kind: String,
    pub kind_name: String,
    /// The graduate's or the teacher's name.
    pub nominee: String,
    pub graduate_id: Option<Uuid>,
    pub student_no: Option<String>,
    pub cohort: Option<i32>,
    pub dest_code: Option<String>,
    pub college: String,
    pub university: String,
    pub citation: String,
    /// `submitted`, `returned`, `forwarded`, `awarded`, `declined` or `withdrawn`.
    pub state: String,
    pub state_name: String,
    /// Send it back with the next step.
    pub version: i64,
    /// The steps the caller may take now.
    pub allowed: Vec<String>,
    /// The history, oldest first (on a single nomination).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<NominationStepDto>,
    pub updated_at: DateTime<Utc>,
}

pub(crate) fn nomination_dto(v: NominationView) -> NominationDto {
    let n = v.row.nomination;
    let kind = NomineeKind::from_id(&n.kind).unwrap_or(NomineeKind::Graduate);
    let state = NominationState::from_id(&n.state).unwrap_or(NominationState::Withdrawn);
    NominationDto {
        id: n.id,
        year: n.year,
        kind: kind.id().into(),
        kind_name: kind.zh().into(),
        nominee: match kind {
            NomineeKind::Graduate => v.row.graduate_name.unwrap_or_default(),
            NomineeKind::Teacher => n.teacher_name,
        },
        graduate_id: n.graduate_id,
        student_no: v.row.student_no,
        cohort: v.row.cohort,
        dest_code: v.row.dest_code,
        college: v.row.college_name,
        university: v.row.university_name,
        citation: n.citation,
        state: state.id().into(),
        state_name: state.zh().into(),
        version: n.version,
        allowed: v.allowed.iter().map(|s| s.id().to_owned()).collect(),
        history: v
            .steps
            .into_iter()
            .map(|s| NominationStepDto {
                step: s.step.step,
                from_state: s.step.from_state,
                to_state: s.step.to_state,
                reason: s.step.reason,
                by: s.by_name,
                at: s.step.at,
            })
            .collect(),
        updated_at: n.updated_at,
    }
}

/// Nominates a graduate who recently went to the grassroots, or a teacher (a college's leader,
/// or the career centre on a college's behalf).
#[utoipa::path(post, path = "/api/v1/awards/nominations", tag = "guidance", request_body = NominationInput,
    responses((status = 201, description = "Submitted to the university", body = NominationDto),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`graduate_not_found`, `org_not_found`", body = ErrorBody),
        (status = 409, description = "`already_nominated`", body = ErrorBody),
        (status = 422, description = "`invalid_kind`, `invalid_name`, `invalid_text`, `invalid_year`, `invalid_org`, `not_grassroots`", body = ErrorBody)))]
pub async fn nominate(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Json(n): Json<NominationInput>,
) -> Response {
    let event = AuditEvent::new("award_nominate");
    let input = NewNomination {
        kind: &n.kind,
        graduate: n.graduate_id,
        student_no: n.student_no.as_deref(),
        college: n.college.as_deref(),
        teacher: &n.teacher_name,
        citation: &n.citation,
        year: n.year,
    };
    let awards = state.awards();
    match awards.nominate(&caller.actor, &input).await {
        Ok((row, grant)) => {
            let (id, path) = (row.nomination.id, row.college_path.clone());
            let view = NominationView { allowed: Vec::new(), steps: Vec::new(), row };
            let mut dto = nomination_dto(view);
            if let Ok(v) = awards.get(&caller.actor, id).await {
                dto = nomination_dto(v);
            }
            event
                .target(format!("nomination:{id}"), Some(&path))
                .by(&grant)
                .attach((StatusCode::CREATED, Json(dto)).into_response())
        }
        Err(e) => audited(event, Err(e.into())),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NominationParams {
    /// The award's year (default: every year).
    pub year: Option<i32>,
}

/// The nominations the caller sees: a college's and a university's own; at a province, those
/// forwarded to it.
#[utoipa::path(get, path = "/api/v1/awards/nominations", tag = "guidance", params(NominationParams),
    responses((status = 200, description = "Nominations, newest first", body = Vec<NominationDto>),
        (status = 400, description = "`invalid_query`", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody)))]
pub async fn list_nominations(
    State(state): State<AppState>,
    Signed(caller): Signed,
    ApiQuery(p): ApiQuery<NominationParams>,
) -> Result<Json<Vec<NominationDto>>, AppError> {
    let list = state.awards().list(&caller.actor, p.year).await?;
    Ok(Json(list.into_iter().map(nomination_dto).collect()))
}

/// One nomination with its history.
#[utoipa::path(get, path = "/api/v1/awards/nominations/{id}", tag = "guidance", params(("id" = Uuid, Path)),
    responses((status = 200, description = "The nomination", body = NominationDto),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 404, description = "`nomination_not_found`", body = ErrorBody)))]
pub async fn get_nomination(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
) -> Result<Json<NominationDto>, AppError> {
    Ok(Json(nomination_dto(state.awards().get(&caller.actor, id).await?)))
}

/// A step to take.
#[derive(Debug, Deserialize, ToSchema)]
pub struct StepBody {
    /// `resubmit` or `withdraw` (the college), `forward` or `return` (the university), `award`
    /// or `decline` (the province).
    pub step: String,
    /// Why (required to return or decline).
    #[serde(default)]
    #[schema(max_length = 500)]
    pub reason: String,
    /// A changed citation, when resubmitting.
    pub citation: Option<String>,
    /// The version the caller saw.
    pub version: i64,
}

/// Takes a step on a nomination.
#[utoipa::path(post, path = "/api/v1/awards/nominations/{id}/steps", tag = "guidance", params(("id" = Uuid, Path)),
    request_body = StepBody,
    responses((status = 200, description = "The nomination as it now stands", body = NominationDto),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`: another level's step", body = ErrorBody),
        (status = 404, description = "`nomination_not_found`", body = ErrorBody),
        (status = 409, description = "`invalid_transition`, `version_conflict`", body = ErrorBody),
        (status = 422, description = "`invalid_decision`, `invalid_reason`, `invalid_text`", body = ErrorBody)))]
pub async fn step(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<Uuid>,
    Json(b): Json<StepBody>,
) -> Response {
    let event = AuditEvent::new("award_step").target(format!("nomination:{id}"), None);
    let input = StepInput { step: &b.step, reason: &b.reason, citation: b.citation.as_deref(), version: b.version };
    match state.awards().step(&caller.actor, id, &input).await {
        Ok((v, grant)) => {
            let path = v.row.college_path.clone();
            let detail = Step::from_id(&b.step).map(|s| s.id()).unwrap_or_default();
            event
                .target(format!("nomination:{id}"), Some(&path))
                .by(&grant)
                .detail(detail.to_owned())
                .attach(Json(nomination_dto(v)).into_response())
        }
        Err(e) => audited(event, Err(e.into())),
    }
}

/// The documented routes of the award nominations.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(nominate, list_nominations))
        .routes(routes!(get_nomination))
        .routes(routes!(step))
}
