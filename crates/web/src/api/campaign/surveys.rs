//! The employer demand survey (社会需求调查) over JSON: employers (or the staff who visit them)
//! record the roles, majors, numbers, skills and pay they expect to hire for; the answers add up
//! by industry, region and major class for every organisation that collected them (the use cases
//! are `jiuye_app::campaign::surveys`). Recording is `Action::RecordDemand` (staff inside their
//! subtree, or the employer's own account for itself); reading the sums adds those who see
//! statistics.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiuye_app::campaign::surveys as app;
use jiuye_domain::demand::{DemandSummary, LineInput};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{AuditEvent, Signed, audited};
use crate::error::{AppError, ErrorBody};
use crate::extract::query::ApiQuery;

/// One role the employer expects to hire for.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct SurveyLineDto {
    /// The role, e.g. 软件开发工程师.
    #[schema(max_length = 60)]
    pub role: String,
    /// 专业类 code from the undergraduate or vocational catalogue, e.g. `0809` (计算机类).
    pub major_class: String,
    /// `vocational`, `bachelor`, `master` or `doctor`.
    pub education: String,
    /// People wanted.
    pub headcount: i64,
    #[schema(max_length = 500)]
    pub skills: Option<String>,
    /// Monthly pay range, yuan.
    pub salary_min: i64,
    pub salary_max: i64,
}

/// A survey answer as submitted.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SurveyInput {
    /// The employer's 统一社会信用代码.
    pub employer: String,
    /// The organisation collecting it (staff; default their own unit). Ignored for an
    /// employer's own account, whose answers go to the organisation that registered it.
    pub org: Option<String>,
    /// The graduating year the demand is for.
    pub year: i64,
    pub lines: Vec<SurveyLineDto>,
    #[schema(max_length = 2000)]
    pub notes: Option<String>,
}

/// A stored survey answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct SurveySaved {
    pub id: Uuid,
    pub employer: String,
    pub org: String,
    pub year: i64,
    pub lines: usize,
    /// True when an earlier answer of the same employer, organisation and year was replaced.
    pub replaced: bool,
}

impl SurveyLineDto {
    /// The line as the rules take it.
    pub(crate) fn to_line(&self) -> LineInput {
        LineInput {
            role: self.role.clone(),
            major_class: self.major_class.clone(),
            education: self.education.clone(),
            headcount: self.headcount,
            skills: self.skills.clone(),
            salary_min: self.salary_min,
            salary_max: self.salary_max,
        }
    }
}

impl SurveyInput {
    /// The answer as the use cases take it.
    fn to_app(&self) -> app::SurveyInput {
        app::SurveyInput {
            employer: self.employer.clone(),
            org: self.org.clone(),
            year: self.year,
            lines: self.lines.iter().map(SurveyLineDto::to_line).collect(),
            notes: self.notes.clone(),
        }
    }
}

impl From<app::Saved> for SurveySaved {
    fn from(s: app::Saved) -> SurveySaved {
        SurveySaved { id: s.id, employer: s.employer, org: s.org, year: s.year, lines: s.lines, replaced: s.replaced }
    }
}

/// Records an employer's demand for a year (replacing its earlier answer to the same
/// organisation for that year).
#[utoipa::path(post, path = "/api/v1/surveys", tag = "campaigns", request_body = SurveyInput,
    responses((status = 201, description = "Recorded", body = SurveySaved), (status = 200, description = "Replaced an earlier answer", body = SurveySaved),
        (status = 422, description = "`employer_not_found`, `employer_blacklisted`, `invalid_org`, `invalid_year`, `no_lines`, `too_many_lines`, `invalid_role`, `invalid_major_class`, `invalid_education`, `invalid_headcount`, `invalid_salary`, `invalid_skills` (the message names the line)", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody)))]
pub async fn post_survey(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Json(input): Json<SurveyInput>,
) -> Response {
    let input = input.to_app();
    let event = survey_event(&input);
    match jiuye_app::campaign::surveys::save(state.store.as_ref(), &caller.actor, &state.refdata, &input).await {
        Ok(saved) => {
            let status = if saved.replaced { StatusCode::OK } else { StatusCode::CREATED };
            survey_saved(event, &saved).attach((status, Json(SurveySaved::from(saved))).into_response())
        }
        Err(e) => audited(event, Err(e.into())),
    }
}

/// The audit entry of saving a survey, before it is known whether it holds.
pub(crate) fn survey_event(input: &app::SurveyInput) -> AuditEvent {
    AuditEvent::new("survey_save").target(format!("employer:{}", input.employer.trim()), None)
}

/// The audit entry completed with the survey saved.
pub(crate) fn survey_saved(event: AuditEvent, saved: &app::Saved) -> AuditEvent {
    event
        .target(format!("survey:{}", saved.id), Some(&saved.org_path))
        .detail(format!("{} {}", saved.employer, saved.year))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DemandParams {
    /// The organisation whose collected answers to add up (its subtree included).
    pub org: String,
    /// Only this graduating year.
    pub year: Option<i64>,
}

/// The demand collected at and below an organisation, by industry section, employer province
/// and major class: employers, people wanted, average pay range and the most-wanted roles.
#[utoipa::path(get, path = "/api/v1/surveys/demand", tag = "campaigns", params(DemandParams),
    responses((status = 200, body = DemandSummary), (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`org_not_found`", body = ErrorBody)))]
pub async fn get_demand(
    State(state): State<AppState>,
    Signed(caller): Signed,
    ApiQuery(p): ApiQuery<DemandParams>,
) -> Result<Json<DemandSummary>, AppError> {
    let store = state.store.as_ref();
    Ok(Json(app::summary(store, &caller.actor, &state.refdata, &p.org, p.year).await?.1))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(post_survey)).routes(routes!(get_demand))
}
