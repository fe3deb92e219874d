//! Posting search over HTTP. The index (`jiuye_search`) is derived from the store: built from
//! every approved posting on first use, then kept current by each change to a posting (submit,
//! edit, review), which re-reads that posting and adds, replaces or removes it before answering.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use jiuye_search::{PostingDoc, Query, SearchIndex};
use jiuye_store::postings::PostingRow;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::api::ApiQuery;
use crate::auth::MaybeCaller;
use crate::error::{AppError, ErrorBody};
use crate::postings_api::PostingDto;

/// The index, once built.
#[derive(Default)]
pub struct SearchState {
    index: tokio::sync::OnceCell<Arc<SearchIndex>>,
}

fn unavailable(e: impl std::fmt::Display) -> AppError {
    tracing::error!(error = %e, "search index");
    AppError::new(axum::http::StatusCode::SERVICE_UNAVAILABLE, "search_unavailable", "检索服务暂时不可用，请稍后重试")
}

/// What the index holds of a posting.
fn doc_of(state: &AppState, r: &PostingRow) -> PostingDoc {
    let p = &r.posting;
    let majors: Vec<String> = p
        .majors
        .split(',')
        .filter(|m| !m.is_empty())
        .filter_map(|m| {
            [jiuye_domain::Catalogue::UndergraduateMajors, jiuye_domain::Catalogue::VocationalMajors]
                .into_iter()
                .find_map(|c| state.refdata.entry(c, m).map(|e| e.name.clone()))
        })
        .collect();
    PostingDoc {
        id: p.id,
        text: format!("{}\n{}\n{}\n{}", p.title, r.employer_name, majors.join(" "), p.description),
        province: format!("{}0000", p.region_code.get(..2).unwrap_or("00")),
        education: p.education.clone(),
        specials: p.specials.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect(),
        scope: p.scope_org_id,
        deadline: p.deadline.replace('-', "").parse().unwrap_or(0),
        created_ms: p.created_at.timestamp_millis(),
    }
}

/// The index, building it from the store on first use.
pub(crate) async fn index(state: &AppState) -> Result<Arc<SearchIndex>, AppError> {
    state
        .search
        .index
        .get_or_try_init(|| async {
            let ix =
                tokio::task::spawn_blocking(SearchIndex::in_memory).await.map_err(unavailable)?.map_err(unavailable)?;
            let mut docs = Vec::new();
            let mut seen = 0i64;
            let all = vec![jiuye_domain::OrgCode::NATION.to_owned()];
            loop {
                let (rows, _) = state.store.postings_in(&all, &["approved"], 200, seen).await?;
                if rows.is_empty() {
                    break;
                }
                seen += rows.len() as i64;
                docs.extend(rows.iter().filter(|r| r.employer_verification != "blacklisted").map(|r| doc_of(state, r)));
            }
            let ix = Arc::new(ix);
            let build = ix.clone();
            tokio::task::spawn_blocking(move || build.replace_all(&docs))
                .await
                .map_err(unavailable)?
                .map_err(unavailable)?;
            Ok::<_, AppError>(ix)
        })
        .await
        .cloned()
}

/// Brings one posting's entry up to date after a change (when the index has been built; a
/// build reads the store itself).
pub(crate) async fn refresh(state: &AppState, id: Uuid) -> Result<(), AppError> {
    let Some(ix) = state.search.index.get().cloned() else { return Ok(()) };
    let row = state.store.posting(id).await?;
    let doc = row
        .filter(|r| r.posting.status == "approved" && r.employer_verification != "blacklisted")
        .map(|r| doc_of(state, &r));
    tokio::task::spawn_blocking(move || match doc {
        Some(d) => ix.upsert(&d),
        None => ix.remove(id),
    })
    .await
    .map_err(unavailable)?
    .map_err(unavailable)
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Words to look for (Chinese or English; Traditional characters are understood).
    pub q: Option<String>,
    /// A region code; postings located in its province.
    pub region: Option<String>,
    /// A themed campaign id.
    pub special: Option<String>,
    /// `any`, `vocational`, `bachelor`, `master` or `doctor`.
    pub education: Option<String>,
    /// 1-based.
    pub page: Option<usize>,
}

