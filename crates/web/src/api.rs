//! JSON API under `/api/v1/`: typed queries in, typed bodies out, every route annotated for the
//! OpenAPI document (which is generated from this very router).

pub mod accounts;
pub mod applications;
pub mod campaign;
pub mod destinations;
pub mod employers;
pub mod postings;
pub mod rosters;
pub mod search;

use crate::error::ErrorCode;
use crate::extract::page::page_bounds;
use crate::extract::query::ApiQuery;
use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiuye_domain::{Catalogue, Org, OrgKind, OrgWithCounts, RefEntry};
use jiuye_store::{OrgQuery, RefQuery};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::error::{AppError, ErrorBody};

/// The kind of an organisation node.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum OrgKindDto {
    Nation,
    Province,
    University,
    College,
    Programme,
    Alliance,
}

impl From<OrgKind> for OrgKindDto {
    fn from(k: OrgKind) -> Self {
        match k {
            OrgKind::Nation => OrgKindDto::Nation,
            OrgKind::Province => OrgKindDto::Province,
            OrgKind::University => OrgKindDto::University,
            OrgKind::College => OrgKindDto::College,
            OrgKind::Programme => OrgKindDto::Programme,
            OrgKind::Alliance => OrgKindDto::Alliance,
        }
    }
}

impl From<OrgKindDto> for OrgKind {
    fn from(k: OrgKindDto) -> Self {
        match k {
            OrgKindDto::Nation => OrgKind::Nation,
            OrgKindDto::Province => OrgKind::Province,
            OrgKindDto::University => OrgKind::University,
            OrgKindDto::College => OrgKind::College,
            OrgKindDto::Programme => OrgKind::Programme,
            OrgKindDto::Alliance => OrgKind::Alliance,
        }
    }
}

/// A reference to an organisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrgRef {
    #[schema(example = "510000")]
    pub code: String,
    #[schema(example = "四川省")]
    pub name: String,
    pub kind: OrgKindDto,
}

impl From<&Org> for OrgRef {
    fn from(o: &Org) -> Self {
        OrgRef { code: o.code.to_string(), name: o.name.clone(), kind: o.kind.into() }
    }
}

/// Headcounts below a node.
#[derive(Debug, Serialize, ToSchema)]
pub struct CountsDto {
    /// Direct children in the tree (for an alliance: member universities).
    pub children: i64,
    /// Graduates anywhere below the node, all cohorts.
    pub graduates: i64,
}

/// An organisation with its attributes and counts.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrgSummary {
    pub id: Uuid,
    #[schema(example = "4151010610")]
    pub code: String,
    pub kind: OrgKindDto,
    #[schema(example = "四川大学")]
    pub name: String,
    /// Codes from the nation down to this node, joined by `/`.
    #[schema(example = "CN/510000/4151010610")]
    pub path: String,
    /// Province-level GB/T 2260 code (none for the nation and national alliances).
    #[schema(example = "510000")]
    pub province_code: Option<String>,
    /// Universities: `undergraduate` (本科) or `vocational` (高职专科).
    pub school_level: Option<String>,
    /// Universities: 新建本科.
    pub newly_built: Option<bool>,
    /// Universities: 民办.
    pub private: Option<bool>,
    /// Universities: 主管部门.
    pub authority: Option<String>,
    /// GB/T 2260 code of the location.
    pub region_code: Option<String>,
    /// Programmes: the catalogue major code.
    pub major_code: Option<String>,
    /// The node the record was created on.
    pub origin_node: Uuid,
    pub version: i64,
    pub counts: CountsDto,
}

