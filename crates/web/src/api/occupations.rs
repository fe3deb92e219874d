//! Occupations (职业分类大典 2022) suggested for a job title, as this node labels titles: the
//! table's names and aliases plus the titles whose occupation a person chose here.

use axum::Json;
use axum::extract::State;
use jiuye_domain::matching::titles::Occupations;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::{AppError, ErrorBody, ErrorCode};
use crate::extract::query::ApiQuery;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestParams {
    /// The job title as the employer writes it (1–100 characters).
    pub title: String,
    /// How many occupations (1–20, 5 unless given).
    pub limit: Option<usize>,
}

/// One suggested occupation.
#[derive(Debug, Serialize, ToSchema)]
pub struct OccupationSuggestion {
    #[schema(example = "2-02-10-03")]
    pub code: String,
    #[schema(example = "软件工程技术人员")]
    pub name: String,
    /// 4 for an occupation; 1–3 for a group when the title says no more.
    pub level: u8,
    /// Higher is better; not a probability.
    pub score: f32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OccupationSuggestions {
    pub items: Vec<OccupationSuggestion>,
}

/// The occupations a posting with this title would most likely be filed under, best first:
/// what the posting form offers, and what matching reads when the employer chooses none.
/// Labelled titles are those of the approved postings with a chosen occupation, as of the
/// node's last matching refresh.
#[utoipa::path(get, path = "/api/v1/occupations/suggestions", tag = "reference data", params(SuggestParams),
    responses((status = 200, description = "Occupations, best first", body = OccupationSuggestions),
        (status = 400, description = "`invalid_title`: empty or longer than 100 characters", body = ErrorBody)))]
pub async fn suggest_occupations(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<SuggestParams>,
) -> Result<Json<OccupationSuggestions>, AppError> {
    let title = p.title.trim();
    if title.is_empty() || title.chars().count() > jiuye_domain::text::TITLE {
        return Err(AppError::bad_request(
            ErrorCode::InvalidTitle,
            format!("职位名称应为 1–{} 个字", jiuye_domain::text::TITLE),
        ));
    }
    Ok(Json(OccupationSuggestions { items: suggestions(&state, title, p.limit.unwrap_or(5).clamp(1, 20)) }))
}

/// The best `k` occupations for `title` on this node.
pub(crate) fn suggestions(state: &AppState, title: &str, k: usize) -> Vec<OccupationSuggestion> {
    let occ = Occupations::shipped();
    state
        .matching
        .titles()
        .normalise(occ, title, k)
        .into_iter()
        .map(|m| OccupationSuggestion {
            level: occ.get(&m.code).map_or(0, |o| o.level),
            code: m.code,
            name: m.name,
            score: m.score,
        })
        .collect()
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(suggest_occupations))
}
