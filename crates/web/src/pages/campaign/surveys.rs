//! The demand survey page: the demand sums of an organisation, with a form to record an
//! employer's answers.

use crate::api::campaign::surveys::SurveyLineDto;
use crate::api::campaign::surveys::survey_event;
use crate::api::campaign::surveys::survey_saved;
use crate::extract::signed_in::SignedIn;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiuye_app::campaign::surveys;
use jiuye_domain::access::Action;
use jiuye_domain::demand;
use jiuye_domain::demand::DemandSummary;
use serde::Deserialize;

use crate::AppState;
use crate::auth::{Caller, audited, forbidden};
use crate::error::{AppError, ErrorCode};
use crate::extract::query::ApiQuery;

/// Blank lines the form offers.
const FORM_LINES: usize = 5;

#[derive(askama::Template)]
#[template(path = "surveys.html")]
struct SurveysPage {
    base: crate::render::page::Base,
    org: String,
    org_picker: String,
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
    me: &Caller,
    q: &SurveysQuery,
    lines: Vec<SurveyLineDto>,
    employer: String,
    error: Option<String>,
) -> Result<Response, AppError> {
    let base = crate::render::page::Base::new(state, lang, "campaigns", uri).signed_in(me);
    let scope = crate::extract::org::home_org(me, &[Action::RecordDemand, Action::ViewStatistics]).ok();
    let own = surveys::own_employer(state.store.as_ref(), &me.actor).await?.map(|e| e.credit_code);
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
        let (o, s) = surveys::summary(state.store.as_ref(), &me.actor, &state.refdata, &org, year).await?;
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
    let org_picker = crate::render::pickers::org_field(
        state.store.as_ref(),
        &base,
        &me.actor,
        &[Action::RecordDemand, Action::ViewStatistics],
        "s_org",
        "campaign.org",
        "picker.scope_own",
        &org,
    )
    .await?;
    let page = SurveysPage {
        base,
        org,
        org_picker,
        year: year_text,
        summary,
        sections,
        chart,
        employer,
        lines,
        education: demand::EDUCATION_LEVELS.to_vec(),
        form_year: chrono::Datelike::year(&crate::render::time::today()) + 1,
        error,
        saved: q.saved.is_some(),
    };
    crate::render::page::render(&page)
}

/// The demand sums of an organisation, with a form to record an employer's answers.
pub async fn surveys_page(
    State(state): State<AppState>,
    lang: crate::i18n::Lang,
    SignedIn(me): SignedIn,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    ApiQuery(q): ApiQuery<SurveysQuery>,
) -> Result<Response, AppError> {
    page(&state, lang, &uri, &me, &q, Vec::new(), String::new(), None).await
}

/// Records a survey from the page's form (blank lines are skipped) through the same use case as
/// the API.
pub async fn surveys_submit(
    State(state): State<AppState>,
    lang: crate::i18n::Lang,
    SignedIn(me): SignedIn,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
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
        let mut resp = page(&state, lang, &uri, &me, &q, lines, employer, Some(m)).await?;
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(resp);
    }
    let year = get("year").parse::<i64>().unwrap_or(0);
    let input = surveys::SurveyInput {
        employer: employer.clone(),
        org: Some(get("org")).filter(|s| !s.is_empty()),
        year,
        lines: lines.iter().map(SurveyLineDto::to_line).collect(),
        notes: Some(get("notes")),
    };
    let event = survey_event(&input);
    match surveys::save(state.store.as_ref(), &me.actor, &state.refdata, &input).await.map_err(AppError::from) {
        Ok(saved) => {
            let to = format!("/surveys?org={}&saved=1", crate::render::page::encode_component(&get("org")));
            Ok(survey_saved(event, &saved).attach(axum::response::Redirect::to(&to).into_response()))
        }
        Err(e) if e.status == StatusCode::FORBIDDEN => Ok(audited(event, Err(e))),
        Err(e) => {
            let page = page(&state, lang, &uri, &me, &q, lines, employer, Some(e.message.clone())).await?;
            let mut page = event.attach(page);
            *page.status_mut() = e.status;
            Ok(page)
        }
    }
}