impl OrgSummary {
    fn new(o: &Org, counts: &jiuye_domain::OrgCounts) -> OrgSummary {
        let uni = o.kind == OrgKind::University;
        OrgSummary {
            id: o.id,
            code: o.code.to_string(),
            kind: o.kind.into(),
            name: o.name.clone(),
            path: o.path.clone(),
            province_code: o.province_code.clone(),
            school_level: o.school_level.map(|l| l.id().to_owned()),
            newly_built: uni.then_some(o.newly_built),
            private: uni.then_some(o.private),
            authority: o.authority.clone(),
            region_code: o.region_code.clone(),
            major_code: o.major_code.clone(),
            origin_node: o.origin_node,
            version: o.version,
            counts: CountsDto { children: counts.children, graduates: counts.graduates },
        }
    }
}

/// An organisation with its place in the tree and its children.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrgDetail {
    #[serde(flatten)]
    pub org: OrgSummary,
    /// The parent node (none for the nation).
    pub parent: Option<OrgRef>,
    /// The province the node belongs to (none for the nation).
    pub province: Option<OrgRef>,
    /// From the nation down to the parent.
    pub ancestors: Vec<OrgRef>,
    /// Direct children with their counts (alliance: member universities).
    pub children: Vec<OrgSummary>,
    /// Alliances the node belongs to or that sit under it.
    pub alliances: Vec<OrgRef>,
}

/// Loads an organisation with everything its page and its API answer show.
pub(crate) async fn load_org(state: &AppState, raw: &str) -> Result<(Org, OrgDetail), AppError> {
    let place = jiuye_app::orgs::place(state.store.as_ref(), raw).await?;
    let detail = OrgDetail {
        org: OrgSummary::new(&place.org, &place.counts),
        parent: place.parent().map(OrgRef::from),
        province: place.province().map(OrgRef::from),
        ancestors: place.ancestors.iter().map(OrgRef::from).collect(),
        children: place.children.iter().map(|OrgWithCounts { org, counts }| OrgSummary::new(org, counts)).collect(),
        alliances: place.alliances.iter().map(OrgRef::from).collect(),
    };
    Ok((place.org, detail))
}

/// One organisation: attributes, counts, ancestors, children and alliances.
#[utoipa::path(
    get,
    path = "/api/v1/orgs/{code}",
    tag = "organisations",
    params(("code" = String, Path, description = "Organisation code: `CN`, a province code (510000), a school code (4151010610), a college (4151010610-01), a programme (4151010610-01-080901) or an alliance (AL5101)")),
    responses(
        (status = 200, description = "The organisation", body = OrgDetail),
        (status = 400, description = "Malformed code (`invalid_org_code`)", body = ErrorBody),
        (status = 404, description = "No such organisation (`org_not_found`)", body = ErrorBody),
    )
)]
pub async fn get_org(State(state): State<AppState>, Path(code): Path<String>) -> Result<Json<OrgDetail>, AppError> {
    Ok(Json(load_org(&state, &code).await?.1))
}

/// Filters for the organisation search.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrgListParams {
    /// Name contains, or code starts with.
    pub q: Option<String>,
    pub kind: Option<OrgKindDto>,
    /// Province-level code, e.g. 510000.
    pub province: Option<String>,
    /// 1–200, default 50.
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// An organisation in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrgListItem {
    pub code: String,
    pub name: String,
    pub kind: OrgKindDto,
    pub province_code: Option<String>,
    pub school_level: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrgList {
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
    pub items: Vec<OrgListItem>,
}