/// One facet value with its count.
#[derive(Debug, Serialize, ToSchema)]
pub struct FacetCount {
    pub key: String,
    pub name: String,
    pub count: u64,
}

/// Facet counts over every match.
#[derive(Debug, Serialize, ToSchema)]
pub struct Facets {
    pub region: Vec<FacetCount>,
    pub education: Vec<FacetCount>,
    pub special: Vec<FacetCount>,
}

/// A page of search results.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResults {
    pub total: usize,
    pub page: usize,
    pub results: Vec<PostingDto>,
    pub facets: Facets,
}

pub(crate) async fn run(
    state: &AppState,
    caller: Option<&crate::auth::Caller>,
    p: &SearchParams,
) -> Result<SearchResults, AppError> {
    let ix = index(state).await?;
    let scopes: Vec<Uuid> = crate::postings_api::viewer_scopes(state, caller).await?.into_iter().collect();
    let province = p.region.as_deref().map(str::trim).filter(|r| r.len() >= 2).map(|r| format!("{}0000", &r[..2]));
    let today: u64 = chrono::Local::now().date_naive().format("%Y%m%d").to_string().parse().unwrap_or(0);
    let page = p.page.unwrap_or(1).clamp(1, 500);
    let text = p.q.clone().unwrap_or_default();
    if text.chars().count() > 100 {
        return Err(AppError::bad_request("query_too_long", "检索词不超过 100 字"));
    }
    let special = p.special.clone();
    let education = p.education.clone();
    let hits = tokio::task::spawn_blocking(move || {
        ix.search(&Query {
            text: &text,
            province: province.as_deref(),
            special: special.as_deref().filter(|s| !s.is_empty()),
            education: education.as_deref().filter(|s| !s.is_empty()),
            scopes: &scopes,
            today,
            limit: 20,
            offset: (page - 1) * 20,
        })
    })
    .await
    .map_err(unavailable)?
    .map_err(unavailable)?;
    let mut results = Vec::with_capacity(hits.ids.len());
    for id in &hits.ids {
        if let Some(row) = state.store.posting(*id).await? {
            results.push(crate::postings_api::dto_of(state, row));
        }
    }
    let named = |v: Vec<(String, u64)>, name: &dyn Fn(&str) -> String| -> Vec<FacetCount> {
        v.into_iter().map(|(key, count)| FacetCount { name: name(&key), key, count }).collect()
    };
    let region_name = |k: &str| state.refdata.region(k).map(|r| r.name.clone()).unwrap_or_default();
    let edu_name = |k: &str| {
        jiuye_domain::posting::EDUCATION
            .iter()
            .find(|(id, _)| *id == k)
            .map(|(_, n)| (*n).to_owned())
            .unwrap_or_default()
    };
    let special_name = |k: &str| {
        jiuye_domain::posting::specials().iter().find(|s| s.id == k).map(|s| s.name.clone()).unwrap_or_default()
    };
    Ok(SearchResults {
        total: hits.total,
        page,
        results,
        facets: Facets {
            region: named(hits.provinces, &region_name),
            education: named(hits.education, &edu_name),
            special: named(hits.specials, &special_name),
        },
    })
}

/// Searches the postings open to the caller: Chinese word segmentation plus bigrams (a major's
/// name matches however it was split; Traditional characters find Simplified), filters by
/// region, themed campaign and education, facet counts over every match, 20 a page. Expired
/// and unapproved postings are never found.
#[utoipa::path(get, path = "/api/v1/postings/search", tag = "postings", params(SearchParams),
    responses((status = 200, body = SearchResults), (status = 400, description = "`query_too_long`", body = ErrorBody),
        (status = 503, description = "`search_unavailable`", body = ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    caller: MaybeCaller,
    ApiQuery(p): ApiQuery<SearchParams>,
) -> Result<Json<SearchResults>, AppError> {
    Ok(Json(run(&state, caller.0.as_deref(), &p).await?))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(search))
}
