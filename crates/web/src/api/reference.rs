//! The shipped code lists over JSON: which catalogues there are, their entries and one entry.

use crate::AppState;
use crate::error::ErrorCode;
use crate::error::{AppError, ErrorBody};
use crate::extract::page::{Page, PageParams};
use crate::extract::query::ApiQuery;
use axum::Json;
use axum::extract::{Path, State};
use jiuye_domain::{Catalogue, RefEntry};
use jiuye_store::RefQuery;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

/// A shipped code list.
#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogueInfo {
    #[schema(example = "destinations")]
    pub id: String,
    pub title_zh: String,
    pub title_en: String,
    pub entries: usize,
}

/// The code lists this node ships.
#[utoipa::path(
    get,
    path = "/api/v1/ref",
    tag = "reference data",
    responses((status = 200, description = "Catalogues", body = Vec<CatalogueInfo>))
)]
pub async fn list_catalogues(State(state): State<AppState>) -> Json<Vec<CatalogueInfo>> {
    Json(
        Catalogue::ALL
            .iter()
            .map(|c| CatalogueInfo {
                id: c.id().to_owned(),
                title_zh: c.title_zh().to_owned(),
                title_en: c.title_en().to_owned(),
                entries: state.refdata.entries_of(*c).count(),
            })
            .collect(),
    )
}

/// One entry of a code list.
#[derive(Debug, Serialize, ToSchema)]
pub struct RefEntryDto {
    #[schema(example = "080901")]
    pub code: String,
    #[schema(example = "计算机科学与技术")]
    pub name: String,
    /// 1 is the top of the hierarchy.
    pub level: u8,
    pub parent_code: Option<String>,
    /// Extra published columns, e.g. `counts_as_placed` for destination codes.
    pub attrs: BTreeMap<String, String>,
}

impl From<RefEntry> for RefEntryDto {
    fn from(e: RefEntry) -> Self {
        RefEntryDto { code: e.code, name: e.name, level: e.level, parent_code: e.parent_code, attrs: e.attrs }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RefListParams {
    /// Code starts with, or name contains.
    pub q: Option<String>,
    /// Only the children of this code.
    pub parent: Option<String>,
    /// Only this level (1 = top).
    pub level: Option<u8>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RefList {
    pub catalogue: String,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
    pub items: Vec<RefEntryDto>,
}

pub(crate) fn parse_catalogue(id: &str) -> Result<Catalogue, AppError> {
    Catalogue::from_id(id).ok_or_else(|| {
        let known: Vec<&str> = Catalogue::ALL.iter().map(|c| c.id()).collect();
        AppError::not_found(
            ErrorCode::UnknownCatalogue,
            format!("没有名为“{id}”的代码目录；可用的有：{}", known.join("、")),
        )
    })
}

/// Entries of one code list, filtered and paged.
#[utoipa::path(
    get,
    path = "/api/v1/ref/{catalogue}",
    tag = "reference data",
    params(("catalogue" = String, Path, description = "Catalogue id, e.g. `destinations`, `undergraduate_majors`, `regions`"), RefListParams, PageParams),
    responses(
        (status = 200, description = "Entries by code", body = RefList),
        (status = 400, description = "Bad filter (`invalid_query`)", body = ErrorBody),
        (status = 404, description = "No such catalogue (`unknown_catalogue`)", body = ErrorBody),
    )
)]
pub async fn list_ref(
    State(state): State<AppState>,
    Path(catalogue): Path<String>,
    ApiQuery(p): ApiQuery<RefListParams>,
    page: Page<100>,
) -> Result<Json<RefList>, AppError> {
    let c = parse_catalogue(&catalogue)?;
    let Page { limit, offset } = page;
    let page =
        state.store.ref_entries(c, &RefQuery { q: p.q, parent: p.parent, level: p.level, limit, offset }).await?;
    Ok(Json(RefList {
        catalogue: c.id().to_owned(),
        total: page.total,
        limit,
        offset,
        items: page.entries.into_iter().map(Into::into).collect(),
    }))
}

/// One entry of a code list.
#[utoipa::path(
    get,
    path = "/api/v1/ref/{catalogue}/{code}",
    tag = "reference data",
    params(
        ("catalogue" = String, Path, description = "Catalogue id"),
        ("code" = String, Path, description = "Code within the catalogue"),
    ),
    responses(
        (status = 200, description = "The entry", body = RefEntryDto),
        (status = 404, description = "No such catalogue or code (`unknown_catalogue`, `ref_entry_not_found`)", body = ErrorBody),
    )
)]
pub async fn get_ref(
    State(state): State<AppState>,
    Path((catalogue, code)): Path<(String, String)>,
) -> Result<Json<RefEntryDto>, AppError> {
    let c = parse_catalogue(&catalogue)?;
    let e = state.store.ref_entry(c, &code).await?.ok_or_else(|| {
        AppError::not_found(ErrorCode::RefEntryNotFound, format!("{} 中没有代码 {code}", c.title_zh()))
    })?;
    Ok(Json(e.into()))
}