/// Searches organisations by name or code, optionally by kind and province.
#[utoipa::path(
    get,
    path = "/api/v1/orgs",
    tag = "organisations",
    params(OrgListParams),
    responses(
        (status = 200, description = "Matching organisations, by code", body = OrgList),
        (status = 400, description = "Bad filter (`invalid_query`)", body = ErrorBody),
    )
)]
pub async fn list_orgs(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<OrgListParams>,
) -> Result<Json<OrgList>, AppError> {
    let (limit, offset) = page_bounds(p.limit, p.offset, 50, 200)?;
    let (orgs, total) = jiuye_app::orgs::search(
        state.store.as_ref(),
        &OrgQuery { q: p.q, kind: p.kind.map(Into::into), province_code: p.province, limit, offset },
    )
    .await?;
    Ok(Json(OrgList {
        total,
        limit,
        offset,
        items: orgs
            .iter()
            .map(|o| OrgListItem {
                code: o.code.to_string(),
                name: o.name.clone(),
                kind: o.kind.into(),
                province_code: o.province_code.clone(),
                school_level: o.school_level.map(|l| l.id().to_owned()),
            })
            .collect(),
    }))
}

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
    /// 1–1000, default 100.
    pub limit: Option<i64>,
    pub offset: Option<i64>,
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
    params(("catalogue" = String, Path, description = "Catalogue id, e.g. `destinations`, `undergraduate_majors`, `regions`"), RefListParams),
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
) -> Result<Json<RefList>, AppError> {
    let c = parse_catalogue(&catalogue)?;
    let (limit, offset) = page_bounds(p.limit, p.offset, 100, 1000)?;
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

/// Health of this node.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: String,
    #[schema(example = "sqlite")]
    pub database: String,
}

/// 200 when the database answers, 503 otherwise.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    responses(
        (status = 200, description = "Serving", body = Health),
        (status = 503, description = "Database not answering (`database_unavailable`)", body = ErrorBody),
    )
)]
pub async fn healthz(State(state): State<AppState>) -> Response {
    let probe = tokio::time::timeout(std::time::Duration::from_secs(3), state.store.ping()).await;
    match probe {
        Ok(Ok(())) => Json(Health { status: "ok".into(), database: state.store.backend().id().into() }).into_response(),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "health probe failed");
            AppError::new(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::DatabaseUnavailable, "数据库没有响应")
                .into_response()
        }
        Err(_) => AppError::new(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::DatabaseUnavailable, "数据库响应超时")
            .into_response(),
    }
}

/// Prometheus text: request counts and latencies by route, database pool.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    responses((status = 200, description = "Prometheus text format", body = String, content_type = "text/plain"))
)]
pub async fn metrics(State(state): State<AppState>) -> Response {
    let up = state.store.ping().await.is_ok();
    let body = state.metrics.render(state.store.pool_stats(), state.store.backend().id(), up);
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], body).into_response()
}

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "jiuye API",
        description = "Graduate employment platform. Errors are always `{\"error\": code, \"message\": text}`.",
        license(name = "Apache-2.0")
    ),
    tags(
        (name = "organisations", description = "The organisation tree: nation, provinces, universities, colleges, programmes, alliances"),
        (name = "reference data", description = "Official code lists shipped with the platform"),
        (name = "identity", description = "Sign-in, the caller, tokens, accounts within scope, the audit log. Without credentials: 401 `unauthenticated`; outside the caller's scope: 403 `forbidden` or 404"),
        (name = "graduates", description = "Roster import and placement statistics (毕业去向落实率)"),
        (name = "employers", description = "The shared employer directory (用人单位库)"),
        (name = "campaigns", description = "Campaign policies as data (访企拓岗 quotas), visits, bases and the demand survey"),
        (name = "postings", description = "Job postings: scam screening, submission, review, reports, applications"),
        (name = "operations", description = "Health and metrics"),
    )
)]
struct ApiDoc;

/// The documented routes.
pub fn router() -> OpenApiRouter<AppState> {
    use utoipa::OpenApi;
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(get_org))
        .routes(routes!(list_orgs))
        .routes(routes!(list_catalogues))
        .routes(routes!(list_ref))
        .routes(routes!(get_ref))
        .routes(routes!(healthz))
        .routes(routes!(metrics))
        .merge(crate::api::accounts::router())
        .merge(crate::api::rosters::router())
        .merge(crate::api::destinations::router())
        .merge(crate::api::employers::router())
        .merge(crate::api::campaign::router())
        .merge(crate::api::campaign::visits::router())
        .merge(crate::api::campaign::targets::router())
        .merge(crate::api::campaign::bases::router())
        .merge(crate::api::campaign::surveys::router())
        .merge(crate::api::postings::router())
        .merge(crate::api::applications::router())
        .merge(crate::api::search::router())
}
