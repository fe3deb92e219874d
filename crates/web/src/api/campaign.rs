//! Campaigns over JSON: the loaded policies (访企拓岗 quotas as data). The quota engine that
//! turns them into targets per organisation builds on this.

pub mod bases;
pub mod surveys;
pub mod targets;
pub mod visit_photos;
pub mod visits;

use axum::Json;
use axum::extract::{Path, State};
use jiuye_domain::campaign::{Campaign, Condition, Level, Measure};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::Signed;
use crate::error::{AppError, ErrorBody};

#[derive(Debug, Serialize, ToSchema)]
pub struct TargetRule {
    pub id: String,
    pub description: String,
    /// `university`, `college` or `programme`.
    pub level: String,
    /// `always`, `newly_built_or_vocational`, `below_province_average`,
    /// `college_below_university_average`.
    pub applies_when: String,
    /// What counts: `employers_visited_by_leaders`, `new_employers_by_leaders`,
    /// `employers_visited_for_programme`, `employers_visited`.
    pub counts: String,
    pub required: u32,
    pub extra_above_graduates: Option<u32>,
    pub extra_per_graduates: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignDto {
    pub id: String,
    pub name: String,
    pub start: String,
    pub end: String,
    pub reference_cohort: i32,
    pub targets: Vec<TargetRule>,
    pub loaded_at: chrono::DateTime<chrono::Utc>,
}

/// Today on this node: the day visit dates may not pass and the timeline is measured at when
/// none is asked.
pub(crate) fn today() -> chrono::NaiveDate {
    crate::render::time::today()
}

/// The serde id of a policy enum (`newly_built_or_vocational`, `met`, …).
pub(crate) fn snake<T: Serialize>(v: T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

pub(crate) fn dto(c: Campaign, loaded_at: chrono::DateTime<chrono::Utc>) -> CampaignDto {
    CampaignDto {
        id: c.id,
        name: c.name,
        start: c.start.to_string(),
        end: c.end.to_string(),
        reference_cohort: c.reference_cohort,
        targets: c
            .targets
            .into_iter()
            .map(|t| TargetRule {
                id: t.id,
                description: t.description,
                level: snake::<Level>(t.level),
                applies_when: snake::<Condition>(t.applies_when),
                counts: snake::<Measure>(t.counts),
                required: t.required,
                extra_above_graduates: t.extra_above_graduates,
                extra_per_graduates: t.extra_per_graduates,
            })
            .collect(),
        loaded_at,
    }
}

/// The campaigns loaded on this node, newest first (staff).
#[utoipa::path(get, path = "/api/v1/campaigns", tag = "campaigns",
    responses((status = 200, body = Vec<CampaignDto>), (status = 401, description = "`unauthenticated`", body = ErrorBody), (status = 403, description = "`forbidden`", body = ErrorBody)))]
pub async fn list_campaigns(
    State(state): State<AppState>,
    Signed(caller): Signed,
) -> Result<Json<Vec<CampaignDto>>, AppError> {
    let loaded = jiuye_app::campaign::campaigns(state.store.as_ref(), &caller.actor).await?;
    Ok(Json(loaded.into_iter().map(|l| dto(l.campaign, l.loaded_at)).collect()))
}

/// One campaign and its target rules.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}", tag = "campaigns", params(("id" = String, Path)),
    responses((status = 200, body = CampaignDto), (status = 404, description = "`campaign_not_found`", body = ErrorBody)))]
pub async fn get_campaign(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Path(id): Path<String>,
) -> Result<Json<CampaignDto>, AppError> {
    let l = jiuye_app::campaign::campaign(state.store.as_ref(), &caller.actor, &id).await?;
    Ok(Json(dto(l.campaign, l.loaded_at)))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_campaigns)).routes(routes!(get_campaign))
}
