//! The employer demand survey (社会需求调查): employers (or the staff who visit them) record the
//! roles, majors, numbers, skills and pay they expect to hire for; the answers add up by
//! industry, region and major class for every organisation that collected them. Recording is
//! `Action::RecordDemand` (staff inside their subtree, or the employer's own account for
//! itself); reading the sums adds those who see statistics.

use crate::error::ErrorCode;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiuye_domain::Org;
use jiuye_domain::access::{self, Action, Resource, Role};
use jiuye_domain::demand::{self, Answer, DemandSummary, LineInput};
use jiuye_store::campaign::{SurveyLine, SurveyRecord};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{AuditEvent, Caller, Signed, audited, forbidden};
use crate::error::unprocessable;
use crate::error::{AppError, ErrorBody};
use crate::extract::org::org_by_code_text;
use crate::extract::query::ApiQuery;

/// One role the employer expects to hire for.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct SurveyLineDto {
    /// The role, e.g. 软件开发工程师.
    pub role: String,
    /// 专业类 code from the undergraduate or vocational catalogue, e.g. `0809` (计算机类).
    pub major_class: String,
    /// `vocational`, `bachelor`, `master` or `doctor`.
    pub education: String,
    /// People wanted.
    pub headcount: i64,
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

fn own_employer(caller: &Caller) -> Option<Uuid> {
    jiuye_domain::access::subject_of(&caller.actor, Role::Employer)
}

async fn save(state: &AppState, caller: &Caller, input: &SurveyInput) -> Result<(SurveySaved, String), AppError> {
    let employer = crate::api::campaign::visits::usable_employer(state, &input.employer).await?;
    let org: Org = if own_employer(caller) == Some(employer.id) {
        state.store.org_by_id(employer.org_id).await?.ok_or_else(forbidden)?
    } else {
        let code = match input.org.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(c) => c.to_owned(),
            None => crate::extract::org::home_org(caller, &[Action::RecordDemand])?,
        };
        org_by_code_text(state, &code)
            .await?
            .ok_or_else(|| unprocessable(ErrorCode::InvalidOrg, format!("没有代码为 {code} 的单位")))?
    };
    access::can(&caller.actor, Action::RecordDemand, &Resource::owned(&org.path, employer.id)).ok_or_else(forbidden)?;
    if !(2000..=2100).contains(&input.year) {
        return Err(unprocessable(ErrorCode::InvalidYear, "届别应为 2000–2100 之间的年份"));
    }
    let lines: Vec<LineInput> = input
        .lines
        .iter()
        .map(|l| LineInput {
            role: l.role.clone(),
            major_class: l.major_class.clone(),
            education: l.education.clone(),
            headcount: l.headcount,
            skills: l.skills.clone(),
            salary_min: l.salary_min,
            salary_max: l.salary_max,
        })
        .collect();
    let problems = demand::check_lines(&state.refdata, &lines);
    if let Some(first) = problems.first() {
        let message = problems.iter().map(|p| p.message.as_str()).collect::<Vec<_>>().join("；");
        return Err(unprocessable(first.code, message));
    }
    let record = SurveyRecord {
        id: Uuid::now_v7(),
        employer_id: employer.id,
        org_id: org.id,
        year: input.year,
        notes: input.notes.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(|s| s.chars().take(2000).collect()),
        submitted_by: caller.user.id,
        origin_node: state.store.node().await?.node_id,
        lines: lines
            .iter()
            .map(|l| SurveyLine {
                role: l.role.trim().to_owned(),
                major_class: l.major_class.trim().to_owned(),
                education: l.education.trim().to_owned(),
                headcount: l.headcount,
                skills: l.skills.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned),
                salary_min: l.salary_min,
                salary_max: l.salary_max,
            })
            .collect(),
    };
    let (id, new) = state.store.save_survey(&record).await?;
    Ok((
        SurveySaved {
            id,
            employer: employer.credit_code,
            org: org.code.to_string(),
            year: input.year,
            lines: record.lines.len(),
            replaced: !new,
        },
        org.path,
    ))
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
    let event = survey_event(&input);
    match save(&state, &caller, &input).await {
        Ok((saved, path)) => {
            let status = if saved.replaced { StatusCode::OK } else { StatusCode::CREATED };
            survey_saved(event, &saved, &path).attach((status, Json(saved)).into_response())
        }
        Err(e) => audited(event, Err(e)),
    }
}

