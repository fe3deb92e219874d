//! How a posting is shown in JSON: the record with its place of work named, its majors and
//! campaigns as lists, and its screening reasons.

use chrono::Utc;
use jiuye_domain::screening::Reason;
use jiuye_store::postings::PostingRow;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
/// A posting.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PostingDto {
    pub id: Uuid,
    pub employer_id: Uuid,
    pub employer_credit_code: String,
    pub employer_name: String,
    pub title: String,
    pub description: String,
    pub region: String,
    pub region_name: String,
    pub position: String,
    pub education: String,
    pub majors: Vec<String>,
    pub openings: i64,
    pub salary_min: Option<i64>,
    pub salary_max: Option<i64>,
    pub deadline: String,
    pub contact: String,
    pub apply_method: String,
    pub visibility: String,
    /// The code of the organisation it appears in.
    pub scope: String,
    /// The themed campaigns (专场) it joined.
    pub specials: Vec<String>,
    /// The occupation (职业分类大典 2022) chosen for it; absent when its title decides.
    pub occupation: Option<String>,
    pub occupation_name: Option<String>,
    /// `pending` (awaiting review), `approved`, `held` (screened high-risk, awaiting review),
    /// `rejected` or `withdrawn`.
    pub status: String,
    /// The screening: `low`, `medium` or `high`, and why.
    pub risk_level: String,
    pub reasons: Vec<Reason>,
    pub review_note: Option<String>,
    /// Approved, but changed screening rules rate it high-risk: visible with its warning while
    /// it waits for its reviewers to decide again.
    pub recheck: bool,
    /// How many people reported it as suspicious.
    pub report_count: i64,
    /// The reports (for its reviewers only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reports: Vec<ReportDto>,
    pub version: i64,
    pub created_at: chrono::DateTime<Utc>,
}

/// One report of a suspicious posting.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ReportDto {
    pub reason: String,
    pub at: chrono::DateTime<Utc>,
}

/// The name of an occupation code of the table.
pub(crate) fn occupation_name(code: Option<&str>) -> Option<String> {
    code.and_then(|c| jiuye_domain::matching::titles::Occupations::shipped().get(c)).map(|o| o.name.clone())
}

pub(crate) fn dto(state: &AppState, r: PostingRow) -> PostingDto {
    let p = r.posting;
    let scope = r.scope_path.rsplit('/').next().unwrap_or_default().to_owned();
    PostingDto {
        id: p.id,
        employer_id: p.employer_id,
        employer_credit_code: r.employer_code,
        employer_name: r.employer_name,
        region_name: state.refdata.region(&p.region_code).map(|x| x.name.clone()).unwrap_or_default(),
        title: p.title,
        description: p.description,
        region: p.region_code,
        position: p.position_code,
        education: p.education,
        majors: p.majors.split(',').filter(|m| !m.is_empty()).map(str::to_owned).collect(),
        openings: p.openings,
        salary_min: p.salary_min,
        salary_max: p.salary_max,
        deadline: p.deadline.format("%Y-%m-%d").to_string(),
        contact: p.contact,
        apply_method: p.apply_method,
        visibility: p.visibility,
        scope,
        specials: p.specials.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect(),
        occupation_name: occupation_name(p.occupation.as_deref()),
        occupation: p.occupation,
        status: p.status.id().to_owned(),
        risk_level: p.risk_level,
        reasons: serde_json::from_str(&p.risk_reasons).unwrap_or_default(),
        review_note: p.review_note,
        recheck: r.recheck_at.is_some(),
        report_count: r.report_count,
        reports: Vec::new(),
        version: p.version,
        created_at: p.created_at,
    }
}

impl From<jiuye_app::postings::Report> for ReportDto {
    fn from(r: jiuye_app::postings::Report) -> ReportDto {
        ReportDto { reason: r.reason, at: r.at }
    }
}