/// The audit entry of saving a survey, before it is known whether it holds.
fn survey_event(input: &SurveyInput) -> AuditEvent {
    AuditEvent::new("survey_save").target(format!("employer:{}", input.employer.trim()), None)
}

/// The audit entry completed with the survey saved.
fn survey_saved(event: AuditEvent, saved: &SurveySaved, path: &str) -> AuditEvent {
    event.target(format!("survey:{}", saved.id), Some(path)).detail(format!("{} {}", saved.employer, saved.year))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DemandParams {
    /// The organisation whose collected answers to add up (its subtree included).
    pub org: String,
    /// Only this graduating year.
    pub year: Option<i64>,
}

async fn summary(state: &AppState, caller: &Caller, p: &DemandParams) -> Result<(Org, DemandSummary), AppError> {
    let org = org_by_code_text(state, &p.org)
        .await?
        .ok_or_else(|| AppError::not_found(ErrorCode::OrgNotFound, format!("没有代码为 {} 的单位", p.org.trim())))?;
    let r = Resource::at(&org.path);
    if access::can(&caller.actor, Action::RecordDemand, &r).is_none()
        && access::can(&caller.actor, Action::ViewStatistics, &r).is_none()
    {
        return Err(forbidden());
    }
    let facts = state.store.demand_under(&org.path, p.year).await?;
    let answers: Vec<Answer> = facts
        .into_iter()
        .map(|f| Answer {
            employer: f.employer_id,
            industry_code: f.industry_code,
            region_code: f.region_code,
            role: f.line.role,
            major_class: f.line.major_class,
            headcount: f.line.headcount,
            salary_min: f.line.salary_min,
            salary_max: f.line.salary_max,
        })
        .collect();
    Ok((org, demand::summarise(&state.refdata, &answers)))
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
    Ok(Json(summary(&state, &caller, &p).await?.1))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(post_survey)).routes(routes!(get_demand))
}

/// Blank lines the form offers.
const FORM_LINES: usize = 5;

#[derive(askama::Template)]
#[template(path = "surveys.html")]
struct SurveysPage {
    base: crate::render::page::Base,
    org: String,
    year: String,
    summary: Option<DemandSummary>,
    sections: Vec<(String, Vec<jiuye_domain::demand::DemandGroup>)>,
    chart: String,
    employer: String,
    lines: Vec<SurveyLineDto>,
    education: Vec<(&'static str, &'static str)>,
    form_year: i32,
    error: Option<String>,
    saved: bool,
}

#[derive(Debug, Deserialize)]
pub struct SurveysQuery {
    org: Option<String>,
    year: Option<String>,
    saved: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn page(
    state: &AppState,
    lang: crate::i18n::Lang,
    uri: &axum::http::Uri,
    caller: &crate::auth::MaybeCaller,
    me: &Caller,
    q: &SurveysQuery,
    lines: Vec<SurveyLineDto>,
    employer: String,
    error: Option<String>,
) -> Result<Response, AppError> {
    let base = crate::render::page::Base::new(state, lang, "campaigns", uri).with_caller(caller);
    let scope = crate::extract::org::home_org(me, &[Action::RecordDemand, Action::ViewStatistics]).ok();
    let own = match own_employer(me) {
        Some(id) => state.store.employer_by_id(id).await?.map(|e| e.credit_code),
        None => None,
    };
    if scope.is_none() && own.is_none() {
        return Err(forbidden());
    }
    let org =
        q.org.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).or(scope).unwrap_or_default();
    let year_text = q.year.clone().unwrap_or_default();
    let year = match year_text.trim() {
        "" => None,
        y => Some(y.parse::<i64>().map_err(|_| AppError::bad_request(ErrorCode::InvalidYear, "届别应为年份"))?),
    };
    let (summary, chart) = if org.is_empty() {
        (None, String::new())
    } else {
        let (o, s) = summary(state, me, &DemandParams { org: org.clone(), year }).await?;
        let total = s.headcount.max(1) as f64;
        let bars: Vec<crate::render::charts::Bar> = s
            .by_industry
            .iter()
            .take(12)
            .map(|g| crate::render::charts::Bar {
                label: g.name.clone(),
                value: g.headcount as f64 / total,
                flagged: false,
            })
            .collect();
        let chart = if bars.is_empty() {
            String::new()
        } else {
            let avg = 1.0 / bars.len() as f64;
            crate::render::charts::rate_bars(
                &format!("{} 用人需求行业分布", o.name),
                "各行业门类需求人数占全部需求人数的比例",
                &bars,
                avg,
            )
        };
        (Some(s), chart)
    };
    let sections = match &summary {
        Some(s) => vec![
            (base.t("survey.by_industry").to_owned(), s.by_industry.clone()),
            (base.t("survey.by_region").to_owned(), s.by_region.clone()),
            (base.t("survey.by_major_class").to_owned(), s.by_major_class.clone()),
        ],
        None => Vec::new(),
    };
    let mut lines = lines;
    lines.resize(FORM_LINES.max(lines.len()), SurveyLineDto::default());
    let employer = if employer.is_empty() { own.unwrap_or_default() } else { employer };
    let page = SurveysPage {
        base,
        org,
        year: year_text,
        summary,
        sections,
        chart,
        employer,
        lines,
        education: demand::EDUCATION_LEVELS.to_vec(),
        form_year: chrono::Datelike::year(&chrono::Local::now().date_naive()) + 1,
        error,
        saved: q.saved.is_some(),
    };
    crate::render::page::render(&page)
}

/// The demand sums of an organisation, with a form to record an employer's answers.
pub async fn surveys_page(
    State(state): State<AppState>,
    lang: crate::i18n::Lang,
    caller: crate::auth::MaybeCaller,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    ApiQuery(q): ApiQuery<SurveysQuery>,
) -> Result<Response, AppError> {
    let Some(me) = caller.0.clone() else { return Ok(crate::render::page::login_redirect(&uri)) };
    page(&state, lang, &uri, &caller, &me, &q, Vec::new(), String::new(), None).await
}

/// Records a survey from the page's form (blank lines are skipped) through the API's code.
pub async fn surveys_submit(
    State(state): State<AppState>,
    lang: crate::i18n::Lang,
    caller: crate::auth::MaybeCaller,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let Some(me) = caller.0.clone() else { return Ok(crate::render::page::login_redirect(&uri)) };
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_owned()).unwrap_or_default();
    let mut lines = Vec::new();
    let mut bad_number = None;
    for i in 0..20 {
        let f = |k: &str| get(&format!("{k}_{i}"));
        if [f("role"), f("major_class"), f("headcount"), f("salary_min"), f("salary_max")].iter().all(String::is_empty)
        {
            continue;
        }
        let num = |k: &str| {
            let v = f(k);
            if v.is_empty() { Some(0) } else { v.parse::<i64>().ok() }
        };
        let (Some(headcount), Some(salary_min), Some(salary_max)) =
            (num("headcount"), num("salary_min"), num("salary_max"))
        else {
            bad_number = Some(format!("第 {} 行：人数和月薪应为整数", lines.len() + 1));
            break;
        };
        lines.push(SurveyLineDto {
            role: f("role"),
            major_class: f("major_class"),
            education: f("education"),
            headcount,
            skills: Some(f("skills")),
            salary_min,
            salary_max,
        });
    }
    let q = SurveysQuery { org: Some(get("org")), year: None, saved: None };
    let employer = get("employer");
    if let Some(m) = bad_number {
        let mut resp = page(&state, lang, &uri, &caller, &me, &q, lines, employer, Some(m)).await?;
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(resp);
    }
    let year = get("year").parse::<i64>().unwrap_or(0);
    let input = SurveyInput {
        employer: employer.clone(),
        org: Some(get("org")).filter(|s| !s.is_empty()),
        year,
        lines: lines.clone(),
        notes: Some(get("notes")),
    };
    let event = survey_event(&input);
    match save(&state, &me, &input).await {
        Ok((saved, path)) => {
            let to = format!("/surveys?org={}&saved=1", crate::render::page::encode_component(&get("org")));
            Ok(survey_saved(event, &saved, &path).attach(axum::response::Redirect::to(&to).into_response()))
        }
        Err(e) if e.status == StatusCode::FORBIDDEN => Ok(audited(event, Err(e))),
        Err(e) => {
            let page = page(&state, lang, &uri, &caller, &me, &q, lines, employer, Some(e.message.clone())).await?;
            let mut page = event.attach(page);
            *page.status_mut() = e.status;
            Ok(page)
        }
    }
}
